package org.bnlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.bnlab.data.Datasets;
import org.bnlab.kernel.Parallel;
import org.bnlab.kernel.Simd;
import org.bnlab.testing.AllocationMeter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The ground rule: a steady-state training step allocates nothing. Every layer, loss, optimizer,
 * scheduler and the batch iterator run here exactly as in training; the allocation counter of the
 * training thread must read 0 bytes over a round of 400 steps (best of several rounds: a round that
 * overlaps a JIT recompilation can allocate a few bytes while it happens).
 *
 * <p>Runs in the scalar-kernel execution of surefire ({@code -Dbnlab.simd=false}, see pom.xml) and is
 * skipped with the SIMD kernels. Why: with the Vector API, zero allocation also needs C2 to
 * intrinsify every vector call site, and on JDK 17 whether it does depends on the compile order of the
 * JVM (a tanh MLP boxed every stored vector in most JVMs, 34,560 B per step, until kernel.Lanes
 * removed the cause: docs/PERFORMANCE.md, "Cliffs"). The SIMD path is checked across fresh JVMs by
 * {@link FreshJvmAllocationTest}; this test pins down the part that is our code, deterministically.
 */
class TrainingAllocationTest {

    @Test
    void steadyStateTrainingStepAllocatesNothing() throws IOException {
        Assumptions.assumeFalse(Simd.ENABLED, "checked in the scalar-kernel execution (-Dbnlab.simd=false); "
                + "the SIMD path is measured with JMH -prof gc, see docs/PERFORMANCE.md");
        var data = Datasets.load("mnist-sample");
        int saved = Parallel.threads();
        Parallel.setThreads(1);
        try {
            for (ModelSpec spec : new ModelSpec[] {ModelSpec.paperMlp(true, 1.0),
                    new ModelSpec("mlp", 1, 28, 28, 10, List.of(64, 32), "tanh", true, "default", 0, 0.2)}) {
                TrainConfig cfg = new TrainConfig("mnist-sample", null, false, spec, "sgd", 0.1, 0.9, true, 1e-4, "cosine", 1, 1,
                        60, 100_000, 100_000, 1, 1.0);
                Trainer t = cfg.trainer(data);
                long best = AllocationMeter.bestOfRounds(10, 400, t::trainStep);
                assertEquals(0, best, spec.activation() + ": bytes allocated by 400 steady-state steps");
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /** The same with the thread tuning on 2 threads: its timing and switching allocate nothing either. */
    @Test
    void tunedStepsAllocateNothing() throws IOException {
        Assumptions.assumeFalse(Simd.ENABLED, "checked in the scalar-kernel execution (-Dbnlab.simd=false)");
        var data = Datasets.load("mnist-sample");
        int saved = Parallel.threads();
        Parallel.setThreads(2);
        try {
            TrainConfig cfg = new TrainConfig("mnist-sample", null, false, ModelSpec.paperMlp(true, 1.0), "sgd", 0.1, 0.9, true, 1e-4,
                    "cosine", 1, 1, 60, 100_000, 100_000, 1, 1.0);
            Trainer t = cfg.trainerBuilder(data, Models.build(cfg.model(), cfg.seed())).threadTuning(true).build();
            long best = AllocationMeter.bestOfRounds(10, 400, t::trainStep);
            assertEquals(0, best, "bytes allocated by 400 steady-state tuned steps");
            long[] by = t.stepsByThreads();
            assertTrue(by[0] + by[1] >= 400, "every step counted by the tuning: " + (by[0] + by[1]));
        } finally {
            Parallel.setThreads(saved);
        }
    }
}
