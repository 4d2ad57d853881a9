package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GemmTest {
    private static final int[] SIZES = {1, 3, 7, 17, 33, 100, 129};
    /** Rows: every remainder mod the 6-row tile (0..5), so the 4-, 2- and 1-row leftover kernels all run. */
    private static final int[] ROWS = {1, 2, 3, 4, 7, 8, 17, 33, 64, 100, 129};

    private static float[] rand(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }

    /** op 0: A·B, 1: A·Bᵀ, 2: Aᵀ·B, through the general form with the given implementation. */
    private static void run(int op, float[] c, float[] a, float[] b, int m, int n, int k, boolean acc, boolean simd) {
        switch (op) {
            case 0 -> Gemm.run(c, 1, a, 2, k, 1, b, 3, n, 1, m, n, k, acc, simd);
            case 1 -> Gemm.run(c, 1, a, 2, k, 1, b, 3, 1, k, m, n, k, acc, simd);
            default -> Gemm.run(c, 1, a, 2, 1, m, b, 3, n, 1, m, n, k, acc, simd);
        }
    }

    /** Both ways of reading B (packed panels, or in place with only the partial panel copied). */
    @Test
    void simdEqualsScalarBitForBitOnOddSizes() {
        if (!Simd.ENABLED) {
            return;
        }
        try {
            for (int mode : new int[] {1, 2}) {
                Gemm.directMode = mode;
                simdEqualsScalar(new SplittableRandom(7));
            }
        } finally {
            Gemm.directMode = 0;
        }
    }

    private static void simdEqualsScalar(SplittableRandom r) {
        for (int op = 0; op < 3; op++) {
            for (int m : ROWS) {
                for (int n : SIZES) {
                    for (int k : new int[] {0, 1, 7, 33, 300}) {
                        float[] a = rand(r, m * k + 2);
                        // B ending where its last row does, or with room past it: the in-place kernels read a
                        // last panel narrower than a vector as whole vectors when that stays inside the array
                        float[] b = rand(r, k * n + 3 + (k == 7 || k == 300 ? GemmSimd.MAX_LANES : 0));
                        for (boolean acc : new boolean[] {false, true}) {
                            float[] c0 = rand(r, m * n + 1);
                            float[] c1 = c0.clone();
                            run(op, c0, a, b, m, n, k, acc, false);
                            run(op, c1, a, b, m, n, k, acc, true);
                            assertArrayEquals(c0, c1, "op " + op + " m=" + m + " n=" + n + " k=" + k + " acc=" + acc
                                    + " directMode=" + Gemm.directMode);
                        }
                    }
                }
            }
        }
    }

    /**
     * A last panel of a few columns is packed at a narrower stride (AVX-512: N = 100's last 4 columns at
     * 4, not 16) and read by the 8-row tile as whole vectors, by the other tiles through a padded copy:
     * rows that are and are not multiples of 8, K past the 1024 block (each block starts at its own
     * offset in the narrow panel; without accumulation only the first starts from zeros), both ways of
     * reading B, against the scalar specification bit for bit.
     */
    @Test
    void narrowLastPanelsEqualScalarAcrossKBlocks() {
        if (!Simd.ENABLED) {
            return;
        }
        if (GemmSimd.WIDE) {
            assertEquals(4, GemmSimd.packedStride(GemmSimd.V, 4), "N = 100's last 4 columns");
            assertEquals(12, GemmSimd.packedStride(GemmSimd.V, 9));
        }
        assertEquals(2 * GemmSimd.V, GemmSimd.packedStride(2 * GemmSimd.V, 5), "only one-vector panels narrow");
        assertEquals(GemmSimd.V, GemmSimd.packedStride(GemmSimd.V, GemmSimd.V));
        SplittableRandom r = new SplittableRandom(5);
        try {
            for (int mode : new int[] {1, 2}) {
                Gemm.directMode = mode;
                for (int op = 0; op < 3; op++) {
                    for (int m : new int[] {8, 13, 24, 30}) {
                        for (int n : new int[] {4, 36, 41, 100}) {
                            int k = 2100;
                            float[] a = rand(r, m * k + 2);
                            float[] b = rand(r, k * n + 3);
                            // not accumulating: the first block starts from zeros, the later ones from C
                            for (boolean acc : new boolean[] {false, true}) {
                                float[] c0 = rand(r, m * n + 1);
                                float[] c1 = c0.clone();
                                run(op, c0, a, b, m, n, k, acc, false);
                                run(op, c1, a, b, m, n, k, acc, true);
                                assertArrayEquals(c0, c1, "op " + op + " m=" + m + " n=" + n + " acc=" + acc + " directMode=" + mode);
                            }
                        }
                    }
                }
            }
        } finally {
            Gemm.directMode = 0;
        }
    }

    /**
     * rowDots: every element within the rounding bound of a double dot product; the same bits on every
     * call, and whether a row is computed alone or in a group of rows (the batch size must not matter).
     */
    @Test
    void rowDotsMatchDoubleReference() {
        SplittableRandom r = new SplittableRandom(11);
        for (int k : new int[] {16, 784, 1024, 37}) {
            for (int t : new int[] {1, 3, 4, 6}) {
                for (int m : new int[] {1, 4, 7, 9}) {
                    int ldx = k + 3;
                    int ldy = t + 2;
                    float[] x = rand(r, 5 + m * ldx);
                    float[] w = rand(r, t * k);
                    float[] y = new float[1 + m * ldy];
                    Gemm.rowDots(y, 1, ldy, x, 5, ldx, m, w, t, k);
                    float[] again = new float[y.length];
                    Gemm.rowDots(again, 1, ldy, x, 5, ldx, m, w, t, k);
                    assertArrayEquals(y, again);
                    for (int i = 0; i < m; i++) {
                        float[] alone = new float[t];
                        Gemm.rowDots(alone, 0, t, x, 5 + i * ldx, k, 1, w, t, k);
                        String where = "k=" + k + " t=" + t + " m=" + m + " i=" + i;
                        assertArrayEquals(alone, Arrays.copyOfRange(y, 1 + i * ldy, 1 + i * ldy + t), where);
                        assertEquals(0f, y[1 + i * ldy + t], where + ": past column t");
                        for (int j = 0; j < t; j++) {
                            double ref = 0;
                            double abs = 0;
                            for (int p = 0; p < k; p++) {
                                double prod = (double) x[5 + i * ldx + p] * w[j * k + p];
                                ref += prod;
                                abs += Math.abs(prod);
                            }
                            assertTrue(Math.abs(y[1 + i * ldy + j] - ref) <= k * 0x1p-24 * abs, where + " j=" + j);
                        }
                    }
                    assertEquals(0f, y[0]);
                }
            }
        }
        if (Simd.ENABLED && GemmSimd.V == 16) {
            assertEquals(4, Gemm.dotTailColumns(100, 784), "the paper MLP's first layer");
        }
        assertEquals(0, Gemm.dotTailColumns(100, 100), "short K: no tail");
        assertEquals(0, Gemm.dotTailColumns(10, 784), "fewer columns than a vector");
    }

    /**
     * The transposed-B packing has three paths: 16 x 16 blocks through registers (16 lanes), the
     * gather (JDK 21+) and the scalar four-column copy. Whichever this JVM uses in production, all must
     * write the same panels, padding included, for K and N that are and are not multiples of the lanes.
     */
    @Test
    void transposedPackingsAllWriteTheSamePanels() {
        if (!Simd.ENABLED) {
            return;
        }
        SplittableRandom r = new SplittableRandom(11);
        int[] idx = new int[GemmSimd.MAX_LANES];
        // 17 and 60: a panel's columns past its last whole 16-block (a block overlapping the one before)
        for (int n : new int[] {1, 3, 7, 17, 33, 60, 100, 129}) {
            for (int k : new int[] {1, 7, 16, 33, 300}) {
                float[] b = rand(r, n * k + 5);
                // B(p, j) = b[3 + j*k + p]: the layout of mmT's B (N x K, row-major)
                float[] viaCopy = GemmSimd.pack(new float[0], idx, b, 3, 1, k, n, k, GemmSimd.COPY);
                float[] viaShuffle = GemmSimd.pack(new float[0], idx, b, 3, 1, k, n, k, GemmSimd.SHUFFLE);
                assertArrayEquals(viaCopy, viaShuffle, "shuffle: n=" + n + " k=" + k);
                float[] viaGather = GemmSimd.pack(new float[0], idx, b, 3, 1, k, n, k, GemmSimd.GATHER);
                assertArrayEquals(viaCopy, viaGather, "gather: n=" + n + " k=" + k);
                // and the panels hold B: the first panel's (p, j) = (k-1, 0) and, with 16 lanes or more
                // columns, (p, j) = (k-1, 15) and (k/2, 1)
                int w = GemmSimd.packedStride(n > GemmSimd.V ? 2 * GemmSimd.V : GemmSimd.V, Math.min(n, 2 * GemmSimd.V));
                assertEquals(b[3 + (k - 1)], viaCopy[(k - 1) * w], "n=" + n + " k=" + k);
                if (n >= 16 && w >= 16) {
                    assertEquals(b[3 + 15 * k + (k - 1)], viaCopy[(k - 1) * w + 15], "n=" + n + " k=" + k);
                    assertEquals(b[3 + k + k / 2], viaCopy[(k / 2) * w + 1], "n=" + n + " k=" + k);
                }
            }
        }
    }

    @Test
    void publicProductsMatchDoubleReference() {
        SplittableRandom r = new SplittableRandom(3);
        int m = 17, n = 33, k = 100;
        float[] a = rand(r, m * k);
        float[] b = rand(r, k * n);
        float[] bt = new float[n * k];
        float[] at = new float[k * m];
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                bt[j * k + p] = b[p * n + j];
            }
            for (int i = 0; i < m; i++) {
                at[p * m + i] = a[i * k + p];
            }
        }
        float[] c1 = new float[m * n];
        float[] c2 = new float[m * n];
        float[] c3 = new float[m * n];
        java.util.Arrays.fill(c3, 1f);
        Gemm.mm(c1, 0, a, 0, b, 0, m, n, k, false);
        Gemm.mmT(c2, 0, a, 0, bt, 0, m, n, k, false);
        Gemm.mTm(c3, 0, at, 0, b, 0, m, n, k, true);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * k + p] * b[p * n + j];
                }
                assertEquals(s, c1[i * n + j], 1e-4);
                assertEquals(s, c2[i * n + j], 1e-4);
                assertEquals(s + 1, c3[i * n + j], 1e-4);
            }
        }
    }

    /** transpose: every element once in place, offsets kept, for sides below, at and past 16 (blocks overlap). */
    @Test
    void transposeMovesEveryElement() {
        SplittableRandom r = new SplittableRandom(13);
        for (int rows : new int[] {1, 5, 16, 17, 60, 100}) {
            for (int cols : new int[] {3, 16, 31, 60, 100}) {
                float[] src = rand(r, 2 + rows * cols);
                float[] dst = rand(r, 3 + rows * cols + 1);
                float before = dst[dst.length - 1];
                Gemm.transpose(src, 2, rows, cols, dst, 3);
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        assertEquals(src[2 + i * cols + j], dst[3 + j * rows + i], rows + "x" + cols + " (" + i + ", " + j + ")");
                    }
                }
                assertEquals(before, dst[dst.length - 1], "past the end");
            }
        }
    }

    @Test
    void oneAndTwoThreadsAreBitIdentical() {
        SplittableRandom r = new SplittableRandom(11);
        int m = 131, n = 97, k = 301; // above the parallel threshold
        assertTrue((long) m * n * k >= Gemm.PARALLEL_MIN_MACS);
        float[] a = rand(r, m * k + 2);
        float[] b = rand(r, k * n + 3);
        int saved = Parallel.threads();
        try {
            for (int op = 0; op < 3; op++) {
                float[] c1 = rand(r, m * n + 1);
                float[] c2 = c1.clone();
                Parallel.setThreads(1);
                run(op, c1, a, b, m, n, k, true, Simd.ENABLED);
                Parallel.setThreads(2);
                run(op, c2, a, b, m, n, k, true, Simd.ENABLED);
                assertArrayEquals(c1, c2, "op " + op);
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }
}
