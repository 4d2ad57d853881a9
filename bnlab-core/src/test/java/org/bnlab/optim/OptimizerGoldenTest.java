package org.bnlab.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.bnlab.nn.Parameter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SGD / Adam / AdamW against torch.optim on fixed gradient sequences (golden/optim/optim_steps.txt). */
class OptimizerGoldenTest {

    private static final GoldenData G = GoldenData.load("optim_steps.txt");

    static List<Parameter> initialParams() {
        float[] p0 = G.floats("init.p0");
        float[] p1 = G.floats("init.p1");
        return List.of(new Parameter("weight", p0, new float[p0.length], 3, 4),
                new Parameter("bias", p1, new float[p1.length], 4));
    }

    static Optimizer make(String name, List<Parameter> ps) {
        double[] c = G.get("cfg." + name);
        if (name.startsWith("sgd")) {
            return SGD.builder(ps).lr(c[0]).momentum(c[1]).dampening(c[2]).nesterov(c[3] != 0).weightDecay(c[4]).build();
        }
        Adam.Builder b = name.startsWith("adamw") ? AdamW.builder(ps) : Adam.builder(ps);
        return b.lr(c[0]).betas(c[1], c[2]).eps(c[3]).weightDecay(c[4]).build();
    }

    static void setGrads(List<Parameter> ps, int t) {
        for (int k = 0; k < ps.size(); k++) {
            System.arraycopy(G.floats("grad" + t + ".p" + k), 0, ps.get(k).grad(), 0, ps.get(k).numel());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd_plain", "sgd_momentum", "sgd_dampening", "sgd_nesterov", "sgd_wd", "sgd_nesterov_wd",
        "adam", "adam_wd", "adamw", "adamw_wd"})
    void matchesTorchStepByStep(String name) {
        List<Parameter> ps = initialParams();
        Optimizer opt = make(name, ps);
        assertEquals(name.startsWith("adamw"), opt instanceof AdamW);
        int steps = 0;
        for (int t = 0; G.has(name + ".step" + t + ".p0"); t++) {
            setGrads(ps, t);
            opt.step();
            steps++;
            for (int k = 0; k < ps.size(); k++) {
                GoldenData.assertClose(name + " step " + t + " p" + k, G.get(name + ".step" + t + ".p" + k), ps.get(k).data());
            }
        }
        assertEquals(6, steps);
        assertEquals(steps, opt.stepCount());
        for (int k = 0; k < ps.size(); k++) {
            for (String s : opt.stateNames()) {
                GoldenData.assertClose(name + " state " + k + "." + s, G.get(name + ".state." + k + "." + s), opt.state(k, s));
            }
        }
        assertEquals(name.equals("sgd_plain") ? List.of() : name.startsWith("sgd") ? List.of("momentum_buffer")
                : List.of("exp_avg", "exp_avg_sq"), opt.stateNames());
    }
}
