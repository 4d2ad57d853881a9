package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.bnlab.kernel.Parallel;
import org.bnlab.nn.Module;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Different normalization layers share nothing: two layers (two models' layers) training at once on
 * two threads give, bit for bit, what they give one after the other: outputs, input gradients,
 * parameter gradients and running statistics. The batches are large enough that the kernels ask for
 * the thread pool, so one thread's passes run on the pool while the other's run serially (the
 * results do not depend on that). One layer shared by two threads is refused (the layers of
 * GroupedNorm included), as OneLayerManyThreadsTest shows for one layer.
 */
class NormLayersConcurrencyTest {
    private static final int STEPS = 20;
    private static final int[] SHAPE = {32, 64, 8, 8}; // 131,072 values: above the passes' single-thread limit

    private static Module layer(String kind) {
        return switch (kind) {
            case "BatchNorm" -> BatchNorm.builder(64).build();
            case "BatchRenorm" -> BatchRenorm.builder(64).clipping(1.5, 0.5).build();
            case "GhostBatchNorm" -> GhostBatchNorm.builder(64).virtualBatchSize(8).build();
            case "FrozenBatchNorm" -> FrozenBatchNorm.builder(64).trainableAffine(true).build();
            case "InstanceNorm" -> InstanceNorm.builder(64).affine(true).trackRunningStats(true).build();
            default -> GroupNorm.builder(8, 64).build();
        };
    }

    /** One layer's STEPS training steps; everything it produced, in order. */
    private static List<float[]> train(Module m, Tensor[] xs, Tensor[] dys, CyclicBarrier together) throws Exception {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < STEPS; i++) {
            if (together != null) {
                together.await(10, TimeUnit.SECONDS); // both threads start each step at once
            }
            out.add(m.forwardBuffered(xs[i], true).data().clone());
            out.add(m.backwardBuffered(dys[i]).data().clone());
        }
        m.parameters().forEach(p -> out.add(p.grad().clone()));
        StateDict sd = new StateDict();
        m.stateDict("", sd);
        sd.entries().values().forEach(e -> out.add(e.f32() != null ? e.f32().clone() : new float[] {e.i64()[0]}));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"BatchNorm", "BatchRenorm", "GhostBatchNorm", "FrozenBatchNorm", "InstanceNorm", "GroupNorm"})
    void twoLayersTrainingConcurrentlyGiveTheSerialResults(String kind) throws Exception {
        int len = SHAPE[0] * SHAPE[1] * SHAPE[2] * SHAPE[3];
        SplittableRandom r = new SplittableRandom(11);
        IntFunction<Tensor[]> batches = mean -> {
            Tensor[] t = new Tensor[STEPS];
            for (int i = 0; i < STEPS; i++) {
                t[i] = Tensor.of(BatchNormTest.randn(r, len, mean, 1 + 0.1 * i), SHAPE);
            }
            return t;
        };
        Tensor[] xa = batches.apply(3);
        Tensor[] xb = batches.apply(-2);
        Tensor[] dya = batches.apply(0);
        Tensor[] dyb = batches.apply(0);
        List<float[]> serialA = train(layer(kind), xa, dya, null);
        List<float[]> serialB = train(layer(kind), xb, dyb, null);

        int threadsBefore = Parallel.threads();
        Parallel.setThreads(2); // a pool to contend for, whatever the machine
        Module a = layer(kind);
        Module b = layer(kind);
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<List<float[]>> fa = pool.submit(() -> train(a, xa, dya, together));
            Future<List<float[]>> fb = pool.submit(() -> train(b, xb, dyb, together));
            assertSame(serialA, fa.get(120, TimeUnit.SECONDS), kind + " A");
            assertSame(serialB, fb.get(120, TimeUnit.SECONDS), kind + " B");
        } finally {
            pool.shutdownNow();
            Parallel.setThreads(threadsBefore);
        }
    }

    private static void assertSame(List<float[]> expected, List<float[]> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), what + ": array " + i + " (forward, backward per step; then grads, state)");
        }
    }
}
