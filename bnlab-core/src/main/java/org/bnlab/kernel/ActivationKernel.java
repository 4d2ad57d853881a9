package org.bnlab.kernel;

/**
 * Elementwise activations over {@code [from, to)} of flat arrays, allocation-free. Arguments: the
 * arrays read, the array written, then the range. Backward formulas use the forward output only,
 * like PyTorch's. {@link ActivationsScalar} is the specification; {@link ActivationsVector} computes
 * sigmoid and tanh with a polynomial exp ({@link VectorMath#exp}) within a few ulp of it (measured in
 * ActivationsTest). Obtain the implementation in use from {@link KernelProvider#get()}.
 */
public interface ActivationKernel {

    /** y = max(x, 0); NaN propagates (as torch.relu). */
    void reluForward(float[] x, float[] y, int from, int to);

    /** dx = 0 where y &lt;= 0, else dy (PyTorch's threshold_backward on the result; NaN passes dy). */
    void reluBackward(float[] y, float[] dy, float[] dx, int from, int to);

    /** y = 1 / (1 + exp(-x)); saturates to exactly 0 / 1 for large |x|. */
    void sigmoidForward(float[] x, float[] y, int from, int to);

    /** dx = dy * (1 - y) * y. */
    void sigmoidBackward(float[] y, float[] dy, float[] dx, int from, int to);

    /** y = tanh(x). */
    void tanhForward(float[] x, float[] y, int from, int to);

    /** dx = dy * (1 - y^2). */
    void tanhBackward(float[] y, float[] dy, float[] dx, int from, int to);
}
