package org.bnlab.cli;

import java.lang.management.ManagementFactory;

/**
 * Bytes allocated so far by the calling thread, from HotSpot's per-thread counter: a steady-state
 * step that allocates shows up here long before it shows up in GC logs or timings (boxed vectors
 * when C2 did not intrinsify a Vector API call site cost megabytes per training step).
 */
final class ThreadAllocation {
    private ThreadAllocation() {}

    /** The calling thread's allocated bytes, or -1 where the JVM has no such counter. */
    static long bytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean
                && bean.isThreadAllocatedMemorySupported() && bean.isThreadAllocatedMemoryEnabled()) {
            return bean.getThreadAllocatedBytes(Thread.currentThread().getId());
        }
        return -1;
    }
}
