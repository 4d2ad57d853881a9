package org.bnlab.kernel;

/**
 * Scalar batch normalization: the specification. Every sum is a double; {@link #stats} uses the
 * two-pass formula (mean first, then squared deviations from it), so there is no cancellation and
 * no overflow for any finite float input. Every method but {@link #stats} walks the view in memory
 * order: sample by sample, and within a sample channel by channel (see {@link BatchNormKernel}).
 */
final class BatchNormScalar implements BatchNormKernel {

    @Override
    public void stats(float[] x, int off, int n, int C, int s, int c0, int c1, double[] mean, double[] var) {
        long m = (long) n * s;
        for (int c = c0; c < c1; c++) {
            // mean = (1/m) sum x
            double sum = 0;
            for (int i = 0; i < n; i++) {
                int base = off + (i * C + c) * s;
                for (int j = 0; j < s; j++) {
                    sum += x[base + j];
                }
            }
            double mu = sum / m;
            // var = (1/m) sum (x - mean)^2
            double sq = 0;
            for (int i = 0; i < n; i++) {
                int base = off + (i * C + c) * s;
                for (int j = 0; j < s; j++) {
                    double d = x[base + j] - mu;
                    sq += d * d;
                }
            }
            double v = sq / m;
            boolean finite = Double.isFinite(mu) && Double.isFinite(v);
            mean[c] = finite ? mu : Double.NaN;
            var[c] = finite ? v : Double.NaN;
        }
    }

    @Override
    public void shiftedSums(float[] x, int off, int n, int C, int s, int c0, int c1,
                            float[] shift, double[] sum, double[] sumSq) {
        java.util.Arrays.fill(sum, c0, c1, 0.0);
        java.util.Arrays.fill(sumSq, c0, c1, 0.0);
        for (int i = 0; i < n; i++) {
            for (int c = c0; c < c1; c++) {
                int base = off + (i * C + c) * s;
                double k = shift[c];
                double s1 = 0;
                double s2 = 0;
                for (int j = 0; j < s; j++) {
                    // e = x - shift: sum e, sum e^2
                    double e = x[base + j] - k;
                    s1 += e;
                    s2 += e * e;
                }
                sum[c] += s1;
                sumSq[c] += s2;
            }
        }
    }

    @Override
    public void normalize(float[] x, float[] y, int off, int n, int C, int s, int c0, int c1,
                          float[] meanHi, float[] meanLo, float[] alpha, float[] beta) {
        for (int i = 0; i < n; i++) {
            for (int c = c0; c < c1; c++) {
                double mu = (double) meanHi[c] + meanLo[c];
                double al = alpha[c];
                double be = beta[c];
                int base = off + (i * C + c) * s;
                for (int j = 0; j < s; j++) {
                    // y = (x - mean) * alpha + beta
                    y[base + j] = Subnormals.flush((float) ((x[base + j] - mu) * al + be));
                }
            }
        }
    }

    @Override
    public void backwardSums(float[] x, float[] dy, int off, int n, int C, int s, int c0, int c1,
                             float[] meanHi, float[] meanLo, double[] sumDy, double[] sumDyXmu) {
        java.util.Arrays.fill(sumDy, c0, c1, 0.0);
        java.util.Arrays.fill(sumDyXmu, c0, c1, 0.0);
        for (int i = 0; i < n; i++) {
            for (int c = c0; c < c1; c++) {
                double mu = (double) meanHi[c] + meanLo[c];
                int base = off + (i * C + c) * s;
                double sd = 0;
                double sdx = 0;
                for (int j = 0; j < s; j++) {
                    double g = dy[base + j];
                    sd += g;
                    sdx += g * (x[base + j] - mu);
                }
                sumDy[c] += sd;
                sumDyXmu[c] += sdx;
            }
        }
    }

    @Override
    public void backwardInput(float[] x, float[] dy, float[] dx, int off, int n, int C, int s, int c0, int c1,
                              float[] meanHi, float[] meanLo, float[] a, float[] meanDy, float[] k) {
        for (int i = 0; i < n; i++) {
            for (int c = c0; c < c1; c++) {
                double mu = (double) meanHi[c] + meanLo[c];
                double ac = a[c];
                double md = meanDy[c];
                double kc = k[c];
                int base = off + (i * C + c) * s;
                for (int j = 0; j < s; j++) {
                    // dx = a * (dy - mean(dy) - (x - mean) * k)
                    dx[base + j] = Subnormals.flush((float) (ac * (dy[base + j] - md - (x[base + j] - mu) * kc)));
                }
            }
        }
    }

    @Override
    public void affine(float[] x, float[] y, int off, int n, int C, int s, int c0, int c1, float[] a, float[] b) {
        for (int i = 0; i < n; i++) {
            for (int c = c0; c < c1; c++) {
                float ac = a[c];
                float bc = b[c];
                int base = off + (i * C + c) * s;
                for (int j = 0; j < s; j++) {
                    y[base + j] = Subnormals.flush(Math.fma(x[base + j], ac, bc));
                }
            }
        }
    }

    @Override
    public void scale(float[] dy, float[] dx, int off, int n, int C, int s, int c0, int c1, float[] a) {
        for (int i = 0; i < n; i++) {
            for (int c = c0; c < c1; c++) {
                float ac = a[c];
                int base = off + (i * C + c) * s;
                for (int j = 0; j < s; j++) {
                    dx[base + j] = Subnormals.flush(dy[base + j] * ac);
                }
            }
        }
    }
}
