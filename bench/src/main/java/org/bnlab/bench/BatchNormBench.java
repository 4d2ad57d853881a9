package org.bnlab.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bnlab.kernel.Parallel;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * BatchNorm forward (training and eval) and backward, output buffers preallocated, as the training
 * loop uses them. Bytes moved per call (for GB/s, the roofline of docs/PERFORMANCE.md): forward-train
 * reads x twice (one-pass statistics, then normalize) and writes y, forward-eval reads x and writes y,
 * backward reads x and dy twice (the sums, then the input gradient) and writes dx. Repeated calls on
 * one tensor find part of it in the last-level cache (32 MiB on the reference machine), so tensors
 * well past that size ([256,64,32,32] is 64 MiB, [256,256,14,14] 49 MiB) measure the memory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g", "-XX:+UseTransparentHugePages"})
public class BatchNormBench {

    @Param({"256,64,32,32", "256,256,14,14", "1024,1024", "60,100", "8,16,7,7"})
    public String shape;

    @Param({"1"})
    public int threads;

    private BatchNorm bn;
    private Tensor x;
    private Tensor y;
    private Tensor dy;

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads);
        int[] dims = java.util.Arrays.stream(shape.split(",")).mapToInt(Integer::parseInt).toArray();
        int len = (int) Tensor.numel(dims);
        SplittableRandom r = new SplittableRandom(1);
        float[] xs = new float[len];
        float[] gs = new float[len];
        for (int i = 0; i < len; i++) {
            xs[i] = (float) (r.nextGaussian() * 2 + 1);
            gs[i] = (float) r.nextGaussian();
        }
        x = Tensor.of(xs, dims);
        dy = Tensor.of(gs, dims);
        y = Tensor.zeros(dims);
        bn = BatchNorm.builder(dims[1]).build();
        bn.forwardBuffered(x, true);
        bn.backwardBuffered(dy);
    }

    @Benchmark
    public Tensor forwardTrain() {
        return bn.forward(x, true, y);
    }

    @Benchmark
    public Tensor forwardEval() {
        return bn.forward(x, false, y);
    }

    /** Backward after a training forward (the forward is not timed: it ran in setUp and stays valid). */
    @Benchmark
    public Tensor backward() {
        return bn.backwardBuffered(dy);
    }
}
