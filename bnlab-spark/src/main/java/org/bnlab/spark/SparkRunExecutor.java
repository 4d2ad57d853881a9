package org.bnlab.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.api.java.JavaSparkContext;
import org.bnlab.lab.RunExecutor;

/**
 * Runs each of the lab's runs (experiment x setting x seed) as one Spark task; the driver keeps the
 * experiment's own code (charts, claims, report). Every batch of runs an experiment asks for is one
 * Spark job of one task per run; a task ships (settings, experiment, batch, run index, the earlier
 * batches' results) and rebuilds the run on the executor ({@link LabTask}). The results are those of the
 * local run: a run is a deterministic function of its inputs, whichever machine and attempt computes it,
 * so a task that Spark retries gives the same numbers. A run that fails on every attempt fails the lab
 * with an {@link IllegalStateException} naming the experiment, the batch, the run and its input.
 */
final class SparkRunExecutor implements RunExecutor {
    private final JavaSparkContext sc;
    private final LabSettings settings;
    /** Per experiment, the encoded results of its batches so far (later batches may depend on them). */
    private final Map<String, List<List<Serializable>>> batches = new HashMap<>();

    SparkRunExecutor(JavaSparkContext sc, LabSettings settings) {
        this.sc = sc;
        this.settings = settings;
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized <T, R> List<R> map(String experiment, int call, int workers, List<T> inputs, Function<T, R> run) {
        if (call == 0) {
            batches.put(experiment, new ArrayList<>());
        }
        List<List<Serializable>> earlier = batches.get(experiment);
        if (earlier == null || earlier.size() != call) {
            throw new IllegalStateException(experiment + ": batch of runs " + call + " asked for out of order");
        }
        List<Integer> jobs = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            jobs.add(i);
        }
        List<Serializable> encoded;
        try {
            encoded = new ArrayList<>(sc.parallelize(jobs, Math.max(1, jobs.size()))
                    .map(new LabTask(settings, experiment, call, inputs.size(), List.copyOf(earlier))).collect());
        } catch (Exception e) { // SparkException is checked, and thrown undeclared from Scala
            throw new IllegalStateException("spark: " + experiment + ": a run failed on every attempt: " + SparkContexts.firstLine(e), e);
        }
        earlier.add(encoded);
        List<R> out = new ArrayList<>();
        for (Serializable s : encoded) {
            out.add((R) RecordCodec.decode(s));
        }
        return out;
    }

}
