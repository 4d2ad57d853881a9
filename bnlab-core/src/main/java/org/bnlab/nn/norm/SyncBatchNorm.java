package org.bnlab.nn.norm;

import org.bnlab.kernel.KernelProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bnlab.dist.Collective;
import org.bnlab.kernel.BatchNormKernel;
import org.bnlab.nn.Module;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Tensor;

/**
 * torch.nn.SyncBatchNorm: batch normalization over a global batch split across the replicas of a
 * {@link Collective}. Each replica holds one slice (any size, empty included); in training every replica
 * normalizes with the statistics of the whole global batch, so the result is that of {@link BatchNorm}
 * on the concatenated batch.
 *
 * <pre>
 *   forward:  per replica r, its count m_r = N_r*H*W, mean_r and biased var_r (the BN kernel);
 *             all-gather (m_r, mean_r, var_r); combine in rank order, skipping m_r = 0
 *             (Chan, Golub &amp; LeVeque 1979):  d = mean_r - mean,  M = M + m_r,
 *               mean += d * m_r / M,   var = (var * (M - m_r) + var_r * m_r + d^2 * (M - m_r) * m_r / M) / M
 *             y = (x - mean) / sqrt(var + eps) * weight + bias;  running stats updated once with the
 *             global mean and the unbiased global variance var * M/(M - 1), identically on every replica
 *   backward: local sum(dy), sum(dy (x - mean)) (about the global mean); all-gather both in one call
 *             and sum them in rank order; dx by the BN formula with the global count M
 * </pre>
 *
 * weight.grad and bias.grad are this replica's share (its sum(dy) and sum(dy * xhat)), as in PyTorch:
 * they are reduced across replicas with the other parameters' gradients, not here.
 *
 * <p>Combining (count, mean, var) rather than (sum, sum of squares) keeps the two-pass accuracy of the
 * BN kernel (no cancellation for a mean of 1e4 over a spread of 1e-3), and the rank order makes the
 * result identical on every replica and independent of timing. It equals BatchNorm on the full batch up
 * to the rounding of the partial sums (a few float ulps; see docs/NORMALIZATION.md).
 *
 * <p>Like PyTorch's: in eval mode, or with no collective or a collective of one replica, it is plain
 * {@link BatchNorm} (the wrapped layer does the work, bit for bit). Parameters, buffers and state_dict
 * names are BatchNorm's, so checkpoints move freely between the two. Every replica must call forward
 * and backward the same number of times in the same mode, even with an empty slice: a replica that
 * skips one leaves the others waiting in the collective. The kernels run on the calling thread (the
 * replicas are the parallelism).
 */
public final class SyncBatchNorm implements Module {
    private final BatchNorm bn;
    private final Collective collective;
    private final int rank;
    private final int channels;
    private final String name;
    private final BatchNormKernel kernel = KernelProvider.get().batchNorm();

    // Per-channel workspaces (allocated once).
    private final double[] localMean;
    private final double[] localVar;
    private final double[] mean;
    private final double[] var;
    private final double[] invStd;
    private final float[] meanHi;
    private final float[] meanLo;
    private final float[] alpha;
    private final float[] shift;
    private final double[] sumDy;
    private final double[] sumDyXmu;
    private final float[] meanDy;
    private final float[] kCoef;
    private final float[] ones;
    private final float[] zeros;
    // Messages: statistics [m, mean (C), var (C)] and backward sums [sum dy (C), sum dy (x - mean) (C)], per replica.
    private final double[] statsSend;
    private final double[] statsRecv;
    private final double[] gradSend;
    private final double[] gradRecv;

    // The last forward.
    private Tensor input;
    private boolean synced;
    private long globalCount;
    private Tensor outputBuffer;
    private Tensor gradInputBuffer;

    private SyncBatchNorm(BatchNorm bn, Collective collective, int rank) {
        if (bn == null) {
            throw new IllegalArgumentException("SyncBatchNorm: the BatchNorm to convert is null");
        }
        int r = collective == null ? 1 : collective.size();
        if (rank < 0 || rank >= r) {
            throw new IllegalArgumentException("SyncBatchNorm(" + bn.numFeatures() + "): rank " + rank + " is outside [0, " + r + ")");
        }
        this.bn = bn;
        this.collective = collective;
        this.rank = rank;
        this.channels = bn.numFeatures();
        this.name = "SyncBatchNorm(" + channels + ") replica " + rank;
        int c = channels;
        localMean = new double[c];
        localVar = new double[c];
        mean = new double[c];
        var = new double[c];
        invStd = new double[c];
        meanHi = new float[c];
        meanLo = new float[c];
        alpha = new float[c];
        shift = new float[c];
        sumDy = new double[c];
        sumDyXmu = new double[c];
        meanDy = new float[c];
        kCoef = new float[c];
        ones = new float[c];
        Arrays.fill(ones, 1f);
        zeros = new float[c];
        statsSend = new double[1 + 2 * c];
        statsRecv = new double[r * (1 + 2 * c)];
        gradSend = new double[2 * c];
        gradRecv = new double[r * 2 * c];
    }

    /**
     * PyTorch's convert_sync_batchnorm for one layer: a SyncBatchNorm for replica {@code rank} of
     * {@code collective} (null: a single replica) that takes over {@code bn}'s configuration,
     * parameters and buffers (the same arrays, not copies).
     */
    public static SyncBatchNorm convert(BatchNorm bn, Collective collective, int rank) {
        return new SyncBatchNorm(bn, collective, rank);
    }

    /**
     * PyTorch's convert_sync_batchnorm for a model: a Sequential with the same children, except that
     * every BatchNorm (also inside nested Sequentials) is converted with {@link #convert(BatchNorm,
     * Collective, int)}. Layers are shared with {@code model}, not copied.
     */
    public static Sequential convert(Sequential model, Collective collective, int rank) {
        List<Module> children = new ArrayList<>();
        for (Module m : model.modules()) {
            if (m instanceof BatchNorm) {
                children.add(convert((BatchNorm) m, collective, rank));
            } else if (m instanceof Sequential) {
                children.add(convert((Sequential) m, collective, rank));
            } else {
                children.add(m);
            }
        }
        return new Sequential(children.toArray(new Module[0]));
    }

    // ---------------------------------------------------------------- forward

    @Override
    public Tensor forwardBuffered(Tensor x, boolean training) {
        synced = training && collective != null && collective.size() > 1;
        if (!synced) {
            return bn.forwardBuffered(x, training);
        }
        bn.checkInput(x);
        if (outputBuffer == null || !outputBuffer.sameShape(x)) {
            outputBuffer = Tensor.zeros(x.shape());
        }
        input = null;
        int n = x.size(0);
        int s = x.dim() == 4 ? x.size(2) * x.size(3) : 1;
        long m = (long) n * s;
        if (m > 0) {
            kernel.stats(x.data(), 0, n, channels, s, 0, channels, localMean, localVar);
        } else {
            Arrays.fill(localMean, 0);
            Arrays.fill(localVar, 0);
        }
        statsSend[0] = m;
        System.arraycopy(localMean, 0, statsSend, 1, channels);
        System.arraycopy(localVar, 0, statsSend, 1 + channels, channels);
        collective.allGather(rank, statsSend, statsRecv);
        long total = combineStatistics();
        // every replica sees the same total and statistics, so every replica takes the same branch below
        if (total == 1) {
            throw new IllegalArgumentException(name + ": Expected more than 1 value per channel when training, got 1 value per channel"
                    + " in the global batch (this replica's input size " + Arrays.toString(x.shape()) + ")");
        }
        globalCount = total;
        if (total > 0) {
            checkFiniteStatistics();
            float[] gamma = bn.affine() ? bn.weight() : ones;
            float[] beta = bn.affine() ? bn.bias() : zeros;
            BatchNormSteps.normalization(invStd, meanHi, meanLo, alpha, shift, mean, var, gamma, beta, bn.eps(), 0, channels);
            if (m > 0) {
                kernel.normalize(x.data(), outputBuffer.data(), 0, n, channels, s, 0, channels, meanHi, meanLo, alpha, shift);
            }
            if (bn.trackRunningStats()) {
                bn.updateRunningStats(mean, var, total);
            }
        }
        input = x;
        return outputBuffer;
    }

    /** Chan et al.'s pairwise combination of the gathered (count, mean, var), in rank order; returns the global count. */
    private long combineStatistics() {
        int w = 1 + 2 * channels;
        long total = 0;
        for (int r = 0; r < collective.size(); r++) {
            int base = r * w;
            long mr = (long) statsRecv[base];
            if (mr == 0) {
                continue; // an empty slice has no statistics (PyTorch masks it too)
            }
            if (total == 0) {
                System.arraycopy(statsRecv, base + 1, mean, 0, channels);
                System.arraycopy(statsRecv, base + 1 + channels, var, 0, channels);
            } else {
                double mt = (double) total + mr;
                double wr = mr / mt;
                for (int c = 0; c < channels; c++) {
                    double d = statsRecv[base + 1 + c] - mean[c];
                    // M2 = M2_a + M2_b + d^2 * m_a * m_b / (m_a + m_b), divided by the new count
                    var[c] = (var[c] * total + statsRecv[base + 1 + channels + c] * mr + d * d * total * wr) / mt;
                    mean[c] += d * wr;
                }
            }
            total += mr;
        }
        return total;
    }

    private void checkFiniteStatistics() {
        for (int c = 0; c < channels; c++) {
            if (Double.isNaN(mean[c]) || Double.isNaN(var[c])) {
                List<Integer> bad = new ArrayList<>();
                int w = 1 + 2 * channels;
                for (int r = 0; r < collective.size(); r++) {
                    if (Double.isNaN(statsRecv[r * w + 1 + c]) || Double.isNaN(statsRecv[r * w + 1 + channels + c])) {
                        bad.add(r);
                    }
                }
                throw new IllegalArgumentException(name + ": the input of replica(s) " + bad + " has NaN or Inf in channel " + c
                        + "; the global batch was rejected and the running statistics are unchanged");
            }
        }
    }

    // ---------------------------------------------------------------- backward

    @Override
    public Tensor backwardBuffered(Tensor gradOutput) {
        if (!synced) {
            return bn.backwardBuffered(gradOutput);
        }
        if (input == null) {
            throw new IllegalArgumentException(name + ": backward called before a successful forward");
        }
        if (gradOutput == null || !gradOutput.sameShape(input)) {
            throw new IllegalArgumentException(name + ".backward: gradOutput has shape "
                    + (gradOutput == null ? "null" : Arrays.toString(gradOutput.shape()))
                    + " but the last forward's input had shape " + Arrays.toString(input.shape()));
        }
        if (gradInputBuffer == null || !gradInputBuffer.sameShape(gradOutput)) {
            gradInputBuffer = Tensor.zeros(gradOutput.shape());
        }
        if (globalCount == 0) {
            return gradInputBuffer; // the whole global batch was empty: no replica joins a collective
        }
        int n = input.size(0);
        int s = input.dim() == 4 ? input.size(2) * input.size(3) : 1;
        long m = (long) n * s;
        if (m > 0) {
            kernel.backwardSums(input.data(), gradOutput.data(), 0, n, channels, s, 0, channels, meanHi, meanLo, sumDy, sumDyXmu);
        } else {
            Arrays.fill(sumDy, 0);
            Arrays.fill(sumDyXmu, 0);
        }
        if (bn.affine()) {
            BatchNormSteps.accumulateAffineGrads(bn.weightGrad(), bn.biasGrad(), sumDy, sumDyXmu, invStd, channels);
        }
        System.arraycopy(sumDy, 0, gradSend, 0, channels);
        System.arraycopy(sumDyXmu, 0, gradSend, channels, channels);
        collective.allGather(rank, gradSend, gradRecv);
        // all-reduce: the sum over replicas, in rank order (the same doubles on every replica)
        Arrays.fill(sumDy, 0);
        Arrays.fill(sumDyXmu, 0);
        for (int r = 0; r < collective.size(); r++) {
            int base = r * 2 * channels;
            for (int c = 0; c < channels; c++) {
                sumDy[c] += gradRecv[base + c];
                sumDyXmu[c] += gradRecv[base + channels + c];
            }
        }
        float[] gamma = bn.affine() ? bn.weight() : ones;
        BatchNormSteps.backward(alpha, meanDy, kCoef, invStd, sumDy, sumDyXmu, gamma, globalCount, 0, channels);
        if (m > 0) {
            kernel.backwardInput(input.data(), gradOutput.data(), gradInputBuffer.data(), 0, n, channels, s, 0, channels,
                    meanHi, meanLo, alpha, meanDy, kCoef);
        }
        return gradInputBuffer;
    }

    // ---------------------------------------------------------------- state

    @Override
    public List<Parameter> parameters() {
        return bn.parameters();
    }

    @Override
    public void stateDict(String prefix, StateDict out) {
        bn.stateDict(prefix, out);
    }

    @Override
    public void loadStateDict(String prefix, StateDict in) {
        bn.loadStateDict(prefix, in);
    }

    /** The BatchNorm whose configuration, parameters and buffers this layer uses (live, shared). */
    public BatchNorm batchNorm() {
        return bn;
    }

    /** The collective, or null for a single replica. */
    public Collective collective() {
        return collective;
    }

    public int rank() {
        return rank;
    }

    public int numFeatures() {
        return channels;
    }

    /** gamma, live; null when affine is false. */
    public float[] weight() {
        return bn.weight();
    }

    /** beta, live; null when affine is false. */
    public float[] bias() {
        return bn.bias();
    }

    public float[] weightGrad() {
        return bn.weightGrad();
    }

    public float[] biasGrad() {
        return bn.biasGrad();
    }

    /** Live running mean (of the global batches); null when trackRunningStats is false. */
    public float[] runningMean() {
        return bn.runningMean();
    }

    /** Live running unbiased variance (of the global batches); null when trackRunningStats is false. */
    public float[] runningVar() {
        return bn.runningVar();
    }

    public long numBatchesTracked() {
        return bn.numBatchesTracked();
    }

    @Override
    public String toString() {
        return "Sync" + bn + " replica " + rank + " of " + (collective == null ? 1 : collective.size());
    }
}
