package org.bnlab.nn.norm;

/**
 * The per-channel scalar steps between the kernels' passes, shared by {@link BatchNorm} and
 * {@link SyncBatchNorm} (which differ only in where the statistics and the backward sums come from:
 * this replica's batch, or the global batch through a collective). Arguments: outputs first, then
 * inputs, then the channel range [c0, c1).
 */
final class BatchNormSteps {
    private BatchNormSteps() {}

    /**
     * From batch statistics to the coefficients of {@code y = (x - mean) * alpha + shift}:
     * invstd = 1/sqrt(var + eps), alpha = gamma * invstd, shift = beta, and the mean as a float pair
     * hi + lo (the kernels subtract both, so x - mean stays exact when |mean| is large against the spread).
     */
    static void normalization(double[] invStd, float[] meanHi, float[] meanLo, float[] alpha, float[] shift,
                              double[] mean, double[] var, float[] gamma, float[] beta, double eps, int c0, int c1) {
        for (int c = c0; c < c1; c++) {
            double mu = mean[c];
            double is = 1.0 / Math.sqrt(var[c] + eps);
            invStd[c] = is;
            float hi = (float) mu;
            meanHi[c] = hi;
            meanLo[c] = (float) (mu - hi);
            alpha[c] = (float) (gamma[c] * is);
            shift[c] = beta[c];
        }
    }

    /**
     * The coefficients of the training-mode input gradient {@code dx = a * (dy - meanDy - (x - mean) * k)}
     * over m values per channel: a = gamma * invstd, meanDy = sum(dy) / m, k = sum(dy (x - mean)) * invstd^2 / m.
     */
    static void backward(float[] alpha, float[] meanDy, float[] kCoef,
                         double[] invStd, double[] sumDy, double[] sumDyXmu, float[] gamma, double m, int c0, int c1) {
        for (int c = c0; c < c1; c++) {
            double is = invStd[c];
            alpha[c] = (float) (gamma[c] * is);
            meanDy[c] = (float) (sumDy[c] / m);
            kCoef[c] = (float) (sumDyXmu[c] * is * is / m);
        }
    }

    /** dbias += sum dy, dweight += sum dy * xhat = invstd * sum dy (x - mean); gradients accumulate. */
    static void accumulateAffineGrads(float[] weightGrad, float[] biasGrad,
                                      double[] sumDy, double[] sumDyXmu, double[] invStd, int channels) {
        for (int c = 0; c < channels; c++) {
            biasGrad[c] += (float) sumDy[c];
            weightGrad[c] += (float) (sumDyXmu[c] * invStd[c]);
        }
    }
}
