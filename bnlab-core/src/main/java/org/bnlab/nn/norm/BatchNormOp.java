package org.bnlab.nn.norm;

import org.bnlab.kernel.BatchNormKernel;
import org.bnlab.tensor.Shapes;

/**
 * Batch normalization as a function, PyTorch's {@code torch.nn.functional.batch_norm} and its
 * backward, over one view of a [N, C] or [N, C, H, W] array: samples [n0, n0 + n), i.e. the elements
 * from {@code off = n0*C*s} (s = H*W, or 1), m = n*s values per channel. The layers are thin holders
 * of parameters, buffers and configuration over these functions: {@link BatchNorm} (one view, the
 * whole batch), {@link GhostBatchNorm} (one view per ghost batch), {@link BatchRenorm} (its own
 * coefficients), {@link FrozenBatchNorm} (eval only), {@link SyncBatchNorm} (statistics and backward
 * sums of the global batch), {@link PreciseBN} (statistics only).
 *
 * <pre>
 *   forwardTrain:  mean = (1/m) sum x,   var = (1/m) sum (x - mean)^2                 (biased)
 *                  invStd = 1/sqrt(var + eps),   xhat = (x - mean) * invStd
 *                  y = gamma * xhat + beta                       (gamma = 1, beta = 0 without affine)
 *   forwardEval:   the same with runningMean, runningVar in place of mean, var, evaluated folded:
 *                  y = x * alpha + (beta - runningMean * alpha),  alpha = gamma * invStd  (one FMA)
 *   updateRunningStats (training, with running statistics; f = momentum, the weight of the NEW batch):
 *                  runningMean = (1 - f) * runningMean + f * mean
 *                  runningVar  = (1 - f) * runningVar  + f * var * m/(m - 1)           (unbiased)
 *   backward, batch statistics (mean and var depend on x):
 *                  dx     = (gamma * invStd / m) * (m * dy - sum(dy) - xhat * sum(dy * xhat))
 *                  dgamma = sum(dy * xhat),   dbeta = sum(dy)
 *   backward, running statistics (constants):  dx = gamma * invStd * dy;  dgamma, dbeta as above
 * </pre>
 *
 * <p>As evaluated in training: {@code y = (x - mean) * alpha + shift} with alpha = gamma * invStd, shift = beta,
 * and the mean as a float pair hi + lo (the kernels subtract both, so x - mean stays exact when |mean|
 * is large against the spread); in eval the folded form (see {@link #forwardEval}). The backward is the same dx multiplied out,
 * {@code dx = alpha * (dy - meanDy - (x - mean) * k)} with meanDy = sum(dy)/m and
 * k = sum(dy (x - mean)) * invStd^2 / m (since xhat * sum(dy * xhat) = (x - mean) * invStd^2 * sum(dy (x - mean))),
 * and it reuses the forward's alpha: Batch Renorm's alpha = gamma * invStd * r, shift = beta + gamma * d
 * (r, d constants) gets its dx from the same line. The statistics are shifted sums with double
 * accumulation in memory order, with the exact two-pass formula for a channel far from its shift;
 * every pass is cut into fixed sample chunks, so the results do not depend on the thread count
 * ({@link ChannelPasses}).
 *
 * <p>State: the functions keep none. What a forward leaves for its backward (the input view, the
 * statistics, the coefficients) is written into a {@link Saved}, PyTorch's {@code ctx}, which the
 * caller owns and passes back; it also holds the passes' scratch, so a layer that keeps one Saved is
 * allocation-free after its first call. A Saved serves one call at a time; two layers, each with its
 * own, run concurrently.
 */
final class BatchNormOp {
    private BatchNormOp() {}

    /**
     * What one forward leaves for its backward, and the backward's sums: PyTorch's {@code ctx} (its
     * save_mean and save_invstd), plus the per-channel scratch of the passes. Filled by each forward;
     * the layer that owns it reuses it from call to call.
     */
    static final class Saved {
        final int channels;
        /** The input view (x[off ..], n samples of s values per channel) and the count backward divides by. */
        float[] x;
        int off;
        int n;
        int s;
        double count;
        /** Batch statistics (true) or fixed running statistics (false): what backward differentiates. */
        boolean batchStats;
        /** Batch statistics: mean and biased variance (also from a collective: SyncBatchNorm). */
        final double[] mean;
        final double[] var;
        final double[] invStd;
        /** The normalization as evaluated: y = (x - meanHi - meanLo) * alpha + shift. */
        final float[] meanHi;
        final float[] meanLo;
        final float[] alpha;
        final float[] shift;
        /** Eval: the folded bias, y = x * alpha + bias with bias = shift - runningMean * alpha. */
        final float[] bias;
        /** The backward's sums: sum(dy), sum(dy (x - mean)) (dgamma = invStd * sumDyXmu). */
        final double[] sumDy;
        final double[] sumDyXmu;
        final float[] meanDy;
        final float[] kCoef;
        final ChannelPasses passes;

        Saved(int channels) {
            this.channels = channels;
            // 5 double and 7 float arrays of channels: checked against the heap before allocating
            Shapes.checkHeap("normalization buffers for " + channels + " channels", (5L * Double.BYTES + 7L * Float.BYTES) * channels);
            mean = new double[channels];
            var = new double[channels];
            invStd = new double[channels];
            meanHi = new float[channels];
            meanLo = new float[channels];
            alpha = new float[channels];
            shift = new float[channels];
            bias = new float[channels];
            sumDy = new double[channels];
            sumDyXmu = new double[channels];
            meanDy = new float[channels];
            kCoef = new float[channels];
            passes = new ChannelPasses(channels);
        }

        private void view(float[] x, int off, int n, int s, double count, boolean batchStats) {
            this.x = x;
            this.off = off;
            this.n = n;
            this.s = s;
            this.count = count;
            this.batchStats = batchStats;
        }
    }

    // ---------------------------------------------------------------- forward

    /**
     * Training forward without the running update ({@code F.batch_norm(training=True)} with
     * running_mean=None): batch statistics, then y = gamma * xhat + beta. Returns the first channel
     * whose statistics are NaN (the view holds NaN or Inf), or -1; on a rejection y is not written.
     */
    static int forwardTrain(Saved ctx, float[] x, float[] y, int off, int n, int s, float[] gamma, float[] beta, double eps) {
        int bad = batchStatistics(ctx, x, off, n, s, eps);
        if (bad >= 0) {
            return bad;
        }
        affineCoefficients(ctx, gamma, beta);
        normalize(ctx, y);
        return -1;
    }

    /**
     * The statistics of the view (m = n*s >= 1): mean, biased var, invStd; records the view for
     * backward. Returns the first channel whose statistics are NaN, or -1.
     */
    static int batchStatistics(Saved ctx, float[] x, int off, int n, int s, double eps) {
        ctx.passes.meanVar(x, off, n, s, ctx.mean, ctx.var);
        int bad = firstNaN(ctx.mean, ctx.var);
        if (bad < 0) {
            useStatistics(ctx, x, off, n, s, (double) n * s, eps);
        }
        return bad;
    }

    /**
     * Normalizes with the statistics in {@code ctx.mean, ctx.var}, of {@code count} values per channel
     * (this view's, or a global batch's): invStd = 1/sqrt(var + eps) and the mean as hi + lo.
     */
    static void useStatistics(Saved ctx, float[] x, int off, int n, int s, double count, double eps) {
        ctx.view(x, off, n, s, count, true);
        for (int c = 0; c < ctx.channels; c++) {
            double mu = ctx.mean[c];
            ctx.invStd[c] = 1.0 / Math.sqrt(ctx.var[c] + eps);
            float hi = (float) mu;
            ctx.meanHi[c] = hi;
            ctx.meanLo[c] = (float) (mu - hi);
        }
    }

    /** BatchNorm's coefficients: alpha = gamma * invStd, shift = beta (gamma, beta null: 1 and 0). */
    static void affineCoefficients(Saved ctx, float[] gamma, float[] beta) {
        for (int c = 0; c < ctx.channels; c++) {
            ctx.alpha[c] = (float) ((gamma == null ? 1.0 : gamma[c]) * ctx.invStd[c]);
            ctx.shift[c] = beta == null ? 0f : beta[c];
        }
    }

    /** y = (x - mean) * alpha + shift over the saved view. */
    static void normalize(Saved ctx, float[] y) {
        ctx.passes.normalize(ctx.x, y, ctx.off, ctx.n, ctx.s, ctx.meanHi, ctx.meanLo, ctx.alpha, ctx.shift);
    }

    /**
     * Eval forward ({@code F.batch_norm(training=False)}): y = (x - runningMean) * gamma /
     * sqrt(runningVar + eps) + beta; backward then treats the statistics as constants.
     * Evaluated with the folded bias, {@code bias = shift - runningMean * alpha} (in double, rounded
     * once), so the pass is one FMA per value, {@code y = x * alpha + bias}, as PyTorch's CPU kernel and
     * ONNX Runtime evaluate it: it reads x and the two coefficients instead of x and four, which on an
     * L3-resident [1024, 1024] tensor is 0.19-0.23 ms against 0.12-0.14 (Zen 5, one thread). It differs
     * from {@code (x - mean) * alpha + shift} by at most about one rounding of {@code mean * alpha}, the
     * size of x's own rounding when |mean| is large against the spread. The unfolded form is used when
     * a finite channel's folded bias overflows float, where the unfolded form stays finite.
     */
    static void forwardEval(Saved ctx, float[] x, float[] y, int off, int n, int s,
                            float[] runningMean, float[] runningVar, float[] gamma, float[] beta, double eps) {
        ctx.view(x, off, n, s, (double) n * s, false);
        for (int c = 0; c < ctx.channels; c++) {
            ctx.invStd[c] = 1.0 / Math.sqrt((double) runningVar[c] + eps);
            ctx.meanHi[c] = runningMean[c];
            ctx.meanLo[c] = 0f;
        }
        affineCoefficients(ctx, gamma, beta);
        if (BatchNormKernel.foldBias(ctx.channels, runningMean, ctx.alpha, ctx.shift, ctx.bias)) {
            ctx.passes.affine(x, y, off, n, s, ctx.alpha, ctx.bias);
        } else {
            normalize(ctx, y);
        }
    }

    /** The first channel whose mean or variance is NaN, or -1. */
    static int firstNaN(double[] mean, double[] var) {
        for (int c = 0; c < mean.length; c++) {
            if (Double.isNaN(mean[c]) || Double.isNaN(var[c])) {
                return c;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- running statistics

    /**
     * Folds a batch of m values per channel (mean, biased var) into the running statistics with
     * factor f: running = (1 - f) * running + f * batch, the variance unbiased by m/(m - 1) and
     * saturated at Float.MAX_VALUE (the buffer is float32; a batch variance near 1e30^2 must not
     * become Inf).
     */
    static void updateRunningStats(float[] runningMean, float[] runningVar, double f, double[] mean, double[] var, long m) {
        double unbias = (double) m / (m - 1);
        for (int c = 0; c < runningMean.length; c++) {
            runningMean[c] = (float) ((1 - f) * runningMean[c] + f * mean[c]);
            double rv = (1 - f) * runningVar[c] + f * var[c] * unbias;
            runningVar[c] = (float) Math.min(rv, Float.MAX_VALUE);
        }
    }

    // ---------------------------------------------------------------- backward

    /** dx for the saved forward, and the sums of dgamma and dbeta in {@code ctx.sumDy, ctx.sumDyXmu}. */
    static void backward(Saved ctx, float[] dy, float[] dx) {
        backwardSums(ctx, dy);
        backwardInput(ctx, dy, dx);
    }

    /** sumDy = sum dy, sumDyXmu = sum dy (x - mean) over the saved view. */
    static void backwardSums(Saved ctx, float[] dy) {
        ctx.passes.backwardSums(ctx.x, dy, ctx.off, ctx.n, ctx.s, ctx.meanHi, ctx.meanLo, ctx.sumDy, ctx.sumDyXmu);
    }

    /**
     * dx from the sums in ctx (this view's, or the global batch's: SyncBatchNorm): batch statistics,
     * dx = alpha * (dy - sumDy/m - (x - mean) * sumDyXmu * invStd^2 / m) with m = ctx.count; fixed
     * statistics, dx = alpha * dy.
     */
    static void backwardInput(Saved ctx, float[] dy, float[] dx) {
        if (!ctx.batchStats) {
            inputGradFixed(ctx, dy, dx);
            return;
        }
        double m = ctx.count;
        for (int c = 0; c < ctx.channels; c++) {
            double is = ctx.invStd[c];
            ctx.meanDy[c] = (float) (ctx.sumDy[c] / m);
            ctx.kCoef[c] = (float) (ctx.sumDyXmu[c] * is * is / m);
        }
        ctx.passes.backwardInput(ctx.x, dy, dx, ctx.off, ctx.n, ctx.s, ctx.meanHi, ctx.meanLo, ctx.alpha, ctx.meanDy, ctx.kCoef);
    }

    /** dx = alpha * dy alone: fixed statistics when no parameter gradient is wanted (no sums). */
    static void inputGradFixed(Saved ctx, float[] dy, float[] dx) {
        ctx.passes.scale(dy, dx, ctx.off, ctx.n, ctx.s, ctx.alpha);
    }

    /** dbeta += sum dy, dgamma += sum dy * xhat = invStd * sum dy (x - mean); gradients accumulate. */
    static void accumulateAffineGrads(Saved ctx, float[] weightGrad, float[] biasGrad) {
        for (int c = 0; c < ctx.channels; c++) {
            biasGrad[c] += (float) ctx.sumDy[c];
            weightGrad[c] += (float) (ctx.sumDyXmu[c] * ctx.invStd[c]);
        }
    }
}
