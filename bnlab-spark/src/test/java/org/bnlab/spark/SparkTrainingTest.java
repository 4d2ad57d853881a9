package org.bnlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bnlab.cli.SparkBackend;
import org.bnlab.data.Dataset;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.optim.SGD;
import org.bnlab.train.Models;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;
import org.bnlab.train.parallel.DataParallel;
import org.junit.jupiter.api.Test;

/**
 * Data-parallel training in Spark barrier tasks (local mode, 2 task slots) against single-process
 * training and the in-process {@link DataParallel}.
 */
class SparkTrainingTest {
    static final String MASTER = "local[2,2]";
    static final TrainConfig CONFIG = TrainConfig.paper("mnist-sample", ModelSpec.paperMlp(true, 0.5), 0.5, 200, 100, 3);

    static SparkBackend.Training options(int workers, boolean sync, String channel, long segment) {
        return new SparkBackend.Training(MASTER, workers, sync, channel, segment, 100, 2);
    }

    static StateDict state(Sequential m) {
        StateDict sd = new StateDict();
        m.stateDict("", sd);
        return sd;
    }

    static double maxDiff(StateDict a, StateDict b) {
        double d = 0;
        for (var e : a.entries().entrySet()) {
            StateDict.Entry x = e.getValue();
            StateDict.Entry y = b.require(e.getKey());
            for (int i = 0; i < x.numel(); i++) {
                d = Math.max(d, x.f32() != null ? Math.abs(x.f32()[i] - y.f32()[i]) : Math.abs(x.i64()[i] - y.i64()[i]));
            }
        }
        return d;
    }

    /** A driver trainer (the one the CLI checkpoints) for CONFIG. */
    static Trainer driver(Dataset ds) {
        return CONFIG.trainerBuilder(ds, Models.build(CONFIG.model(), CONFIG.seed())).divergenceCheck(100, 2).build();
    }

    /**
     * K = 2 replicas with SyncBatchNorm on halves of every batch of 60 train the model single-process
     * training gets on the whole batch, and the model DataParallel (GLOBAL statistics) gets on the same
     * batches: within 1e-5 after 200 steps, run as two segments of 100 (the driver's state, loaded between
     * them, must carry everything). The trainer state has the single-process format: it resumes there.
     */
    @Test
    void twoSparkReplicasEqualSingleProcessAndDataParallelTraining() throws Exception {
        Dataset ds = CONFIG.loadData();
        Trainer spark = driver(ds);
        SparkTraining.Timing t = SparkTraining.fitTo(spark, CONFIG, 200, options(2, true, "socket", 100), List.of());
        assertEquals(200, spark.step());
        assertEquals(200, t.steps());
        assertTrue(t.commCalls() == 7 * 200, "3 SyncBatchNorm layers x (forward + backward) + the gradients = 7 calls a step, got "
                + t.commCalls());

        Trainer single = CONFIG.trainer(ds);
        single.fit(200);
        double d = maxDiff(state((Sequential) single.model()), state((Sequential) spark.model()));
        assertTrue(d < 1e-5, "spark vs single process: " + d);

        Trainer batches = CONFIG.trainer(ds); // only its iterator: the same shuffled global batches
        try (DataParallel dp = DataParallel.builder(r -> Models.build(CONFIG.model(), CONFIG.seed()), 2)
                .inputShape(CONFIG.model().features()).optimizer(p -> SGD.builder(p).lr(CONFIG.lr()).build()).build()) {
            for (int s = 0; s < 200; s++) {
                batches.batches().next();
                dp.step(batches.batches().images().data(), batches.batches().labels(), CONFIG.batch());
            }
            double e = maxDiff(state(dp.model()), state((Sequential) spark.model()));
            assertTrue(e < 1e-5, "spark vs DataParallel GLOBAL: " + e);
        }

        // the driver's state resumes single-process training, which then goes on as the uninterrupted run
        Trainer resumed = driver(ds);
        state((Sequential) spark.model()).loadStrictInto(resumed.model());
        resumed.loadStateDict(spark.stateDict());
        resumed.fit(20);
        single.fit(20);
        assertTrue(maxDiff(state((Sequential) single.model()), state((Sequential) resumed.model())) < 1e-5);
    }

    /** With each replica's own BatchNorm statistics the model differs from single-process training. */
    @Test
    void localBatchStatisticsGiveADifferentModel() throws Exception {
        Dataset ds = CONFIG.loadData();
        Trainer spark = driver(ds);
        SparkTraining.fitTo(spark, CONFIG, 20, options(2, false, "socket", 20), List.of());
        Trainer single = CONFIG.trainer(ds);
        single.fit(20);
        assertTrue(maxDiff(state((Sequential) single.model()), state((Sequential) spark.model())) > 1e-4);
    }

    /**
     * Spark's own allGather channel gives the very numbers of the socket channel (one step: each call costs
     * about a second, BarrierTaskContext polling its reply once a second).
     */
    @Test
    void barrierChannelEqualsSocketChannel() throws Exception {
        Dataset ds = CONFIG.loadData();
        Trainer viaDriver = driver(ds);
        SparkTraining.fitTo(viaDriver, CONFIG, 1, options(2, true, "barrier", 1), List.of());
        Trainer viaSockets = driver(ds);
        SparkTraining.fitTo(viaSockets, CONFIG, 1, options(2, true, "socket", 1), List.of());
        assertEquals(0.0, maxDiff(state((Sequential) viaDriver.model()), state((Sequential) viaSockets.model())));
    }
}
