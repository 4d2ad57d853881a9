package org.bnlab.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API group normalization. The per-row methods (statistics included) are BatchNorm's vector
 * kernels on a one-sample view; the rest vectorize along the contiguous values of a row or group.
 * Each scalar tail evaluates the same float operations as a lane (same FMAs, same order), so an
 * element's result does not depend on whether it fell in a vector or in the tail. Sums run in float
 * lanes for at most {@value #FLUSH} elements (or {@value #ROWS_FLUSH} groups), then go into doubles,
 * as in {@link BatchNormVector}; a sum that overflows or sees NaN/Inf is recomputed by the scalar
 * double-precision specification.
 *
 * <p>Slow spot, honestly: {@link #backwardRows} vectorizes along a row, so rows of one value (GroupNorm
 * on dense [N, C] input) run in its scalar tail (BatchNorm's kernels behind the other per-row methods
 * switch to vectors across rows there).
 */
final class GroupNormVector implements GroupNormKernel {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Elements summed in float lanes before the partial sums are added into a double. */
    private static final int FLUSH = 1024;
    /** Groups summed in float lanes by the per-position gradient sums before flushing into doubles. */
    private static final int ROWS_FLUSH = 64;

    private final BatchNormVector rows = new BatchNormVector();
    private final GroupNormScalar reference = new GroupNormScalar();

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
    public void scaleRows(float[] dx, float[] dy, float[] a, int s, int r0, int r1) {
        rows.scale(dy, dx, 0, 1, r1, s, r0, r1, a);
    }

    @Override
    public void backwardRows(float[] dx, float[] x, float[] dy, float[] meanHi, float[] meanLo, double[] rstd, float[] w,
                             double[] meanG, double[] k, int s, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            float hi = meanHi[r];
            float lo = meanLo[r];
            float rs = (float) rstd[r];
            float wr = w[r];
            float mg = (float) meanG[r];
            float kr = (float) k[r];
            FloatVector hv = FloatVector.broadcast(F, hi);
            FloatVector lv = FloatVector.broadcast(F, lo);
            FloatVector rv = FloatVector.broadcast(F, rs);
            FloatVector wv = FloatVector.broadcast(F, wr);
            FloatVector mv = FloatVector.broadcast(F, mg);
            FloatVector kv = FloatVector.broadcast(F, kr);
            int base = r * s;
            int j = 0;
            // dx = (x - mean) * k + rstd * (w * dy - mean(g))
            for (; j + L <= s; j += L) {
                FloatVector t = FloatVector.fromArray(F, dy, base + j).mul(wv).sub(mv).mul(rv);
                FloatVector v = FloatVector.fromArray(F, x, base + j).sub(hv).sub(lv).fma(kv, t);
                // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                v.blend(0f, v.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, base + j);
            }
            for (; j < s; j++) {
                float t = (dy[base + j] * wr - mg) * rs;
                dx[base + j] = Subnormals.flush(Math.fma((x[base + j] - hi) - lo, kr, t));
            }
        }
    }

    @Override
    public void normalizeElementwise(float[] y, float[] x, float[] meanHi, float[] meanLo, float[] rstd,
                                     float[] gamma, float[] beta, int m, int g0, int g1) {
        for (int g = g0; g < g1; g++) {
            float hi = meanHi[g];
            float lo = meanLo[g];
            float rs = rstd[g];
            FloatVector hv = FloatVector.broadcast(F, hi);
            FloatVector lv = FloatVector.broadcast(F, lo);
            FloatVector rv = FloatVector.broadcast(F, rs);
            int base = g * m;
            int j = 0;
            // y = ((x - hi) - lo) * rstd * gamma + beta: the mean subtracted exactly, then one FMA
            for (; j + L <= m; j += L) {
                FloatVector v = FloatVector.fromArray(F, x, base + j).sub(hv).sub(lv).mul(rv)
                        .fma(FloatVector.fromArray(F, gamma, j), FloatVector.fromArray(F, beta, j));
                // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                v.blend(0f, v.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, base + j);
            }
            for (; j < m; j++) {
                y[base + j] = Subnormals.flush(Math.fma(((x[base + j] - hi) - lo) * rs, gamma[j], beta[j]));
            }
        }
    }

    @Override
    public void sumsElementwise(double[] sumG, double[] sumGXmu, float[] x, float[] dy, float[] gamma,
                                float[] meanHi, float[] meanLo, int m, int g0, int g1) {
        for (int g = g0; g < g1; g++) {
            float hi = meanHi[g];
            float lo = meanLo[g];
            FloatVector hv = FloatVector.broadcast(F, hi);
            FloatVector lv = FloatVector.broadcast(F, lo);
            int base = g * m;
            double s1 = 0;
            double s2 = 0;
            int j = 0;
            while (j < m) {
                int end = Math.min(m, j + FLUSH);
                FloatVector a1 = FloatVector.zero(F);
                FloatVector a2 = FloatVector.zero(F);
                // sum gamma*dy and sum gamma*dy*(x - mean), one pass over x and dy
                for (; j + L <= end; j += L) {
                    FloatVector gv = FloatVector.fromArray(F, dy, base + j).mul(FloatVector.fromArray(F, gamma, j));
                    a1 = a1.add(gv);
                    a2 = FloatVector.fromArray(F, x, base + j).sub(hv).sub(lv).fma(gv, a2);
                }
                float[] lanes = Lanes.buffer();
                a1.intoArray(lanes, 0);
                float t1 = Lanes.sumLanes(lanes, 0);
                a2.intoArray(lanes, 0);
                float t2 = Lanes.sumLanes(lanes, 0);
                for (; j < end; j++) {
                    float gj = dy[base + j] * gamma[j];
                    t1 += gj;
                    t2 = Math.fma((x[base + j] - hi) - lo, gj, t2);
                }
                s1 += t1;
                s2 += t2;
            }
            if (Double.isFinite(s1) && Double.isFinite(s2)) {
                sumG[g] = s1;
                sumGXmu[g] = s2;
            } else {
                reference.sumsElementwise(sumG, sumGXmu, x, dy, gamma, meanHi, meanLo, m, g, g + 1);
            }
        }
    }

    @Override
    public void backwardElementwise(float[] dx, float[] x, float[] dy, float[] gamma, float[] meanHi, float[] meanLo,
                                    double[] rstd, double[] meanG, double[] k, int m, int g0, int g1) {
        for (int g = g0; g < g1; g++) {
            float hi = meanHi[g];
            float lo = meanLo[g];
            float rs = (float) rstd[g];
            float mg = (float) meanG[g];
            float kg = (float) k[g];
            FloatVector hv = FloatVector.broadcast(F, hi);
            FloatVector lv = FloatVector.broadcast(F, lo);
            FloatVector rv = FloatVector.broadcast(F, rs);
            FloatVector mv = FloatVector.broadcast(F, mg);
            FloatVector kv = FloatVector.broadcast(F, kg);
            int base = g * m;
            int j = 0;
            // dx = (x - mean) * k + rstd * (gamma * dy - mean(g))
            for (; j + L <= m; j += L) {
                FloatVector t = FloatVector.fromArray(F, dy, base + j).mul(FloatVector.fromArray(F, gamma, j)).sub(mv).mul(rv);
                FloatVector v = FloatVector.fromArray(F, x, base + j).sub(hv).sub(lv).fma(kv, t);
                // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                v.blend(0f, v.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, base + j);
            }
            for (; j < m; j++) {
                float t = (dy[base + j] * gamma[j] - mg) * rs;
                dx[base + j] = Subnormals.flush(Math.fma((x[base + j] - hi) - lo, kg, t));
            }
        }
    }

    /**
     * Groups are read in memory order; per-position float accumulators (a row of the thread's
     * scratch, in L1) collect sum dy*xhat and sum dy, flushed into the double outputs every
     * {@value #ROWS_FLUSH} groups, as BatchNorm's dense statistics do.
     */
    @Override
    public void affineGradsElementwise(double[] dGamma, double[] dBeta, float[] x, float[] dy, float[] meanHi,
                                       float[] meanLo, float[] rstd, int m, int groups, int j0, int j1) {
        int w = j1 - j0;
        float[] t = BatchNormVector.scratch(2 * w);
        // t[0, w): sums of dy * xhat; t[w, 2w): sums of dy
        java.util.Arrays.fill(t, 0, 2 * w, 0f);
        java.util.Arrays.fill(dGamma, j0, j1, 0.0);
        java.util.Arrays.fill(dBeta, j0, j1, 0.0);
        for (int g = 0; g < groups; g++) {
            float hi = meanHi[g];
            float lo = meanLo[g];
            float rs = rstd[g];
            FloatVector hv = FloatVector.broadcast(F, hi);
            FloatVector lv = FloatVector.broadcast(F, lo);
            FloatVector rv = FloatVector.broadcast(F, rs);
            int base = g * m + j0;
            int v = 0;
            for (; v + L <= w; v += L) {
                FloatVector gv = FloatVector.fromArray(F, dy, base + v);
                FloatVector e = FloatVector.fromArray(F, x, base + v).sub(hv).sub(lv).mul(rv);
                e.fma(gv, FloatVector.fromArray(F, t, v)).intoArray(t, v);
                FloatVector.fromArray(F, t, w + v).add(gv).intoArray(t, w + v);
            }
            for (; v < w; v++) {
                float gj = dy[base + v];
                t[v] = Math.fma(((x[base + v] - hi) - lo) * rs, gj, t[v]);
                t[w + v] += gj;
            }
            if ((g + 1) % ROWS_FLUSH == 0 || g == groups - 1) {
                BatchNormVector.flushInto(t, 0, dGamma, j0, w);
                BatchNormVector.flushInto(t, w, dBeta, j0, w);
            }
        }
        for (int j = j0; j < j1; j++) {
            if (!Double.isFinite(dGamma[j]) || !Double.isFinite(dBeta[j])) {
                reference.affineGradsElementwise(dGamma, dBeta, x, dy, meanHi, meanLo, rstd, m, groups, j, j + 1);
            }
        }
    }
}
