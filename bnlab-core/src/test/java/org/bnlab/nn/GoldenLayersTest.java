package org.bnlab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;
import org.bnlab.tensor.Tensor;
import org.bnlab.testing.TextGolden;
import org.junit.jupiter.api.Test;

/**
 * Layers against PyTorch 1.13 (data from tools/golden/gen_layers_golden.py). Criterion for every
 * element of y, dx, dweight, dbias: |actual - expected| <= 1e-5 * max(|expected|, 1), i.e. 1e-5
 * relative, with an absolute floor of 1e-5 for values below 1 in magnitude.
 */
class GoldenLayersTest {

    static Map<String, Tensor> load(String name) throws IOException {
        return TextGolden.load("/golden/layers/" + name + ".txt");
    }

    static void close(String what, Tensor expected, float[] actual) {
        float[] e = expected.data();
        assertEquals(e.length, actual.length, what + " length");
        for (int i = 0; i < e.length; i++) {
            double tol = 1e-5 * Math.max(Math.abs(e[i]), 1.0);
            assertTrue(Math.abs(actual[i] - e[i]) <= tol, what + "[" + i + "]: expected " + e[i] + " got " + actual[i]);
        }
    }

    private static void check(String name, Module layer) throws IOException {
        Map<String, Tensor> g = load(name);
        for (Parameter p : layer.parameters()) {
            Tensor t = g.get(p.name());
            assertNotNull(t, name + ": golden has no " + p.name());
            assertArrayEquals(t.shape(), p.shape(), name + " " + p.name() + " shape");
            System.arraycopy(t.data(), 0, p.data(), 0, p.numel());
        }
        assertEquals(g.containsKey("bias"), layer.parameters().stream().anyMatch(p -> p.name().equals("bias")));
        Tensor y = layer.forward(g.get("x"), true);
        assertArrayEquals(g.get("y").shape(), y.shape(), name + " y shape");
        close(name + " y", g.get("y"), y.data());
        Tensor dx = layer.backward(g.get("dy"));
        close(name + " dx", g.get("dx"), dx.data());
        for (Parameter p : layer.parameters()) {
            close(name + " d" + p.name(), g.get("d" + p.name()), p.grad());
        }
    }

    @Test
    void linear() throws IOException {
        check("linear_bias", new Linear(5, 3, true, 1));
        check("linear_nobias", new Linear(7, 4, false, 1));
    }

    @Test
    void conv2d() throws IOException {
        check("conv_s1_p0_bias", new Conv2d(3, 4, 3, 1, 0, true, 1));
        check("conv_s2_p1_bias", new Conv2d(3, 4, 3, 2, 1, true, 1));
        check("conv_s1_p1_nobias", new Conv2d(3, 4, 3, 1, 1, false, 1));
        check("conv_s2_p0_nobias", new Conv2d(3, 4, 3, 2, 0, false, 1));
    }

    @Test
    void pooling() throws IOException {
        check("maxpool_k2_s2", new MaxPool2d(2, 2));
        check("maxpool_k3_s2", new MaxPool2d(3, 2));
        check("avgpool_k2_s2", new AvgPool2d(2, 2));
        check("avgpool_k3_s2", new AvgPool2d(3, 2));
    }
}
