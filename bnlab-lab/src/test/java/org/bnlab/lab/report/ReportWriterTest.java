package org.bnlab.lab.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report layer end to end on a sample Report. The numbers below are made up to look like the
 * lab's (they exist only in this test).
 */
class ReportWriterTest {

    @TempDir
    Path tmp;

    @Test
    void htmlIsSelfContainedAndShowsEveryChartAndClaim() throws IOException {
        Report report = sample(3.25);
        Path html = ReportWriter.write(report, tmp);
        String page = Files.readString(html);

        Matcher external = Pattern.compile("(?i)(src|href)\\s*=\\s*[\"']?\\s*(https?:)?//").matcher(page);
        assertFalse(external.find(), () -> "external reference: " + external.group());
        assertFalse(page.contains("<script"), "no scripts");
        assertFalse(page.contains("<!DOCTYPE svg"), "inlined SVGs carry no DTD reference");
        assertFalse(page.contains("@import") || page.contains("url(http"), "no external CSS");

        for (ExperimentResult e : report.experiments()) {
            for (Chart c : e.charts()) {
                String prefix = e.name() + "-" + c.id();
                assertTrue(page.contains("aria-label=\"" + Html.escape(c.title()) + "\""), c.title());
                assertTrue(page.contains("id=\"" + prefix + "-1\""), "inline SVG of " + prefix);
                Path svg = tmp.resolve(ReportWriter.chartFile(e, c, "svg"));
                Path png = tmp.resolve(ReportWriter.chartFile(e, c, "png"));
                assertTrue(Files.readString(svg).contains("<svg"), svg.toString());
                byte[] pngBytes = Files.readAllBytes(png);
                assertTrue(pngBytes.length > 10_000, png + " is " + pngBytes.length + " bytes");
                assertEquals((byte) 0x89, pngBytes[0]);
                assertEquals('P', pngBytes[1]);
            }
            for (Claim c : e.claims()) {
                assertTrue(page.contains(Html.escape(c.claim())), c.claim());
                assertTrue(page.contains(Html.escape(c.measured())), c.measured());
                assertTrue(page.contains("v-" + c.verdict().name()), c.verdict().name());
            }
        }
        // Ids are unique across the inlined SVGs.
        Matcher ids = Pattern.compile("\\sid=\"([^\"]+)\"").matcher(page);
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (ids.find()) {
            assertTrue(seen.add(ids.group(1)), "duplicate id " + ids.group(1));
        }
        keepIfAsked();
    }

    @Test
    void textIsEscaped() throws IOException {
        String page = Files.readString(ReportWriter.write(sample(1.0), tmp));
        assertFalse(page.contains("<b>bold</b>"), "markup in a description is shown, not rendered");
        assertTrue(page.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;"));
        assertTrue(page.contains("A &lt; B &amp; C"), "title escaped");
    }

    @Test
    void metricsJsonRoundTripsEveryNumber() throws IOException {
        Report report = sample(2.0);
        ReportWriter.write(report, tmp);
        JsonNode root = MetricsJson.parse(Files.readString(tmp.resolve(ReportWriter.METRICS)));

        assertEquals(report.title(), root.get("title").asText());
        JsonNode exps = root.get("experiments");
        assertEquals(report.experiments().size(), exps.size());
        for (int i = 0; i < exps.size(); i++) {
            ExperimentResult e = report.experiments().get(i);
            JsonNode en = exps.get(i);
            assertEquals(e.name(), en.get("name").asText());
            for (int j = 0; j < e.charts().size(); j++) {
                Chart c = e.charts().get(j);
                JsonNode cn = en.get("charts").get(j);
                assertEquals(c.id(), cn.get("id").asText());
                assertEquals(ReportWriter.chartFile(e, c, "svg"), cn.get("file").asText());
                for (int k = 0; k < c.series().size(); k++) {
                    Series s = c.series().get(k);
                    JsonNode sn = cn.get("series").get(k);
                    assertEquals(s.name(), sn.get("name").asText());
                    if (s.x() != null) {
                        assertArrayEquals(s.x(), numbers(sn.get("x")));
                    }
                    assertArrayEquals(s.y(), numbers(sn.get("y")));
                    if (s.hasSpread()) {
                        assertArrayEquals(s.yLower(), numbers(sn.get("y_lower")));
                        assertArrayEquals(s.yUpper(), numbers(sn.get("y_upper")));
                        assertEquals(s.spreadLabel(), sn.get("spread").asText());
                    }
                    if (s.yStd() != null) {
                        assertArrayEquals(s.yStd(), numbers(sn.get("y_std")));
                    }
                }
            }
            for (int j = 0; j < e.claims().size(); j++) {
                assertEquals(e.claims().get(j).verdict().name(), en.get("claims").get(j).get("verdict").asText());
            }
        }
        JsonNode fig1 = exps.get(0).get("metrics");
        assertEquals(1.0e-3, fig1.get("learning_rate").asDouble());
        assertTrue(fig1.get("diverged_loss").isNull(), "NaN is written as null");
        assertEquals(3, fig1.get("per_seed_final").size());
        assertTrue(fig1.get("per_seed_final").get(2).isNull(), "NaN in an array is written as null");
        assertEquals("sigmoid", fig1.get("config").get("activation").asText());
        assertEquals(List.of(1, 2, 3), List.of(root.get("provenance").get("seeds").get(0).asInt(),
                root.get("provenance").get("seeds").get(1).asInt(), root.get("provenance").get("seeds").get(2).asInt()));
    }

    @Test
    void sameReportGivesSameFilesApartFromRunDependentFields() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        ReportWriter.write(sample(10.5), a);
        ReportWriter.write(sample(99.0), b);      // other wall time: provenance and *_seconds differ

        for (String f : List.of("charts/figure1-accuracy.svg", "charts/figure1-accuracy.png", "charts/saturation-fraction.svg")) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
        String ja = Files.readString(a.resolve(ReportWriter.METRICS));
        String jb = Files.readString(b.resolve(ReportWriter.METRICS));
        assertNotEquals(ja, jb);
        JsonNode ta = MetricsJson.withoutRunDependent(MetricsJson.parse(ja));
        JsonNode tb = MetricsJson.withoutRunDependent(MetricsJson.parse(jb));
        assertEquals(ta, tb);
        assertFalse(ta.has(MetricsJson.PROVENANCE));
        assertFalse(ta.get("experiments").get(0).get("metrics").has("train_seconds"));
        assertTrue(ta.get("experiments").get(0).get("metrics").has("learning_rate"));
        // the timings table is written, shown, and dropped with the other run-dependent parts
        assertEquals("0.105", MetricsJson.parse(ja).get("experiments").get(1).get("timings_seconds").get("rows").get(0).get(1).asText());
        assertFalse(ta.get("experiments").get(1).has("timings_seconds"));
        String html = Files.readString(a.resolve(ReportWriter.HTML));
        assertTrue(html.contains("<table class=\"timings\">") && html.contains("<td class=\"num\">0.105</td>"), "timings table in the HTML");
    }

    @Test
    void mapsWithoutAnOrderAreSortedAndOrderedMapsKeepTheirs() {
        Map<String, Object> linked = new LinkedHashMap<>();
        linked.put("zeta", 1);
        linked.put("alpha", 2);
        ExperimentResult e = ExperimentResult.builder("e", "t")
                .metric("unordered", Map.of("c", 3, "a", 1, "b", 2, "e", 5, "d", 4))
                .metric("linked", linked)
                .metric("nested", List.of(Map.of("y", 1, "x", 2)))
                .build();
        JsonNode root = MetricsJson.tree(new Report("r", List.of(e), Map.of("z", 0, "a", 1, "m", 2)));
        assertEquals(List.of("a", "m", "z"), keys(root.get(MetricsJson.PROVENANCE)));
        JsonNode m = root.get("experiments").get(0).get("metrics");
        assertEquals(List.of("a", "b", "c", "d", "e"), keys(m.get("unordered")));
        assertEquals(List.of("zeta", "alpha"), keys(m.get("linked")));
        assertEquals(List.of("x", "y"), keys(m.get("nested").get(0)));
        assertEquals(List.of("unordered", "linked", "nested"), keys(m));
    }

    private static List<String> keys(JsonNode object) {
        List<String> out = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void badInputIsRejectedWhenBuilt() {
        double[] three = {1, 2, 3};
        assertThrows(IllegalArgumentException.class, () -> Series.of("s", three, new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> Series.of("s", three, three).withStd(new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> Chart.line("acc", "t").logX()
                .add(Series.of("s", new double[] {0, 1, 2}, three)).build());
        assertThrows(IllegalArgumentException.class, () -> Chart.line("acc", "t").build());
        assertThrows(IllegalArgumentException.class, () -> Chart.line("a/b", "t"));
        assertThrows(IllegalArgumentException.class, () -> Chart.bar("b", "t", List.of("x", "y"))
                .add(Series.bars("s", three)).build());
        assertThrows(IllegalArgumentException.class, () -> Chart.line("acc", "t")
                .add(Series.bars("s", three)).build());
        assertThrows(IllegalArgumentException.class, () -> Table.of("a", "b").row("only one"));
        assertThrows(IllegalArgumentException.class, () -> new Claim("c", " ", Verdict.MIXED, "r"));
        Chart c = Chart.line("acc", "t").add(Series.of("s", three, three)).build();
        assertThrows(IllegalArgumentException.class, () -> ExperimentResult.builder("e", "t").chart(c).chart(c).build());
    }

    @Test
    void chromiumRendersTheReport() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "chromium not installed (apt-get install chromium)");
        Path html = ReportWriter.write(sample(5.0), tmp);
        Path shot = tmp.resolve("screenshot.png");
        Process p = new ProcessBuilder("bash", "../tools/check_report.sh", html.toString(), shot.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), "check_report.sh timed out");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("check_report: ok"), out);
        assertTrue(Files.size(shot) > 20_000);
    }

    /** With -Dbnlab.report.keep=DIR the sample report is also written there, to look at. */
    private static void keepIfAsked() throws IOException {
        String keep = System.getProperty("bnlab.report.keep");
        if (keep != null) {
            ReportWriter.write(sample(3.25), Path.of(keep));
        }
    }

    private static double[] numbers(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).isNull() ? Double.NaN : a.get(i).asDouble();
        }
        return v;
    }

    /** A plausible two-experiment report; {@code wallSeconds} stands for what differs between runs. */
    static Report sample(double wallSeconds) {
        int n = 50;
        double[] steps = new double[n];
        double[] bn = new double[n];
        double[] bnStd = new double[n];
        double[] plain = new double[n];
        double[] plainStd = new double[n];
        double[] p15 = new double[n];
        double[] p50 = new double[n];
        double[] p85 = new double[n];
        for (int i = 0; i < n; i++) {
            steps[i] = (i + 1) * 1000.0;
            bn[i] = 0.979 - 0.45 * Math.exp(-i / 4.0);
            bnStd[i] = 0.002 + 0.02 * Math.exp(-i / 6.0);
            plain[i] = 0.955 - 0.6 * Math.exp(-i / 14.0);
            plainStd[i] = 0.004 + 0.03 * Math.exp(-i / 10.0);
            p50[i] = -0.4 - 1.2 * (1 - Math.exp(-i / 12.0));
            p15[i] = p50[i] - 1.1 - 0.6 * (1 - Math.exp(-i / 12.0));
            p85[i] = p50[i] + 1.0 + 0.5 * (1 - Math.exp(-i / 12.0));
        }
        plain[20] = Double.NaN;   // a diverged evaluation: a gap in the curve, null in metrics.json
        Chart accuracy = Chart.line("accuracy", "Test accuracy vs training steps")
                .axes("training step", "test accuracy")
                .add(Series.of("with BN", steps, bn).withStd(bnStd))
                .add(Series.of("without BN", steps, plain).withStd(plainStd).dashed())
                .caption("MNIST, 3 seeds.")
                .build();
        Chart percentiles = Chart.line("sigmoid-input", "Input to one last-layer sigmoid, without BN")
                .axes("training step", "sigmoid input")
                .add(Series.of("85th percentile", steps, p85).withColor("#7f7f7f").dotted())
                .add(Series.of("50th percentile", steps, p50).withColor("#1f77b4"))
                .add(Series.of("15th percentile", steps, p15).withColor("#7f7f7f").dotted())
                .build();
        double[] lrs = {1e-3, 1e-2, 1e-1, 1, 10};
        Chart ladder = Chart.line("lr-ladder", "Steps to 95% test accuracy vs learning rate")
                .axes("learning rate", "steps to 95%").logX().logY()
                .add(Series.of("with BN", lrs, new double[] {40000, 9000, 2100, 1400, 3900}).withMarkers()
                        .withBand(new double[] {36000, 8000, 1900, 1200, 2500}, new double[] {45000, 9900, 2400, 1700, 6000},
                                "min-max"))
                .add(Series.of("without BN", lrs, new double[] {50000, 21000, 9800, Double.NaN, Double.NaN})
                        .withMarkers().dashed())
                .build();
        ExperimentResult fig1 = ExperimentResult.builder("figure1", "Figure 1: MNIST with and without BN")
                .description("784-100-100-100-10 MLP, sigmoid, SGD with learning rate 0.5, batch 60, 50,000 steps, "
                        + "seeds 1-3.\n\nA description may hold <b>bold</b> & \"quoted\" text; it is shown as written.")
                .chart(accuracy).chart(percentiles).chart(ladder)
                .table(Table.of("model", "final test accuracy", "steps to 95%")
                        .row("with BN", "97.9%", "2,100")
                        .row("without BN", "95.5%", "9,800"))
                .claim(new Claim("Faster training", "95% test accuracy after 2,100 steps with BN, 9,800 without (4.7\u00d7)",
                        Verdict.SUPPORTED, "fewer steps on every seed"))
                .claim(new Claim("Higher learning rates", "BN trains at lr 10; without BN diverges above 0.1",
                        Verdict.SUPPORTED, "two decades more usable learning rate"))
                .metric("learning_rate", 1e-3)
                .metric("steps_to_95", Map.of("bn", 2100, "plain", 9800))
                .metric("per_seed_final", new double[] {0.979, 0.981, Double.NaN})
                .metric("diverged_loss", Double.NaN)
                .metric("config", new LinkedHashMap<>(Map.of("activation", "sigmoid")))
                .metric("train_seconds", wallSeconds)
                .build();
        Chart fraction = Chart.bar("fraction", "Sigmoid units saturated (|x| > 4) after 5k steps", List.of("without BN", "with BN"))
                .axes("network", "fraction of units")
                .add(Series.bars("mean over seeds", new double[] {0.31, 0.02}).withStd(new double[] {0.05, 0.01}))
                .build();
        ExperimentResult saturation = ExperimentResult.builder("saturation", "Saturation of sigmoid units")
                .description("The same MLP; fraction of last-layer sigmoid inputs beyond \u00b14.")
                .chart(fraction)
                .timings(Table.of("network", "forward (ms)").row("with BN", String.format(java.util.Locale.ROOT, "%.3f", wallSeconds / 100)))
                .claim(new Claim("Sigmoid usable without saturation", "31% saturated without BN, 2% with",
                        Verdict.SUPPORTED, "15\u00d7 fewer saturated units"))
                .claim(new Claim("Reduces internal covariate shift", "gradient ICS 0.8\u00d7 of no-BN at step 1k, 1.3\u00d7 at 10k",
                        Verdict.MIXED, "lower early, higher later (as Santurkar et al. report)"))
                .claim(new Claim("Regularizes (smaller train/test gap)", "gap 1.1% with BN, 1.0% without",
                        Verdict.NOT_SUPPORTED, "difference within the spread over seeds"))
                .claim(new Claim("Less need for dropout", "dropout lowers test accuracy with and without BN after 200 steps",
                        Verdict.NOT_SETTLED, "too short for dropout to help either network"))
                .build();
        Map<String, Object> prov = new LinkedHashMap<>();
        prov.put("config", Map.of("steps", 50000, "batch", 60));
        prov.put("seeds", List.of(1, 2, 3));
        prov.put("dataset", "MNIST (sample)");
        prov.put("git_commit", "0123456789ab");
        prov.put("wall_seconds", wallSeconds);
        prov.put("date", "2025-01-01T00:00:" + (int) wallSeconds + "Z");
        return new Report("bnlab: Batch Normalization, measured (A < B & C)", List.of(fig1, saturation), prov);
    }
}
