package org.bnlab.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.function.Function;
import org.bnlab.nn.Parameter;
import org.junit.jupiter.api.Test;

/** LR schedules against torch.optim.lr_scheduler (golden/optim/lr_schedules.txt). */
class LRSchedulerTest {

    private static final GoldenData G = GoldenData.load("lr_schedules.txt");

    private static SGD sgd(double lr) {
        return SGD.builder(List.of(new Parameter("w", new float[1], new float[1], 1))).lr(lr).build();
    }

    private static void check(String name, Function<SGD, LRScheduler> make) {
        double[] cfg = G.get("cfg." + name);
        double[] expected = G.get(name);
        SGD opt = sgd(cfg[0]);
        LRScheduler s = make.apply(opt);
        double[] got = new double[expected.length];
        got[0] = opt.lr();
        for (int t = 1; t < expected.length; t++) {
            s.step();
            got[t] = opt.lr();
        }
        GoldenData.assertClose(name, expected, got);
        // resume: a fresh optimizer + scheduler moved to the same epoch gives the same lr
        SGD again = sgd(cfg[0]);
        make.apply(again).setLastEpoch(expected.length - 1);
        assertEquals(opt.lr(), again.lr());
    }

    @Test
    void stepLR() {
        check("steplr", o -> new StepLR(o, (int) G.get("cfg.steplr")[1], G.get("cfg.steplr")[2]));
    }

    @Test
    void exponentialLR() {
        check("exponentiallr", o -> new ExponentialLR(o, G.get("cfg.exponentiallr")[1]));
    }

    @Test
    void cosineAnnealingLR() {
        for (String name : List.of("cosine", "cosine_zero_min")) {
            double[] c = G.get("cfg." + name);
            check(name, o -> new CosineAnnealingLR(o, (int) c[1], c[2]));
        }
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new StepLR(sgd(0.1), 0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new ExponentialLR(sgd(0.1), 0));
        assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingLR(sgd(0.1), 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingLR(sgd(0.1), 10, 0.2));
    }
}
