package org.bnlab.lab.report;

import java.util.Arrays;
import java.util.Objects;

/**
 * One curve (line chart) or one group of bars (bar chart): a mean over seeds and, optionally, its
 * spread over seeds, drawn as a shaded band (line chart) or error bars (bar chart).
 *
 * <p>Immutable; the arrays are copied in and out. Non-finite values (a run that diverged) are allowed:
 * the chart leaves a gap and metrics.json writes {@code null}.
 *
 * <pre>{@code
 * Series bn = Series.of("BN", steps, accMean).withStd(accStd);
 * Series plain = Series.of("no BN", steps, accMean2).withBand(accMin, accMax, "min-max over seeds").dashed();
 * Series bars = Series.bars("sigmoid", fractions);          // for Chart.bar(...)
 * }</pre>
 */
public final class Series {

    /** How the mean line is stroked. */
    public enum Stroke { SOLID, DASHED, DOTTED }

    private final String name;
    private final double[] x;
    private final double[] y;
    private final double[] yStd;
    private final double[] yLower;
    private final double[] yUpper;
    private final String spreadLabel;
    private final Stroke stroke;
    private final boolean markers;
    private final String color;

    private Series(String name, double[] x, double[] y, double[] yStd, double[] yLower, double[] yUpper,
                   String spreadLabel, Stroke stroke, boolean markers, String color) {
        this.name = name;
        this.x = x;
        this.y = y;
        this.yStd = yStd;
        this.yLower = yLower;
        this.yUpper = yUpper;
        this.spreadLabel = spreadLabel;
        this.stroke = stroke;
        this.markers = markers;
        this.color = color;
    }

    /** A line-chart series: y[i] at x[i], no spread. */
    public static Series of(String name, double[] x, double[] y) {
        requireName(name);
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (x.length != y.length) {
            throw new IllegalArgumentException("series '" + name + "': x has " + x.length + " values, y has " + y.length);
        }
        return new Series(name, x.clone(), y.clone(), null, null, null, null, Stroke.SOLID, false, null);
    }

    /** A bar-chart series: y[i] is the bar of the chart's i-th category. */
    public static Series bars(String name, double[] y) {
        requireName(name);
        Objects.requireNonNull(y, "y");
        return new Series(name, null, y.clone(), null, null, null, null, Stroke.SOLID, false, null);
    }

    /** Spread as one standard deviation over seeds: the band is y - std .. y + std. */
    public Series withStd(double[] std) {
        requireLength(std, "std");
        double[] lo = new double[y.length];
        double[] hi = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            lo[i] = y[i] - std[i];
            hi[i] = y[i] + std[i];
        }
        return new Series(name, x, y, std.clone(), lo, hi, "\u00b11 std", stroke, markers, color);
    }

    /** Spread as explicit bounds (e.g. min and max over seeds); {@code label} says what they are. */
    public Series withBand(double[] lower, double[] upper, String label) {
        requireLength(lower, "lower");
        requireLength(upper, "upper");
        return new Series(name, x, y, null, lower.clone(), upper.clone(), Objects.requireNonNull(label, "label"),
                stroke, markers, color);
    }

    /** Draws the mean line dashed. */
    public Series dashed() {
        return new Series(name, x, y, yStd, yLower, yUpper, spreadLabel, Stroke.DASHED, markers, color);
    }

    /** Draws the mean line dotted. */
    public Series dotted() {
        return new Series(name, x, y, yStd, yLower, yUpper, spreadLabel, Stroke.DOTTED, markers, color);
    }

    /** Marks each point (useful for sparse sweeps such as a learning-rate ladder). */
    public Series withMarkers() {
        return new Series(name, x, y, yStd, yLower, yUpper, spreadLabel, stroke, true, color);
    }

    /** Fixes the colour, as {@code #rrggbb}; by default series take the palette in order. */
    public Series withColor(String hex) {
        if (hex == null || !hex.matches("#[0-9a-fA-F]{6}")) {
            throw new IllegalArgumentException("series '" + name + "': colour must be #rrggbb, got " + hex);
        }
        return new Series(name, x, y, yStd, yLower, yUpper, spreadLabel, stroke, markers, hex.toLowerCase());
    }

    public String name() { return name; }
    /** The x values, or null for a bar-chart series. */
    public double[] x() { return x == null ? null : x.clone(); }
    public double[] y() { return y.clone(); }
    /** The standard deviation if the spread was given with {@link #withStd}, else null. */
    public double[] yStd() { return yStd == null ? null : yStd.clone(); }
    /** Lower bound of the spread, or null without spread. */
    public double[] yLower() { return yLower == null ? null : yLower.clone(); }
    /** Upper bound of the spread, or null without spread. */
    public double[] yUpper() { return yUpper == null ? null : yUpper.clone(); }
    public boolean hasSpread() { return yLower != null; }
    /** What the spread is ("±1 std", "min-max over seeds"), or null without spread. */
    public String spreadLabel() { return spreadLabel; }
    public Stroke stroke() { return stroke; }
    public boolean markers() { return markers; }
    /** The fixed colour {@code #rrggbb}, or null for the palette's. */
    public String color() { return color; }
    public int size() { return y.length; }

    boolean isBars() { return x == null; }

    private void requireLength(double[] a, String what) {
        Objects.requireNonNull(a, what);
        if (a.length != y.length) {
            throw new IllegalArgumentException("series '" + name + "': " + what + " has " + a.length
                    + " values, y has " + y.length);
        }
    }

    private static void requireName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("series name must not be blank");
        }
    }

    @Override
    public String toString() {
        return "Series[" + name + ", n=" + y.length + (hasSpread() ? ", spread=" + spreadLabel : "")
                + ", y=" + Arrays.toString(y) + "]";
    }
}
