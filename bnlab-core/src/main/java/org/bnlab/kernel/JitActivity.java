package org.bnlab.kernel;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Whether the JIT compiler is busy, for {@link Parallel} to keep jobs on the caller's thread while it
 * is. A run's first seconds are spent waiting for C2 to compile the Vector API kernels (they run boxed,
 * tens of times slower, until then), and on a machine with few cores a second training thread takes
 * the core the compiler needs. Measured on 2 cores (Zen 5, JDK 25), `train --bn --steps 3000` (paper
 * MLP) on 2 threads: 1,354-1,564 steps/s before, 1,628-1,633 after, against 1,563-1,663 on 1 thread.
 *
 * <p>The signal is the JVM's accumulated compilation time ({@link CompilationMXBean}, milliseconds,
 * counted when a compilation ends), read at most once per window of {@value #WINDOW_MS} ms: a window
 * in which it grew by at least {@value #BUSY_MS} ms is busy, and the pool stays serial until
 * {@value #QUIET_WINDOWS} windows in a row were quiet (compilations come in bursts: going parallel in
 * every short lull measured no better than not waiting at all). Start-up only: then never again
 * ({@link Windows}), and never after {@value #MAX_SERIAL_MS} ms from the first parallel job, whatever
 * the compiler does. A process that runs many different kernels (the lab, {@code bench}) keeps its
 * compiler busy for longer, and there the parallel speed-up matters more (measured: {@code bench
 * --threads 2} of [256,64,32,32] without the cap ran some cases serially). Results never depend on it:
 * every kernel gives the same bits on any number of threads. System property
 * {@code bnlab.jitAware=false} turns it off (the tests do, so that they exercise the pool).
 */
final class JitActivity {
    static final long WINDOW_MS = 10;
    static final long BUSY_MS = 2;
    static final int QUIET_WINDOWS = 20;
    /** The longest the pool stays serial for the compiler, from the first parallel job. */
    static final long MAX_SERIAL_MS = 2_000;

    private static final CompilationMXBean BEAN = bean();
    private static final boolean ENABLED = BEAN != null
            && !"false".equalsIgnoreCase(System.getProperty("bnlab.jitAware", "true"));
    private static final Windows WINDOWS = new Windows();

    private static final long START = System.nanoTime();
    private static long windowStart = START;
    private static long windowTotal = ENABLED ? BEAN.getTotalCompilationTime() : 0;
    private static volatile boolean busy = ENABLED;

    private JitActivity() {}

    private static CompilationMXBean bean() {
        try {
            CompilationMXBean b = ManagementFactory.getCompilationMXBean();
            return b != null && b.isCompilationTimeMonitoringSupported() ? b : null;
        } catch (RuntimeException | LinkageError e) {
            return null; // no JIT (an interpreter-only VM): never busy
        }
    }

    /** Whether the compiler counts as busy now; cheap (a clock read) between window ends, allocation-free. */
    static boolean busy() {
        if (!ENABLED) {
            return false;
        }
        long now = System.nanoTime();
        if (now - windowStart >= WINDOW_MS * 1_000_000L) {
            synchronized (JitActivity.class) {
                if (now - windowStart >= WINDOW_MS * 1_000_000L) {
                    long total = BEAN.getTotalCompilationTime();
                    busy = WINDOWS.busyAfter(total - windowTotal) && now - START < MAX_SERIAL_MS * 1_000_000L;
                    windowTotal = total;
                    windowStart = now;
                }
            }
        }
        return busy;
    }

    /**
     * The decision over successive windows: busy until QUIET_WINDOWS windows in a row compiled less than
     * BUSY_MS, then never again. Start-up only: once the pool runs parallel, the code paths it takes
     * are new to the compiled kernels, and the recompilations that follow (a few ms) would make the pool
     * flip back and forth between serial and parallel, each flip costing more recompilation (measured:
     * `bench --threads 2` then counted 7-90 KB of boxed vectors per step in 5 of 6 JVMs).
     */
    static final class Windows {
        private int quiet;

        /** Records a window in which the compiler ran {@code compileMs}; returns whether it counts as busy now. */
        boolean busyAfter(long compileMs) {
            if (quiet < QUIET_WINDOWS) {
                quiet = compileMs >= BUSY_MS ? 0 : quiet + 1;
            }
            return quiet < QUIET_WINDOWS;
        }
    }
}
