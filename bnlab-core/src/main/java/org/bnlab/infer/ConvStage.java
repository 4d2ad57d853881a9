package org.bnlab.infer;

import org.bnlab.kernel.ConvKernel;
import org.bnlab.kernel.ConvShape;

/**
 * A Conv2d layer (BN already folded in), one GEMM per sample over its im2col matrix:
 * y_s (O, OH*OW) = b + W (O, C*K*K) · col_s (C*K*K, OH*OW), each output's fma chain starting from b.
 * {@link ConvKernel} splits a batch over threads by samples and keeps the im2col matrix per thread.
 */
final class ConvStage implements Stage {
    private final ConvShape shape;
    private final float[] weight; // [O, C, K, K]
    private final float[] bias;   // [O]

    ConvStage(int c, int h, int w, int o, int k, int stride, int pad, float[] weight, float[] bias) {
        this.shape = new ConvShape(c, h, w, o, k, stride, pad);
        this.weight = weight;
        this.bias = bias;
    }

    int outHeight() {
        return shape.oh;
    }

    int outWidth() {
        return shape.ow;
    }

    @Override
    public int inSize() {
        return shape.inSize();
    }

    @Override
    public int outSize() {
        return shape.outSize();
    }

    @Override
    public void run(float[] x, float[] y, int n, Workspace ws) {
        ConvKernel.forward(shape, n, x, weight, bias, true, y);
    }
}
