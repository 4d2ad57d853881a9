package org.bnlab.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API GEMM behind {@link Gemm}: B is packed into column panels, and a 6-row x 2-vector
 * micro-kernel keeps a 6 x (2*V) tile of C in 12 independent vector accumulators over the whole K loop
 * (V = lanes of the preferred species: 16 with AVX-512, 8 with AVX2). Per step p it loads two B
 * vectors, broadcasts six A values and issues twelve FMAs; 12 + 2 + 1 registers fit AVX2's 16.
 *
 * <p>Panels: columns are cut into panels of 2V while more than V columns remain, and one last panel of
 * V; a panel of width w starting at column j0 is stored p-major at {@code pack[j0*K + p*w + jj]},
 * zero-padded past N. Packing costs K*N copies against M*N*K FMAs and makes every B load contiguous,
 * also for B transposed. Rows past the last full 6-row block use the 1-row kernels. A tile that
 * reaches past column N is computed in a per-thread scratch tile (full vectors only) and copied back:
 * the kernels themselves have no masks, no branches and no helper calls, which keeps C2 from boxing
 * the accumulators. The accumulators always start from C: C is zeroed first unless accumulating.
 *
 * <p>Each C element is one FMA chain over p ascending, started from C when accumulating and from 0
 * otherwise: exactly {@link GemmScalar}'s order, so the two agree bit for bit.
 */
final class GemmSimd {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int V = S.length();
    /** Rows of the micro-kernel tile (a compile-time constant: {@link Gemm} reads it without loading this class). */
    static final int MR = 6;
    /** Columns of a full panel. */
    static final int NR = 2 * V;
    /** K block: 256 x 32 floats of a 512-bit panel slice = 32 KiB, inside a 48 KiB L1. */
    private static final int KC = 256;

    /** Per-thread scratch for tiles that reach past column N: MR x NR floats. */
    private static final ThreadLocal<float[]> EDGE = ThreadLocal.withInitial(() -> new float[MR * NR]);

    private GemmSimd() {}

    /** Width of the panel starting at column j0. */
    private static int panelWidth(int n, int j0) {
        return n - j0 > V ? NR : V;
    }

    /** Packs B(p,j) = b[bOff + p*brs + j*bcs] into panels; returns {@code buf}, grown if too small. */
    static float[] pack(float[] buf, float[] b, int bOff, int brs, int bcs, int n, int k) {
        long need = (long) k * ((n + V - 1) / V) * V;
        if (need > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Gemm: K*N too large to pack: k=" + k + " n=" + n);
        }
        if (buf.length < need) {
            buf = new float[(int) need];
        }
        for (int j0 = 0; j0 < n; ) {
            int w = panelWidth(n, j0);
            int cols = Math.min(w, n - j0);
            int base = j0 * k;
            if (bcs == 1) {
                // rows of B are contiguous: copy a row segment per p
                for (int p = 0; p < k; p++) {
                    int dst = base + p * w;
                    System.arraycopy(b, bOff + p * brs + j0, buf, dst, cols);
                    for (int jj = cols; jj < w; jj++) {
                        buf[dst + jj] = 0f;
                    }
                }
            } else {
                // B transposed: write the panel contiguously; the `cols` source rows are read in step
                int src = bOff + j0 * bcs;
                for (int p = 0; p < k; p++) {
                    int dst = base + p * w;
                    int sp = src + p * brs;
                    for (int jj = 0; jj < cols; jj++) {
                        buf[dst + jj] = b[sp + jj * bcs];
                    }
                    for (int jj = cols; jj < w; jj++) {
                        buf[dst + jj] = 0f;
                    }
                }
            }
            j0 += w;
        }
        return buf;
    }

    /** C rows [i0, i1) from A(i,p) = a[aOff + i*ars + p*acs] and the packed B. */
    static void rows(float[] c, int cOff, float[] a, int aOff, int ars, int acs, float[] pb, int n, int k,
                     int i0, int i1, boolean accumulate) {
        if (!accumulate) {
            java.util.Arrays.fill(c, cOff + i0 * n, cOff + i1 * n, 0f);
        }
        float[] edge = null;
        // K blocks of KC keep a panel slice (KC x 2V floats) in L1 while every row block streams it;
        // the accumulators restart from C in each block, so every element's FMA chain is unchanged.
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = Math.min(KC, k - p0);
            int aP = aOff + p0 * acs;
            for (int j0 = 0; j0 < n; ) {
                int w = panelWidth(n, j0);
                int cols = Math.min(w, n - j0);
                int pOff = j0 * k + p0 * w;
                int i = i0;
                if (cols == w) {
                    for (; i + MR <= i1; i += MR) {
                        tile(w, c, cOff + i * n + j0, n, a, aP + i * ars, ars, acs, pb, pOff, kc);
                    }
                    for (; i < i1; i++) {
                        tile1(w, c, cOff + i * n + j0, a, aP + i * ars, acs, pb, pOff, kc);
                    }
                } else {
                    if (edge == null) {
                        edge = EDGE.get();
                    }
                    for (; i < i1; i += MR) {
                        int rows = Math.min(MR, i1 - i);
                        int ci = cOff + i * n + j0;
                        for (int r = 0; r < rows; r++) {
                            System.arraycopy(c, ci + r * n, edge, r * w, cols);
                        }
                        if (rows == MR) {
                            tile(w, edge, 0, w, a, aP + i * ars, ars, acs, pb, pOff, kc);
                        } else {
                            for (int r = 0; r < rows; r++) {
                                tile1(w, edge, r * w, a, aP + (i + r) * ars, acs, pb, pOff, kc);
                            }
                        }
                        for (int r = 0; r < rows; r++) {
                            System.arraycopy(edge, r * w, c, ci + r * n, cols);
                        }
                    }
                }
                j0 += w;
            }
        }
    }

    private static void tile(int w, float[] c, int ci, int n, float[] a, int ai, int ars, int acs,
                             float[] pb, int pOff, int k) {
        if (w == NR) {
            tile6x2(c, ci, n, a, ai, ars, acs, pb, pOff, k);
        } else {
            tile6x1(c, ci, n, a, ai, ars, acs, pb, pOff, k);
        }
    }

    private static void tile1(int w, float[] c, int ci, float[] a, int ai, int acs, float[] pb, int pOff, int k) {
        if (w == NR) {
            tile1x2(c, ci, a, ai, acs, pb, pOff, k);
        } else {
            tile1x1(c, ci, a, ai, acs, pb, pOff, k);
        }
    }

    // C(6, 2V) += A(6, k) · Bpanel(k, 2V): C at c[ci..] with row stride n; A(r,p) = a[ai + r*ars + p*acs].
    private static void tile6x2(float[] c, int ci, int n, float[] a, int ai, int ars, int acs,
                                float[] pb, int pOff, int k) {
        int r1 = ci + n, r2 = ci + 2 * n, r3 = ci + 3 * n, r4 = ci + 4 * n, r5 = ci + 5 * n;
        FloatVector c00 = FloatVector.fromArray(S, c, ci), c01 = FloatVector.fromArray(S, c, ci + V);
        FloatVector c10 = FloatVector.fromArray(S, c, r1), c11 = FloatVector.fromArray(S, c, r1 + V);
        FloatVector c20 = FloatVector.fromArray(S, c, r2), c21 = FloatVector.fromArray(S, c, r2 + V);
        FloatVector c30 = FloatVector.fromArray(S, c, r3), c31 = FloatVector.fromArray(S, c, r3 + V);
        FloatVector c40 = FloatVector.fromArray(S, c, r4), c41 = FloatVector.fromArray(S, c, r4 + V);
        FloatVector c50 = FloatVector.fromArray(S, c, r5), c51 = FloatVector.fromArray(S, c, r5 + V);
        int a0 = ai, a1 = ai + ars, a2 = ai + 2 * ars, a3 = ai + 3 * ars, a4 = ai + 4 * ars, a5 = ai + 5 * ars;
        int pb0 = pOff;
        // c_rj = fma(A(r,p), B(p, j-vector), c_rj), p ascending
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, pb0);
            FloatVector b1 = FloatVector.fromArray(S, pb, pb0 + V);
            pb0 += NR;
            FloatVector x = FloatVector.broadcast(S, a[a0]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            a0 += acs;
            a1 += acs;
            a2 += acs;
            a3 += acs;
            a4 += acs;
            a5 += acs;
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + V);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + V);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + V);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + V);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + V);
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + V);
    }

    // C(6, V) += A(6, k) · Bpanel(k, V): the last, narrow panel.
    private static void tile6x1(float[] c, int ci, int n, float[] a, int ai, int ars, int acs,
                                float[] pb, int pOff, int k) {
        int r1 = ci + n, r2 = ci + 2 * n, r3 = ci + 3 * n, r4 = ci + 4 * n, r5 = ci + 5 * n;
        FloatVector c0 = FloatVector.fromArray(S, c, ci), c1 = FloatVector.fromArray(S, c, r1);
        FloatVector c2 = FloatVector.fromArray(S, c, r2), c3 = FloatVector.fromArray(S, c, r3);
        FloatVector c4 = FloatVector.fromArray(S, c, r4), c5 = FloatVector.fromArray(S, c, r5);
        int a0 = ai, a1 = ai + ars, a2 = ai + 2 * ars, a3 = ai + 3 * ars, a4 = ai + 4 * ars, a5 = ai + 5 * ars;
        int pb0 = pOff;
        // c_r = fma(A(r,p), B(p, vector), c_r), p ascending
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, pb0);
            pb0 += V;
            c0 = FloatVector.broadcast(S, a[a0]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[a4]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[a5]).fma(b0, c5);
            a0 += acs;
            a1 += acs;
            a2 += acs;
            a3 += acs;
            a4 += acs;
            a5 += acs;
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, r1);
        c2.intoArray(c, r2);
        c3.intoArray(c, r3);
        c4.intoArray(c, r4);
        c5.intoArray(c, r5);
    }

    // C(1, 2V) += A(1, k) · Bpanel(k, 2V): one leftover row.
    private static void tile1x2(float[] c, int ci, float[] a, int ai, int acs, float[] pb, int pOff, int k) {
        FloatVector c0 = FloatVector.fromArray(S, c, ci), c1 = FloatVector.fromArray(S, c, ci + V);
        int pb0 = pOff;
        for (int p = 0; p < k; p++) {
            FloatVector x = FloatVector.broadcast(S, a[ai + p * acs]);
            c0 = x.fma(FloatVector.fromArray(S, pb, pb0), c0);
            c1 = x.fma(FloatVector.fromArray(S, pb, pb0 + V), c1);
            pb0 += NR;
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + V);
    }

    // C(1, V) += A(1, k) · Bpanel(k, V): one leftover row of the narrow panel.
    private static void tile1x1(float[] c, int ci, float[] a, int ai, int acs, float[] pb, int pOff, int k) {
        FloatVector c0 = FloatVector.fromArray(S, c, ci);
        int pb0 = pOff;
        for (int p = 0; p < k; p++) {
            c0 = FloatVector.broadcast(S, a[ai + p * acs]).fma(FloatVector.fromArray(S, pb, pb0), c0);
            pb0 += V;
        }
        c0.intoArray(c, ci);
    }
}
