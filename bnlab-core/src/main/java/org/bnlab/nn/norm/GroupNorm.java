package org.bnlab.nn.norm;

import java.util.Arrays;
import org.bnlab.tensor.Tensor;

/**
 * Group Normalization (Wu &amp; He 2018) with PyTorch's semantics ({@code nn.GroupNorm}): the C
 * channels of each sample are split into numGroups groups of C/G consecutive channels, and each
 * group is normalized over its (C/G)*H*W values, the same in training and in eval.
 *
 * <pre>
 *   x of shape [N, C] or [N, C, H, W] (any trailing dimensions); group = sample n, channels
 *   [g*C/G, (g+1)*C/G), all their spatial values
 *   mu = mean(group),  var = mean((x - mu)^2)  (biased),  rstd = 1 / sqrt(var + eps)
 *   y  = (x - mu) * rstd * weight[c] + bias[c]          weight, bias: one per channel
 *   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  g = dy * weight[c]   (means over the group)
 * </pre>
 * G = 1 normalizes every sample over all its channels (LayerNorm over [C, H, W] with per-channel
 * parameters); G = C normalizes each channel alone (InstanceNorm with affine parameters). Why:
 * batch-size independence; Wu &amp; He report ResNet-50 on ImageNet at 2 images per GPU with 34.7%
 * top-1 error for BN against 24.1% for GN. tf.keras' {@code GroupNormalization} (2.11+; before that
 * tensorflow_addons') is the same transform with defaults groups=32, epsilon=1e-3, channels last.
 *
 * <p>Input holding NaN or Inf is rejected. State_dict names {@code weight}, {@code bias}.
 */
public final class GroupNorm extends GroupedNorm {
    private final int numGroups;
    private final int numChannels;

    private GroupNorm(Builder b) {
        super("GroupNorm(" + b.numGroups + ", " + b.numChannels + ")", b.eps, b.affine ? new int[] {b.numChannels} : null);
        this.numGroups = b.numGroups;
        this.numChannels = b.numChannels;
    }

    /** A builder with PyTorch's defaults: eps 1e-5, affine. numChannels must be a multiple of numGroups. */
    public static Builder builder(int numGroups, int numChannels) {
        return new Builder(numGroups, numChannels);
    }

    @Override
    void checkInput(Tensor x, boolean training) {
        if (x.dim() < 2) {
            throw new IllegalArgumentException(name + ": expected input of shape [N, C] or [N, C, H, W], got "
                    + Arrays.toString(x.shape()) + " (rank " + x.dim() + ")");
        }
        if (x.size(1) != numChannels) {
            throw new IllegalArgumentException(name + ": input has " + x.size(1) + " channels (shape "
                    + Arrays.toString(x.shape()) + "), expected " + numChannels);
        }
    }

    @Override
    int normalize(Tensor x, boolean training, Tensor out) {
        int perGroup = numChannels / numGroups;
        return engine.forwardRows(out.data(), x.data(), x.size(0) * numGroups, perGroup, trailingSize(x, 2),
                numChannels, weight, bias);
    }

    @Override
    String describeGroup(Tensor x, int g) {
        return "sample " + g / numGroups + ", group " + g % numGroups;
    }

    public int numGroups() {
        return numGroups;
    }

    public int numChannels() {
        return numChannels;
    }

    public boolean affine() {
        return weight != null;
    }

    @Override
    public String toString() {
        return "GroupNorm(" + numGroups + ", " + numChannels + ", eps=" + eps + ", affine=" + (weight != null) + ")";
    }

    /** Immutable configuration with PyTorch's defaults. */
    public static final class Builder {
        private final int numGroups;
        private final int numChannels;
        private double eps = 1e-5;
        private boolean affine = true;

        private Builder(int numGroups, int numChannels) {
            if (numGroups < 1 || numChannels < 1) {
                throw new IllegalArgumentException("GroupNorm: numGroups and numChannels must be >= 1, got numGroups="
                        + numGroups + ", numChannels=" + numChannels);
            }
            if (numChannels % numGroups != 0) {
                // PyTorch: ValueError('num_channels must be divisible by num_groups')
                throw new IllegalArgumentException("GroupNorm: num_channels must be divisible by num_groups (numChannels="
                        + numChannels + ", numGroups=" + numGroups + ")");
            }
            this.numGroups = numGroups;
            this.numChannels = numChannels;
        }

        /** Added to the variance before the square root; must be > 0 (default 1e-5). */
        public Builder eps(double eps) {
            this.eps = NormArgs.eps("GroupNorm(" + numGroups + ", " + numChannels + ")", eps);
            return this;
        }

        /** Learnable per-channel weight and bias (default true). */
        public Builder affine(boolean affine) {
            this.affine = affine;
            return this;
        }

        public GroupNorm build() {
            return new GroupNorm(this);
        }
    }
}
