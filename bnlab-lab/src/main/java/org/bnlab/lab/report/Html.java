package org.bnlab.lab.report;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * report.html: one self-contained page (inline CSS and SVG; no script, font or network reference)
 * with the claims summary first, one section per experiment, and the provenance last.
 */
final class Html {
    private Html() {}

    private static final String CSS = String.join("\n",
            ":root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#ffffff;--soft:#f6f8fa}",
            "*{box-sizing:border-box}",
            "body{margin:0;background:var(--bg);color:var(--fg);"
                    + "font:16px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',Arial,sans-serif}",
            "main{max-width:1100px;margin:0 auto;padding:24px 28px 64px}",
            "h1{font-size:1.9em;margin:.2em 0 .3em}",
            "h2{font-size:1.45em;margin:2.2em 0 .5em;padding-top:.6em;border-top:2px solid var(--line)}",
            "h3{font-size:1.1em;margin:1.6em 0 .4em}",
            "p{margin:.5em 0 .8em}",
            ".lead{color:var(--muted);max-width:60em}",
            "nav ol{margin:.3em 0 0 1.2em;padding:0}",
            "table{border-collapse:collapse;width:100%;margin:.6em 0 1.2em;font-size:.94em}",
            "th,td{border:1px solid var(--line);padding:6px 10px;text-align:left;vertical-align:top}",
            "th{background:var(--soft);font-weight:600}",
            "tbody tr:nth-child(even) td{background:#fbfcfd}",
            "td.num{font-variant-numeric:tabular-nums}",
            ".badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:.85em;font-weight:600;"
                    + "white-space:nowrap;border:1px solid}",
            ".v-SUPPORTED{color:#116329;background:#dafbe1;border-color:#8dd9a0}",
            ".v-NOT_SUPPORTED{color:#a40e26;background:#ffebe9;border-color:#f5a3a8}",
            ".v-MIXED{color:#7a4e00;background:#fff8c5;border-color:#e3c86a}",
            ".v-NOT_SETTLED{color:#57606a;background:#f6f8fa;border-color:#c8d1da;border-style:dashed}",
            ".counts{margin:.4em 0}",
            ".counts .badge{margin-right:.5em}",
            "figure{margin:1.2em 0 1.8em;padding:0}",
            "figure svg{display:block;width:100%;height:auto;border:1px solid var(--line);border-radius:6px}",
            "figcaption{color:var(--muted);font-size:.92em;margin-top:.4em}",
            "figcaption a{color:var(--muted)}",
            ".desc{background:var(--soft);border-left:4px solid var(--line);padding:.5em 1em;border-radius:4px}",
            "code{font:.88em/1.4 ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;word-break:break-word}",
            "a{color:#0969da}",
            "footer{color:var(--muted);font-size:.9em;margin-top:3em}",
            "@media print{h2{break-before:page}figure{break-inside:avoid}}");

    private static final String INTRO =
            "Batch Normalization (Ioffe &amp; Szegedy, 2015) normalizes every feature of a layer's input "
            + "over the mini-batch &mdash; it subtracts the batch mean and divides by the batch standard deviation "
            + "&mdash; and then applies a learned scale &gamma; and shift &beta;. At inference the batch statistics "
            + "are replaced by population estimates. The paper argues that this reduces <em>internal covariate "
            + "shift</em>, the change of each layer's input distribution during training, and that as a result "
            + "networks train in fewer steps, tolerate higher learning rates, depend less on their initialization, "
            + "can use saturating nonlinearities such as the sigmoid, and are regularized.";

    private static final String TESTED =
            "This report re-runs the paper's experiments on bnlab, a Java implementation, over several random "
            + "seeds, and adds the tests of later work (Santurkar et al. 2018: internal covariate shift and the "
            + "loss landscape). Each claim below is given the figure measured here and a verdict. Curves are means "
            + "over seeds; shaded bands and error bars show the spread over seeds.";

    static String page(Report report, Map<String, String> inlineSvgs) {
        StringBuilder h = new StringBuilder(1 << 16);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(escape(report.title())).append("</title>\n")
                .append("<style>\n").append(CSS).append("\n</style>\n</head>\n<body>\n<main>\n");
        header(h, report);
        summary(h, report);
        for (ExperimentResult e : report.experiments()) {
            experiment(h, e, inlineSvgs);
        }
        provenance(h, report.provenance());
        h.append("<footer>Written by bnlab's report writer. Every number in the charts is in "
                + "<a href=\"metrics.json\">metrics.json</a>; each chart is also in charts/ as PNG and SVG.</footer>\n");
        h.append("</main>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void header(StringBuilder h, Report report) {
        h.append("<header>\n<h1>").append(escape(report.title())).append("</h1>\n");
        h.append("<p class=\"lead\">").append(INTRO).append("</p>\n");
        h.append("<p class=\"lead\">").append(TESTED).append("</p>\n");
        if (!report.experiments().isEmpty()) {
            h.append("<nav><strong>Experiments</strong><ol>\n");
            for (ExperimentResult e : report.experiments()) {
                h.append("<li><a href=\"#").append(anchor(e)).append("\">").append(escape(e.title()))
                        .append("</a></li>\n");
            }
            h.append("</ol></nav>\n");
        }
        h.append("</header>\n");
    }

    private static void summary(StringBuilder h, Report report) {
        h.append("<section id=\"summary\">\n<h2>Claims and verdicts</h2>\n");
        int[] counts = new int[Verdict.values().length];
        int total = 0;
        for (ExperimentResult e : report.experiments()) {
            for (Claim c : e.claims()) {
                counts[c.verdict().ordinal()]++;
                total++;
            }
        }
        if (total == 0) {
            h.append("<p>No experiment stated a claim.</p>\n</section>\n");
            return;
        }
        h.append("<p class=\"counts\">");
        for (Verdict v : Verdict.values()) {
            h.append(badge(v, counts[v.ordinal()] + " " + v.label()));
        }
        h.append("</p>\n");
        h.append("<table>\n<thead><tr><th>Claim</th><th>Measured</th><th>Verdict</th><th>Reason</th>"
                + "<th>Experiment</th></tr></thead>\n<tbody>\n");
        for (ExperimentResult e : report.experiments()) {
            for (Claim c : e.claims()) {
                h.append("<tr><td><strong>").append(escape(c.claim())).append("</strong></td><td>")
                        .append(escape(c.measured())).append("</td><td>").append(badge(c.verdict(), c.verdict().label()))
                        .append("</td><td>").append(escape(c.reason())).append("</td><td><a href=\"#")
                        .append(anchor(e)).append("\">").append(escape(e.name())).append("</a></td></tr>\n");
            }
        }
        h.append("</tbody>\n</table>\n</section>\n");
    }

    private static void experiment(StringBuilder h, ExperimentResult e, Map<String, String> inlineSvgs) {
        h.append("<section id=\"").append(anchor(e)).append("\">\n<h2>").append(escape(e.title())).append("</h2>\n");
        if (!e.description().isBlank()) {
            h.append("<div class=\"desc\">");
            for (String para : e.description().strip().split("\\n\\s*\\n")) {
                h.append("<p>").append(escape(para.strip())).append("</p>");
            }
            h.append("</div>\n");
        }
        for (Chart c : e.charts()) {
            String file = ReportWriter.chartFile(e, c, "svg");
            h.append("<figure id=\"").append(anchor(e)).append("-").append(c.id()).append("\">\n")
                    .append(inlineSvgs.get(file)).append("\n<figcaption>");
            if (c.caption() != null && !c.caption().isBlank()) {
                h.append(escape(c.caption())).append(' ');
            }
            String spread = spreadNote(c);
            if (!spread.isEmpty()) {
                h.append(escape(spread)).append(' ');
            }
            h.append("[<a href=\"").append(escape(ReportWriter.chartFile(e, c, "png"))).append("\">PNG</a> &middot; ")
                    .append("<a href=\"").append(escape(file)).append("\">SVG</a>]</figcaption>\n</figure>\n");
        }
        if (e.table() != null) {
            table(h, e.table().headers(), e.table().rows());
        }
        if (!e.claims().isEmpty()) {
            h.append("<h3>Claims tested here</h3>\n<ul>\n");
            for (Claim c : e.claims()) {
                h.append("<li>").append(badge(c.verdict(), c.verdict().label())).append(" <strong>")
                        .append(escape(c.claim())).append("</strong>: ").append(escape(c.measured()))
                        .append(" &mdash; ").append(escape(c.reason())).append("</li>\n");
            }
            h.append("</ul>\n");
        }
        h.append("</section>\n");
    }

    private static void provenance(StringBuilder h, Map<String, Object> provenance) {
        h.append("<section id=\"provenance\">\n<h2>Provenance</h2>\n");
        if (provenance.isEmpty()) {
            h.append("<p>No provenance was recorded.</p>\n");
        } else {
            h.append("<table>\n<tbody>\n");
            for (Map.Entry<String, Object> e : provenance.entrySet()) {
                h.append("<tr><th>").append(escape(e.getKey())).append("</th><td><code>")
                        .append(escape(display(e.getValue()))).append("</code></td></tr>\n");
            }
            h.append("</tbody>\n</table>\n");
        }
        h.append("</section>\n");
    }

    private static void table(StringBuilder h, List<String> headers, List<List<String>> rows) {
        h.append("<table>\n<thead><tr>");
        for (String head : headers) {
            h.append("<th>").append(escape(head)).append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : rows) {
            h.append("<tr>");
            for (String cell : row) {
                h.append(looksNumeric(cell) ? "<td class=\"num\">" : "<td>").append(escape(cell)).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    private static String spreadNote(Chart c) {
        Set<String> labels = new LinkedHashSet<>();
        for (Series s : c.series()) {
            if (s.hasSpread()) {
                labels.add(s.spreadLabel());
            }
        }
        if (labels.isEmpty()) {
            return "";
        }
        String what = c.kind() == Chart.Kind.LINE ? "Shaded bands" : "Error bars";
        return what + ": " + String.join("; ", labels) + " over seeds.";
    }

    private static String badge(Verdict v, String text) {
        return "<span class=\"badge v-" + v.name() + "\">" + escape(text) + "</span>";
    }

    private static String anchor(ExperimentResult e) {
        return "exp-" + e.name();
    }

    private static boolean looksNumeric(String s) {
        return s.matches("[-+\u2212]?[0-9][0-9,._]*(e[-+]?[0-9]+)?\\s*[%x\u00d7]?");
    }

    /** Maps and lists as compact JSON-like text; everything else by toString. */
    private static String display(Object v) {
        if (v instanceof Map || v instanceof List || (v != null && v.getClass().isArray())) {
            return MetricsJson.compact(v);
        }
        return String.valueOf(v);
    }

    /** Text as HTML character data or a double-quoted attribute value. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&': b.append("&amp;"); break;
                case '<': b.append("&lt;"); break;
                case '>': b.append("&gt;"); break;
                case '"': b.append("&quot;"); break;
                case '\'': b.append("&#39;"); break;
                default: b.append(ch);
            }
        }
        return b.toString();
    }
}
