package org.bnlab.infer;

import org.bnlab.kernel.Gemm;
import org.bnlab.kernel.Im2col;

/**
 * A Conv2d layer (BN already folded in), one GEMM per sample over its im2col matrix:
 * y_s (O, OH*OW) = b + W (O, C*K*K) · col_s (C*K*K, OH*OW).
 */
final class ConvStage implements Stage {
    private final int c;
    private final int h;
    private final int w;
    private final int o;
    private final int k;
    private final int stride;
    private final int pad;
    private final int oh;
    private final int ow;
    private final float[] weight; // [O, C, K, K]
    private final float[] bias;   // [O]

    ConvStage(int c, int h, int w, int o, int k, int stride, int pad, float[] weight, float[] bias) {
        this.c = c;
        this.h = h;
        this.w = w;
        this.o = o;
        this.k = k;
        this.stride = stride;
        this.pad = pad;
        this.oh = (h + 2 * pad - k) / stride + 1;
        this.ow = (w + 2 * pad - k) / stride + 1;
        this.weight = weight;
        this.bias = bias;
    }

    int outHeight() {
        return oh;
    }

    int outWidth() {
        return ow;
    }

    @Override
    public int inSize() {
        return c * h * w;
    }

    @Override
    public int outSize() {
        return o * oh * ow;
    }

    @Override
    public int colFloats() {
        return c * k * k * oh * ow;
    }

    @Override
    public void run(float[] x, float[] y, int n, Workspace ws) {
        int p = oh * ow;
        int ckk = c * k * k;
        for (int s = 0; s < n; s++) {
            Im2col.im2col(ws.col, x, s * inSize(), c, h, w, k, stride, pad, oh, ow);
            int yOff = s * o * p;
            for (int oc = 0; oc < o; oc++) {
                java.util.Arrays.fill(y, yOff + oc * p, yOff + (oc + 1) * p, bias[oc]);
            }
            Gemm.mm(y, yOff, weight, 0, ws.col, 0, o, p, ckk, true);
        }
    }
}
