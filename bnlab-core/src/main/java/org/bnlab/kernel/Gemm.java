package org.bnlab.kernel;

/**
 * Single-precision matrix products on row-major, contiguous {@code float[]} matrices:
 * <pre>
 *   mm  : C(M,N) (+)= A(M,K) · B(K,N)
 *   mmT : C(M,N) (+)= A(M,K) · B(N,K)ᵀ
 *   mTm : C(M,N) (+)= A(K,M)ᵀ · B(K,N)
 * </pre>
 * Each matrix is given as (array, offset); its leading dimension is its number of columns. With
 * {@code accumulate} the product is added to C, otherwise C is overwritten.
 *
 * <p>Every element is computed the same way on every path, so the scalar reference, the SIMD kernel
 * and any thread count give bit-identical results: {@code s = accumulate ? C(i,j) : 0;
 * for p in 0..K-1: s = fma(A(i,p), B(p,j), s); C(i,j) = s}. One chain per element, never split
 * across threads, never reassociated (like BLAS with beta = 1, C is the chain's start, not added last).
 *
 * <p>The SIMD path ({@link GemmSimd}, a register-blocked micro-kernel over packed B panels) is chosen
 * once by the {@link KernelProvider}; {@link GemmScalar} is the specification. Products of fewer than
 * {@link #PARALLEL_MIN_MACS} multiply-adds run on the caller's thread; larger ones are split over
 * blocks of C rows with {@link Parallel#forRange}. Steady-state calls allocate nothing: each calling
 * thread owns a workspace (packing buffer and a pre-built task) that grows on first use.
 * See docs/GEMM.md for the measurements behind the design.
 */
public final class Gemm {

    /** Below this many multiply-adds (M*N*K) a product runs serially: a fork costs a few microseconds. */
    public static final long PARALLEL_MIN_MACS = 1L << 20;

    /** The path chosen once by the {@link KernelProvider}; the scalar one is the specification. */
    private static final boolean SIMD = KernelProvider.get().vectorized();

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private Gemm() {}

    /** C(M,N) (+)= A(M,K) · B(K,N). */
    public static void mm(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff,
                          int m, int n, int k, boolean accumulate) {
        check(c, cOff, a, aOff, b, bOff, m, n, k);
        run(c, cOff, a, aOff, k, 1, b, bOff, n, 1, m, n, k, accumulate, SIMD);
    }

    /** C(M,N) (+)= A(M,K) · B(N,K)ᵀ. */
    public static void mmT(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff,
                           int m, int n, int k, boolean accumulate) {
        check(c, cOff, a, aOff, b, bOff, m, n, k);
        run(c, cOff, a, aOff, k, 1, b, bOff, 1, k, m, n, k, accumulate, SIMD);
    }

    /** C(M,N) (+)= A(K,M)ᵀ · B(K,N). */
    public static void mTm(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff,
                           int m, int n, int k, boolean accumulate) {
        check(c, cOff, a, aOff, b, bOff, m, n, k);
        run(c, cOff, a, aOff, 1, m, b, bOff, n, 1, m, n, k, accumulate, SIMD);
    }

    /**
     * B(N,K) of {@link #mmT} packed once, for a B that many products reuse (an inference model's
     * weights): packing a transposed B costs as much as a one-row product, so doing it per call
     * dominates small batches. Immutable; any number of threads may use it at once. It refers to
     * {@code b}, which must not change afterwards.
     */
    public static final class PackedT {
        private final float[] b;
        private final int bOff;
        private final int n;
        private final int k;
        private final float[] pack; // the SIMD kernels' panels; null on the scalar path, which reads b

        private PackedT(float[] b, int bOff, int n, int k, float[] pack) {
            this.b = b;
            this.bOff = bOff;
            this.n = n;
            this.k = k;
            this.pack = pack;
        }
    }

    /** Packs B(N,K) = b[bOff..] for {@link #mmT(float[], int, float[], int, PackedT, int, boolean)}. */
    public static PackedT packT(float[] b, int bOff, int n, int k) {
        if (n < 0 || k < 0) {
            throw new IllegalArgumentException("Gemm: negative size n=" + n + " k=" + k);
        }
        checkRange("B", b, bOff, (long) n * k);
        float[] pack = SIMD && n > 0
                ? GemmSimd.pack(new float[0], new int[GemmSimd.MAX_LANES], b, bOff, 1, k, n, k, GemmSimd.TRANSPOSE) : null;
        return new PackedT(b, bOff, n, k, pack);
    }

    /**
     * C(M,N) (+)= A(M,K) · B(N,K)ᵀ with B packed by {@link #packT}: the same values as {@link #mmT}.
     * C's rows are {@code ldc} >= N floats apart (C(i,j) = c[cOff + i*ldc + j]), so the product can
     * fill the first N columns of a wider matrix; columns past N are not touched.
     */
    public static void mmT(float[] c, int cOff, int ldc, float[] a, int aOff, PackedT b, int m, boolean accumulate) {
        if (ldc < b.n) {
            throw new IllegalArgumentException("Gemm: C row stride " + ldc + " is less than N = " + b.n);
        }
        check(c, cOff, a, aOff, b.b, b.bOff, m, b.n, b.k);
        checkRange("C", c, cOff, m == 0 ? 0 : (long) (m - 1) * ldc + b.n);
        run(c, cOff, ldc, a, aOff, b.k, 1, b.b, b.bOff, 1, b.k, m, b.n, b.k, accumulate, SIMD, b.pack);
    }

    /**
     * How many of a layer's last output columns {@link #rowDots} should compute instead of the GEMM
     * (0: none). The SIMD GEMM computes whole vectors of columns, so N = 100 with 16 lanes costs 112
     * columns of FMAs, a seventh of them for the last 4 outputs; as dot products along K those 4 cost
     * 4 FMAs per 16 values of K and row. Worth it for a short tail (at most 4 columns) and a long K
     * that is a whole number of vectors (the paper MLP's first layer: K = 784). A different rounding
     * order from {@link #mmT}'s FMA chain, so only for inference, where results may differ by ulps.
     */
    public static int dotTailColumns(int n, int k) {
        if (!SIMD) {
            return 0;
        }
        int v = GemmSimd.V;
        int t = n % v;
        return n > v && t > 0 && t <= 4 && k >= 256 && k % v == 0 ? t : 0;
    }

    /**
     * y[yOff + i*ldy + j] = sum over p < k of x[xOff + i*ldx + p] * w[j*k + p], for i < m, j < t: dot
     * products of m rows of x with t rows of w. On the SIMD path each is summed in vector lanes along K
     * and then across the lanes in lane order (the same bits for any batch size, thread count and JIT
     * state, whichever rows are computed together). The scalar path sums p ascending.
     */
    public static void rowDots(float[] y, int yOff, int ldy, float[] x, int xOff, int ldx, int m,
                               float[] w, int t, int k) {
        if (m < 0 || t < 0 || k < 0 || (m > 1 && (ldy < t || ldx < k))) {
            throw new IllegalArgumentException("Gemm.rowDots: bad sizes m=" + m + " t=" + t + " k=" + k
                    + " ldy=" + ldy + " ldx=" + ldx);
        }
        if (m == 0 || t == 0) {
            return;
        }
        checkRange("y", y, yOff, (long) (m - 1) * ldy + t);
        checkRange("x", x, xOff, (long) (m - 1) * ldx + k);
        checkRange("w", w, 0, (long) t * k);
        if (SIMD && k % GemmSimd.V == 0) {
            GemmSimd.rowDots(y, yOff, ldy, x, xOff, ldx, m, w, t, k);
            return;
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < t; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    s = Math.fma(x[xOff + i * ldx + p], w[j * k + p], s);
                }
                y[yOff + i * ldy + j] = s;
            }
        }
    }

    /**
     * The general form behind the three products: A(i,p) = a[aOff + i*ars + p*acs],
     * B(p,j) = b[bOff + p*brs + j*bcs], C(i,j) = c[cOff + i*n + j]. {@code simd} selects the
     * implementation (package-private so the tests can compare both).
     */
    static void run(float[] c, int cOff, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int brs, int bcs,
                    int m, int n, int k, boolean accumulate, boolean simd) {
        run(c, cOff, n, a, aOff, ars, acs, b, bOff, brs, bcs, m, n, k, accumulate, simd, null);
    }

    /**
     * {@code packed}: B's panels packed beforehand, or null to pack them into the workspace now;
     * {@code ldc}: C's row stride (N unless packed).
     */
    private static void run(float[] c, int cOff, int ldc, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int brs, int bcs,
                            int m, int n, int k, boolean accumulate, boolean simd, float[] packed) {
        if (m == 0 || n == 0) {
            return;
        }
        if (simd && packed == null && swapPays(m, n, k, acs, brs, bcs, accumulate)) {
            swapped(c, cOff, a, aOff, ars, b, bOff, bcs, m, n, k, accumulate);
            return;
        }
        Workspace ws = WORKSPACE.get();
        ws.set(c, cOff, ldc, a, aOff, ars, acs, b, bOff, brs, bcs, m, n, k, accumulate, simd);
        if (simd && packed != null) {
            ws.panels = packed;
        } else if (simd && direct(m, k, bcs)) {
            ws.panels = b; // read in place: ws.ldb = brs
            ws.ldb = brs;
        } else if (simd) {
            ws.pack = GemmSimd.pack(ws.pack, ws.gatherIdx, b, bOff, brs, bcs, n, k, GemmSimd.TRANSPOSE);
            ws.panels = ws.pack;
        }
        long macs = (long) m * n * k;
        int blocks = (m + ws.rowBlock() - 1) / ws.rowBlock();
        if (macs < PARALLEL_MIN_MACS || Parallel.threads() == 1 || blocks < 2) {
            ws.run(0, blocks);
        } else {
            // grain: enough row blocks that each part has at least PARALLEL_MIN_MACS / 2 of work
            long perBlock = Math.max(1, macs / blocks);
            int grain = (int) Math.max(1, (PARALLEL_MIN_MACS / 2) / perBlock);
            Parallel.forRange(blocks, grain, ws);
        }
        ws.clear();
    }

    /**
     * Whether C = A·Bᵀ (mmT: B's rows along K) is cheaper as Cᵀ = B·Aᵀ: the SIMD kernels pack the
     * right operand's K x N panels with gathers (about 1 cycle a float on Zen 5), so with fewer rows
     * in A than in B packing A (M x K) instead of B (N x K) saves (N - M)*K gathered floats, at the cost
     * of transposing C out of a scratch matrix (and into it when accumulating): M*N copies each way.
     * The MLP's first layer at batch 60 (60 x 784 · (100 x 784)ᵀ): 74 -> 61 us (one thread).
     */
    private static boolean swapPays(int m, int n, int k, int acs, int brs, int bcs, boolean accumulate) {
        return acs == 1 && brs == 1 && bcs != 1 && m < n
                && (long) (n - m) * k > (accumulate ? 2L : 1L) * m * n;
    }

    /**
     * C(M,N) (+)= A(M,K) · B(N,K)ᵀ computed as Cᵀ(N,M) (+)= B(N,K) · A(M,K)ᵀ in the thread's scratch,
     * then transposed into C: the same bits, as every element is the same FMA chain
     * (fma(B(j,p), A(i,p), s) = fma(A(i,p), B(j,p), s): the product is exact before the one rounding).
     */
    private static void swapped(float[] c, int cOff, float[] a, int aOff, int ars, float[] b, int bOff, int bcs,
                                int m, int n, int k, boolean accumulate) {
        Workspace ws = WORKSPACE.get();
        if (ws.ct.length < m * n) {
            ws.ct = new float[m * n];
        }
        float[] ct = ws.ct;
        if (accumulate) {
            transpose(c, cOff, m, n, ct, 0);
        }
        // Cᵀ = A'·B' with A'(j,p) = B(j,p) = b[bOff + j*bcs + p], B'(p,i) = A(i,p) = a[aOff + i*ars + p]
        run(ct, 0, m, b, bOff, bcs, 1, a, aOff, 1, ars, n, m, k, accumulate, true, null);
        transpose(ct, 0, n, m, c, cOff);
    }

    /**
     * dst (cols, rows) at dOff = src (rows, cols) at sOff transposed, both row-major, exact copies: with
     * 16 lanes and both sides at least 16, in registers; else 8 x 8 blocks of an element loop.
     */
    static void transpose(float[] src, int sOff, int rows, int cols, float[] dst, int dOff) {
        if (SIMD && GemmSimd.V == 16 && rows >= 16 && cols >= 16) {
            GemmSimd.transpose(src, sOff, rows, cols, dst, dOff);
            return;
        }
        for (int i0 = 0; i0 < rows; i0 += 8) {
            int i1 = Math.min(rows, i0 + 8);
            for (int j0 = 0; j0 < cols; j0 += 8) {
                int j1 = Math.min(cols, j0 + 8);
                for (int i = i0; i < i1; i++) {
                    for (int j = j0; j < j1; j++) {
                        dst[dOff + j * rows + i] = src[sOff + i * cols + j];
                    }
                }
            }
        }
    }

    /** Read B in place: 0 = when {@link #direct} says so, 1 = whenever B's rows are contiguous, 2 = never (tests). */
    static int directMode = 0;

    /**
     * Whether the SIMD kernels read B in place instead of packing it: only for B with contiguous rows
     * (mm, mTm), few rows of C (packing costs K*N copies against M*N*K FMAs: 1/M of the work) and a K
     * block that stays in L1 when read with B's row stride. Measured on a Zen 5 core, 1 thread, GFLOP/s
     * packed vs in place: 60x784x100 172 vs 183, 100x784x60 179 vs 193, 16x196x72 (a conv layer's
     * sample) 101 vs 147, 8x784x9 58 vs 89; but 128x784x100 189 vs 180, 256^3 202 vs 176, 1024^3 171 vs
     * 131, 64x3136x576 137 vs 120 (panels of a large K spread over pages; packing amortized over M).
     */
    private static boolean direct(int m, int k, int bcs) {
        if (bcs != 1 || directMode == 2) {
            return false;
        }
        return directMode == 1 || (m < 128 && k <= 256);
    }

    private static void check(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff, int m, int n, int k) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("Gemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        checkRange("C", c, cOff, (long) m * n);
        checkRange("A", a, aOff, (long) m * k);
        checkRange("B", b, bOff, (long) k * n);
    }

    private static void checkRange(String name, float[] x, int off, long len) {
        if (off < 0 || off + len > x.length) {
            throw new IllegalArgumentException("Gemm: " + name + " needs " + len + " floats from offset " + off
                    + " but its array has " + x.length);
        }
    }

    /** Per-thread arguments, packing buffer and the task handed to {@link Parallel#forRange}. */
    private static final class Workspace implements Parallel.RangeTask {
        float[] pack = new float[0];
        /** Cᵀ of a product computed the other way round ({@link #swapped}). */
        float[] ct = new float[0];
        /** The panels this call reads: {@link #pack}, or a caller's {@link PackedT}. */
        float[] panels;
        final int[] gatherIdx = new int[GemmSimd.MAX_LANES];
        private float[] c;
        private float[] a;
        private float[] b;
        private int cOff;
        private int ldc;
        private int aOff;
        private int ars;
        private int acs;
        private int bOff;
        private int brs;
        private int bcs;
        private int m;
        private int n;
        private int k;
        private boolean accumulate;
        private boolean simd;
        /** B's row stride when the SIMD kernels read B in place, 0 when they read packed panels. */
        int ldb;

        void set(float[] c, int cOff, int ldc, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int brs, int bcs,
                 int m, int n, int k, boolean accumulate, boolean simd) {
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
            this.a = a;
            this.aOff = aOff;
            this.ars = ars;
            this.acs = acs;
            this.b = b;
            this.bOff = bOff;
            this.brs = brs;
            this.bcs = bcs;
            this.m = m;
            this.n = n;
            this.k = k;
            this.accumulate = accumulate;
            this.simd = simd;
        }

        /** Drops the references to the caller's arrays. */
        void clear() {
            c = null;
            a = null;
            b = null;
            panels = null;
            ldb = 0;
        }

        int rowBlock() {
            return simd ? GemmSimd.MR : GemmScalar.ROW_BLOCK;
        }

        /** Computes the C rows of row blocks [from, to). */
        @Override
        public void run(int from, int to) {
            int rb = rowBlock();
            int i0 = from * rb;
            int i1 = Math.min(m, to * rb);
            if (simd) {
                GemmSimd.rows(c, cOff, a, aOff, ars, acs, panels, bOff, ldb, n, ldc, k, i0, i1, accumulate);
            } else {
                GemmScalar.rows(c, cOff, ldc, a, aOff, ars, acs, b, bOff, brs, bcs, n, k, i0, i1, accumulate);
            }
        }
    }
}
