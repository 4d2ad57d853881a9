package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The SIMD kernels against the scalar specification, on shapes that hit every vector tail. */
class BatchNormKernelEquivalenceTest {

    @ParameterizedTest(name = "n={0} C={1} s={2}")
    @CsvSource({"2,1,1", "3,5,1", "60,100,1", "17,33,1", "256,64,1", "5,3,7", "4,3,16", "2,2,33", "3,4,49", "2,3,196", "2,2,1024", "1,2,3000", "7,1,2"})
    void simdMatchesScalar(int n, int C, int s) {
        Assumptions.assumeTrue(Simd.ENABLED, "SIMD disabled (no jdk.incubator.vector or -Dbnlab.simd=false)");
        matchesScalar(KernelProvider.get().batchNorm(), n, C, s);
    }

    /** The dense output passes with one row and with several rows in flight (BatchNormVector.DENSE_ROWS picks one per CPU). */
    @ParameterizedTest(name = "denseRows={0} n={1} C={2}")
    @CsvSource({"1,3,5", "2,3,5", "1,7,33", "2,7,33", "2,9,64", "1,60,100", "2,60,100", "2,2,1"})
    void denseRowModesMatchScalar(int denseRows, int n, int C) {
        Assumptions.assumeTrue(Simd.ENABLED, "SIMD disabled (no jdk.incubator.vector or -Dbnlab.simd=false)");
        matchesScalar(new BatchNormVector(denseRows), n, C, 1);
    }

    /** One row or several in flight: the same operations per value, so the same bits. */
    @Test
    void denseRowModesGiveTheSameBits() {
        Assumptions.assumeTrue(Simd.ENABLED, "SIMD disabled (no jdk.incubator.vector or -Dbnlab.simd=false)");
        int n = 7;
        int C = 37;
        SplittableRandom r = new SplittableRandom(3);
        float[][] v = new float[7][];
        for (int q = 0; q < v.length; q++) {
            v[q] = new float[q < 2 ? n * C : C];
            for (int i = 0; i < v[q].length; i++) {
                v[q][i] = (float) (q == 4 ? 1 + r.nextDouble() : r.nextGaussian());
            }
        }
        float[] x = v[0];
        float[] dy = v[1];
        BatchNormVector one = new BatchNormVector(1);
        BatchNormVector two = new BatchNormVector(2);
        float[][] out = new float[6][n * C];
        one.normalize(x, out[0], 0, n, C, 1, 0, C, v[2], v[3], v[4], v[5]);
        two.normalize(x, out[1], 0, n, C, 1, 0, C, v[2], v[3], v[4], v[5]);
        one.affine(x, out[2], 0, n, C, 1, 0, C, v[4], v[5]);
        two.affine(x, out[3], 0, n, C, 1, 0, C, v[4], v[5]);
        one.backwardInput(x, dy, out[4], 0, n, C, 1, 0, C, v[2], v[3], v[4], v[5], v[6]);
        two.backwardInput(x, dy, out[5], 0, n, C, 1, 0, C, v[2], v[3], v[4], v[5], v[6]);
        assertArrayEquals(out[0], out[1], "normalize");
        assertArrayEquals(out[2], out[3], "affine");
        assertArrayEquals(out[4], out[5], "backwardInput");
    }

    private static void matchesScalar(BatchNormKernel simd, int n, int C, int s) {
        BatchNormKernel ref = KernelProvider.scalar().batchNorm();
        SplittableRandom r = new SplittableRandom(n * 1000L + C * 10L + s);
        int len = n * C * s;
        float[] x = new float[len];
        float[] dy = new float[len];
        for (int i = 0; i < len; i++) {
            int c = (i / s) % C;
            x[i] = (float) (c * 0.7 - 2 + (1 + c % 3) * r.nextGaussian());
            dy[i] = (float) r.nextGaussian();
        }
        double[] m1 = new double[C];
        double[] v1 = new double[C];
        double[] m2 = new double[C];
        double[] v2 = new double[C];
        simd.stats(x, 0, n, C, s, 0, C, m1, v1);
        ref.stats(x, 0, n, C, s, 0, C, m2, v2);
        // one-pass sums shifted by a value near the mean (here the first sample's first value)
        float[] shift = new float[C];
        for (int c = 0; c < C; c++) {
            shift[c] = x[c * s];
        }
        double[] a1 = new double[C];
        double[] q1 = new double[C];
        double[] a2 = new double[C];
        double[] q2 = new double[C];
        simd.shiftedSums(x, 0, n, C, s, 0, C, shift, a1, q1);
        ref.shiftedSums(x, 0, n, C, s, 0, C, shift, a2, q2);
        float[] hi = new float[C];
        float[] lo = new float[C];
        float[] al = new float[C];
        float[] be = new float[C];
        for (int c = 0; c < C; c++) {
            double scale = Math.sqrt((double) n * s) * 4;
            assertEquals(a2[c], a1[c], 1e-5 * Math.max(scale, Math.abs(a2[c])), "sum " + c);
            assertEquals(q2[c], q1[c], 2e-6 * Math.max(1e-3, q2[c]), "sumSq " + c);
            assertEquals(m2[c], m1[c], 1e-6 * Math.max(1, Math.abs(m2[c])), "mean " + c);
            assertEquals(v2[c], v1[c], 2e-6 * Math.max(1e-3, v2[c]), "var " + c);
            hi[c] = (float) m2[c];
            lo[c] = (float) (m2[c] - hi[c]);
            al[c] = (float) (1 / Math.sqrt(v2[c] + 1e-5));
            be[c] = (float) (0.1 * c);
        }
        float[] y1 = new float[len];
        float[] y2 = new float[len];
        simd.normalize(x, y1, 0, n, C, s, 0, C, hi, lo, al, be);
        ref.normalize(x, y2, 0, n, C, s, 0, C, hi, lo, al, be);
        assertClose(y2, y1, 1e-6, "y");

        double[] sd1 = new double[C];
        double[] sx1 = new double[C];
        double[] sd2 = new double[C];
        double[] sx2 = new double[C];
        simd.backwardSums(x, dy, 0, n, C, s, 0, C, hi, lo, sd1, sx1);
        ref.backwardSums(x, dy, 0, n, C, s, 0, C, hi, lo, sd2, sx2);
        float[] md = new float[C];
        float[] k = new float[C];
        for (int c = 0; c < C; c++) {
            double scale = Math.sqrt((double) n * s) * 4;
            assertEquals(sd2[c], sd1[c], 1e-5 * Math.max(scale, Math.abs(sd2[c])), "sumDy " + c);
            assertEquals(sx2[c], sx1[c], 1e-5 * Math.max(scale, Math.abs(sx2[c])), "sumDyXmu " + c);
            md[c] = (float) (sd2[c] / (n * s));
            k[c] = (float) (sx2[c] * al[c] * al[c] / (n * s));
        }
        float[] dx1 = new float[len];
        float[] dx2 = new float[len];
        simd.backwardInput(x, dy, dx1, 0, n, C, s, 0, C, hi, lo, al, md, k);
        ref.backwardInput(x, dy, dx2, 0, n, C, s, 0, C, hi, lo, al, md, k);
        assertClose(dx2, dx1, 1e-5, "dx");
        simd.scale(dy, dx1, 0, n, C, s, 0, C, al);
        ref.scale(dy, dx2, 0, n, C, s, 0, C, al);
        assertClose(dx2, dx1, 0, "scale");
        // eval's folded form: bit-identical, out of place and in place; subnormal results flushed
        float[] bias = new float[C];
        for (int c = 0; c < C; c++) {
            bias[c] = (float) (be[c] - (double) hi[c] * al[c]);
        }
        bias[0] = 0f;
        x[0] = 1e-39f; // x * a + 0 is subnormal for |a| < 1.17: flushed to 0
        float[] y3 = new float[len];
        float[] y4 = new float[len];
        simd.affine(x, y3, 0, n, C, s, 0, C, al, bias);
        ref.affine(x, y4, 0, n, C, s, 0, C, al, bias);
        assertClose(y4, y3, 0, "affine");
        for (int i = 0; i < len; i++) {
            assertTrue(y3[i] == 0f || Math.abs(y3[i]) >= Float.MIN_NORMAL, "affine[" + i + "] subnormal: " + y3[i]);
        }
        if (Math.abs(al[0]) < 1.1f) {
            assertEquals(0f, y3[0], "affine's subnormal result flushed");
        }
        float[] inPlace = x.clone();
        simd.affine(inPlace, inPlace, 0, n, C, s, 0, C, al, bias);
        assertClose(y4, inPlace, 0, "affine in place");
    }

    private static void assertClose(float[] expected, float[] actual, double rel, String what) {
        for (int i = 0; i < expected.length; i++) {
            double tol = rel * Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + "[" + i + "]: scalar " + expected[i] + " vs simd " + actual[i]);
        }
    }
}
