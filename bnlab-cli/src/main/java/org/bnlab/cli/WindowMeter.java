package org.bnlab.cli;

import java.util.Arrays;

/**
 * What bench records beside the operations' times in a case's timed window: the calling thread's
 * allocation at the ends of eight parts of the window, and the host's speed meanwhile
 * ({@link HostReference}'s two loops, every 20 ms between operations, outside their timings).
 *
 * <p>Steady allocation is the fewest bytes per operation in any part: an allocation of the
 * operation's own (boxed vectors, a buffer per call) shows in every part, while the JVM's one-time
 * work on the calling thread shows in one or two. When C2 compiles a method, HotSpot first resolves
 * every string constant of the method's class on the thread that requested the compilation (the
 * error messages of Trainer, Linear, SGD...: 56-480 bytes at a time), and a step's once-per-step
 * methods reach C2's 5,000-call threshold thousands of steps in, often inside the window.
 *
 * <p>All arrays are sized up front: nothing here allocates while the window runs.
 */
final class WindowMeter {
    static final int PARTS = 8;
    private static final long REFERENCE_EVERY_NANOS = 20_000_000L;
    /** Room for one reference sample per 20 ms of a window of up to 100 s. */
    private static final int REFERENCE_SAMPLES = 5000;

    private final long begin;
    private final long window;
    private final long[] partBytes = new long[PARTS + 1];
    private final int[] partOps = new int[PARTS + 1];
    private int part;
    private final double[] fmaRef = new double[REFERENCE_SAMPLES];
    private final double[] cacheRef = new double[REFERENCE_SAMPLES];
    private int references;
    private long nextReference;

    /** Starts the meter for a window of {@code windowNanos} beginning now. */
    WindowMeter(long windowNanos) {
        window = windowNanos;
        begin = System.nanoTime();
        nextReference = begin;
        partBytes[0] = ThreadAllocation.bytes();
    }

    /** After the {@code count}-th operation, which ended at {@code end} (System.nanoTime). */
    void afterOperation(long end, int count) {
        if (part < PARTS - 1 && end - begin >= window / PARTS * (part + 1) && count - partOps[part] >= 2) {
            part++;
            partBytes[part] = ThreadAllocation.bytes();
            partOps[part] = count;
        }
        if (end >= nextReference && references < REFERENCE_SAMPLES) {
            fmaRef[references] = HostReference.fmaMs();
            cacheRef[references++] = HostReference.cacheMs();
            nextReference = System.nanoTime() + REFERENCE_EVERY_NANOS;
        }
    }

    /** Ends the window after {@code count} operations. */
    void finish(int count) {
        partBytes[++part] = ThreadAllocation.bytes();
        partOps[part] = count;
        Arrays.sort(fmaRef, 0, references);
        Arrays.sort(cacheRef, 0, references);
    }

    /** Whether the JVM has a per-thread allocation counter (else the byte figures mean nothing). */
    boolean countsBytes() {
        return partBytes[0] >= 0;
    }

    long steadyBytesPerOp() {
        return steadyBytesPerOp(partBytes, partOps, part);
    }

    long bytesInWindow() {
        return partBytes[part] - partBytes[0];
    }

    double referenceFmaMs() {
        return fmaRef[references / 2];
    }

    double referenceCacheMs() {
        return cacheRef[references / 2];
    }

    /**
     * The fewest bytes per operation in any of the {@code parts} recorded parts of a window, rounded up so that
     * an allocation every few operations still counts (64 bytes every 100 steps is 1, not 0).
     */
    static long steadyBytesPerOp(long[] partBytes, int[] partOps, int parts) {
        long fewest = Long.MAX_VALUE;
        for (int q = 0; q < parts; q++) {
            int ops = partOps[q + 1] - partOps[q];
            if (ops > 0) {
                fewest = Math.min(fewest, (partBytes[q + 1] - partBytes[q] + ops - 1) / ops);
            }
        }
        return fewest;
    }
}
