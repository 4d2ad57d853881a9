package org.bnlab.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.stream.Stream;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import org.bnlab.data.Split;
import org.bnlab.lab.report.Claim;
import org.bnlab.lab.report.ExperimentResult;
import org.bnlab.engine.Engine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The normalization-family experiments with tiny settings (a quarter of mnist-sample, 100 main-run
 * steps, so 33-step sweeps):
 * charts, table, claims with verdicts, the same numbers twice (whatever the worker count), and the
 * report-level checks of {@link LabExperimentsTest}.
 */
class NormExperimentsTest {
    private static Dataset data;

    private static int threads;

    /**
     * As {@code bnlab paper} runs the lab: independent runs side by side on the workers, each run's
     * kernels on its own thread (the kernels' thread-local scratch is not meant to be shared by two
     * runs interleaving on one pool thread).
     */
    @BeforeAll
    static void load() throws IOException {
        Dataset full = Datasets.load("mnist-sample");
        data = new Dataset("mnist-sample", full.source() + ", every 4th image", full.classes(), everyNth(full.train(), 4),
                everyNth(full.test(), 4), full.mean(), full.std());
        threads = Engine.threads();
        Engine.setThreads(1);
    }

    /** Every n-th example of {@code s} (all classes stay: the splits are sorted by class). */
    private static Split everyNth(Split s, int n) {
        int count = (s.size() + n - 1) / n;
        int f = s.features();
        float[] x = new float[count * f];
        int[] y = new int[count];
        for (int i = 0; i < count; i++) {
            System.arraycopy(s.images(), i * n * f, x, i * f, f);
            y[i] = s.labels()[i * n];
        }
        return Split.of(x, y, s.channels(), s.rows(), s.cols());
    }

    @AfterAll
    static void restoreThreads() {
        Engine.setThreads(threads);
    }

    static Stream<Experiment> experiments() {
        return Stream.of(new SmallBatch(), new NonIid(), new TrainEvalGap(), new GhostBatch(), new SyncBn(), new Folding());
    }

    private static LabContext tiny(int workers) {
        return new LabContext(data, 100, List.of(1L), true, workers, new PrintStream(OutputStream.nullOutputStream()));
    }

    @ParameterizedTest
    @MethodSource("experiments")
    void runsAndRepeatsExactly(Experiment e) {
        long t0 = System.nanoTime();
        ExperimentResult a = e.run(tiny(2));
        System.out.printf("%s: %.1f s%n", e.name(), (System.nanoTime() - t0) / 1e9);
        ExperimentResult b = e.run(tiny(1));
        LabExperimentsTest.checkShapeAndEquality(e, a, b);
        assertTrue(a.table() != null && !a.table().rows().isEmpty(), "table");
        for (Claim c : a.claims()) {
            assertTrue(c.reason().startsWith("rule"), c.claim() + ": the reason states the rule");
        }
        assertTrue(Experiments.names().contains(e.name()), "registered for bnlab paper and bnlab lab");
    }
}
