package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * ConvKernel on random shapes (stride 1-2, padding 0-2, kernel 1/3/5, odd sizes, batch 1-7, CKK
 * above and below O, products above and below the parallel threshold):
 * <ul>
 *   <li>near a double-precision direct convolution (the definition, no im2col);</li>
 *   <li>bit-identical to the per-sample im2col + GEMM loop it replaced (so the fma chains, and with
 *       them every golden, are unchanged);</li>
 *   <li>bit-identical for 1, 2 and 3 threads.</li>
 * </ul>
 */
class ConvKernelTest {

    /** One case: the shape, the batch, and its inputs. */
    private record Case(ConvShape g, int n, float[] x, float[] w, float[] b, float[] dy, float[] dw0, float[] db0) {
        @Override
        public String toString() {
            return g + " n=" + n;
        }
    }

    /** Outputs of one run: y (bias after), y (bias first), dW, db, dx. */
    private record Result(float[] y, float[] yBiasFirst, float[] dw, float[] db, float[] dx) {}

    private static float[] rand(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    private static List<Case> cases() {
        SplittableRandom r = new SplittableRandom(31);
        List<Case> cases = new ArrayList<>();
        int[] kernels = {1, 3, 5};
        for (int trial = 0; trial < 40; trial++) {
            int k = kernels[r.nextInt(3)];
            int stride = 1 + r.nextInt(2);
            int pad = r.nextInt(3);
            int c = 1 + r.nextInt(6);
            int o = 1 + r.nextInt(20);
            int h = 1 + 2 * r.nextInt(8); // odd
            int w = 1 + r.nextInt(15);
            int n = 1 + r.nextInt(7);
            if (h + 2 * pad < k || w + 2 * pad < k) {
                continue;
            }
            cases.add(newCase(r, new ConvShape(c, h, w, o, k, stride, pad), n));
        }
        // above Gemm.PARALLEL_MIN_MACS, so the parallel paths run: CKK >= O (dWᵀ bands) and CKK < O (dW bands)
        cases.add(newCase(r, new ConvShape(8, 15, 15, 16, 3, 1, 1), 5));
        cases.add(newCase(r, new ConvShape(1, 27, 27, 32, 3, 1, 1), 7));
        cases.add(newCase(r, new ConvShape(32, 14, 14, 64, 3, 1, 1), 3));
        cases.add(newCase(r, new ConvShape(5, 17, 13, 7, 5, 2, 2), 6));
        cases.add(newCase(r, new ConvShape(16, 9, 11, 24, 3, 2, 0), 1)); // one sample: the GEMMs split themselves
        return cases;
    }

    private static Case newCase(SplittableRandom r, ConvShape g, int n) {
        return new Case(g, n, rand(r, n * g.inSize()), rand(r, g.o * g.ckk), rand(r, g.o), rand(r, n * g.outSize()),
                rand(r, g.o * g.ckk), rand(r, g.o));
    }

    private static Result run(Case c) {
        ConvShape g = c.g;
        float[] y = new float[c.n * g.outSize()];
        float[] yb = new float[y.length];
        float[] dw = c.dw0.clone();
        float[] db = c.db0.clone();
        float[] dx = new float[c.n * g.inSize()];
        java.util.Arrays.fill(dx, Float.NaN); // overwritten, not accumulated
        ConvKernel.forward(g, c.n, c.x, c.w, c.b, false, y);
        ConvKernel.forward(g, c.n, c.x, c.w, c.b, true, yb);
        ConvKernel.weightGrad(g, c.n, c.x, c.dy, dw);
        ConvKernel.biasGrad(g, c.n, c.dy, db);
        ConvKernel.inputGrad(g, c.n, c.dy, c.w, dx);
        return new Result(y, yb, dw, db, dx);
    }

    /** The per-sample loop ConvKernel replaced (Conv2d before it): the fma chains it must keep. */
    private static Result perSample(Case c) {
        ConvShape g = c.g;
        float[] col = new float[g.ckk * g.p];
        float[] y = new float[c.n * g.outSize()];
        float[] yb = new float[y.length];
        float[] dw = c.dw0.clone();
        float[] db = c.db0.clone();
        float[] dx = new float[c.n * g.inSize()];
        for (int s = 0; s < c.n; s++) {
            Im2col.im2col(col, c.x, s * g.inSize(), g.c, g.h, g.w, g.k, g.stride, g.pad, g.oh, g.ow);
            int yOff = s * g.outSize();
            Gemm.mm(y, yOff, c.w, 0, col, 0, g.o, g.p, g.ckk, false);
            for (int o = 0; o < g.o; o++) {
                java.util.Arrays.fill(yb, yOff + o * g.p, yOff + (o + 1) * g.p, c.b[o]);
                for (int j = 0; j < g.p; j++) {
                    y[yOff + o * g.p + j] += c.b[o];
                }
            }
            Gemm.mm(yb, yOff, c.w, 0, col, 0, g.o, g.p, g.ckk, true);
            Gemm.mmT(dw, 0, c.dy, yOff, col, 0, g.o, g.ckk, g.p, true);
            for (int o = 0; o < g.o; o++) {
                float sum = 0f;
                for (int j = 0; j < g.p; j++) {
                    sum += c.dy[yOff + o * g.p + j];
                }
                db[o] += sum;
            }
            Gemm.mTm(col, 0, c.w, 0, c.dy, yOff, g.ckk, g.p, g.o, false);
            Im2col.col2imAdd(dx, s * g.inSize(), col, g.c, g.h, g.w, g.k, g.stride, g.pad, g.oh, g.ow);
        }
        return new Result(y, yb, dw, db, dx);
    }

    /** The definition in double: y, dW and dx by direct loops over (s, o, oy, ox, c, kh, kw). */
    private static void assertNearDirect(Case c, Result got) {
        ConvShape g = c.g;
        double[] y = new double[c.n * g.outSize()];
        double[] dw = new double[g.o * g.ckk];
        double[] dx = new double[c.n * g.inSize()];
        for (int i = 0; i < dw.length; i++) {
            dw[i] = c.dw0[i];
        }
        for (int s = 0; s < c.n; s++) {
            for (int o = 0; o < g.o; o++) {
                for (int oy = 0; oy < g.oh; oy++) {
                    for (int ox = 0; ox < g.ow; ox++) {
                        int yi = ((s * g.o + o) * g.oh + oy) * g.ow + ox;
                        double acc = c.b[o];
                        for (int ci = 0; ci < g.c; ci++) {
                            for (int kh = 0; kh < g.k; kh++) {
                                for (int kw = 0; kw < g.k; kw++) {
                                    int iy = oy * g.stride - g.pad + kh;
                                    int ix = ox * g.stride - g.pad + kw;
                                    if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) {
                                        continue;
                                    }
                                    int xi = ((s * g.c + ci) * g.h + iy) * g.w + ix;
                                    int wi = ((o * g.c + ci) * g.k + kh) * g.k + kw;
                                    acc += (double) c.w[wi] * c.x[xi];
                                    dw[wi] += (double) c.dy[yi] * c.x[xi];
                                    dx[xi] += (double) c.dy[yi] * c.w[wi];
                                }
                            }
                        }
                        y[yi] = acc;
                    }
                }
            }
        }
        double[] db = new double[g.o];
        for (int o = 0; o < g.o; o++) {
            db[o] = c.db0[o];
            for (int s = 0; s < c.n; s++) {
                for (int j = 0; j < g.p; j++) {
                    db[o] += c.dy[(s * g.o + o) * g.p + j];
                }
            }
        }
        near(c + " y", y, got.y);
        near(c + " y (bias first)", y, got.yBiasFirst);
        near(c + " dW", dw, got.dw);
        near(c + " db", db, got.db);
        near(c + " dx", dx, got.dx);
    }

    private static void near(String what, double[] expected, float[] got) {
        assertTrue(expected.length <= got.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tol = 1e-4 * (1 + Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - got[i]) <= tol, what + " [" + i + "]: " + got[i] + " vs " + expected[i]);
        }
    }

    private static void assertSame(String what, Result a, Result b) {
        assertArrayEquals(a.y, b.y, what + ": y");
        assertArrayEquals(a.yBiasFirst, b.yBiasFirst, what + ": y (bias first)");
        assertArrayEquals(a.dw, b.dw, what + ": dW");
        assertArrayEquals(a.db, b.db, what + ": db");
        assertArrayEquals(a.dx, b.dx, what + ": dx");
    }

    @Test
    void matchesTheDirectConvolutionAndThePerSampleLoopForAnyThreadCount() {
        int saved = Parallel.threads();
        try {
            for (Case c : cases()) {
                Parallel.setThreads(1);
                Result spec = perSample(c);
                Result one = run(c);
                assertNearDirect(c, one);
                assertSame(c + ", 1 thread vs the per-sample loop", spec, one);
                for (int t = 2; t <= 3; t++) {
                    Parallel.setThreads(t);
                    assertSame(c + ", " + t + " threads vs 1", one, run(c));
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void badShapesAndBuffersAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ConvShape(3, 2, 2, 4, 5, 1, 1));
        assertTrue(e.getMessage().contains("smaller than the kernel 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ConvShape(3, 8, 8, 4, 3, 0, 1));
        assertTrue(e.getMessage().contains("stride=0"), e.getMessage());
        ConvShape g = new ConvShape(2, 5, 5, 3, 3, 1, 1);
        e = assertThrows(IllegalArgumentException.class,
                () -> ConvKernel.forward(g, 2, new float[2 * 50 - 1], new float[54], null, false, new float[150]));
        assertTrue(e.getMessage().contains("x has 99 floats, a batch of 2 needs 100"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ConvKernel.inputGrad(g, 2, new float[150], new float[53], new float[100]));
        assertTrue(e.getMessage().contains("weight has 53 floats"), e.getMessage());
    }
}
