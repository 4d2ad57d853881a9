package org.bnlab.nn.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.init.Init.FanMode;
import org.bnlab.nn.init.Init.Nonlinearity;
import org.junit.jupiter.api.Test;

class InitTest {

    private static final int N = 200_000;

    private static double[] meanStd(float[] w) {
        double s = 0;
        double s2 = 0;
        for (float v : w) {
            s += v;
            s2 += (double) v * v;
        }
        double mean = s / w.length;
        return new double[] {mean, Math.sqrt(s2 / w.length - mean * mean)};
    }

    private static void assertStd(float[] w, double std) {
        double[] ms = meanStd(w);
        assertEquals(0, ms[0], 5 * std / Math.sqrt(w.length), "mean");
        assertEquals(std, ms[1], 0.01 * std, "std");
    }

    private static void assertUniform(float[] w, double bound) {
        for (float v : w) {
            assertTrue(v >= -bound && v <= bound, v + " outside +-" + bound);
        }
        assertStd(w, bound / Math.sqrt(3));
    }

    @Test
    void gainsAreCalculateGains() {
        assertEquals(1.0, Init.calculateGain(Nonlinearity.LINEAR));
        assertEquals(1.0, Init.calculateGain(Nonlinearity.SIGMOID));
        assertEquals(5.0 / 3, Init.calculateGain(Nonlinearity.TANH));
        assertEquals(Math.sqrt(2), Init.calculateGain(Nonlinearity.RELU));
        assertEquals(Math.sqrt(2 / (1 + 1e-4)), Init.calculateGain(Nonlinearity.LEAKY_RELU));
        assertEquals(Math.sqrt(2 / 6.0), Init.calculateGain(Nonlinearity.LEAKY_RELU, Math.sqrt(5)), 1e-15);
        assertEquals(0.75, Init.calculateGain(Nonlinearity.SELU));
    }

    @Test
    void distributions() {
        float[] w = new float[N];
        SplittableRandom r = new SplittableRandom(1);
        Init.xavierUniform(w, 784, 100, Init.calculateGain(Nonlinearity.SIGMOID), r);
        assertUniform(w, Math.sqrt(6.0 / 884));
        Init.xavierNormal(w, 100, 100, Init.calculateGain(Nonlinearity.TANH), r);
        assertStd(w, 5.0 / 3 * Math.sqrt(2.0 / 200));
        Init.kaimingUniform(w, 784, 100, FanMode.FAN_IN, Nonlinearity.RELU, 0, r);
        assertUniform(w, Math.sqrt(3) * Math.sqrt(2) / Math.sqrt(784));
        Init.kaimingNormal(w, 784, 100, FanMode.FAN_OUT, Nonlinearity.RELU, 0, r);
        assertStd(w, Math.sqrt(2) / 10);
        Init.normal(w, 0.01, r);
        assertStd(w, 0.01);
        Parameter weight = new Parameter("weight", new float[N], new float[N], 1000, 200);
        Parameter bias = new Parameter("bias", new float[1000], new float[1000], 1000);
        Init.linearDefault(weight, bias, 200, r);
        assertUniform(weight.data(), 1 / Math.sqrt(200));
        for (float v : bias.data()) {
            assertTrue(Math.abs(v) <= 1 / Math.sqrt(200));
        }
    }

    @Test
    void reproducibleFromSeed() {
        float[] a = new float[1001];
        float[] b = new float[1001];
        Init.normal(a, 0.5, new SplittableRandom(99));
        Init.normal(b, 0.5, new SplittableRandom(99));
        assertArrayEquals(a, b);
        Init.kaimingUniform(a, 10, 20, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, 0, new SplittableRandom(5));
        Init.kaimingUniform(b, 10, 20, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, 0, new SplittableRandom(5));
        assertArrayEquals(a, b);
    }

    @Test
    void rejectsBadFans() {
        assertThrows(IllegalArgumentException.class, () -> Init.xavierUniform(new float[4], 0, 2, 1, new SplittableRandom(1)));
        assertThrows(IllegalArgumentException.class,
                () -> Init.kaimingNormal(new float[4], 2, 0, FanMode.FAN_OUT, Nonlinearity.RELU, 0, new SplittableRandom(1)));
        assertThrows(IllegalArgumentException.class, () -> Init.normal(new float[4], -1, new SplittableRandom(1)));
    }
}
