package org.bnlab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

class SequentialTest {

    /** y = x * scale (one parameter per feature), plus a buffer, standing in for layers written elsewhere. */
    static final class Scale implements Module {
        final Parameter weight;
        final float[] runningMean;
        private Tensor lastX;
        private Tensor out;
        private Tensor gradIn;

        Scale(float... w) {
            weight = new Parameter("weight", w.clone(), new float[w.length], w.length);
            runningMean = new float[w.length];
        }

        @Override
        public Tensor forwardBuffered(Tensor x, boolean training) {
            lastX = x;
            out = Tensor.zeros(x.shape());
            int c = weight.numel();
            for (int i = 0; i < x.numel(); i++) {
                out.data()[i] = x.data()[i] * weight.data()[i % c];
            }
            return out;
        }

        @Override
        public Tensor backwardBuffered(Tensor g) {
            gradIn = Tensor.zeros(g.shape());
            int c = weight.numel();
            for (int i = 0; i < g.numel(); i++) {
                gradIn.data()[i] = g.data()[i] * weight.data()[i % c];
                weight.grad()[i % c] += g.data()[i] * lastX.data()[i];
            }
            return gradIn;
        }

        @Override
        public List<Parameter> parameters() {
            return List.of(weight);
        }

        @Override
        public void stateDict(String prefix, StateDict out) {
            Module.super.stateDict(prefix, out);
            out.put(prefix + "running_mean", StateDict.Entry.f32(runningMean, runningMean.length));
        }

        @Override
        public void loadStateDict(String prefix, StateDict in) {
            Module.super.loadStateDict(prefix, in);
            in.copyInto(prefix + "running_mean", runningMean, runningMean.length);
        }
    }

    @Test
    void namesFollowPyTorch() {
        Sequential net = new Sequential(new Scale(1, 2), new Sigmoid(), new Sequential(new Scale(3, 4), new ReLU()));
        List<String> names = new ArrayList<>();
        for (Parameter p : net.parameters()) {
            names.add(p.name());
        }
        assertEquals(List.of("0.weight", "2.0.weight"), names);
        StateDict sd = new StateDict();
        net.stateDict("", sd);
        assertEquals(List.of("0.weight", "0.running_mean", "2.0.weight", "2.0.running_mean"),
                new ArrayList<>(sd.entries().keySet()));
        assertSame(((Scale) net.get(0)).weight.data(), net.parameters().get(0).data());
        assertEquals(3, net.modules().size());
    }

    @Test
    void stateDictRoundTrip() {
        Sequential a = new Sequential(new Scale(1, 2), new Tanh(), new Scale(3, 4));
        ((Scale) a.get(2)).runningMean[1] = 9;
        StateDict sd = new StateDict();
        a.stateDict("model.", sd);
        Sequential b = new Sequential(new Scale(0, 0), new Tanh(), new Scale(0, 0));
        b.loadStateDict("model.", sd);
        assertArrayEquals(new float[] {3, 4}, ((Scale) b.get(2)).weight.data());
        assertArrayEquals(new float[] {0, 9}, ((Scale) b.get(2)).runningMean);
    }

    @Test
    void forwardAndBackwardChainLikeManualComposition() {
        Tensor x = Tensor.of(new float[] {0.5f, -1, 2, 0.25f}, 2, 2);
        Tensor g = Tensor.of(new float[] {1, 2, -1, 0.5f}, 2, 2);
        Scale s1 = new Scale(2, -1);
        Sigmoid sig = new Sigmoid();
        Sequential net = new Sequential(s1, sig);
        Tensor y = net.forward(x, true);
        Tensor dx = net.backward(g);

        Scale m1 = new Scale(2, -1);
        Sigmoid m2 = new Sigmoid();
        Tensor yRef = m2.forward(m1.forward(x, true), true);
        Tensor dxRef = m1.backward(m2.backward(g));
        assertArrayEquals(yRef.data(), y.data());
        assertArrayEquals(dxRef.data(), dx.data());
        assertArrayEquals(m1.weight.grad(), s1.weight.grad());

        net.zeroGrad();
        assertArrayEquals(new float[2], s1.weight.grad());
    }

    /** Without the input gradient (the training loop's call), every parameter gradient is bit-identical. */
    @Test
    void skippingTheInputGradientLeavesParameterGradientsUnchanged() {
        java.util.function.Supplier<Sequential> mlp = () -> new Sequential(new Linear(6, 5, true, 1), new Sigmoid(),
                new Linear(5, 4, false, 2), new Tanh(), new Linear(4, 3, true, 3));
        java.util.function.Supplier<Sequential> cnn = () -> new Sequential(new Conv2d(2, 3, 3, 1, 1, true, 4), new ReLU(),
                new MaxPool2d(2, 2), new Flatten(), new Linear(12, 3, true, 5));
        Tensor xm = Tensor.of(ramp(4 * 6), 4, 6);
        Tensor xc = Tensor.of(ramp(2 * 2 * 4 * 4), 2, 2, 4, 4);
        Tensor gm = Tensor.of(ramp(4 * 3), 4, 3);
        Tensor gc = Tensor.of(ramp(2 * 3), 2, 3);
        for (Object[] c : new Object[][] {{mlp, xm, gm}, {cnn, xc, gc}}) {
            @SuppressWarnings("unchecked")
            java.util.function.Supplier<Sequential> make = (java.util.function.Supplier<Sequential>) c[0];
            Sequential full = make.get();
            Sequential skip = make.get();
            full.forwardBuffered((Tensor) c[1], true);
            skip.forwardBuffered((Tensor) c[1], true);
            Tensor dx = full.backwardBuffered((Tensor) c[2], true);
            assertEquals(((Tensor) c[1]).numel(), dx.numel());
            org.junit.jupiter.api.Assertions.assertNull(skip.backwardBuffered((Tensor) c[2], false));
            List<Parameter> a = full.parameters();
            List<Parameter> b = skip.parameters();
            assertEquals(a.size(), b.size());
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.get(i).grad(), b.get(i).grad(), a.get(i).name());
                org.junit.jupiter.api.Assertions.assertNotEquals(0f, absSum(b.get(i).grad()), b.get(i).name());
            }
        }
    }

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) Math.sin(0.7 * i + 0.3);
        }
        return v;
    }

    private static float absSum(float[] v) {
        float s = 0;
        for (float f : v) {
            s += Math.abs(f);
        }
        return s;
    }
}
