package org.bnlab.lab.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Writes a {@link Report} to a directory:
 * <ul>
 *   <li>{@code report.html}: one self-contained page (inline CSS and SVG charts, no scripts, fonts
 *       or network references): claims summary, one section per experiment, provenance;</li>
 *   <li>{@code charts/<experiment>-<chart>.svg} and {@code .png} (900x500, drawn at 2x) for every chart;</li>
 *   <li>{@code metrics.json}: every number the charts show, each experiment's raw metrics and claims,
 *       and the provenance (see {@link MetricsJson} for the determinism rule).</li>
 * </ul>
 * Same Report, same files, byte for byte, apart from what the provenance itself holds.
 *
 * <p>Crash safety: every file is written to a temporary file in the same directory and moved over
 * the old one atomically, so a kill or a full disk leaves either the previous or the new version of
 * each file, never a torn one. {@link #open} gives a writer for a report that grows one experiment at
 * a time: each experiment's charts are rendered once, and report.html and metrics.json are rewritten
 * after every experiment, so an interrupted run keeps the experiments it finished.
 */
public final class ReportWriter {
    public static final String HTML = "report.html";
    public static final String METRICS = "metrics.json";
    public static final String CHARTS = "charts";

    private final Path outDir;
    /** Inline SVG of every chart written so far, by its svg file. */
    private final Map<String, String> inline = new HashMap<>();
    /** The experiments whose charts are written (by identity: one result is rendered once). */
    private final Set<ExperimentResult> rendered = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    private ReportWriter(Path outDir) {
        this.outDir = outDir;
    }

    /** A writer into {@code outDir} (created if needed) for a report written again as it grows. */
    public static ReportWriter open(Path outDir) throws IOException {
        Files.createDirectories(outDir.resolve(CHARTS));
        return new ReportWriter(outDir);
    }

    /** Writes the report into {@code outDir} (created if needed) and returns the path of report.html. */
    public static Path write(Report report, Path outDir) throws IOException {
        return open(outDir).update(report);
    }

    /**
     * Writes the charts of the experiments of {@code report} not written yet, then metrics.json and
     * report.html for the whole report; returns the path of report.html.
     */
    public Path update(Report report) throws IOException {
        for (ExperimentResult e : report.experiments()) {
            if (rendered.add(e)) {
                charts(e);
            }
        }
        atomicWrite(outDir.resolve(METRICS), MetricsJson.toJson(report).getBytes(StandardCharsets.UTF_8));
        Path html = outDir.resolve(HTML);
        atomicWrite(html, Html.page(report, inline).getBytes(StandardCharsets.UTF_8));
        return html;
    }

    private void charts(ExperimentResult e) throws IOException {
        for (Chart c : e.charts()) {
            String svgFile = chartFile(e, c, "svg");
            if (inline.containsKey(svgFile)) {
                throw new IllegalArgumentException("two charts would both be written to " + svgFile
                        + ": rename an experiment or a chart");
            }
            String svg = Svg.clean(ChartRenderer.svg(c), e.name() + "-" + c.id());
            atomicWrite(outDir.resolve(svgFile), svg.getBytes(StandardCharsets.UTF_8));
            atomicWrite(outDir.resolve(chartFile(e, c, "png")), ChartRenderer.png(c));
            inline.put(svgFile, Svg.inline(svg, c.title()));
        }
    }

    /** {@code bytes} to a temporary file beside {@code target}, then moved over it atomically. */
    static void atomicWrite(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("could not write " + target + ": " + e.getMessage(), e);
        }
    }

    /** A chart's file, relative to the output directory: {@code charts/<experiment>-<chart>.<ext>}. */
    public static String chartFile(ExperimentResult e, Chart c, String ext) {
        return CHARTS + "/" + e.name() + "-" + c.id() + "." + ext;
    }
}
