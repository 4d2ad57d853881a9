package org.bnlab.kernel;

/**
 * The arithmetic of normalization over contiguous groups, shared by LayerNorm, GroupNorm and
 * InstanceNorm: x is viewed as {@code groups} runs of {@code m} contiguous values, each normalized
 * with its own statistics.
 *
 * <pre>
 *   mu   = (1/m) sum x,   var = (1/m) sum (x - mu)^2       (biased),   rstd = 1 / sqrt(var + eps)
 *   xhat = (x - mu) * rstd
 *   y    = xhat * gamma + beta
 *   backward, with g = dy * gamma:
 *   dx   = rstd * (g - mean(g) - xhat * mean(g * xhat))
 *        = (x - mu) * k + rstd * (g - mean(g)),   k = -rstd^3 * mean(g * (x - mu))
 *          (g - mean(g) inside the product: in a group of one value it cancels exactly, dx = 0)
 *   dgamma = sum dy * xhat,   dbeta = sum dy        (over every group the parameter touches)
 * </pre>
 * LayerNorm: a group is one sample's trailing {@code prod(normalizedShape)} values, gamma is per
 * element of the group. GroupNorm: a group is (C/G) channels of H*W values of one sample, gamma is
 * per channel. InstanceNorm: a group is one channel of one sample (H*W values), gamma per channel.
 *
 * <p>Two affine layouts, hence two families of methods:
 * <ul>
 *   <li>per row ({@code *Rows}): the data is a sequence of rows of {@code s} contiguous values (a row is
 *       one channel of one sample, s = H*W), each with its own coefficients; the caller expands the
 *       per-group statistics to the rows of the group. A row of a one-sample batch is a BatchNorm
 *       channel, so these methods are {@link BatchNormKernel}'s with n = 1.</li>
 *   <li>per element ({@code *Elementwise}): the coefficient gamma[j] depends on the position j in the
 *       group (LayerNorm), the statistics on the group.</li>
 * </ul>
 * Means are passed to the elementwise methods as float pairs {@code hi + lo}, for the reason given
 * in {@link BatchNormKernel}: {@code x - mean} must stay exact for a mean large against the spread.
 *
 * <p>Argument order everywhere: outputs, then inputs, then sizes and the index range. Every method is
 * stateless and allocation-free; a method writes only the outputs of its own index range, and its
 * result for an index does not depend on the range, so fixed partitions give bit-identical results
 * for any thread count. {@link GroupNormScalar} is the specification (double precision);
 * {@link GroupNormVector} is the Vector API implementation tested against it.
 */
public interface GroupNormKernel {

    /**
     * Statistics of groups {@code [g0, g1)}: {@code mean[g]}, {@code var[g]} (biased) over
     * {@code x[g*m, (g+1)*m)}, m >= 1; a group holding NaN or Inf gets NaN in both.
     */
    void stats(double[] mean, double[] var, float[] x, int m, int g0, int g1);

    /** Rows {@code [r0, r1)} of length s: {@code y = (x - (meanHi[r] + meanLo[r])) * alpha[r] + beta[r]}. */
    void normalizeRows(float[] y, float[] x, float[] meanHi, float[] meanLo, float[] alpha, float[] beta,
                       int s, int r0, int r1);

    /** Per row: {@code sumDy[r] = sum dy}, {@code sumDyXmu[r] = sum dy * (x - mean[r])}. */
    void sumsRows(double[] sumDy, double[] sumDyXmu, float[] x, float[] dy, float[] meanHi, float[] meanLo,
                  int s, int r0, int r1);

    /**
     * Per row, training-mode input gradient:
     * {@code dx = (x - mean[r]) * k[r] + rstd[r] * (w[r] * dy - meanG[r])}, w the row's gamma.
     */
    void backwardRows(float[] dx, float[] x, float[] dy, float[] meanHi, float[] meanLo, double[] rstd, float[] w,
                      double[] meanG, double[] k, int s, int r0, int r1);

    /** Per row: {@code dx = a[r] * dy} (eval mode with running statistics: they are constants). */
    void scaleRows(float[] dx, float[] dy, float[] a, int s, int r0, int r1);

    /** Groups {@code [g0, g1)}: {@code y = (x - mean[g]) * rstd[g] * gamma[j] + beta[j]}, j the index in the group. */
    void normalizeElementwise(float[] y, float[] x, float[] meanHi, float[] meanLo, float[] rstd,
                              float[] gamma, float[] beta, int m, int g0, int g1);

    /** Per group: {@code sumG[g] = sum gamma[j] dy}, {@code sumGXmu[g] = sum gamma[j] dy (x - mean[g])}. */
    void sumsElementwise(double[] sumG, double[] sumGXmu, float[] x, float[] dy, float[] gamma,
                         float[] meanHi, float[] meanLo, int m, int g0, int g1);

    /** Per group: {@code dx = (x - mean[g]) * k[g] + rstd[g] * (gamma[j] * dy - meanG[g])}. */
    void backwardElementwise(float[] dx, float[] x, float[] dy, float[] gamma, float[] meanHi, float[] meanLo,
                             double[] rstd, double[] meanG, double[] k, int m, int g0, int g1);

    /**
     * Parameter gradients of the per-element affine, for positions {@code [j0, j1)} over all
     * {@code groups}: {@code dGamma[j] = sum_g dy * (x - mean[g]) * rstd[g]}, {@code dBeta[j] = sum_g dy}
     * (overwritten, not accumulated).
     */
    void affineGradsElementwise(double[] dGamma, double[] dBeta, float[] x, float[] dy, float[] meanHi,
                                float[] meanLo, float[] rstd, int m, int groups, int j0, int j1);
}
