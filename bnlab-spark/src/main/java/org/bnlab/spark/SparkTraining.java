package org.bnlab.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.bnlab.cli.SparkBackend;
import org.bnlab.nn.StateDict;
import org.bnlab.train.DivergedException;
import org.bnlab.train.EvalPoint;
import org.bnlab.train.Json;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;
import org.bnlab.train.TrainingListener;

/**
 * The driver's side of data-parallel training on Spark. The run is cut into segments of
 * {@code segmentSteps} steps; each segment is one Spark job of K barrier tasks ({@link ReplicaTask}),
 * which start from the driver's state (none for the first: the recipe's initialization), so Spark
 * schedules every segment and a lost segment is rerun from the last state. After each segment replica
 * 0's state is loaded into the driver's {@link Trainer}, where the caller's listeners (metrics,
 * checkpoints in a RunDirectory) see it exactly as after a single-process fit: a checkpoint written here
 * resumes in single-process training and the other way round.
 */
final class SparkTraining {
    private SparkTraining() {}

    /** Timings of the last {@link #fitTo}, summed over segments: replica r's compute and communication. */
    record Timing(int workers, long steps, double seconds, double commSeconds, long commCalls) {
        double stepsPerSecond() {
            return steps / seconds;
        }

        double commShare() {
            return commSeconds / seconds;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d replica(s): %.1f steps/s, %.1f ms/step of which communication %.1f ms (%.0f%%, "
                    + "%.1f all-gathers/step, %.2f ms each)", workers, stepsPerSecond(), 1e3 * seconds / steps,
                    1e3 * commSeconds / steps, 100 * commShare(), (double) commCalls / steps, 1e3 * commSeconds / Math.max(1, commCalls));
        }
    }

    static Timing fitTo(Trainer driver, TrainConfig config, long lastStep, SparkBackend.Training options,
                        List<TrainingListener> listeners) {
        if (config.batch() < options.workers()) {
            throw new IllegalArgumentException("--batch " + config.batch() + " is smaller than --workers " + options.workers()
                    + ": every replica needs at least one example of each batch");
        }
        String json;
        try {
            json = Json.MAPPER.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the training config as JSON", e);
        }
        JavaSparkContext sc = SparkContexts.get(options.master());
        double seconds = 0;
        double comm = 0;
        long calls = 0;
        long steps = 0;
        // the first segment starts from the recipe unless the driver was resumed from a checkpoint
        boolean fresh = driver.step() == 0;
        while (driver.step() < lastStep) {
            long end = Math.min(lastStep, (driver.step() / options.segmentSteps() + 1) * options.segmentSteps());
            StateSnapshot model = null;
            StateSnapshot trainer = null;
            if (!fresh) {
                StateDict sd = new StateDict();
                driver.model().stateDict("", sd);
                model = new StateSnapshot(sd);
                trainer = new StateSnapshot(driver.stateDict());
            }
            ReplicaTask task = new ReplicaTask(json, options.syncBatchNorm(), options.channel().equals("socket"), options.divergeFactor(), options.divergePatience(),
                    model, trainer, end);
            List<Segment> segments;
            try {
                segments = new ArrayList<>(BarrierStage.run(sc, options.workers(), task, Segment.class));
            } catch (Exception e) { // SparkException is checked, and thrown undeclared from Scala
                throw new IllegalStateException("spark: steps " + (driver.step() + 1) + " to " + end + " failed: "
                        + SparkContexts.firstLine(e), e);
            }
            segments.sort(Comparator.comparingInt(Segment::rank));
            Segment first = segments.get(0);
            if (first.divergedAt() >= 0) {
                throw new DivergedException(first.divergedAt(), first.divergence().replaceFirst("^training diverged at step \\d+: ", ""));
            }
            first.model().toStateDict().loadStrictInto(driver.model());
            driver.loadStateDict(first.trainer().toStateDict());
            fresh = false;
            for (Segment s : segments) {
                // the replicas advance in lockstep (every step ends in an all-gather): their times agree; take the mean
                seconds += s.seconds() / segments.size();
                comm += s.commSeconds() / segments.size();
            }
            calls += first.commCalls();
            steps += first.steps();
            for (EvalPoint p : first.evalPoints()) {
                for (TrainingListener l : listeners) {
                    l.onEval(driver, p);
                }
            }
            for (TrainingListener l : listeners) {
                l.afterStep(driver, first.lastLoss());
            }
            for (TrainingListener l : listeners) {
                l.onStepEnd(driver);
            }
        }
        for (TrainingListener l : listeners) {
            l.onFitEnd(driver);
        }
        return new Timing(options.workers(), steps, seconds, comm, calls);
    }
}
