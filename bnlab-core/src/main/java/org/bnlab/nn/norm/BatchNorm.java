package org.bnlab.nn.norm;

import org.bnlab.nn.CallGuard;
import org.bnlab.tensor.Tensor;

/**
 * Batch Normalization (Ioffe &amp; Szegedy 2015, Algorithms 1 and 2), with PyTorch's semantics, for
 * dense input [N, C] (statistics over N) and convolutional input [N, C, H, W] (over N*H*W).
 *
 * <pre>
 *   training:  mean = (1/m) sum x,  var = (1/m) sum (x - mean)^2        (biased; m = N*H*W)
 *              y = (x - mean) / sqrt(var + eps) * weight + bias
 *              running = (1 - momentum) * running + momentum * batch     (var: unbiased, m/(m-1))
 *   eval:      the same with runningMean / runningVar in place of the batch statistics
 * </pre>
 *
 * <p>Momentum convention (PyTorch's): the weight of the NEW batch, default 0.1. Keras' momentum=0.99
 * and DL4J's decay=0.9 weigh the OLD value: Keras 0.99 is bnlab 0.01. {@link Builder#cumulativeAverage()}
 * is PyTorch's momentum=None: factor 1/numBatchesTracked. With trackRunningStats(false) there are no
 * buffers and batch statistics are used in eval too.
 *
 * <p>Structure: this class holds the parameters ({@link Affine}), the buffers ({@link RunningStats})
 * and the configuration; the arithmetic, forward and backward formulas included, is the stateless
 * {@link BatchNormOp} ({@code F.batch_norm}), and what a forward leaves for its backward is the op's
 * {@link BatchNormOp.Saved}, reused from call to call.
 *
 * <p>Robustness, beyond PyTorch: statistics are shifted sums with double accumulation, in one pass
 * over the batch in memory order, and the exact two-pass formula for a channel whose shift is far
 * from its mean ({@link ChannelPasses}), so a channel with mean 1e4 and std 1e-3 normalizes correctly, a constant channel gives
 * exactly {@code bias}, values near 1e30 do not overflow (the running variance, a float32 buffer,
 * saturates at Float.MAX_VALUE when the batch variance exceeds it). A training batch holding NaN or Inf
 * is rejected and leaves the running statistics exactly as they were.
 *
 * <p>{@link #forward}/{@link #backward} return new tensors; {@link #forwardBuffered}/
 * {@link #backwardBuffered} reuse this layer's buffers (the training loop's allocation-free path).
 * Backward uses the input of the last forward, which must not be modified in between.
 *
 * <p>Threads: different layers (and models) share nothing and run concurrently. One layer holds one
 * forward's Saved for its backward, so two threads calling it at once get an IllegalStateException
 * ({@link CallGuard}), never mixed numbers; use one model per thread.
 */
public final class BatchNorm extends NormLayer {
    private final double momentum;
    private final boolean cumulative;
    /** The last forward, for backward: input view, statistics, coefficients (and the passes' scratch). */
    private final BatchNormOp.Saved saved;

    private BatchNorm(Builder b) {
        super("BatchNorm", b.numFeatures, b.eps, b.affine, b.track, b.momentum, b.cumulative);
        this.momentum = b.momentum;
        this.cumulative = b.cumulative;
        this.saved = new BatchNormOp.Saved(numFeatures);
    }

    /** A builder with PyTorch's defaults: eps 1e-5, momentum 0.1, affine, tracking running stats. */
    public static Builder builder(int numFeatures) {
        return new Builder(numFeatures);
    }

    @Override
    void run(Tensor x, float[] y, int n, int s, boolean training) {
        float[] gamma = weight();
        float[] beta = bias();
        if (!training && running != null) {
            BatchNormOp.forwardEval(saved, x.data(), y, 0, n, s, running.mean, running.var, gamma, beta, eps);
            return;
        }
        long m = (long) n * s;
        if (training) {
            requireMoreThanOneValue(m, x, "");
        }
        rejectNonFinite(BatchNormOp.forwardTrain(saved, x.data(), y, 0, n, s, gamma, beta, eps), x);
        if (training && running != null) {
            running.update(saved.mean, saved.var, m);
        }
    }

    @Override
    void runBackward(float[] x, float[] dy, float[] dx, int n, int s) {
        BatchNormOp.backward(saved, dy, dx);
        if (params != null) {
            BatchNormOp.accumulateAffineGrads(saved, params.weightGrad, params.biasGrad);
        }
    }

    /** SyncBatchNorm folds the global batch's statistics (m values per channel) into this layer's. */
    void updateRunningStats(double[] mean, double[] var, long m) {
        running.update(mean, var, m);
    }

    /** The momentum (weight of the new batch), or NaN when the cumulative average is used. */
    public double momentum() {
        return cumulative ? Double.NaN : momentum;
    }

    public boolean isCumulativeAverage() {
        return cumulative;
    }

    @Override
    public String toString() {
        return "BatchNorm(" + numFeatures + ", eps=" + eps + ", momentum=" + (cumulative ? "None" : momentum)
                + ", affine=" + affine() + ", track_running_stats=" + trackRunningStats() + ")";
    }

    /** Immutable configuration with PyTorch's defaults. */
    public static final class Builder {
        private final int numFeatures;
        private double eps = 1e-5;
        private double momentum = 0.1;
        private boolean cumulative;
        private boolean affine = true;
        private boolean track = true;

        private Builder(int numFeatures) {
            this.numFeatures = NormArgs.numFeatures("BatchNorm", numFeatures);
        }

        /** Added to the variance before the square root; must be > 0 (default 1e-5). */
        public Builder eps(double eps) {
            this.eps = NormArgs.eps("BatchNorm(" + numFeatures + ")", eps);
            return this;
        }

        /** Weight of the new batch in the running statistics, in [0, 1] (default 0.1, PyTorch's convention). */
        public Builder momentum(double momentum) {
            this.momentum = NormArgs.momentum("BatchNorm(" + numFeatures + ")", momentum);
            this.cumulative = false;
            return this;
        }

        /** PyTorch's momentum=None: running statistics are the plain average over all batches seen. */
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

        public BatchNorm build() {
            return new BatchNorm(this);
        }
    }
}
