package org.bnlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import org.bnlab.kernel.Parallel;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.StateDict;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    static Dataset data;

    @BeforeAll
    static void load() throws IOException {
        data = Datasets.load("mnist-sample");
    }

    static TrainConfig config(ModelSpec spec, String opt, double lr, double momentum, long steps, double dropout) {
        ModelSpec s = new ModelSpec(spec.kind(), spec.channels(), spec.height(), spec.width(), spec.classes(), spec.hidden(),
                spec.activation(), spec.batchNorm(), spec.init(), spec.initStd(), dropout);
        return new TrainConfig("mnist-sample", null, false, s, opt, lr, momentum, false, 1e-4, "step", 0.5, 7, 32, steps, 10, 3, 0);
    }

    static float[] flatParams(Trainer t) {
        StateDict sd = new StateDict();
        t.model().stateDict("", sd);
        int n = sd.entries().values().stream().mapToInt(e -> e.f32() == null ? 0 : e.numel()).sum();
        float[] all = new float[n];
        int k = 0;
        for (StateDict.Entry e : sd.entries().values()) {
            if (e.f32() != null) {
                System.arraycopy(e.f32(), 0, all, k, e.numel());
                k += e.numel();
            }
        }
        return all;
    }

    @Test
    void paperMlpLearnsInAFewHundredSteps() {
        Trainer t = TrainConfig.paper("mnist-sample", ModelSpec.paperMlp(true, 1.0), 0.5, 300, 300, 1).trainer(data);
        List<EvalPoint> points = t.fitTo(300);
        assertEquals(300, points.get(points.size() - 1).step());
        assertTrue(points.get(0).testAccuracy() > 0.75, "BN MLP after 300 steps: " + points.get(0).testAccuracy());
    }

    /** Stopping, checkpointing and resuming gives bit-identical parameters to an uninterrupted run. */
    @Test
    void resumeContinuesExactly(@TempDir Path dir) throws IOException {
        for (String opt : new String[] {"sgd", "adam"}) {
            TrainConfig cfg = config(new ModelSpec("mlp", 1, 28, 28, 10, List.of(32, 16), "tanh", true, "default", 0, 0), opt,
                    opt.equals("sgd") ? 0.1 : 1e-3, 0.9, 30, 0.2);
            Trainer straight = cfg.trainer(data);
            straight.fitTo(cfg.steps());

            Trainer first = cfg.trainer(data);
            first.fitTo(13);
            StateDict sd = new StateDict();
            first.model().stateDict("", sd);
            Checkpoint.save(dir.resolve(opt), sd, first.stateDict(), java.util.Map.of());

            Checkpoint.Loaded loaded = Checkpoint.load(dir.resolve(opt));
            Trainer resumed = cfg.trainer(data);
            resumed.model().loadStateDict("", loaded.model());
            resumed.loadStateDict(loaded.trainer());
            assertEquals(13, resumed.step());
            resumed.fitTo(cfg.steps());
            assertArrayEquals(flatParams(straight), flatParams(resumed), opt + ": resumed run must equal the uninterrupted one");
        }
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        int saved = Parallel.threads();
        try {
            TrainConfig cfg = config(new ModelSpec("mlp", 1, 28, 28, 10, List.of(64), "relu", true, "default", 0, 0), "sgd", 0.1, 0.9, 20, 0.1);
            Parallel.setThreads(1);
            Trainer a = cfg.trainer(data);
            a.fitTo(cfg.steps());
            Parallel.setThreads(2);
            Trainer b = cfg.trainer(data);
            b.fitTo(cfg.steps());
            assertArrayEquals(flatParams(a), flatParams(b));
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /** The thread tuning switches steps between 1 and 2 threads as it measures: the same bits as 1 thread throughout. */
    @Test
    void threadTuningDoesNotChangeResults() {
        int saved = Parallel.threads();
        try {
            TrainConfig cfg = config(new ModelSpec("mlp", 1, 28, 28, 10, List.of(64), "relu", true, "default", 0, 0), "sgd", 0.1, 0.9, 150, 0.1);
            Parallel.setThreads(1);
            Trainer a = cfg.trainer(data);
            a.fitTo(cfg.steps());
            assertNull(a.stepsByThreads(), "no tuning on 1 thread");
            Parallel.setThreads(2);
            long[] clock = {0};
            // a clock of 1 ms per reading: the warm-up settles after two windows, then a probe runs both arms
            Trainer b = cfg.trainerBuilder(data, Models.build(cfg.model(), cfg.seed())).threadTuning(true)
                    .tuningClock(() -> clock[0] += 1_000_000).build();
            b.fitTo(cfg.steps());
            long[] by = b.stepsByThreads();
            assertTrue(by[0] > 0 && by[1] > 0, "a probe ran steps on both: " + by[0] + " / " + by[1]);
            assertEquals(0, Parallel.limitCallerThreads(0), "no cap left on the caller after fitTo");
            assertArrayEquals(flatParams(a), flatParams(b));
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /**
     * A thread count set by the user is the most threads a step uses: the tuning is on with it, unless
     * turned off for the engine (a builder's own choice wins either way).
     */
    @Test
    void threadTuningFollowsTheEngineSetting() {
        int saved = Parallel.threads();
        boolean savedTuning = Parallel.threadTuning();
        try {
            TrainConfig cfg = config(new ModelSpec("mlp", 1, 28, 28, 10, List.of(16), "relu", true, "default", 0, 0), "sgd", 0.1, 0.9, 2, 0);
            Parallel.setThreads(2);
            Parallel.setThreadTuning(true);
            Trainer tuned = cfg.trainer(data);
            tuned.trainStep();
            assertArrayEquals(new long[] {0, 1}, tuned.stepsByThreads(), "a chosen thread count still tunes: the first step on 1 thread");
            Parallel.setThreadTuning(false);
            assertNull(cfg.trainer(data).stepsByThreads(), "no tuning once it is turned off");
            Trainer forced = cfg.trainerBuilder(data, Models.build(cfg.model(), cfg.seed())).threadTuning(true).build();
            assertTrue(forced.stepsByThreads() != null, "the builder's choice wins over the engine's");
            Parallel.setThreadTuning(true);
            Trainer off = cfg.trainerBuilder(data, Models.build(cfg.model(), cfg.seed())).threadTuning(false).build();
            assertNull(off.stepsByThreads(), "the builder's choice wins over the engine's");
        } finally {
            Parallel.setThreads(saved);
            Parallel.setThreadTuning(savedTuning);
        }
    }

    @Test
    void gradientsAreFiniteAndEveryParameterMoves() {
        TrainConfig cfg = config(new ModelSpec("cnn", 1, 28, 28, 10, List.of(), "relu", true, "default", 0, 0), "sgd", 0.05, 0.9, 3, 0);
        Trainer t = cfg.trainer(data);
        float[] before = flatParams(t);
        t.fitTo(cfg.steps());
        for (Parameter p : t.model().parameters()) {
            for (float g : p.grad()) {
                assertTrue(Float.isFinite(g), p.name());
            }
        }
        float[] after = flatParams(t);
        assertTrue(!java.util.Arrays.equals(before, after));
    }

    /** A learning rate far too high makes the outputs non-finite: a DivergedException naming the step. */
    @Test
    void divergenceIsReportedWithItsStep() {
        ModelSpec relu = new ModelSpec("mlp", 1, 28, 28, 10, List.of(100, 100), "relu", false, "normal", 1.0, 0);
        Trainer t = TrainConfig.paper("mnist-sample", relu, 10.0, 2000, 2000, 1).trainer(data);
        DivergedException e = assertThrows(DivergedException.class, () -> t.fitTo(2000));
        assertTrue(e.step() >= 1 && e.step() <= 2000, "step " + e.step());
        assertTrue(e.getMessage().contains("training diverged at step " + e.step()), e.getMessage());
    }

    @Test
    void mismatchedModelAndDataAreRejected() {
        ModelSpec wrong = new ModelSpec("mlp", 1, 32, 32, 10, List.of(8), "relu", false, "default", 0, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.paper("mnist-sample", wrong, 0.1, 10, 10, 1).trainer(data));
        assertTrue(e.getMessage().contains("784 values"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ModelSpec("mlp", 1, 28, 28, 10, List.of(8), "softplus", false, "default", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> TrainConfig.paper("mnist-sample", ModelSpec.paperMlp(true, 1), -1, 10, 10, 1));
    }
}
