package org.bnlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        assertNoJvmAllocates(Integer.getInteger("bnlab.freshJvms", 5));
    }

    /**
     * A margin against the trap limit (docs/PERFORMANCE.md, "Cliffs: causes and fixes", items 1 and 9):
     * C2 adds up the traps recorded in every method a compile inlines, and once a reason's sum reaches
     * {@code PerMethodTrapLimit} (100) it stops speculating for that reason: past it on class checks, a
     * kernel's vector class is no longer a constant and every vector is boxed. How many traps a JVM
     * records in the Vector API's shared methods depends on what it ran and compiled when (in a JDK 17
     * JVM that trains the CNN first on 2 threads: 4 class-check traps in the shared int
     * {@code lanewise}, brought in once per int add a kernel inlines), so each kernel must stay
     * intrinsified with a fifth of the budget: the limit is 20 here, and the CNN (batch 128, as {@code
     * bnlab bench} runs it) trains first in each JVM on 2 threads, then the two MLPs. Before the max
     * pooling kernel's five int adds per block and exp's four int adds and subtractions became one each,
     * this failed in 3 of 3 JVMs (the CNN 19-20 MB per round of 5 steps, the paper MLP 0.5-1.2 MB).
     */
    @Test
    void simdTrainingStepAllocatesNothingWithAFifthOfTheTrapBudget() throws Exception {
        assertNoJvmAllocates(Integer.getInteger("bnlab.freshJvms", 5) / 2 + 1,
                List.of("-XX:PerMethodTrapLimit=20", "-Dprobe.threads=2"), "20", "5", "60", "cnn128", "paper", "tanh");
    }

    private static void assertNoJvmAllocates(int jvms) throws Exception {
        assertNoJvmAllocates(jvms, List.of(), "300", "100", "30", "paper", "tanh", "cnn");
    }

    /** Runs the probe in {@code jvms} fresh JVMs with these options and arguments: every model allocates 0 bytes. */
    private static void assertNoJvmAllocates(int jvms, List<String> jvmOptions, String... probeArgs) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> failures = new ArrayList<>();
        for (int j = 0; j < jvms; j++) {
            List<String> lines = runProbe(java, jvmOptions, probeArgs);
            System.out.println("fresh JVM " + (j + 1) + " of " + jvms + " " + jvmOptions + ": " + lines);
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

    /** One fresh JVM with these options and probe arguments: the probe's output lines, one per model. */
    private static List<String> runProbe(Path java, List<String> jvmOptions, String... probeArgs)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), StepAllocationProbe.class.getName()));
        command.addAll(List.of(probeArgs));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD); // the incubator-module warning
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(200, TimeUnit.SECONDS), "probe JVM did not finish");
        assertEquals(0, p.exitValue(), "probe JVM failed: " + out);
        return out.lines().toList();
    }
}
