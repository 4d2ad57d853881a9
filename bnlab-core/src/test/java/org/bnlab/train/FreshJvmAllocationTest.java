package org.bnlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bnlab.testing.StepAllocationProbe;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The SIMD training step allocates nothing in every fresh JVM. Whether C2 intrinsifies every Vector
 * API call site depends on what the JVM compiled before (a kernel can box all its vectors in one JVM
 * and none in the next: docs/PERFORMANCE.md, "Cliffs"), so one JVM proves little: this test starts
 * {@code bnlab.freshJvms} (default 5) new JVMs of the JDK running the tests, with the Vector API
 * module, each training the paper's BN MLP, a tanh MLP and the BN CNN on one thread
 * ({@link StepAllocationProbe}), and requires each model in each JVM to reach a round of steady-state
 * steps that allocates 0 bytes. A kernel that the JIT has not compiled yet allocates too, so the
 * rounds go on for up to 30 s per model on a busy machine; a cliff allocates in every round and fails.
 */
class FreshJvmAllocationTest {

    @Test
    void simdTrainingStepAllocatesNothingInEveryFreshJvm() throws Exception {
        int jvms = Integer.getInteger("bnlab.freshJvms", 5);
        List<String> failures = new ArrayList<>();
        for (int j = 0; j < jvms; j++) {
            List<String> lines = StepAllocationProbe.runFresh(List.of(), "300", "100", "30", "paper", "tanh", "cnn");
            System.out.println("fresh JVM " + (j + 1) + " of " + jvms + ": " + lines);
            Assumptions.assumeTrue(lines.get(0).contains("SIMD"), "the JVM has no Vector API: " + lines);
            assertEquals(3, lines.size(), "one line per model: " + lines);
            for (String line : lines) {
                String[] f = line.split(" ");
                if (Long.parseLong(f[1]) != 0) {
                    failures.add("JVM " + (j + 1) + ": " + f[0] + " allocated at least " + f[1] + " bytes in each of "
                            + f[3] + " rounds of " + f[2] + " steps");
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
