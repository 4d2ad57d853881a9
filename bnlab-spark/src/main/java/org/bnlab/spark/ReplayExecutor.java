package org.bnlab.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bnlab.lab.RunExecutor;

/**
 * The executor an experiment runs with inside a Spark task, to reach one run: the experiment's earlier
 * batches of runs are answered with the driver's results (sent with the task), and at batch
 * {@code call} only input {@code job} runs; its result ends the experiment early with {@link Done}.
 */
final class ReplayExecutor implements RunExecutor {
    private final int call;
    private final int job;
    private final int jobs;
    private final List<List<Serializable>> earlier;

    /** Thrown at the target run with its result: the rest of the experiment is the driver's. */
    static final class Done extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Object result;

        Done(Object result) {
            super(null, null, false, false);
            this.result = result;
        }
    }

    ReplayExecutor(int call, int job, int jobs, List<List<Serializable>> earlier) {
        this.call = call;
        this.job = job;
        this.jobs = jobs;
        this.earlier = earlier;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T, R> List<R> map(String experiment, int c, int workers, List<T> inputs, Function<T, R> run) {
        if (c < call) {
            List<R> out = new ArrayList<>();
            for (Serializable s : earlier.get(c)) {
                out.add((R) RecordCodec.decode(s));
            }
            return out;
        }
        if (inputs.size() != jobs) {
            throw new IllegalStateException(experiment + ": batch " + c + " has " + inputs.size() + " runs on the executor but "
                    + jobs + " on the driver (the experiment must be a deterministic function of its context)");
        }
        T input = inputs.get(job);
        try {
            throw new Done(run.apply(input));
        } catch (Done d) {
            throw d;
        } catch (RuntimeException e) {
            throw new IllegalStateException("lab run " + experiment + " batch " + c + " run " + job + " (" + input + ") failed: " + e, e);
        }
    }
}
