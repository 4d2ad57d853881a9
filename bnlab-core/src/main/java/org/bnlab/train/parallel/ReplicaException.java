package org.bnlab.train.parallel;

/**
 * A data-parallel step failed: in one replica (the cause is that replica's exception, for example the
 * IllegalArgumentException of a layer), or in the collective (a replica did not arrive in time; the
 * message names it). The other replicas were released; no optimizer step was taken.
 */
public final class ReplicaException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int replica;

    public ReplicaException(String message, int replica, Throwable cause) {
        super(message, cause);
        this.replica = replica;
    }

    /** Rank of the replica whose own code failed, or -1 when the collective failed (a replica did not arrive in time). */
    public int replica() {
        return replica;
    }
}
