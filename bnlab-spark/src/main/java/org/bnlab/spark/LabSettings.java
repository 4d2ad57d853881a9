package org.bnlab.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import org.bnlab.lab.Experiment;
import org.bnlab.lab.LabContext;
import org.bnlab.lab.RunExecutor;

/**
 * What a Spark task needs to rebuild the driver's {@link LabContext}: the data (a dataset name, or a
 * directory that every executor can read), the step budget, the seeds, quick, and how to find an
 * experiment by name ({@code Experiments::byName}; tests pass their own).
 */
record LabSettings(String dataset, String dataDir, long steps, long[] seeds, boolean quick, Lookup experiments)
        implements Serializable {

    /** Finds an experiment by name; Serializable so that it travels with the task. */
    interface Lookup extends Function<String, Experiment>, Serializable {}

    static LabSettings of(LabContext ctx, String dataset, String dataDir, Lookup experiments) {
        return new LabSettings(dataset, dataDir, ctx.steps(), ctx.seeds().stream().mapToLong(Long::longValue).toArray(), ctx.quick(),
                experiments);
    }

    /** The context on an executor: one worker (the task is the unit of parallelism), silent, runs served by {@code runs}. */
    LabContext context(RunExecutor runs) throws IOException {
        Dataset ds = dataDir != null ? Datasets.fromDirectory(Path.of(dataDir)) : Datasets.load(dataset);
        List<Long> seedList = Arrays.stream(seeds).boxed().toList();
        return new LabContext(ds, steps, seedList, quick, 1, new PrintStream(PrintStream.nullOutputStream()), runs);
    }
}
