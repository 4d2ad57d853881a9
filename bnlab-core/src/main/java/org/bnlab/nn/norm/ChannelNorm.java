package org.bnlab.nn.norm;

import org.bnlab.kernel.BatchNormKernel;
import org.bnlab.tensor.Shapes;

/**
 * One set of per-channel normalization statistics and the kernel calls over one view of a
 * [N, C] or [N, C, H, W] array: samples [n0, n0 + n), i.e. elements from {@code off = n0*C*s}
 * (see {@link BatchNormKernel}). BatchRenorm and FrozenBatchNorm hold one, GhostBatchNorm one per
 * ghost batch, PreciseBN one per layer it updates (statistics only); the layers compute their
 * per-channel coefficients and call these passes.
 *
 * <pre>
 *   batchForward:  mean, var (biased) of the view; invStd = 1/sqrt(var + eps);
 *                  the layer sets alpha[c], shift[c];  y = (x - mean) * alpha + shift
 *   fixedForward:  y = (x - mean) * alpha + shift with mean, alpha, shift set by the layer
 *   scaleBackward: dx = alpha * dy (fixed statistics, no parameter gradients)
 *   backward:      sumDy = sum dy, sumDyXmu = sum dy (x - mean);
 *                  batch statistics: dx = alpha * (dy - sumDy/m - (x - mean) * sumDyXmu * invStd^2 / m)
 *                  fixed statistics: dx = alpha * dy
 * </pre>
 * The backward reuses the forward's alpha: for BN it is gamma*invStd, for Batch Renorm
 * gamma*invStd*r (r a constant), for fixed statistics gamma/sqrt(runningVar + eps), and in each
 * case the input gradient is exactly that coefficient times the centred-and-projected dy.
 *
 * <p>The passes are {@link ChannelPasses}': memory order, split over threads by fixed sample chunks,
 * so the results do not depend on the thread count. Nothing is allocated after the first call on a shape.
 */
final class ChannelNorm {
    /** Sets {@code alpha[c]} and {@code shift[c]} from the batch statistics ({@code mean[c], var[c], invStd[c]}). */
    @FunctionalInterface
    interface Coefficients {
        void set(ChannelNorm core, int c);
    }

    final int channels;
    final double eps;
    final double[] mean;
    final double[] var;
    final double[] invStd;
    final float[] meanHi;
    final float[] meanLo;
    final float[] alpha;
    final float[] shift;
    final double[] sumDy;
    final double[] sumDyXmu;
    private final float[] meanDy;
    private final float[] kCoef;
    private final ChannelPasses passes;

    ChannelNorm(int channels, double eps) {
        this.channels = channels;
        this.eps = eps;
        // 5 double and 6 float arrays of channels: checked against the heap before allocating
        Shapes.checkHeap("normalization buffers for " + channels + " channels", (5L * Double.BYTES + 6L * Float.BYTES) * channels);
        mean = new double[channels];
        var = new double[channels];
        invStd = new double[channels];
        meanHi = new float[channels];
        meanLo = new float[channels];
        alpha = new float[channels];
        shift = new float[channels];
        sumDy = new double[channels];
        sumDyXmu = new double[channels];
        meanDy = new float[channels];
        kCoef = new float[channels];
        passes = new ChannelPasses(channels);
    }

    /** Batch statistics of the view, then y = (x - mean) * alpha + shift with the layer's coefficients. */
    void batchForward(float[] x, float[] y, int off, int n, int s, Coefficients coef) {
        passes.meanVar(x, off, n, s, mean, var);
        for (int c = 0; c < channels; c++) {
            double mu = mean[c];
            invStd[c] = 1.0 / Math.sqrt(var[c] + eps);
            float hi = (float) mu;
            meanHi[c] = hi;
            meanLo[c] = (float) (mu - hi);
            coef.set(this, c);
        }
        passes.normalize(x, y, off, n, s, meanHi, meanLo, alpha, shift);
    }

    /** Batch statistics of the view only: mean and biased var (NaN for a channel with NaN or Inf). */
    void statistics(float[] x, int off, int n, int s) {
        passes.meanVar(x, off, n, s, mean, var);
    }

    /** y = (x - meanHi - meanLo) * alpha + shift with coefficients the layer has set (see {@link #setFixed}). */
    void fixedForward(float[] x, float[] y, int off, int n, int s) {
        passes.normalize(x, y, off, n, s, meanHi, meanLo, alpha, shift);
    }

    /**
     * Fixed statistics: mean = runningMean, invStd = 1/sqrt(runningVar + eps), alpha = gamma*invStd,
     * shift = beta (gamma = 1, beta = 0 when null).
     */
    void setFixed(float[] runningMean, float[] runningVar, float[] gamma, float[] beta) {
        for (int c = 0; c < channels; c++) {
            double is = 1.0 / Math.sqrt((double) runningVar[c] + eps);
            invStd[c] = is;
            meanHi[c] = runningMean[c];
            meanLo[c] = 0f;
            alpha[c] = (float) ((gamma == null ? 1.0 : gamma[c]) * is);
            shift[c] = beta == null ? 0f : beta[c];
        }
    }

    /** Input gradient into dx and the sums sumDy, sumDyXmu (for the parameter gradients). */
    void backward(float[] x, float[] dy, float[] dx, int off, int n, int s, boolean batchStats) {
        passes.backwardSums(x, dy, off, n, s, meanHi, meanLo, sumDy, sumDyXmu);
        if (batchStats) {
            double m = (double) n * s;
            for (int c = 0; c < channels; c++) {
                double is = invStd[c];
                meanDy[c] = (float) (sumDy[c] / m);
                kCoef[c] = (float) (sumDyXmu[c] * is * is / m);
            }
            passes.backwardInput(x, dy, dx, off, n, s, meanHi, meanLo, alpha, meanDy, kCoef);
        } else {
            passes.scale(dy, dx, off, n, s, alpha);
        }
    }

    /** Input gradient only, dx = alpha * dy: fixed statistics and no parameter gradients. */
    void scaleBackward(float[] dy, float[] dx, int off, int n, int s) {
        passes.scale(dy, dx, off, n, s, alpha);
    }

    /** The first channel whose batch statistics are NaN (the view held NaN or Inf), or -1. */
    int firstNonFiniteChannel() {
        for (int c = 0; c < channels; c++) {
            if (Double.isNaN(mean[c]) || Double.isNaN(var[c])) {
                return c;
            }
        }
        return -1;
    }
}
