package org.bnlab.infer;

/**
 * The scratch of one thread's {@link InferenceModel#predict} calls: two activation buffers used in
 * turn (max pooling needs no argmax at inference; im2col matrices live in {@link org.bnlab.kernel.ConvKernel}'s
 * per-thread buffers). Grown to the largest batch seen, then reused, so steady-state calls allocate
 * nothing. Never shared between threads.
 */
final class Workspace {
    float[] a = new float[0];
    float[] b = new float[0];
    /** A dense stage's GEMM output when it computes its last columns apart ({@link DenseStage}). */
    private float[] dense = new float[0];
    private int capacity;

    /** The dense stages' scratch, at least {@code floats} long (grown, then reused). */
    float[] dense(int floats) {
        if (dense.length < floats) {
            dense = new float[floats];
        }
        return dense;
    }

    /** Makes room for n samples; reallocates only when n exceeds every earlier batch. */
    void ensure(int n, int maxActivation) {
        if (n <= capacity) {
            return;
        }
        a = new float[Math.multiplyExact(n, maxActivation)];
        b = new float[a.length];
        capacity = n;
    }
}
