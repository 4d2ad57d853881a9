package org.bnlab.nn.norm;

import org.bnlab.kernel.KernelProvider;
import org.bnlab.kernel.BatchNormKernel;
import org.bnlab.kernel.Parallel;
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
 * <p>Channels are split into fixed parts (dense: blocks of {@value #DENSE_BLOCK} channels), so the
 * results do not depend on the thread count. Nothing is allocated after construction.
 */
final class ChannelNorm {
    /** Channels per block in the dense layout, as in BatchNorm (lane-aligned, thread-count independent). */
    private static final int DENSE_BLOCK = 256;
    /** Below this many elements a call runs on one thread. */
    private static final int PARALLEL_MIN_ELEMENTS = 1 << 15;

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
    private final BatchNormKernel kernel = KernelProvider.get().batchNorm();

    // The call being run by the parallel tasks (set before Parallel.forRange, read inside).
    private float[] curX;
    private float[] curY;
    private float[] curDy;
    private int curOff;
    private int curN;
    private int curS;
    private Coefficients curCoef;
    private boolean curBatchStats;
    private final Parallel.RangeTask batchForwardTask = this::batchForwardRange;
    private final Parallel.RangeTask fixedForwardTask = this::fixedForwardRange;
    private final Parallel.RangeTask backwardTask = this::backwardRange;
    private final Parallel.RangeTask scaleTask = this::scaleRange;
    private final Parallel.RangeTask statsTask = this::statsRange;

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
    }

    /** Batch statistics of the view, then y = (x - mean) * alpha + shift with the layer's coefficients. */
    void batchForward(float[] x, float[] y, int off, int n, int s, Coefficients coef) {
        curCoef = coef;
        run(x, y, off, n, s, batchForwardTask);
        curCoef = null;
    }

    /** Batch statistics of the view only: mean and biased var (NaN for a channel with NaN or Inf). */
    void statistics(float[] x, int off, int n, int s) {
        run(x, null, off, n, s, statsTask);
    }

    /** y = (x - meanHi - meanLo) * alpha + shift with coefficients the layer has set (see {@link #setFixed}). */
    void fixedForward(float[] x, float[] y, int off, int n, int s) {
        run(x, y, off, n, s, fixedForwardTask);
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
        curDy = dy;
        curBatchStats = batchStats;
        run(x, dx, off, n, s, backwardTask);
        curDy = null;
    }

    /** Input gradient only, dx = alpha * dy: fixed statistics and no parameter gradients. */
    void scaleBackward(float[] dy, float[] dx, int off, int n, int s) {
        run(dy, dx, off, n, s, scaleTask);
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

    private void run(float[] x, float[] y, int off, int n, int s, Parallel.RangeTask task) {
        curX = x;
        curY = y;
        curOff = off;
        curN = n;
        curS = s;
        try {
            long elements = (long) n * s * channels;
            int grain = elements < PARALLEL_MIN_ELEMENTS ? Integer.MAX_VALUE : 1;
            int units = s == 1 ? (channels + DENSE_BLOCK - 1) / DENSE_BLOCK : channels;
            Parallel.forRange(units, grain, task);
        } finally {
            curX = null;
            curY = null;
        }
    }

    private int unitStart(int u) {
        return curS == 1 ? Math.min(channels, u * DENSE_BLOCK) : u;
    }

    /** Per channel block: statistics, coefficients, then normalize while the block is in cache. */
    private void batchForwardRange(int u0, int u1) {
        for (int u = u0; u < u1; u++) {
            int c0 = unitStart(u);
            int c1 = unitStart(u + 1);
            kernel.stats(curX, curOff, curN, channels, curS, c0, c1, mean, var);
            for (int c = c0; c < c1; c++) {
                double mu = mean[c];
                invStd[c] = 1.0 / Math.sqrt(var[c] + eps);
                float hi = (float) mu;
                meanHi[c] = hi;
                meanLo[c] = (float) (mu - hi);
                curCoef.set(this, c);
            }
            kernel.normalize(curX, curY, curOff, curN, channels, curS, c0, c1, meanHi, meanLo, alpha, shift);
        }
    }

    private void statsRange(int u0, int u1) {
        for (int u = u0; u < u1; u++) {
            kernel.stats(curX, curOff, curN, channels, curS, unitStart(u), unitStart(u + 1), mean, var);
        }
    }

    private void fixedForwardRange(int u0, int u1) {
        for (int u = u0; u < u1; u++) {
            kernel.normalize(curX, curY, curOff, curN, channels, curS, unitStart(u), unitStart(u + 1), meanHi, meanLo, alpha, shift);
        }
    }

    /** curX holds dy here. */
    private void scaleRange(int u0, int u1) {
        for (int u = u0; u < u1; u++) {
            kernel.scale(curX, curY, curOff, curN, channels, curS, unitStart(u), unitStart(u + 1), alpha);
        }
    }

    private void backwardRange(int u0, int u1) {
        double m = (double) curN * curS;
        for (int u = u0; u < u1; u++) {
            int c0 = unitStart(u);
            int c1 = unitStart(u + 1);
            kernel.backwardSums(curX, curDy, curOff, curN, channels, curS, c0, c1, meanHi, meanLo, sumDy, sumDyXmu);
            if (curBatchStats) {
                for (int c = c0; c < c1; c++) {
                    double is = invStd[c];
                    meanDy[c] = (float) (sumDy[c] / m);
                    kCoef[c] = (float) (sumDyXmu[c] * is * is / m);
                }
                kernel.backwardInput(curX, curDy, curY, curOff, curN, channels, curS, c0, c1, meanHi, meanLo, alpha, meanDy, kCoef);
            } else {
                kernel.scale(curDy, curY, curOff, curN, channels, curS, c0, c1, alpha);
            }
        }
    }
}
