package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SIMD group kernels against the scalar specification, on group sizes and row lengths that hit
 * every vector tail (below, at and just above multiples of 8 and 16 lanes, and past the 1024-element
 * float flush).
 */
class GroupNormKernelEquivalenceTest {

    /** groups of m = rowsPerGroup * s values. */
    @ParameterizedTest(name = "groups={0} rowsPerGroup={1} s={2}")
    @CsvSource({"5,1,1", "4,3,1", "3,1,7", "2,2,15", "3,1,16", "2,3,17", "4,1,33", "2,2,49", "3,1,100", "2,4,300",
                "2,1,1025", "1,2,3000", "6,5,9"})
    void simdMatchesScalar(int groups, int rowsPerGroup, int s) {
        Assumptions.assumeTrue(Simd.ENABLED, "SIMD disabled (no jdk.incubator.vector or -Dbnlab.simd=false)");
        GroupNormKernel simd = KernelProvider.get().groupNorm();
        GroupNormKernel ref = KernelProvider.scalar().groupNorm();
        int m = rowsPerGroup * s;
        int rows = groups * rowsPerGroup;
        int len = groups * m;
        SplittableRandom r = new SplittableRandom(groups * 1000L + rowsPerGroup * 10L + s);
        float[] x = new float[len];
        float[] dy = new float[len];
        for (int i = 0; i < len; i++) {
            int g = i / m;
            x[i] = (float) (g * 0.7 - 2 + (1 + g % 3) * r.nextGaussian());
            dy[i] = (float) r.nextGaussian();
        }
        float[] gamma = new float[m];
        float[] beta = new float[m];
        for (int j = 0; j < m; j++) {
            gamma[j] = (float) (0.5 + r.nextDouble());
            beta[j] = (float) r.nextGaussian();
        }

        double[] m1 = new double[groups];
        double[] v1 = new double[groups];
        double[] m2 = new double[groups];
        double[] v2 = new double[groups];
        simd.stats(m1, v1, x, m, 0, groups);
        ref.stats(m2, v2, x, m, 0, groups);
        float[] hi = new float[groups];
        float[] lo = new float[groups];
        float[] rstdF = new float[groups];
        double[] rstd = new double[groups];
        for (int g = 0; g < groups; g++) {
            assertEquals(m2[g], m1[g], 1e-6 * Math.max(1, Math.abs(m2[g])), "mean " + g);
            assertEquals(v2[g], v1[g], 2e-6 * Math.max(1e-3, v2[g]), "var " + g);
            hi[g] = (float) m2[g];
            lo[g] = (float) (m2[g] - hi[g]);
            rstd[g] = 1 / Math.sqrt(v2[g] + 1e-5);
            rstdF[g] = (float) rstd[g];
        }

        // per element (LayerNorm)
        float[] y1 = new float[len];
        float[] y2 = new float[len];
        simd.normalizeElementwise(y1, x, hi, lo, rstdF, gamma, beta, m, 0, groups);
        ref.normalizeElementwise(y2, x, hi, lo, rstdF, gamma, beta, m, 0, groups);
        assertClose(y2, y1, 1e-6, "normalizeElementwise");
        double[] sa1 = new double[groups];
        double[] sb1 = new double[groups];
        double[] sa2 = new double[groups];
        double[] sb2 = new double[groups];
        simd.sumsElementwise(sa1, sb1, x, dy, gamma, hi, lo, m, 0, groups);
        ref.sumsElementwise(sa2, sb2, x, dy, gamma, hi, lo, m, 0, groups);
        double sumScale = Math.sqrt(m) * 4;
        double[] meanG = new double[groups];
        double[] k = new double[groups];
        for (int g = 0; g < groups; g++) {
            assertEquals(sa2[g], sa1[g], 1e-5 * Math.max(sumScale, Math.abs(sa2[g])), "sumG " + g);
            assertEquals(sb2[g], sb1[g], 1e-5 * Math.max(sumScale, Math.abs(sb2[g])), "sumGXmu " + g);
            meanG[g] = sa2[g] / m;
            k[g] = -rstd[g] * rstd[g] * rstd[g] * sb2[g] / m;
        }
        float[] dx1 = new float[len];
        float[] dx2 = new float[len];
        simd.backwardElementwise(dx1, x, dy, gamma, hi, lo, rstd, meanG, k, m, 0, groups);
        ref.backwardElementwise(dx2, x, dy, gamma, hi, lo, rstd, meanG, k, m, 0, groups);
        assertClose(dx2, dx1, 1e-5, "backwardElementwise");
        double[] dg1 = new double[m];
        double[] db1 = new double[m];
        double[] dg2 = new double[m];
        double[] db2 = new double[m];
        simd.affineGradsElementwise(dg1, db1, x, dy, hi, lo, rstdF, m, groups, 0, m);
        ref.affineGradsElementwise(dg2, db2, x, dy, hi, lo, rstdF, m, groups, 0, m);
        for (int j = 0; j < m; j++) {
            assertEquals(dg2[j], dg1[j], 1e-5 * Math.max(1, Math.abs(dg2[j])), "dGamma " + j);
            assertEquals(db2[j], db1[j], 1e-6 * Math.max(1, Math.abs(db2[j])), "dBeta " + j);
        }

        // per row (GroupNorm, InstanceNorm): the group's statistics expanded to its rows
        float[] rowHi = new float[rows];
        float[] rowLo = new float[rows];
        float[] alpha = new float[rows];
        float[] shift = new float[rows];
        float[] w = new float[rows];
        double[] rowRstd = new double[rows];
        for (int row = 0; row < rows; row++) {
            int g = row / rowsPerGroup;
            rowHi[row] = hi[g];
            rowLo[row] = lo[g];
            w[row] = gamma[row % rowsPerGroup];
            alpha[row] = (float) (w[row] * rstd[g]);
            shift[row] = beta[row % rowsPerGroup];
            rowRstd[row] = rstd[g];
        }
        simd.normalizeRows(y1, x, rowHi, rowLo, alpha, shift, s, 0, rows);
        ref.normalizeRows(y2, x, rowHi, rowLo, alpha, shift, s, 0, rows);
        assertClose(y2, y1, 1e-6, "normalizeRows");
        double[] rd1 = new double[rows];
        double[] rx1 = new double[rows];
        double[] rd2 = new double[rows];
        double[] rx2 = new double[rows];
        simd.sumsRows(rd1, rx1, x, dy, rowHi, rowLo, s, 0, rows);
        ref.sumsRows(rd2, rx2, x, dy, rowHi, rowLo, s, 0, rows);
        double[] rowMeanG = new double[rows];
        double[] rowK = new double[rows];
        for (int row = 0; row < rows; row++) {
            double scale = Math.sqrt(s) * 4;
            assertEquals(rd2[row], rd1[row], 1e-5 * Math.max(scale, Math.abs(rd2[row])), "sumDy " + row);
            assertEquals(rx2[row], rx1[row], 1e-5 * Math.max(scale, Math.abs(rx2[row])), "sumDyXmu " + row);
            rowMeanG[row] = rd2[row] / s;
            rowK[row] = -rowRstd[row] * rowRstd[row] * rowRstd[row] * rx2[row] / m;
        }
        simd.backwardRows(dx1, x, dy, rowHi, rowLo, rowRstd, w, rowMeanG, rowK, s, 0, rows);
        ref.backwardRows(dx2, x, dy, rowHi, rowLo, rowRstd, w, rowMeanG, rowK, s, 0, rows);
        assertClose(dx2, dx1, 1e-5, "backwardRows");
        simd.scaleRows(dx1, dy, alpha, s, 0, rows);
        ref.scaleRows(dx2, dy, alpha, s, 0, rows);
        assertClose(dx2, dx1, 0, "scaleRows");
    }

    private static void assertClose(float[] expected, float[] actual, double rel, String what) {
        for (int i = 0; i < expected.length; i++) {
            double tol = rel * Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + "[" + i + "]: scalar " + expected[i] + " vs simd " + actual[i]);
        }
    }
}
