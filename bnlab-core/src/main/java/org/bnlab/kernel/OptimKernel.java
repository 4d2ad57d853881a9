package org.bnlab.kernel;

/**
 * Per-element optimizer updates over whole flat arrays, in place and allocation-free. Arguments: the
 * arrays updated and read (parameter, gradient, state), then the scalar coefficients.
 * {@link OptimKernelsScalar} is the specification (the formulas of torch.optim.SGD / Adam / AdamW in
 * float, operation order as PyTorch's CPU kernels); {@link OptimKernelsVector} computes the same
 * operations lane-wise (no FMA contraction), so both give bit-identical results. Obtain the
 * implementation in use from {@link KernelProvider#get()}.
 */
public interface OptimKernel {

    /**
     * SGD on one parameter (see org.bnlab.optim.SGD): with d = g + wd * p (wd may be 0),
     * buf = first ? d : momentum * buf + keep * d (when buf != null), step = nesterov ? d + momentum * buf : buf
     * (or d without momentum), p = p - lr * step.
     */
    void sgd(float[] p, float[] g, float[] buf, float lr, float momentum, float keep, boolean nesterov, float wd, boolean first);

    /**
     * Adam / AdamW on one parameter (see org.bnlab.optim.Adam): with shrink = 1 - lr*wd applied to p
     * first (AdamW, {@code decoupled}) or d = g + wd * p (Adam),
     * m = b1 * m + a1 * d, v = b2 * v + a2 * d * d, p = p + (-stepSize * m) / (sqrt(v) / bc2Sqrt + eps).
     */
    void adam(float[] p, float[] g, float[] m, float[] v, float b1, float a1, float b2, float a2,
              float stepSize, float bc2Sqrt, float eps, float wd, boolean decoupled, float shrink);

    /**
     * Sum of squares in double with four interleaved accumulators (element i goes to i % 4), combined
     * as (s0 + s1) + (s2 + s3): a fixed order, four times shorter than one dependency chain.
     */
    static double sumSquares(float[] x) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (int end = x.length & ~3; i < end; i += 4) {
            double a = x[i];
            double b = x[i + 1];
            double c = x[i + 2];
            double d = x[i + 3];
            s0 += a * a;
            s1 += b * b;
            s2 += c * c;
            s3 += d * d;
        }
        for (; i < x.length; i++) {
            double a = x[i];
            switch (i & 3) {
                case 0:
                    s0 += a * a;
                    break;
                case 1:
                    s1 += a * a;
                    break;
                default:
                    s2 += a * a;
                    break;
            }
        }
        return (s0 + s1) + (s2 + s3);
    }
}
