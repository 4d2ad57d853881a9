package org.bnlab.nn.norm;

import java.util.Arrays;
import java.util.List;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Tensor;

/**
 * BatchNorm with fixed statistics and affine transform: detectron2's FrozenBatchNorm2d, for
 * fine-tuning with small batches, where batch statistics would be noisy and updating the running
 * statistics would destroy the pre-trained ones. The same map in training and eval:
 *
 * <pre>
 *   scale = weight / sqrt(runningVar + eps),  shift = bias - runningMean * scale
 *   y     = x * scale + shift          (evaluated as (x - runningMean) * scale + bias, BatchNorm eval's form)
 *   dx    = dy * scale                 (statistics and affine are constants)
 * </pre>
 *
 * As in detectron2, weight, bias, runningMean and runningVar are buffers, not parameters: nothing
 * has a gradient and {@link #parameters()} is empty, so an optimizer (weight decay included) cannot
 * move them. With {@link Builder#trainableAffine(boolean) trainableAffine(true)} weight and bias are
 * parameters instead (dweight = sum dy * (x - runningMean) / sqrt(runningVar + eps), dbias = sum dy),
 * while the statistics stay fixed: see {@link BatchNormFreezer}.
 *
 * <p>state_dict: {@code weight, bias, running_mean, running_var} (detectron2's names; no
 * num_batches_tracked, and loading a BatchNorm state_dict ignores its num_batches_tracked).
 * Any batch size works, one sample included (there are no batch statistics); NaN or Inf in the
 * input pass through to the output and change no state.
 */
public final class FrozenBatchNorm extends NormLayer {
    private final boolean trainableAffine;
    private final float[] weight;
    private final float[] bias;
    private final float[] weightGrad;
    private final float[] biasGrad;
    private final float[] runningMean;
    private final float[] runningVar;
    private final List<Parameter> parameters;
    private final ChannelNorm core;

    private FrozenBatchNorm(Builder b) {
        super("FrozenBatchNorm", b.numFeatures, b.eps);
        int c = numFeatures;
        trainableAffine = b.trainableAffine;
        weight = new float[c];
        Arrays.fill(weight, 1f);
        bias = new float[c];
        runningMean = new float[c];
        runningVar = new float[c];
        Arrays.fill(runningVar, 1f);
        if (trainableAffine) {
            weightGrad = new float[c];
            biasGrad = new float[c];
            parameters = List.of(new Parameter("weight", weight, weightGrad, c), new Parameter("bias", bias, biasGrad, c));
        } else {
            weightGrad = null;
            biasGrad = null;
            parameters = List.of();
        }
        core = new ChannelNorm(c, eps);
    }

    /** detectron2's defaults: weight 1, bias 0, running mean 0, running var 1, eps 1e-5, affine frozen. */
    public static Builder builder(int numFeatures) {
        return new Builder(numFeatures);
    }

    /**
     * A frozen copy of {@code bn}'s eps, affine transform (1 and 0 when bn has none) and running
     * statistics; {@code bn} is not changed. detectron2's convert_frozen_batchnorm for one layer.
     */
    public static FrozenBatchNorm from(BatchNorm bn, boolean trainableAffine) {
        if (!bn.trackRunningStats()) {
            throw new IllegalArgumentException("FrozenBatchNorm.from: " + bn + " keeps no running statistics, so there is nothing to freeze");
        }
        return copyOf(bn.numFeatures(), bn.eps(), bn.weight(), bn.bias(), bn.runningMean(), bn.runningVar(), trainableAffine);
    }

    /** A frozen copy of a BatchRenorm (its eval map, with its running statistics). */
    public static FrozenBatchNorm from(BatchRenorm bn, boolean trainableAffine) {
        return copyOf(bn.numFeatures(), bn.eps(), bn.weight(), bn.bias(), bn.runningMean(), bn.runningVar(), trainableAffine);
    }

    /** A frozen copy of a GhostBatchNorm (its eval map, with its running statistics). */
    public static FrozenBatchNorm from(GhostBatchNorm bn, boolean trainableAffine) {
        if (!bn.trackRunningStats()) {
            throw new IllegalArgumentException("FrozenBatchNorm.from: " + bn + " keeps no running statistics, so there is nothing to freeze");
        }
        return copyOf(bn.numFeatures(), bn.eps(), bn.weight(), bn.bias(), bn.runningMean(), bn.runningVar(), trainableAffine);
    }

    private static FrozenBatchNorm copyOf(int c, double eps, float[] w, float[] b, float[] rm, float[] rv, boolean trainableAffine) {
        FrozenBatchNorm f = builder(c).eps(eps).trainableAffine(trainableAffine).build();
        if (w != null) {
            System.arraycopy(w, 0, f.weight, 0, c);
            System.arraycopy(b, 0, f.bias, 0, c);
        }
        System.arraycopy(rm, 0, f.runningMean, 0, c);
        System.arraycopy(rv, 0, f.runningVar, 0, c);
        return f;
    }

    @Override
    void run(Tensor x, float[] y, int n, int s, boolean training) {
        // recomputed every call (C values): the buffers may have been loaded or trained since
        core.setFixed(runningMean, runningVar, weight, bias);
        core.fixedForward(x.data(), y, 0, n, s);
    }

    @Override
    void runBackward(float[] x, float[] dy, float[] dx, int n, int s) {
        if (!trainableAffine) {
            core.scaleBackward(dy, dx, 0, n, s);
            return;
        }
        core.backward(x, dy, dx, 0, n, s, false);
        for (int c = 0; c < numFeatures; c++) {
            biasGrad[c] += (float) core.sumDy[c];
            weightGrad[c] += (float) (core.sumDyXmu[c] * core.invStd[c]);
        }
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    @Override
    public void stateDict(String prefix, StateDict out) {
        out.put(prefix + "weight", StateDict.Entry.f32(weight, numFeatures));
        out.put(prefix + "bias", StateDict.Entry.f32(bias, numFeatures));
        out.put(prefix + "running_mean", StateDict.Entry.f32(runningMean, numFeatures));
        out.put(prefix + "running_var", StateDict.Entry.f32(runningVar, numFeatures));
    }

    @Override
    public void loadStateDict(String prefix, StateDict in) {
        in.copyInto(prefix + "weight", weight, numFeatures);
        in.copyInto(prefix + "bias", bias, numFeatures);
        in.copyInto(prefix + "running_mean", runningMean, numFeatures);
        in.copyInto(prefix + "running_var", runningVar, numFeatures);
    }

    public int numFeatures() {
        return numFeatures;
    }

    public double eps() {
        return eps;
    }

    public boolean trainableAffine() {
        return trainableAffine;
    }

    /** Live buffers (parameters when trainableAffine). */
    public float[] weight() {
        return weight;
    }

    public float[] bias() {
        return bias;
    }

    /** null unless trainableAffine. */
    public float[] weightGrad() {
        return weightGrad;
    }

    public float[] biasGrad() {
        return biasGrad;
    }

    public float[] runningMean() {
        return runningMean;
    }

    public float[] runningVar() {
        return runningVar;
    }

    @Override
    public String toString() {
        return "FrozenBatchNorm(" + numFeatures + ", eps=" + eps + (trainableAffine ? ", trainable_affine=true" : "") + ")";
    }

    /** Immutable configuration: eps 1e-5, affine frozen. */
    public static final class Builder {
        private final int numFeatures;
        private double eps = 1e-5;
        private boolean trainableAffine;

        private Builder(int numFeatures) {
            checkNumFeatures("FrozenBatchNorm", numFeatures);
            this.numFeatures = numFeatures;
        }

        public Builder eps(double eps) {
            this.eps = checkEps("FrozenBatchNorm", numFeatures, eps);
            return this;
        }

        /** Whether weight and bias are trainable parameters (default false: detectron2's buffers). */
        public Builder trainableAffine(boolean trainableAffine) {
            this.trainableAffine = trainableAffine;
            return this;
        }

        public FrozenBatchNorm build() {
            return new FrozenBatchNorm(this);
        }
    }
}
