package org.bnlab.nn.norm;

import java.util.Arrays;
import java.util.List;
import org.bnlab.nn.Module;
import org.bnlab.nn.Parameter;
import org.bnlab.tensor.Tensor;

/**
 * What LayerNorm, GroupNorm and InstanceNorm share as modules: the optional affine parameters
 * ({@code weight} = 1, {@code bias} = 0 at start, as PyTorch), the new-tensor and buffered passes,
 * the gradOutput checks and the rejection of non-finite input. A subclass checks its input's shape,
 * maps it onto the {@link GroupNormEngine} and names a group in error messages.
 *
 * <p>An empty input (a zero dimension) gives an empty output and changes nothing, as in BatchNorm.
 * Backward uses the input of the last forward, which must not be modified in between.
 */
abstract class GroupedNorm implements Module {
    final String name;
    final double eps;
    final GroupNormEngine engine;
    final float[] weight;
    final float[] bias;
    final float[] weightGrad;
    final float[] biasGrad;
    private final List<Parameter> parameters;

    private Tensor input;
    private Tensor outputBuffer;
    private Tensor gradInputBuffer;

    /** {@code paramShape}: the shape of weight and bias, or null without affine parameters. */
    GroupedNorm(String name, double eps, int[] paramShape) {
        this.name = name;
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

    /** Throws an IllegalArgumentException naming the layer when x (non-null) does not fit. */
    abstract void checkShape(Tensor x, boolean training);

    /** Normalizes non-empty x into out; returns the first group with non-finite statistics, or -1. */
    abstract int normalize(Tensor x, boolean training, Tensor out);

    /** Where group g of x is, for error messages ("sample 3", "sample 1, group 2"). */
    abstract String describeGroup(Tensor x, int g);

    /** What a rejected batch leaves unchanged, appended to the error message. */
    String rejectedNote() {
        return "";
    }

    // ---------------------------------------------------------------- forward

    /** Normalizes x; returns a new tensor. */
    @Override
    public Tensor forward(Tensor x, boolean training) {
        checkInput(x, training);
        Tensor out = Tensor.zeros(x.shape());
        run(x, training, out);
        return out;
    }

    /** Allocation-free forward: the result is this layer's buffer, overwritten by the next call. */
    @Override
    public Tensor forwardBuffered(Tensor x, boolean training) {
        checkInput(x, training);
        if (outputBuffer == null || !outputBuffer.sameShape(x)) {
            outputBuffer = Tensor.zeros(x.shape());
        }
        run(x, training, outputBuffer);
        return outputBuffer;
    }

    private void checkInput(Tensor x, boolean training) {
        if (x == null) {
            throw new IllegalArgumentException(name + ".forward: input is null");
        }
        checkShape(x, training);
    }

    private void run(Tensor x, boolean training, Tensor out) {
        input = null; // no backward through a rejected batch
        if (x.numel() > 0) {
            int bad = normalize(x, training, out);
            if (bad >= 0) {
                throw new IllegalArgumentException(name + ": input " + Arrays.toString(x.shape()) + " has NaN or Inf in "
                        + describeGroup(x, bad) + "; the batch was rejected" + rejectedNote());
            }
        }
        input = x;
    }

    // ---------------------------------------------------------------- backward

    /** Gradient w.r.t. the input of the last forward, as a new tensor; adds into weightGrad/biasGrad. */
    @Override
    public Tensor backward(Tensor gradOutput) {
        checkGradOutput(gradOutput);
        Tensor dx = Tensor.zeros(gradOutput.shape());
        runBackward(gradOutput, dx);
        return dx;
    }

    /** Allocation-free backward: the result is this layer's buffer, overwritten by the next call. */
    @Override
    public Tensor backwardBuffered(Tensor gradOutput) {
        checkGradOutput(gradOutput);
        if (gradInputBuffer == null || !gradInputBuffer.sameShape(gradOutput)) {
            gradInputBuffer = Tensor.zeros(gradOutput.shape());
        }
        runBackward(gradOutput, gradInputBuffer);
        return gradInputBuffer;
    }

    private void checkGradOutput(Tensor dy) {
        if (input == null) {
            throw new IllegalArgumentException(name + ": backward called before a successful forward");
        }
        if (dy == null) {
            throw new IllegalArgumentException(name + ".backward: gradOutput is null");
        }
        if (!dy.sameShape(input)) {
            throw new IllegalArgumentException(name + ".backward: gradOutput has shape " + Arrays.toString(dy.shape())
                    + " but the last forward's input had shape " + Arrays.toString(input.shape()));
        }
    }

    private void runBackward(Tensor dy, Tensor dx) {
        if (dy.numel() > 0) {
            engine.backward(dx.data(), dy.data(), input.data(), weightGrad, biasGrad);
        }
    }

    // ---------------------------------------------------------------- state

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

    /** The eps check every builder shares. */
    static double checkEps(String layer, double eps) {
        if (!(eps > 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException(layer + ": eps must be a finite number > 0, got " + eps);
        }
        return eps;
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
