package org.bnlab.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
import org.bnlab.dist.ThreadCollective;

/** Runs a body once per replica, each on its own thread, the way a data-parallel step does (tests only). */
public final class Replicas {
    private Replicas() {}

    /**
     * Runs {@code body.accept(r)} for r in [0, collective.size()) on separate threads and waits at most
     * 30 s. A replica that throws aborts the collective (so the others do not wait for it); the failures
     * are returned by replica, null where the replica succeeded.
     */
    public static Throwable[] run(ThreadCollective collective, IntConsumer body) {
        int n = collective.size();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    try {
                        body.accept(rank);
                    } catch (RuntimeException | Error e) {
                        collective.abort(rank, e);
                        throw e;
                    }
                }));
            }
            Throwable[] failures = new Throwable[n];
            for (int r = 0; r < n; r++) {
                try {
                    futures.get(r).get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    failures[r] = e.getCause();
                } catch (InterruptedException | TimeoutException e) {
                    throw new AssertionError("replica " + r + " did not finish", e);
                }
            }
            return failures;
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@link #run}, failing with the first replica's failure if any replica failed. */
    public static void runAll(ThreadCollective collective, IntConsumer body) {
        Throwable[] failures = run(collective, body);
        for (int r = 0; r < failures.length; r++) {
            if (failures[r] != null) {
                throw new AssertionError("replica " + r + " failed", failures[r]);
            }
        }
    }
}
