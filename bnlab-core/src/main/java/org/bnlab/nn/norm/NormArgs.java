package org.bnlab.nn.norm;

/**
 * The builder checks every normalization layer shares, with one wording: {@code layer} names the
 * layer in the message, e.g. {@code BatchNorm(64)} or {@code GroupNorm(4, 16)}.
 */
final class NormArgs {
    private NormArgs() {}

    /** numFeatures >= 1 ({@code kind}: the class name, the count is not known to be valid yet). */
    static int numFeatures(String kind, int numFeatures) {
        if (numFeatures < 1) {
            throw new IllegalArgumentException(kind + ": numFeatures must be >= 1, got " + numFeatures);
        }
        return numFeatures;
    }

    /** eps > 0 and finite: it is added to the variance before the square root. */
    static double eps(String layer, double eps) {
        if (!(eps > 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException(layer + ": eps must be a finite number > 0, got " + eps);
        }
        return eps;
    }

    /** PyTorch's convention: the weight of the NEW batch in the running statistics, in [0, 1]. */
    static double momentum(String layer, double momentum) {
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(layer
                    + ": momentum must be in [0, 1] (PyTorch convention: weight of the new batch), got " + momentum);
        }
        return momentum;
    }
}
