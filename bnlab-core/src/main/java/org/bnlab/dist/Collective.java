package org.bnlab.dist;

/**
 * A fixed group of {@link #size()} replicas, ranked 0 .. size-1, that exchange numbers (PyTorch's
 * ProcessGroup, reduced to what SyncBatchNorm needs).
 *
 * <p>All-gather rather than all-reduce, as PyTorch's SyncBatchNorm does for its statistics: every
 * replica receives every contribution in rank order and reduces them itself, in that order, so the
 * result is the same on every replica and does not depend on arrival order or timing. An all-reduce
 * is an all-gather followed by a sum in rank order.
 *
 * <p>Contract: every replica makes the same sequence of calls with contributions of equal length
 * (a replica with nothing to contribute still calls, with zeros, or the others wait forever).
 * Implementations must not hang on a missing or failed replica: they fail every waiting caller with a
 * {@link CollectiveException} naming the replica instead.
 */
public interface Collective {

    /** Number of replicas in the group. */
    int size();

    /**
     * Blocks until every replica has called with its contribution {@code send}; then
     * {@code recv[r * send.length + i]} is replica r's {@code send[i]} for every rank r.
     * {@code recv.length} must be {@code size() * send.length}; {@code send} is not modified.
     *
     * @throws CollectiveException if a replica failed, timed out or contributed a different length
     */
    void allGather(int rank, double[] send, double[] recv);
}
