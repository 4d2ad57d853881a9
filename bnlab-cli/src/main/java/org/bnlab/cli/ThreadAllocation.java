package org.bnlab.cli;

import java.lang.management.ManagementFactory;

/**
 * Bytes allocated so far by the calling thread, from HotSpot's per-thread counter: a steady-state
 * step that allocates shows up here long before it shows up in GC logs or timings (boxed vectors
 * when C2 did not intrinsify a Vector API call site cost megabytes per training step).
 *
 * <p>The bean is looked up once: {@code ManagementFactory.getThreadMXBean()} allocates ~0.8 KB per
 * call (the platform-component lambdas), which bench divided by the operation count and reported
 * as 5-32 bytes per CNN step, an allocation of the measurement's own.
 */
final class ThreadAllocation {
    private static final com.sun.management.ThreadMXBean BEAN = bean();

    private ThreadAllocation() {}

    /** The calling thread's allocated bytes, or -1 where the JVM has no such counter. */
    static long bytes() {
        return BEAN == null ? -1 : BEAN.getCurrentThreadAllocatedBytes();
    }

    private static com.sun.management.ThreadMXBean bean() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean b
                && b.isThreadAllocatedMemorySupported() && b.isThreadAllocatedMemoryEnabled()) {
            return b;
        }
        return null;
    }
}
