package org.bnlab.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.stream.Stream;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import org.bnlab.lab.report.Claim;
import org.bnlab.lab.report.ExperimentResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The normalization-family experiments with tiny settings (100 main-run steps, so 33-step sweeps):
 * charts, table, claims with verdicts, the same numbers twice (whatever the worker count), and the
 * report-level checks of {@link LabExperimentsTest}.
 */
class NormExperimentsTest {
    private static Dataset data;

    @BeforeAll
    static void load() throws IOException {
        data = Datasets.load("mnist-sample");
    }

    static Stream<Experiment> experiments() {
        return Stream.of(new SmallBatch(), new NonIid(), new TrainEvalGap(), new GhostBatch(), new SyncBn());
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
