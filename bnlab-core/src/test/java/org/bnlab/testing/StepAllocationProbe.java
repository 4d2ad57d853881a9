package org.bnlab.testing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bnlab.data.Datasets;
import org.bnlab.kernel.Parallel;
import org.bnlab.kernel.Simd;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;

/**
 * The main class of the fresh JVMs that {@code FreshJvmAllocationTest} starts (and a diagnosis tool):
 * trains each named model on one thread (or {@code -Dprobe.threads=N}) and prints one line per model,
 * {@code <model> <fewest bytes allocated by one round> <steps per round> <rounds run> <kernels>}.
 *
 * <p>Arguments: warm-up steps, steps per round, seconds, then model names (paper, tanh, cnn, cnn128). After
 * the warm-up, rounds run until one allocates nothing or the seconds are spent: the JIT may still be
 * compiling a kernel after any fixed warm-up on a busy machine (until then the kernel runs
 * interpreted and allocates), while a cliff (a compiled kernel that boxes its vectors) allocates in
 * every round. The models: the paper's BN MLP (sigmoid, plain SGD, batch 60), a tanh MLP with
 * momentum, weight decay, a cosine schedule and dropout (batch 60), and the BN CNN with momentum
 * (cnn: batch 8, to keep the test short; cnn128: batch 128, as {@code bnlab bench} runs it).
 *
 * <p>With {@code -Dprobe.jfr=prefix}: a flight recording of every allocation with its stack trace
 * (run with {@code -XX:-UseTLAB} so that each allocation is an event) over the rounds, written to
 * {@code prefix-<model>.jfr}: {@code jfr print --events jdk.ObjectAllocationOutsideTLAB} names the
 * call sites that allocate.
 */
public final class StepAllocationProbe {

    private StepAllocationProbe() {}

    public static void main(String[] args) throws IOException {
        int warmup = Integer.parseInt(args[0]);
        int steps = Integer.parseInt(args[1]);
        double seconds = Double.parseDouble(args[2]);
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        var data = Datasets.load("mnist-sample");
        // the counter sees the calling thread only; with more threads, that thread's share of each kernel
        Parallel.setThreads(Integer.getInteger("probe.threads", 1));
        for (int a = 3; a < args.length; a++) {
            Trainer t = config(args[a]).trainer(data);
            for (int i = 0; i < warmup; i++) {
                t.trainStep();
            }
            jdk.jfr.Recording rec = allocationRecording();
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            long best = Long.MAX_VALUE;
            int rounds = 0;
            while (best > 0 && (rounds == 0 || System.nanoTime() < deadline)) {
                long start = bean.getThreadAllocatedBytes(tid);
                for (int i = 0; i < steps; i++) {
                    t.trainStep();
                }
                best = Math.min(best, bean.getThreadAllocatedBytes(tid) - start);
                rounds++;
            }
            if (rec != null) {
                rec.stop();
                rec.dump(java.nio.file.Path.of(System.getProperty("probe.jfr") + "-" + args[a] + ".jfr"));
            }
            System.out.println(args[a] + " " + best + " " + steps + " " + rounds + " " + Simd.describe().replace(' ', '_'));
        }
    }

    /**
     * Runs the probe in a fresh JVM of the JDK running this one (class path and Vector API module as
     * here) with these JVM options and probe arguments; its output lines, one per model.
     */
    public static List<String> runFresh(List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules", "jdk.incubator.vector"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), StepAllocationProbe.class.getName()));
        command.addAll(List.of(args));
        // output to a file, so that the time limit holds even if the JVM hangs (reading a pipe to its end
        // would wait for it first)
        Path outFile = Files.createTempFile("step-allocation-probe", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(outFile.toFile());
            pb.redirectError(ProcessBuilder.Redirect.DISCARD); // the incubator-module warning
            Process p = pb.start();
            if (!p.waitFor(200, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("probe JVM did not finish in 200 s: " + command);
            }
            String out = Files.readString(outFile, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("probe JVM failed (exit " + p.exitValue() + "): " + out);
            }
            return out.lines().toList();
        } finally {
            Files.deleteIfExists(outFile);
        }
    }

    private static jdk.jfr.Recording allocationRecording() {
        if (System.getProperty("probe.jfr") == null) {
            return null;
        }
        jdk.jfr.Recording rec = new jdk.jfr.Recording();
        rec.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
        rec.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
        rec.start();
        return rec;
    }

    static TrainConfig config(String model) {
        return switch (model) {
            case "paper" -> new TrainConfig("mnist-sample", null, false, ModelSpec.paperMlp(true, 1.0), "sgd", 0.1, 0, false, 0,
                    "none", 1, 1, 60, Long.MAX_VALUE / 2, Integer.MAX_VALUE, 1, 0);
            case "tanh" -> new TrainConfig("mnist-sample", null, false,
                    new ModelSpec("mlp", 1, 28, 28, 10, List.of(64, 32), "tanh", true, "default", 0, 0.2), "sgd", 0.1, 0.9, true,
                    1e-4, "cosine", 1, 1, 60, 100_000_000, Integer.MAX_VALUE, 1, 1.0);
            case "cnn", "cnn128" -> new TrainConfig("mnist-sample", null, false,
                    new ModelSpec("cnn", 1, 28, 28, 10, List.of(), "relu", true, "default", 0, 0), "sgd", 0.05, 0.9, false, 0,
                    "none", 1, 1, model.equals("cnn") ? 8 : 128, Long.MAX_VALUE / 2, Integer.MAX_VALUE, 1, 0);
            default -> throw new IllegalArgumentException("unknown model '" + model + "' (known: paper, tanh, cnn, cnn128)");
        };
    }
}
