package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A view at offset {@code off = n0*C*s} gives bit-for-bit what the same kernel gives on a copy of
 * samples [n0, n0 + n), for the chosen kernel and the scalar specification, and touches nothing
 * outside the view.
 */
class BatchNormKernelOffsetTest {

    @ParameterizedTest(name = "N={0} C={1} s={2} n0={3} n={4}")
    @CsvSource({"7,5,1,2,3", "9,33,1,4,5", "6,3,16,1,4", "5,2,49,3,2", "4,300,1,1,2"})
    void viewEqualsCopy(int bigN, int C, int s, int n0, int n) {
        for (BatchNormKernel k : new BatchNormKernel[] {KernelProvider.get().batchNorm(), KernelProvider.scalar().batchNorm()}) {
            SplittableRandom r = new SplittableRandom(bigN * 31L + C + s);
            int len = bigN * C * s;
            float[] x = new float[len];
            float[] dy = new float[len];
            for (int i = 0; i < len; i++) {
                x[i] = (float) (3 + 2 * r.nextGaussian());
                dy[i] = (float) r.nextGaussian();
            }
            int off = n0 * C * s;
            int vlen = n * C * s;
            float[] xc = Arrays.copyOfRange(x, off, off + vlen);
            float[] dyc = Arrays.copyOfRange(dy, off, off + vlen);

            double[] mv = new double[C];
            double[] vv = new double[C];
            double[] mc = new double[C];
            double[] vc = new double[C];
            k.stats(x, off, n, C, s, 0, C, mv, vv);
            k.stats(xc, 0, n, C, s, 0, C, mc, vc);
            assertArrayEquals(mc, mv);
            assertArrayEquals(vc, vv);

            float[] shift = new float[C];
            Arrays.fill(shift, 3f);
            k.shiftedSums(x, off, n, C, s, 0, C, shift, mv, vv);
            k.shiftedSums(xc, 0, n, C, s, 0, C, shift, mc, vc);
            assertArrayEquals(mc, mv);
            assertArrayEquals(vc, vv);
            k.stats(xc, 0, n, C, s, 0, C, mc, vc);

            float[] hi = new float[C];
            float[] lo = new float[C];
            float[] al = new float[C];
            float[] be = new float[C];
            for (int c = 0; c < C; c++) {
                hi[c] = (float) mc[c];
                lo[c] = (float) (mc[c] - hi[c]);
                al[c] = (float) (1 / Math.sqrt(vc[c] + 1e-5));
                be[c] = 0.25f * c;
            }
            float[] y = new float[len];
            float[] yc = new float[vlen];
            k.normalize(x, y, off, n, C, s, 0, C, hi, lo, al, be);
            k.normalize(xc, yc, 0, n, C, s, 0, C, hi, lo, al, be);
            assertView(y, yc, off);

            double[] sd = new double[C];
            double[] sx = new double[C];
            double[] sdc = new double[C];
            double[] sxc = new double[C];
            k.backwardSums(x, dy, off, n, C, s, 0, C, hi, lo, sd, sx);
            k.backwardSums(xc, dyc, 0, n, C, s, 0, C, hi, lo, sdc, sxc);
            assertArrayEquals(sdc, sd);
            assertArrayEquals(sxc, sx);

            float[] md = new float[C];
            float[] kc = new float[C];
            for (int c = 0; c < C; c++) {
                md[c] = (float) (sdc[c] / (n * s));
                kc[c] = (float) (sxc[c] * al[c] * al[c] / (n * s));
            }
            float[] dx = new float[len];
            float[] dxc = new float[vlen];
            k.backwardInput(x, dy, dx, off, n, C, s, 0, C, hi, lo, al, md, kc);
            k.backwardInput(xc, dyc, dxc, 0, n, C, s, 0, C, hi, lo, al, md, kc);
            assertView(dx, dxc, off);
            Arrays.fill(dx, 0f);
            k.scale(dy, dx, off, n, C, s, 0, C, al);
            k.scale(dyc, dxc, 0, n, C, s, 0, C, al);
            assertView(dx, dxc, off);
            Arrays.fill(y, 0f);
            k.affine(x, y, off, n, C, s, 0, C, al, be);
            k.affine(xc, yc, 0, n, C, s, 0, C, al, be);
            assertView(y, yc, off);
        }
    }

    /** full[off, off + view.length) equals view; every other element of full is still 0. */
    private static void assertView(float[] full, float[] view, int off) {
        assertArrayEquals(view, Arrays.copyOfRange(full, off, off + view.length));
        for (int i = 0; i < full.length; i++) {
            if (i < off || i >= off + view.length) {
                assertArrayEquals(new float[] {0f}, new float[] {full[i]}, "element " + i + " outside the view was written");
            }
        }
    }
}
