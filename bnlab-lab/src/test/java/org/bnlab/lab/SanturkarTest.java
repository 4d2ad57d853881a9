package org.bnlab.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import org.bnlab.lab.report.Chart;
import org.bnlab.lab.report.Claim;
import org.bnlab.lab.report.ExperimentResult;
import org.bnlab.lab.report.Series;
import org.bnlab.nn.StateDict;
import org.bnlab.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Santurkar et al. measurements (Ics, Landscape): they must not perturb training, and they check themselves. */
class SanturkarTest {
    static Dataset data;
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @BeforeAll
    static void load() throws java.io.IOException {
        data = Datasets.load("mnist-sample");
    }

    static LabContext ctx(long steps) {
        return new LabContext(data, steps, List.of(1L), true, 2, QUIET);
    }

    static Map<String, float[]> floats(Trainer t) {
        StateDict sd = new StateDict();
        t.model().stateDict("", sd);
        Map<String, float[]> m = new HashMap<>();
        sd.entries().forEach((k, v) -> m.put(k, v.f32() != null ? v.f32().clone() : new float[] {v.i64()[0]}));
        return m;
    }

    static void assertSameState(Trainer a, Trainer b) {
        Map<String, float[]> x = floats(a);
        Map<String, float[]> y = floats(b);
        assertEquals(x.keySet(), y.keySet());
        for (String k : x.keySet()) {
            assertArrayEquals(x.get(k), y.get(k), 0f, k); // delta 0: bit for bit (up to -0/+0 and NaN, which do not occur)
        }
    }

    @Test
    void measurementsDoNotPerturbTraining() {
        int steps = 60;
        for (Ics.Net net : Ics.Net.values()) {
            LabTrainer plain = Ics.trainer(ctx(300), net, steps, steps, 7);
            for (int s = 0; s < steps; s++) {
                plain.trainer().trainStep();
            }
            LabTrainer withIcs = Ics.trainer(ctx(300), net, steps, steps, 7);
            MeasuredRun.train(withIcs, 3, new Ics.GradientIcs(withIcs.model()), null);
            assertSameState(plain.trainer(), withIcs.trainer());
            LabTrainer withLandscape = Ics.trainer(ctx(300), net, steps, steps, 7);
            MeasuredRun.train(withLandscape, 3, new Landscape.Probe(withLandscape.model(), Figure1.LR), null);
            assertSameState(plain.trainer(), withLandscape.trainer());
        }
    }

    @Test
    void icsOfFirstLayerIsExactlyZero() {
        for (Ics.Net net : Ics.Net.values()) {
            LabTrainer t = Ics.trainer(ctx(300), net, 20, 20, 3);
            Ics.GradientIcs ics = new Ics.GradientIcs(t.model());
            MeasuredRun.train(t, 5, ics, null);
            assertEquals(4, ics.l2.size());
            for (int i = 0; i < ics.l2.size(); i++) {
                assertEquals(4, ics.l2.get(i).length);
                assertEquals(0.0, ics.l2.get(i)[0], net.label);
                assertTrue(ics.l2.get(i)[3] > 0, "later layers do shift");
            }
        }
    }

    @Test
    void landscapeLossAtZeroStepIsTheTrainingLoss() {
        for (Ics.Net net : List.of(Ics.Net.PLAIN, Ics.Net.BN)) {
            LabTrainer plain = Ics.trainer(ctx(300), net, 20, 20, 5);
            List<Float> losses = new ArrayList<>();
            for (int s = 1; s <= 20; s++) {
                float l = plain.trainer().trainStep();
                if (s % 4 == 0) {
                    losses.add(l);
                }
            }
            LabTrainer t = Ics.trainer(ctx(300), net, 20, 20, 5);
            Landscape.Probe probe = new Landscape.Probe(t.model(), Figure1.LR);
            MeasuredRun.train(t, 4, probe, null);
            assertEquals(losses, probe.loss0);
        }
    }

    @Test
    void quickModeIsFiniteAndDeterministic() {
        for (Experiment e : List.<Experiment>of(new Ics(), new Landscape())) {
            ExperimentResult a = e.run(ctx(300));
            ExperimentResult b = e.run(ctx(300));
            assertFalse(a.charts().isEmpty());
            for (Chart c : a.charts()) {
                for (Series s : c.series()) {
                    for (double v : s.y()) {
                        assertTrue(Double.isFinite(v), e.name() + "/" + c.id() + "/" + s.name());
                    }
                }
            }
            assertFalse(a.claims().isEmpty());
            for (Claim c : a.claims()) {
                assertNotNull(c.verdict());
            }
            Map<String, Object> ma = new HashMap<>(a.metrics());
            Map<String, Object> mb = new HashMap<>(b.metrics());
            ma.remove("wall_seconds");
            mb.remove("wall_seconds");
            assertEquals(ma.keySet(), mb.keySet());
            for (String k : ma.keySet()) {
                Object x = ma.get(k);
                Object y = mb.get(k);
                if (x instanceof double[]) {
                    assertArrayEquals((double[]) x, (double[]) y, 0.0, k);
                } else {
                    assertEquals(x, y, k);
                }
            }
        }
    }
}
