package org.bnlab.nn.norm;

import java.util.Arrays;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Tensor;

/**
 * Instance Normalization (Ulyanov, Vedaldi &amp; Lempitsky 2016) with PyTorch's semantics
 * ({@code nn.InstanceNorm1d} for [N, C, L], {@code nn.InstanceNorm2d} for [N, C, H, W]): every
 * channel of every sample is normalized over its own spatial values.
 *
 * <pre>
 *   group = (sample n, channel c): its L or H*W values (at least 2 when input statistics are used)
 *   mu = mean(group),  var = mean((x - mu)^2)  (biased),  rstd = 1 / sqrt(var + eps)
 *   y  = (x - mu) * rstd * weight[c] + bias[c]          (weight 1, bias 0 without affine)
 *   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  g = dy * weight[c]
 *   with trackRunningStats, in training (PyTorch's momentum convention: weight of the NEW value):
 *   runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean_n(mu_nc)
 *   runningVar[c]  = (1 - momentum) * runningVar[c]  + momentum * mean_n(var_nc * S/(S-1))  (unbiased)
 *   eval with trackRunningStats: y = (x - runningMean[c]) / sqrt(runningVar[c] + eps) * weight[c] + bias[c]
 * </pre>
 * PyTorch's defaults differ from BatchNorm's: {@code affine=false}, {@code trackRunningStats=false}
 * (eval then uses the input's statistics too), momentum 0.1. As in PyTorch 1.13,
 * {@code numBatchesTracked} is kept and saved (state_dict {@code num_batches_tracked}) but never
 * incremented: InstanceNorm's forward does not count batches. Unlike PyTorch, which only warns when
 * affine is false, a channel-count mismatch is always an error. tf.keras has no core InstanceNorm;
 * tensorflow_addons' {@code InstanceNormalization} is GroupNorm with groups = channels, no running
 * statistics, epsilon 1e-3.
 *
 * <p>Input holding NaN or Inf is rejected whenever its statistics are used, and then leaves the
 * running statistics exactly as they were.
 */
public final class InstanceNorm extends GroupedNorm {
    private final int numFeatures;
    private final double momentum;
    private final boolean track;
    /** BatchNorm's buffers and state_dict names; null without running statistics. */
    private final RunningStats running;

    private InstanceNorm(Builder b) {
        super("InstanceNorm(" + b.numFeatures + ")", b.eps, b.affine ? new int[] {b.numFeatures} : null);
        this.numFeatures = b.numFeatures;
        this.momentum = b.momentum;
        this.track = b.track;
        this.running = track ? new RunningStats(numFeatures, momentum, false) : null;
    }

    /** A builder with PyTorch's defaults: eps 1e-5, momentum 0.1, no affine, no running statistics. */
    public static Builder builder(int numFeatures) {
        return new Builder(numFeatures);
    }

    private boolean usesInputStats(boolean training) {
        return training || !track;
    }

    @Override
    void checkInput(Tensor x, boolean training) {
        if (x.dim() != 3 && x.dim() != 4) {
            throw new IllegalArgumentException(name + ": expected input of shape [N, C, L] or [N, C, H, W], got "
                    + Arrays.toString(x.shape()) + " (rank " + x.dim() + ")");
        }
        if (x.size(1) != numFeatures) {
            throw new IllegalArgumentException(name + ": input has " + x.size(1) + " channels (shape "
                    + Arrays.toString(x.shape()) + "), expected " + numFeatures);
        }
        if (usesInputStats(training) && trailingSize(x, 2) == 1) {
            throw new IllegalArgumentException(name + ": Expected more than 1 spatial element when training, got input size "
                    + Arrays.toString(x.shape()));
        }
    }

    @Override
    int normalize(Tensor x, boolean training, Tensor out) {
        int rows = x.size(0) * numFeatures;
        int s = trailingSize(x, 2);
        if (!usesInputStats(training)) {
            engine.forwardRowsGivenStats(out.data(), x.data(), rows, s, numFeatures, running.mean, running.var, weight, bias);
            return -1;
        }
        int bad = engine.forwardRows(out.data(), x.data(), rows, 1, s, numFeatures, weight, bias);
        if (bad < 0 && training && track) {
            updateRunningStats(x.size(0), s);
        }
        return bad;
    }

    /**
     * PyTorch runs batch norm on the [1, N*C, S] view and averages the N updated copies of each
     * channel; numBatchesTracked is not counted (PyTorch 1.13), so this is not {@link RunningStats#update}.
     */
    private void updateRunningStats(int n, int s) {
        float[] runningMean = running.mean;
        float[] runningVar = running.var;
        double unbias = (double) s / (s - 1);
        for (int c = 0; c < numFeatures; c++) {
            double mu = 0;
            double v = 0;
            for (int i = 0; i < n; i++) {
                mu += engine.mean(i * numFeatures + c);
                v += engine.var(i * numFeatures + c);
            }
            runningMean[c] = (float) ((1 - momentum) * runningMean[c] + momentum * mu / n);
            double rv = (1 - momentum) * runningVar[c] + momentum * v / n * unbias;
            runningVar[c] = (float) Math.min(rv, Float.MAX_VALUE);
        }
    }

    @Override
    String describeGroup(Tensor x, int g) {
        return "sample " + g / numFeatures + ", channel " + g % numFeatures;
    }

    @Override
    String rejectedNote() {
        return track ? " and the running statistics are unchanged" : "";
    }

    // ---------------------------------------------------------------- state

    @Override
    public void stateDict(String prefix, StateDict out) {
        super.stateDict(prefix, out);
        if (track) {
            running.stateDict(prefix, out);
        }
    }

    @Override
    public void loadStateDict(String prefix, StateDict in) {
        super.loadStateDict(prefix, in);
        if (track) {
            running.loadStateDict(prefix, in);
        }
    }

    public int numFeatures() {
        return numFeatures;
    }

    /** The weight of the new batch in the running statistics (PyTorch's convention). */
    public double momentum() {
        return momentum;
    }

    public boolean affine() {
        return weight != null;
    }

    public boolean trackRunningStats() {
        return track;
    }

    /** Live running mean; null when trackRunningStats is false. */
    public float[] runningMean() {
        return track ? running.mean : null;
    }

    /** Live running (unbiased) variance; null when trackRunningStats is false. */
    public float[] runningVar() {
        return track ? running.var : null;
    }

    /** Saved and loaded, never incremented (PyTorch 1.13's InstanceNorm does not count batches). */
    public long numBatchesTracked() {
        return track ? running.numBatchesTracked[0] : 0;
    }

    @Override
    public String toString() {
        return "InstanceNorm(" + numFeatures + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + (weight != null)
                + ", track_running_stats=" + track + ")";
    }

    /** Immutable configuration with PyTorch's defaults. */
    public static final class Builder {
        private final int numFeatures;
        private double eps = 1e-5;
        private double momentum = 0.1;
        private boolean affine;
        private boolean track;

        private Builder(int numFeatures) {
            this.numFeatures = NormArgs.numFeatures("InstanceNorm", numFeatures);
        }

        /** Added to the variance before the square root; must be > 0 (default 1e-5). */
        public Builder eps(double eps) {
            this.eps = NormArgs.eps("InstanceNorm(" + numFeatures + ")", eps);
            return this;
        }

        /** Weight of the new batch in the running statistics, in [0, 1] (default 0.1, PyTorch's convention). */
        public Builder momentum(double momentum) {
            this.momentum = NormArgs.momentum("InstanceNorm(" + numFeatures + ")", momentum);
            return this;
        }

        /** Learnable per-channel weight and bias (default false, as PyTorch). */
        public Builder affine(boolean affine) {
            this.affine = affine;
            return this;
        }

        /** Keep running statistics and use them in eval (default false, as PyTorch). */
        public Builder trackRunningStats(boolean track) {
            this.track = track;
            return this;
        }

        public InstanceNorm build() {
            return new InstanceNorm(this);
        }
    }
}
