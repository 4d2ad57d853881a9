package org.bnlab.spark;

import org.apache.spark.BarrierTaskContext;
import org.bnlab.dist.Collective;
import org.bnlab.dist.CollectiveException;

/**
 * {@link Collective} over Spark's barrier execution: one {@link BarrierTaskContext#allGather} per call,
 * which routes every task's string through the driver's BarrierCoordinator and returns all of them
 * ordered by partition id, so rank = partition id and the rank order of the Collective contract holds.
 * Values travel exactly ({@link DoubleCodec}).
 *
 * <p>Spark's own rules are the Collective's: every task of the stage must make the same number of
 * calls (or the stage waits until spark.barrier.sync.timeout); a task that fails makes Spark fail the
 * whole stage and kill the others. The time spent inside allGather (waiting for the slowest task
 * included) is summed in {@link #nanos()}, the communication share of a step.
 */
final class BarrierCollective implements Collective {
    private final BarrierTaskContext context;
    private final int rank;
    private final int size;
    private long nanos;
    private long calls;

    BarrierCollective(BarrierTaskContext context) {
        this.context = context;
        this.rank = context.partitionId();
        this.size = context.getTaskInfos().length;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allGather(int rank, double[] send, double[] recv) {
        if (rank != this.rank) {
            throw new IllegalArgumentException("BarrierCollective: called as rank " + rank + " from the task of partition " + this.rank);
        }
        if (recv.length != (long) size * send.length) {
            throw new IllegalArgumentException("BarrierCollective: recv must hold " + size + " * " + send.length + " values, got " + recv.length);
        }
        long t0 = System.nanoTime();
        String[] all;
        try {
            all = context.allGather(DoubleCodec.encode(send));
        } catch (RuntimeException e) {
            throw new CollectiveException("replica " + rank + " of " + size + ": Spark barrier allGather failed: " + e.getMessage(), e);
        }
        for (int r = 0; r < size; r++) {
            DoubleCodec.decode(all[r], recv, r * send.length, send.length, "replica " + r);
        }
        nanos += System.nanoTime() - t0;
        calls++;
    }

    /** Nanoseconds spent in allGather so far (encoding, the round trip through the driver, decoding). */
    long nanos() {
        return nanos;
    }

    /** allGather calls so far. */
    long calls() {
        return calls;
    }
}
