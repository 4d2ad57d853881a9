package org.bnlab.lab.report;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * report.html: one self-contained page (inline CSS and SVG; no script, font or network reference)
 * with the claims summary first, one section per experiment, and the provenance last. The page is the
 * template resource {@code report.html.mustache} and the stylesheet {@code report.css}; this class
 * only builds the template's data (maps and lists of raw text, which the template escapes).
 */
final class Html {
    private Html() {}

    private static final String RESOURCES = "org/bnlab/lab/report/";

    /** Mustache (logic-less): the page is report.html.mustache, the stylesheet report.css, both resources. */
    private static final Mustache PAGE = compile();

    private static final String CSS = resource("report.css");

    private static Mustache compile() {
        DefaultMustacheFactory factory = new DefaultMustacheFactory(RESOURCES) {
            @Override
            public void encode(String value, Writer writer) {
                try {
                    writer.write(escape(value));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        return factory.compile("report.html.mustache");
    }

    private static String resource(String name) {
        try (InputStream in = Html.class.getClassLoader().getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("report resource " + RESOURCES + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String page(Report report, Map<String, String> inlineSvgs) {
        StringWriter out = new StringWriter(1 << 16);
        PAGE.execute(out, view(report, inlineSvgs));
        return out.toString();
    }

    /** The page's data: plain maps and lists, every text raw (the template escapes it). */
    private static Map<String, Object> view(Report report, Map<String, String> inlineSvgs) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("title", report.title());
        v.put("css", CSS);
        List<Map<String, Object>> exps = new ArrayList<>();
        int[] counts = new int[Verdict.values().length];
        int total = 0;
        for (ExperimentResult e : report.experiments()) {
            exps.add(experiment(e, inlineSvgs));
            for (Claim c : e.claims()) {
                counts[c.verdict().ordinal()]++;
                total++;
            }
        }
        v.put("experiments", exps);
        v.put("hasExperiments", !exps.isEmpty());
        v.put("hasClaims", total > 0);
        List<Map<String, Object>> badges = new ArrayList<>();
        for (Verdict verdict : Verdict.values()) {
            badges.add(Map.of("verdict", verdict.name(), "text", counts[verdict.ordinal()] + " " + verdict.label()));
        }
        v.put("counts", badges);
        List<Map<String, Object>> prov = new ArrayList<>();
        for (Map.Entry<String, Object> e : report.provenance().entrySet()) {
            prov.add(Map.of("key", e.getKey(), "value", display(e.getValue())));
        }
        v.put("provenance", prov);
        v.put("hasProvenance", !prov.isEmpty());
        return v;
    }

    private static Map<String, Object> experiment(ExperimentResult e, Map<String, String> inlineSvgs) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("name", e.name());
        x.put("title", e.title());
        x.put("anchor", anchor(e));
        List<String> paragraphs = new ArrayList<>();
        if (!e.description().isBlank()) {
            for (String para : e.description().strip().split("\\n\\s*\\n")) {
                paragraphs.add(para.strip());
            }
        }
        x.put("hasDescription", !paragraphs.isEmpty());
        x.put("paragraphs", paragraphs);
        List<Map<String, Object>> charts = new ArrayList<>();
        for (Chart c : e.charts()) {
            String file = ReportWriter.chartFile(e, c, "svg");
            StringBuilder caption = new StringBuilder();
            if (c.caption() != null && !c.caption().isBlank()) {
                caption.append(c.caption()).append(' ');
            }
            String spread = spreadNote(c);
            if (!spread.isEmpty()) {
                caption.append(spread).append(' ');
            }
            Map<String, Object> ch = new LinkedHashMap<>();
            ch.put("id", anchor(e) + "-" + c.id());
            ch.put("svg", inlineSvgs.get(file));
            ch.put("caption", caption.toString());
            ch.put("png", ReportWriter.chartFile(e, c, "png"));
            ch.put("svgFile", file);
            charts.add(ch);
        }
        x.put("charts", charts);
        if (e.table() != null) {
            x.put("table", table(e.table()));
        }
        if (e.timings() != null) {
            x.put("timings", table(e.timings()));
        }
        List<Map<String, Object>> claims = new ArrayList<>();
        for (Claim c : e.claims()) {
            Map<String, Object> cl = new LinkedHashMap<>();
            cl.put("claim", c.claim());
            cl.put("measured", c.measured());
            cl.put("verdict", c.verdict().name());
            cl.put("label", c.verdict().label());
            cl.put("reason", c.reason());
            cl.put("anchor", anchor(e));
            cl.put("name", e.name());
            claims.add(cl);
        }
        x.put("claims", claims);
        x.put("hasClaims", !claims.isEmpty());
        return x;
    }

    private static Map<String, Object> table(Table table) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (List<String> row : table.rows()) {
            List<Map<String, Object>> cells = new ArrayList<>();
            for (String cell : row) {
                cells.add(Map.of("text", cell, "numeric", looksNumeric(cell)));
            }
            rows.add(Map.of("cells", cells));
        }
        return Map.of("headers", table.headers(), "rows", rows);
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
