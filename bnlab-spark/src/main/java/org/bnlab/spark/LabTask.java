package org.bnlab.spark;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.function.Function;
import org.bnlab.engine.Engine;
import org.bnlab.lab.Experiment;
import org.bnlab.lab.LabContext;
import org.bnlab.lab.Runs;

/**
 * One of the lab's runs as a Spark task: rebuilds the context, runs the experiment up to its batch
 * {@code call} with a {@link ReplayExecutor}, and returns run {@code job}'s result, encoded.
 */
record LabTask(LabSettings settings, String experiment, int call, int jobs, List<List<Serializable>> earlier)
        implements Function<Integer, Serializable> {

    @Override
    public Serializable call(Integer job) throws Exception {
        Engine.setThreads(1); // one task, one core; results do not depend on it
        ReplayExecutor replay = new ReplayExecutor(call, job, jobs, earlier);
        LabContext ctx = settings.context(replay);
        Experiment e = settings.experiments().apply(experiment);
        try {
            Runs.within(replay, experiment, () -> e.run(ctx));
        } catch (ReplayExecutor.Done d) {
            return RecordCodec.encode(d.result);
        }
        throw new IllegalStateException(experiment + " finished on the executor before its batch of runs " + call
                + " (the experiment must be a deterministic function of its context)");
    }
}
