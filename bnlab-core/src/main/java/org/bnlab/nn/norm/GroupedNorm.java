package org.bnlab.nn.norm;

import java.util.Arrays;
import java.util.List;
import org.bnlab.nn.Parameter;
import org.bnlab.tensor.Tensor;

/**
 * What LayerNorm, GroupNorm and InstanceNorm share beyond {@link NormModule}: the optional affine
 * parameters ({@code weight} = 1, {@code bias} = 0 at start, as PyTorch), the {@link GroupNormEngine}
 * and the rejection of non-finite input. A subclass checks its input's shape, maps it onto the engine
 * and names a group in error messages.
 */
abstract class GroupedNorm extends NormModule {
    final double eps;
    final GroupNormEngine engine;
    final float[] weight;
    final float[] bias;
    final float[] weightGrad;
    final float[] biasGrad;
    private final List<Parameter> parameters;

    /** {@code paramShape}: the shape of weight and bias, or null without affine parameters. */
    GroupedNorm(String name, double eps, int[] paramShape) {
        super(name);
        this.eps = eps;
        this.engine = new GroupNormEngine(eps);
        if (paramShape != null) {
            int n = Math.toIntExact(Tensor.numel(paramShape));
            weight = new float[n];
            Arrays.fill(weight, 1f);
            bias = new float[n];
            weightGrad = new float[n];
            biasGrad = new float[n];
            parameters = List.of(new Parameter("weight", weight, weightGrad, paramShape),
                    new Parameter("bias", bias, biasGrad, paramShape));
        } else {
            weight = null;
            bias = null;
            weightGrad = null;
            biasGrad = null;
            parameters = List.of();
        }
    }

    /** Normalizes non-empty x into out; returns the first group with non-finite statistics, or -1. */
    abstract int normalize(Tensor x, boolean training, Tensor out);

    /** Where group g of x is, for error messages ("sample 3", "sample 1, group 2"). */
    abstract String describeGroup(Tensor x, int g);

    /** What a rejected batch leaves unchanged, appended to the error message. */
    String rejectedNote() {
        return "";
    }

    /** An empty input gives an empty output and changes nothing, as in BatchNorm. */
    @Override
    final void forwardInto(Tensor x, boolean training, Tensor out) {
        if (x.numel() == 0) {
            return;
        }
        int bad = normalize(x, training, out);
        if (bad >= 0) {
            throw new IllegalArgumentException(name + ": input " + Arrays.toString(x.shape()) + " has NaN or Inf in "
                    + describeGroup(x, bad) + "; the batch was rejected" + rejectedNote());
        }
    }

    @Override
    final void backwardInto(Tensor x, Tensor dy, Tensor dx) {
        if (x.numel() > 0) {
            engine.backward(dx.data(), dy.data(), x.data(), weightGrad, biasGrad);
        }
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    public double eps() {
        return eps;
    }

    /** weight (gamma), live; null without affine parameters (PyTorch: None). */
    public float[] weight() {
        return weight;
    }

    /** bias (beta), live; null without affine parameters. */
    public float[] bias() {
        return bias;
    }

    public float[] weightGrad() {
        return weightGrad;
    }

    public float[] biasGrad() {
        return biasGrad;
    }

    /** The product of x's dimensions from {@code from} on (1 when there are none). */
    static int trailingSize(Tensor x, int from) {
        int n = 1;
        for (int d = from; d < x.dim(); d++) {
            n *= x.size(d);
        }
        return n;
    }
}
