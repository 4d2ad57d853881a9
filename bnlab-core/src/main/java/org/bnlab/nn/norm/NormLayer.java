package org.bnlab.nn.norm;

import java.util.Arrays;
import java.util.List;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Shapes;
import org.bnlab.tensor.Tensor;

/**
 * What the batch-normalization layers share (BatchNorm, BatchRenorm, GhostBatchNorm,
 * FrozenBatchNorm), beyond {@link NormModule}'s call forms: BatchNorm's input rule (shape [N, C] or
 * [N, C, H, W] with C = numFeatures, an IllegalArgumentException naming the layer otherwise), the
 * affine parameters ({@link Affine}, or none) and the running statistics ({@link RunningStats}, or
 * none) with their PyTorch accessors and state_dict names, and the two rejections (one value per
 * channel in training, NaN or Inf in a batch). Subclasses do the arithmetic with {@link BatchNormOp}
 * on flat arrays viewed as (n, C, s), keeping what backward needs in the op's {@link BatchNormOp.Saved}.
 */
abstract class NormLayer extends NormModule {
    final int numFeatures;
    final double eps;
    /** weight, bias and their gradients; null without affine parameters (PyTorch: None). */
    final Affine params;
    /** running_mean, running_var, num_batches_tracked; null without running statistics. */
    final RunningStats running;

    /**
     * {@code affine}: weight and bias; {@code track}: running statistics with this momentum (the
     * weight of the new batch) or the cumulative average. The per-channel arrays of the layer and of
     * one {@link BatchNormOp.Saved} (14 float and 5 double arrays) are checked against the heap
     * before any is allocated.
     */
    NormLayer(String kind, int numFeatures, double eps, boolean affine, boolean track, double momentum, boolean cumulative) {
        super(kind + "(" + numFeatures + ")");
        Shapes.checkHeap(name + " buffers", (14L * Float.BYTES + 5L * Double.BYTES) * numFeatures);
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.params = affine ? new Affine(numFeatures) : null;
        this.running = track ? new RunningStats(numFeatures, momentum, cumulative) : null;
    }

    /** y = layer(x) into {@code y} (x viewed as (n, C, s), n*s >= 1); a rejected batch changes no state. */
    abstract void run(Tensor x, float[] y, int n, int s, boolean training);

    /** dx for the last forward's input; adds the parameter gradients, if any. */
    abstract void runBackward(float[] x, float[] dy, float[] dx, int n, int s);

    /** An empty batch gives an empty result and changes nothing (no statistics, no running update). */
    @Override
    final void forwardInto(Tensor x, boolean training, Tensor out) {
        if (x.numel() > 0) {
            run(x, out.data(), x.size(0), spatial(x), training);
        }
    }

    @Override
    final void backwardInto(Tensor x, Tensor dy, Tensor dx) {
        if (x.numel() > 0) {
            runBackward(x.data(), dy.data(), dx.data(), x.size(0), spatial(x));
        }
    }

    static int spatial(Tensor x) {
        return x.dim() == 4 ? x.size(2) * x.size(3) : 1;
    }

    /** Rank and channel count, without copying the shape (this runs on every call). */
    @Override
    final void checkInput(Tensor x, boolean training) {
        int rank = x.dim();
        if (rank != 2 && rank != 4) {
            throw new IllegalArgumentException(name + ": expected input of shape [N, C] or [N, C, H, W], got "
                    + Arrays.toString(x.shape()) + " (rank " + rank + ")");
        }
        if (x.size(1) != numFeatures) {
            throw new IllegalArgumentException(name + ": input has " + x.size(1) + " channels (shape "
                    + Arrays.toString(x.shape()) + "), expected " + numFeatures);
        }
    }

    /** PyTorch's rule: batch statistics need more than one value per channel. */
    void requireMoreThanOneValue(long valuesPerChannel, Tensor x, String detail) {
        if (valuesPerChannel == 1) {
            throw new IllegalArgumentException(name + ": Expected more than 1 value per channel when training, got input size "
                    + Arrays.toString(x.shape()) + detail);
        }
    }

    /** A batch with NaN or Inf is rejected before anything is updated ({@code channel} -1: nothing to reject). */
    void rejectNonFinite(int channel, Tensor x) {
        if (channel >= 0) {
            throw new IllegalArgumentException(name + ": input " + Arrays.toString(x.shape()) + " has NaN or Inf in channel "
                    + channel + "; the batch was rejected and the running statistics are unchanged");
        }
    }

    // ---------------------------------------------------------------- state

    @Override
    public List<Parameter> parameters() {
        return params == null ? List.of() : params.parameters;
    }

    @Override
    public void stateDict(String prefix, StateDict out) {
        super.stateDict(prefix, out);
        if (running != null) {
            running.stateDict(prefix, out);
        }
    }

    @Override
    public void loadStateDict(String prefix, StateDict in) {
        super.loadStateDict(prefix, in);
        if (running != null) {
            running.loadStateDict(prefix, in);
        }
    }

    public int numFeatures() {
        return numFeatures;
    }

    public double eps() {
        return eps;
    }

    public boolean affine() {
        return params != null;
    }

    public boolean trackRunningStats() {
        return running != null;
    }

    /** gamma, live; null when affine is false (PyTorch: None). */
    public float[] weight() {
        return params == null ? null : params.weight;
    }

    /** beta, live; null when affine is false. */
    public float[] bias() {
        return params == null ? null : params.bias;
    }

    public float[] weightGrad() {
        return params == null ? null : params.weightGrad;
    }

    public float[] biasGrad() {
        return params == null ? null : params.biasGrad;
    }

    /** Live running mean; null without running statistics. */
    public float[] runningMean() {
        return running == null ? null : running.mean;
    }

    /** Live running (unbiased) variance; null without running statistics. */
    public float[] runningVar() {
        return running == null ? null : running.var;
    }

    /** Batches folded into the running statistics (0 without them). */
    public long numBatchesTracked() {
        return running == null ? 0 : running.numBatchesTracked[0];
    }

    /** PyTorch's reset_running_stats(): mean 0, var 1, counter 0 (nothing without running statistics). */
    public void resetRunningStats() {
        if (running != null) {
            running.reset();
        }
    }
}
