package org.bnlab.nn.norm;

/**
 * Double-precision reference for the group normalizations: x is {@code numel / m} contiguous groups
 * of m values; value i uses weight/bias index {@code i % m} (per element, LayerNorm) or
 * {@code (i / s) % channels} (per channel, GroupNorm and InstanceNorm). Written straight from the
 * definition: mu = mean, var = biased mean of squares, y = (x - mu) / sqrt(var + eps) * w + b.
 */
final class GroupNormReference {
    private GroupNormReference() {}

    /** Parameter index of element i: per element when channels == 0, else per channel of rows of s values. */
    static int param(int i, int m, int s, int channels) {
        return channels == 0 ? i % m : (i / s) % channels;
    }

    static double[] forward(double[] x, int m, int s, int channels, double[] w, double[] b, double eps) {
        double[] y = new double[x.length];
        for (int g0 = 0; g0 < x.length; g0 += m) {
            double mu = 0;
            for (int j = 0; j < m; j++) {
                mu += x[g0 + j];
            }
            mu /= m;
            double var = 0;
            for (int j = 0; j < m; j++) {
                var += (x[g0 + j] - mu) * (x[g0 + j] - mu);
            }
            var /= m;
            double rstd = 1 / Math.sqrt(var + eps);
            for (int j = 0; j < m; j++) {
                int p = param(g0 + j, m, s, channels);
                y[g0 + j] = (x[g0 + j] - mu) * rstd * (w == null ? 1 : w[p]) + (b == null ? 0 : b[p]);
            }
        }
        return y;
    }

    /** sum(y * dy): the loss whose gradient backward computes for upstream gradient dy. */
    static double loss(double[] y, double[] dy) {
        double l = 0;
        for (int i = 0; i < y.length; i++) {
            l += y[i] * dy[i];
        }
        return l;
    }
}
