package org.bnlab.nn.norm;

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
 *
 * <p>Structure: {@link BatchNormOp}'s eval form in training and eval alike; {@link #numBatchesTracked()}
 * is always 0 and not saved.
 */
public final class FrozenBatchNorm extends NormLayer {
    private final boolean trainableAffine;
    /** The last forward, for backward (its coefficients, recomputed every call). */
    private final BatchNormOp.Saved saved;

    private FrozenBatchNorm(Builder b) {
        // weight and bias always exist (detectron2's buffers); they are parameters only when trainable
        super("FrozenBatchNorm", b.numFeatures, b.eps, true, true, 0, false);
        this.trainableAffine = b.trainableAffine;
        this.saved = new BatchNormOp.Saved(numFeatures);
    }

    /** detectron2's defaults: weight 1, bias 0, running mean 0, running var 1, eps 1e-5, affine frozen. */
    public static Builder builder(int numFeatures) {
        return new Builder(numFeatures);
    }

    /**
     * A frozen copy of {@code bn}'s eps, affine transform (1 and 0 when bn has none) and running
     * statistics; {@code bn} is not changed. detectron2's convert_frozen_batchnorm for one layer.
     * Accepts BatchNorm, BatchRenorm and GhostBatchNorm (their eval map, with their running statistics).
     */
    static FrozenBatchNorm copyOf(NormLayer bn, boolean trainableAffine) {
        if (!bn.trackRunningStats()) {
            throw new IllegalArgumentException("FrozenBatchNorm.from: " + bn + " keeps no running statistics, so there is nothing to freeze");
        }
        int c = bn.numFeatures();
        FrozenBatchNorm f = builder(c).eps(bn.eps()).trainableAffine(trainableAffine).build();
        if (bn.affine()) {
            System.arraycopy(bn.weight(), 0, f.params.weight, 0, c);
            System.arraycopy(bn.bias(), 0, f.params.bias, 0, c);
        }
        System.arraycopy(bn.runningMean(), 0, f.running.mean, 0, c);
        System.arraycopy(bn.runningVar(), 0, f.running.var, 0, c);
        return f;
    }

    /** A frozen copy of a BatchNorm (see {@link #copyOf}). */
    public static FrozenBatchNorm from(BatchNorm bn, boolean trainableAffine) {
        return copyOf(bn, trainableAffine);
    }

    /** A frozen copy of a BatchRenorm (its eval map, with its running statistics). */
    public static FrozenBatchNorm from(BatchRenorm bn, boolean trainableAffine) {
        return copyOf(bn, trainableAffine);
    }

    /** A frozen copy of a GhostBatchNorm (its eval map, with its running statistics). */
    public static FrozenBatchNorm from(GhostBatchNorm bn, boolean trainableAffine) {
        return copyOf(bn, trainableAffine);
    }

    @Override
    void run(Tensor x, float[] y, int n, int s, boolean training) {
        // recomputed every call (C values): the buffers may have been loaded or trained since
        BatchNormOp.forwardEval(saved, x.data(), y, 0, n, s, running.mean, running.var, params.weight, params.bias, eps);
    }

    @Override
    void runBackward(float[] x, float[] dy, float[] dx, int n, int s) {
        if (!trainableAffine) {
            BatchNormOp.inputGradFixed(saved, dy, dx);
            return;
        }
        BatchNormOp.backward(saved, dy, dx);
        BatchNormOp.accumulateAffineGrads(saved, params.weightGrad, params.biasGrad);
    }

    /** Empty unless trainableAffine: frozen weight and bias are buffers (detectron2). */
    @Override
    public List<Parameter> parameters() {
        return trainableAffine ? params.parameters : List.of();
    }

    /** detectron2's four names, no num_batches_tracked. */
    @Override
    public void stateDict(String prefix, StateDict out) {
        out.put(prefix + "weight", StateDict.Entry.f32(params.weight, numFeatures));
        out.put(prefix + "bias", StateDict.Entry.f32(params.bias, numFeatures));
        out.put(prefix + "running_mean", StateDict.Entry.f32(running.mean, numFeatures));
        out.put(prefix + "running_var", StateDict.Entry.f32(running.var, numFeatures));
    }

    @Override
    public void loadStateDict(String prefix, StateDict in) {
        in.copyInto(prefix + "weight", params.weight, numFeatures);
        in.copyInto(prefix + "bias", params.bias, numFeatures);
        in.copyInto(prefix + "running_mean", running.mean, numFeatures);
        in.copyInto(prefix + "running_var", running.var, numFeatures);
    }

    /**
     * Refused: a frozen layer's statistics are fixed (they come from training or a checkpoint);
     * resetting them to mean 0, var 1 would silently change what the model computes.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public void resetRunningStats() {
        throw new UnsupportedOperationException(this + ": the statistics of a frozen BatchNorm are fixed; "
                + "load others with loadStateDict, or use BatchNorm to re-estimate them");
    }

    public boolean trainableAffine() {
        return trainableAffine;
    }

    /** null unless trainableAffine. */
    @Override
    public float[] weightGrad() {
        return trainableAffine ? params.weightGrad : null;
    }

    /** null unless trainableAffine. */
    @Override
    public float[] biasGrad() {
        return trainableAffine ? params.biasGrad : null;
    }

    /** Always 0: frozen statistics count no batches. */
    @Override
    public long numBatchesTracked() {
        return 0;
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
            this.numFeatures = NormArgs.numFeatures("FrozenBatchNorm", numFeatures);
        }

        public Builder eps(double eps) {
            this.eps = NormArgs.eps("FrozenBatchNorm(" + numFeatures + ")", eps);
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
