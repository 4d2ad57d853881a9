package org.bnlab.nn;

import org.bnlab.tensor.Tensor;

/** Shape handling shared by {@link MaxPool2d} and {@link AvgPool2d}: NCHW, K x K windows, stride S, no padding. */
abstract class Pool2dLayer implements Module {
    final int kernel;
    final int stride;
    Tensor x;
    Tensor y;
    Tensor dx;

    Pool2dLayer(String name, int kernel, int stride) {
        if (kernel < 1 || stride < 1) {
            throw new IllegalArgumentException(name + ": kernel and stride must be >= 1, got kernel=" + kernel
                    + " stride=" + stride);
        }
        this.kernel = kernel;
        this.stride = stride;
    }

    public final int kernelSize() {
        return kernel;
    }

    public final int stride() {
        return stride;
    }

    /** Checks x, (re)allocates y [N, C, OH, OW] and remembers x. */
    final void prepareForward(Tensor x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException(this + ": expected input [N, C, H, W], got " + java.util.Arrays.toString(x.shape()));
        }
        if (x.size(2) < kernel || x.size(3) < kernel) {
            throw new IllegalArgumentException(this + ": input " + java.util.Arrays.toString(x.shape()) + " is smaller than the kernel " + kernel);
        }
        int oh = (x.size(2) - kernel) / stride + 1;
        int ow = (x.size(3) - kernel) / stride + 1;
        if (y == null || !y.sameShape(x.size(0), x.size(1), oh, ow)) {
            y = Tensor.zeros(x.size(0), x.size(1), oh, ow);
        }
        this.x = x;
    }

    /** Checks dy against the last forward's output and (re)allocates dx. */
    final void prepareBackward(Tensor dy) {
        if (x == null) {
            throw new IllegalArgumentException(this + ": backward called before forward");
        }
        if (!dy.sameShape(y)) {
            throw new IllegalArgumentException(this + ": gradOutput has shape " + java.util.Arrays.toString(dy.shape())
                    + " but the last forward produced " + java.util.Arrays.toString(y.shape()));
        }
        if (!x.sameShape(dx)) {
            dx = Tensor.zeros(x.shape());
        }
    }
}
