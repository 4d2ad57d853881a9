package org.bnlab.dist;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link Collective} for replicas running on threads of one JVM: a reusable barrier that carries data.
 *
 * <p>Each {@link #allGather} is one round: a replica copies its contribution into a shared buffer and
 * waits; the last to arrive copies the gathered buffer into every replica's {@code recv} and releases
 * them all. Copying for everyone before the release means a fast replica may start the next round at
 * once without overwriting data a slow one has yet to read.
 *
 * <p>Why a lock and a condition rather than a {@link java.util.concurrent.CyclicBarrier}: a failure
 * must reach every replica, including one that arrives after the failure happened. Here the failure is
 * state under the same lock as the arrivals, so a replica either sees it on arrival or is woken by it;
 * with a CyclicBarrier, a replica arriving just after {@code reset()} would wait on a fresh barrier
 * until its timeout.
 *
 * <p>Failures: {@link #abort} (a replica's own code threw), a wait longer than the timeout (the error
 * names the replicas that did not arrive) or contributions of different lengths end the round for
 * everyone with a {@link CollectiveException}; later rounds fail the same way until {@link #reset()}.
 */
public final class ThreadCollective implements Collective {
    private final int size;
    private final long timeoutNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();

    // Round state, guarded by lock.
    private final boolean[] arrived;
    private final double[][] recvOf;
    private double[] gathered = new double[0];
    private int arrivedCount;
    private int length;
    private long round;
    private String failure;
    private Throwable failureCause;

    /**
     * A group of {@code size} replicas; a replica waiting longer than {@code timeout} in one round
     * fails the round (and names the replicas that did not arrive).
     */
    public ThreadCollective(int size, long timeout, TimeUnit unit) {
        if (size < 1) {
            throw new IllegalArgumentException("ThreadCollective: size must be >= 1, got " + size);
        }
        if (timeout <= 0) {
            throw new IllegalArgumentException("ThreadCollective: timeout must be > 0, got " + timeout + " " + unit);
        }
        this.size = size;
        this.timeoutNanos = unit.toNanos(timeout);
        this.arrived = new boolean[size];
        this.recvOf = new double[size][];
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allGather(int rank, double[] send, double[] recv) {
        if (rank < 0 || rank >= size) {
            throw new IllegalArgumentException("ThreadCollective.allGather: rank " + rank + " is outside [0, " + size + ")");
        }
        if (send == null || recv == null || recv.length != (long) size * send.length) {
            throw new IllegalArgumentException("ThreadCollective.allGather: replica " + rank + " needs send and recv with recv.length = "
                    + size + " * send.length, got send " + (send == null ? "null" : send.length)
                    + " and recv " + (recv == null ? "null" : recv.length));
        }
        lock.lock();
        try {
            long myRound = round;
            if (failure != null) {
                throw failed(rank, myRound);
            }
            if (arrived[rank]) {
                fail("replica " + rank + " called allGather twice in one round (two threads with one rank?)", null);
                throw failed(rank, myRound);
            }
            if (arrivedCount == 0) {
                length = send.length;
                if (gathered.length < size * length) {
                    gathered = new double[size * length];
                }
            } else if (send.length != length) {
                fail("replica " + rank + " contributed " + send.length + " values in round " + myRound + ", the others " + length, null);
                throw failed(rank, myRound);
            }
            System.arraycopy(send, 0, gathered, rank * length, length);
            arrived[rank] = true;
            recvOf[rank] = recv;
            arrivedCount++;
            if (arrivedCount == size) {
                for (int r = 0; r < size; r++) {
                    System.arraycopy(gathered, 0, recvOf[r], 0, size * length);
                }
                endRound();
                return;
            }
            long left = timeoutNanos;
            while (round == myRound && failure == null) {
                if (left <= 0) {
                    fail("allGather round " + myRound + " timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                            + " ms: replica(s) " + missing() + " did not arrive", null);
                    break;
                }
                try {
                    left = released.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail("replica " + rank + " was interrupted while waiting in allGather round " + myRound, e);
                }
            }
            if (round == myRound) {
                throw failed(rank, myRound);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fails the current round and every later one (until {@link #reset()}) because replica {@code rank}
     * failed with {@code cause}: the replicas waiting in, or arriving at, an allGather throw a
     * {@link CollectiveException} with that cause instead of waiting for it. The first failure wins.
     */
    public void abort(int rank, Throwable cause) {
        lock.lock();
        try {
            fail("replica " + rank + " failed: " + cause, cause);
        } finally {
            lock.unlock();
        }
    }

    /** The failure that ended the last round, or null. */
    public String failure() {
        lock.lock();
        try {
            return failure;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Clears a failure so the group can be used again. Call only when no replica is inside
     * {@link #allGather} (after every replica's thread has returned or thrown).
     */
    public void reset() {
        lock.lock();
        try {
            failure = null;
            failureCause = null;
            endRound();
        } finally {
            lock.unlock();
        }
    }

    private void endRound() {
        Arrays.fill(arrived, false);
        Arrays.fill(recvOf, null);
        arrivedCount = 0;
        round++;
        released.signalAll();
    }

    private void fail(String message, Throwable cause) {
        if (failure == null) {
            failure = message;
            failureCause = cause;
        }
        released.signalAll();
    }

    private CollectiveException failed(int rank, long myRound) {
        return new CollectiveException("replica " + rank + " of " + size + ": allGather round " + myRound + " failed: " + failure, failureCause);
    }

    private List<Integer> missing() {
        List<Integer> m = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            if (!arrived[r]) {
                m.add(r);
            }
        }
        return m;
    }
}
