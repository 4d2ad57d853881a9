package org.bnlab.nn.norm;

import java.util.Arrays;
import org.bnlab.tensor.Tensor;

/**
 * Layer Normalization (Ba, Kiros &amp; Hinton 2016) with PyTorch's semantics ({@code nn.LayerNorm}):
 * each sample's trailing {@code normalizedShape} values are normalized with their own statistics,
 * the same in training and in eval (no running statistics, no dependence on the batch size).
 *
 * <pre>
 *   group = the last prod(normalizedShape) values of one sample:  x of shape [*, normalizedShape]
 *   mu = mean(group),  var = mean((x - mu)^2)  (biased),  rstd = 1 / sqrt(var + eps)
 *   y  = (x - mu) * rstd * weight + bias        weight, bias of shape normalizedShape (per element)
 *   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  g = dy * weight,  xhat = (x - mu) * rstd
 * </pre>
 * E.g. [N, C] with normalizedShape [C]; [N, C, H, W] with [C, H, W], [H, W] or [W].
 * {@code elementwiseAffine(false)}: no parameters (PyTorch's elementwise_affine=False); state_dict
 * names {@code weight}, {@code bias}. tf.keras' {@code LayerNormalization(axis=-1)} is the same
 * transform with epsilon 1e-3 by default and gamma/beta named {@code gamma}/{@code beta}.
 *
 * <p>Input holding NaN or Inf is rejected (training and eval alike: the statistics always come from
 * the input). {@link #forward}/{@link #backward} return new tensors; {@link #forwardBuffered}/
 * {@link #backwardBuffered} reuse this layer's buffers (allocation-free in steady state).
 */
public final class LayerNorm extends GroupedNorm {
    private final int[] normalizedShape;
    private final int size;

    private LayerNorm(Builder b) {
        super("LayerNorm(" + Arrays.toString(b.normalizedShape) + ")", b.eps, b.affine ? b.normalizedShape : null);
        this.normalizedShape = b.normalizedShape;
        this.size = Math.toIntExact(Tensor.numel(normalizedShape));
    }

    /** A builder with PyTorch's defaults: eps 1e-5, elementwise affine. */
    public static Builder builder(int... normalizedShape) {
        return new Builder(normalizedShape);
    }

    @Override
    void checkInput(Tensor x, boolean training) {
        int k = normalizedShape.length;
        boolean ok = x.dim() >= k;
        for (int d = 0; ok && d < k; d++) {
            ok = x.size(x.dim() - k + d) == normalizedShape[d];
        }
        if (!ok) {
            String star = Arrays.toString(normalizedShape).replace("[", "[*, ");
            throw new IllegalArgumentException(name + ": given normalizedShape=" + Arrays.toString(normalizedShape)
                    + ", expected input of shape " + star + ", got " + Arrays.toString(x.shape()));
        }
    }

    @Override
    int normalize(Tensor x, boolean training, Tensor out) {
        int groups = x.numel() / size;
        if (weight != null) {
            return engine.forwardElementwise(out.data(), x.data(), groups, size, weight, bias);
        }
        return engine.forwardRows(out.data(), x.data(), groups, 1, size, 1, null, null);
    }

    @Override
    String describeGroup(Tensor x, int g) {
        int lead = x.dim() - normalizedShape.length;
        int[] at = new int[lead];
        for (int d = lead - 1; d >= 0; d--) {
            at[d] = g % x.size(d);
            g /= x.size(d);
        }
        return "the values normalized together at leading index " + Arrays.toString(at);
    }

    /** A copy of the normalized (trailing) shape. */
    public int[] normalizedShape() {
        return normalizedShape.clone();
    }

    public boolean elementwiseAffine() {
        return weight != null;
    }

    @Override
    public String toString() {
        return "LayerNorm(" + Arrays.toString(normalizedShape) + ", eps=" + eps + ", elementwise_affine=" + (weight != null) + ")";
    }

    /** Immutable configuration with PyTorch's defaults. */
    public static final class Builder {
        private final int[] normalizedShape;
        private double eps = 1e-5;
        private boolean affine = true;

        private Builder(int[] normalizedShape) {
            if (normalizedShape == null || normalizedShape.length == 0) {
                throw new IllegalArgumentException("LayerNorm: normalizedShape must have at least one dimension");
            }
            for (int d : normalizedShape) {
                if (d < 1) {
                    throw new IllegalArgumentException("LayerNorm: normalizedShape dimensions must be >= 1, got "
                            + Arrays.toString(normalizedShape));
                }
            }
            if (Tensor.numel(normalizedShape) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("LayerNorm: normalizedShape " + Arrays.toString(normalizedShape) + " is too large");
            }
            this.normalizedShape = normalizedShape.clone();
        }

        /** Added to the variance before the square root; must be > 0 (default 1e-5). */
        public Builder eps(double eps) {
            this.eps = NormArgs.eps("LayerNorm(" + Arrays.toString(normalizedShape) + ")", eps);
            return this;
        }

        /** Learnable per-element weight and bias (default true; PyTorch's elementwise_affine). */
        public Builder elementwiseAffine(boolean affine) {
            this.affine = affine;
            return this;
        }

        public LayerNorm build() {
            return new LayerNorm(this);
        }
    }
}
