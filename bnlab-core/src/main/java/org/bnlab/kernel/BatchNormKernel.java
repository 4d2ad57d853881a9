package org.bnlab.kernel;

/**
 * The arithmetic of batch normalization over x viewed as {@code (n, C, s)}: n samples, C channels,
 * s = H*W values per sample and channel (s = 1 for dense input). Each method handles the channels
 * {@code [c0, c1)} and is allocation-free.
 *
 * <p>The view starts at element {@code off} of every tensor argument (x, y, dy, dx): element
 * (i, c, j) is {@code [off + (i*C + c)*s + j]}. In the [N, C, H, W] layout a run of samples is
 * contiguous, so {@code off = n0*C*s} views samples [n0, n0 + n) without copying (ghost batches, and
 * the fixed sample chunks the layers split a batch into for threads).
 *
 * <p>Every method except {@link #stats} walks the view in memory order: sample by sample, and within
 * a sample channel by channel, with per-channel coefficients or accumulators. A channel's values for
 * one sample are a run of s floats (4 KB for 32x32), C*s floats away from the next sample's; walking
 * one channel across samples jumps from page to page, which the hardware prefetchers do not follow,
 * while memory order streams at the memory bandwidth.
 *
 * <p>Following PyTorch's CPU kernel, there are three jobs: collect statistics, apply the affine
 * normalization, and the backward pass (a reduction, then an elementwise apply). The mean is passed
 * to the elementwise kernels as a float pair {@code hi + lo}, because {@code x - mean} must be exact
 * enough for channels whose mean is large against their spread (mean 1e4, std 1e-3): a single float
 * mean would carry an error of 5e-4, half a standard deviation.
 *
 * <p>{@link BatchNormScalar} is the specification (double precision throughout);
 * {@link BatchNormVector} is the Vector API implementation tested against it. Obtain the one in use
 * from {@link KernelProvider#get()}.
 */
public interface BatchNormKernel {

    /**
     * Per channel c: {@code mean[c] = (1/m) sum x}, {@code var[c] = (1/m) sum (x - mean)^2} (biased),
     * m = n*s, m >= 1. A channel holding NaN or Inf gets {@code mean[c] = var[c] = NaN}. Two passes
     * over each channel in turn, exact for any finite input: the fallback for the channels whose
     * {@link #shiftedSums} are ill-conditioned.
     */
    void stats(float[] x, int off, int n, int C, int s, int c0, int c1, double[] mean, double[] var);

    /**
     * Per channel c, in one pass: {@code sum[c] = sum (x - shift[c])}, {@code sumSq[c] = sum (x - shift[c])^2}
     * (overwritten). Sums of chunks of samples add up to the batch's; with a shift close to the mean
     * ({@code (sum/m)^2 <= var}), mean = shift + sum/m and var = sumSq/m - (sum/m)^2 lose at most
     * about one bit to cancellation. Non-finite input or float overflow gives a non-finite sum.
     */
    void shiftedSums(float[] x, int off, int n, int C, int s, int c0, int c1,
                     float[] shift, double[] sum, double[] sumSq);

    /** {@code y = (x - (meanHi[c] + meanLo[c])) * alpha[c] + beta[c]}; y may be x (in place). */
    void normalize(float[] x, float[] y, int off, int n, int C, int s, int c0, int c1,
                   float[] meanHi, float[] meanLo, float[] alpha, float[] beta);

    /** {@code sumDy[c] = sum dy}, {@code sumDyXmu[c] = sum dy * (x - mean[c])} (overwritten); not finite where the input is not. */
    void backwardSums(float[] x, float[] dy, int off, int n, int C, int s, int c0, int c1,
                      float[] meanHi, float[] meanLo, double[] sumDy, double[] sumDyXmu);

    /**
     * Training-mode input gradient, the paper's closed form (Ioffe &amp; Szegedy 2015, section 3) rearranged so nothing
     * under- or overflows: {@code dx = a[c] * (dy - meanDy[c] - (x - mean[c]) * k[c])} with
     * a = gamma*invstd, meanDy = sum(dy)/m, k = sum(dy*(x-mean)) * invstd^2 / m.
     */
    void backwardInput(float[] x, float[] dy, float[] dx, int off, int n, int C, int s, int c0, int c1,
                       float[] meanHi, float[] meanLo, float[] a, float[] meanDy, float[] k);

    /**
     * {@code y = x * a[c] + b[c]} as one FMA, subnormal results flushed; y may be x (in place). The eval
     * forward with folded coefficients (a = gamma * invStd, b = beta - runningMean * a), as PyTorch's CPU
     * kernel and ONNX Runtime evaluate it.
     */
    void affine(float[] x, float[] y, int off, int n, int C, int s, int c0, int c1, float[] a, float[] b);

    /**
     * The folded bias for {@link #affine}: {@code bias[c] = beta[c] - mean[c] * alpha[c]} in double,
     * rounded once, for c in [0, channels). Returns false when some channel with finite mean, alpha
     * and beta gets an infinite bias (|mean * alpha| beyond float's range while {@code (x - mean) *
     * alpha + beta} stays finite): the caller then evaluates the unfolded form.
     */
    static boolean foldBias(int channels, float[] mean, float[] alpha, float[] beta, float[] bias) {
        boolean ok = true;
        for (int c = 0; c < channels; c++) {
            float b = (float) (beta[c] - (double) mean[c] * alpha[c]);
            bias[c] = b;
            if (Float.isInfinite(b) && Float.isFinite(mean[c]) && Float.isFinite(alpha[c]) && Float.isFinite(beta[c])) {
                ok = false;
            }
        }
        return ok;
    }

    /** Eval-mode input gradient (statistics are constants): {@code dx = a[c] * dy}. */
    void scale(float[] dy, float[] dx, int off, int n, int C, int s, int c0, int c1, float[] a);
}
