package org.bnlab.engine;

import org.bnlab.kernel.KernelProvider;
import org.bnlab.kernel.Parallel;
import org.bnlab.kernel.Simd;

/**
 * Process-wide settings of bnlab's compute engine: the number of worker threads, and which kernels
 * run (the Vector API kernels, or the scalar kernels that are their specification). Results do not
 * depend on either: every parallel reduction uses fixed partitions merged in index order.
 */
public final class Engine {
    private Engine() {
    }

    /** Worker threads used by the kernels (default: the available processors). */
    public static int threads() {
        return Parallel.threads();
    }

    /**
     * Sets the number of worker threads for every later kernel call.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static void setThreads(int n) {
        Parallel.setThreads(n);
    }

    /**
     * Whether training steps may run on 1 thread instead of {@link #threads()} while that measures
     * faster: the thread count is then the most threads a step uses. On by default; off with
     * {@code -Dbnlab.threadTuning=false} or {@link #setThreadTuning}. Results are the same bits either way.
     */
    public static boolean threadTuning() {
        return Parallel.threadTuning();
    }

    /** Turns the thread tuning on or off for trainers built afterwards (see {@link #threadTuning()}). */
    public static void setThreadTuning(boolean on) {
        Parallel.setThreadTuning(on);
    }

    /** True if the Vector API kernels run; false with {@code -Dbnlab.simd=false} or without the module. */
    public static boolean simd() {
        return KernelProvider.get().vectorized();
    }

    /** A one-line description of the kernels in use, e.g. for provenance. */
    public static String kernels() {
        return Simd.describe();
    }

    /**
     * Reads bnlab's system properties ({@code bnlab.threads}, {@code bnlab.threadTuning},
     * {@code bnlab.simd}, {@code bnlab.bn.denseRows}) now, so that a bad value is reported here, by
     * name, instead of from deep inside the first layer that needs the kernels.
     *
     * @throws IllegalArgumentException naming the property and the bad value
     */
    public static void checkSystemProperties() {
        try {
            threads();
            threadTuning();
            simd();
        } catch (ExceptionInInitializerError e) {
            Throwable cause = e;
            while (cause instanceof ExceptionInInitializerError && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof IllegalArgumentException) {
                throw (IllegalArgumentException) cause;
            }
            throw e;
        }
    }
}
