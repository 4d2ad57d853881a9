package org.bnlab.nn.norm;

/** Batch normalization in double precision, straight from the paper's Algorithm 1: the test oracle. */
final class BatchNormReference {
    final double[] y;
    final double[] mean;
    final double[] var;

    /** x as (n, C, s), gamma/beta per channel; batch statistics (training mode). */
    BatchNormReference(double[] x, int n, int C, int s, double[] gamma, double[] beta, double eps) {
        int m = n * s;
        y = new double[x.length];
        mean = new double[C];
        var = new double[C];
        for (int c = 0; c < C; c++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < s; j++) {
                    sum += x[(i * C + c) * s + j];
                }
            }
            double mu = sum / m;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < s; j++) {
                    double d = x[(i * C + c) * s + j] - mu;
                    sq += d * d;
                }
            }
            mean[c] = mu;
            var[c] = sq / m;
            double is = 1 / Math.sqrt(var[c] + eps);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < s; j++) {
                    int k = (i * C + c) * s + j;
                    y[k] = (x[k] - mu) * is * gamma[c] + beta[c];
                }
            }
        }
    }

    /** sum(y * w): the scalar loss used by the finite-difference checks. */
    static double loss(double[] y, double[] w) {
        double l = 0;
        for (int i = 0; i < y.length; i++) {
            l += y[i] * w[i];
        }
        return l;
    }
}
