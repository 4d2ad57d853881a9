package org.bnlab.nn.norm;

import java.util.Arrays;
import org.bnlab.tensor.Tensor;

/**
 * Ghost Batch Normalization (Hoffer, Hubara &amp; Soudry 2017, "Train longer, generalize better"):
 * in training, BatchNorm statistics are computed over virtual ("ghost") batches of
 * {@code virtualBatchSize} samples instead of the whole batch, which keeps BN's regularizing noise
 * of small batches while training with large ones. Input [N, C] or [N, C, H, W], as {@link BatchNorm}.
 *
 * <pre>
 *   training:  ghost g = samples [g*v, min((g+1)*v, N)),  v = virtualBatchSize, g = 0 .. ceil(N/v) - 1
 *              y = BatchNorm over ghost g alone (its own mean and biased variance), same weight and bias
 *              runningMean, runningVar: BatchNorm's update applied once PER GHOST BATCH, in order g = 0, 1, ...
 *              (numBatchesTracked counts ghost batches)
 *   backward:  BatchNorm's training backward within each ghost; dweight, dbias summed over the ghosts
 *   eval:      BatchNorm's eval over the whole batch with the running statistics
 * </pre>
 *
 * <p>Decisions, documented because the libraries differ:
 * <ul>
 *   <li>Ghost batches are contiguous slices of N (as DJL's GhostBatchNorm and the paper), so each is a
 *       view of the input: the BatchNorm kernels run on it in place, nothing is copied. tf.keras'
 *       {@code virtual_batch_size} reshapes [N, ...] to [v, N/v, ...] and so puts sample i in ghost
 *       i mod (N/v) (interleaved).</li>
 *   <li>Running statistics are updated once per ghost batch, sequentially, as DJL does (each sub-batch
 *       is one BatchNorm call) and as PyTorch's BatchNorm applied per chunk does. tf.keras instead
 *       updates once per batch with the average of the ghost means and variances.</li>
 *   <li>N not a multiple of v: the last ghost batch is smaller (N mod v samples). tf.keras rejects
 *       such a batch (keras-team/keras #15790); DJL splits it the same way as here. A last ghost that
 *       would hold one value per channel (one sample of a dense input) is rejected with BatchNorm's
 *       "Expected more than 1 value per channel when training" error.</li>
 *   <li>v >= N is exactly BatchNorm.</li>
 * </ul>
 * A batch with NaN or Inf in any ghost is rejected before any running statistic changes.
 *
 * <p>Structure: {@link BatchNormOp} once per ghost batch, each on its view of the input with its own
 * {@link BatchNormOp.Saved}; in eval, the op's eval form over the whole batch with the first Saved.
 */
public final class GhostBatchNorm extends NormLayer {
    private final int virtualBatchSize;
    /** What the last forward saved, one per ghost batch; grown (never shrunk) when a batch has more ghosts. */
    private BatchNormOp.Saved[] ghosts = new BatchNormOp.Saved[0];

    private GhostBatchNorm(Builder b) {
        super("GhostBatchNorm", b.numFeatures, b.eps, b.affine, b.track, b.momentum, b.cumulative);
        this.virtualBatchSize = b.virtualBatchSize;
    }

    /** BatchNorm's defaults (eps 1e-5, momentum 0.1, affine, tracking) and virtualBatchSize 128 (DJL's default). */
    public static Builder builder(int numFeatures) {
        return new Builder(numFeatures);
    }

    /** Number of ghost batches of a batch of n samples: ceil(n / v). */
    int ghostCount(int n) {
        return (n + virtualBatchSize - 1) / virtualBatchSize;
    }

    private BatchNormOp.Saved ghost(int g) {
        if (g >= ghosts.length) {
            BatchNormOp.Saved[] grown = Arrays.copyOf(ghosts, g + 1);
            for (int i = ghosts.length; i <= g; i++) {
                grown[i] = new BatchNormOp.Saved(numFeatures);
            }
            ghosts = grown;
        }
        return ghosts[g];
    }

    @Override
    void run(Tensor x, float[] y, int n, int s, boolean training) {
        if (!training && running != null) {
            BatchNormOp.forwardEval(ghost(0), x.data(), y, 0, n, s, running.mean, running.var, weight(), bias(), eps);
            return;
        }
        int count = ghostCount(n);
        int last = n - (count - 1) * virtualBatchSize; // only the last ghost can be smaller
        if (training && (long) last * s == 1) { // the message is built only on failure: no allocation per step
            requireMoreThanOneValue(1, x, " (ghost batch " + (count - 1) + " of " + count + " holds " + last
                    + " sample(s) of " + s + " value(s) per channel; virtualBatchSize " + virtualBatchSize + ")");
        }
        int sampleSize = numFeatures * s;
        for (int g = 0; g < count; g++) {
            int n0 = g * virtualBatchSize;
            rejectNonFinite(BatchNormOp.forwardTrain(ghost(g), x.data(), y, n0 * sampleSize, Math.min(virtualBatchSize, n - n0), s,
                    weight(), bias(), eps), x);
        }
        if (training && running != null) {
            for (int g = 0; g < count; g++) {
                running.update(ghosts[g].mean, ghosts[g].var, (long) ghosts[g].n * s);
            }
        }
    }

    @Override
    void runBackward(float[] x, float[] dy, float[] dx, int n, int s) {
        int count = ghosts[0].batchStats ? ghostCount(n) : 1; // the eval form used the first Saved alone
        for (int g = 0; g < count; g++) {
            BatchNormOp.backward(ghosts[g], dy, dx);
        }
        if (params != null) {
            for (int c = 0; c < numFeatures; c++) {
                // dbias = sum over ghosts of sum dy; dweight = sum over ghosts of sum dy * xhat_g
                double db = 0;
                double dw = 0;
                for (int g = 0; g < count; g++) {
                    db += ghosts[g].sumDy[c];
                    dw += ghosts[g].sumDyXmu[c] * ghosts[g].invStd[c];
                }
                params.biasGrad[c] += (float) db;
                params.weightGrad[c] += (float) dw;
            }
        }
    }

    public int virtualBatchSize() {
        return virtualBatchSize;
    }

    /** The momentum (weight of the new ghost batch), or NaN for the cumulative average or without running statistics. */
    public double momentum() {
        return running != null ? running.momentum() : Double.NaN;
    }

    @Override
    public String toString() {
        return "GhostBatchNorm(" + numFeatures + ", virtual_batch_size=" + virtualBatchSize + ", eps=" + eps + ", momentum="
                + (running != null && running.cumulative() ? "None" : String.valueOf(momentum())) + ", affine=" + affine()
                + ", track_running_stats=" + trackRunningStats() + ")";
    }

    /** Immutable configuration with BatchNorm's defaults and virtualBatchSize 128. */
    public static final class Builder {
        private final int numFeatures;
        private int virtualBatchSize = 128;
        private double eps = 1e-5;
        private double momentum = 0.1;
        private boolean cumulative;
        private boolean affine = true;
        private boolean track = true;

        private Builder(int numFeatures) {
            this.numFeatures = NormArgs.numFeatures("GhostBatchNorm", numFeatures);
        }

        /** Samples per ghost batch, >= 1 (DJL's optVirtualBatchSize, tf.keras' virtual_batch_size; default 128). */
        public Builder virtualBatchSize(int v) {
            if (v < 1) {
                throw new IllegalArgumentException("GhostBatchNorm(" + numFeatures + "): virtualBatchSize must be >= 1, got " + v);
            }
            this.virtualBatchSize = v;
            return this;
        }

        public Builder eps(double eps) {
            this.eps = NormArgs.eps("GhostBatchNorm(" + numFeatures + ")", eps);
            return this;
        }

        /** Weight of each NEW ghost batch in the running statistics, in [0, 1] (default 0.1). */
        public Builder momentum(double momentum) {
            this.momentum = NormArgs.momentum("GhostBatchNorm(" + numFeatures + ")", momentum);
            this.cumulative = false;
            return this;
        }

        /** PyTorch's momentum=None: the plain average over all ghost batches seen. */
        public Builder cumulativeAverage() {
            this.cumulative = true;
            return this;
        }

        public Builder affine(boolean affine) {
            this.affine = affine;
            return this;
        }

        public Builder trackRunningStats(boolean track) {
            this.track = track;
            return this;
        }

        public GhostBatchNorm build() {
            return new GhostBatchNorm(this);
        }
    }
}
