package org.bnlab.lab.report;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One figure of the report: a line chart over numeric x, or a bar chart over named categories.
 * Built once and immutable.
 *
 * <pre>{@code
 * Chart acc = Chart.line("accuracy", "Test accuracy vs training steps")
 *         .axes("training step", "test accuracy")
 *         .add(Series.of("BN", steps, bnMean).withStd(bnStd))
 *         .add(Series.of("no BN", steps, plainMean).withStd(plainStd).dashed())
 *         .caption("Mean of 3 seeds; band: \u00b11 std.")
 *         .build();
 * Chart sat = Chart.bar("saturation", "Saturated sigmoid units", List.of("no BN", "BN"))
 *         .axes("network", "fraction with |x| > 5")
 *         .add(Series.bars("after 1k steps", new double[] {0.41, 0.02}))
 *         .build();
 * }</pre>
 */
public final class Chart {

    /** Line: numeric x, one curve per series. Bar: one bar per category and series. */
    public enum Kind { LINE, BAR }

    private final String id;
    private final String title;
    private final Kind kind;
    private final String xLabel;
    private final String yLabel;
    private final boolean logX;
    private final boolean logY;
    private final List<String> categories;
    private final List<Series> series;
    private final String caption;

    private Chart(Builder b) {
        this.id = b.id;
        this.title = b.title;
        this.kind = b.kind;
        this.xLabel = b.xLabel;
        this.yLabel = b.yLabel;
        this.logX = b.logX;
        this.logY = b.logY;
        this.categories = b.categories;
        this.series = List.copyOf(b.series);
        this.caption = b.caption;
    }

    /** A line chart; {@code id} becomes part of the file names, so letters, digits, '-', '_', '.'. */
    public static Builder line(String id, String title) {
        return new Builder(id, title, Kind.LINE, null);
    }

    /** A bar chart with one group of bars per category, in the given order. */
    public static Builder bar(String id, String title, List<String> categories) {
        Objects.requireNonNull(categories, "categories");
        if (categories.isEmpty()) {
            throw new IllegalArgumentException("bar chart '" + id + "' needs at least one category");
        }
        return new Builder(id, title, Kind.BAR, List.copyOf(categories));
    }

    public String id() { return id; }
    public String title() { return title; }
    public Kind kind() { return kind; }
    public String xLabel() { return xLabel; }
    public String yLabel() { return yLabel; }
    public boolean logX() { return logX; }
    public boolean logY() { return logY; }
    /** The categories of a bar chart; empty for a line chart. */
    public List<String> categories() { return categories == null ? List.of() : categories; }
    public List<Series> series() { return series; }
    /** The caption, or null. */
    public String caption() { return caption; }

    /** Collects a chart's parts; {@link #build()} checks them. */
    public static final class Builder {
        private final String id;
        private final String title;
        private final Kind kind;
        private final List<String> categories;
        private final List<Series> series = new ArrayList<>();
        private String xLabel = "";
        private String yLabel = "";
        private boolean logX;
        private boolean logY;
        private String caption;

        private Builder(String id, String title, Kind kind, List<String> categories) {
            this.id = Texts.requireId(id, "chart id");
            this.title = Texts.requireText(title, "chart title");
            this.kind = kind;
            this.categories = categories;
        }

        public Builder axes(String xLabel, String yLabel) {
            this.xLabel = Objects.requireNonNull(xLabel, "xLabel");
            this.yLabel = Objects.requireNonNull(yLabel, "yLabel");
            return this;
        }

        /** Logarithmic x axis (line charts only); every x must then be positive. */
        public Builder logX() {
            this.logX = true;
            return this;
        }

        /** Logarithmic y axis; every finite y must then be positive (bands are clipped to the axis). */
        public Builder logY() {
            this.logY = true;
            return this;
        }

        public Builder add(Series s) {
            series.add(Objects.requireNonNull(s, "series"));
            return this;
        }

        public Builder caption(String caption) {
            this.caption = caption;
            return this;
        }

        public Chart build() {
            if (series.isEmpty()) {
                throw new IllegalArgumentException("chart '" + id + "' has no series");
            }
            if (kind == Kind.BAR && logX) {
                throw new IllegalArgumentException("bar chart '" + id + "' cannot have a log x axis");
            }
            Set<String> names = new HashSet<>();
            for (Series s : series) {
                if (!names.add(s.name())) {
                    throw new IllegalArgumentException("chart '" + id + "' has two series named '" + s.name() + "'");
                }
                if (kind == Kind.LINE && s.isBars()) {
                    throw new IllegalArgumentException("line chart '" + id + "': series '" + s.name()
                            + "' has no x values (use Series.of, not Series.bars)");
                }
                if (kind == Kind.BAR && s.size() != categories.size()) {
                    throw new IllegalArgumentException("bar chart '" + id + "': series '" + s.name() + "' has "
                            + s.size() + " values for " + categories.size() + " categories");
                }
                if (logX) {
                    requirePositive(s.x(), s, "x");
                }
                if (logY) {
                    requirePositive(s.y(), s, "y");
                }
            }
            return new Chart(this);
        }

        private void requirePositive(double[] v, Series s, String axis) {
            for (double d : v) {
                if (Double.isFinite(d) && d <= 0) {
                    throw new IllegalArgumentException("chart '" + id + "' has a log " + axis + " axis but series '"
                            + s.name() + "' has " + axis + " = " + d);
                }
            }
        }
    }
}
