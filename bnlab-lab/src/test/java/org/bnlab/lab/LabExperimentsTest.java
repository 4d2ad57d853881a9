package org.bnlab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import org.bnlab.lab.report.Chart;
import org.bnlab.lab.report.Claim;
import org.bnlab.lab.report.ExperimentResult;
import org.bnlab.lab.report.Series;
import org.bnlab.engine.Engine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each sweep experiment in quick mode: charts, claims with verdicts, and the same numbers twice for one seed. */
class LabExperimentsTest {
    private static Dataset data;

    private static int threads;

    /**
     * As {@code bnlab paper} runs the lab: independent runs side by side on the workers, each run's
     * kernels on its own thread (the kernels' thread-local scratch is not meant to be shared by two
     * runs interleaving on one pool thread).
     */
    @BeforeAll
    static void load() throws IOException {
        data = Datasets.load("mnist-sample");
        threads = Engine.threads();
        Engine.setThreads(1);
    }

    @AfterAll
    static void restoreThreads() {
        Engine.setThreads(threads);
    }

    static Stream<Experiment> experiments() {
        return Stream.of(new LearningRate(), new InitScale(), new Saturation(), new Regularization(), new Conv());
    }

    private static LabContext quick() {
        return new LabContext(data, 300, List.of(1L), true, 2, new PrintStream(OutputStream.nullOutputStream()));
    }

    @ParameterizedTest
    @MethodSource("experiments")
    void runsAndRepeatsExactly(Experiment e) {
        long t0 = System.nanoTime();
        ExperimentResult a = e.run(quick());
        System.out.printf("%s: %.1f s%n", e.name(), (System.nanoTime() - t0) / 1e9);
        ExperimentResult b = e.run(quick());
        checkShapeAndEquality(e, a, b);
    }

    /** Charts with finite data, claims with verdicts, and {@code b} (a second run) equal to {@code a} in every metric and series. */
    static void checkShapeAndEquality(Experiment e, ExperimentResult a, ExperimentResult b) {
        assertEquals(e.name(), a.name());
        assertNotNull(a.description());
        assertFalse(a.charts().isEmpty(), "charts");
        for (Chart c : a.charts()) {
            for (Series s : c.series()) {
                if (c.kind() == Chart.Kind.LINE) {
                    assertTrue(Double.isFinite(s.y()[0]), c.id() + "/" + s.name() + " starts with a finite value");
                }
                assertTrue(Arrays.stream(s.y()).anyMatch(Double::isFinite), c.id() + "/" + s.name() + " has finite data");
            }
        }
        assertFalse(a.claims().isEmpty(), "claims");
        for (Claim c : a.claims()) {
            assertNotNull(c.verdict(), c.claim());
            System.out.printf("  [%s] %s: %s%n", c.verdict(), c.claim(), c.measured());
        }

        assertEquals(a.metrics().keySet(), b.metrics().keySet());
        for (Map.Entry<String, Object> m : a.metrics().entrySet()) {
            assertTrue(Arrays.deepEquals(new Object[] {m.getValue()}, new Object[] {b.metrics().get(m.getKey())}), "metric " + m.getKey());
        }
        assertEquals(a.charts().size(), b.charts().size());
        for (int i = 0; i < a.charts().size(); i++) {
            List<Series> sa = a.charts().get(i).series();
            List<Series> sb = b.charts().get(i).series();
            assertEquals(sa.size(), sb.size());
            for (int j = 0; j < sa.size(); j++) {
                assertTrue(Arrays.equals(sa.get(j).y(), sb.get(j).y()), a.charts().get(i).id() + "/" + sa.get(j).name());
            }
        }
    }
}
