package org.bnlab.nn;

import java.util.List;
import java.util.SplittableRandom;
import org.bnlab.kernel.ConvKernel;
import org.bnlab.kernel.ConvShape;
import org.bnlab.tensor.Shapes;
import org.bnlab.tensor.Tensor;

/**
 * 2-D convolution (cross-correlation) as PyTorch's {@code nn.Conv2d(inCh, outCh, kernel, stride,
 * padding, bias)} with square kernels, zero padding, NCHW:
 * <pre>
 *   y[n, o, oh, ow] = b[o] + sum_{c, kh, kw} W[o, c, kh, kw] * x[n, c, oh*S - P + kh, ow*S - P + kw]
 *   OH = (H + 2P - K) / S + 1   (floor), likewise OW
 * </pre>
 * Per sample it is one GEMM over an im2col matrix: y_n (O, OH*OW) = W (O, C*K*K) · col_n (C*K*K, OH*OW).
 * Backward: dW += sum_n dy_n · col_nᵀ, db += row sums of dy_n, dcol = Wᵀ · dy_n, dx_n = col2im(dcol).
 *
 * <p>Parallelism and determinism ({@link ConvKernel}): forward and dx split over samples, dW over its
 * rows (each part runs through all samples in order, so the dW and db sums over the batch are never
 * split across threads): bit-identical results for any thread count. col_n is recomputed in backward
 * instead of being kept for the whole batch (that would be N*C*K*K*OH*OW floats). The input of the
 * last forward is kept by reference.
 *
 * <p>Initialization: W and b from U(-1/sqrt(fanIn), 1/sqrt(fanIn)), fanIn = C*K*K (PyTorch's
 * default), drawn in that order from {@code new SplittableRandom(seed)}.
 */
public final class Conv2d extends GuardedModule {
    private final int inCh;
    private final int outCh;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final Parameter weight;
    private final Parameter bias;
    private final List<Parameter> parameters;
    private Tensor x;
    private Tensor y;
    private Tensor dx;
    private ConvShape shape;

    /** A Conv2d initialized from {@code new SplittableRandom(seed)}. */
    public Conv2d(int inCh, int outCh, int kernel, int stride, int padding, boolean bias, long seed) {
        this(inCh, outCh, kernel, stride, padding, bias, new SplittableRandom(seed));
    }

    /** A Conv2d initialized from {@code rng} (weight first, then bias). */
    public Conv2d(int inCh, int outCh, int kernel, int stride, int padding, boolean bias, SplittableRandom rng) {
        super("Conv2d(" + inCh + ", " + outCh + ", kernel_size=" + kernel + ")");
        if (inCh < 1 || outCh < 1 || kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("Conv2d: need inCh, outCh, kernel, stride >= 1 and padding >= 0, got inCh="
                    + inCh + " outCh=" + outCh + " kernel=" + kernel + " stride=" + stride + " padding=" + padding);
        }
        this.inCh = inCh;
        this.outCh = outCh;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        int n = Shapes.parameterLength("Conv2d(" + inCh + ", " + outCh + ", kernel_size=" + kernel + ")", 2,
                outCh, inCh, kernel, kernel);
        int fanIn = n / outCh;
        this.weight = new Parameter("weight", new float[n], new float[n], outCh, inCh, kernel, kernel);
        this.bias = bias ? new Parameter("bias", new float[outCh], new float[outCh], outCh) : null;
        this.parameters = bias ? List.of(weight, this.bias) : List.of(weight);
        org.bnlab.nn.init.Init.linearDefault(weight, this.bias, fanIn, rng);
    }

    public int inChannels() {
        return inCh;
    }

    public int outChannels() {
        return outCh;
    }

    public int kernelSize() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when built without one. */
    public Parameter bias() {
        return bias;
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    /** The geometry for an input of H x W: rebuilt only when the input size changes. */
    private ConvShape shape(int h, int w) {
        if (shape == null || !shape.sameInput(h, w)) {
            shape = new ConvShape(inCh, h, w, outCh, kernel, stride, padding);
        }
        return shape;
    }

    @Override
    Tensor forwardImpl(Tensor x, boolean training) {
        if (x.dim() != 4 || x.size(1) != inCh) {
            throw new IllegalArgumentException(this + ": expected input [N, " + inCh + ", H, W], got " + java.util.Arrays.toString(x.shape()));
        }
        int n = x.size(0);
        int h = x.size(2);
        int w = x.size(3);
        if (h + 2 * padding < kernel || w + 2 * padding < kernel) {
            throw new IllegalArgumentException(this + ": input " + java.util.Arrays.toString(x.shape()) + " is smaller than the kernel "
                    + kernel + " after padding " + padding);
        }
        ConvShape g = shape(h, w);
        if (y == null || !y.sameShape(n, outCh, g.oh, g.ow)) {
            y = Tensor.zeros(n, outCh, g.oh, g.ow);
        }
        // y_s = W · col_s, then + b (PyTorch's order: the bias is added to the finished product)
        ConvKernel.forward(g, n, x.data(), weight.data(), bias == null ? null : bias.data(), false, y.data());
        this.x = x;
        return y;
    }

    @Override
    Tensor backwardImpl(Tensor dy, boolean inputGrad) {
        if (x == null) {
            throw new IllegalArgumentException(this + ": backward called before forward");
        }
        int n = x.size(0);
        ConvShape g = shape(x.size(2), x.size(3));
        if (!dy.sameShape(n, outCh, g.oh, g.ow)) {
            throw new IllegalArgumentException(this + ": gradOutput has shape " + java.util.Arrays.toString(dy.shape())
                    + " but the last forward produced [" + n + ", " + outCh + ", " + g.oh + ", " + g.ow + "]");
        }
        float[] grad = dy.data();
        // dW += sum_s dy_s · col_sᵀ, db += row sums of dy_s, samples in order; dx_s = col2im(Wᵀ · dy_s)
        ConvKernel.weightGrad(g, n, x.data(), grad, weight.grad());
        if (bias != null) {
            ConvKernel.biasGrad(g, n, grad, bias.grad());
        }
        if (!inputGrad) {
            return null;
        }
        if (!x.sameShape(dx)) {
            dx = Tensor.zeros(x.shape());
        }
        ConvKernel.inputGrad(g, n, grad, weight.data(), dx.data());
        return dx;
    }

    @Override
    public String toString() {
        return "Conv2d(" + inCh + ", " + outCh + ", kernel_size=" + kernel + ", stride=" + stride
                + ", padding=" + padding + ", bias=" + (bias != null) + ")";
    }
}
