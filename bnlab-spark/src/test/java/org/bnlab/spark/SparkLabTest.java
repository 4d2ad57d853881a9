package org.bnlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.TaskContext;
import org.bnlab.data.Datasets;
import org.bnlab.lab.Experiment;
import org.bnlab.lab.Experiments;
import org.bnlab.lab.Lab;
import org.bnlab.lab.LabContext;
import org.bnlab.lab.Runs;
import org.bnlab.lab.report.ExperimentResult;
import org.bnlab.lab.report.MetricsJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lab with each run as a Spark task (local mode, 2 slots, 2 attempts per task) against the lab on threads. */
class SparkLabTest {

    static LabContext context() throws Exception {
        return new LabContext(Datasets.load(Datasets.MNIST_SAMPLE), 30, List.of(1L), true, 2, new PrintStream(PrintStream.nullOutputStream()));
    }

    static SparkRunExecutor executor(LabContext ctx, LabSettings.Lookup lookup) {
        return new SparkRunExecutor(SparkContexts.get(SparkTrainingTest.MASTER), LabSettings.of(ctx, Datasets.MNIST_SAMPLE, null, lookup));
    }

    static String metrics(Path dir) throws Exception {
        return MetricsJson.withoutRunDependent(MetricsJson.parse(Files.readString(dir.resolve("metrics.json")))).toString();
    }

    /**
     * figure1 (one batch of runs) and the learning-rate sweep (a second batch chosen from the first's
     * results, which the tasks must be sent) give the same metrics.json on Spark as on threads, apart from
     * timings and provenance.
     */
    @Test
    void metricsEqualTheOneMachineRun(@TempDir Path tmp) throws Exception {
        LabContext ctx = context();
        List<Experiment> experiments = List.of(Experiments.byName("figure1"), Experiments.byName("learning-rate"));
        Lab.run(experiments, ctx, tmp.resolve("threads"), "t");
        Lab.run(experiments, ctx.withExecutor(executor(ctx, Experiments::byName)), tmp.resolve("spark"), "t");
        assertEquals(metrics(tmp.resolve("threads")), metrics(tmp.resolve("spark")));
    }

    /** Runs 3 numbers; run 1 fails on its first attempt (and on every attempt with {@code always}). */
    static final class Flaky implements Experiment {
        final boolean always;
        final List<Double> results = new ArrayList<>();

        Flaky(boolean always) {
            this.always = always;
        }

        static Experiment byName(String name) {
            return new Flaky(name.equals("always"));
        }

        @Override
        public String name() {
            return always ? "always" : "once";
        }

        @Override
        public String summary() {
            return "test";
        }

        @Override
        public ExperimentResult run(LabContext ctx) {
            results.addAll(Runs.map(ctx.workers(), List.of(1, 2, 3), i -> {
                TaskContext task = TaskContext.get();
                if (i == 2 && task != null && (always || task.attemptNumber() == 0)) {
                    throw new IllegalStateException("injected failure");
                }
                return Math.sqrt(i);
            }));
            return null;
        }
    }

    @Test
    void aRetriedTaskGivesTheSameNumbersAndARunThatFailsForGoodIsNamed() throws Exception {
        LabContext ctx = context();
        SparkRunExecutor spark = executor(ctx, Flaky::byName);
        Flaky once = new Flaky(false);
        Runs.within(spark, once.name(), () -> once.run(ctx));
        assertEquals(List.of(1.0, Math.sqrt(2), Math.sqrt(3)), once.results);

        Flaky always = new Flaky(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Runs.within(spark, always.name(), () -> always.run(ctx)));
        assertTrue(e.getMessage().contains("always") && e.getMessage().contains("run 1 (2) failed"), e.getMessage());
    }
}
