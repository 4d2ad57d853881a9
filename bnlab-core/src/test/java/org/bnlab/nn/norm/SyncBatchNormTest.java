package org.bnlab.nn.norm;

import org.bnlab.kernel.KernelProvider;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bnlab.dist.CollectiveException;
import org.bnlab.dist.ThreadCollective;
import org.bnlab.kernel.BatchNormKernel;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Tensor;
import org.bnlab.testing.Replicas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SyncBatchNorm on R replicas holding slices of a global batch must equal BatchNorm on the whole
 * batch: outputs, input gradients, the replicas' weight/bias gradients summed, running statistics.
 *
 * <p>Tolerances. With the Vector API kernel the per-slice float partial sums restart at each slice's
 * first row, so values differ by float roundings: 4e-6 * max(1, |expected|) is allowed (measured worst
 * over these cases: y 5.5e-7, dx 2.8e-7, running_var 1.6e-7). weight.grad and bias.grad are sums of m
 * terms that cancel, so their rounding scales with sum |term|: 1e-7 of it is allowed (measured 7.5e-8).
 * With the scalar kernel (double sums; the build runs the nn tests again with -Dbnlab.simd=false) y, dx
 * and the running statistics are asserted bit-identical: the double partial sums differ by ~1e-16
 * relative, far below one float rounding, so for these inputs no value rounds differently (not a
 * guarantee for every input, hence this test and not a contract). The summed weight/bias gradients are
 * rounded to float once per replica, then added: they keep the sum tolerance (measured 4.3e-8).
 */
class SyncBatchNormTest {
    static final double TOL = 4e-6;
    static final double SUM_TOL = 1e-7;

    /** A global batch split into slices (rows of dim 0), run through R synchronized replicas and through one BatchNorm. */
    static final class Run {
        final int[] shape;
        final int[] slices;
        final int perRow;
        final BatchNorm single;
        final SyncBatchNorm[] replicas;
        final ThreadCollective collective;
        float[] y;
        float[] dx;

        Run(int[] shape, int[] slices, BatchNorm.Builder config, long seed) {
            this.shape = shape;
            this.slices = slices;
            this.perRow = (int) Tensor.numel(Arrays.copyOfRange(shape, 1, shape.length));
            assertEquals(shape[0], Arrays.stream(slices).sum(), "slices must cover the batch");
            int c = shape[1];
            single = config.build();
            SplittableRandom r = new SplittableRandom(seed);
            for (int k = 0; k < c && single.affine(); k++) {
                single.weight()[k] = (float) (0.5 + r.nextDouble());
                single.bias()[k] = (float) r.nextGaussian();
            }
            collective = new ThreadCollective(slices.length, 20, TimeUnit.SECONDS);
            replicas = new SyncBatchNorm[slices.length];
            for (int i = 0; i < slices.length; i++) {
                BatchNorm b = config.build();
                StateDict sd = new StateDict();
                single.stateDict("", sd);
                b.loadStateDict("", sd);
                replicas[i] = SyncBatchNorm.convert(b, collective, i);
            }
        }

        int offset(int replica) {
            int o = 0;
            for (int i = 0; i < replica; i++) {
                o += slices[i];
            }
            return o * perRow;
        }

        Tensor slice(float[] full, int replica) {
            int[] sh = shape.clone();
            sh[0] = slices[replica];
            int o = offset(replica);
            return Tensor.of(Arrays.copyOfRange(full, o, o + slices[replica] * perRow), sh);
        }

        /** One training step (forward + backward) on every replica; y and dx reassembled in batch order. */
        void step(float[] x, float[] dy, boolean training) {
            y = new float[x.length];
            dx = new float[x.length];
            Replicas.runAll(collective, rank -> {
                Tensor yr = replicas[rank].forwardBuffered(slice(x, rank), training);
                Tensor dxr = replicas[rank].backwardBuffered(slice(dy, rank));
                System.arraycopy(yr.data(), 0, y, offset(rank), yr.numel());
                System.arraycopy(dxr.data(), 0, dx, offset(rank), dxr.numel());
            });
        }

        float[] summedWeightGrad() {
            return summed(true);
        }

        float[] summedBiasGrad() {
            return summed(false);
        }

        private float[] summed(boolean weight) {
            double[] acc = new double[shape[1]];
            for (SyncBatchNorm s : replicas) {
                float[] g = weight ? s.weightGrad() : s.biasGrad();
                for (int k = 0; k < acc.length; k++) {
                    acc[k] += g[k];
                }
            }
            float[] out = new float[acc.length];
            for (int k = 0; k < acc.length; k++) {
                out[k] = (float) acc[k];
            }
            return out;
        }
    }

    static float[] data(long seed, int len, double mean, double std) {
        return BatchNormTest.randn(new SplittableRandom(seed), len, mean, std);
    }

    static final boolean SCALAR = KernelProvider.get().batchNorm() == KernelProvider.scalar().batchNorm();

    static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        if (SCALAR) {
            assertArrayEquals(expected, actual, what + " (scalar kernel: bit-identical)");
            return;
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOL * Math.max(1, Math.abs(expected[i])), what + "[" + i + "]");
        }
    }

    /** Per channel, sum |dy * xhat| and sum |dy| (xhat from the double-precision reference). */
    static double[][] gradTermNorms(float[] x, float[] dy, int[] shape) {
        int n = shape[0];
        int c = shape[1];
        int s = shape.length == 4 ? shape[2] * shape[3] : 1;
        double[] ones = new double[c];
        Arrays.fill(ones, 1);
        BatchNormReference ref = new BatchNormReference(BatchNormTest.toDouble(x), n, c, s, ones, new double[c], 1e-5);
        double[][] l1 = new double[2][c];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < c; k++) {
                for (int j = 0; j < s; j++) {
                    int e = (i * c + k) * s + j;
                    l1[0][k] += Math.abs(dy[e] * ref.y[e]);
                    l1[1][k] += Math.abs(dy[e]);
                }
            }
        }
        return l1;
    }

    static void assertSumsClose(float[] expected, float[] actual, double[] termNorm, String what) {
        for (int k = 0; k < expected.length; k++) {
            double tol = SUM_TOL * termNorm[k] + TOL * Math.max(1, Math.abs(expected[k]));
            assertEquals(expected[k], actual[k], tol, what + "[" + k + "]");
        }
    }

    static int[] parseInts(String s) {
        return Arrays.stream(s.split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    @ParameterizedTest(name = "shape [{0}] slices [{1}]")
    @CsvSource({
        "32 6, 13 0 11 8",
        "32 6, 1 31",
        "32 6, 16 16",
        "300 40, 100 0 0 77 123",
        "10 3 5 5, 4 0 1 5",
        "9 4 3 2, 0 9",
        "7 2 1 1, 2 2 3"})
    void replicasOnSlicesEqualBatchNormOnTheWholeBatch(String shapeText, String slicesText) {
        int[] shape = parseInts(shapeText);
        int[] slices = parseInts(slicesText);
        Run run = new Run(shape, slices, BatchNorm.builder(shape[1]), 42);
        int numel = (int) Tensor.numel(shape);
        for (int step = 0; step < 2; step++) {
            float[] x = data(100 + step, numel, 1.5, 2.0);
            float[] dy = data(200 + step, numel, 0.0, 1.0);
            run.single.zeroGrad();
            float[] y = run.single.forward(Tensor.of(x, shape), true).data();
            float[] dx = run.single.backward(Tensor.of(dy, shape)).data();
            for (SyncBatchNorm s : run.replicas) {
                s.zeroGrad();
            }
            run.step(x, dy, true);
            assertClose(y, run.y, "y");
            assertClose(dx, run.dx, "dx");
            // a gradient is a sum of m terms that cancel: its rounding error scales with sum |term|, not with |sum|
            double[][] l1 = gradTermNorms(x, dy, shape);
            assertSumsClose(run.single.weightGrad(), run.summedWeightGrad(), l1[0], "weight.grad");
            assertSumsClose(run.single.biasGrad(), run.summedBiasGrad(), l1[1], "bias.grad");
            for (SyncBatchNorm s : run.replicas) {
                // the running statistics are the global batch's, identical on every replica
                assertArrayEquals(run.replicas[0].runningMean(), s.runningMean());
                assertArrayEquals(run.replicas[0].runningVar(), s.runningVar());
                assertEquals(step + 1, s.numBatchesTracked());
            }
            assertClose(run.single.runningMean(), run.replicas[0].runningMean(), "running_mean");
            assertClose(run.single.runningVar(), run.replicas[0].runningVar(), "running_var");
        }
        // eval: plain BatchNorm with the (shared) running statistics, bit for bit
        float[] x = data(300, numel, 1.5, 2.0);
        float[] dy = data(301, numel, 0.0, 1.0);
        float[] y = run.single.forward(Tensor.of(x, shape), false).data();
        float[] dx = run.single.backward(Tensor.of(dy, shape)).data();
        for (SyncBatchNorm s : run.replicas) {
            System.arraycopy(run.single.runningMean(), 0, s.runningMean(), 0, shape[1]);
            System.arraycopy(run.single.runningVar(), 0, s.runningVar(), 0, shape[1]);
        }
        run.step(x, dy, false);
        assertArrayEquals(y, run.y);
        assertArrayEquals(dx, run.dx);
    }

    @Test
    void badlyConditionedChannelsAcrossReplicas() {
        // mean 1e4 over a spread of 1e-3: the combination must not cancel (sums of squares would)
        int[] shape = {48, 5};
        Run run = new Run(shape, new int[] {20, 0, 28}, BatchNorm.builder(5), 7);
        float[] x = data(5, 48 * 5, 1e4, 1e-3);
        float[] dy = data(6, 48 * 5, 0, 1);
        float[] y = run.single.forward(Tensor.of(x, shape), true).data();
        float[] dx = run.single.backward(Tensor.of(dy, shape)).data();
        run.step(x, dy, true);
        assertClose(y, run.y, "y");
        assertClose(dx, run.dx, "dx");
        assertClose(run.single.runningVar(), run.replicas[0].runningVar(), "running_var");
    }

    @Test
    void optionsCarryOver() {
        // no affine, cumulative average, eps 1e-3: the same configuration as the converted BatchNorm
        int[] shape = {12, 3, 2, 2};
        BatchNorm.Builder config = BatchNorm.builder(3).affine(false).cumulativeAverage().eps(1e-3);
        Run run = new Run(shape, new int[] {5, 7}, config, 3);
        for (int step = 0; step < 3; step++) {
            float[] x = data(10 + step, 144, -2, 0.5);
            float[] dy = data(20 + step, 144, 0, 1);
            float[] y = run.single.forward(Tensor.of(x, shape), true).data();
            float[] dx = run.single.backward(Tensor.of(dy, shape)).data();
            run.step(x, dy, true);
            assertClose(y, run.y, "y");
            assertClose(dx, run.dx, "dx");
            assertClose(run.single.runningMean(), run.replicas[1].runningMean(), "running_mean");
            assertClose(run.single.runningVar(), run.replicas[1].runningVar(), "running_var");
        }
        assertNull(run.replicas[0].weight());
        assertTrue(run.replicas[0].toString().startsWith("SyncBatchNorm(3, eps=0.001, momentum=None"));
    }

    @Test
    void withoutCollectiveOrWithOneReplicaItIsBatchNormBitForBit() {
        int[] shape = {17, 9};
        for (ThreadCollective c : new ThreadCollective[] {null, new ThreadCollective(1, 1, TimeUnit.SECONDS)}) {
            BatchNorm single = BatchNorm.builder(9).momentum(0.3).build();
            SyncBatchNorm sync = SyncBatchNorm.convert(BatchNorm.builder(9).momentum(0.3).build(), c, 0);
            for (int step = 0; step < 3; step++) {
                float[] x = data(step, 17 * 9, 3, 2);
                float[] dy = data(step + 50, 17 * 9, 0, 1);
                assertArrayEquals(single.forward(Tensor.of(x, shape), true).data(), sync.forward(Tensor.of(x, shape), true).data());
                assertArrayEquals(single.backward(Tensor.of(dy, shape)).data(), sync.backward(Tensor.of(dy, shape)).data());
            }
            assertArrayEquals(single.weightGrad(), sync.weightGrad());
            assertArrayEquals(single.runningVar(), sync.runningVar());
        }
    }

    @Test
    void stateDictIsBatchNormsSoCheckpointsMoveBothWays() {
        BatchNorm bn = BatchNorm.builder(4).build();
        bn.forward(Tensor.of(data(1, 40, 2, 3), 10, 4), true);
        SyncBatchNorm sync = SyncBatchNorm.convert(BatchNorm.builder(4).build(), new ThreadCollective(2, 1, TimeUnit.SECONDS), 1);
        StateDict sd = new StateDict();
        bn.stateDict("", sd);
        sync.loadStateDict("", sd);
        StateDict back = new StateDict();
        sync.stateDict("", back);
        assertEquals(sd.entries().keySet(), back.entries().keySet());
        assertArrayEquals(bn.runningMean(), sync.runningMean());
        assertEquals(1, sync.numBatchesTracked());
        assertEquals("weight", sync.parameters().get(0).name());
    }

    @Test
    void convertReplacesEveryBatchNormAndSharesTheRest() {
        BatchNorm bn = BatchNorm.builder(3).build();
        ReLU relu = new ReLU();
        Sequential inner = new Sequential(BatchNorm.builder(3).build());
        Sequential model = new Sequential(bn, relu, inner);
        Sequential converted = SyncBatchNorm.convert(model, null, 0);
        assertSame(bn, ((SyncBatchNorm) converted.get(0)).batchNorm());
        assertSame(relu, converted.get(1));
        assertInstanceOf(SyncBatchNorm.class, ((Sequential) converted.get(2)).get(0));
    }

    @Test
    void nanInOneReplicaIsRejectedByAllAndLeavesTheRunningStatisticsAlone() {
        int[] shape = {12, 3};
        Run run = new Run(shape, new int[] {4, 4, 4}, BatchNorm.builder(3), 1);
        float[] x = data(1, 36, 0, 1);
        x[2 * 4 * 3 + 5] = Float.NaN; // replica 2, row 1, channel 2
        float[] before = run.replicas[0].runningMean().clone();
        Throwable[] failures = Replicas.run(run.collective, rank -> run.replicas[rank].forwardBuffered(run.slice(x, rank), true));
        for (int r = 0; r < 3; r++) {
            assertInstanceOf(IllegalArgumentException.class, failures[r]);
            assertTrue(failures[r].getMessage().contains("replica(s) [2] has NaN or Inf in channel 2"), failures[r].getMessage());
            assertArrayEquals(before, run.replicas[r].runningMean());
            assertEquals(0, run.replicas[r].numBatchesTracked());
        }
    }

    @Test
    void oneValuePerChannelInTheGlobalBatchIsAnErrorOnEveryReplica() {
        int[] shape = {1, 3};
        Run run = new Run(shape, new int[] {0, 1, 0}, BatchNorm.builder(3), 1);
        float[] x = data(1, 3, 0, 1);
        Throwable[] failures = Replicas.run(run.collective, rank -> run.replicas[rank].forwardBuffered(run.slice(x, rank), true));
        for (Throwable f : failures) {
            assertInstanceOf(IllegalArgumentException.class, f);
            assertTrue(f.getMessage().contains("Expected more than 1 value per channel when training"), f.getMessage());
        }
    }

    @Test
    void anEmptyGlobalBatchGivesEmptyOutputsAndNoUpdate() {
        Run run = new Run(new int[] {0, 3}, new int[] {0, 0}, BatchNorm.builder(3), 1);
        run.step(new float[0], new float[0], true);
        assertEquals(0, run.replicas[0].numBatchesTracked());
        assertEquals(0, run.y.length);
    }

    @Test
    void aReplicaThatFailsBeforeTheCollectiveDoesNotHangTheOthers() {
        Run run = new Run(new int[] {8, 3}, new int[] {4, 4}, BatchNorm.builder(3), 1);
        float[] x = data(1, 24, 0, 1);
        Throwable[] failures = Replicas.run(run.collective, rank -> {
            if (rank == 1) {
                run.replicas[rank].forwardBuffered(Tensor.of(new float[8], 4, 2), true); // wrong channel count
            }
            run.replicas[rank].forwardBuffered(run.slice(x, rank), true);
        });
        assertInstanceOf(IllegalArgumentException.class, failures[1]);
        assertInstanceOf(CollectiveException.class, failures[0]);
        assertTrue(failures[0].getMessage().contains("replica 1 failed"), failures[0].getMessage());
        assertSame(failures[1], failures[0].getCause());
    }
}
