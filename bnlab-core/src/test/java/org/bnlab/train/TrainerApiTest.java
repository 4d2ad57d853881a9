package org.bnlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import org.bnlab.data.Split;
import org.bnlab.nn.Conv2d;
import org.bnlab.nn.Dropout;
import org.bnlab.nn.Flatten;
import org.bnlab.nn.GlobalAvgPool2d;
import org.bnlab.nn.Linear;
import org.bnlab.nn.MaxPool2d;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.nn.Tanh;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.optim.Adam;
import org.bnlab.optim.CosineAnnealingLR;
import org.bnlab.optim.SGD;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library API: any model, any data shape, listeners, evaluation, checkpoints, exact resume. */
class TrainerApiTest {

    static Dataset mnist;

    @BeforeAll
    static void load() throws IOException {
        mnist = Datasets.load("mnist-sample");
    }

    static Sequential cnn(long seed) {
        return new Sequential(new Conv2d(1, 8, 3, 1, 1, false, seed), BatchNorm.builder(8).build(), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(8 * 14 * 14, 10, true, seed));
    }

    /** The example, shortened: a custom CNN learns through the builder, and a reload predicts the same. */
    @Test
    void customConvNetTrainsEvaluatesSavesAndReloads(@TempDir Path dir) throws IOException {
        Sequential net = cnn(7);
        Trainer trainer = Trainer.builder(net, mnist.train())
                .optimizer(params -> SGD.builder(params).lr(0.05).momentum(0.9).build())
                .batchSize(64).seed(1).build();
        trainer.fit(120);
        assertEquals(120, trainer.step());
        EvalResult r = Evaluator.evaluate(net, mnist.test());
        assertEquals(mnist.test().size(), r.examples());
        assertTrue(r.accuracy() > 0.8, "accuracy after 120 steps: " + r.accuracy());
        Path file = dir.resolve("nested/dir/model.safetensors");
        Checkpoint.saveModel(file, net);
        Sequential copy = cnn(99);
        Checkpoint.loadModel(file, copy);
        EvalResult c = Evaluator.evaluate(copy, mnist.test());
        assertEquals(r, c);
    }

    @Test
    void loadModelNamesEveryDifference(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("m.safetensors");
        Checkpoint.saveModel(file, cnn(1));
        Sequential other = new Sequential(new Conv2d(1, 4, 3, 1, 1, false, 1L), BatchNorm.builder(4).build(), new ReLU(),
                new MaxPool2d(2), new Flatten(), new Linear(4 * 14 * 14, 10, false, 1L));
        float[] before = other.parameters().get(0).data().clone();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.loadModel(file, other));
        assertTrue(e.getMessage().contains("0.weight is [8, 1, 3, 3] in the file but [4, 1, 3, 3] in the model"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected 5.bias"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertArrayEquals(before, other.parameters().get(0).data(), "the model is unchanged by a failed load");
    }

    /** Data already in memory with 3 channels, a model without Linear first: layout from the model. */
    @Test
    void multiChannelInMemoryDataWorks() {
        SplittableRandom rng = new SplittableRandom(3);
        int n = 96;
        float[] x = new float[n * 3 * 6 * 6];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            for (int j = 0; j < 3 * 36; j++) {
                // class 1 has a brighter second channel
                x[i * 108 + j] = (float) rng.nextGaussian() + (y[i] == 1 && j / 36 == 1 ? 1.5f : 0f);
            }
        }
        Dataset d = Dataset.of("toy", 2, Split.of(x, y, 3, 6, 6), Split.of(x.clone(), y.clone(), 3, 6, 6));
        assertEquals(3, d.channels());
        Sequential net = new Sequential(new Conv2d(3, 4, 3, 1, 1, true, 5L), BatchNorm.builder(4).build(), new ReLU(),
                new GlobalAvgPool2d(), new Linear(4, 2, true, 5L));
        Trainer t = Trainer.builder(net, d.train()).optimizer(p -> Adam.builder(p).lr(0.01).build()).batchSize(16)
                .evaluateOn(d.test(), 50).build();
        List<EvalPoint> points = t.fit(200);
        assertEquals(4, points.size());
        assertTrue(points.get(3).testAccuracy() > 0.9, "toy accuracy " + points.get(3).testAccuracy());
        assertThrows(IllegalArgumentException.class, () -> Split.of(x, y, 3, 6, 5));
        assertThrows(IllegalArgumentException.class, () -> Dataset.of("bad", 1, d.train(), d.test()));
    }

    /** Listeners run in order, around each step, with evaluations at the interval and the end. */
    @Test
    void listenersSeeStepsAndEvaluations() {
        List<String> log = new ArrayList<>();
        Trainer t = Trainer.builder(mlpWithNestedDropout(1), mnist.train()).batchSize(50).evaluateOn(mnist.test(), 4)
                .listener(new TrainingListener() {
                    @Override
                    public void afterStep(Trainer tr, float loss) {
                        log.add("step" + tr.step());
                    }

                    @Override
                    public void onEval(Trainer tr, EvalPoint p) {
                        log.add("eval" + p.step());
                    }

                    @Override
                    public void onFitEnd(Trainer tr) {
                        log.add("end");
                    }
                }).build();
        t.fit(6);
        assertEquals(List.of("step1", "step2", "step3", "step4", "eval4", "step5", "step6", "eval6", "end"), log);
        assertThrows(IllegalArgumentException.class, () -> t.fitTo(3));
    }

    static Sequential mlpWithNestedDropout(long seed) {
        return new Sequential(new Linear(784, 32, false, seed), BatchNorm.builder(32).build(), new Tanh(),
                new Sequential(new Dropout(0.3, seed + 1), new Linear(32, 16, true, seed + 2)), new Tanh(),
                new Dropout(0.2, seed + 3), new Linear(16, 10, true, seed + 4));
    }

    static final int EVAL_EVERY = 10;

    static Trainer resumable(Sequential net) {
        return Trainer.builder(net, mnist.train())
                .optimizer(p -> SGD.builder(p).lr(0.1).momentum(0.9).nesterov(true).weightDecay(1e-4).build())
                .scheduler(o -> new CosineAnnealingLR(o, 40, 0))
                .batchSize(32).seed(5).evaluateOn(mnist.test(), EVAL_EVERY).divergenceCheck(100, 2).build();
    }

    static float[] flat(Sequential net) {
        StateDict sd = new StateDict();
        net.stateDict("", sd);
        return sd.entries().values().stream().filter(e -> e.f32() != null)
                .map(StateDict.Entry::f32).reduce(new float[0], (a, b) -> {
                    float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
                    System.arraycopy(b, 0, c, a.length, b.length);
                    return c;
                });
    }

    /**
     * Resume through a run directory is bit-exact, with Dropout inside a nested Sequential (its mask
     * stream is found recursively), a schedule, momentum and the divergence check, from a step that
     * is not an evaluation step.
     */
    @Test
    void resumeThroughRunDirectoryIsExact(@TempDir Path dir) throws IOException {
        Sequential a = mlpWithNestedDropout(11);
        Trainer straight = resumable(a);
        List<EvalPoint> all = straight.fit(40);

        Sequential b = mlpWithNestedDropout(11);
        Trainer first = resumable(b);
        first.fit(17);
        RunDirectory run = RunDirectory.open(dir);
        StateDict model = new StateDict();
        b.stateDict("", model);
        StateDict state = first.stateDict();
        assertTrue(state.contains("extra.3.0.rng_calls"), "nested Dropout state: " + state.entries().keySet());
        run.save(first.step(), model, state, java.util.Map.of());

        Sequential c = mlpWithNestedDropout(99);
        Trainer resumed = resumable(c);
        Checkpoint.Loaded loaded = RunDirectory.loadLatest(dir);
        Checkpoint.checkModel(dir, loaded.model(), c);
        c.loadStateDict("", loaded.model());
        resumed.loadStateDict(loaded.trainer());
        assertEquals(17, resumed.step());
        List<EvalPoint> rest = resumed.fitTo(40);
        assertArrayEquals(flat(a), flat(c), "resumed parameters equal the uninterrupted run's");
        assertEquals(all.get(all.size() - 1).trainLoss(), rest.get(rest.size() - 1).trainLoss(), "train loss since last eval");
        assertEquals(all.get(all.size() - 1).testAccuracy(), rest.get(rest.size() - 1).testAccuracy());
    }

    @Test
    void trainerStateWithAnotherBatchSizeIsRefused() {
        Trainer t = resumable(mlpWithNestedDropout(1));
        t.fit(2);
        StateDict s = t.stateDict();
        Trainer other = Trainer.builder(mlpWithNestedDropout(1), mnist.train()).batchSize(16).seed(5).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(s));
        assertTrue(e.getMessage().contains("batch size 32"), e.getMessage());
    }

    /** A sigmoid network at a huge learning rate stays finite; the divergence check stops it. */
    @Test
    void finiteDivergenceIsStopped() {
        Sequential net = new Sequential(new Linear(784, 64, true, 1L), new org.bnlab.nn.Sigmoid(), new Linear(64, 10, true, 2L));
        Trainer t = Trainer.builder(net, mnist.train()).optimizer(p -> SGD.builder(p).lr(1e30).build()).batchSize(60)
                .evaluateOn(mnist.test(), 5).divergenceCheck(100, 2).build();
        DivergedException e = assertThrows(DivergedException.class, () -> t.fit(200));
        assertTrue(e.getMessage().contains("first step's loss") || e.getMessage().contains("NaN"), e.getMessage());
        assertTrue(!t.healthy() || e.getMessage().contains("NaN"));
    }

    @Test
    void badOptionsAreClearErrors() {
        Sequential net = cnn(1);
        assertThrows(IllegalArgumentException.class, () -> Trainer.builder(net, mnist.train()).batchSize(0));
        assertThrows(IllegalArgumentException.class, () -> Trainer.builder(net, mnist.train()).batchSize(100_000).build());
        assertThrows(IllegalArgumentException.class, () -> Trainer.builder(net, mnist.train()).evaluateOn(mnist.test(), 0));
        assertThrows(IllegalArgumentException.class, () -> Trainer.builder(net, mnist.train()).divergenceCheck(0.5, 1));
        Split empty = new Split(new float[0], new int[0], 28, 28);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Evaluator.evaluate(net, empty));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    /** Leftovers of an interrupted save are removed on open; the current checkpoint stays. */
    @Test
    void runDirectoryCleansInterruptedSaves(@TempDir Path dir) throws IOException {
        RunDirectory run = RunDirectory.open(dir);
        StateDict m = new StateDict();
        cnn(1).stateDict("", m);
        StateDict s = new StateDict();
        s.put("x", StateDict.Entry.i64(new long[] {1}));
        Path first = run.save(10, m, s, java.util.Map.of());
        Path ckpts = dir.resolve(RunDirectory.CHECKPOINTS);
        Files.createDirectories(ckpts.resolve(".tmp-step-000000000020-abc"));
        Files.createDirectories(ckpts.resolve("step-000000000020")); // renamed, pointer never written
        Files.writeString(dir.resolve(".model.safetensors.1234.tmp"), "torn");
        RunDirectory.open(dir);
        assertEquals(first, RunDirectory.latest(dir));
        assertTrue(Files.notExists(ckpts.resolve(".tmp-step-000000000020-abc")));
        assertTrue(Files.notExists(ckpts.resolve("step-000000000020")));
        assertTrue(Files.notExists(dir.resolve(".model.safetensors.1234.tmp")));
        for (int step = 20; step <= 50; step += 10) {
            run.save(step, m, s, java.util.Map.of());
        }
        try (var list = Files.list(ckpts)) {
            assertEquals(List.of("latest", "step-000000000040", "step-000000000050"),
                    list.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Path notDir = dir.resolve("file");
        Files.writeString(notDir, "x");
        IOException e = assertThrows(IOException.class, () -> RunDirectory.open(notDir));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
    }

    static Sequential bnMlp(long seed) {
        return new Sequential(new Linear(784, 48, false, seed), BatchNorm.builder(48).build(), new Tanh(),
                new Linear(48, 10, true, seed + 1));
    }

    /**
     * Data-parallel training (3 replicas on threads, SyncBatchNorm) equals one model on the whole
     * batch within float rounding; per-replica statistics do not, and the user's model is the one trained.
     */
    @Test
    void dataParallelTrainingEqualsOneModelOnTheWholeBatch() {
        Sequential single = bnMlp(4);
        Trainer one = Trainer.builder(single, mnist.train()).optimizer(p -> SGD.builder(p).lr(0.1).momentum(0.9).build())
                .batchSize(60).seed(2).build();
        one.fit(60);
        Sequential net = bnMlp(4);
        Trainer dp = Trainer.builder(net, mnist.train()).optimizer(p -> SGD.builder(p).lr(0.1).momentum(0.9).build())
                .batchSize(60).seed(2).dataParallel(3, r -> bnMlp(100 + r), org.bnlab.train.parallel.DataParallel.BatchStatistics.GLOBAL)
                .build();
        assertEquals(3, dp.replicas());
        dp.fit(60);
        float[] a = flat(single);
        float[] b = flat(net);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        assertTrue(max < 1e-5, "max |single - data parallel| = " + max);
        assertEquals(Evaluator.evaluate(single, mnist.test()).accuracy(), Evaluator.evaluate(net, mnist.test()).accuracy(), 1e-3);

        Sequential local = bnMlp(4);
        Trainer perReplica = Trainer.builder(local, mnist.train()).optimizer(p -> SGD.builder(p).lr(0.1).momentum(0.9).build())
                .batchSize(60).seed(2).dataParallel(3, r -> bnMlp(100 + r), org.bnlab.train.parallel.DataParallel.BatchStatistics.PER_REPLICA)
                .build();
        perReplica.fit(60);
        float[] c = flat(local);
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - c[i]));
        }
        assertTrue(diff > 1e-4, "per-replica statistics train another network: " + diff);
        assertThrows(IllegalArgumentException.class, () -> Trainer.builder(bnMlp(1), mnist.train()).clipGradNorm(1)
                .dataParallel(2, r -> bnMlp(r), org.bnlab.train.parallel.DataParallel.BatchStatistics.GLOBAL).build());
    }
}
