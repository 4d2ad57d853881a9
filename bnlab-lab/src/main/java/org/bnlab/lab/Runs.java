package org.bnlab.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs independent trainings (seeds, sweep points) side by side on {@code workers} threads, or on the
 * {@link RunExecutor} of the experiment in progress ({@link #within}).
 *
 * <p>Each training is a pure function of its config and seed, and the kernels' results do not depend
 * on which thread runs them, so the numbers are the same for any worker count; only the wall time
 * changes. Results come back in the order of the inputs.
 */
public final class Runs {
    private Runs() {}

    /** The experiment running on this thread, its executor and how many batches of runs it has asked for. */
    private static final class Scope {
        final RunExecutor executor;
        final String experiment;
        int calls;

        Scope(RunExecutor executor, String experiment) {
            this.executor = executor;
            this.experiment = experiment;
        }
    }

    private static final ThreadLocal<Scope> SCOPE = new ThreadLocal<>();

    /**
     * Runs {@code body} (an experiment's {@code run}) with {@code executor} serving its calls to
     * {@link #map} made on this thread, numbered from 0 in the order made.
     */
    public static <R> R within(RunExecutor executor, String experiment, Supplier<R> body) {
        Scope outer = SCOPE.get();
        SCOPE.set(new Scope(executor, experiment));
        try {
            return body.get();
        } finally {
            if (outer == null) {
                SCOPE.remove();
            } else {
                SCOPE.set(outer);
            }
        }
    }

    /** {@code run} over {@code inputs} on the current experiment's executor, else on {@code workers} threads. */
    public static <T, R> List<R> map(int workers, List<T> inputs, Function<T, R> run) {
        Scope s = SCOPE.get();
        if (s == null) {
            return onThreads(workers, inputs, run);
        }
        return s.executor.map(s.experiment, s.calls++, workers, inputs, run);
    }

    /** {@code run} over {@code inputs} on {@code workers} threads, results in input order. */
    static <T, R> List<R> onThreads(int workers, List<T> inputs, Function<T, R> run) {
        if (workers <= 1 || inputs.size() <= 1) {
            List<R> out = new ArrayList<>();
            for (T in : inputs) {
                out.add(run.apply(in));
            }
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(workers, inputs.size()), r -> {
            Thread t = new Thread(r, "bnlab-lab-run");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<R>> futures = new ArrayList<>();
            for (T in : inputs) {
                futures.add(pool.submit(() -> run.apply(in)));
            }
            List<R> out = new ArrayList<>();
            for (Future<R> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            if (c instanceof Error) {
                throw (Error) c; // e.g. OutOfMemoryError: the lab reports it as the experiment's failure
            }
            throw new IllegalStateException(c);
        } finally {
            pool.shutdownNow();
        }
    }
}
