package org.bnlab.kernel;

/**
 * Max pooling as run by {@link org.bnlab.nn.MaxPool2d} and inference: {@link MaxPoolVector} for
 * K = S = 2 with SIMD on and rows of at least half a vector, else {@link MaxPoolPlanes}'s branch-free
 * loops; both bit-identical to the spec {@link Pool2d#maxForward} / {@link Pool2d#maxBackward}. Split
 * over planes (N*C) with {@link Parallel#forRange} when the call is large enough.
 *
 * <p>Each plane is computed, and its dx written, by one thread, the same way whatever thread: results
 * are bit-identical for any thread count. Steady-state calls allocate nothing: the tasks live in a
 * per-thread {@link Calls}, their arguments set per call (callers may run concurrently, as inference does).
 */
public final class MaxPool {
    /** Below this many window cells read (forward) or outputs (backward) per call, one thread. */
    static final int PARALLEL_MIN = 1 << 16;
    private static final ThreadLocal<Calls> CALLS = ThreadLocal.withInitial(Calls::new);
    /** Vector API kernel for K = S = 2 (see {@link MaxPoolVector}), chosen once. */
    private static final boolean SIMD = KernelProvider.get().vectorized();

    private MaxPool() {}

    /** y and arg as {@link Pool2d#maxForward}. */
    public static void forward(float[] y, int[] arg, float[] x, int planes, int h, int w, int k, int s, int oh, int ow) {
        run(y, arg, x, planes, h, w, k, s, oh, ow);
    }

    /** y as {@link Pool2d#maxForward}, no arg (inference). */
    public static void forward(float[] y, float[] x, int planes, int h, int w, int k, int s, int oh, int ow) {
        run(y, null, x, planes, h, w, k, s, oh, ow);
    }

    private static void run(float[] y, int[] arg, float[] x, int planes, int h, int w, int k, int s, int oh, int ow) {
        int perPlane = oh * ow * k * k;
        if (planes < 2 || Parallel.threads() == 1 || (long) perPlane * planes < PARALLEL_MIN) {
            forwardPlanes(y, arg, x, 0, planes, h, w, k, s, oh, ow);
            return;
        }
        ForwardTask t = CALLS.get().forward;
        t.set(y, arg, x, h, w, k, s, oh, ow);
        try {
            Parallel.forRange(planes, grain(perPlane), t);
        } finally {
            t.set(null, null, null, 0, 0, 0, 0, 0, 0);
        }
    }

    /** dx as {@link Pool2d#maxBackward}: dx = 0, then dx[arg] += dy, plane by plane. */
    public static void backward(float[] dx, float[] dy, int[] arg, int planes, int h, int w, int oh, int ow) {
        int ohw = oh * ow;
        if (planes < 2 || Parallel.threads() == 1 || (long) (h * w + ohw) * planes < PARALLEL_MIN) {
            MaxPoolPlanes.backward(dx, dy, arg, 0, planes, h * w, ohw);
            return;
        }
        BackwardTask t = CALLS.get().backward;
        t.dx = dx;
        t.dy = dy;
        t.arg = arg;
        t.hw = h * w;
        t.ohw = ohw;
        try {
            Parallel.forRange(planes, grain(h * w + ohw), t);
        } finally {
            t.dx = null;
            t.dy = null;
            t.arg = null;
        }
    }

    /** Planes per grain: about PARALLEL_MIN / 4 units of work, at least one plane. */
    private static int grain(int perPlane) {
        return Math.max(1, (PARALLEL_MIN / 4) / Math.max(1, perPlane));
    }

    private static void forwardPlanes(float[] y, int[] arg, float[] x, int p0, int p1, int h, int w, int k, int s,
                                      int oh, int ow) {
        if (SIMD && MaxPoolVector.applies(k, s, ow)) {
            MaxPoolVector.planes(y, arg, x, p0, p1, h, w, oh, ow);
        } else if (arg == null) {
            MaxPoolPlanes.noArg(y, x, p0, p1, h, w, k, s, oh, ow);
        } else {
            MaxPoolPlanes.withArg(y, arg, x, p0, p1, h, w, k, s, oh, ow);
        }
    }

    /** The tasks of one calling thread. */
    private static final class Calls {
        final ForwardTask forward = new ForwardTask();
        final BackwardTask backward = new BackwardTask();
    }

    private static final class ForwardTask implements Parallel.RangeTask {
        float[] y;
        int[] arg;
        float[] x;
        int h, w, k, s, oh, ow;

        void set(float[] y, int[] arg, float[] x, int h, int w, int k, int s, int oh, int ow) {
            this.y = y;
            this.arg = arg;
            this.x = x;
            this.h = h;
            this.w = w;
            this.k = k;
            this.s = s;
            this.oh = oh;
            this.ow = ow;
        }

        @Override
        public void run(int from, int to) {
            forwardPlanes(y, arg, x, from, to, h, w, k, s, oh, ow);
        }
    }

    private static final class BackwardTask implements Parallel.RangeTask {
        float[] dx;
        float[] dy;
        int[] arg;
        int hw, ohw;

        @Override
        public void run(int from, int to) {
            MaxPoolPlanes.backward(dx, dy, arg, from, to, hw, ohw);
        }
    }
}
