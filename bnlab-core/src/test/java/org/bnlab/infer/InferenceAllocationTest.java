package org.bnlab.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.bnlab.kernel.Parallel;
import org.bnlab.kernel.Simd;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.norm.BnFixtures;
import org.bnlab.testing.AllocationMeter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A steady-state {@code predict} allocates nothing (best of rounds, as TrainingAllocationTest; run in
 * the scalar-kernel execution for the same reason: on the SIMD path zero allocation also depends on
 * C2 intrinsifying every vector call site, a property of the JIT and not of this code).
 */
class InferenceAllocationTest {

    @Test
    void steadyStatePredictAllocatesNothing() {
        Assumptions.assumeFalse(Simd.ENABLED, "checked in the scalar-kernel execution (-Dbnlab.simd=false)");
        int saved = Parallel.threads();
        Parallel.setThreads(1);
        try {
            SplittableRandom rng = new SplittableRandom(21);
            check("paper MLP", InferenceModelTest.paperMlp(), new int[] {784}, rng);
            check("CNN", InferenceModelTest.cnn(), new int[] {1, 28, 28}, rng);
            check("layer zoo", InferenceModelTest.zoo(), new int[] {3, 9, 9}, rng);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    private static void check(String name, Sequential model, int[] shape, SplittableRandom rng) {
        InferenceModel im = InferenceModel.of(model, shape);
        int n = 16;
        float[] x = BnFixtures.random(rng, 0.5f, 0.5f, n * im.inputFeatures()).data();
        float[] out = new float[n * im.outputFeatures()];
        im.predict(x, n, out); // grows this thread's workspace to 16 samples
        long best = AllocationMeter.bestOfRounds(10, 50, () -> {
            im.predict(x, n, out);
            im.predict(x, 3, out); // smaller batches reuse the same buffers
        });
        assertEquals(0, best, name + ": bytes allocated by 100 steady-state predict calls");
    }
}
