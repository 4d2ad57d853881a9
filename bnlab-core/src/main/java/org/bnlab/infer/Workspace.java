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
    private int capacity;

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
