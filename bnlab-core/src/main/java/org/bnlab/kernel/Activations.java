package org.bnlab.kernel;

/**
 * Elementwise activation kernels over {@code [from, to)} of flat arrays; static and allocation-free.
 *
 * <p>The scalar methods are the specification: sigmoid and tanh are evaluated in double with
 * {@link Math#exp}/{@link Math#tanh} and rounded once to float. The public entry points dispatch to
 * {@link ActivationsVector} when {@link Simd#ENABLED}; that class is only loaded on the SIMD path, so
 * the scalar path works without the {@code jdk.incubator.vector} module. Its sigmoid/tanh use a
 * polynomial exp (see {@link VectorMath#exp}) and stay within a few ulp of the scalar ones (measured
 * in ActivationsTest). Backward formulas use the forward output only, like PyTorch's.
 */
public final class Activations {

    private Activations() {}

    // ---- dispatching entry points ----

    /** y = max(x, 0); NaN propagates (as torch.relu). */
    public static void reluForward(float[] x, float[] y, int from, int to) {
        if (Simd.ENABLED) {
            ActivationsVector.reluForward(x, y, from, to);
        } else {
            reluForwardScalar(x, y, from, to);
        }
    }

    /** dx = 0 where y <= 0, else dy (PyTorch's threshold_backward on the result; NaN passes dy). */
    public static void reluBackward(float[] y, float[] dy, float[] dx, int from, int to) {
        if (Simd.ENABLED) {
            ActivationsVector.reluBackward(y, dy, dx, from, to);
        } else {
            reluBackwardScalar(y, dy, dx, from, to);
        }
    }

    /** y = 1 / (1 + exp(-x)); saturates to exactly 0 / 1 for large |x|. */
    public static void sigmoidForward(float[] x, float[] y, int from, int to) {
        if (Simd.ENABLED) {
            ActivationsVector.sigmoidForward(x, y, from, to);
        } else {
            sigmoidForwardScalar(x, y, from, to);
        }
    }

    /** dx = dy * (1 - y) * y (PyTorch's sigmoid_backward, same operation order). */
    public static void sigmoidBackward(float[] y, float[] dy, float[] dx, int from, int to) {
        if (Simd.ENABLED) {
            ActivationsVector.sigmoidBackward(y, dy, dx, from, to);
        } else {
            sigmoidBackwardScalar(y, dy, dx, from, to);
        }
    }

    /** y = tanh(x). */
    public static void tanhForward(float[] x, float[] y, int from, int to) {
        if (Simd.ENABLED) {
            ActivationsVector.tanhForward(x, y, from, to);
        } else {
            tanhForwardScalar(x, y, from, to);
        }
    }

    /** dx = dy * (1 - y^2). */
    public static void tanhBackward(float[] y, float[] dy, float[] dx, int from, int to) {
        if (Simd.ENABLED) {
            ActivationsVector.tanhBackward(y, dy, dx, from, to);
        } else {
            tanhBackwardScalar(y, dy, dx, from, to);
        }
    }

    // ---- scalar reference ----

    public static void reluForwardScalar(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            float v = x[i];
            y[i] = v > 0f || v != v ? v : 0f; // keeps NaN like torch.relu
        }
    }

    public static void reluBackwardScalar(float[] y, float[] dy, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) {
            dx[i] = y[i] <= 0f ? 0f : dy[i];
        }
    }

    public static void sigmoidForwardScalar(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            y[i] = Subnormals.flush((float) (1.0 / (1.0 + Math.exp(-(double) x[i]))));
        }
    }

    public static void sigmoidBackwardScalar(float[] y, float[] dy, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) {
            float s = y[i];
            dx[i] = Subnormals.flush(dy[i] * (1f - s) * s);
        }
    }

    public static void tanhForwardScalar(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            y[i] = Subnormals.flush((float) Math.tanh(x[i]));
        }
    }

    public static void tanhBackwardScalar(float[] y, float[] dy, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) {
            float t = y[i];
            dx[i] = Subnormals.flush(dy[i] * (1f - t * t));
        }
    }
}
