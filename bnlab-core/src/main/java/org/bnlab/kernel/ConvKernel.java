package org.bnlab.kernel;

/**
 * Batched 2-D convolution over NCHW tensors as GEMMs on im2col matrices ({@link Im2col}), split over
 * threads with one fork per call (not one per sample):
 * <pre>
 *   forward      y_s (O, P)    = W (O, CKK) · col_s (CKK, P)        [+ b]          parts: samples
 *   weight grad  dW (O, CKK)  += sum_s dy_s (O, P) · col_sᵀ (P, CKK)                parts: rows of dW or dWᵀ
 *   input grad   dx_s          = col2im(Wᵀ (CKK, O) · dy_s (O, P))                  parts: samples
 *   bias grad    db[o]        += sum_s (sum_q dy_s[o, q])                           parts: channels
 * </pre>
 * (col_s: the im2col matrix of sample s, P = OH*OW, CKK = C*K*K; {@link ConvShape}.)
 *
 * <p>Determinism: every output element is computed by the same code whichever thread runs it, and
 * sums over the batch are never split: a dW element is ONE fma chain over the concatenated k = (s, q),
 * samples in order, started from dW (it is the chain of {@code Gemm.mmT} called per sample with
 * accumulate, as the per-sample code did). So results are bit-identical for any thread count, and the
 * scalar and SIMD GEMM paths agree as {@link Gemm} documents. Threads split the weight gradient over
 * the rows of the product instead: each part loops over all samples, builds only its band of
 * each im2col matrix and accumulates its band of dW. When CKK >= O it computes dWᵀ (CKK, O) =
 * col_s · dy_sᵀ (each element fma(col, dy, s) = fma(dy, col, s), the same chain) so that the operand
 * every part packs per sample is the smaller one (dy_s, O x P; otherwise col_s, CKK x P).
 *
 * <p>Inside a part the GEMMs run on that thread ({@link Parallel} runs nested calls serially); a
 * call too small to split ({@code Gemm.PARALLEL_MIN_MACS}) or with one sample runs on the caller,
 * whose GEMMs may then split over their own rows. Steady-state calls allocate nothing: the im2col
 * buffer is per thread and the tasks are per calling thread, both grown on first use.
 */
public final class ConvKernel {

    /** Per thread that runs parts: the im2col (or dcol) matrix of one sample or band. */
    /** Whether the SIMD kernels are on (chosen once by the {@link KernelProvider}). */
    private static final boolean SIMD = KernelProvider.get().vectorized();
    private static final ThreadLocal<float[][]> COL = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /** Per calling thread: the pre-built tasks and the transposed-weight buffers. */
    private static final ThreadLocal<Calls> CALLS = ThreadLocal.withInitial(Calls::new);

    private ConvKernel() {}

    /**
     * y[n, O, OH, OW] = W · im2col(x) (+ b), x [n, C, H, W], weight [O, C, K, K], bias [O] or null.
     * With {@code biasFirst} each output's fma chain starts from b[o] (the inference form), otherwise
     * it starts from 0 and b[o] is added after it (the training layer's form, PyTorch's order).
     */
    public static void forward(ConvShape g, int n, float[] x, float[] weight, float[] bias, boolean biasFirst, float[] y) {
        check(g, n, x, "x", g.inSize());
        check(g, n, y, "y", g.outSize());
        checkWeight(g, weight);
        if (bias != null && bias.length < g.o) {
            throw new IllegalArgumentException("ConvKernel: bias has " + bias.length + " floats, " + g + " needs " + g.o);
        }
        Calls calls = CALLS.get();
        ForwardTask t = calls.forward;
        t.g = g;
        t.x = x;
        t.weight = weight;
        t.bias = bias;
        t.biasFirst = biasFirst;
        t.y = y;
        try {
            overSamples(g, n, t);
        } finally {
            t.x = null;
            t.weight = null;
            t.bias = null;
            t.y = null;
        }
    }

    /** dW [O, C, K, K] += sum over the batch of dy_s · col_sᵀ (see the class comment for the order). */
    public static void weightGrad(ConvShape g, int n, float[] x, float[] dy, float[] dw) {
        check(g, n, x, "x", g.inSize());
        check(g, n, dy, "dy", g.outSize());
        checkWeight(g, dw);
        Calls calls = CALLS.get();
        WeightTask t = calls.weight;
        boolean transposed = g.ckk >= g.o;
        float[] target = dw;
        if (transposed) {
            target = calls.dwT = grow(calls.dwT, g.o * g.ckk);
            Gemm.transpose(dw, 0, g.o, g.ckk, target, 0);
        }
        t.g = g;
        t.n = n;
        t.x = x;
        t.dy = dy;
        t.target = target;
        t.transposed = transposed;
        try {
            int rows = transposed ? g.ckk : g.o;
            long macs = (long) n * g.o * g.p * g.ckk;
            if (macs < Gemm.PARALLEL_MIN_MACS || Parallel.threads() == 1) {
                t.run(0, rows);
            } else {
                // one band per thread: each band re-reads every dy_s and packs it (or col_s) once more
                Parallel.forRange(rows, Math.max(1, rows / Parallel.threads()), t);
            }
        } finally {
            t.x = null;
            t.dy = null;
            t.target = null;
        }
        if (transposed) {
            Gemm.transpose(target, 0, g.ckk, g.o, dw, 0);
        }
    }

    /**
     * dx [n, C, H, W] = col2im(Wᵀ · dy_s) per sample (overwritten). Each dx element receives its
     * terms in the order of {@link Im2col#col2imAdd}, starting from 0.
     */
    public static void inputGrad(ConvShape g, int n, float[] dy, float[] weight, float[] dx) {
        check(g, n, dy, "dy", g.outSize());
        check(g, n, dx, "dx", g.inSize());
        checkWeight(g, weight);
        Calls calls = CALLS.get();
        // Wᵀ (CKK, O) once per call: dcol = Wᵀ · dy_s is then a plain mm, A read in place
        float[] wT = calls.wT = grow(calls.wT, g.o * g.ckk);
        Gemm.transpose(weight, 0, g.o, g.ckk, wT, 0);
        InputTask t = calls.input;
        t.g = g;
        t.dy = dy;
        t.wT = wT;
        t.dx = dx;
        try {
            overSamples(g, n, t);
        } finally {
            t.dy = null;
            t.wT = null;
            t.dx = null;
        }
    }

    /** db[o] += sum over samples s (in order) of the plain float sum of dy_s[o, 0..P). */
    public static void biasGrad(ConvShape g, int n, float[] dy, float[] db) {
        check(g, n, dy, "dy", g.outSize());
        if (db.length < g.o) {
            throw new IllegalArgumentException("ConvKernel: bias gradient has " + db.length + " floats, " + g + " needs " + g.o);
        }
        BiasTask t = CALLS.get().bias;
        t.g = g;
        t.n = n;
        t.dy = dy;
        t.db = db;
        try {
            long adds = (long) n * g.o * g.p;
            if (adds < Gemm.PARALLEL_MIN_MACS / 4 || Parallel.threads() == 1) {
                t.run(0, g.o);
            } else {
                Parallel.forRange(g.o, 1, t);
            }
        } finally {
            t.dy = null;
            t.db = null;
        }
    }

    /** Runs a per-sample task over [0, n): on the caller when small, else in parts of whole samples. */
    private static void overSamples(ConvShape g, int n, Parallel.RangeTask t) {
        long perSample = (long) g.o * g.p * g.ckk;
        if (n <= 1 || perSample * n < Gemm.PARALLEL_MIN_MACS || Parallel.threads() == 1) {
            t.run(0, n);
        } else {
            // grain: enough samples that each part has at least PARALLEL_MIN_MACS / 2 multiply-adds
            int grain = (int) Math.max(1, Math.min(n, (Gemm.PARALLEL_MIN_MACS / 2) / Math.max(1, perSample)));
            Parallel.forRange(n, grain, t);
        }
    }

    /** Whether im2col runs on {@link Im2colVector} (SIMD on, a "same" stride-1 convolution). */
    private static boolean vectorIm2col(ConvShape g) {
        return SIMD && Im2colVector.applies(g);
    }

    /**
     * Rows [r0, r1) of the im2col matrix of sample s into col (bit for bit {@link Im2col#im2colRows});
     * col must hold (r1 - r0)*P + {@link #slack} floats.
     */
    private static void im2col(ConvShape g, float[] col, float[] x, int s, int r0, int r1) {
        if (vectorIm2col(g)) {
            Im2colVector.rows(col, x, s * g.inSize(), g, g.sameMasks(), r0, r1);
        } else {
            Im2col.im2colRows(col, x, s * g.inSize(), g.c, g.h, g.w, g.k, g.stride, g.pad, g.oh, g.ow, r0, r1);
        }
    }

    /**
     * Floats an im2col buffer has past its rows: the vector im2col's whole-vector stores, and the
     * GEMM's whole-vector reads of a last panel narrower than a vector, which it reads in place only
     * when they stay inside the array (the 16x196x72 product of the CNN's conv2: 2.9 -> 2.4 us).
     * At least {@link Im2colVector#SLACK} (one vector).
     */
    private static final int COL_SLACK = GemmSimd.MAX_LANES;

    /** The calling thread's im2col buffer, at least {@code floats} long. */
    private static float[] col(int floats) {
        float[][] holder = COL.get();
        if (holder[0].length < floats) {
            holder[0] = new float[floats];
        }
        return holder[0];
    }

    private static float[] grow(float[] buf, int floats) {
        return buf.length >= floats ? buf : new float[floats];
    }

    private static void check(ConvShape g, int n, float[] a, String name, int perSample) {
        if (n < 0) {
            throw new IllegalArgumentException("ConvKernel: negative batch " + n);
        }
        if (a.length < (long) n * perSample) {
            throw new IllegalArgumentException("ConvKernel: " + name + " has " + a.length + " floats, a batch of " + n
                    + " needs " + (long) n * perSample + " for " + g);
        }
    }

    private static void checkWeight(ConvShape g, float[] w) {
        if (w.length < g.o * g.ckk) {
            throw new IllegalArgumentException("ConvKernel: weight has " + w.length + " floats, " + g + " needs "
                    + g.o * g.ckk);
        }
    }

    /** The tasks of one calling thread, with their arguments set per call. */
    private static final class Calls {
        final ForwardTask forward = new ForwardTask();
        final WeightTask weight = new WeightTask();
        final InputTask input = new InputTask();
        final BiasTask bias = new BiasTask();
        float[] wT = new float[0];
        float[] dwT = new float[0];
    }

    /** Samples [from, to): y_s = W · col_s, bias first or after. */
    private static final class ForwardTask implements Parallel.RangeTask {
        ConvShape g;
        float[] x;
        float[] weight;
        float[] bias;
        boolean biasFirst;
        float[] y;

        @Override
        public void run(int from, int to) {
            ConvShape g = this.g;
            float[] col = col(g.ckk * g.p + COL_SLACK);
            for (int s = from; s < to; s++) {
                im2col(g, col, x, s, 0, g.ckk);
                int yOff = s * g.outSize();
                if (bias != null && biasFirst) {
                    for (int o = 0; o < g.o; o++) {
                        java.util.Arrays.fill(y, yOff + o * g.p, yOff + (o + 1) * g.p, bias[o]);
                    }
                }
                Gemm.mm(y, yOff, weight, 0, col, 0, g.o, g.p, g.ckk, bias != null && biasFirst);
                if (bias != null && !biasFirst) {
                    for (int o = 0; o < g.o; o++) {
                        float b = bias[o];
                        for (int j = yOff + o * g.p, e = j + g.p; j < e; j++) {
                            y[j] += b;
                        }
                    }
                }
            }
        }
    }

    /**
     * Rows [r0, r1) of dWᵀ (CKK, O) += col_s · dy_sᵀ, or of dW (O, CKK) += dy_s · col_sᵀ, over every
     * sample in order.
     */
    private static final class WeightTask implements Parallel.RangeTask {
        ConvShape g;
        int n;
        float[] x;
        float[] dy;
        float[] target;
        boolean transposed;

        @Override
        public void run(int r0, int r1) {
            ConvShape g = this.g;
            int m = r1 - r0;
            if (transposed) {
                float[] col = col(m * g.p + COL_SLACK);
                for (int s = 0; s < n; s++) {
                    // the band [r0, r1) of col_s, then dWᵀ[r0..r1) (m, O) += band (m, P) · dy_sᵀ (P, O)
                    im2col(g, col, x, s, r0, r1);
                    Gemm.mmT(target, r0 * g.o, col, 0, dy, s * g.outSize(), m, g.o, g.p, true);
                }
            } else {
                float[] col = col(g.ckk * g.p + COL_SLACK);
                for (int s = 0; s < n; s++) {
                    // dW[r0..r1) (m, CKK) += dy_s[r0..r1) (m, P) · col_sᵀ (P, CKK)
                    im2col(g, col, x, s, 0, g.ckk);
                    Gemm.mmT(target, r0 * g.ckk, dy, s * g.outSize() + r0 * g.p, col, 0, m, g.ckk, g.p, true);
                }
            }
        }
    }

    /** Samples [from, to): dcol = Wᵀ · dy_s, dx_s = col2im(dcol). */
    private static final class InputTask implements Parallel.RangeTask {
        ConvShape g;
        float[] dy;
        float[] wT;
        float[] dx;

        @Override
        public void run(int from, int to) {
            ConvShape g = this.g;
            float[] dcol = col(g.ckk * g.p);
            for (int s = from; s < to; s++) {
                Gemm.mm(dcol, 0, wT, 0, dy, s * g.outSize(), g.ckk, g.p, g.o, false);
                Im2col.col2im(dx, s * g.inSize(), dcol, g.c, g.h, g.w, g.k, g.stride, g.pad, g.oh, g.ow);
            }
        }
    }

    /** Channels [from, to) of the bias gradient. */
    private static final class BiasTask implements Parallel.RangeTask {
        ConvShape g;
        int n;
        float[] dy;
        float[] db;

        @Override
        public void run(int from, int to) {
            ConvShape g = this.g;
            for (int o = from; o < to; o++) {
                float total = db[o];
                for (int s = 0; s < n; s++) {
                    float sum = 0f;
                    for (int j = s * g.outSize() + o * g.p, e = j + g.p; j < e; j++) {
                        sum += dy[j];
                    }
                    total += sum;
                }
                db[o] = total;
            }
        }
    }
}
