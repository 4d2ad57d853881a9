package org.bnlab.nn;

import org.bnlab.kernel.MaxPool;
import org.bnlab.tensor.Tensor;

/**
 * PyTorch's {@code nn.MaxPool2d(kernel, stride)} with padding 0, dilation 1, floor mode: the maximum
 * of each K x K window; the gradient goes to the first maximum of the window (a NaN counts as the maximum).
 * Runs {@link MaxPool}, the branch-free, plane-parallel form of the spec {@code Pool2d.maxForward}.
 */
public final class MaxPool2d extends Pool2dLayer {
    private int[] arg = new int[0];

    /** stride = kernel, PyTorch's default. */
    public MaxPool2d(int kernel) {
        this(kernel, kernel);
    }

    public MaxPool2d(int kernel, int stride) {
        super("MaxPool2d", kernel, stride);
    }

    @Override
    public Tensor forwardBuffered(Tensor x, boolean training) {
        prepareForward(x);
        if (arg.length < y.numel()) {
            arg = new int[y.numel()];
        }
        MaxPool.forward(y.data(), arg, x.data(), x.size(0) * x.size(1), x.size(2), x.size(3), kernel, stride,
                y.size(2), y.size(3));
        return y;
    }

    @Override
    public Tensor backwardBuffered(Tensor dy) {
        prepareBackward(dy);
        MaxPool.backward(dx.data(), dy.data(), arg, x.size(0) * x.size(1), x.size(2), x.size(3), y.size(2), y.size(3));
        return dx;
    }

    @Override
    public String toString() {
        return "MaxPool2d(kernel_size=" + kernel + ", stride=" + stride + ")";
    }
}
