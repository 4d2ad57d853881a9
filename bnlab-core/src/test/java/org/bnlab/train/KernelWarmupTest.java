package org.bnlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import org.bnlab.kernel.Parallel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KernelWarmupTest {
    static Dataset data;

    @BeforeAll
    static void load() throws IOException {
        data = Datasets.load("mnist-sample");
    }

    /** The paper MLP with BN, momentum and a schedule: every kind of state a warm-up copy could share by mistake. */
    static TrainConfig recipe(int batch) {
        ModelSpec mlp = ModelSpec.paperMlp(true, 1.0);
        return new TrainConfig("mnist-sample", null, false, mlp, "sgd", 0.1, 0.9, false, 1e-4, "step", 0.5, 20, batch, 40, 20, 5, 0);
    }

    static float[] trainWhileWarming(TrainConfig cfg, boolean warm) throws InterruptedException {
        Trainer t = cfg.trainer(data);
        KernelWarmup w = warm ? KernelWarmup.start(cfg) : null;
        try {
            if (w != null) {
                waitForSteps(w, 1); // the copy is mid-run while the real steps and evaluations run
            }
            t.fitTo(cfg.steps());
        } finally {
            if (w != null) {
                w.close();
                assertNull(w.failure(), "the warm-up ran without error");
            }
        }
        return TrainerTest.flatParams(t);
    }

    static void waitForSteps(KernelWarmup w, long n) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (w.steps() < n && w.failure() == null && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(w.steps() >= n, "warm-up reached " + n + " step(s) within 120 s (failure: " + w.failure() + ")");
    }

    @Test
    void resultsDoNotDependOnAWarmupRunningBeside() throws InterruptedException {
        int saved = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                TrainConfig cfg = recipe(32);
                float[] alone = trainWhileWarming(cfg, false);
                float[] beside = trainWhileWarming(cfg, true);
                assertArrayEquals(alone, beside, threads + " thread(s): the same parameters with a warm-up running beside");
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void closeStopsTheCopy() throws InterruptedException {
        KernelWarmup w = KernelWarmup.start(recipe(16));
        waitForSteps(w, 3); // past its evaluation
        w.close();
        long stepped = w.steps();
        Thread.sleep(50);
        assertEquals(stepped, w.steps(), "no step after close");
        assertNull(w.failure());
        w.close(); // again: nothing to stop
        KernelWarmup early = KernelWarmup.start(recipe(16));
        early.stop(); // does not wait; close then does
        early.close();
        long after = early.steps();
        Thread.sleep(50);
        assertEquals(after, early.steps(), "stopped for good");
        assertEquals(0, Parallel.limitCallerThreads(0), "the caller's thread cap is its own, not the warm-up's");
    }
}
