package org.bnlab.nn;

import org.bnlab.kernel.Pool2d;
import org.bnlab.tensor.Tensor;

/** PyTorch's {@code nn.AvgPool2d(kernel, stride)} with padding 0, floor mode: the mean of each K x K window. */
public final class AvgPool2d extends Pool2dLayer {

    /** stride = kernel, PyTorch's default. */
    public AvgPool2d(int kernel) {
        this(kernel, kernel);
    }

    public AvgPool2d(int kernel, int stride) {
        super("AvgPool2d", kernel, stride);
    }

    @Override
    public Tensor forwardBuffered(Tensor x, boolean training) {
        prepareForward(x);
        Pool2d.avgForward(y.data(), x.data(), x.size(0) * x.size(1), x.size(2), x.size(3), kernel, stride,
                y.size(2), y.size(3));
        return y;
    }

    @Override
    public Tensor backwardBuffered(Tensor dy) {
        prepareBackward(dy);
        Pool2d.avgBackward(dx.data(), dy.data(), x.size(0) * x.size(1), x.size(2), x.size(3), kernel, stride,
                y.size(2), y.size(3));
        return dx;
    }

    @Override
    public String toString() {
        return "AvgPool2d(kernel_size=" + kernel + ", stride=" + stride + ")";
    }
}
