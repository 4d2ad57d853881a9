package org.bnlab.lab;

import java.util.List;
import java.util.function.Function;

/**
 * Where the lab's independent runs (experiment x setting x seed) execute. {@link Runs#map} hands every
 * batch of runs to the executor of the experiment in progress ({@link Runs#within}); the default,
 * {@link #THREADS}, runs them on local threads.
 *
 * <p>An executor that runs them elsewhere (a cluster) cannot ship {@code run}, a closure over the
 * experiment's state; it ships instead what rebuilds it: the experiment's name, the index
 * {@code call} of this batch among the experiment's calls to {@link Runs#map} (0, 1, ...), the run's
 * index in {@code inputs} and the context's settings. The remote side runs the experiment again up to
 * that call (experiments are deterministic functions of the context, so it builds the same inputs) and
 * runs only the one input.
 */
public interface RunExecutor {

    /**
     * {@code run.apply(input)} for every input, results in input order.
     *
     * @param experiment the name of the experiment making the call
     * @param call       which of the experiment's calls this is, counting from 0
     * @param workers    the context's worker count (threads for local execution)
     */
    <T, R> List<R> map(String experiment, int call, int workers, List<T> inputs, Function<T, R> run);

    /** Runs on {@code workers} local threads. */
    RunExecutor THREADS = new RunExecutor() {
        @Override
        public <T, R> List<R> map(String experiment, int call, int workers, List<T> inputs, Function<T, R> run) {
            return Runs.onThreads(workers, inputs, run);
        }
    };
}
