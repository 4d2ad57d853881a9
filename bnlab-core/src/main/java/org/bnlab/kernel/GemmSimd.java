package org.bnlab.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API GEMM behind {@link Gemm}: B is packed into column panels, and a 6-row x 2-vector
 * micro-kernel keeps a 6 x (2*V) tile of C in 12 independent vector accumulators over the whole K loop
 * (V = lanes of the preferred species: 16 with AVX-512, 8 with AVX2). Per step p it loads two B
 * vectors, broadcasts six A values and issues twelve FMAs; 12 + 2 + 1 registers fit AVX2's 16. With
 * AVX-512's 32 registers, full panels run 12 rows at a time first ({@link #strided12x2}: 24
 * accumulators, half the B loads per FMA): on Zen 5, 1 thread, 60 x 784 x 100 with B in place 50.7 ->
 * 41.2 us, packed 256 x 96 x 784 153 -> 147-150 us (~260 GFLOP/s, about the FMA peak).
 *
 * <p>Panels: columns are cut into panels of 2V while more than V columns remain, and one last panel of
 * V; a panel of width w starting at column j0 is stored p-major at {@code pack[j0*K + p*w + jj]},
 * zero-padded past N. Packing costs K*N copies against M*N*K FMAs and makes every B load contiguous,
 * also for B transposed. Rows past the last full 6-row block use 4-, 2- and 1-row kernels. A tile that
 * reaches past column N is computed in a per-thread scratch tile (full vectors only) and copied back:
 * the kernels themselves have no masks, no branches and no helper calls, which keeps C2 from boxing
 * the accumulators. The accumulators always start from C: C is zeroed first unless accumulating.
 *
 * <p>Each C element is one FMA chain over p ascending, started from C when accumulating and from 0
 * otherwise: exactly {@link GemmScalar}'s order, so the two agree bit for bit.
 */
final class GemmSimd {
    static final VectorSpecies<Float> S = Lanes.FLOAT; // operator caches filled first, see Lanes
    static final int V = S.length();
    /** Upper bound of V (2048-bit vectors), a compile-time constant for {@link Gemm}'s gather scratch. */
    static final int MAX_LANES = 64;
    /** Rows of the micro-kernel tile (a compile-time constant: {@link Gemm} reads it without loading this class). */
    static final int MR = 6;
    /** Whether the 8-row strided kernel fits the registers (16 accumulators: AVX-512's 32 registers). */
    static final boolean WIDE = V >= 16;
    /** Columns of a full panel. */
    static final int NR = 2 * V;
    /** How {@link #pack} transposes a B whose columns are contiguous (mmT's B): see {@link #TRANSPOSE}. */
    static final int COPY = 0, GATHER = 1, SHUFFLE = 2;
    /**
     * The transposed packing this JVM uses: with 16 lanes, 16 x 16 blocks transposed in registers
     * ({@link #transpose16}; JDK 17 and 25 both compile its rotations and blends to single
     * instructions); else gathers where C2 intrinsifies {@code FloatVector.fromArray} with an index map
     * (JDK 21 and later; JDK 17's falls back to Java code that allocates); else a scalar copy.
     */
    static final int TRANSPOSE = V == 16 ? SHUFFLE : Runtime.version().feature() >= 21 ? GATHER : COPY;
    /**
     * K block: a 1024 x 32-float panel slice (128 KiB with 512-bit vectors) stays in L2 while the row
     * blocks stream it; a row block's step needs 128 bytes of B per 12 FMAs, well within L2's bandwidth.
     * Measured on Zen 5 (1 thread), KC 256 vs 1024: the MLP's 60x784 · (100x784)ᵀ 193 -> 208 GFLOP/s
     * (the fourth block of 16 rows of K is gone), 1024^3 175 -> 186, 512^3 and 256^3 within noise.
     */
    private static final int KC = 1024;

    /** Per-thread scratch: the tile that reaches past column N, and A packed for the kernels. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private GemmSimd() {}

    /** Width of the panel starting at column j0. */
    private static int panelWidth(int n, int j0) {
        return n - j0 > V ? NR : V;
    }

    /**
     * Row stride of a packed panel of width w holding cols columns: w, except for a last one-vector
     * panel of a few columns on AVX-512, which is packed at cols rounded up to 4 (N = 100: the last 4
     * columns at stride 4, not 16). The 8-row kernel reads it as whole vectors (lanes past column N
     * hold the next values of p and are never stored), so K x 16 floats of mostly zeros (50 KB for K =
     * 784, more than L1) shrink to K x 4, beside the 8 rows of A the tile streams: the 4 columns of the
     * MLP's 256 x 784 · (100 x 784)ᵀ 76 -> 60 us (Intel Xeon, JDK 25). Each panel keeps its K x w
     * floats of room, so a whole-vector read past the narrow panel's last value stays inside the buffer.
     */
    static int packedStride(int w, int cols) {
        return WIDE && w == V && cols < V ? (cols + 3) & ~3 : w;
    }

    /**
     * Packs B(p,j) = b[bOff + p*brs + j*bcs] into panels; returns {@code buf}, grown if too small.
     * {@code idx} is scratch of at least V ints (the gather offsets); {@code transpose} selects how a
     * transposed B (brs == 1) is copied: {@link #COPY}, {@link #GATHER} or {@link #SHUFFLE} (16 lanes
     * only); production uses {@link #TRANSPOSE}, the tests all of them.
     */
    static float[] pack(float[] buf, int[] idx, float[] b, int bOff, int brs, int bcs, int n, int k, int transpose) {
        boolean gather = transpose == GATHER;
        long need = (long) k * ((n + V - 1) / V) * V;
        if (need > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Gemm: K*N too large to pack: k=" + k + " n=" + n);
        }
        if (buf.length < need) {
            buf = new float[(int) need];
        }
        if (brs == 1 && gather) {
            for (int l = 0; l < V; l++) {
                idx[l] = l * bcs; // gather offsets: V columns of a transposed B, bcs apart
            }
        }
        for (int j0 = 0; j0 < n; ) {
            int w = panelWidth(n, j0);
            int cols = Math.min(w, n - j0);
            int ws = packedStride(w, cols);
            int base = j0 * k;
            if (bcs == 1 && cols == w) {
                // rows of B are contiguous: copy a row segment per p
                for (int p = 0; p < k; p++) {
                    System.arraycopy(b, bOff + p * brs + j0, buf, base + p * ws, w);
                }
            } else if (bcs == 1) {
                copyNarrow(buf, base, ws, b, bOff + j0, brs, cols, k);
            } else if (brs == 1 && transpose == SHUFFLE && V == 16) {
                // B transposed, 16 lanes: 16 x 16 blocks through registers, the last k % 16 values of p as
                // below. Columns past the last whole block of a panel of 16 or more: one more block that
                // overlaps the one before (its first columns written twice, with the same values), instead of
                // the scalar copy below (the swapped MLP product at batch 60 packs x's 60 rows: 28 = 16 + 12
                // columns in the second panel); the padding, and the columns of a narrower panel, as below.
                int src = bOff + j0 * bcs;
                int full = cols >= V ? cols : 0;
                int kFull = k - k % V;
                for (int blk = 0; blk < full; blk += V) {
                    int jj0 = Math.min(blk, cols - V);
                    int sj = src + jj0 * bcs;
                    for (int p0 = 0; p0 < kFull; p0 += V) {
                        transpose16(buf, base + p0 * ws + jj0, ws, b, sj, bcs, p0);
                    }
                    for (int p = kFull; p < k; p++) {
                        int dst = base + p * ws + jj0;
                        for (int t = 0; t < V; t++) {
                            buf[dst + t] = b[sj + t * bcs + p];
                        }
                    }
                }
                transposeColumns(buf, base, ws, b, src, bcs, full, cols, k);
            } else if (brs == 1 && gather) {
                // B transposed (mmT), JDK 21+: one p row of the panel is V floats bcs apart, a gather
                // (vgatherdps) per V columns; the last < V columns and the padding as below.
                int src = bOff + j0 * bcs;
                int full = cols - cols % V;
                for (int jj0 = 0; jj0 < full; jj0 += V) {
                    int sj = src + jj0 * bcs;
                    for (int p = 0; p < k; p++) {
                        FloatVector.fromArray(S, b, sj + p, idx, 0).intoArray(buf, base + p * ws + jj0);
                    }
                }
                transposeColumns(buf, base, ws, b, src, bcs, full, cols, k);
            } else if (brs == 1) {
                // B transposed (mmT) on JDK 17, whose C2 does not intrinsify the gather (it allocates)
                transposeColumns(buf, base, ws, b, bOff + j0 * bcs, bcs, 0, cols, k);
            } else {
                // general strides (not used by Gemm's three products)
                int src = bOff + j0 * bcs;
                for (int p = 0; p < k; p++) {
                    int dst = base + p * ws;
                    int sp = src + p * brs;
                    for (int jj = 0; jj < cols; jj++) {
                        buf[dst + jj] = b[sp + jj * bcs];
                    }
                    for (int jj = cols; jj < ws; jj++) {
                        buf[dst + jj] = 0f;
                    }
                }
            }
            j0 += w;
        }
        return buf;
    }

    /*
     * transpose16's constants: ROT_UPd moves lane l - d to lane l (rotating: the lanes that wrap are
     * blended away), ROT_DOWNd moves lane l + d to lane l; HIGHd selects the lanes with bit d set, LOWd the others.
     */
    private static final VectorShuffle<Float> ROT_UP8 = rotation(-8), ROT_DOWN8 = rotation(8);
    private static final VectorShuffle<Float> ROT_UP4 = rotation(-4), ROT_DOWN4 = rotation(4);
    private static final VectorShuffle<Float> ROT_UP2 = rotation(-2), ROT_DOWN2 = rotation(2);
    private static final VectorShuffle<Float> ROT_UP1 = rotation(-1), ROT_DOWN1 = rotation(1);
    private static final VectorMask<Float> HIGH8 = lanesWithBit(8, true), LOW8 = lanesWithBit(8, false);
    private static final VectorMask<Float> HIGH4 = lanesWithBit(4, true), LOW4 = lanesWithBit(4, false);
    private static final VectorMask<Float> HIGH2 = lanesWithBit(2, true), LOW2 = lanesWithBit(2, false);
    private static final VectorMask<Float> HIGH1 = lanesWithBit(1, true), LOW1 = lanesWithBit(1, false);

    /** Lane l takes lane (l + by) mod V. */
    private static VectorShuffle<Float> rotation(int by) {
        return VectorShuffle.fromOp(S, l -> Math.floorMod(l + by, V));
    }

    /** The lanes l with (l & bit) != 0 (set) or == 0 (not set). */
    private static VectorMask<Float> lanesWithBit(int bit, boolean set) {
        boolean[] m = new boolean[V];
        for (int l = 0; l < V; l++) {
            m[l] = ((l & bit) != 0) == set;
        }
        return VectorMask.fromArray(S, m, 0);
    }

    /**
     * dst (cols x rows) = src (rows x cols) transposed, both row-major, 16 lanes and rows, cols >= 16: 16 x
     * 16 blocks through registers ({@link #transpose16}), the last block of each direction overlapping
     * the one before (those floats written twice, the same values). The swapped A·Bᵀ's C at batch 60
     * (100 x 60) went through a scalar element loop.
     */
    static void transpose(float[] src, int sOff, int rows, int cols, float[] dst, int dOff) {
        for (int bi = 0; bi < rows; bi += V) {
            int i0 = Math.min(bi, rows - V);
            for (int bj = 0; bj < cols; bj += V) {
                int j0 = Math.min(bj, cols - V);
                transpose16(dst, dOff + j0 * rows + i0, rows, src, sOff + i0 * cols, cols, j0);
            }
        }
    }

    /**
     * A 16 x 16 block of a transposed B into a panel: the 16 columns j = sj + t*bcs (t < 16) over
     * p0 .. p0 + 15 (16 contiguous floats each) are loaded as 16 vectors, transposed in registers, and
     * p's vector of the 16 columns stored at {@code buf[dst + (p - p0)*w]}. The transpose swaps the
     * off-diagonal d x d blocks of every 2d x 2d block, for d = 8, 4, 2, 1: per pair of rows (r, r + d)
     * one lane rotation and one blend each. 64 rotations for 256 floats, against 16 sixteen-lane gathers
     * (1.4 cycles a float on Zen 5: 27 of the 214 us of a 256 x 100 x 784 mmT). Only moves floats: the
     * same panels as the other packings.
     */
    private static void transpose16(float[] buf, int dst, int w, float[] b, int sj, int bcs, int p0) {
        FloatVector v0 = FloatVector.fromArray(S, b, sj + p0);
        FloatVector v1 = FloatVector.fromArray(S, b, sj + 1 * bcs + p0);
        FloatVector v2 = FloatVector.fromArray(S, b, sj + 2 * bcs + p0);
        FloatVector v3 = FloatVector.fromArray(S, b, sj + 3 * bcs + p0);
        FloatVector v4 = FloatVector.fromArray(S, b, sj + 4 * bcs + p0);
        FloatVector v5 = FloatVector.fromArray(S, b, sj + 5 * bcs + p0);
        FloatVector v6 = FloatVector.fromArray(S, b, sj + 6 * bcs + p0);
        FloatVector v7 = FloatVector.fromArray(S, b, sj + 7 * bcs + p0);
        FloatVector v8 = FloatVector.fromArray(S, b, sj + 8 * bcs + p0);
        FloatVector v9 = FloatVector.fromArray(S, b, sj + 9 * bcs + p0);
        FloatVector v10 = FloatVector.fromArray(S, b, sj + 10 * bcs + p0);
        FloatVector v11 = FloatVector.fromArray(S, b, sj + 11 * bcs + p0);
        FloatVector v12 = FloatVector.fromArray(S, b, sj + 12 * bcs + p0);
        FloatVector v13 = FloatVector.fromArray(S, b, sj + 13 * bcs + p0);
        FloatVector v14 = FloatVector.fromArray(S, b, sj + 14 * bcs + p0);
        FloatVector v15 = FloatVector.fromArray(S, b, sj + 15 * bcs + p0);
        FloatVector t;
        // d = 8: row r takes lanes l with (l & 8) != 0 from row r + 8 (lane l - 8); row r + 8 takes the others from r (lane l + 8)
        t = v0;
        v0 = t.blend(v8.rearrange(ROT_UP8), HIGH8);
        v8 = v8.blend(t.rearrange(ROT_DOWN8), LOW8);
        t = v1;
        v1 = t.blend(v9.rearrange(ROT_UP8), HIGH8);
        v9 = v9.blend(t.rearrange(ROT_DOWN8), LOW8);
        t = v2;
        v2 = t.blend(v10.rearrange(ROT_UP8), HIGH8);
        v10 = v10.blend(t.rearrange(ROT_DOWN8), LOW8);
        t = v3;
        v3 = t.blend(v11.rearrange(ROT_UP8), HIGH8);
        v11 = v11.blend(t.rearrange(ROT_DOWN8), LOW8);
        t = v4;
        v4 = t.blend(v12.rearrange(ROT_UP8), HIGH8);
        v12 = v12.blend(t.rearrange(ROT_DOWN8), LOW8);
        t = v5;
        v5 = t.blend(v13.rearrange(ROT_UP8), HIGH8);
        v13 = v13.blend(t.rearrange(ROT_DOWN8), LOW8);
        t = v6;
        v6 = t.blend(v14.rearrange(ROT_UP8), HIGH8);
        v14 = v14.blend(t.rearrange(ROT_DOWN8), LOW8);
        t = v7;
        v7 = t.blend(v15.rearrange(ROT_UP8), HIGH8);
        v15 = v15.blend(t.rearrange(ROT_DOWN8), LOW8);
        // d = 4: row r takes lanes l with (l & 4) != 0 from row r + 4 (lane l - 4); row r + 4 takes the others from r (lane l + 4)
        t = v0;
        v0 = t.blend(v4.rearrange(ROT_UP4), HIGH4);
        v4 = v4.blend(t.rearrange(ROT_DOWN4), LOW4);
        t = v1;
        v1 = t.blend(v5.rearrange(ROT_UP4), HIGH4);
        v5 = v5.blend(t.rearrange(ROT_DOWN4), LOW4);
        t = v2;
        v2 = t.blend(v6.rearrange(ROT_UP4), HIGH4);
        v6 = v6.blend(t.rearrange(ROT_DOWN4), LOW4);
        t = v3;
        v3 = t.blend(v7.rearrange(ROT_UP4), HIGH4);
        v7 = v7.blend(t.rearrange(ROT_DOWN4), LOW4);
        t = v8;
        v8 = t.blend(v12.rearrange(ROT_UP4), HIGH4);
        v12 = v12.blend(t.rearrange(ROT_DOWN4), LOW4);
        t = v9;
        v9 = t.blend(v13.rearrange(ROT_UP4), HIGH4);
        v13 = v13.blend(t.rearrange(ROT_DOWN4), LOW4);
        t = v10;
        v10 = t.blend(v14.rearrange(ROT_UP4), HIGH4);
        v14 = v14.blend(t.rearrange(ROT_DOWN4), LOW4);
        t = v11;
        v11 = t.blend(v15.rearrange(ROT_UP4), HIGH4);
        v15 = v15.blend(t.rearrange(ROT_DOWN4), LOW4);
        // d = 2: row r takes lanes l with (l & 2) != 0 from row r + 2 (lane l - 2); row r + 2 takes the others from r (lane l + 2)
        t = v0;
        v0 = t.blend(v2.rearrange(ROT_UP2), HIGH2);
        v2 = v2.blend(t.rearrange(ROT_DOWN2), LOW2);
        t = v1;
        v1 = t.blend(v3.rearrange(ROT_UP2), HIGH2);
        v3 = v3.blend(t.rearrange(ROT_DOWN2), LOW2);
        t = v4;
        v4 = t.blend(v6.rearrange(ROT_UP2), HIGH2);
        v6 = v6.blend(t.rearrange(ROT_DOWN2), LOW2);
        t = v5;
        v5 = t.blend(v7.rearrange(ROT_UP2), HIGH2);
        v7 = v7.blend(t.rearrange(ROT_DOWN2), LOW2);
        t = v8;
        v8 = t.blend(v10.rearrange(ROT_UP2), HIGH2);
        v10 = v10.blend(t.rearrange(ROT_DOWN2), LOW2);
        t = v9;
        v9 = t.blend(v11.rearrange(ROT_UP2), HIGH2);
        v11 = v11.blend(t.rearrange(ROT_DOWN2), LOW2);
        t = v12;
        v12 = t.blend(v14.rearrange(ROT_UP2), HIGH2);
        v14 = v14.blend(t.rearrange(ROT_DOWN2), LOW2);
        t = v13;
        v13 = t.blend(v15.rearrange(ROT_UP2), HIGH2);
        v15 = v15.blend(t.rearrange(ROT_DOWN2), LOW2);
        // d = 1: row r takes lanes l with (l & 1) != 0 from row r + 1 (lane l - 1); row r + 1 takes the others from r (lane l + 1)
        t = v0;
        v0 = t.blend(v1.rearrange(ROT_UP1), HIGH1);
        v1 = v1.blend(t.rearrange(ROT_DOWN1), LOW1);
        t = v2;
        v2 = t.blend(v3.rearrange(ROT_UP1), HIGH1);
        v3 = v3.blend(t.rearrange(ROT_DOWN1), LOW1);
        t = v4;
        v4 = t.blend(v5.rearrange(ROT_UP1), HIGH1);
        v5 = v5.blend(t.rearrange(ROT_DOWN1), LOW1);
        t = v6;
        v6 = t.blend(v7.rearrange(ROT_UP1), HIGH1);
        v7 = v7.blend(t.rearrange(ROT_DOWN1), LOW1);
        t = v8;
        v8 = t.blend(v9.rearrange(ROT_UP1), HIGH1);
        v9 = v9.blend(t.rearrange(ROT_DOWN1), LOW1);
        t = v10;
        v10 = t.blend(v11.rearrange(ROT_UP1), HIGH1);
        v11 = v11.blend(t.rearrange(ROT_DOWN1), LOW1);
        t = v12;
        v12 = t.blend(v13.rearrange(ROT_UP1), HIGH1);
        v13 = v13.blend(t.rearrange(ROT_DOWN1), LOW1);
        t = v14;
        v14 = t.blend(v15.rearrange(ROT_UP1), HIGH1);
        v15 = v15.blend(t.rearrange(ROT_DOWN1), LOW1);
        v0.intoArray(buf, dst);
        v1.intoArray(buf, dst + 1 * w);
        v2.intoArray(buf, dst + 2 * w);
        v3.intoArray(buf, dst + 3 * w);
        v4.intoArray(buf, dst + 4 * w);
        v5.intoArray(buf, dst + 5 * w);
        v6.intoArray(buf, dst + 6 * w);
        v7.intoArray(buf, dst + 7 * w);
        v8.intoArray(buf, dst + 8 * w);
        v9.intoArray(buf, dst + 9 * w);
        v10.intoArray(buf, dst + 10 * w);
        v11.intoArray(buf, dst + 11 * w);
        v12.intoArray(buf, dst + 12 * w);
        v13.intoArray(buf, dst + 13 * w);
        v14.intoArray(buf, dst + 14 * w);
        v15.intoArray(buf, dst + 15 * w);
    }

    /**
     * A last panel narrower than its stride ws, from B's rows (B(p, jj) = b[src + p*brs + jj]): an element
     * loop, zero-padded to ws (a System.arraycopy call per p for a few floats cost more than the copy: 72
     * rows of 4 floats 0.75 us of a 2.9 us 16x196x72).
     */
    private static void copyNarrow(float[] buf, int base, int ws, float[] b, int src, int brs, int cols, int k) {
        for (int p = 0; p < k; p++) {
            int dst = base + p * ws;
            int sp = src + p * brs;
            for (int jj = 0; jj < cols; jj++) {
                buf[dst + jj] = b[sp + jj];
            }
            for (int jj = cols; jj < ws; jj++) {
                buf[dst + jj] = 0f;
            }
        }
    }

    /**
     * Columns [from, cols) of a transposed-B panel, and zero padding up to w: column jj of the panel is
     * b[src + jj*bcs + p]. Four columns at a time, so each p writes four adjacent floats while four
     * source rows stream in; every index is (invariant + p) or (invariant + p*w), which lets C2 drop the
     * bounds checks. About 4x slower than the gather (28 vs 7 us for a 784 x 100 weight).
     */
    private static void transposeColumns(float[] buf, int base, int w, float[] b, int src, int bcs,
                                         int from, int cols, int k) {
        int jj = from;
        for (; jj + 4 <= cols; jj += 4) {
            int s0 = src + jj * bcs, s1 = s0 + bcs, s2 = s1 + bcs, s3 = s2 + bcs;
            int d = base + jj;
            for (int p = 0; p < k; p++) {
                int dp = d + p * w;
                buf[dp] = b[s0 + p];
                buf[dp + 1] = b[s1 + p];
                buf[dp + 2] = b[s2 + p];
                buf[dp + 3] = b[s3 + p];
            }
        }
        for (; jj < cols; jj++) {
            int s0 = src + jj * bcs;
            int d = base + jj;
            for (int p = 0; p < k; p++) {
                buf[d + p * w] = b[s0 + p];
            }
        }
        for (; jj < w; jj++) {
            for (int p = 0; p < k; p++) {
                buf[base + jj + p * w] = 0f;
            }
        }
    }

    /**
     * C rows [i0, i1), C(i,j) = c[cOff + i*ldc + j] for j < n, from A(i,p) = a[aOff + i*ars + p*acs]
     * and B. B is either packed panels
     * ({@code ldb == 0}: {@code pb} as {@link #pack} writes it) or read in place ({@code ldb > 0}:
     * B(p,j) = pb[bOff + p*ldb + j], rows contiguous along j): a full 2V panel is then streamed straight
     * from B by the strided kernels, and a last, narrower panel is copied (K x w floats, zero-padded)
     * into a per-thread buffer. The kernels read A rows contiguous along K; an A whose K stride is not 1
     * (mTm's transposed A) is first copied, one K block at a time, into a per-thread buffer of rows
     * {@code apack[(i - i0)*kc + pp]}.
     */
    static void rows(float[] c, int cOff, float[] a, int aOff, int ars, int acs, float[] pb, int bOff, int ldb,
                     int n, int ldc, int k, int i0, int i1, boolean accumulate) {
        if (k == 0 && !accumulate) {
            for (int i = i0; i < i1; i++) {
                java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f); // no K block to write C
            }
        }
        Scratch scratch = SCRATCH.get();
        // K blocks of KC keep a panel slice (KC x 2V floats) in L1 while every row block streams it;
        // the accumulators restart from C in each block, so every element's FMA chain is unchanged.
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = Math.min(KC, k - p0);
            // not accumulating, the first block's accumulators start from zeros instead of C (the same
            // chains as C cleared first, +0 either way): C is only written. Clearing it and reading it
            // back cost nn[60,784,100] 6 of its 77 us and tn[100,784,60] 7 of 83 (K = 100 and 60).
            boolean zero = p0 == 0 && !accumulate;
            float[] ak;
            int aBase;
            int aRs;
            if (acs == 1) {
                ak = a;
                aBase = aOff + p0;
                aRs = ars;
            } else {
                ak = scratch.packA(a, aOff + p0 * acs, ars, acs, i0, i1, kc);
                aBase = -i0 * kc;
                aRs = kc;
            }
            for (int j0 = 0; j0 < n; ) {
                int w = panelWidth(n, j0);
                int cols = Math.min(w, n - j0);
                if (ldb > 0 && cols == NR) {
                    // B in place: the strided 2V kernels (same chains as the packed ones)
                    int bq = bOff + p0 * ldb + j0;
                    int i = i0;
                    if (WIDE) {
                        for (; i + 12 <= i1; i += 12) {
                            strided12x2(zero, c, cOff + i * ldc + j0, ldc, ak, aBase + i * aRs, aRs, pb, bq, ldb, kc);
                        }
                    }
                    // AVX-512 (32 registers): 8 rows at a time while the rows left are a multiple of 8
                    // and not of 6 (M = 8, 16: one tile instead of a 6-row and a 2- or 4-row one)
                    if (WIDE && (i1 - i) % 8 == 0 && (i1 - i) % MR != 0) {
                        for (; i + 8 <= i1; i += 8) {
                            strided8x2(zero, c, cOff + i * ldc + j0, ldc, ak, aBase + i * aRs, aRs, pb, bq, ldb, kc);
                        }
                    }
                    for (; i + MR <= i1; i += MR) {
                        strided6x2(zero, c, cOff + i * ldc + j0, ldc, ak, aBase + i * aRs, aRs, pb, bq, ldb, kc);
                    }
                    stridedLeftoverRows(zero, c, cOff + i * ldc + j0, ldc, i1 - i, ak, aBase + i * aRs, aRs, pb, bq, ldb, kc);
                    j0 += w;
                    continue;
                }
                // a panel of one vector on AVX-512 runs in 8-row tiles first (the 6x1 tile's 6 accumulators
                // wait on the FMA latency; 8 keep both FMA pipes busy). Those read the panel as whole vectors
                // at its stride ps: a packed panel (stride w, or narrower: packedStride) or, when every row
                // goes through the 8-row tile, B itself (stride ldb; M = 16, N = 196, K = 72, the CNN's conv2
                // on im2col with slack: 2.9 -> 2.4 us); lanes past column N read the next values and are
                // never stored. The other tiles read a panel of stride w: a zero-padded copy otherwise (for B
                // in place, as before, for the 8-row tiles too: reading it in place there was not faster on
                // nn[60,784,100], 74-79 against 70-77 us).
                boolean eight = WIDE && w == V;
                int ps = ldb > 0 ? ldb : packedStride(w, cols);
                int pOff = ldb > 0 ? bOff + p0 * ldb + j0 : j0 * k + p0 * ps;
                float[] bp = pb;
                if (ps != w && !(eight && (ldb == 0 || (i1 - i0) % 8 == 0) && pOff + (long) (kc - 1) * ps + V <= pb.length)) {
                    bp = scratch.packEdge(pb, pOff, ps, kc, cols);
                    pOff = 0;
                    ps = w;
                }
                float[] edge = scratch.edge;
                int i = i0;
                if (eight) {
                    for (; i + 8 <= i1; i += 8) {
                        if (cols == w) {
                            strided8x1(zero, c, cOff + i * ldc + j0, ldc, ak, aBase + i * aRs, aRs, bp, pOff, ps, kc);
                        } else {
                            narrow8x1(zero, c, cOff + i * ldc + j0, ldc, cols, edge, ak, aBase + i * aRs, aRs, bp, pOff, ps, kc);
                        }
                    }
                }
                if (i < i1 && ps != w) {
                    // the rows a narrow packed panel's 8-row tiles left
                    bp = scratch.packEdge(pb, pOff, ps, kc, cols);
                    pOff = 0;
                }
                if (cols == w) {
                    if (WIDE && w == NR) {
                        for (; i + 12 <= i1; i += 12) {
                            strided12x2(zero, c, cOff + i * ldc + j0, ldc, ak, aBase + i * aRs, aRs, bp, pOff, w, kc);
                        }
                    }
                    for (; i + MR <= i1; i += MR) {
                        tile(zero, w, c, cOff + i * ldc + j0, ldc, ak, aBase + i * aRs, aRs, bp, pOff, kc);
                    }
                    leftoverRows(zero, w, c, cOff + i * ldc + j0, ldc, i1 - i, ak, aBase + i * aRs, aRs, bp, pOff, kc);
                } else {
                    for (; i < i1; i += MR) {
                        int rows = Math.min(MR, i1 - i);
                        int ci = cOff + i * ldc + j0;
                        for (int r = 0; r < rows && !zero; r++) {
                            System.arraycopy(c, ci + r * ldc, edge, r * w, cols);
                        }
                        if (rows == MR) {
                            tile(zero, w, edge, 0, w, ak, aBase + i * aRs, aRs, bp, pOff, kc);
                        } else {
                            leftoverRows(zero, w, edge, 0, w, rows, ak, aBase + i * aRs, aRs, bp, pOff, kc);
                        }
                        for (int r = 0; r < rows; r++) {
                            System.arraycopy(edge, r * w, c, ci + r * ldc, cols);
                        }
                    }
                }
                j0 += w;
            }
        }
    }

    /** Per-thread buffers of {@link #rows}: the edge tile, a narrow B panel and the packed rows of a transposed A. */
    private static final class Scratch {
        final float[] edge = new float[MR * NR];
        private float[] apack = new float[0];
        private float[] bedge = new float[0];

        /**
         * The panel of B(pp, jj) = b[src + pp*ldb + jj], pp < kc, jj < cols, as the tiles other than the
         * 8-row one read it: stride w (the width the caller computed for cols columns), zero-padded.
         */
        float[] packEdge(float[] b, int src, int ldb, int kc, int cols) {
            int w = panelWidth(cols, 0);
            if (bedge.length < kc * w) {
                bedge = new float[kc * w];
            }
            copyNarrow(bedge, 0, w, b, src, ldb, cols, kc);
            return bedge;
        }

        /** Copies A(i, pp) = a[aP + i*ars + pp*acs], i in [i0, i1), pp < kc, to rows apack[(i-i0)*kc + pp]. */
        float[] packA(float[] a, int aP, int ars, int acs, int i0, int i1, int kc) {
            int need = (i1 - i0) * kc;
            if (apack.length < need) {
                apack = new float[need];
            }
            float[] dst = apack;
            int ib = i0;
            if (ars == 1 && TRANSPOSE == SHUFFLE && V == 16) {
                // A's rows i contiguous for each pp (mTm's A): 16 x 16 blocks through registers, as in
                // pack, 16 rows at a time; the rows left by the loop below, the last kc % 16 values of pp
                // here. mlp.step[batch=256] (its first layer's dW copies 100 x 256 of A) 0.85 -> 0.77 ms.
                int kFull = kc - kc % V;
                for (; ib + V <= i1; ib += V) {
                    for (int pp0 = 0; pp0 < kFull; pp0 += V) {
                        transpose16(dst, (ib - i0) * kc + pp0, kc, a, aP + ib + pp0 * acs, acs, 0);
                    }
                    for (int pp = kFull; pp < kc; pp++) {
                        int src = aP + pp * acs;
                        for (int i = ib, d = (ib - i0) * kc + pp; i < ib + V; i++, d += kc) {
                            dst[d] = a[src + i];
                        }
                    }
                }
            }
            // eight rows at a time: each p writes into eight destination rows whose lines stay in L1
            // (one sweep over all rows per p wrote lines 4*kc bytes apart, which alias in L1's sets:
            // the copy then took 43% of a 256^3 mTm)
            for (; ib < i1; ib += 8) {
                int ie = Math.min(i1, ib + 8);
                for (int pp = 0; pp < kc; pp++) {
                    int src = aP + pp * acs;
                    for (int i = ib, d = (ib - i0) * kc + pp; i < ie; i++, d += kc) {
                        dst[d] = a[src + i * ars];
                    }
                }
            }
            return dst;
        }
    }

    /**
     * Zeros in place of C's values: a tile loads C at c[i] as {@code FloatVector.fromArray(S, zero ?
     * ZEROS : c, zero ? 0 : i)}, zeros when the product starts from zero ({@code zero}: not
     * accumulating, first K block). One load from either array, so no vector is merged at a branch (C2
     * keeps vectors in registers only when it can see every one it builds). Written out at each use,
     * not as a helper: a helper of ours returning a vector has no {@code @ForceInline}, and a JDK 17
     * compile of {@link #rows} that reached its node budget (NodeCountInliningCutoff, 2 JVMs of 20
     * training the CNN then the paper MLP on 2 threads) left it a call and boxed every C vector:
     * 122 KB per MLP step.
     */
    private static final float[] ZEROS = new float[V];

    private static void tile(boolean zero, int w, float[] c, int ci, int n, float[] a, int ai, int ars,
                             float[] pb, int pOff, int k) {
        if (w == NR) {
            tile6x2(zero, c, ci, n, a, ai, ars, pb, pOff, k);
        } else {
            tile6x1(zero, c, ci, n, a, ai, ars, pb, pOff, k);
        }
    }

    /**
     * The last {@code rows} < MR rows of a row block: a 4-row tile, then a 2-row one, then the 1-row
     * kernel (e.g. 64 = 10*6 + 4, 32 = 5*6 + 2, 16 = 2*6 + 4). On the 1-row kernel every step is two
     * loads for two FMAs; the 4-row tile shares each load among four rows. Same chains either way.
     */
    private static void leftoverRows(boolean zero, int w, float[] c, int ci, int n, int rows, float[] a, int ai, int ars,
                                     float[] pb, int pOff, int k) {
        int r = 0;
        if (r + 4 <= rows) {
            if (w == NR) {
                tile4x2(zero, c, ci, n, a, ai, ars, pb, pOff, k);
            } else {
                tile4x1(zero, c, ci, n, a, ai, ars, pb, pOff, k);
            }
            r += 4;
        }
        if (r + 2 <= rows) {
            if (w == NR) {
                tile2x2(zero, c, ci + r * n, n, a, ai + r * ars, ars, pb, pOff, k);
            } else {
                tile2x1(zero, c, ci + r * n, n, a, ai + r * ars, ars, pb, pOff, k);
            }
            r += 2;
        }
        if (r < rows) {
            tile1(zero, w, c, ci + r * n, a, ai + r * ars, pb, pOff, k);
        }
    }

    private static void tile1(boolean zero, int w, float[] c, int ci, float[] a, int ai, float[] pb, int pOff, int k) {
        if (w == NR) {
            tile1x2(zero, c, ci, a, ai, pb, pOff, k);
        } else {
            tile1x1(zero, c, ci, a, ai, pb, pOff, k);
        }
    }

    // C(6, 2V) += A(6, k) · Bpanel(k, 2V): C at c[ci..] with row stride n; A(r,p) = a[ai + r*ars + p].
    // Every array index is (loop invariant + p) or (invariant + p*NR), so C2 hoists all bounds checks
    // out of the loop (with per-row pointers bumped by a variable stride it kept six checks per step:
    // 95 -> 123 GFLOP/s on a 384^3 product when they went).
    private static void tile6x2(boolean zero, float[] c, int ci, int n, float[] a, int ai, int ars,
                                float[] pb, int pOff, int k) {
        int r1 = ci + n, r2 = ci + 2 * n, r3 = ci + 3 * n, r4 = ci + 4 * n, r5 = ci + 5 * n;
        FloatVector c00 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci), c01 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci + V);
        FloatVector c10 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1), c11 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1 + V);
        FloatVector c20 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2), c21 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2 + V);
        FloatVector c30 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3), c31 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3 + V);
        FloatVector c40 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r4), c41 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r4 + V);
        FloatVector c50 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r5), c51 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r5 + V);
        int a0 = ai, a1 = ai + ars, a2 = ai + 2 * ars, a3 = ai + 3 * ars, a4 = ai + 4 * ars, a5 = ai + 5 * ars;
        // c_rj = fma(A(r,p), B(p, j-vector), c_rj), p ascending
        for (int p = 0; p < k; p++) {
            int q = pOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, q);
            FloatVector b1 = FloatVector.fromArray(S, pb, q + V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
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
    private static void tile6x1(boolean zero, float[] c, int ci, int n, float[] a, int ai, int ars,
                                float[] pb, int pOff, int k) {
        int r1 = ci + n, r2 = ci + 2 * n, r3 = ci + 3 * n, r4 = ci + 4 * n, r5 = ci + 5 * n;
        FloatVector c0 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci), c1 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1);
        FloatVector c2 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2), c3 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3);
        FloatVector c4 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r4), c5 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r5);
        int a0 = ai, a1 = ai + ars, a2 = ai + 2 * ars, a3 = ai + 3 * ars, a4 = ai + 4 * ars, a5 = ai + 5 * ars;
        // c_r = fma(A(r,p), B(p, vector), c_r), p ascending
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, pOff + p * V);
            c0 = FloatVector.broadcast(S, a[a0 + p]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + p]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + p]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[a4 + p]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[a5 + p]).fma(b0, c5);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, r1);
        c2.intoArray(c, r2);
        c3.intoArray(c, r3);
        c4.intoArray(c, r4);
        c5.intoArray(c, r5);
    }

    // C(4, 2V) += A(4, k) · Bpanel(k, 2V): four leftover rows (8 accumulators).
    private static void tile4x2(boolean zero, float[] c, int ci, int n, float[] a, int ai, int ars,
                                float[] pb, int pOff, int k) {
        int r1 = ci + n, r2 = ci + 2 * n, r3 = ci + 3 * n;
        FloatVector c00 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci), c01 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci + V);
        FloatVector c10 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1), c11 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1 + V);
        FloatVector c20 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2), c21 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2 + V);
        FloatVector c30 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3), c31 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3 + V);
        int a0 = ai, a1 = ai + ars, a2 = ai + 2 * ars, a3 = ai + 3 * ars;
        for (int p = 0; p < k; p++) {
            int q = pOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, q);
            FloatVector b1 = FloatVector.fromArray(S, pb, q + V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + V);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + V);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + V);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + V);
    }

    // C(4, V) += A(4, k) · Bpanel(k, V): four leftover rows of the narrow panel.
    private static void tile4x1(boolean zero, float[] c, int ci, int n, float[] a, int ai, int ars,
                                float[] pb, int pOff, int k) {
        int r1 = ci + n, r2 = ci + 2 * n, r3 = ci + 3 * n;
        FloatVector c0 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci), c1 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1);
        FloatVector c2 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2), c3 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3);
        int a0 = ai, a1 = ai + ars, a2 = ai + 2 * ars, a3 = ai + 3 * ars;
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, pOff + p * V);
            c0 = FloatVector.broadcast(S, a[a0 + p]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + p]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + p]).fma(b0, c3);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, r1);
        c2.intoArray(c, r2);
        c3.intoArray(c, r3);
    }

    // C(2, 2V) += A(2, k) · Bpanel(k, 2V): two leftover rows.
    private static void tile2x2(boolean zero, float[] c, int ci, int n, float[] a, int ai, int ars,
                                float[] pb, int pOff, int k) {
        int r1 = ci + n;
        FloatVector c00 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci), c01 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci + V);
        FloatVector c10 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1), c11 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1 + V);
        int a0 = ai, a1 = ai + ars;
        for (int p = 0; p < k; p++) {
            int q = pOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, q);
            FloatVector b1 = FloatVector.fromArray(S, pb, q + V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + V);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + V);
    }

    // C(2, V) += A(2, k) · Bpanel(k, V): two leftover rows of the narrow panel.
    private static void tile2x1(boolean zero, float[] c, int ci, int n, float[] a, int ai, int ars,
                                float[] pb, int pOff, int k) {
        int r1 = ci + n;
        FloatVector c0 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci), c1 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1);
        int a0 = ai, a1 = ai + ars;
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, pOff + p * V);
            c0 = FloatVector.broadcast(S, a[a0 + p]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b0, c1);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, r1);
    }

    // C(1, 2V) += A(1, k) · Bpanel(k, 2V): one leftover row.
    private static void tile1x2(boolean zero, float[] c, int ci, float[] a, int ai, float[] pb, int pOff, int k) {
        FloatVector c0 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci), c1 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci + V);
        for (int p = 0; p < k; p++) {
            int q = pOff + p * NR;
            FloatVector x = FloatVector.broadcast(S, a[ai + p]);
            c0 = x.fma(FloatVector.fromArray(S, pb, q), c0);
            c1 = x.fma(FloatVector.fromArray(S, pb, q + V), c1);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + V);
    }

    // C(1, V) += A(1, k) · Bpanel(k, V): one leftover row of the narrow panel.
    private static void tile1x1(boolean zero, float[] c, int ci, float[] a, int ai, float[] pb, int pOff, int k) {
        FloatVector c0 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci);
        for (int p = 0; p < k; p++) {
            c0 = FloatVector.broadcast(S, a[ai + p]).fma(FloatVector.fromArray(S, pb, pOff + p * V), c0);
        }
        c0.intoArray(c, ci);
    }

    // The strided kernels: the 2V kernels above with B read in place, B(p, j0 + jj) = pb[bq + p*ldb + jj].
    // A second copy on purpose: with the panel stride a variable instead of the constant NR, C2 keeps
    // the range checks of the B loads in the loop, which cost the packed path 12-14% (60x784x100:
    // 193 -> 170 GFLOP/s) when the two shared one kernel.

    /** The last rows < MR of a row block, B in place: as {@link #leftoverRows} for a 2V panel. */
    private static void stridedLeftoverRows(boolean zero, float[] c, int ci, int n, int rows, float[] a, int ai, int ars,
                                            float[] pb, int bq, int ldb, int k) {
        int r = 0;
        if (r + 4 <= rows) {
            strided4x2(zero, c, ci, n, a, ai, ars, pb, bq, ldb, k);
            r += 4;
        }
        if (r + 2 <= rows) {
            strided2x2(zero, c, ci + r * n, n, a, ai + r * ars, ars, pb, bq, ldb, k);
            r += 2;
        }
        if (r < rows) {
            strided1x2(zero, c, ci + r * n, a, ai + r * ars, pb, bq, ldb, k);
        }
    }

    /**
     * {@link #strided6x2} for 12 rows (AVX-512 only: 24 accumulators, two B vectors and a broadcast fit
     * the 32 registers): each B load feeds 12 FMAs instead of 6, so a step is 2 loads and 12 broadcasts
     * per 24 FMAs. Same chains as every other tile.
     */
    private static void strided12x2(boolean zero, float[] c, int ci, int n, float[] a, int ai, int ars,
                                    float[] pb, int bq, int ldb, int k) {
        int r0 = ci + 0 * n, a0 = ai + 0 * ars;
        int r1 = ci + 1 * n, a1 = ai + 1 * ars;
        int r2 = ci + 2 * n, a2 = ai + 2 * ars;
        int r3 = ci + 3 * n, a3 = ai + 3 * ars;
        int r4 = ci + 4 * n, a4 = ai + 4 * ars;
        int r5 = ci + 5 * n, a5 = ai + 5 * ars;
        int r6 = ci + 6 * n, a6 = ai + 6 * ars;
        int r7 = ci + 7 * n, a7 = ai + 7 * ars;
        int r8 = ci + 8 * n, a8 = ai + 8 * ars;
        int r9 = ci + 9 * n, a9 = ai + 9 * ars;
        int r10 = ci + 10 * n, a10 = ai + 10 * ars;
        int r11 = ci + 11 * n, a11 = ai + 11 * ars;
        FloatVector c00 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r0), c01 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r0 + V);
        FloatVector c10 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1), c11 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1 + V);
        FloatVector c20 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2), c21 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2 + V);
        FloatVector c30 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3), c31 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3 + V);
        FloatVector c40 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r4), c41 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r4 + V);
        FloatVector c50 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r5), c51 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r5 + V);
        FloatVector c60 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r6), c61 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r6 + V);
        FloatVector c70 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r7), c71 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r7 + V);
        FloatVector c80 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r8), c81 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r8 + V);
        FloatVector c90 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r9), c91 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r9 + V);
        FloatVector c100 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r10), c101 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r10 + V);
        FloatVector c110 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r11), c111 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r11 + V);
        for (int p = 0; p < k; p++) {
            int q = bq + p * ldb;
            FloatVector b0 = FloatVector.fromArray(S, pb, q);
            FloatVector b1 = FloatVector.fromArray(S, pb, q + V);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
            c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(b0, c10);
            c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(b0, c20);
            c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(b0, c30);
            c31 = x3.fma(b1, c31);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x4.fma(b0, c40);
            c41 = x4.fma(b1, c41);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x5.fma(b0, c50);
            c51 = x5.fma(b1, c51);
            FloatVector x6 = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x6.fma(b0, c60);
            c61 = x6.fma(b1, c61);
            FloatVector x7 = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x7.fma(b0, c70);
            c71 = x7.fma(b1, c71);
            FloatVector x8 = FloatVector.broadcast(S, a[a8 + p]);
            c80 = x8.fma(b0, c80);
            c81 = x8.fma(b1, c81);
            FloatVector x9 = FloatVector.broadcast(S, a[a9 + p]);
            c90 = x9.fma(b0, c90);
            c91 = x9.fma(b1, c91);
            FloatVector x10 = FloatVector.broadcast(S, a[a10 + p]);
            c100 = x10.fma(b0, c100);
            c101 = x10.fma(b1, c101);
            FloatVector x11 = FloatVector.broadcast(S, a[a11 + p]);
            c110 = x11.fma(b0, c110);
            c111 = x11.fma(b1, c111);
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + V);
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
        c60.intoArray(c, r6);
        c61.intoArray(c, r6 + V);
        c70.intoArray(c, r7);
        c71.intoArray(c, r7 + V);
        c80.intoArray(c, r8);
        c81.intoArray(c, r8 + V);
        c90.intoArray(c, r9);
        c91.intoArray(c, r9 + V);
        c100.intoArray(c, r10);
        c101.intoArray(c, r10 + V);
        c110.intoArray(c, r11);
        c111.intoArray(c, r11 + V);
    }

    private static void strided6x2(boolean zero, float[] c, int ci, int n, float[] a, int ai, int ars,
                                float[] pb, int bq, int ldb, int k) {
        int r1 = ci + n, r2 = ci + 2 * n, r3 = ci + 3 * n, r4 = ci + 4 * n, r5 = ci + 5 * n;
        FloatVector c00 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci), c01 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci + V);
        FloatVector c10 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1), c11 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1 + V);
        FloatVector c20 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2), c21 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2 + V);
        FloatVector c30 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3), c31 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3 + V);
        FloatVector c40 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r4), c41 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r4 + V);
        FloatVector c50 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r5), c51 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r5 + V);
        int a0 = ai, a1 = ai + ars, a2 = ai + 2 * ars, a3 = ai + 3 * ars, a4 = ai + 4 * ars, a5 = ai + 5 * ars;
        // c_rj = fma(A(r,p), B(p, j-vector), c_rj), p ascending
        for (int p = 0; p < k; p++) {
            int q = bq + p * ldb;
            FloatVector b0 = FloatVector.fromArray(S, pb, q);
            FloatVector b1 = FloatVector.fromArray(S, pb, q + V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
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

    private static void strided8x2(boolean zero, float[] c, int ci, int n, float[] a, int ai, int ars,
                                float[] pb, int bq, int ldb, int k) {
        int r1 = ci + n, r2 = ci + 2 * n, r3 = ci + 3 * n, r4 = ci + 4 * n, r5 = ci + 5 * n, r6 = ci + 6 * n, r7 = ci + 7 * n;
        FloatVector c00 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci), c01 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci + V);
        FloatVector c10 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1), c11 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1 + V);
        FloatVector c20 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2), c21 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2 + V);
        FloatVector c30 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3), c31 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3 + V);
        FloatVector c40 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r4), c41 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r4 + V);
        FloatVector c50 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r5), c51 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r5 + V);
        FloatVector c60 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r6), c61 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r6 + V);
        FloatVector c70 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r7), c71 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r7 + V);
        int a0 = ai, a1 = ai + ars, a2 = ai + 2 * ars, a3 = ai + 3 * ars, a4 = ai + 4 * ars, a5 = ai + 5 * ars, a6 = ai + 6 * ars, a7 = ai + 7 * ars;
        // c_rj = fma(A(r,p), B(p, j-vector), c_rj), p ascending
        for (int p = 0; p < k; p++) {
            int q = bq + p * ldb;
            FloatVector b0 = FloatVector.fromArray(S, pb, q);
            FloatVector b1 = FloatVector.fromArray(S, pb, q + V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
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
        c60.intoArray(c, r6);
        c61.intoArray(c, r6 + V);
        c70.intoArray(c, r7);
        c71.intoArray(c, r7 + V);
    }

    /**
     * {@link Gemm#rowDots} with K a multiple of V: y(i, j) = x(i, :) · w(j, :) for m rows of x and t
     * rows of w. Each dot product is one vector accumulator over p ascending (lane-wise FMAs), its lanes
     * then summed in lane order in float ({@link Lanes#sumLanes}' order: the same bits before and after
     * C2). Four rows of x by four of w at a time: 16 independent accumulators keep both FMA pipes busy,
     * where one row's four chains waited on the FMA latency and the lane sums (256 rows x 4 columns of
     * K = 784 on Zen 5: 22 -> 10 us). The grouping changes no bits: every element is the same chain.
     */
    static void rowDots(float[] y, int yOff, int ldy, float[] x, int xOff, int ldx, int m,
                        float[] w, int t, int k) {
        float[] lanes = DOT_LANES.get();
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int j = 0;
            for (; j + 4 <= t; j += 4) {
                dots4x4(lanes, x, xOff + i * ldx, ldx, w, j * k, k);
                for (int r = 0; r < 4; r++) {
                    for (int q = 0; q < 4; q++) {
                        y[yOff + (i + r) * ldy + j + q] = Lanes.sumLanes(lanes, (r * 4 + q) * V);
                    }
                }
            }
            for (; j < t; j++) {
                for (int r = 0; r < 4; r++) {
                    y[yOff + (i + r) * ldy + j] = dot(lanes, x, xOff + (i + r) * ldx, w, j * k, k);
                }
            }
        }
        for (; i < m; i++) {
            for (int j = 0; j < t; j++) {
                y[yOff + i * ldy + j] = dot(lanes, x, xOff + i * ldx, w, j * k, k);
            }
        }
    }

    /** Per-thread lane buffer of {@link #rowDots}: 16 accumulators' lanes. */
    private static final ThreadLocal<float[]> DOT_LANES = ThreadLocal.withInitial(() -> new float[16 * MAX_LANES]);

    /** One dot product x[xi..] · w[wi..] over k (a multiple of V): one accumulator, then its lane sum (via lanes). */
    private static float dot(float[] lanes, float[] x, int xi, float[] w, int wi, int k) {
        FloatVector s = FloatVector.zero(S);
        for (int p = 0; p < k; p += V) {
            s = FloatVector.fromArray(S, x, xi + p).fma(FloatVector.fromArray(S, w, wi + p), s);
        }
        s.intoArray(lanes, 0);
        return Lanes.sumLanes(lanes, 0);
    }

    /**
     * The 16 accumulators of rows x[xi + r*ldx ..] (r < 4) times rows w[wi + q*k ..] (q < 4), over p
     * ascending, stored to lanes[(r*4 + q)*V ..].
     */
    private static void dots4x4(float[] lanes, float[] x, int xi, int ldx, float[] w, int wi, int k) {
        int x1 = xi + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
        int w1 = wi + k, w2 = w1 + k, w3 = w2 + k;
        FloatVector s00 = FloatVector.zero(S), s01 = s00, s02 = s00, s03 = s00;
        FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00;
        FloatVector s30 = s00, s31 = s00, s32 = s00, s33 = s00;
        for (int p = 0; p < k; p += V) {
            FloatVector v0 = FloatVector.fromArray(S, w, wi + p);
            FloatVector v1 = FloatVector.fromArray(S, w, w1 + p);
            FloatVector v2 = FloatVector.fromArray(S, w, w2 + p);
            FloatVector v3 = FloatVector.fromArray(S, w, w3 + p);
            FloatVector u = FloatVector.fromArray(S, x, xi + p);
            s00 = u.fma(v0, s00);
            s01 = u.fma(v1, s01);
            s02 = u.fma(v2, s02);
            s03 = u.fma(v3, s03);
            u = FloatVector.fromArray(S, x, x1 + p);
            s10 = u.fma(v0, s10);
            s11 = u.fma(v1, s11);
            s12 = u.fma(v2, s12);
            s13 = u.fma(v3, s13);
            u = FloatVector.fromArray(S, x, x2 + p);
            s20 = u.fma(v0, s20);
            s21 = u.fma(v1, s21);
            s22 = u.fma(v2, s22);
            s23 = u.fma(v3, s23);
            u = FloatVector.fromArray(S, x, x3 + p);
            s30 = u.fma(v0, s30);
            s31 = u.fma(v1, s31);
            s32 = u.fma(v2, s32);
            s33 = u.fma(v3, s33);
        }
        s00.intoArray(lanes, 0);
        s01.intoArray(lanes, V);
        s02.intoArray(lanes, 2 * V);
        s03.intoArray(lanes, 3 * V);
        s10.intoArray(lanes, 4 * V);
        s11.intoArray(lanes, 5 * V);
        s12.intoArray(lanes, 6 * V);
        s13.intoArray(lanes, 7 * V);
        s20.intoArray(lanes, 8 * V);
        s21.intoArray(lanes, 9 * V);
        s22.intoArray(lanes, 10 * V);
        s23.intoArray(lanes, 11 * V);
        s30.intoArray(lanes, 12 * V);
        s31.intoArray(lanes, 13 * V);
        s32.intoArray(lanes, 14 * V);
        s33.intoArray(lanes, 15 * V);
    }

    /**
     * {@link #strided8x1} for 8 rows of C with only {@code cols} < V columns left: through the scratch
     * tile {@code edge} (row stride V), so that only those columns of C are read (not at all when
     * {@code zero}) and written.
     */
    private static void narrow8x1(boolean zero, float[] c, int ci, int n, int cols, float[] edge, float[] a, int ai, int ars,
                                  float[] pb, int bq, int ldb, int k) {
        for (int r = 0; r < 8 && !zero; r++) {
            System.arraycopy(c, ci + r * n, edge, r * V, cols);
        }
        strided8x1(zero, edge, 0, V, a, ai, ars, pb, bq, ldb, k);
        for (int r = 0; r < 8; r++) {
            System.arraycopy(edge, r * V, c, ci + r * n, cols);
        }
    }

    /** {@link #strided8x2} for one vector of columns: C(8 rows, V) at c[ci..] (row stride n) += A · B. */
    private static void strided8x1(boolean zero, float[] c, int ci, int n, float[] a, int ai, int ars,
                                   float[] pb, int bq, int ldb, int k) {
        int r1 = ci + n, r2 = ci + 2 * n, r3 = ci + 3 * n, r4 = ci + 4 * n, r5 = ci + 5 * n, r6 = ci + 6 * n, r7 = ci + 7 * n;
        FloatVector c0 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci);
        FloatVector c1 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1);
        FloatVector c2 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2);
        FloatVector c3 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3);
        FloatVector c4 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r4);
        FloatVector c5 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r5);
        FloatVector c6 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r6);
        FloatVector c7 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r7);
        int a0 = ai, a1 = ai + ars, a2 = ai + 2 * ars, a3 = ai + 3 * ars, a4 = ai + 4 * ars, a5 = ai + 5 * ars, a6 = ai + 6 * ars, a7 = ai + 7 * ars;
        // c_r = fma(A(r,p), B(p, j-vector), c_r), p ascending
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bq + p * ldb);
            c0 = FloatVector.broadcast(S, a[a0 + p]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + p]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + p]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[a4 + p]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[a5 + p]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, a[a6 + p]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, a[a7 + p]).fma(b0, c7);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, r1);
        c2.intoArray(c, r2);
        c3.intoArray(c, r3);
        c4.intoArray(c, r4);
        c5.intoArray(c, r5);
        c6.intoArray(c, r6);
        c7.intoArray(c, r7);
    }

    private static void strided4x2(boolean zero, float[] c, int ci, int n, float[] a, int ai, int ars,
                                float[] pb, int bq, int ldb, int k) {
        int r1 = ci + n, r2 = ci + 2 * n, r3 = ci + 3 * n;
        FloatVector c00 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci), c01 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci + V);
        FloatVector c10 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1), c11 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1 + V);
        FloatVector c20 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2), c21 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r2 + V);
        FloatVector c30 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3), c31 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r3 + V);
        int a0 = ai, a1 = ai + ars, a2 = ai + 2 * ars, a3 = ai + 3 * ars;
        for (int p = 0; p < k; p++) {
            int q = bq + p * ldb;
            FloatVector b0 = FloatVector.fromArray(S, pb, q);
            FloatVector b1 = FloatVector.fromArray(S, pb, q + V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + V);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + V);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + V);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + V);
    }

    private static void strided2x2(boolean zero, float[] c, int ci, int n, float[] a, int ai, int ars,
                                float[] pb, int bq, int ldb, int k) {
        int r1 = ci + n;
        FloatVector c00 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci), c01 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci + V);
        FloatVector c10 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1), c11 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : r1 + V);
        int a0 = ai, a1 = ai + ars;
        for (int p = 0; p < k; p++) {
            int q = bq + p * ldb;
            FloatVector b0 = FloatVector.fromArray(S, pb, q);
            FloatVector b1 = FloatVector.fromArray(S, pb, q + V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + V);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + V);
    }

    private static void strided1x2(boolean zero, float[] c, int ci, float[] a, int ai, float[] pb, int bq, int ldb, int k) {
        FloatVector c0 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci), c1 = FloatVector.fromArray(S, zero ? ZEROS : c, zero ? 0 : ci + V);
        for (int p = 0; p < k; p++) {
            int q = bq + p * ldb;
            FloatVector x = FloatVector.broadcast(S, a[ai + p]);
            c0 = x.fma(FloatVector.fromArray(S, pb, q), c0);
            c1 = x.fma(FloatVector.fromArray(S, pb, q + V), c1);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + V);
    }
}
