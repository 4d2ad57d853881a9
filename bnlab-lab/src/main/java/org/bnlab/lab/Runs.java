package org.bnlab.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Runs independent trainings (seeds, sweep points) side by side on {@code workers} threads.
 *
 * <p>Each training is a pure function of its config and seed, and the kernels' results do not depend
 * on which thread runs them, so the numbers are the same for any worker count; only the wall time
 * changes. Results come back in the order of the inputs.
 */
public final class Runs {
    private Runs() {}

    public static <T, R> List<R> map(int workers, List<T> inputs, Function<T, R> run) {
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
            throw new IllegalStateException(c);
        } finally {
            pool.shutdownNow();
        }
    }
}
