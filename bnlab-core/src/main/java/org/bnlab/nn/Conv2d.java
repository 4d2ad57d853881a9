package org.bnlab.nn;

import java.util.List;
import java.util.SplittableRandom;
import org.bnlab.kernel.Gemm;
import org.bnlab.kernel.Im2col;
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
 * Backward per sample: dW += dy_n · col_nᵀ, db += row sums of dy_n, dcol = Wᵀ · dy_n, dx_n = col2im(dcol).
 *
 * <p>Parallelism and determinism: the samples run in order (the dW and db sums over the batch are
 * never split across threads) and each GEMM is split over its output rows, i.e. over output channels
 * for y and dW and over (input channel, kh, kw) rows for dcol: channel-parallel, so results are
 * bit-identical for any thread count. col_n is recomputed in backward instead of being kept for the
 * whole batch (that would be N*C*K*K*OH*OW floats). The input of the last forward is kept by reference.
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
    private float[] col = new float[0];

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

    private int outSize(int in) {
        return (in + 2 * padding - kernel) / stride + 1;
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
        int oh = outSize(h);
        int ow = outSize(w);
        int p = oh * ow;
        int ckk = inCh * kernel * kernel;
        if (y == null || !y.sameShape(n, outCh, oh, ow)) {
            y = Tensor.zeros(n, outCh, oh, ow);
        }
        if (col.length < ckk * p) {
            col = new float[ckk * p];
        }
        float[] xd = x.data();
        float[] yd = y.data();
        float[] wd = weight.data();
        for (int s = 0; s < n; s++) {
            Im2col.im2col(col, xd, s * inCh * h * w, inCh, h, w, kernel, stride, padding, oh, ow);
            int yOff = s * outCh * p;
            // y_s (O, P) = W (O, CKK) · col (CKK, P)
            Gemm.mm(yd, yOff, wd, 0, col, 0, outCh, p, ckk, false);
            if (bias != null) {
                float[] b = bias.data();
                for (int o = 0; o < outCh; o++) {
                    int row = yOff + o * p;
                    for (int j = 0; j < p; j++) {
                        yd[row + j] += b[o];
                    }
                }
            }
        }
        this.x = x;
        return y;
    }

    @Override
    Tensor backwardImpl(Tensor dy, boolean inputGrad) {
        if (x == null) {
            throw new IllegalArgumentException(this + ": backward called before forward");
        }
        int n = x.size(0);
        int h = x.size(2);
        int w = x.size(3);
        int oh = outSize(h);
        int ow = outSize(w);
        if (!dy.sameShape(n, outCh, oh, ow)) {
            throw new IllegalArgumentException(this + ": gradOutput has shape " + java.util.Arrays.toString(dy.shape())
                    + " but the last forward produced [" + n + ", " + outCh + ", " + oh + ", " + ow + "]");
        }
        int p = oh * ow;
        int ckk = inCh * kernel * kernel;
        if (inputGrad && !x.sameShape(dx)) {
            dx = Tensor.zeros(x.shape());
        }
        float[] xd = x.data();
        float[] g = dy.data();
        float[] dxd = inputGrad ? dx.data() : null;
        float[] wd = weight.data();
        float[] dw = weight.grad();
        if (inputGrad) {
            java.util.Arrays.fill(dxd, 0f);
        }
        for (int s = 0; s < n; s++) {
            int gOff = s * outCh * p;
            int xOff = s * inCh * h * w;
            Im2col.im2col(col, xd, xOff, inCh, h, w, kernel, stride, padding, oh, ow);
            // dW (O, CKK) += dy_s (O, P) · colᵀ (P, CKK)
            Gemm.mmT(dw, 0, g, gOff, col, 0, outCh, ckk, p, true);
            if (bias != null) {
                float[] db = bias.grad();
                for (int o = 0; o < outCh; o++) {
                    int row = gOff + o * p;
                    float sum = 0f;
                    for (int j = 0; j < p; j++) {
                        sum += g[row + j];
                    }
                    db[o] += sum;
                }
            }
            if (inputGrad) {
                // dcol (CKK, P) = Wᵀ (CKK, O) · dy_s (O, P), then scatter-added into dx_s
                Gemm.mTm(col, 0, wd, 0, g, gOff, ckk, p, outCh, false);
                Im2col.col2imAdd(dxd, xOff, col, inCh, h, w, kernel, stride, padding, oh, ow);
            }
        }
        return inputGrad ? dx : null;
    }

    @Override
    public String toString() {
        return "Conv2d(" + inCh + ", " + outCh + ", kernel_size=" + kernel + ", stride=" + stride
                + ", padding=" + padding + ", bias=" + (bias != null) + ")";
    }
}
