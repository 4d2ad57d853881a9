package org.bnlab.testing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.bnlab.data.Datasets;
import org.bnlab.kernel.Parallel;
import org.bnlab.kernel.Simd;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;

/**
 * The main class of the fresh JVMs that {@code SimdStepAllocationTest} starts: trains one model on one
 * thread and prints, per model, the fewest bytes the training thread allocated per step over rounds
 * of steps after a warm-up, as {@code <model> <bytes per step> <kernels>}.
 *
 * <p>Arguments: warm-up steps, steps per round, rounds, then model names (paper, tanh, cnn). The
 * models are the paper's BN MLP (sigmoid, plain SGD), a tanh MLP with momentum, weight decay, a cosine
 * schedule and dropout, and the small BN CNN with momentum, each at a steady batch.
 */
public final class StepAllocationProbe {

    private StepAllocationProbe() {}

    public static void main(String[] args) throws IOException {
        int warmup = Integer.parseInt(args[0]);
        int steps = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        var data = Datasets.load("mnist-sample");
        Parallel.setThreads(1); // the counter sees the calling thread only
        for (int a = 3; a < args.length; a++) {
            Trainer t = new Trainer(config(args[a]), data);
            for (int i = 0; i < warmup; i++) {
                t.trainStep();
            }
            long best = Long.MAX_VALUE;
            jdk.jfr.Recording rec = allocationRecording(args[a]);
            for (int r = 0; r < rounds && best > 0; r++) {
                long start = bean.getThreadAllocatedBytes(tid);
                for (int i = 0; i < steps; i++) {
                    t.trainStep();
                }
                best = Math.min(best, (bean.getThreadAllocatedBytes(tid) - start) / steps);
            }
            if (rec != null) {
                rec.stop();
                rec.dump(java.nio.file.Path.of(System.getProperty("probe.jfr") + "-" + args[a] + ".jfr"));
            }
            System.out.println(args[a] + " " + best + " " + Simd.describe().replace(' ', '_'));
        }
    }

    /**
     * With {@code -Dprobe.jfr=prefix}: a flight recording of every allocation (TLAB refills and
     * outside-TLAB allocations, with stack traces) over the measured rounds, written to
     * {@code prefix-<model>.jfr}: it names the call sites that allocate ({@code jfr print --events
     * jdk.ObjectAllocationInNewTLAB}).
     */
    private static jdk.jfr.Recording allocationRecording(String model) {
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
            case "cnn" -> new TrainConfig("mnist-sample", null, false,
                    new ModelSpec("cnn", 1, 28, 28, 10, List.of(), "relu", true, "default", 0, 0), "sgd", 0.05, 0.9, false, 0,
                    "none", 1, 1, 32, Long.MAX_VALUE / 2, Integer.MAX_VALUE, 1, 0);
            default -> throw new IllegalArgumentException("unknown model '" + model + "' (known: paper, tanh, cnn)");
        };
    }
}
