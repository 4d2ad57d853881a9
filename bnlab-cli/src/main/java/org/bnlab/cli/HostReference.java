package org.bnlab.cli;

/**
 * A fixed arithmetic workload that bench runs between a case's timed operations, so that each case
 * carries the speed the host gave it meanwhile. On a shared host a guest's vCPU can run 1.5-1.7x
 * slower for seconds at a time (another guest on the same physical core, a lower clock); a case that
 * is slow in one fresh JVM together with this loop was slowed by the host, one slow alone by the JVM.
 *
 * <p>Eight independent chains of double FMAs, x = x * m + c: enough chains to keep both FMA ports of
 * a core busy (latency 4 cycles, 2 per cycle), in registers only (no memory traffic to disturb the
 * case's caches), and the same FMA units the kernels use. About 25-30 us per run on a 3 GHz core.
 */
final class HostReference {
    private static final int ITERATIONS = 10_000;
    private static final double M = 0.999_999;
    private static final double C = 1e-6;
    /** Keeps the chains' results alive, so the JIT cannot drop the loop. */
    private static double sink;

    private HostReference() {}

    /** Runs the loop until the JIT has compiled it (a few hundred runs). */
    static void warmUp() {
        for (int i = 0; i < 2_000; i++) {
            run();
        }
    }

    /** One run's wall time in milliseconds. */
    static double timeMs() {
        long t0 = System.nanoTime();
        run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static void run() {
        double a0 = 1, a1 = 2, a2 = 3, a3 = 4, a4 = 5, a5 = 6, a6 = 7, a7 = 8;
        for (int i = 0; i < ITERATIONS; i++) {
            a0 = Math.fma(a0, M, C);
            a1 = Math.fma(a1, M, C);
            a2 = Math.fma(a2, M, C);
            a3 = Math.fma(a3, M, C);
            a4 = Math.fma(a4, M, C);
            a5 = Math.fma(a5, M, C);
            a6 = Math.fma(a6, M, C);
            a7 = Math.fma(a7, M, C);
        }
        sink += a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    }
}
