package org.bnlab.infer;

import java.util.Arrays;
import org.bnlab.kernel.Gemm;

/**
 * A Linear layer (BN already folded in): y (N, out) = b + x (N, in) · Wᵀ (in, out). W is packed
 * for the GEMM kernel once, here, instead of on every call (at batch 1 packing costs more than the
 * product).
 *
 * <p>A short tail of output columns ({@link Gemm#dotTailColumns}: e.g. the last 4 of 100 with
 * 16-lane vectors and K = 784) is computed as dot products along K instead: the GEMM would spend a
 * whole vector of FMAs on them, a seventh of the layer. The GEMM writes the other columns in place
 * (its C row stride is the layer's width).
 */
final class DenseStage implements Stage {
    private final int in;
    private final int out;
    /** Columns the GEMM computes: out, or out less the dot-product tail. */
    private final int main;
    private final Gemm.PackedT weight; // W rows [0, main), [main, in]
    private final float[] tail;        // W rows [main, out), [out - main, in]; null without a tail
    private final float[] bias;        // [out]

    DenseStage(int in, int out, float[] weight, float[] bias) {
        this.in = in;
        this.out = out;
        this.main = out - Gemm.dotTailColumns(out, in);
        this.weight = Gemm.packT(weight, 0, main, in);
        this.tail = main < out ? Arrays.copyOfRange(weight, main * in, out * in) : null;
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
        // each row starts at b, then Gemm accumulates x · Wᵀ onto its first `main` columns: one pass over y
        for (int i = 0; i < n; i++) {
            System.arraycopy(bias, 0, y, i * out, out);
        }
        Gemm.mmT(y, 0, out, x, 0, weight, n, true);
        if (tail != null) {
            int t = out - main;
            Gemm.rowDots(y, main, out, x, 0, in, n, tail, t, in);
            for (int i = 0; i < n; i++) {
                for (int j = main; j < out; j++) {
                    y[i * out + j] += bias[j];
                }
            }
        }
    }
}
