package org.bnlab.lab.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.bnlab.train.Json;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * metrics.json: every number the report shows (each chart's series) plus each experiment's raw
 * metrics, its claims, and the provenance.
 *
 * <p>Non-finite numbers (a diverged run) are written as {@code null}, so the file is strict JSON.
 * Maps keep their order if they have one (LinkedHashMap, SortedMap) and are sorted by key otherwise.
 * Determinism: everything outside {@code provenance} and outside keys ending in {@code _seconds}
 * follows from the Report alone; {@link #withoutRunDependent} drops exactly those parts, so two runs
 * of the same config and seeds compare equal after it.
 */
public final class MetricsJson {
    /** Suffix of the keys whose values are wall-clock timings, excluded from determinism. */
    public static final String TIMING_SUFFIX = "_seconds";
    /** Top-level key of the provenance, excluded from determinism. */
    public static final String PROVENANCE = "provenance";

    private static final ObjectMapper MAPPER = Json.MAPPER;

    private MetricsJson() {}

    /** The JSON tree of the whole report. */
    public static ObjectNode tree(Report report) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("title", report.title());
        ArrayNode exps = root.putArray("experiments");
        for (ExperimentResult e : report.experiments()) {
            ObjectNode en = exps.addObject();
            en.put("name", e.name());
            en.put("title", e.title());
            en.put("description", e.description());
            ArrayNode charts = en.putArray("charts");
            for (Chart c : e.charts()) {
                charts.add(chart(e, c));
            }
            if (e.table() != null) {
                table(en.putObject("table"), e.table());
            } else {
                en.putNull("table");
            }
            if (e.timings() != null) {
                table(en.putObject("timings" + TIMING_SUFFIX), e.timings());
            }
            ArrayNode claims = en.putArray("claims");
            for (Claim cl : e.claims()) {
                ObjectNode cn = claims.addObject();
                cn.put("claim", cl.claim());
                cn.put("measured", cl.measured());
                cn.put("verdict", cl.verdict().name());
                cn.put("reason", cl.reason());
            }
            en.set("metrics", MAPPER.valueToTree(ordered(new LinkedHashMap<>(e.metrics()))));
        }
        root.set(PROVENANCE, MAPPER.valueToTree(ordered(new LinkedHashMap<>(report.provenance()))));
        return root;
    }

    /** The report's metrics.json text: two-space indent, '\n' line ends, trailing newline. */
    public static String toJson(Report report) {
        try {
            return Json.PRETTY.writeValueAsString(tree(report)) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One value as compact JSON (non-finite numbers as null). */
    static String compact(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a metrics.json text (as written by {@link #toJson}). */
    public static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A copy of a metrics.json tree without the run-dependent parts: the top-level
     * {@value #PROVENANCE} and every object key ending in {@value #TIMING_SUFFIX}, at any depth.
     * Two runs with the same config and seeds give equal results.
     */
    public static JsonNode withoutRunDependent(JsonNode tree) {
        JsonNode copy = tree.deepCopy();
        if (copy instanceof ObjectNode) {
            ((ObjectNode) copy).remove(PROVENANCE);
        }
        dropTimings(copy);
        return copy;
    }

    private static void dropTimings(JsonNode node) {
        if (node instanceof ObjectNode) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().endsWith(TIMING_SUFFIX)) {
                    it.remove();
                } else {
                    dropTimings(f.getValue());
                }
            }
        } else if (node instanceof ArrayNode) {
            node.forEach(MetricsJson::dropTimings);
        }
    }

    /**
     * The value with every map in a run-independent order: LinkedHashMaps and sorted maps keep
     * theirs; any other map (Map.of's order changes from one JVM to the next, HashMap's with its
     * capacity) is sorted by key.
     */
    static Object ordered(Object value) {
        if (value instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) value;
            boolean keepOrder = m instanceof LinkedHashMap || m instanceof SortedMap;
            Map<String, Object> out = keepOrder ? new LinkedHashMap<>() : new TreeMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), ordered(v)));
            return out;
        }
        if (value instanceof Collection) {
            List<Object> out = new ArrayList<>();
            for (Object v : (Collection<?>) value) {
                out.add(ordered(v));
            }
            return out;
        }
        return value;
    }

    private static void table(ObjectNode t, Table table) {
        table.headers().forEach(t.putArray("headers")::add);
        ArrayNode rows = t.putArray("rows");
        for (List<String> r : table.rows()) {
            r.forEach(rows.addArray()::add);
        }
    }

    private static ObjectNode chart(ExperimentResult e, Chart c) {
        ObjectNode cn = MAPPER.createObjectNode();
        cn.put("id", c.id());
        cn.put("file", ReportWriter.chartFile(e, c, "svg"));
        cn.put("title", c.title());
        cn.put("kind", c.kind().name().toLowerCase(java.util.Locale.ROOT));
        cn.put("x_label", c.xLabel());
        cn.put("y_label", c.yLabel());
        cn.put("log_x", c.logX());
        cn.put("log_y", c.logY());
        if (c.kind() == Chart.Kind.BAR) {
            c.categories().forEach(cn.putArray("categories")::add);
        }
        if (c.caption() != null) {
            cn.put("caption", c.caption());
        }
        ArrayNode series = cn.putArray("series");
        for (Series s : c.series()) {
            ObjectNode sn = series.addObject();
            sn.put("name", s.name());
            if (s.x() != null) {
                numbers(sn.putArray("x"), s.x());
            }
            numbers(sn.putArray("y"), s.y());
            if (s.hasSpread()) {
                sn.put("spread", s.spreadLabel());
                if (s.yStd() != null) {
                    numbers(sn.putArray("y_std"), s.yStd());
                }
                numbers(sn.putArray("y_lower"), s.yLower());
                numbers(sn.putArray("y_upper"), s.yUpper());
            }
        }
        return cn;
    }

    private static void numbers(ArrayNode a, double[] v) {
        for (double d : v) {
            if (Double.isFinite(d)) {
                a.add(d);
            } else {
                a.addNull();
            }
        }
    }

}
