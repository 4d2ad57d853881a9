package org.bnlab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Supplier;
import org.bnlab.kernel.Parallel;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * ReLU / Sigmoid / Tanh layers: forward against a double reference, backward against central finite
 * differences of that reference (double precision), thread-count independence and buffer reuse.
 */
class ActivationLayersTest {

    private static Tensor randomInput(long seed, int... shape) {
        Tensor t = Tensor.zeros(shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) (r.nextDouble(-6, 6));
        }
        return t;
    }

    private static void check(Module m, DoubleUnaryOperator f, double h) {
        Tensor x = randomInput(7, 4, 3, 5, 7);
        Tensor w = randomInput(8, 4, 3, 5, 7); // loss L = sum w * f(x)
        Tensor y = m.forward(x, true);
        Tensor dx = m.backward(w);
        for (int i = 0; i < x.numel(); i++) {
            double xi = x.data()[i];
            GradCheck.assertClose(m + " forward at " + xi, f.applyAsDouble(xi), y.data()[i], 3e-7, 1e-30);
            if (m instanceof ReLU && Math.abs(xi) < 2 * h) {
                continue; // kink
            }
            double fd = w.data()[i] * GradCheck.derivative(f, xi, h);
            GradCheck.assertClose(m + " backward at " + xi, fd, dx.data()[i], 1e-5, 1e-6);
        }
    }

    @Test
    void sigmoidGradient() {
        check(new Sigmoid(), v -> 1 / (1 + Math.exp(-v)), 1e-5);
    }

    @Test
    void tanhGradient() {
        check(new Tanh(), Math::tanh, 1e-5);
    }

    @Test
    void reluGradient() {
        check(new ReLU(), v -> Math.max(v, 0), 1e-5);
    }

    @Test
    void sameResultForOneAndTwoThreads() {
        for (Supplier<Module> make : java.util.List.<Supplier<Module>>of(Sigmoid::new, Tanh::new, ReLU::new)) {
            Tensor x = randomInput(3, 64, 1000); // above the parallel grain
            Tensor g = randomInput(4, 64, 1000);
            int before = Parallel.threads();
            try {
                Parallel.setThreads(1);
                Module a = make.get();
                Tensor y1 = a.forward(x, true);
                Tensor d1 = a.backward(g);
                Parallel.setThreads(2);
                Module b = make.get();
                assertArrayEquals(y1.data(), b.forward(x, true).data());
                assertArrayEquals(d1.data(), b.backward(g).data());
            } finally {
                Parallel.setThreads(before);
            }
        }
    }

    @Test
    void buffersAreReusedUntilTheShapeChanges() {
        Sigmoid s = new Sigmoid();
        Tensor y1 = s.forwardBuffered(randomInput(1, 2, 3), true);
        assertSame(y1, s.forwardBuffered(randomInput(2, 2, 3), false));
        Tensor d1 = s.backwardBuffered(randomInput(3, 2, 3));
        assertSame(d1, s.backwardBuffered(randomInput(4, 2, 3)));
        Tensor y2 = s.forwardBuffered(randomInput(5, 3, 2), true);
        assertArrayEquals(new int[] {3, 2}, y2.shape());
        assertThrows(IllegalArgumentException.class, () -> s.backwardBuffered(randomInput(6, 2, 3)));
        assertThrows(IllegalStateException.class, () -> new Tanh().backwardBuffered(randomInput(6, 2, 3)));
    }
}
