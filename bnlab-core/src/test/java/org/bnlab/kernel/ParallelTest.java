package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** Parallel.forRange: every index exactly once, chunks on grain boundaries, failures rethrown. */
class ParallelTest {

    /** -Dbnlab.threadTuning: on unless "false"; a typo is an error naming the property and the value. */
    @Test
    void threadTuningPropertyIsParsedStrictly() {
        assertTrue(Parallel.parseTuning(null));
        assertTrue(Parallel.parseTuning(" true "));
        assertFalse(Parallel.parseTuning("false"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parallel.parseTuning("off"));
        assertTrue(e.getMessage().contains("bnlab.threadTuning") && e.getMessage().contains("'off'"), e.getMessage());
    }

    @Test
    void everyIndexRunsExactlyOnceForAnyThreadCountAndSize() throws Exception {
        int before = Parallel.threads();
        try {
            SplittableRandom r = new SplittableRandom(7);
            for (int t = 1; t <= 4; t++) {
                Parallel.setThreads(t);
                for (int job = 0; job < 2000; job++) {
                    int n = 1 + r.nextInt(5000);
                    int grain = 1 + r.nextInt(300);
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    Parallel.forRange(n, grain, (from, to) -> {
                        assertTrue(from % grain == 0 && from < to && to <= n, "chunk [" + from + ", " + to + ")");
                        for (int i = from; i < to; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "index " + i + " of n=" + n + " grain=" + grain + " threads=" + t);
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void aCallerCapLimitsOnlyThatCallersThreads() throws Exception {
        int before = Parallel.threads();
        Parallel.setThreads(2);
        try {
            Thread main = Thread.currentThread();
            java.util.Set<Thread> ran = java.util.concurrent.ConcurrentHashMap.newKeySet();
            assertEquals(0, Parallel.limitCallerThreads(1));
            for (int job = 0; job < 200; job++) {
                Parallel.forRange(4096, 16, (from, to) -> ran.add(Thread.currentThread()));
            }
            assertEquals(java.util.Set.of(Thread.currentThread()), ran, "capped at 1: every chunk on the caller");
            java.util.List<String> ranges = new java.util.ArrayList<>();
            Parallel.forRange(4096, 16, (from, to) -> ranges.add(from + ".." + to));
            assertEquals(java.util.List.of("0..4096"), ranges, "capped at 1: one chunk, as a serial call");
            assertFalse(Parallel.keepChunksWhenCapped(true));
            ranges.clear();
            Parallel.forRange(4096, 16, (from, to) -> ranges.add(Thread.currentThread() == main ? from + ".." + to : "worker"));
            java.util.List<String> expected = new java.util.ArrayList<>();
            int chunks = Parallel.chunks(4096, 16, 2);
            for (int c = 0; c < chunks; c++) {
                expected.add(Parallel.chunkStart(4096, 16, chunks, c) + ".." + Parallel.chunkStart(4096, 16, chunks, c + 1));
            }
            assertEquals(expected, ranges, "capped at 1, chunks kept: a 2-thread call's chunks, in order, on the caller");
            assertTrue(Parallel.keepChunksWhenCapped(false));
            // another thread is not capped by this one's cap
            java.util.Set<Thread> other = java.util.concurrent.ConcurrentHashMap.newKeySet();
            Thread t = new Thread(() -> {
                for (int job = 0; job < 2000 && other.size() < 2; job++) {
                    Parallel.forRange(1 << 16, 16, (from, to) -> {
                        other.add(Thread.currentThread());
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000); // let the worker claim one
                    });
                }
            });
            t.start();
            t.join();
            assertEquals(2, other.size(), "an uncapped caller uses the worker too");
            assertEquals(1, Parallel.limitCallerThreads(0), "the cap returned is the one set");
            assertThrows(IllegalArgumentException.class, () -> Parallel.limitCallerThreads(-1));
        } finally {
            Parallel.limitCallerThreads(0);
            Parallel.keepChunksWhenCapped(false);
            Parallel.setThreads(before);
        }
    }

    @Test
    void concurrentCallersAndNestedCallsComplete() throws Exception {
        int before = Parallel.threads();
        Parallel.setThreads(3);
        try {
            long[] sums = new long[2];
            Thread[] callers = new Thread[2];
            for (int c = 0; c < 2; c++) {
                int id = c;
                callers[c] = new Thread(() -> {
                    for (int job = 0; job < 500; job++) {
                        long[] part = new long[1000];
                        Parallel.forRange(1000, 10, (from, to) -> Parallel.forRange(to - from, 1, (a, b) -> {
                            for (int i = a; i < b; i++) {
                                part[from + i] += from + i;
                            }
                        }));
                        long s = 0;
                        for (long v : part) {
                            s += v;
                        }
                        sums[id] += s;
                    }
                });
                callers[c].start();
            }
            for (Thread t : callers) {
                t.join(60_000);
            }
            assertArrayEquals(new long[] {500L * 999 * 1000 / 2, 500L * 999 * 1000 / 2}, sums);
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void chunkBoundariesAreWholeGrainsAndCoverTheRange() {
        for (int n : new int[] {1, 15, 16, 17, 32, 1000, 30_000, 65_537}) {
            for (int grain : new int[] {1, 3, 16, 1 << 14}) {
                for (int parts = 1; parts <= 4; parts++) {
                    int chunks = Parallel.chunks(n, grain, parts);
                    assertEquals(0, Parallel.chunkStart(n, grain, chunks, 0));
                    assertEquals(n, Parallel.chunkStart(n, grain, chunks, chunks));
                    for (int p = 1; p < chunks; p++) {
                        int s = Parallel.chunkStart(n, grain, chunks, p);
                        assertEquals(0, s % grain, "n=" + n + " grain=" + grain + " chunk " + p);
                        assertTrue(s >= Parallel.chunkStart(n, grain, chunks, p - 1));
                    }
                    for (int p = 0; p < chunks; p++) {
                        // balanced: no chunk more than a grain above an equal share
                        int size = Parallel.chunkStart(n, grain, chunks, p + 1) - Parallel.chunkStart(n, grain, chunks, p);
                        assertTrue(size <= (n + chunks - 1) / chunks + grain,
                                "n=" + n + " grain=" + grain + " chunks=" + chunks + " chunk " + p + " has " + size);
                    }
                }
            }
        }
    }

    @Test
    void aFailureInAnyChunkIsRethrownAndThePoolStaysUsable() {
        int before = Parallel.threads();
        Parallel.setThreads(2);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(100, 1, (from, to) -> {
                if (from <= 90 && 90 < to) {
                    throw new IllegalStateException("chunk with 90");
                }
            }));
            assertEquals("chunk with 90", e.getMessage());
            int[] ran = new int[100];
            Parallel.forRange(100, 1, (from, to) -> {
                for (int i = from; i < to; i++) {
                    ran[i]++;
                }
            });
            for (int v : ran) {
                assertEquals(1, v);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }
}
