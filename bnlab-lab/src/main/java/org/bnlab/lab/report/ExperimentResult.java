package org.bnlab.lab.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What one experiment hands to the report: what was run, its charts, an optional table, the claims
 * it tests, and raw numbers for metrics.json.
 *
 * <pre>{@code
 * ExperimentResult r = ExperimentResult.builder("figure1", "Figure 1: MNIST, with and without BN")
 *         .description("784-100-100-100-10 sigmoid MLP, SGD lr 0.5, batch 60, 50,000 steps, seeds 1-3")
 *         .chart(accuracyChart)
 *         .chart(percentileChart)
 *         .table(Table.of("model", "final accuracy").row("BN", "97.9%"))
 *         .claim(new Claim("Faster training", "...", Verdict.SUPPORTED, "..."))
 *         .metric("steps_to_95_bn", 2100)
 *         .metric("train_seconds", 412.5)      // run-dependent: the key ends in _seconds
 *         .build();
 * }</pre>
 *
 * <p>Determinism rule for metrics: every value must follow from the config and seeds alone, except
 * under keys ending in {@code _seconds} (see docs/REPORT.md). Metrics keep insertion order; nested
 * maps keep theirs if they have one (LinkedHashMap, SortedMap) and are sorted by key otherwise.
 */
public final class ExperimentResult {
    private final String name;
    private final String title;
    private final String description;
    private final List<Chart> charts;
    private final Table table;
    private final Table timings;
    private final List<Claim> claims;
    private final Map<String, Object> metrics;

    private ExperimentResult(Builder b) {
        this.name = b.name;
        this.title = b.title;
        this.description = b.description;
        this.charts = List.copyOf(b.charts);
        this.table = b.table;
        this.timings = b.timings;
        this.claims = List.copyOf(b.claims);
        this.metrics = Collections.unmodifiableMap(new LinkedHashMap<>(b.metrics));
    }

    /** {@code name} is the experiment's id (e.g. {@code figure1}): it names chart files and anchors. */
    public static Builder builder(String name, String title) {
        return new Builder(name, title);
    }

    public String name() { return name; }
    public String title() { return title; }
    public String description() { return description; }
    public List<Chart> charts() { return charts; }
    /** The table, or null. */
    public Table table() { return table; }
    /** A table of this run's wall-clock timings (run-dependent, like {@code _seconds} metrics), or null. */
    public Table timings() { return timings; }
    public List<Claim> claims() { return claims; }
    /** Raw numbers for metrics.json, in insertion order. */
    public Map<String, Object> metrics() { return metrics; }

    /** Collects an experiment's result; {@link #build()} checks it. */
    public static final class Builder {
        private final String name;
        private final String title;
        private String description = "";
        private final List<Chart> charts = new ArrayList<>();
        private Table table;
        private Table timings;
        private final List<Claim> claims = new ArrayList<>();
        private final Map<String, Object> metrics = new LinkedHashMap<>();

        private Builder(String name, String title) {
            this.name = Texts.requireId(name, "experiment name");
            this.title = Texts.requireText(title, "experiment title");
        }

        /** What was run: model, data, optimizer, steps, seeds. Blank lines separate paragraphs. */
        public Builder description(String description) {
            this.description = Objects.requireNonNull(description, "description");
            return this;
        }

        public Builder chart(Chart chart) {
            charts.add(Objects.requireNonNull(chart, "chart"));
            return this;
        }

        public Builder table(Table table) {
            this.table = table;
            return this;
        }

        /**
         * Wall-clock measurements of this run (speed), shown after the table and written to metrics.json
         * under {@code timings_seconds}: run-dependent, so outside the determinism rule. No verdict may
         * depend on them.
         */
        public Builder timings(Table timings) {
            this.timings = timings;
            return this;
        }

        public Builder claim(Claim claim) {
            claims.add(Objects.requireNonNull(claim, "claim"));
            return this;
        }

        /**
         * One raw value for metrics.json: a number, string, boolean, array, list or map of those.
         * Non-finite doubles are written as null.
         */
        public Builder metric(String key, Object value) {
            Texts.requireText(key, "metric key");
            metrics.put(key, value);
            return this;
        }

        /** All entries of {@code values}, in its order (sorted by key if it has none, like Map.of's). */
        public Builder metrics(Map<String, ?> values) {
            ((Map<?, ?>) MetricsJson.ordered(values)).forEach((k, v) -> metric((String) k, v));
            return this;
        }

        public ExperimentResult build() {
            Set<String> ids = new HashSet<>();
            for (Chart c : charts) {
                if (!ids.add(c.id())) {
                    throw new IllegalArgumentException("experiment '" + name + "' has two charts with id '" + c.id() + "'");
                }
            }
            return new ExperimentResult(this);
        }
    }
}
