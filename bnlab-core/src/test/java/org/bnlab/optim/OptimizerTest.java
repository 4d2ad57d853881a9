package org.bnlab.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.StateDict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OptimizerTest {

    private static List<Parameter> params() {
        return List.of(new Parameter("weight", new float[] {1, -2, 3, 0.5f}, new float[4], 2, 2),
                new Parameter("bias", new float[] {0.1f, -0.1f}, new float[2], 2));
    }

    private static void expectMessage(Executable e, String part) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), ex.getMessage());
    }

    @Test
    void rejectsBadHyperParameters() {
        List<Parameter> ps = params();
        expectMessage(() -> SGD.builder(ps).lr(0).build(), "learning rate");
        expectMessage(() -> SGD.builder(ps).lr(-1).build(), "learning rate");
        expectMessage(() -> SGD.builder(ps).build(), "learning rate is required");
        expectMessage(() -> SGD.builder(ps).lr(0.1).momentum(1).build(), "momentum");
        expectMessage(() -> SGD.builder(ps).lr(0.1).momentum(-0.1).build(), "momentum");
        expectMessage(() -> SGD.builder(ps).lr(0.1).weightDecay(-1).build(), "weight_decay");
        expectMessage(() -> SGD.builder(ps).lr(0.1).nesterov(true).build(), "Nesterov");
        expectMessage(() -> SGD.builder(ps).lr(0.1).momentum(0.9).dampening(0.1).nesterov(true).build(), "Nesterov");
        expectMessage(() -> Adam.builder(ps).lr(Double.NaN).build(), "learning rate");
        expectMessage(() -> Adam.builder(ps).betas(1, 0.999).build(), "beta parameter at index 0");
        expectMessage(() -> Adam.builder(ps).betas(0.9, -0.5).build(), "beta parameter at index 1");
        expectMessage(() -> AdamW.builder(ps).eps(0).build(), "epsilon");
        expectMessage(() -> Adam.builder(List.of()).build(), "empty parameter list");
        SGD sgd = SGD.builder(ps).lr(0.1).build();
        expectMessage(() -> sgd.setLr(-1e-3), "learning rate");
        expectMessage(() -> sgd.state(0, "exp_avg"), "no state 'exp_avg'");
    }

    @Test
    void pytorchDefaults() {
        Adam adam = Adam.builder(params()).build();
        assertEquals(1e-3, adam.lr());
        assertEquals(0.9, adam.beta1());
        assertEquals(0.999, adam.beta2());
        assertEquals(1e-8, adam.eps());
        assertEquals(0.0, adam.weightDecay());
        assertEquals(1e-2, AdamW.builder(params()).build().weightDecay());
        SGD sgd = SGD.builder(params()).lr(0.1).build();
        assertEquals(0.0, sgd.momentum());
        assertEquals(0.0, sgd.weightDecay());
    }

    @Test
    void zeroGradClearsAllGradients() {
        List<Parameter> ps = params();
        ps.get(0).grad()[1] = 3;
        ps.get(1).grad()[0] = -1;
        SGD.builder(ps).lr(0.1).build().zeroGrad();
        for (Parameter p : ps) {
            assertArrayEquals(new float[p.numel()], p.grad());
        }
    }

    /** Save after 3 steps, restore into fresh parameters and optimizer, continue: bit-identical to an uninterrupted run. */
    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam", "adamw"})
    void stateDictGivesExactResume(String kind) {
        Function<List<Parameter>, Optimizer> make = ps -> kind.equals("sgd")
                ? SGD.builder(ps).lr(0.05).momentum(0.9).nesterov(true).weightDecay(1e-3).build()
                : (kind.equals("adam") ? Adam.builder(ps) : AdamW.builder(ps)).lr(0.01).build();
        List<Parameter> a = params();
        Optimizer oa = make.apply(a);
        List<Parameter> b = params();
        Optimizer ob = make.apply(b);
        for (int t = 0; t < 7; t++) {
            if (t == 3) {
                // snapshot b (copies, as a checkpoint file would), then rebuild it from scratch
                StateDict live = new StateDict();
                ob.stateDict("", live);
                StateDict saved = copy(live);
                List<float[]> savedParams = new ArrayList<>();
                for (Parameter p : b) {
                    savedParams.add(p.data().clone());
                }
                b = params();
                for (int k = 0; k < b.size(); k++) {
                    System.arraycopy(savedParams.get(k), 0, b.get(k).data(), 0, b.get(k).numel());
                }
                ob = make.apply(b);
                ob.loadStateDict("", saved);
                assertEquals(3, ob.stepCount());
            }
            for (List<Parameter> ps : List.of(a, b)) {
                for (Parameter p : ps) {
                    for (int i = 0; i < p.numel(); i++) {
                        p.grad()[i] = (float) Math.sin(1.3 * t + 0.7 * i + p.numel());
                    }
                }
            }
            oa.step();
            ob.step();
        }
        for (int k = 0; k < a.size(); k++) {
            assertArrayEquals(a.get(k).data(), b.get(k).data());
        }
    }

    private static StateDict copy(StateDict in) {
        StateDict out = new StateDict();
        in.entries().forEach((k, e) -> out.put(k, e.f32() != null ? StateDict.Entry.f32(e.f32().clone(), e.shape())
                : StateDict.Entry.i64(e.i64().clone(), e.shape())));
        return out;
    }

    @Test
    void stateDictNames() {
        StateDict sd = new StateDict();
        Adam.builder(params()).build().stateDict("optimizer.", sd);
        assertEquals(List.of("optimizer.state.0.exp_avg", "optimizer.state.0.exp_avg_sq", "optimizer.state.1.exp_avg",
                "optimizer.state.1.exp_avg_sq", "optimizer.step"), new ArrayList<>(sd.entries().keySet()));
    }
}
