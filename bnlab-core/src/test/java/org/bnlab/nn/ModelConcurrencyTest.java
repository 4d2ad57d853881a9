package org.bnlab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * One model evaluated from 8 threads at once: every call either returns exactly the single-threaded
 * output or is refused with the CallGuard's IllegalStateException; never a wrong number or another
 * exception. Covers the eval path of whole models (Sequential) and of Conv2d and Linear alone.
 */
class ModelConcurrencyTest {

    static Tensor input(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor x = Tensor.zeros(shape);
        for (int i = 0; i < x.numel(); i++) {
            x.data()[i] = (float) r.nextGaussian();
        }
        return x;
    }

    static void hammer(Module model, Tensor x) throws InterruptedException {
        float[] expected = model.forward(x, false).data();
        int threads = 8;
        int calls = 300;
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger correct = new AtomicInteger();
        List<Throwable> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    for (int c = 0; c < calls; c++) {
                        try {
                            float[] y = model.forward(x, false).data();
                            assertArrayEquals(expected, y);
                            correct.incrementAndGet();
                        } catch (IllegalStateException e) {
                            assertTrue(e.getMessage().contains("used from two threads at once"), e.getMessage());
                            refused.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    wrong.add(e);
                }
            });
            th.start();
            ts.add(th);
        }
        start.countDown();
        for (Thread th : ts) {
            th.join();
        }
        assertTrue(wrong.isEmpty(), () -> "wrong results or unexpected exceptions: " + wrong);
        assertEquals(threads * calls, correct.get() + refused.get());
        assertTrue(correct.get() > 0);
    }

    @Test
    void wholeModelsAndSingleLayersAreNeverWrong() throws InterruptedException {
        Sequential mlp = new Sequential(new Linear(64, 32, false, 1L), BatchNorm.builder(32).build(), new Tanh(),
                new Dropout(0.5, 2L), new Linear(32, 10, true, 3L));
        hammer(mlp, input(5, 16, 64));
        Sequential cnn = new Sequential(new Conv2d(3, 8, 3, 1, 1, false, 4L), BatchNorm.builder(8).build(), new ReLU(),
                new MaxPool2d(2), new Flatten(), new Linear(8 * 4 * 4, 10, true, 5L));
        hammer(cnn, input(6, 4, 3, 8, 8));
        hammer(new Conv2d(3, 4, 3, 1, 0, true, 7L), input(8, 2, 3, 6, 6));
        hammer(new Linear(20, 7, true, 9L), input(10, 5, 20));
    }
}
