package org.bnlab.bench;

import java.util.concurrent.TimeUnit;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import org.bnlab.kernel.Parallel;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;
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
 * One SGD step of the paper's MLP (784-100-100-100-10, sigmoid, BN) on mnist-sample batches.
 * Run with {@code -prof gc} to see the bytes allocated per step (gc.alloc.rate.norm).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class TrainStepBench {

    @Param({"60", "256"})
    public int batch;

    @Param({"1"})
    public int threads;

    private Trainer trainer;

    @Setup(Level.Trial)
    public void setUp() throws java.io.IOException {
        Parallel.setThreads(threads);
        Dataset data = Datasets.load("mnist-sample");
        TrainConfig cfg = new TrainConfig("mnist-sample", null, false, ModelSpec.paperMlp(true, 1.0), "sgd", 0.1, 0, false, 0,
                "none", 1, 1, batch, Long.MAX_VALUE / 2, Integer.MAX_VALUE, 1, 0);
        trainer = cfg.trainer(data);
    }

    @Benchmark
    public float mlpStep() {
        return trainer.trainStep();
    }
}
