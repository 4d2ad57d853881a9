package org.bnlab.nn;

import java.util.List;
import java.util.SplittableRandom;
import org.bnlab.kernel.Gemm;
import org.bnlab.tensor.Shapes;
import org.bnlab.tensor.Tensor;

/**
 * y = x · Wᵀ + b, as PyTorch's {@code nn.Linear(in, out, bias)}: x [N, in], W [out, in], b [out],
 * y [N, out].
 *
 * <p>Backward (dy [N, out]): dW += dyᵀ · x, db += sum over N of dy, dx = dy · W. The input of the
 * last forward is kept by reference for backward: do not modify it in between.
 *
 * <p>Initialization: W and b from U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's default), drawn in that
 * order from {@code new SplittableRandom(seed)}.
 */
public final class Linear extends GuardedModule {
    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;
    private final List<Parameter> parameters;
    private Tensor x;
    private Tensor y;
    private Tensor dx;

    /** A Linear layer initialized from {@code new SplittableRandom(seed)}. */
    public Linear(int in, int out, boolean bias, long seed) {
        this(in, out, bias, new SplittableRandom(seed));
    }

    /** A Linear layer initialized from {@code rng} (weight first, then bias). */
    public Linear(int in, int out, boolean bias, SplittableRandom rng) {
        super("Linear(" + in + ", " + out + ")");
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("Linear: in and out must be >= 1, got in=" + in + " out=" + out);
        }
        this.in = in;
        this.out = out;
        // checked before allocating: --hidden 3000000 would wrap out * in negative, 5478275 to 304
        int n = Shapes.parameterLength("Linear(" + in + ", " + out + ")", 2, out, in);
        this.weight = new Parameter("weight", new float[n], new float[n], out, in);
        this.bias = bias ? new Parameter("bias", new float[out], new float[out], out) : null;
        this.parameters = bias ? List.of(weight, this.bias) : List.of(weight);
        org.bnlab.nn.init.Init.linearDefault(weight, this.bias, in, rng);
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
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

    @Override
    Tensor forwardImpl(Tensor x, boolean training) {
        if (x.dim() != 2 || x.size(1) != in) {
            throw new IllegalArgumentException(this + ": expected input [N, " + in + "], got " + java.util.Arrays.toString(x.shape()));
        }
        int n = x.size(0);
        if (y == null || !y.sameShape(n, out)) {
            y = Tensor.zeros(n, out);
        }
        float[] yd = y.data();
        // y (N, out) = x (N, in) · Wᵀ (in, out)
        Gemm.mmT(yd, 0, x.data(), 0, weight.data(), 0, n, out, in, false);
        if (bias != null) {
            float[] b = bias.data();
            for (int i = 0; i < n; i++) {
                int row = i * out;
                for (int j = 0; j < out; j++) {
                    yd[row + j] += b[j];
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
        if (!dy.sameShape(n, out)) {
            throw new IllegalArgumentException(this + ": gradOutput has shape " + java.util.Arrays.toString(dy.shape())
                    + " but the last forward produced [" + n + ", " + out + "]");
        }
        float[] g = dy.data();
        // dW (out, in) += dyᵀ (out, N) · x (N, in)
        Gemm.mTm(weight.grad(), 0, g, 0, x.data(), 0, out, in, n, true);
        if (bias != null) {
            // db (out) += sum_i dy[i, :], rows in order
            float[] db = bias.grad();
            for (int i = 0; i < n; i++) {
                int row = i * out;
                for (int j = 0; j < out; j++) {
                    db[j] += g[row + j];
                }
            }
        }
        if (!inputGrad) {
            return null;
        }
        if (dx == null || !dx.sameShape(n, in)) {
            dx = Tensor.zeros(n, in);
        }
        // dx (N, in) = dy (N, out) · W (out, in)
        Gemm.mm(dx.data(), 0, g, 0, weight.data(), 0, n, in, out, false);
        return dx;
    }

    @Override
    public String toString() {
        return "Linear(in_features=" + in + ", out_features=" + out + ", bias=" + (bias != null) + ")";
    }
}
