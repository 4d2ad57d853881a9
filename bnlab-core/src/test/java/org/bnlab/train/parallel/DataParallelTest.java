package org.bnlab.train.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.bnlab.nn.Conv2d;
import org.bnlab.nn.CrossEntropyLoss;
import org.bnlab.nn.Flatten;
import org.bnlab.nn.Linear;
import org.bnlab.nn.Module;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.nn.Tanh;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.nn.norm.SyncBatchNorm;
import org.bnlab.optim.Optimizer;
import org.bnlab.optim.SGD;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

class DataParallelTest {
    static final int IN = 20;
    static final int CLASSES = 5;
    static final int BATCH = 32;

    /** 20-32-BN-ReLU-16-BN-Tanh-5, initialized from a fixed seed (the same model whatever the replica). */
    static Sequential mlp(int replica) {
        SplittableRandom rng = new SplittableRandom(11);
        return new Sequential(new Linear(IN, 32, false, rng.nextLong()), BatchNorm.builder(32).build(), new ReLU(),
                new Linear(32, 16, false, rng.nextLong()), BatchNorm.builder(16).build(), new Tanh(),
                new Linear(16, CLASSES, true, rng.nextLong()));
    }

    static Optimizer sgd(List<Parameter> p) {
        return SGD.builder(p).lr(0.05).momentum(0.9).build();
    }

    /** Step t's global batch: inputs with a class-dependent shift so the loss falls. */
    static final class Batches {
        final float[][] x;
        final int[][] y;

        Batches(int steps) {
            x = new float[steps][BATCH * IN];
            y = new int[steps][BATCH];
            SplittableRandom r = new SplittableRandom(5);
            for (int t = 0; t < steps; t++) {
                for (int i = 0; i < BATCH; i++) {
                    int label = r.nextInt(CLASSES);
                    y[t][i] = label;
                    for (int j = 0; j < IN; j++) {
                        x[t][i * IN + j] = (float) (r.nextGaussian() + (j % CLASSES == label ? 1.5 : 0) + 3);
                    }
                }
            }
        }
    }

    /** Single-model training on the global batch: the reference. */
    static final class Single {
        final Sequential model = mlp(0);
        final Optimizer opt = sgd(model.parameters());
        final CrossEntropyLoss loss = new CrossEntropyLoss();

        float step(float[] x, int[] labels) {
            model.zeroGrad();
            Tensor logits = model.forwardBuffered(Tensor.of(x, labels.length, IN), true);
            float l = loss.forward(logits, labels);
            model.backwardBuffered(loss.gradBuffer(), false);
            opt.step();
            return l;
        }
    }

    static DataParallel parallel(int replicas, DataParallel.BatchStatistics stats) {
        return DataParallel.builder(DataParallelTest::mlp, replicas).inputShape(IN).optimizer(DataParallelTest::sgd)
                .batchStatistics(stats).timeout(20, TimeUnit.SECONDS).build();
    }

    static double maxDiff(Sequential a, Sequential b) {
        double d = 0;
        List<Parameter> pa = a.parameters();
        List<Parameter> pb = b.parameters();
        for (int p = 0; p < pa.size(); p++) {
            for (int i = 0; i < pa.get(p).numel(); i++) {
                d = Math.max(d, Math.abs(pa.get(p).data()[i] - pb.get(p).data()[i]));
            }
        }
        return d;
    }

    static float[] runningMean(Sequential m, int index) {
        Module l = m.get(index);
        return l instanceof SyncBatchNorm ? ((SyncBatchNorm) l).runningMean() : ((BatchNorm) l).runningMean();
    }

    static float[] runningVar(Sequential m, int index) {
        Module l = m.get(index);
        return l instanceof SyncBatchNorm ? ((SyncBatchNorm) l).runningVar() : ((BatchNorm) l).runningVar();
    }

    static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    /**
     * Training with R replicas equals training one model on the global batch: bit for bit with one
     * replica; within 1e-5 after 150 SGD steps with 2 and 4 replicas, uneven and empty slices included
     * (measured worst over the run: parameters 3.3e-7, loss 1.5e-7, running statistics 6e-6 on values
     * up to ~4, i.e. float roundings of the per-slice partial sums).
     */
    @Test
    void trainingOnReplicasEqualsSingleModelTrainingOnTheGlobalBatch() {
        int steps = 150;
        Batches data = new Batches(steps);
        for (int[] slices : new int[][] {{32}, {16, 16}, {8, 8, 8, 8}, {13, 0, 11, 8}}) {
            Single ref = new Single();
            try (DataParallel dp = parallel(slices.length, DataParallel.BatchStatistics.GLOBAL)) {
                boolean exact = slices.length == 1;
                for (int t = 0; t < steps; t++) {
                    float l0 = ref.step(data.x[t], data.y[t]);
                    float l1 = dp.step(data.x[t], data.y[t], BATCH, slices);
                    String where = Arrays.toString(slices) + " step " + t;
                    if (exact) {
                        assertEquals(l0, l1, 0, where);
                        assertEquals(0, maxDiff(ref.model, dp.model()), where);
                    } else {
                        assertEquals(l0, l1, 1e-5, where);
                        assertTrue(maxDiff(ref.model, dp.model()) < 1e-5, where + ": parameters differ by " + maxDiff(ref.model, dp.model()));
                    }
                }
                for (int bn : new int[] {1, 4}) {
                    assertClose(runningMean(ref.model, bn), runningMean(dp.model(), bn), exact ? 0 : 1e-5);
                    assertClose(runningVar(ref.model, bn), runningVar(dp.model(), bn), exact ? 0 : 1e-5);
                    for (int r = 1; r < slices.length; r++) {
                        // identical on every replica: the same global statistics, the same update
                        assertArrayEquals(runningMean(dp.model(), bn), runningMean(dp.replica(r), bn));
                        assertArrayEquals(runningVar(dp.model(), bn), runningVar(dp.replica(r), bn));
                    }
                }
                for (int r = 1; r < slices.length; r++) {
                    assertEquals(0, maxDiff(dp.model(), dp.replica(r)), "replica " + r + " holds replica 0's parameters");
                }
                assertEquals(steps, dp.steps());
                assertTrue(ref.step(data.x[0], data.y[0]) < 0.5, "the model learned");
            }
        }
    }

    /** Conv 2x6x6 -> 4 channels 3x3 -> BN2d -> ReLU -> Flatten -> Linear: the [N, C, H, W] path of SyncBatchNorm. */
    static Sequential cnn(int replica) {
        SplittableRandom rng = new SplittableRandom(3);
        return new Sequential(new Conv2d(2, 4, 3, 1, 1, false, rng.nextLong()), BatchNorm.builder(4).build(), new ReLU(),
                new Flatten(), new Linear(4 * 36, CLASSES, true, rng.nextLong()));
    }

    @Test
    void convolutionalModelOnUnevenSlicesEqualsSingleModelTraining() {
        int steps = 40;
        int n = 24;
        SplittableRandom r = new SplittableRandom(8);
        Sequential single = cnn(0);
        Optimizer opt = sgd(single.parameters());
        CrossEntropyLoss loss = new CrossEntropyLoss();
        try (DataParallel dp = DataParallel.builder(DataParallelTest::cnn, 3).inputShape(2, 6, 6).optimizer(DataParallelTest::sgd)
                .timeout(20, TimeUnit.SECONDS).build()) {
            for (int t = 0; t < steps; t++) {
                float[] x = new float[n * 72];
                int[] y = new int[n];
                for (int i = 0; i < n; i++) {
                    y[i] = r.nextInt(CLASSES);
                    for (int j = 0; j < 72; j++) {
                        x[i * 72 + j] = (float) (r.nextGaussian() + (j % CLASSES == y[i] ? 1 : 0));
                    }
                }
                single.zeroGrad();
                float l0 = loss.forward(single.forwardBuffered(Tensor.of(x, n, 2, 6, 6), true), y);
                single.backwardBuffered(loss.gradBuffer(), false);
                opt.step();
                float l1 = dp.step(x, y, n, new int[] {10, 0, 14});
                assertEquals(l0, l1, 1e-5, "step " + t);
                assertTrue(maxDiff(single, dp.model()) < 1e-5, "step " + t + ": parameters differ by " + maxDiff(single, dp.model()));
            }
            assertClose(runningVar(single, 1), runningVar(dp.model(), 1), 1e-5);
        }
    }

    static void assertClose(float[] expected, float[] actual, double rel) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], rel * Math.max(1, Math.abs(expected[i])), "[" + i + "]");
        }
    }

    @Test
    void theDefaultSplitIsAsEvenAsPossible() {
        Batches data = new Batches(3);
        Single ref = new Single();
        try (DataParallel dp = parallel(4, DataParallel.BatchStatistics.GLOBAL)) {
            for (int t = 0; t < 3; t++) {
                // 30 examples: slices 8, 8, 7, 7
                float[] x = Arrays.copyOf(data.x[t], 30 * IN);
                int[] y = Arrays.copyOf(data.y[t], 30);
                assertEquals(ref.step(x, y), dp.step(x, y, 30), 1e-6);
            }
            assertTrue(maxDiff(ref.model, dp.model()) < 1e-6);
        }
    }

    /**
     * Per-replica statistics: each replica normalizes with its own slice, so a step's loss is the
     * N_r/N-weighted mean of what one model computes on each slice alone (not the global batch's loss),
     * and the model's running statistics are replica 0's: those of its slices only.
     */
    @Test
    void perReplicaStatisticsNormalizeEachSliceByItself() {
        Batches data = new Batches(1);
        int[] slices = {12, 20};
        float[] x = data.x[0];
        int[] y = data.y[0];
        float sliceLoss0 = sliceLoss(x, y, 0, 12);
        float sliceLoss1 = sliceLoss(x, y, 12, 20);
        float globalLoss = sliceLoss(x, y, 0, 32);
        try (DataParallel local = parallel(2, DataParallel.BatchStatistics.PER_REPLICA);
             DataParallel global = parallel(2, DataParallel.BatchStatistics.GLOBAL)) {
            float lLocal = local.step(x, y, BATCH, slices);
            float lGlobal = global.step(x, y, BATCH, slices);
            assertEquals(12.0 / 32 * sliceLoss0 + 20.0 / 32 * sliceLoss1, lLocal, 1e-6);
            assertEquals(globalLoss, lGlobal, 1e-6);
            assertTrue(Math.abs(lLocal - lGlobal) > 1e-3, "slice statistics change the loss: " + lLocal + " vs " + lGlobal);
            // running statistics: replica 0's slice in PER_REPLICA, the global batch in GLOBAL
            assertClose(sliceRunningMean(x, 0, 12), runningMean(local.model(), 1), 1e-6);
            assertClose(sliceRunningMean(x, 12, 20), runningMean(local.replica(1), 1), 1e-6);
            assertClose(sliceRunningMean(x, 0, 32), runningMean(global.model(), 1), 1e-6);
            assertNotEquals(runningMean(local.model(), 1)[0], runningMean(local.replica(1), 1)[0]);
            // the parameters still agree across replicas, and differ between the two modes
            assertEquals(0, maxDiff(local.model(), local.replica(1)));
            assertTrue(maxDiff(local.model(), global.model()) > 1e-5);
        }
        // with one replica the two modes are the same thing
        Batches more = new Batches(5);
        try (DataParallel local = parallel(1, DataParallel.BatchStatistics.PER_REPLICA);
             DataParallel global = parallel(1, DataParallel.BatchStatistics.GLOBAL)) {
            for (int t = 0; t < 5; t++) {
                assertEquals(global.step(more.x[t], more.y[t], BATCH), local.step(more.x[t], more.y[t], BATCH), 0);
            }
            assertEquals(0, maxDiff(local.model(), global.model()));
        }
    }

    /** Training-mode loss of a fresh model on rows [from, from + n) alone. */
    static float sliceLoss(float[] x, int[] y, int from, int n) {
        Sequential m = mlp(0);
        Tensor logits = m.forwardBuffered(Tensor.of(Arrays.copyOfRange(x, from * IN, (from + n) * IN), n, IN), true);
        return new CrossEntropyLoss().forward(logits, Arrays.copyOfRange(y, from, from + n));
    }

    /** First BatchNorm's running mean after a fresh model's training forward on rows [from, from + n). */
    static float[] sliceRunningMean(float[] x, int from, int n) {
        Sequential m = mlp(0);
        m.forwardBuffered(Tensor.of(Arrays.copyOfRange(x, from * IN, (from + n) * IN), n, IN), true);
        return runningMean(m, 1);
    }

    /** Passes its input through; throws in forward once armed (an injected fault). */
    static final class Fault implements Module {
        volatile boolean armed;

        @Override
        public Tensor forwardBuffered(Tensor x, boolean training) {
            if (armed) {
                throw new IllegalStateException("injected fault");
            }
            return x;
        }

        @Override
        public Tensor backwardBuffered(Tensor g) {
            return g;
        }
    }

    @Test
    void aReplicaThatThrowsFailsTheStepWithItsErrorAndNoHang() {
        Fault[] faults = new Fault[4];
        IntFunction<Sequential> factory = r -> {
            Sequential base = mlp(r);
            faults[r] = new Fault();
            List<Module> layers = new ArrayList<>(base.modules());
            layers.add(3, faults[r]); // after the first SyncBatchNorm, before the second: the others wait in it
            return new Sequential(layers.toArray(new Module[0]));
        };
        Batches data = new Batches(2);
        try (DataParallel dp = DataParallel.builder(factory, 4).inputShape(IN).optimizer(DataParallelTest::sgd)
                .timeout(20, TimeUnit.SECONDS).build()) {
            float[] before = dp.model().parameters().get(0).data().clone();
            faults[2].armed = true;
            ReplicaException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                    () -> assertThrows(ReplicaException.class, () -> dp.step(data.x[0], data.y[0], BATCH)));
            assertEquals(2, e.replica());
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertTrue(e.getMessage().contains("step 1: replica 2 of 4 failed: java.lang.IllegalStateException: injected fault"), e.getMessage());
            assertArrayEquals(before, dp.model().parameters().get(0).data(), "no optimizer step after a failure");
            assertEquals(0, dp.steps());
            // the collective was reset: the next step runs normally
            faults[2].armed = false;
            assertTimeoutPreemptively(Duration.ofSeconds(15), () -> dp.step(data.x[1], data.y[1], BATCH));
            assertEquals(1, dp.steps());
        }
    }

    @Test
    void aBadLabelInOneReplicaIsReportedWithTheReplica() {
        Batches data = new Batches(1);
        int[] y = data.y[0].clone();
        y[20] = CLASSES; // replica 1 of {16, 16}
        try (DataParallel dp = parallel(2, DataParallel.BatchStatistics.GLOBAL)) {
            ReplicaException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                    () -> assertThrows(ReplicaException.class, () -> dp.step(data.x[0], y, BATCH)));
            assertEquals(1, e.replica());
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("label 5 at row 4 is out of range [0, 5)"), e.getCause().getMessage());
        }
    }

    /** Sleeps in forward when armed: a replica stuck in its own computation. */
    static final class Stall implements Module {
        volatile boolean armed;

        @Override
        public Tensor forwardBuffered(Tensor x, boolean training) {
            if (armed) {
                try {
                    Thread.sleep(20_000); // interrupted by close()
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return x;
        }

        @Override
        public Tensor backwardBuffered(Tensor g) {
            return g;
        }
    }

    @Test
    void aStuckReplicaIsNamedByTheTimeoutAndTheObjectIsThenRefused() {
        Stall[] stalls = new Stall[3];
        IntFunction<Sequential> factory = r -> {
            stalls[r] = new Stall();
            List<Module> layers = new ArrayList<>(mlp(r).modules());
            layers.add(0, stalls[r]);
            return new Sequential(layers.toArray(new Module[0]));
        };
        Batches data = new Batches(2);
        try (DataParallel dp = DataParallel.builder(factory, 3).inputShape(IN).optimizer(DataParallelTest::sgd)
                .timeout(1, TimeUnit.SECONDS).build()) {
            dp.step(data.x[0], data.y[0], BATCH); // warm-up: classes loaded and compiled, so the healthy replicas arrive in time
            stalls[1].armed = true;
            ReplicaException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> assertThrows(ReplicaException.class, () -> dp.step(data.x[1], data.y[1], BATCH)));
            assertTrue(e.getMessage().contains("timed out after 1000 ms: replica(s) [1] did not arrive"), e.getMessage());
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> dp.step(data.x[0], data.y[0], BATCH));
            assertTrue(refused.getMessage().contains("unusable"), refused.getMessage());
        }
    }

    @Test
    void badArgumentsAreRejectedOnTheCallersThread() {
        Batches data = new Batches(1);
        try (DataParallel dp = parallel(2, DataParallel.BatchStatistics.GLOBAL)) {
            float[] x = data.x[0];
            int[] y = data.y[0];
            assertThrows(IllegalArgumentException.class, () -> dp.step(x, y, 0));
            assertThrows(IllegalArgumentException.class, () -> dp.step(Arrays.copyOf(x, 10), y, BATCH));
            assertThrows(IllegalArgumentException.class, () -> dp.step(x, new int[3], BATCH));
            assertThrows(IllegalArgumentException.class, () -> dp.step(x, y, BATCH, new int[] {16, 15}));
            assertThrows(IllegalArgumentException.class, () -> dp.step(x, y, BATCH, new int[] {33, -1}));
            assertThrows(IllegalArgumentException.class, () -> dp.step(x, y, BATCH, new int[] {32}));
            assertEquals(0, dp.steps());
        }
        assertThrows(IllegalArgumentException.class, () -> DataParallel.builder(DataParallelTest::mlp, 0));
        assertThrows(IllegalArgumentException.class, () -> DataParallel.builder(DataParallelTest::mlp, 2).optimizer(DataParallelTest::sgd).build());
        assertThrows(IllegalArgumentException.class, () -> DataParallel.builder(DataParallelTest::mlp, 2).inputShape(IN).build());
        // replicas with different parameters cannot be kept in sync
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataParallel.builder(
                r -> r == 0 ? mlp(r) : new Sequential(new Linear(IN, CLASSES, true, 1)), 2)
                .inputShape(IN).optimizer(DataParallelTest::sgd).build());
        assertTrue(e.getMessage().contains("different models for replicas 0 and 1"), e.getMessage());
        Sequential shared = mlp(0);
        e = assertThrows(IllegalArgumentException.class, () -> DataParallel.builder(r -> shared, 2)
                .inputShape(IN).optimizer(DataParallelTest::sgd).build());
        assertTrue(e.getMessage().contains("share parameter 0.weight"), e.getMessage());
    }

    @Test
    void evalModeOfTheTrainedModelIsPlainBatchNormWithItsRunningStatistics() {
        Batches data = new Batches(5);
        try (DataParallel dp = parallel(2, DataParallel.BatchStatistics.GLOBAL)) {
            for (int t = 0; t < 5; t++) {
                dp.step(data.x[t], data.y[t], BATCH);
            }
            // a factory-built (plain BatchNorm) model loaded from the state_dict gives the same eval outputs
            StateDict sd = new StateDict();
            dp.model().stateDict("", sd);
            Sequential plain = mlp(0);
            plain.loadStateDict("", sd);
            Tensor x = Tensor.of(data.x[0], BATCH, IN);
            assertArrayEquals(plain.forward(x, false).data(), dp.model().forward(x, false).data());
            assertSame(SyncBatchNorm.class, dp.model().get(1).getClass());
        }
    }
}
