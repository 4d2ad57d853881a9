package org.bnlab.lab.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws a {@link org.bnlab.lab.report.Chart} with XChart and encodes it as SVG and PNG.
 *
 * <p>Spread over seeds: on a line chart, a translucent polygon from the lower to the upper bound
 * (an XChart {@code PolygonArea} series, hidden from the legend) drawn under the mean lines; on a
 * bar chart, symmetric error bars of half-width max(upper - y, y - lower), since XChart's error bars
 * are symmetric (metrics.json keeps both bounds exactly).
 */
final class ChartRenderer {
    static {
        // Must be set before the first AWT class initializes its toolkit.
        System.setProperty("java.awt.headless", "true");
    }

    static final int WIDTH = 900;
    static final int HEIGHT = 500;
    static final int PNG_SCALE = 2;

    /** Tableau 10: distinct in colour and, for the first four, in lightness. */
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf),
    };
    private static final int BAND_ALPHA = 56;
    private static final String FONT = Font.SANS_SERIF;
    private static final float LINE_WIDTH = 2.0f;
    private static final double MAX_DECADES_LABELLED_WITHIN = 2.0;
    private static final String LOG_PATTERN = "#,##0.######";

    private ChartRenderer() {}

    /** The chart as a standalone SVG document. */
    static String svg(org.bnlab.lab.report.Chart c) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            VectorGraphicsEncoder.saveVectorGraphic(draw(c), out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The chart as PNG bytes, {@value #WIDTH}x{@value #HEIGHT} drawn at {@value #PNG_SCALE}x. */
    static byte[] png(org.bnlab.lab.report.Chart c) {
        Chart<?, ?> chart = draw(c);
        BufferedImage img = new BufferedImage(WIDTH * PNG_SCALE, HEIGHT * PNG_SCALE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.scale(PNG_SCALE, PNG_SCALE);
            chart.paint(g, WIDTH, HEIGHT);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static Chart<?, ?> draw(org.bnlab.lab.report.Chart c) {
        return c.kind() == org.bnlab.lab.report.Chart.Kind.LINE ? drawLine(c) : drawBar(c);
    }

    private static XYChart drawLine(org.bnlab.lab.report.Chart c) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(c.title()).xAxisTitle(c.xLabel()).yAxisTitle(c.yLabel()).build();
        style(chart.getStyler(), c);
        chart.getStyler().setXAxisLogarithmic(c.logX());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        List<org.bnlab.lab.report.Series> series = c.series();
        // Bands first, so every mean line is drawn over every band.
        for (int i = 0; i < series.size(); i++) {
            org.bnlab.lab.report.Series s = series.get(i);
            if (!s.hasSpread()) {
                continue;
            }
            double[][] poly = bandPolygon(s, c.logY());
            if (poly[0].length < 3) {
                continue;
            }
            Color color = colorOf(s, i);
            Color fill = new Color(color.getRed(), color.getGreen(), color.getBlue(), BAND_ALPHA);
            XYSeries band = chart.addSeries("\u0000band " + i, poly[0], poly[1]);
            band.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
            band.setFillColor(fill);
            band.setLineColor(fill);
            band.setLineStyle(SeriesLines.NONE);
            band.setMarker(SeriesMarkers.NONE);
            band.setShowInLegend(false);
        }
        for (int i = 0; i < series.size(); i++) {
            org.bnlab.lab.report.Series s = series.get(i);
            XYSeries line = chart.addSeries(s.name(), s.x(), finiteOrNaN(s.y()));
            line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            Color color = colorOf(s, i);
            line.setLineColor(color);
            line.setMarkerColor(color);
            line.setLineStyle(stroke(s.stroke()));
            line.setMarker(s.markers() ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        }
        return chart;
    }

    private static CategoryChart drawBar(org.bnlab.lab.report.Chart c) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title(c.title()).xAxisTitle(c.xLabel()).yAxisTitle(c.yLabel()).build();
        style(chart.getStyler(), c);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setLegendVisible(c.series().size() > 1);
        chart.getStyler().setErrorBarsColorSeriesColor(false);
        chart.getStyler().setErrorBarsColor(new Color(0x333333));
        List<org.bnlab.lab.report.Series> series = c.series();
        for (int i = 0; i < series.size(); i++) {
            org.bnlab.lab.report.Series s = series.get(i);
            List<Double> y = boxed(finiteOrNaN(s.y()));
            CategorySeries bars;
            if (s.hasSpread()) {
                double[] mean = s.y();
                double[] lo = s.yLower();
                double[] hi = s.yUpper();
                List<Double> err = new ArrayList<>();
                for (int k = 0; k < mean.length; k++) {
                    double e = Math.max(hi[k] - mean[k], mean[k] - lo[k]);
                    err.add(Double.isFinite(e) ? e : 0.0);
                }
                bars = chart.addSeries(s.name(), c.categories(), y, err);
            } else {
                bars = chart.addSeries(s.name(), c.categories(), y);
            }
            bars.setFillColor(colorOf(s, i));
        }
        return chart;
    }

    private static void style(AxesChartStyler st, org.bnlab.lab.report.Chart c) {
        st.setLocale(Locale.US);
        st.setYAxisLogarithmic(c.logY());
        // XChart's own patterns print 0.05 as ".05" and log ticks as "1E4". A formatting function
        // would also make XChart place ticks linearly, so log axes get a decimal pattern instead,
        // and are labelled within decades where the axis spans few enough for the labels to fit.
        if (c.logY()) {
            st.setYAxisDecimalPattern(LOG_PATTERN);
            st.setYAxisLogarithmicDecadeOnly(decades(c, false) > MAX_DECADES_LABELLED_WITHIN);
        } else {
            st.setyAxisTickLabelsFormattingFunction(ChartRenderer::tick);
        }
        if (c.logX()) {
            st.setXAxisDecimalPattern(LOG_PATTERN);
            st.setXAxisLogarithmicDecadeOnly(decades(c, true) > MAX_DECADES_LABELLED_WITHIN);
        }
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotBorderColor(new Color(0xbbbbbb));
        st.setPlotGridLinesColor(new Color(0xe6e6e6));
        st.setChartTitleBoxVisible(false);
        st.setLegendBorderColor(Color.WHITE);
        st.setLegendBackgroundColor(Color.WHITE);
        st.setChartTitleFont(new Font(FONT, Font.BOLD, 16));
        st.setAxisTitleFont(new Font(FONT, Font.PLAIN, 13));
        st.setAxisTickLabelsFont(new Font(FONT, Font.PLAIN, 12));
        st.setLegendFont(new Font(FONT, Font.PLAIN, 12));
        st.setSeriesColors(PALETTE);
        st.setAntiAlias(true);
        st.setMarkerSize(6);
        st.setToolTipsEnabled(false);
    }

    /** How many decades the positive finite values of an axis span (bands included). */
    private static double decades(org.bnlab.lab.report.Chart c, boolean xAxis) {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (org.bnlab.lab.report.Series s : c.series()) {
            for (double[] v : xAxis ? new double[][] {s.x()} : new double[][] {s.y(), s.yLower(), s.yUpper()}) {
                if (v == null) {
                    continue;
                }
                for (double d : v) {
                    if (Double.isFinite(d) && d > 0) {
                        min = Math.min(min, d);
                        max = Math.max(max, d);
                    }
                }
            }
        }
        return max > 0 ? Math.log10(max / min) : 0;
    }

    static String tick(Double v) {
        if (v == 0.0) {
            return "0";
        }
        return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    /** Lower bound left to right, then upper bound right to left: the band as one closed polygon. */
    private static double[][] bandPolygon(org.bnlab.lab.report.Series s, boolean logY) {
        double[] x = s.x();
        double[] lo = s.yLower();
        double[] hi = s.yUpper();
        List<double[]> pts = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(lo[i]) && Double.isFinite(hi[i])) {
                pts.add(new double[] {x[i], logY ? positive(lo[i], hi[i]) : lo[i], hi[i]});
            }
        }
        int n = pts.size();
        if (n < 2) {
            return new double[][] {new double[0], new double[0]};
        }
        double[] px = new double[2 * n];
        double[] py = new double[2 * n];
        for (int i = 0; i < n; i++) {
            px[i] = pts.get(i)[0];
            py[i] = pts.get(i)[1];
            px[2 * n - 1 - i] = pts.get(i)[0];
            py[2 * n - 1 - i] = pts.get(i)[2];
        }
        return new double[][] {px, py};
    }

    /** On a log axis a band reaching zero or below is clipped just under its upper bound's decade. */
    private static double positive(double lo, double hi) {
        return lo > 0 ? lo : Math.abs(hi) * 1e-3;
    }

    private static double[] finiteOrNaN(double[] v) {
        double[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            if (!Double.isFinite(out[i])) {
                out[i] = Double.NaN;
            }
        }
        return out;
    }

    private static List<Double> boxed(double[] v) {
        List<Double> out = new ArrayList<>(v.length);
        for (double d : v) {
            out.add(d);
        }
        return out;
    }

    static Color colorOf(org.bnlab.lab.report.Series s, int index) {
        return s.color() != null ? Color.decode(s.color()) : PALETTE[index % PALETTE.length];
    }

    private static BasicStroke stroke(org.bnlab.lab.report.Series.Stroke k) {
        switch (k) {
            case DASHED:
                return new BasicStroke(LINE_WIDTH, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {7f, 5f}, 0f);
            case DOTTED:
                return new BasicStroke(LINE_WIDTH, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10f, new float[] {1.5f, 4f}, 0f);
            default:
                return new BasicStroke(LINE_WIDTH, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
        }
    }
}
