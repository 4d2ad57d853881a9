package org.bnlab.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.bnlab.kernel.Parallel;
import org.bnlab.nn.CrossEntropyLoss;
import org.bnlab.nn.Dropout;
import org.bnlab.nn.Module;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.Sigmoid;
import org.bnlab.nn.Tanh;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** A steady-state step through this package's layers, loss, clipping and optimizers allocates nothing. */
class TrainingStepAllocationTest {

    /** A parameterized stand-in layer: y = x + bias (per feature). */
    static final class Bias implements Module {
        final Parameter bias = new Parameter("bias", new float[10], new float[10], 10);
        private final Tensor out = Tensor.zeros(60, 10);

        @Override
        public Tensor forwardBuffered(Tensor x, boolean training) {
            for (int i = 0; i < x.numel(); i++) {
                out.data()[i] = x.data()[i] + bias.data()[i % 10];
            }
            return out;
        }

        @Override
        public Tensor backwardBuffered(Tensor g) {
            for (int i = 0; i < g.numel(); i++) {
                bias.grad()[i % 10] += g.data()[i];
            }
            return g;
        }

        @Override
        public List<Parameter> parameters() {
            return List.of(bias);
        }
    }

    @Test
    void steadyStateStepAllocatesNothing() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "no allocation counter");
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) mx;
        Sequential net = new Sequential(new Bias(), new Sigmoid(), new Dropout(0.2, 1), new Tanh(), new ReLU(), new Bias());
        List<Parameter> ps = net.parameters();
        CrossEntropyLoss ce = new CrossEntropyLoss();
        Optimizer[] opts = {SGD.builder(ps).lr(0.1).momentum(0.9).nesterov(true).weightDecay(1e-4).build(),
            Adam.builder(ps).build(), AdamW.builder(ps).build()};
        LRScheduler sched = new CosineAnnealingLR(opts[0], 100, 0);
        Tensor x = Tensor.zeros(60, 10);
        int[] labels = new int[60];
        for (int i = 0; i < 600; i++) {
            x.data()[i] = (float) Math.sin(i);
            labels[i / 10] = i % 10;
        }
        int before = Parallel.threads();
        Parallel.setThreads(1); // the counter sees only this thread
        try {
            long allocated = 0;
            for (int round = 0; round < 6; round++) { // rounds 0-4 warm up (buffers, JIT)
                long start = bean.getThreadAllocatedBytes(Thread.currentThread().getId());
                for (int it = 0; it < 2000; it++) {
                    Optimizer opt = opts[it % 3];
                    opt.zeroGrad();
                    ce.forward(net.forwardBuffered(x, true), labels);
                    net.backwardBuffered(ce.gradBuffer());
                    GradClip.clipGradNorm(ps, 5.0);
                    opt.step();
                    sched.step();
                }
                allocated = bean.getThreadAllocatedBytes(Thread.currentThread().getId()) - start;
            }
            // a few hundred bytes come and go with JIT activity; one allocation per step would be >= 32 KB
            assertTrue(allocated < 4096, "bytes allocated by 2000 steady-state steps: " + allocated);
        } finally {
            Parallel.setThreads(before);
        }
    }
}
