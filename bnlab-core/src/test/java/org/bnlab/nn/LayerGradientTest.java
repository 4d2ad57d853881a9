package org.bnlab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.bnlab.kernel.Parallel;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The float layers against a double-precision reference written here from the formulas, and the
 * reference's gradients against central differences of its own forward (so the reference is checked
 * too). Loss = sum(y * dy) for a fixed random dy.
 */
class LayerGradientTest {

    // ---- double reference: convolution (covers Linear as a 1x1 conv on a 1x1 image) ----

    /** y[n,o,i,j] = b[o] + sum_{c,kh,kw} w[o,c,kh,kw] x[n,c,i*s-p+kh,j*s-p+kw]. */
    static double[] conv(double[] x, double[] w, double[] b, int n, int c, int h, int wd, int o, int k, int s, int p) {
        int oh = (h + 2 * p - k) / s + 1, ow = (wd + 2 * p - k) / s + 1;
        double[] y = new double[n * o * oh * ow];
        for (int a = 0; a < n; a++) for (int q = 0; q < o; q++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++) {
            double acc = b == null ? 0 : b[q];
            for (int ci = 0; ci < c; ci++) for (int kh = 0; kh < k; kh++) for (int kw = 0; kw < k; kw++) {
                int iy = i * s - p + kh, ix = j * s - p + kw;
                if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                    acc += w[((q * c + ci) * k + kh) * k + kw] * x[((a * c + ci) * h + iy) * wd + ix];
                }
            }
            y[((a * o + q) * oh + i) * ow + j] = acc;
        }
        return y;
    }

    static double dot(double[] y, double[] dy) {
        double s = 0;
        for (int i = 0; i < y.length; i++) s += y[i] * dy[i];
        return s;
    }

    static double[] d(float[] f) {
        double[] r = new double[f.length];
        for (int i = 0; i < f.length; i++) r[i] = f[i];
        return r;
    }

    static float[] rand(SplittableRandom r, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    /** Gradient of sum(f(v) * dy) w.r.t. v by central differences (h = 1e-6, for double f). */
    static double[] numGrad(java.util.function.Function<double[], double[]> f, double[] v, double[] dy) {
        return numGrad(f, v, dy, 1e-6);
    }

    static double[] numGrad(java.util.function.Function<double[], double[]> f, double[] v, double[] dy, double h) {
        double[] g = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double old = v[i];
            v[i] = old + h;
            double lp = dot(f.apply(v), dy);
            v[i] = old - h;
            double lm = dot(f.apply(v), dy);
            v[i] = old;
            g[i] = (lp - lm) / (2 * h);
        }
        return g;
    }

    static void near(String what, double[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol * Math.max(1, Math.abs(expected[i])),
                    what + "[" + i + "]: expected " + expected[i] + " got " + actual[i]);
        }
    }

    private static void checkConv(int n, int c, int h, int w, int o, int k, int s, int p, boolean bias) {
        SplittableRandom r = new SplittableRandom(n * 1000 + k * 10 + s + p);
        Conv2d layer = new Conv2d(c, o, k, s, p, bias, 5);
        float[] x = rand(r, n * c * h * w);
        Tensor y = layer.forward(Tensor.of(x, n, c, h, w), true);
        float[] dy = rand(r, y.numel());
        Tensor dx = layer.backward(Tensor.of(dy, y.shape()));
        double[] xd = d(x), wd = d(layer.weight().data()), bd = bias ? d(layer.bias().data()) : null, dyd = d(dy);
        near("conv y", conv(xd, wd, bd, n, c, h, w, o, k, s, p), y.data(), 1e-5);
        double[] gx = numGrad(v -> conv(v, wd, bd, n, c, h, w, o, k, s, p), xd, dyd);
        double[] gw = numGrad(v -> conv(xd, v, bd, n, c, h, w, o, k, s, p), wd, dyd);
        near("conv dx", gx, dx.data(), 1e-4);
        near("conv dW", gw, layer.weight().grad(), 1e-4);
        if (bias) {
            near("conv db", numGrad(v -> conv(xd, wd, v, n, c, h, w, o, k, s, p), bd, dyd), layer.bias().grad(), 1e-4);
        }
        // the central difference of the reference equals its analytic gradient: dW[o,...] has
        // a closed form for the bias (sum of dy), which pins the check itself
        if (bias) {
            int hw = y.size(2) * y.size(3);
            for (int q = 0; q < o; q++) {
                double s2 = 0;
                for (int a = 0; a < n; a++) for (int t = 0; t < hw; t++) s2 += dyd[(a * o + q) * hw + t];
                assertEquals(s2, layer.bias().grad()[q], 1e-4);
            }
        }
    }

    @Test
    void conv2dMatchesDoubleReferenceAndFiniteDifferences() {
        checkConv(2, 3, 7, 6, 4, 3, 1, 0, true);
        checkConv(2, 3, 7, 6, 4, 3, 2, 1, false);
        checkConv(1, 2, 5, 5, 3, 1, 1, 0, true);
        checkConv(3, 5, 9, 8, 7, 5, 3, 2, true);
    }

    @Test
    void linearMatchesDoubleReferenceAndFiniteDifferences() {
        SplittableRandom r = new SplittableRandom(9);
        for (int[] sz : new int[][] {{1, 1, 1}, {60, 33, 17}, {7, 100, 10}}) {
            int n = sz[0], in = sz[1], out = sz[2];
            Linear layer = new Linear(in, out, true, 3);
            float[] x = rand(r, n * in);
            Tensor y = layer.forward(Tensor.of(x, n, in), true);
            float[] dy = rand(r, n * out);
            Tensor dx = layer.backward(Tensor.of(dy, n, out));
            double[] xd = d(x), wd = d(layer.weight().data()), bd = d(layer.bias().data()), dyd = d(dy);
            // Linear == 1x1 convolution of [N, in, 1, 1]
            near("linear y", conv(xd, wd, bd, n, in, 1, 1, out, 1, 1, 0), y.data(), 1e-5);
            near("linear dx", numGrad(v -> conv(v, wd, bd, n, in, 1, 1, out, 1, 1, 0), xd, dyd), dx.data(), 1e-4);
            near("linear dW", numGrad(v -> conv(xd, v, bd, n, in, 1, 1, out, 1, 1, 0), wd, dyd), layer.weight().grad(), 1e-4);
            near("linear db", numGrad(v -> conv(xd, wd, v, n, in, 1, 1, out, 1, 1, 0), bd, dyd), layer.bias().grad(), 1e-4);
        }
    }

    @Test
    void poolingMatchesFiniteDifferences() {
        SplittableRandom r = new SplittableRandom(4);
        int n = 2, c = 3, h = 7, w = 6;
        float[] x = rand(r, n * c * h * w);
        // avg pool is linear: its reference is a conv with a constant 1/K² depthwise kernel; check via FD on the float layer
        for (Module m : new Module[] {new AvgPool2d(3, 2), new MaxPool2d(2, 2), new MaxPool2d(3, 1), new GlobalAvgPool2d()}) {
            Tensor y = m.forward(Tensor.of(x, n, c, h, w), true);
            float[] dy = rand(r, y.numel());
            Tensor dx = m.backward(Tensor.of(dy, y.shape()));
            double[] xd = d(x);
            double[] g = numGrad(v -> {
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
                return d(m.forward(Tensor.of(f, n, c, h, w), true).data());
            }, xd, d(dy), 1e-4);
            // float forward, step 1e-4: loose tolerance (the seeded values are never within 1e-4 of a tie)
            near(m + " dx", g, dx.data(), 1e-2);
        }
    }

    @Test
    void flattenIsAView() {
        Flatten f = new Flatten();
        Tensor x = Tensor.of(new float[24], 2, 3, 2, 2);
        Tensor y = f.forward(x, true);
        assertArrayEquals(new int[] {2, 12}, y.shape());
        assertArrayEquals(new int[] {2, 3, 2, 2}, f.backward(Tensor.zeros(2, 12)).shape());
    }

    @Test
    void conv2dIsBitIdenticalForOneAndTwoThreads() {
        SplittableRandom r = new SplittableRandom(2);
        float[] x = rand(r, 4 * 16 * 20 * 20);
        float[][] out = new float[2][];
        float[][] grads = new float[2][];
        int saved = Parallel.threads();
        try {
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                Conv2d layer = new Conv2d(16, 32, 3, 1, 1, true, 8);
                Tensor y = layer.forward(Tensor.of(x, 4, 16, 20, 20), true);
                Tensor dx = layer.backward(Tensor.of(y.data().clone(), y.shape()));
                out[t - 1] = dx.data();
                grads[t - 1] = layer.weight().grad().clone();
            }
        } finally {
            Parallel.setThreads(saved);
        }
        assertArrayEquals(out[0], out[1]);
        assertArrayEquals(grads[0], grads[1]);
    }

    @Test
    void errorsNameTheLayer() {
        Linear lin = new Linear(4, 3, true, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lin.backward(Tensor.zeros(2, 3)));
        assertTrue(e.getMessage().contains("Linear") && e.getMessage().contains("before forward"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> lin.forward(Tensor.zeros(2, 5), true));
        assertTrue(e.getMessage().contains("Linear"), e.getMessage());
        lin.forward(Tensor.zeros(2, 4), true);
        assertThrows(IllegalArgumentException.class, () -> lin.backward(Tensor.zeros(2, 4)));
        Conv2d conv = new Conv2d(3, 4, 3, 1, 0, true, 1);
        e = assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.zeros(2, 3, 5), true));
        assertTrue(e.getMessage().contains("Conv2d"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.zeros(1, 3, 2, 2), true));
        assertThrows(IllegalArgumentException.class, () -> conv.backward(Tensor.zeros(1, 4, 3, 3)));
        MaxPool2d mp = new MaxPool2d(2);
        e = assertThrows(IllegalArgumentException.class, () -> mp.backward(Tensor.zeros(1, 1, 1, 1)));
        assertTrue(e.getMessage().contains("MaxPool2d"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AvgPool2d(2).forward(Tensor.zeros(4, 4), true));
        assertTrue(e.getMessage().contains("AvgPool2d"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GlobalAvgPool2d().backward(Tensor.zeros(1, 1)));
        assertThrows(IllegalArgumentException.class, () -> new Flatten().forward(Tensor.zeros(3), true));
    }

    @Test
    void defaultInitIsPyTorchsUniformBound() {
        Linear lin = new Linear(784, 100, true, 42);
        double bound = 1 / Math.sqrt(784);
        for (float v : lin.weight().data()) assertTrue(Math.abs(v) <= bound);
        for (float v : lin.bias().data()) assertTrue(Math.abs(v) <= bound);
        assertArrayEquals(lin.weight().data(), new Linear(784, 100, true, 42).weight().data());
        Conv2d conv = new Conv2d(3, 8, 3, 1, 1, true, 42);
        assertArrayEquals(new int[] {8, 3, 3, 3}, conv.weight().shape());
        for (float v : conv.weight().data()) assertTrue(Math.abs(v) <= 1 / Math.sqrt(27));
    }
}
