package org.bnlab.nn.norm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bnlab.dist.Collective;
import org.bnlab.kernel.BatchNormKernel;
import org.bnlab.kernel.KernelProvider;
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
 * skips one leaves the others waiting in the collective.
 *
 * <p>Structure: {@link BatchNormOp} with the statistics and the backward sums of the global batch in
 * its {@link BatchNormOp.Saved} (count M); the local statistics and sums are one kernel call over the
 * slice on the calling thread (the replicas are the parallelism), the elementwise passes are the op's.
 */
public final class SyncBatchNorm extends NormModule {
    private final BatchNorm bn;
    private final Collective collective;
    private final int rank;
    private final int channels;
    private final BatchNormKernel kernel = KernelProvider.get().batchNorm();

    /** The last synced forward, for backward: the global batch's statistics (count M) and this slice's view. */
    private final BatchNormOp.Saved saved;
    /** Which path the last forward took: synced (this layer's Saved) or plain BatchNorm (the wrapped layer's). */
    private boolean synced;
    private final double[] localMean;
    private final double[] localVar;
    // Messages: statistics [m, mean (C), var (C)] and backward sums [sum dy (C), sum dy (x - mean) (C)], per replica.
    private final double[] statsSend;
    private final double[] statsRecv;
    private final double[] gradSend;
    private final double[] gradRecv;

    private SyncBatchNorm(BatchNorm bn, Collective collective, int rank) {
        super(bn == null ? "SyncBatchNorm" : "SyncBatchNorm(" + bn.numFeatures() + ") replica " + rank);
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
        int c = channels;
        saved = new BatchNormOp.Saved(c);
        localMean = new double[c];
        localVar = new double[c];
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

    @Override
    void checkInput(Tensor x, boolean training) {
        bn.checkInput(x, training);
    }

    // ---------------------------------------------------------------- forward

    /** Even an empty slice joins the collective: every replica calls the same collectives in the same order. */
    @Override
    void forwardInto(Tensor x, boolean training, Tensor out) {
        synced = training && collective != null && collective.size() > 1;
        if (!synced) {
            bn.forwardInto(x, training, out);
            return;
        }
        int n = x.size(0);
        int s = NormLayer.spatial(x);
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
        if (total > 0) {
            checkFiniteStatistics();
        }
        BatchNormOp.useStatistics(saved, x.data(), 0, n, s, total, bn.eps());
        BatchNormOp.affineCoefficients(saved, bn.weight(), bn.bias());
        if (m > 0) {
            BatchNormOp.normalize(saved, out.data());
        }
        if (total > 0 && bn.trackRunningStats()) {
            bn.updateRunningStats(saved.mean, saved.var, total);
        }
    }

    /**
     * Chan et al.'s pairwise combination of the gathered (count, mean, var), in rank order, into
     * {@code saved.mean, saved.var} (0 for an empty global batch); returns the global count.
     */
    private long combineStatistics() {
        double[] mean = saved.mean;
        double[] var = saved.var;
        Arrays.fill(mean, 0);
        Arrays.fill(var, 0);
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

    /** Names the replicas whose slice holds NaN or Inf. */
    private void checkFiniteStatistics() {
        int c = BatchNormOp.firstNaN(saved.mean, saved.var);
        if (c < 0) {
            return;
        }
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

    // ---------------------------------------------------------------- backward

    /** dx by BatchNorm's formula with the global sums and count; joins the collective even with an empty slice. */
    @Override
    void backwardInto(Tensor x, Tensor dy, Tensor dx) {
        if (!synced) {
            bn.backwardInto(x, dy, dx);
            return;
        }
        if (saved.count == 0) {
            return; // the whole global batch was empty: no replica joins a collective
        }
        long m = (long) saved.n * saved.s;
        double[] sumDy = saved.sumDy;
        double[] sumDyXmu = saved.sumDyXmu;
        if (m > 0) {
            kernel.backwardSums(x.data(), dy.data(), 0, saved.n, channels, saved.s, 0, channels, saved.meanHi, saved.meanLo, sumDy, sumDyXmu);
        } else {
            Arrays.fill(sumDy, 0);
            Arrays.fill(sumDyXmu, 0);
        }
        if (bn.affine()) {
            BatchNormOp.accumulateAffineGrads(saved, bn.weightGrad(), bn.biasGrad());
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
        if (m > 0) {
            BatchNormOp.backwardInput(saved, dy.data(), dx.data());
        }
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
