package org.bnlab.lab;

import java.util.Arrays;
import java.util.List;

/** Mean and spread over seeds, element by element; NaN (a diverged run) propagates honestly. */
public final class Stats {
    private Stats() {}

    public static double[] mean(List<double[]> runs) {
        int n = runs.get(0).length;
        double[] m = new double[n];
        for (double[] r : runs) {
            for (int i = 0; i < n; i++) {
                m[i] += r[i] / runs.size();
            }
        }
        return m;
    }

    /** Sample standard deviation (0 for a single run). */
    public static double[] std(List<double[]> runs) {
        double[] m = mean(runs);
        double[] s = new double[m.length];
        if (runs.size() < 2) {
            return s;
        }
        for (double[] r : runs) {
            for (int i = 0; i < m.length; i++) {
                double d = r[i] - m[i];
                s[i] += d * d / (runs.size() - 1);
            }
        }
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.sqrt(s[i]);
        }
        return s;
    }

    public static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    public static double std(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    /** The median (mean of the two middle values for an even count), or NaN for no values. */
    public static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        int h = s.length / 2;
        return s.length % 2 == 1 ? s[h] : (s[h - 1] + s[h]) / 2;
    }

    public static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    public static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }

    /** The p-th percentile (0..100) by linear interpolation, as numpy's default. */
    public static double percentile(float[] values, int from, int to, int stride, double p, double[] scratch) {
        int n = 0;
        for (int i = from; i < to; i += stride) {
            scratch[n++] = values[i];
        }
        Arrays.sort(scratch, 0, n);
        double rank = p / 100 * (n - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(n - 1, lo + 1);
        return scratch[lo] + (rank - lo) * (scratch[hi] - scratch[lo]);
    }

    /** First x where y reaches target, or NaN if it never does. */
    public static double firstReach(double[] x, double[] y, double target) {
        for (int i = 0; i < y.length; i++) {
            if (y[i] >= target) {
                return x[i];
            }
        }
        return Double.NaN;
    }
}
