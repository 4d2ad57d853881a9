package org.bnlab.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bnlab.nn.AvgPool2d;
import org.bnlab.nn.Conv2d;
import org.bnlab.nn.Dropout;
import org.bnlab.nn.GlobalAvgPool2d;
import org.bnlab.nn.Linear;
import org.bnlab.nn.MaxPool2d;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.Sigmoid;
import org.bnlab.nn.Tanh;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.nn.norm.BnFixtures;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

class InferenceModelTest {

    static Sequential paperMlp() {
        return new Sequential(
                new Linear(784, 100, false, 1), BatchNorm.builder(100).build(), new Sigmoid(),
                new Linear(100, 100, false, 2), BatchNorm.builder(100).build(), new Sigmoid(), new Dropout(0.1, 3),
                new Linear(100, 100, false, 4), BatchNorm.builder(100).build(), new Sigmoid(),
                new Linear(100, 10, true, 5));
    }

    static Sequential cnn() {
        return org.bnlab.train.Models.smallCnn(1);
    }

    /** {@link #cnn()} with BN statistics and affine parameters from {@link BnFixtures#trainStatistics}. */
    static Sequential trainedCnn(SplittableRandom rng) {
        Sequential m = cnn();
        BnFixtures.trainStatistics(m, BnFixtures.random(rng, 0.5f, 0.5f, 16, 1, 28, 28), rng);
        return m;
    }

    /** Every supported layer once: standalone BN (dense and spatial), avg and global pooling, tanh, no-bias conv. */
    static Sequential zoo() {
        return new Sequential(
                BatchNorm.builder(3).build(),
                new Conv2d(3, 6, 3, 2, 1, false, 1), new Tanh(), new AvgPool2d(2, 1),
                new Conv2d(6, 5, 1, 1, 0, false, 2), BatchNorm.builder(5).affine(false).build(), new ReLU(),
                new GlobalAvgPool2d(), BatchNorm.builder(5).build(),
                new Linear(5, 4, false, 3), new Sigmoid(), new Linear(4, 3, true, 4));
    }

    static void assertMatchesEval(Sequential model, int[] sampleShape, Tensor x, String name) {
        Tensor expected = model.forward(x, false);
        InferenceModel im = InferenceModel.of(model, sampleShape);
        Tensor got = im.predict(x);
        assertTrue(got.sameShape(expected), got + " vs " + expected);
        double diff = 0;
        for (int i = 0; i < got.numel(); i++) {
            diff = Math.max(diff, Math.abs(got.data()[i] - expected.data()[i]));
        }
        System.out.printf("InferenceModel %s: max |predict - eval forward| = %.3g%n", name, diff);
        assertTrue(diff < 1e-5, name + ": max abs diff " + diff);
    }

    /**
     * ReLU then MaxPool runs as MaxPool then ReLU: bit for bit the eval forward, with NaN (two
     * payloads), -0, +-infinity, ties and all-negative windows; rows of 2 and 14 outputs (the scalar
     * and the vector pooling kernels).
     */
    @Test
    void reluThenMaxPoolGivesTheSameBitsInEitherOrder() {
        SplittableRandom rng = new SplittableRandom(13);
        float[] special = {Float.NaN, Float.intBitsToFloat(0x7fc01234), -0f, 0f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, -1f, 1f, -2.5f};
        for (int hw : new int[] {4, 28}) {
            Sequential m = new Sequential(new ReLU(), new MaxPool2d(2));
            int n = 3;
            Tensor x = Tensor.zeros(n, 2, hw, hw);
            float[] d = x.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = rng.nextInt(4) == 0 ? special[rng.nextInt(special.length)] : (float) rng.nextGaussian();
            }
            for (int i = 0; i < hw * hw; i++) {
                d[i] = -Math.abs(d[i]) - 1f; // the first plane all negative
            }
            float[] expected = m.forward(x, false).data();
            float[] got = InferenceModel.of(m, 2, hw, hw).predict(x).data();
            assertEquals(expected.length, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]),
                        "output " + i + " of " + hw + "x" + hw + ": " + expected[i] + " vs " + got[i]);
            }
        }
    }

    @Test
    void paperMlpEqualsItsEvalForward() {
        SplittableRandom rng = new SplittableRandom(11);
        Sequential m = paperMlp();
        BnFixtures.trainStatistics(m, BnFixtures.random(rng, 0.3f, 0.5f, 60, 784), rng);
        for (int n : new int[] {1, 7, 60}) {
            assertMatchesEval(m, new int[0], BnFixtures.random(rng, 0.3f, 0.5f, n, 784), "paper MLP, batch " + n);
        }
    }

    @Test
    void cnnEqualsItsEvalForward() {
        SplittableRandom rng = new SplittableRandom(12);
        Sequential m = trainedCnn(rng);
        for (int n : new int[] {1, 5}) {
            assertMatchesEval(m, new int[] {1, 28, 28}, BnFixtures.random(rng, 0.5f, 0.5f, n, 1, 28, 28), "CNN, batch " + n);
        }
    }

    /**
     * A batch larger than one chunk (widest layer 8 x 28 x 28: 668 samples per chunk) runs in chunks
     * and gives the bits of the same samples predicted in smaller batches.
     */
    @Test
    void aBatchLargerThanAChunkGivesTheSameLogitsAsSmallBatches() {
        SplittableRandom rng = new SplittableRandom(17);
        InferenceModel im = InferenceModel.of(trainedCnn(rng), 1, 28, 28);
        int n = 700;
        int per = 28 * 28;
        assertTrue(n > InferenceModel.CHUNK_FLOATS / (8 * per), "the batch must span two chunks");
        Tensor x = BnFixtures.random(rng, 0.5f, 0.5f, n, 1, 28, 28);
        float[] all = new float[n * 10];
        im.predict(x.data(), n, all);
        float[] pieces = new float[n * 10];
        for (int start = 0; start < n; start += 100) {
            float[] part = java.util.Arrays.copyOfRange(x.data(), start * per, (start + 100) * per);
            float[] out = new float[100 * 10];
            im.predict(part, 100, out);
            System.arraycopy(out, 0, pieces, start * 10, out.length);
        }
        assertArrayEquals(pieces, all);
        float[] copy = x.data().clone();
        im.predict(x.data(), n, all);
        assertArrayEquals(copy, x.data(), "the caller's input is never written");
    }

    /** Batches big enough that the convolutions split over samples: 1, 2 and 3 threads give the same bits. */
    @Test
    void cnnIsBitIdenticalForAnyThreadCount() {
        SplittableRandom rng = new SplittableRandom(16);
        Sequential m = trainedCnn(rng);
        InferenceModel im = InferenceModel.of(m, 1, 28, 28);
        int saved = org.bnlab.kernel.Parallel.threads();
        try {
            for (int n : new int[] {1, 7, 60}) {
                Tensor x = BnFixtures.random(rng, 0.5f, 0.5f, n, 1, 28, 28);
                org.bnlab.kernel.Parallel.setThreads(1);
                float[] one = im.predict(x).data();
                for (int t = 2; t <= 3; t++) {
                    org.bnlab.kernel.Parallel.setThreads(t);
                    assertArrayEquals(one, im.predict(x).data(), "batch " + n + ", " + t + " threads vs 1");
                }
                assertMatchesEval(m, new int[] {1, 28, 28}, x, "CNN, batch " + n + ", 3 threads");
            }
        } finally {
            org.bnlab.kernel.Parallel.setThreads(saved);
        }
    }

    @Test
    void everySupportedLayerEqualsItsEvalForward() {
        SplittableRandom rng = new SplittableRandom(13);
        Sequential m = zoo();
        BnFixtures.trainStatistics(m, BnFixtures.random(rng, 1f, 2f, 8, 3, 9, 9), rng);
        assertMatchesEval(m, new int[] {3, 9, 9}, BnFixtures.random(rng, 1f, 2f, 4, 3, 9, 9), "layer zoo");
    }

    @Test
    void weightsAreCopiesTheSourceModelCanKeepTraining() {
        SplittableRandom rng = new SplittableRandom(14);
        Sequential m = paperMlp();
        Tensor x = BnFixtures.random(rng, 0.3f, 0.5f, 4, 784);
        InferenceModel im = InferenceModel.of(m);
        float[] before = im.predict(x).data();
        ((Linear) m.get(0)).weight().data()[0] += 1f;
        BnFixtures.trainStatistics(m, BnFixtures.random(rng, 0.3f, 0.5f, 60, 784), rng);
        assertArrayEquals(before, im.predict(x).data());
    }

    @Test
    void concurrentCallersGetTheSameLogitsAsOneCaller() throws Exception {
        SplittableRandom rng = new SplittableRandom(15);
        InferenceModel im = InferenceModel.of(trainedCnn(rng), 1, 28, 28);
        int[] batches = {1, 3, 8, 2, 5, 8, 1, 4};
        List<Tensor> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int n : batches) {
            Tensor x = BnFixtures.random(rng, 0.5f, 0.5f, n, 1, 28, 28);
            inputs.add(x);
            expected.add(im.predict(x).data());
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                futures.add(pool.submit(() -> {
                    float[] out = new float[8 * 10];
                    for (int r = 0; r < 20; r++) {
                        int i = (r + offset) % batches.length;
                        im.predict(inputs.get(i).data(), batches[i], out);
                        assertArrayEquals(expected.get(i), java.util.Arrays.copyOf(out, batches[i] * 10),
                                "thread " + offset + " round " + r);
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void badModelsAndInputsAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InferenceModel.of(cnn()));
        assertTrue(e.getMessage().contains("does not start with a Linear"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InferenceModel.of(cnn(), 3, 28, 28));
        assertTrue(e.getMessage().contains("layer 0 Conv2d(1, 8") && e.getMessage().contains("[N, 3, 28, 28]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InferenceModel.of(cnn(), 1, 20, 20));
        assertTrue(e.getMessage().contains("Linear(in_features=784") && e.getMessage().contains("[N, 400]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InferenceModel.of(
                new Sequential(new Linear(4, 4, false, 1), new ReLU(), BatchNorm.builder(4).trackRunningStats(false).build())));
        assertTrue(e.getMessage().contains("layer 2 BatchNorm(4") && e.getMessage().contains("track_running_stats=false"), e.getMessage());

        InferenceModel im = InferenceModel.of(paperMlp());
        assertEquals(784, im.inputFeatures());
        assertEquals(10, im.outputFeatures());
        e = assertThrows(IllegalArgumentException.class, () -> im.predict(new float[784], 2, new float[20]));
        assertTrue(e.getMessage().contains("2 samples need 1568 input floats"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> im.predict(Tensor.zeros(2, 783)));
        assertTrue(e.getMessage().contains("[N, 784]"), e.getMessage());
        im.predict(new float[0], 0, new float[0]); // an empty batch is a no-op
    }
}
