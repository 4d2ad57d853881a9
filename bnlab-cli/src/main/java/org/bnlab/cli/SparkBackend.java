package org.bnlab.cli;

import java.util.List;
import java.util.ServiceLoader;
import org.bnlab.lab.LabContext;
import org.bnlab.lab.RunExecutor;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;
import org.bnlab.train.TrainingListener;

/**
 * What {@code --spark} needs from the optional bnlab-spark module, found with {@link ServiceLoader} so
 * that bnlab.jar carries no Spark: {@code ./bnlab} puts bnlab-spark's jar and Spark's class path on the
 * JVM's class path only when {@code --spark} is given.
 */
public interface SparkBackend {

    /**
     * Data-parallel training on Spark.
     *
     * @param master          the Spark master URL (local[2], spark://HOST:7077); one set by spark-submit wins
     * @param workers         replicas, one barrier task each (all must hold a task slot at once)
     * @param syncBatchNorm   SyncBatchNorm over the global batch (true) or each replica's own statistics
     * @param channel         "socket" (TCP between the tasks, after a rendezvous through Spark's barrier) or
     *                        "barrier" (every exchange through Spark's BarrierTaskContext.allGather: about 1 s each)
     * @param segmentSteps    steps per Spark job; the driver checkpoints between jobs
     */
    record Training(String master, int workers, boolean syncBatchNorm, String channel, long segmentSteps, double divergeFactor,
                    int divergePatience) {}

    /**
     * Trains {@code driver}'s run up to {@code lastStep} on Spark: replicas built from {@code config} run
     * the steps in barrier tasks; after each segment replica 0's model and trainer state are loaded into
     * {@code driver}, and the listeners see the segment's evaluations ({@code onEval}), its last loss
     * ({@code afterStep}) and its end ({@code onStepEnd}); {@code onFitEnd} at the end, as in
     * {@link Trainer#fitTo}.
     */
    void fitTo(Trainer driver, TrainConfig config, long lastStep, Training options, List<TrainingListener> listeners);

    /** A run executor that runs each of the lab's runs as a Spark task on {@code master}. */
    RunExecutor labExecutor(String master, LabContext ctx, String dataset, String dataDir);

    /** The bnlab-spark module's backend, or an error saying how to get it, naming {@code option}. */
    static SparkBackend find(String option) {
        return ServiceLoader.load(SparkBackend.class).findFirst().orElseThrow(() -> new IllegalArgumentException(option
                + " needs the bnlab-spark module and Spark on the class path: run ./bnlab (which adds them when "
                + option + " is given) or spark-submit bnlab-spark/target/bnlab-spark.jar"));
    }
}
