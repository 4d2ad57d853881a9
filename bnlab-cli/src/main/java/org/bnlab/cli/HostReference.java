package org.bnlab.cli;

/**
 * Two fixed workloads that bench runs between a case's timed operations, so that each case carries
 * the speed the host gave it meanwhile. On a shared host a guest's vCPU can run 1.5-1.7x slower for
 * seconds at a time; a case that is slow in one fresh JVM while these loops are not was slowed by
 * something they do not measure (its own code, or a resource they do not touch).
 *
 * <ul>
 *   <li>{@link #fmaMs}: eight independent chains of double FMAs, x = x * m + c, in registers only:
 *       enough chains to keep both FMA ports busy (latency 4 cycles, 2 per cycle): the core's clock and
 *       whether another thread shares its execution units. About 18 us a run on the Intel guest.</li>
 *   <li>{@link #cacheMs}: y = y * m + c over 96 Ki floats (384 KiB: past a 48 KiB L1, inside a 2 MiB
 *       L2), three passes: the caches a training step's weights and activations live in, and whether
 *       another tenant's traffic evicts them. About 30 us a run there.</li>
 * </ul>
 */
final class HostReference {
    private static final int ITERATIONS = 10_000;
    private static final double M = 0.999_999;
    private static final double C = 1e-6;
    private static final float[] CACHE = new float[96 * 1024];
    private static final int PASSES = 3;
    /** Keeps the FMA chains' results alive, so the JIT cannot drop the loop. */
    private static double sink;

    private HostReference() {}

    /** Runs both loops until the JIT has compiled them (a few hundred runs). */
    static void warmUp() {
        for (int i = 0; i < 2_000; i++) {
            fma();
            cache();
        }
    }

    /** One run of the FMA loop, in milliseconds. */
    static double fmaMs() {
        long t0 = System.nanoTime();
        fma();
        return (System.nanoTime() - t0) / 1e6;
    }

    /** One run of the cache loop, in milliseconds. */
    static double cacheMs() {
        long t0 = System.nanoTime();
        cache();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static void fma() {
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

    private static void cache() {
        float[] y = CACHE;
        for (int p = 0; p < PASSES; p++) {
            for (int i = 0; i < y.length; i++) {
                y[i] = y[i] * 0.5f + 0.25f; // converges to 0.5: no overflow, no subnormals
            }
        }
    }
}
