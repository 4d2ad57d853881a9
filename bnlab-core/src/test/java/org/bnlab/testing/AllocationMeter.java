package org.bnlab.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * Bytes allocated by the calling thread (HotSpot's per-thread counter), for the tests that pin down
 * "a steady-state training step allocates nothing". Skips the test where the counter is missing.
 */
public final class AllocationMeter {

    private AllocationMeter() {}

    /**
     * Runs {@code rounds} rounds of {@code calls} calls of {@code body} on this thread and returns the
     * fewest bytes one round allocated, stopping early at a round of 0: a round that overlaps a JIT
     * recompilation can allocate a few bytes while it happens, a real allocation shows in every round.
     */
    public static long bestOfRounds(int rounds, int calls, Runnable body) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "no allocation counter");
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) mx;
        long tid = Thread.currentThread().getId();
        long best = Long.MAX_VALUE;
        for (int round = 0; round < rounds && best > 0; round++) {
            long start = bean.getThreadAllocatedBytes(tid);
            for (int i = 0; i < calls; i++) {
                body.run();
            }
            best = Math.min(best, bean.getThreadAllocatedBytes(tid) - start);
        }
        return best;
    }
}
