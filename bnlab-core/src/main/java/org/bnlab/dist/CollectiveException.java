package org.bnlab.dist;

/**
 * A collective operation could not complete: a replica failed (the cause is that replica's exception),
 * did not arrive in time, or broke the contract. Thrown to every replica waiting in the operation, so
 * none of them hangs.
 */
public final class CollectiveException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
