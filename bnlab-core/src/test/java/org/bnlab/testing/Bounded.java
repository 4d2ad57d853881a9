package org.bnlab.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs untrusted-input code (a reader given a mutated file) on a worker thread with a time limit, and
 * measures what that thread allocated (HotSpot's per-thread counter): the fuzzers' and limit tests'
 * "never hangs, never allocates beyond a bound". A call that does not finish in time fails the test
 * and its thread is abandoned (daemon), so the next call gets a fresh one.
 */
public final class Bounded {

    /** What a call threw (null if it returned) and the bytes its thread allocated meanwhile. */
    public record Outcome(Throwable thrown, long allocatedBytes) {
    }

    private static ExecutorService worker = newWorker();

    private Bounded() {
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bounded-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code body}; fails the test with {@code what} if it takes longer than {@code timeout}. */
    public static synchronized Outcome run(Duration timeout, String what, Callable<?> body) throws InterruptedException {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "no allocation counter");
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) mx;
        Future<Outcome> f = worker.submit(() -> {
            long tid = Thread.currentThread().getId();
            long start = bean.getThreadAllocatedBytes(tid);
            Throwable thrown = null;
            try {
                body.call();
            } catch (Throwable t) {
                thrown = t;
            }
            return new Outcome(thrown, bean.getThreadAllocatedBytes(tid) - start);
        });
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            return fail(what + ": did not finish within " + timeout + " (a hang)");
        } catch (ExecutionException e) {
            throw new IllegalStateException("the harness itself failed", e.getCause());
        }
    }
}
