package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.Map;
import org.bnlab.tensor.Tensor;
import org.bnlab.testing.TextGolden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SyncBatchNorm against PyTorch: each golden file (tools/golden/gen_syncbn_golden.py) holds PyTorch's
 * BatchNorm on a whole global batch over several steps, computed in float64; here the batch is split into
 * the file's slices (empty ones included), one SyncBatchNorm per replica runs on its own thread, and the
 * reassembled y and dx, the summed weight/bias gradients and the running statistics must match within
 * 1e-5 * max(1, |expected|), the tolerance of the other layer goldens.
 */
class SyncBatchNormGoldenTest {

    @ParameterizedTest
    @ValueSource(strings = {"dense_32x6", "dense_7x3", "conv_10x3x4x4"})
    void replicasOnSlicesReproducePyTorchsGlobalBatchNorm(String name) throws IOException {
        Map<String, Tensor> g = TextGolden.load("/golden/syncbn/" + name + ".txt");
        float[] sliceSizes = g.get("slices").data();
        int[] slices = new int[sliceSizes.length];
        for (int r = 0; r < slices.length; r++) {
            slices[r] = (int) sliceSizes[r];
        }
        int[] shape = g.get("0.x").shape();
        int c = shape[1];
        // the shortest decimal of the stored float32 is the momentum PyTorch was given (0.3, not 0.300000012)
        BatchNorm.Builder config = BatchNorm.builder(c).momentum(Double.parseDouble(Float.toString(g.get("momentum").data()[0])));
        SyncBatchNormTest.Run run = new SyncBatchNormTest.Run(shape, slices, config, 0);
        for (SyncBatchNorm s : run.replicas) {
            System.arraycopy(g.get("weight").data(), 0, s.weight(), 0, c);
            System.arraycopy(g.get("bias").data(), 0, s.bias(), 0, c);
        }
        for (int k = 0; g.containsKey(k + ".x"); k++) {
            boolean train = g.get(k + ".train").data()[0] == 1f;
            for (SyncBatchNorm s : run.replicas) {
                s.zeroGrad();
            }
            run.step(g.get(k + ".x").data(), g.get(k + ".dy").data(), train);
            String at = name + " step " + k;
            close(at + " y", g.get(k + ".y"), run.y);
            close(at + " dx", g.get(k + ".dx"), run.dx);
            close(at + " weight.grad", g.get(k + ".dweight"), run.summedWeightGrad());
            close(at + " bias.grad", g.get(k + ".dbias"), run.summedBiasGrad());
            for (SyncBatchNorm s : run.replicas) {
                close(at + " running_mean", g.get(k + ".running_mean"), s.runningMean());
                close(at + " running_var", g.get(k + ".running_var"), s.runningVar());
                assertEquals((long) g.get(k + ".num_batches_tracked").data()[0], s.numBatchesTracked(), at);
            }
        }
    }

    static void close(String what, Tensor expected, float[] actual) {
        float[] e = expected.data();
        assertEquals(e.length, actual.length, what + " length");
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], actual[i], 1e-5 * Math.max(1, Math.abs(e[i])), what + "[" + i + "]");
        }
    }
}
