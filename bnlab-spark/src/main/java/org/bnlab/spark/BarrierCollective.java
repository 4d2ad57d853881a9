package org.bnlab.spark;

import org.apache.spark.BarrierTaskContext;
import org.bnlab.dist.CollectiveException;

/**
 * {@link org.bnlab.dist.Collective} over Spark's barrier execution: one {@link BarrierTaskContext#allGather} per call,
 * which routes every task's string through the driver's BarrierCoordinator and returns all of them
 * ordered by partition id, so rank = partition id and the rank order of the Collective contract holds.
 * Values travel exactly ({@link DoubleCodec}).
 *
 * <p>Spark's own rules are the Collective's: every task of the stage must make the same number of
 * calls (or the stage waits until spark.barrier.sync.timeout); a task that fails makes Spark fail the
 * whole stage and kill the others. The time spent inside allGather (waiting for the slowest task
 * included) is summed in {@link #nanos()}, the communication share of a step.
 *
 * <p>Slow by design of Spark, not of the encoding: the task polls the driver's reply once a second
 * (BarrierTaskContext.runBarrier sleeps 1000 ms while the RPC is incomplete), so a call costs about a
 * second whatever its size. {@link SocketCollective} is the default; this one is kept for
 * {@code --spark-channel barrier} and for that measurement (docs/SCALE.md).
 */
final class BarrierCollective implements MeasuredCollective {
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

    @Override
    public long nanos() {
        return nanos;
    }

    @Override
    public long calls() {
        return calls;
    }

    @Override
    public void close() {
        // nothing to release: the channel is Spark's
    }
}
