package org.bnlab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bnlab.data.Datasets;
import org.bnlab.lab.report.Chart;
import org.bnlab.lab.report.ExperimentResult;
import org.bnlab.lab.report.MetricsJson;
import org.bnlab.lab.report.ReportWriter;
import org.bnlab.lab.report.Series;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lab.run: the report grows after every experiment, and a failing experiment does not take the others down. */
class LabTest {
    @TempDir
    Path tmp;

    /** An experiment with one chart; {@code check} runs first (it sees the report as written so far). */
    private static Experiment experiment(String name, Runnable check) {
        return new Experiment() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String summary() {
                return "a test experiment";
            }

            @Override
            public ExperimentResult run(LabContext ctx) {
                check.run();
                return ExperimentResult.builder(name, "Experiment " + name)
                        .chart(Chart.line("c", "a line").add(Series.of("y", new double[] {1, 2}, new double[] {3, 4})).build())
                        .metric("value", name.length())
                        .build();
            }
        };
    }

    private static LabContext context() throws IOException {
        return new LabContext(Datasets.load("mnist-sample"), 10, List.of(1L), true, 1, new PrintStream(OutputStream.nullOutputStream()));
    }

    private static JsonNode metrics(Path dir) {
        try {
            return MetricsJson.parse(Files.readString(dir.resolve(ReportWriter.METRICS)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theReportGrowsAfterEveryExperimentAndAFailureDoesNotStopTheOthers() throws IOException {
        Path out = tmp.resolve("out");
        LabContext ctx = context();
        List<Experiment> list = List.of(
                experiment("first", () -> { }),
                experiment("broken", () -> {
                    // the first experiment's report is on disk before the second starts
                    JsonNode m = metrics(out);
                    assertEquals(1, m.get("experiments").size());
                    assertEquals("1 of 3 experiments done", m.get("provenance").get("status").asText());
                    assertTrue(Files.exists(out.resolve("charts/first-c.svg")));
                    throw new IllegalArgumentException("a bug in this experiment");
                }),
                experiment("third", () -> { }));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Lab.run(list, ctx, out, "t"));
        assertTrue(e.getMessage().contains("1 of 3 experiments failed: broken (IllegalArgumentException: a bug in this experiment)"),
                e.getMessage());
        assertTrue(e.getMessage().contains(out.resolve(ReportWriter.HTML).toString()), e.getMessage());
        JsonNode m = metrics(out);
        assertEquals(3, m.get("experiments").size());
        assertEquals("complete", m.get("provenance").get("status").asText());
        assertEquals("broken (IllegalArgumentException: a bug in this experiment)",
                m.get("provenance").get("failed_experiments").get(0).asText());
        assertEquals("third", m.get("experiments").get(2).get("name").asText());
        assertTrue(m.get("experiments").get(1).get("description").asText().contains("did not finish"));
        String html = Files.readString(out.resolve(ReportWriter.HTML));
        assertTrue(html.contains("broken: failed") && html.contains("Experiment third"));
        try (var files = Files.list(out)) {
            assertFalse(files.anyMatch(p -> p.toString().endsWith(".tmp")), "no temporary file is left behind");
        }
    }

    @Test
    void anOutOfMemoryErrorInOneExperimentIsReportedAndTheRunGoesOn() throws IOException {
        Path out = tmp.resolve("oom");
        LabContext ctx = context();
        List<Experiment> list = List.of(
                experiment("big", () -> {
                    throw new OutOfMemoryError("Java heap space");
                }),
                experiment("after", () -> { }));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Lab.run(list, ctx, out, "t"));
        assertTrue(e.getMessage().contains("big (OutOfMemoryError: Java heap space)"), e.getMessage());
        assertEquals("after", metrics(out).get("experiments").get(1).get("name").asText());
    }
}
