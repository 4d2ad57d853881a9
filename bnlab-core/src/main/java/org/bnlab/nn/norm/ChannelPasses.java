package org.bnlab.nn.norm;

import org.bnlab.kernel.BatchNormKernel;
import org.bnlab.kernel.KernelProvider;
import org.bnlab.kernel.Parallel;

/**
 * The passes of batch normalization over one view of a [N, C] or [N, C, H, W] array (samples
 * [n0, n0 + n), from element {@code off = n0*C*s}; see {@link BatchNormKernel}), each a walk of the
 * view in memory order split over threads by samples.
 *
 * <pre>
 *   meanVar:       shift[c] = mean of the first values of channel c (about 64);
 *                  per chunk g: S1[g][c] = sum (x - shift), S2[g][c] = sum (x - shift)^2      (one read of x)
 *                  S1, S2 = the chunks' sums added in chunk order;  d = S1/m
 *                  mean = shift + d,  var = S2/m - d^2   when d^2 <= var, else the two-pass kernel
 *   normalize:     y = (x - mean) * alpha + beta                                        (read x, write y)
 *   affine:        y = x * alpha + bias, one FMA (eval, folded coefficients)            (read x, write y)
 *   backwardSums:  sumDy = sum dy, sumDyXmu = sum dy (x - mean), chunk sums in chunk order (read x, dy)
 *   backwardInput: dx = a * (dy - meanDy - (x - mean) * k);  scale: dx = a * dy   (read x, dy, write dx)
 * </pre>
 *
 * <p>Determinism: the view is cut into chunks of a fixed number of samples (about
 * {@value #CHUNK_ELEMENTS} values, a function of the shape only); each chunk's per-channel sums go
 * to their own row and the rows are added in chunk order, so the results are bit-identical for any
 * thread count. Threads take contiguous runs of chunks, at least {@value #PART_MIN_ELEMENTS} values
 * each, so a small call stays on one thread.
 *
 * <p>Numerics: one pass of shifted sums loses to cancellation a factor of about {@code 1 + d^2/var}
 * of the float accumulation's accuracy (~1e-7); the check {@code d^2 <= var} keeps that loss within a
 * factor 2, as in the two-pass formula. The shift, the mean of a sample's first values, is within a
 * fraction of a standard deviation of the mean unless the batch is far from stationary; the channels
 * that fail the check (and those with NaN, Inf or float overflow) are recomputed by the exact
 * two-pass {@link BatchNormKernel#stats}.
 *
 * <p>Every pass walks its chunks forward, in memory order. (The elementwise passes used to walk them
 * backward, so that what a reduction read last, still cached, would be read first: on a Zen 5 core
 * with 39 GB/s of memory bandwidth that cost 6-9% on a 67 MB tensor, [256,64,32,32], 1 thread: forward
 * -train 5.03-5.45 vs 4.80-4.92 ms, forward-eval 3.07-3.23 vs 2.91-3.00, backward 8.97-9.36 vs
 * 7.98-8.70 in alternating JVMs, and no gain on a 6.4 MB one. The prefetchers follow an ascending
 * walk across chunk boundaries; a descending chunk order breaks the stream at each.)
 *
 * <p>A workspace: the chunk sums and the call being run (read by the parallel tasks) are fields, so
 * one instance serves one call at a time. Each {@link BatchNormOp.Saved} owns one, so different
 * layers never share it and run concurrently; nothing is allocated after the first call on a shape.
 */
final class ChannelPasses {
    /** Values per chunk of samples (256 KB of floats; at least one sample). */
    private static final int CHUNK_ELEMENTS = 1 << 16;
    /** Fewest values a thread takes: below that, the fork and join cost more than they save. */
    private static final int PART_MIN_ELEMENTS = 1 << 17;
    /** Values per channel the shift is the mean of (whole samples, at least one). */
    private static final int SHIFT_VALUES = 64;

    private final int channels;
    private final BatchNormKernel kernel = KernelProvider.get().batchNorm();
    private final float[] shift;
    private final double[] shiftSum;
    private final double[] shiftSumSq;
    /** Per chunk and channel: the chunk's two sums (statistics, or backward). */
    private double[][] partA = new double[0][];
    private double[][] partB = new double[0][];

    // The call being run by the parallel tasks (set before Parallel.forRange, read inside).
    private float[] curX;
    private float[] curY;
    private float[] curDy;
    private float[] curMeanHi;
    private float[] curMeanLo;
    private float[] curAlpha;
    private float[] curBeta;
    private float[] curMeanDy;
    private float[] curK;
    private int curOff;
    private int curN;
    private int curS;
    private int curChunk;
    private final Parallel.RangeTask sumsTask = this::sumsRange;
    private final Parallel.RangeTask backwardSumsTask = this::backwardSumsRange;
    private final Parallel.RangeTask normalizeTask = this::normalizeRange;
    private final Parallel.RangeTask affineTask = this::affineRange;
    private final Parallel.RangeTask backwardInputTask = this::backwardInputRange;
    private final Parallel.RangeTask scaleTask = this::scaleRange;

    ChannelPasses(int channels) {
        this.channels = channels;
        shift = new float[channels];
        shiftSum = new double[channels];
        shiftSumSq = new double[channels];
    }

    /** Batch mean and biased variance of the view (m = n*s >= 1); NaN for a channel with NaN or Inf. */
    void meanVar(float[] x, int off, int n, int s, double[] mean, double[] var) {
        // shift = mean of the first samples (about SHIFT_VALUES values per channel), shifted by their first value
        int first = Math.min(n, Math.max(1, (SHIFT_VALUES + s - 1) / s));
        for (int c = 0; c < channels; c++) {
            shift[c] = x[off + c * s];
        }
        kernel.shiftedSums(x, off, first, channels, s, 0, channels, shift, shiftSum, shiftSumSq);
        for (int c = 0; c < channels; c++) {
            shift[c] = (float) (shift[c] + shiftSum[c] / ((double) first * s));
        }
        int chunks = begin(x, null, off, n, s);
        try {
            Parallel.forRange(chunks, grain(s), sumsTask);
        } finally {
            end();
        }
        merge(chunks, mean, var);
        double m = (double) n * s;
        for (int c = 0; c < channels; c++) {
            double s1 = mean[c];
            double s2 = var[c];
            double d = s1 / m;
            double v = s2 / m - d * d;
            // d^2 <= v also rejects NaN and a variance lost to cancellation (v < 0)
            if (Double.isFinite(s2) && d * d <= v) {
                mean[c] = shift[c] + d;
                var[c] = v;
            } else {
                kernel.stats(x, off, n, channels, s, c, c + 1, mean, var);
            }
        }
    }

    /** y = (x - (meanHi + meanLo)) * alpha + beta. */
    void normalize(float[] x, float[] y, int off, int n, int s, float[] meanHi, float[] meanLo, float[] alpha, float[] beta) {
        int chunks = begin(x, y, off, n, s);
        curMeanHi = meanHi;
        curMeanLo = meanLo;
        curAlpha = alpha;
        curBeta = beta;
        try {
            Parallel.forRange(chunks, grain(s), normalizeTask);
        } finally {
            end();
        }
    }

    /** y = x * alpha + bias (one FMA). */
    void affine(float[] x, float[] y, int off, int n, int s, float[] alpha, float[] bias) {
        int chunks = begin(x, y, off, n, s);
        curAlpha = alpha;
        curBeta = bias;
        try {
            Parallel.forRange(chunks, grain(s), affineTask);
        } finally {
            end();
        }
    }

    /** sumDy = sum dy, sumDyXmu = sum dy * (x - (meanHi + meanLo)); not finite where the input is not. */
    void backwardSums(float[] x, float[] dy, int off, int n, int s, float[] meanHi, float[] meanLo,
                      double[] sumDy, double[] sumDyXmu) {
        int chunks = begin(x, null, off, n, s);
        curDy = dy;
        curMeanHi = meanHi;
        curMeanLo = meanLo;
        try {
            Parallel.forRange(chunks, grain(s), backwardSumsTask);
        } finally {
            end();
        }
        merge(chunks, sumDy, sumDyXmu);
    }

    /** a[c] = sum over chunks g of partA[g][c], b[c] likewise from partB: added in chunk order, row by row. */
    private void merge(int chunks, double[] a, double[] b) {
        java.util.Arrays.fill(a, 0, channels, 0.0);
        java.util.Arrays.fill(b, 0, channels, 0.0);
        for (int g = 0; g < chunks; g++) {
            double[] pa = partA[g];
            double[] pb = partB[g];
            for (int c = 0; c < channels; c++) {
                a[c] += pa[c];
                b[c] += pb[c];
            }
        }
    }

    /** dx = a * (dy - meanDy - (x - (meanHi + meanLo)) * k). */
    void backwardInput(float[] x, float[] dy, float[] dx, int off, int n, int s,
                       float[] meanHi, float[] meanLo, float[] a, float[] meanDy, float[] k) {
        int chunks = begin(x, dx, off, n, s);
        curDy = dy;
        curMeanHi = meanHi;
        curMeanLo = meanLo;
        curAlpha = a;
        curMeanDy = meanDy;
        curK = k;
        try {
            Parallel.forRange(chunks, grain(s), backwardInputTask);
        } finally {
            end();
        }
    }

    /** dx = a * dy. */
    void scale(float[] dy, float[] dx, int off, int n, int s, float[] a) {
        int chunks = begin(dy, dx, off, n, s);
        curAlpha = a;
        try {
            Parallel.forRange(chunks, grain(s), scaleTask);
        } finally {
            end();
        }
    }

    /** Sets the call's fields; returns the number of chunks, with a sum row for each. */
    private int begin(float[] x, float[] y, int off, int n, int s) {
        curX = x;
        curY = y;
        curOff = off;
        curN = n;
        curS = s;
        curChunk = Math.max(1, CHUNK_ELEMENTS / (channels * s));
        int chunks = (n + curChunk - 1) / curChunk;
        if (partA.length < chunks) {
            partA = new double[chunks][channels];
            partB = new double[chunks][channels];
        }
        return chunks;
    }

    private void end() {
        curX = null;
        curY = null;
        curDy = null;
        curMeanHi = null;
        curMeanLo = null;
        curAlpha = null;
        curBeta = null;
        curMeanDy = null;
        curK = null;
    }

    /** Chunks per thread: at least PART_MIN_ELEMENTS values. */
    private int grain(int s) {
        long chunkElements = (long) curChunk * channels * s;
        return (int) Math.max(1, (PART_MIN_ELEMENTS + chunkElements - 1) / chunkElements);
    }

    private int chunkOff(int g) {
        return curOff + g * curChunk * channels * curS;
    }

    private int chunkN(int g) {
        return Math.min(curN, (g + 1) * curChunk) - g * curChunk;
    }

    private void sumsRange(int g0, int g1) {
        for (int g = g0; g < g1; g++) {
            kernel.shiftedSums(curX, chunkOff(g), chunkN(g), channels, curS, 0, channels, shift, partA[g], partB[g]);
        }
    }

    private void backwardSumsRange(int g0, int g1) {
        for (int g = g0; g < g1; g++) {
            kernel.backwardSums(curX, curDy, chunkOff(g), chunkN(g), channels, curS, 0, channels,
                    curMeanHi, curMeanLo, partA[g], partB[g]);
        }
    }

    private void normalizeRange(int g0, int g1) {
        for (int g = g0; g < g1; g++) {
            kernel.normalize(curX, curY, chunkOff(g), chunkN(g), channels, curS, 0, channels, curMeanHi, curMeanLo, curAlpha, curBeta);
        }
    }

    private void affineRange(int g0, int g1) {
        for (int g = g0; g < g1; g++) {
            kernel.affine(curX, curY, chunkOff(g), chunkN(g), channels, curS, 0, channels, curAlpha, curBeta);
        }
    }

    private void backwardInputRange(int g0, int g1) {
        for (int g = g0; g < g1; g++) {
            kernel.backwardInput(curX, curDy, curY, chunkOff(g), chunkN(g), channels, curS, 0, channels,
                    curMeanHi, curMeanLo, curAlpha, curMeanDy, curK);
        }
    }

    /** curX holds dy here. */
    private void scaleRange(int g0, int g1) {
        for (int g = g0; g < g1; g++) {
            kernel.scale(curX, curY, chunkOff(g), chunkN(g), channels, curS, 0, channels, curAlpha);
        }
    }
}
