package org.bnlab.kernel;

/**
 * Scalar group normalization: the specification. Sums and the elementwise formulas run in double;
 * statistics are BatchNorm's two-pass double kernel on a one-sample view (a group is a channel of
 * {@code m} values), so there is no cancellation and no overflow for any finite float input.
 */
final class GroupNormScalar implements GroupNormKernel {
    private final BatchNormScalar rows = new BatchNormScalar();

    @Override
    public void stats(double[] mean, double[] var, float[] x, int m, int g0, int g1) {
        rows.stats(x, 0, 1, g1, m, g0, g1, mean, var);
    }

    @Override
    public void normalizeRows(float[] y, float[] x, float[] meanHi, float[] meanLo, float[] alpha, float[] beta,
                              int s, int r0, int r1) {
        rows.normalize(x, y, 0, 1, r1, s, r0, r1, meanHi, meanLo, alpha, beta);
    }

    @Override
    public void sumsRows(double[] sumDy, double[] sumDyXmu, float[] x, float[] dy, float[] meanHi, float[] meanLo,
                         int s, int r0, int r1) {
        rows.backwardSums(x, dy, 0, 1, r1, s, r0, r1, meanHi, meanLo, sumDy, sumDyXmu);
    }

    @Override
    public void backwardRows(float[] dx, float[] x, float[] dy, float[] meanHi, float[] meanLo, double[] rstd, float[] w,
                             double[] meanG, double[] k, int s, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            double mu = (double) meanHi[r] + meanLo[r];
            double rs = rstd[r];
            double wr = w[r];
            double mg = meanG[r];
            double kr = k[r];
            int base = r * s;
            for (int j = 0; j < s; j++) {
                // dx = (x - mean) * k + rstd * (w * dy - mean(g))
                dx[base + j] = Subnormals.flush((float) ((x[base + j] - mu) * kr + rs * (wr * dy[base + j] - mg)));
            }
        }
    }

    @Override
    public void scaleRows(float[] dx, float[] dy, float[] a, int s, int r0, int r1) {
        rows.scale(dy, dx, 0, 1, r1, s, r0, r1, a);
    }

    @Override
    public void normalizeElementwise(float[] y, float[] x, float[] meanHi, float[] meanLo, float[] rstd,
                                     float[] gamma, float[] beta, int m, int g0, int g1) {
        for (int g = g0; g < g1; g++) {
            double mu = (double) meanHi[g] + meanLo[g];
            double rs = rstd[g];
            int base = g * m;
            for (int j = 0; j < m; j++) {
                // y = (x - mean) * rstd * gamma + beta
                y[base + j] = Subnormals.flush((float) ((x[base + j] - mu) * rs * gamma[j] + beta[j]));
            }
        }
    }

    @Override
    public void sumsElementwise(double[] sumG, double[] sumGXmu, float[] x, float[] dy, float[] gamma,
                                float[] meanHi, float[] meanLo, int m, int g0, int g1) {
        for (int g = g0; g < g1; g++) {
            double mu = (double) meanHi[g] + meanLo[g];
            double s1 = 0;
            double s2 = 0;
            int base = g * m;
            for (int j = 0; j < m; j++) {
                double gj = (double) gamma[j] * dy[base + j];
                s1 += gj;
                s2 += gj * (x[base + j] - mu);
            }
            sumG[g] = s1;
            sumGXmu[g] = s2;
        }
    }

    @Override
    public void backwardElementwise(float[] dx, float[] x, float[] dy, float[] gamma, float[] meanHi, float[] meanLo,
                                    double[] rstd, double[] meanG, double[] k, int m, int g0, int g1) {
        for (int g = g0; g < g1; g++) {
            double mu = (double) meanHi[g] + meanLo[g];
            double rs = rstd[g];
            double mg = meanG[g];
            double kg = k[g];
            int base = g * m;
            for (int j = 0; j < m; j++) {
                // dx = (x - mean) * k + rstd * (gamma * dy - mean(g))
                double v = (x[base + j] - mu) * kg + rs * ((double) gamma[j] * dy[base + j] - mg);
                dx[base + j] = Subnormals.flush((float) v);
            }
        }
    }

    @Override
    public void affineGradsElementwise(double[] dGamma, double[] dBeta, float[] x, float[] dy, float[] meanHi,
                                       float[] meanLo, float[] rstd, int m, int groups, int j0, int j1) {
        java.util.Arrays.fill(dGamma, j0, j1, 0.0);
        java.util.Arrays.fill(dBeta, j0, j1, 0.0);
        // groups in order (rows of memory), positions across: sum over g of dy * xhat and of dy
        for (int g = 0; g < groups; g++) {
            double mu = (double) meanHi[g] + meanLo[g];
            double rs = rstd[g];
            int base = g * m;
            for (int j = j0; j < j1; j++) {
                double gj = dy[base + j];
                dGamma[j] += gj * ((x[base + j] - mu) * rs);
                dBeta[j] += gj;
            }
        }
    }
}
