package org.bnlab.infer;

import org.bnlab.kernel.Gemm;

/**
 * A Linear layer (BN already folded in): y (N, out) = b + x (N, in) · Wᵀ (in, out). W is packed
 * for the GEMM kernel once, here, instead of on every call (at batch 1 packing costs more than the
 * product).
 */
final class DenseStage implements Stage {
    private final int in;
    private final int out;
    private final Gemm.PackedT weight; // W [out, in]
    private final float[] bias;        // [out]

    DenseStage(int in, int out, float[] weight, float[] bias) {
        this.in = in;
        this.out = out;
        this.weight = Gemm.packT(weight, 0, out, in);
        this.bias = bias;
    }

    @Override
    public int inSize() {
        return in;
    }

    @Override
    public int outSize() {
        return out;
    }

    @Override
    public void run(float[] x, float[] y, int n, Workspace ws) {
        // each row starts at b, then Gemm accumulates x · Wᵀ onto it: one pass over y
        for (int i = 0; i < n; i++) {
            System.arraycopy(bias, 0, y, i * out, out);
        }
        Gemm.mmT(y, 0, x, 0, weight, n, true);
    }
}
