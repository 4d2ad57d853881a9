package org.bnlab.lab.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

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
 */
public final class ReportWriter {
    public static final String HTML = "report.html";
    public static final String METRICS = "metrics.json";
    public static final String CHARTS = "charts";

    private ReportWriter() {}

    /** Writes the report into {@code outDir} (created if needed) and returns the path of report.html. */
    public static Path write(Report report, Path outDir) throws IOException {
        Path charts = outDir.resolve(CHARTS);
        Files.createDirectories(charts);
        Map<String, String> inline = new HashMap<>();
        for (ExperimentResult e : report.experiments()) {
            for (Chart c : e.charts()) {
                String svgFile = chartFile(e, c, "svg");
                if (inline.containsKey(svgFile)) {
                    throw new IllegalArgumentException("two charts would both be written to " + svgFile
                            + ": rename an experiment or a chart");
                }
                String svg = Svg.clean(ChartRenderer.svg(c), e.name() + "-" + c.id());
                Files.writeString(outDir.resolve(svgFile), svg, StandardCharsets.UTF_8);
                Files.write(outDir.resolve(chartFile(e, c, "png")), ChartRenderer.png(c));
                inline.put(svgFile, Svg.inline(svg, c.title()));
            }
        }
        Files.writeString(outDir.resolve(METRICS), MetricsJson.toJson(report), StandardCharsets.UTF_8);
        Path html = outDir.resolve(HTML);
        Files.writeString(html, Html.page(report, inline), StandardCharsets.UTF_8);
        return html;
    }

    /** A chart's file, relative to the output directory: {@code charts/<experiment>-<chart>.<ext>}. */
    public static String chartFile(ExperimentResult e, Chart c, String ext) {
        return CHARTS + "/" + e.name() + "-" + c.id() + "." + ext;
    }
}
