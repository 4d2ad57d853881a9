package org.bnlab.nn;

import org.bnlab.kernel.ActivationKernel;
import org.bnlab.kernel.KernelProvider;
import org.bnlab.kernel.Parallel;
import org.bnlab.tensor.Tensor;

/**
 * Shared machinery of the parameter-free elementwise activations: output and input-gradient buffers
 * reallocated only when the input shape changes, and kernels run over contiguous element ranges with
 * {@link Parallel#forRange} (each element is computed the same way whatever thread runs it, so results
 * do not depend on the thread count). Backward uses the saved output y, like PyTorch.
 */
abstract class ElementwiseActivation implements Module {
    /** The activation kernels in use, chosen once (see KernelProvider). */
    static final ActivationKernel ACT = KernelProvider.get().activations();


    /** Elements per parallel part; smaller inputs run on the caller's thread. */
    static final int GRAIN = 1 << 14;

    private Tensor out;     // y, same shape as the input
    private Tensor gradIn;  // dx, same shape as the input
    private boolean haveForward;

    // The arrays of the current call; fields rather than captured locals so the tasks are built once.
    private float[] curX;
    private float[] curY;
    private float[] curDy;
    private float[] curDx;
    private final Parallel.RangeTask forwardTask = (from, to) -> forwardKernel(curX, curY, from, to);
    private final Parallel.RangeTask backwardTask = (from, to) -> backwardKernel(curY, curDy, curDx, from, to);

    abstract void forwardKernel(float[] x, float[] y, int from, int to);

    abstract void backwardKernel(float[] y, float[] dy, float[] dx, int from, int to);

    @Override
    public Tensor forwardBuffered(Tensor x, boolean training) {
        if (out == null || !out.sameShape(x)) {
            out = Tensor.zeros(x.shape());
            gradIn = Tensor.zeros(x.shape());
        }
        curX = x.data();
        curY = out.data();
        try {
            Parallel.forRange(x.numel(), GRAIN, forwardTask);
        } finally {
            curX = null;
        }
        haveForward = true;
        return out;
    }

    @Override
    public Tensor backwardBuffered(Tensor gradOutput) {
        if (!haveForward) {
            throw new IllegalStateException(getClass().getSimpleName() + ".backward called before forward");
        }
        if (!out.sameShape(gradOutput)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".backward: gradient shape "
                    + gradOutput + " differs from the output shape " + out);
        }
        curY = out.data();
        curDy = gradOutput.data();
        curDx = gradIn.data();
        try {
            Parallel.forRange(out.numel(), GRAIN, backwardTask);
        } finally {
            curDy = null;
        }
        return gradIn;
    }
}
