package org.bnlab.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API batch normalization. Two layouts, chosen by s:
 * <ul>
 *   <li>s > 1 (convolutional, channels-first): a channel is n contiguous runs of s floats; vectors run
 *       along s. Sums are kept in float vector lanes for at most {@value #FLUSH} elements, then added
 *       into a double (PyTorch accumulates in double too); that bounds the float error to ~1e-6.</li>
 *   <li>s = 1 (dense [N, C]): a channel is a column; vectors run across channels, one lane per
 *       channel; float lanes are flushed into double sums every {@value #DENSE_FLUSH} rows.</li>
 * </ul>
 * Both walk the view in memory order (see {@link BatchNormKernel}), except {@link #stats}: the exact
 * two-pass statistics of one channel at a time, which the layers call only for channels whose
 * one-pass {@link #shiftedSums} are ill-conditioned. Pass 1 finds the mean approximately (shifted by
 * the first value), pass 2 sums e = x - float(mean1) and e^2, which refines the mean and gives the
 * variance without cancellation. If float sums overflow (|x| ~ 1e30), the channel is recomputed by
 * the scalar double-precision kernel.
 */
final class BatchNormVector implements BatchNormKernel {
    private static final VectorSpecies<Float> F = Lanes.FLOAT; // operator caches filled first, see Lanes
    private static final int L = F.length();
    /** Elements summed in float lanes before the partial sums are added into a double. */
    private static final int FLUSH = 1024;

    /**
     * Rows of a dense pass that writes an output (normalize, affine, input gradient) in flight at once:
     * 1, or 2 (4 for the input gradient, each channel's coefficient vectors loaded once for them; the
     * same operations per value, so the same bits). Measured on [1024, 1024], 1 thread: on an AMD EPYC
     * (Zen 5) the multi-row loops made forward-train 0.29-0.31 -> 0.21-0.24 ms and backward 0.33-0.37
     * -> 0.30-0.33; on an Intel Xeon (family 6 model 207) they ran at 0.6-0.95x of one row's speed at
     * most placements of the arrays (eval 0.58-0.60 against 0.32 ms; one row is at a plain stream's
     * speed everywhere; neither the coefficient loads nor the subnormal flush is the cause). So
     * several rows on AMD CPUs, one elsewhere; {@code -Dbnlab.bn.denseRows=1|2} chooses.
     */
    static final int DENSE_ROWS = denseRowsDefault();

    private final BatchNormScalar reference = new BatchNormScalar();
    private final int denseRows;

    BatchNormVector() {
        this(DENSE_ROWS);
    }

    /** With {@code denseRows} rows in flight in the dense output passes (1 or 2; tests run both). */
    BatchNormVector(int denseRows) {
        if (denseRows != 1 && denseRows != 2) {
            throw new IllegalArgumentException("BatchNormVector: denseRows must be 1 or 2, got " + denseRows);
        }
        this.denseRows = denseRows;
    }

    private static int denseRowsDefault() {
        String p = System.getProperty("bnlab.bn.denseRows");
        if (p == null) {
            return CpuInfo.vendor().equals("AuthenticAMD") ? 2 : 1;
        }
        switch (p.trim()) {
            case "1":
                return 1;
            case "2":
                return 2;
            default:
                throw new IllegalArgumentException("system property bnlab.bn.denseRows: expected 1 or 2, got '" + p + "'");
        }
    }

    // ---------------------------------------------------------------- statistics

    @Override
    public void stats(float[] x, int off, int n, int C, int s, int c0, int c1, double[] mean, double[] var) {
        if (s == 1) {
            statsDense(x, off, n, C, c0, c1, mean, var);
            return;
        }
        double m = (double) n * s;
        for (int c = c0; c < c1; c++) {
            float k1 = x[off + c * s];
            double approx = k1 + sumShifted(x, off, n, C, s, c, k1) / m;
            boolean ok = Double.isFinite(approx);
            if (ok) {
                float k2 = (float) approx;
                // e = x - k2: s1 = sum e, s2 = sum e^2 (inlined: two results)
                FloatVector kv = FloatVector.broadcast(F, k2);
                double s1 = 0;
                double s2 = 0;
                for (int i = 0; i < n; i++) {
                    int base = off + (i * C + c) * s;
                    int j = 0;
                    while (j < s) {
                        int end = Math.min(s, j + FLUSH);
                        FloatVector a1 = FloatVector.zero(F);
                        FloatVector b1 = FloatVector.zero(F);
                        FloatVector a2 = FloatVector.zero(F);
                        FloatVector b2 = FloatVector.zero(F);
                        for (; j + 2 * L <= end; j += 2 * L) {
                            FloatVector e = FloatVector.fromArray(F, x, base + j).sub(kv);
                            FloatVector f = FloatVector.fromArray(F, x, base + j + L).sub(kv);
                            a1 = a1.add(e);
                            b1 = b1.add(f);
                            a2 = e.fma(e, a2);
                            b2 = f.fma(f, b2);
                        }
                        for (; j + L <= end; j += L) {
                            FloatVector e = FloatVector.fromArray(F, x, base + j).sub(kv);
                            a1 = a1.add(e);
                            a2 = e.fma(e, a2);
                        }
                        float[] lanes = Lanes.buffer(); // fetched per run: hoisted out of the loops, [256,64,32,32] ran 6-10% slower
                        a1.add(b1).intoArray(lanes, 0);
                        float t1 = Lanes.sumLanes(lanes, 0);
                        a2.add(b2).intoArray(lanes, 0);
                        float t2 = Lanes.sumLanes(lanes, 0);
                        for (; j < end; j++) {
                            float e = x[base + j] - k2;
                            t1 += e;
                            t2 = Math.fma(e, e, t2);
                        }
                        s1 += t1;
                        s2 += t2;
                    }
                }
                double mu = s1 / m;
                double v = s2 / m - mu * mu;
                mean[c] = k2 + mu;
                var[c] = Math.max(0.0, v);
                ok = Double.isFinite(s1) && Double.isFinite(s2);
            }
            if (!ok) {
                // Overflow in float lanes (|x| near 1e30) or a NaN/Inf: the double kernel decides.
                reference.stats(x, off, n, C, s, c, c + 1, mean, var);
            }
        }
    }

    @Override
    public void shiftedSums(float[] x, int off, int n, int C, int s, int c0, int c1,
                            float[] shift, double[] sum, double[] sumSq) {
        if (s == 1) {
            shiftedSumsDense(x, off, n, C, c0, c1, shift, sum, sumSq);
            return;
        }
        java.util.Arrays.fill(sum, c0, c1, 0.0);
        java.util.Arrays.fill(sumSq, c0, c1, 0.0);
        for (int i = 0; i < n; i++) {
            for (int c = c0; c < c1; c++) {
                int base = off + (i * C + c) * s;
                float k = shift[c];
                FloatVector kv = FloatVector.broadcast(F, k);
                int j = 0;
                while (j < s) {
                    int end = Math.min(s, j + FLUSH);
                    FloatVector a1 = FloatVector.zero(F);
                    FloatVector b1 = FloatVector.zero(F);
                    FloatVector a2 = FloatVector.zero(F);
                    FloatVector b2 = FloatVector.zero(F);
                    // e = x - shift: sum e, sum e^2
                    for (; j + 2 * L <= end; j += 2 * L) {
                        FloatVector e = FloatVector.fromArray(F, x, base + j).sub(kv);
                        FloatVector f = FloatVector.fromArray(F, x, base + j + L).sub(kv);
                        a1 = a1.add(e);
                        b1 = b1.add(f);
                        a2 = e.fma(e, a2);
                        b2 = f.fma(f, b2);
                    }
                    for (; j + L <= end; j += L) {
                        FloatVector e = FloatVector.fromArray(F, x, base + j).sub(kv);
                        a1 = a1.add(e);
                        a2 = e.fma(e, a2);
                    }
                    float[] lanes = Lanes.buffer();
                    a1.add(b1).intoArray(lanes, 0);
                    float t1 = Lanes.sumLanes(lanes, 0);
                    a2.add(b2).intoArray(lanes, 0);
                    float t2 = Lanes.sumLanes(lanes, 0);
                    for (; j < end; j++) {
                        float e = x[base + j] - k;
                        t1 += e;
                        t2 = Math.fma(e, e, t2);
                    }
                    sum[c] += t1;
                    sumSq[c] += t2;
                }
            }
        }
    }

    /**
     * Dense shifted sums: rows in order, per-channel float accumulators (a row of scratch, in L1)
     * flushed into the double sums every {@value #DENSE_FLUSH} rows. Four rows go into the
     * accumulators at a time: one load and one store of each accumulator per four rows of x, so the
     * loop runs at the speed x streams in rather than at the speed of the accumulator traffic.
     */
    private static void shiftedSumsDense(float[] x, int off, int n, int C, int c0, int c1,
                                         float[] shift, double[] sum, double[] sumSq) {
        int w = c1 - c0;
        float[] t = scratch(2 * w);
        // t[0, w): sums of the shifted values; t[w, 2w): sums of their squares
        java.util.Arrays.fill(t, 0, 2 * w, 0f);
        java.util.Arrays.fill(sum, c0, c1, 0.0);
        java.util.Arrays.fill(sumSq, c0, c1, 0.0);
        int i = 0;
        while (i < n) {
            int end = Math.min(n, i + DENSE_FLUSH);
            for (; i + 4 <= end; i += 4) {
                int r0 = off + i * C + c0;
                int r1 = r0 + C;
                int r2 = r1 + C;
                int r3 = r2 + C;
                int v = 0;
                // e = x - shift over four rows: sum e, sum e^2
                for (; v + L <= w; v += L) {
                    FloatVector k = FloatVector.fromArray(F, shift, c0 + v);
                    FloatVector e0 = FloatVector.fromArray(F, x, r0 + v).sub(k);
                    FloatVector e1 = FloatVector.fromArray(F, x, r1 + v).sub(k);
                    FloatVector e2 = FloatVector.fromArray(F, x, r2 + v).sub(k);
                    FloatVector e3 = FloatVector.fromArray(F, x, r3 + v).sub(k);
                    FloatVector.fromArray(F, t, v).add(e0.add(e1).add(e2.add(e3))).intoArray(t, v);
                    e0.fma(e0, e1.fma(e1, e2.fma(e2, e3.fma(e3, FloatVector.fromArray(F, t, w + v))))).intoArray(t, w + v);
                }
                for (; v < w; v++) {
                    float k = shift[c0 + v];
                    float e0 = x[r0 + v] - k;
                    float e1 = x[r1 + v] - k;
                    float e2 = x[r2 + v] - k;
                    float e3 = x[r3 + v] - k;
                    t[v] += (e0 + e1) + (e2 + e3);
                    t[w + v] = Math.fma(e0, e0, Math.fma(e1, e1, Math.fma(e2, e2, Math.fma(e3, e3, t[w + v]))));
                }
            }
            for (; i < end; i++) {
                int row = off + i * C + c0;
                int v = 0;
                for (; v + L <= w; v += L) {
                    FloatVector e = FloatVector.fromArray(F, x, row + v).sub(FloatVector.fromArray(F, shift, c0 + v));
                    FloatVector.fromArray(F, t, v).add(e).intoArray(t, v);
                    e.fma(e, FloatVector.fromArray(F, t, w + v)).intoArray(t, w + v);
                }
                for (; v < w; v++) {
                    float e = x[row + v] - shift[c0 + v];
                    t[v] += e;
                    t[w + v] = Math.fma(e, e, t[w + v]);
                }
            }
            flushInto(t, 0, sum, c0, w);
            flushInto(t, w, sumSq, c0, w);
        }
    }

    /** sum over the channel of (x - k), float lanes flushed into a double. */
    private static double sumShifted(float[] x, int off, int n, int C, int s, int c, float k) {
        FloatVector kv = FloatVector.broadcast(F, k);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int base = off + (i * C + c) * s;
            int j = 0;
            while (j < s) {
                int end = Math.min(s, j + FLUSH);
                FloatVector a = FloatVector.zero(F);
                FloatVector b = FloatVector.zero(F);
                for (; j + 2 * L <= end; j += 2 * L) {
                    a = a.add(FloatVector.fromArray(F, x, base + j).sub(kv));
                    b = b.add(FloatVector.fromArray(F, x, base + j + L).sub(kv));
                }
                for (; j + L <= end; j += L) {
                    a = a.add(FloatVector.fromArray(F, x, base + j).sub(kv));
                }
                float[] lanes = Lanes.buffer();
                a.add(b).intoArray(lanes, 0);
                float t = Lanes.sumLanes(lanes, 0);
                for (; j < end; j++) {
                    t += x[base + j] - k;
                }
                sum += t;
            }
        }
        return sum;
    }

    /** Rows summed in float before the dense kernels flush into their double per-channel sums. */
    private static final int DENSE_FLUSH = 64;
    /** Per-thread accumulator rows for the dense kernels here and in GroupNormVector (grown once, then reused). */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    static float[] scratch(int size) {
        float[][] holder = SCRATCH.get();
        if (holder[0].length < size) {
            holder[0] = new float[size];
        }
        return holder[0];
    }

    /**
     * Dense [n, C]: a channel is a column. The rows are read in order, as PyTorch's channels-last
     * kernel does: each row's run [c0, c1) is contiguous, and per-channel float accumulators (a row
     * of scratch, in L1) collect the sums; every {@value #DENSE_FLUSH} rows they are added into the
     * double arrays {@code mean}/{@code var}. Walking a column instead jumps one row (4 KB for C = 1024)
     * per element, which the hardware prefetcher does not follow across pages: measured 1.5 ms
     * against 0.67 ms for PyTorch on [1024, 1024]. Same two passes as the channels-first kernel; a
     * channel whose float sums overflow or see NaN/Inf is recomputed by the scalar double kernel.
     */
    private void statsDense(float[] x, int off, int n, int C, int c0, int c1, double[] mean, double[] var) {
        int w = c1 - c0;
        float[] t = scratch(4 * w);
        // t[0, w): first row (shift of pass 1); t[w, 2w): approximate mean (shift of pass 2);
        // t[2w, 3w): sums of the shifted values; t[3w, 4w): sums of their squares
        System.arraycopy(x, off + c0, t, 0, w);
        java.util.Arrays.fill(mean, c0, c1, 0.0);
        java.util.Arrays.fill(var, c0, c1, 0.0);
        java.util.Arrays.fill(t, 2 * w, 4 * w, 0f);
        for (int i = 0; i < n; i++) {
            int row = off + i * C + c0;
            int v = 0;
            for (; v + L <= w; v += L) {
                FloatVector.fromArray(F, t, 2 * w + v)
                        .add(FloatVector.fromArray(F, x, row + v).sub(FloatVector.fromArray(F, t, v)))
                        .intoArray(t, 2 * w + v);
            }
            for (; v < w; v++) {
                t[2 * w + v] += x[row + v] - t[v];
            }
            if ((i + 1) % DENSE_FLUSH == 0 || i == n - 1) {
                flushInto(t, 2 * w, mean, c0, w);
            }
        }
        double m = n;
        for (int v = 0; v < w; v++) {
            t[w + v] = (float) (t[v] + mean[c0 + v] / m);
        }
        java.util.Arrays.fill(mean, c0, c1, 0.0);
        for (int i = 0; i < n; i++) {
            int row = off + i * C + c0;
            int v = 0;
            for (; v + L <= w; v += L) {
                FloatVector e = FloatVector.fromArray(F, x, row + v).sub(FloatVector.fromArray(F, t, w + v));
                FloatVector.fromArray(F, t, 2 * w + v).add(e).intoArray(t, 2 * w + v);
                e.fma(e, FloatVector.fromArray(F, t, 3 * w + v)).intoArray(t, 3 * w + v);
            }
            for (; v < w; v++) {
                float e = x[row + v] - t[w + v];
                t[2 * w + v] += e;
                t[3 * w + v] = Math.fma(e, e, t[3 * w + v]);
            }
            if ((i + 1) % DENSE_FLUSH == 0 || i == n - 1) {
                flushInto(t, 2 * w, mean, c0, w);
                flushInto(t, 3 * w, var, c0, w);
            }
        }
        for (int v = 0; v < w; v++) {
            int c = c0 + v;
            double mu = mean[c] / m;
            double vv = var[c] / m - mu * mu;
            double mm = t[w + v] + mu;
            if (Double.isFinite(mm) && Double.isFinite(vv) && Double.isFinite(var[c])) {
                mean[c] = mm;
                var[c] = Math.max(0.0, vv);
            } else {
                reference.stats(x, off, n, C, 1, c, c + 1, mean, var);
            }
        }
    }

    /** sums[c0 + v] += t[off + v] for v in [0, w), then t[off, off + w) = 0. */
    static void flushInto(float[] t, int off, double[] sums, int c0, int w) {
        for (int v = 0; v < w; v++) {
            sums[c0 + v] += t[off + v];
            t[off + v] = 0f;
        }
    }

    // ---------------------------------------------------------------- normalize

    @Override
    public void normalize(float[] x, float[] y, int off, int n, int C, int s, int c0, int c1,
                          float[] meanHi, float[] meanLo, float[] alpha, float[] beta) {
        if (s == 1) {
            normalizeDense(x, y, off, n, C, c0, c1, meanHi, meanLo, alpha, beta, denseRows);
            return;
        }
        for (int i = 0; i < n; i++) {
            for (int c = c0; c < c1; c++) {
                float hi = meanHi[c];
                float lo = meanLo[c];
                float al = alpha[c];
                float be = beta[c];
                FloatVector hv = FloatVector.broadcast(F, hi);
                FloatVector lv = FloatVector.broadcast(F, lo);
                FloatVector av = FloatVector.broadcast(F, al);
                FloatVector bv = FloatVector.broadcast(F, be);
                int base = off + (i * C + c) * s;
                int j = 0;
                // y = ((x - hi) - lo) * alpha + beta: one FMA after an exact subtraction
                for (; j + 2 * L <= s; j += 2 * L) {
                    FloatVector r0 = FloatVector.fromArray(F, x, base + j).sub(hv).sub(lv).fma(av, bv);
                    // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                    r0.blend(0f, r0.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, base + j);
                    FloatVector r1 = FloatVector.fromArray(F, x, base + j + L).sub(hv).sub(lv).fma(av, bv);
                    // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                    r1.blend(0f, r1.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, base + j + L);
                }
                for (; j + L <= s; j += L) {
                    FloatVector r2 = FloatVector.fromArray(F, x, base + j).sub(hv).sub(lv).fma(av, bv);
                    // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                    r2.blend(0f, r2.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, base + j);
                }
                if (j < s && s >= L && x != y) {
                    // the tail as one vector over the run's last L values: those already written get the
                    // same bits again (same operations as the scalar tail); not in place, where x is overwritten
                    int t = base + s - L;
                    FloatVector r3 = FloatVector.fromArray(F, x, t).sub(hv).sub(lv).fma(av, bv);
                    // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                    r3.blend(0f, r3.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, t);
                    j = s;
                }
                for (; j < s; j++) {
                    y[base + j] = Subnormals.flush(Math.fma((x[base + j] - hi) - lo, al, be));
                }
            }
        }
    }

    private static void normalizeDense(float[] x, float[] y, int off, int n, int C, int c0, int c1,
                                       float[] meanHi, float[] meanLo, float[] alpha, float[] beta, int rowsAtOnce) {
        int i = rowsAtOnce > 1 ? normalizeDensePairs(x, y, off, n, C, c0, c1, meanHi, meanLo, alpha, beta) : 0;
        // one row at a time (see DENSE_ROWS)
        for (; i < n; i++) {
            int row = off + i * C;
            int c = c0;
            for (; c + L <= c1; c += L) {
                FloatVector r = FloatVector.fromArray(F, x, row + c)
                        .sub(FloatVector.fromArray(F, meanHi, c))
                        .sub(FloatVector.fromArray(F, meanLo, c))
                        .fma(FloatVector.fromArray(F, alpha, c), FloatVector.fromArray(F, beta, c));
                // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                r.blend(0f, r.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, row + c);
            }
            for (; c < c1; c++) {
                y[row + c] = Subnormals.flush(Math.fma((x[row + c] - meanHi[c]) - meanLo[c], alpha[c], beta[c]));
            }
        }
    }

    /** normalizeDense's rows two at a time, each coefficient vector loaded once for both; returns the rows done. */
    private static int normalizeDensePairs(float[] x, float[] y, int off, int n, int C, int c0, int c1,
                                           float[] meanHi, float[] meanLo, float[] alpha, float[] beta) {
        int i = 0;
        for (; i + 2 <= n; i += 2) {
            int row = off + i * C;
            int row2 = row + C;
            int c = c0;
            for (; c + L <= c1; c += L) {
                FloatVector h = FloatVector.fromArray(F, meanHi, c);
                FloatVector l = FloatVector.fromArray(F, meanLo, c);
                FloatVector a = FloatVector.fromArray(F, alpha, c);
                FloatVector b = FloatVector.fromArray(F, beta, c);
                FloatVector r = FloatVector.fromArray(F, x, row + c).sub(h).sub(l).fma(a, b);
                FloatVector q = FloatVector.fromArray(F, x, row2 + c).sub(h).sub(l).fma(a, b);
                // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                r.blend(0f, r.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, row + c);
                q.blend(0f, q.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, row2 + c);
            }
            for (; c < c1; c++) {
                y[row + c] = Subnormals.flush(Math.fma((x[row + c] - meanHi[c]) - meanLo[c], alpha[c], beta[c]));
                y[row2 + c] = Subnormals.flush(Math.fma((x[row2 + c] - meanHi[c]) - meanLo[c], alpha[c], beta[c]));
            }
        }
        return i;
    }

    // ---------------------------------------------------------------- backward

    @Override
    public void backwardSums(float[] x, float[] dy, int off, int n, int C, int s, int c0, int c1,
                             float[] meanHi, float[] meanLo, double[] sumDy, double[] sumDyXmu) {
        if (s == 1) {
            backwardSumsDense(x, dy, off, n, C, c0, c1, meanHi, meanLo, sumDy, sumDyXmu);
            return;
        }
        java.util.Arrays.fill(sumDy, c0, c1, 0.0);
        java.util.Arrays.fill(sumDyXmu, c0, c1, 0.0);
        for (int i = 0; i < n; i++) {
            for (int c = c0; c < c1; c++) {
                float hi = meanHi[c];
                float lo = meanLo[c];
                FloatVector hv = FloatVector.broadcast(F, hi);
                FloatVector lv = FloatVector.broadcast(F, lo);
                int base = off + (i * C + c) * s;
                int j = 0;
                while (j < s) {
                    int end = Math.min(s, j + FLUSH);
                    FloatVector a1 = FloatVector.zero(F);
                    FloatVector b1 = FloatVector.zero(F);
                    FloatVector a2 = FloatVector.zero(F);
                    FloatVector b2 = FloatVector.zero(F);
                    // sum dy and sum dy * (x - mean), fused in one pass over x and dy
                    for (; j + 2 * L <= end; j += 2 * L) {
                        FloatVector g = FloatVector.fromArray(F, dy, base + j);
                        FloatVector h = FloatVector.fromArray(F, dy, base + j + L);
                        a1 = a1.add(g);
                        b1 = b1.add(h);
                        a2 = FloatVector.fromArray(F, x, base + j).sub(hv).sub(lv).fma(g, a2);
                        b2 = FloatVector.fromArray(F, x, base + j + L).sub(hv).sub(lv).fma(h, b2);
                    }
                    for (; j + L <= end; j += L) {
                        FloatVector g = FloatVector.fromArray(F, dy, base + j);
                        a1 = a1.add(g);
                        a2 = FloatVector.fromArray(F, x, base + j).sub(hv).sub(lv).fma(g, a2);
                    }
                    float[] lanes = Lanes.buffer();
                    a1.add(b1).intoArray(lanes, 0);
                    float t1 = Lanes.sumLanes(lanes, 0);
                    a2.add(b2).intoArray(lanes, 0);
                    float t2 = Lanes.sumLanes(lanes, 0);
                    for (; j < end; j++) {
                        float g = dy[base + j];
                        t1 += g;
                        t2 = Math.fma((x[base + j] - hi) - lo, g, t2);
                    }
                    sumDy[c] += t1;
                    sumDyXmu[c] += t2;
                }
            }
        }
        recomputeNonFinite(x, dy, off, n, C, s, c0, c1, meanHi, meanLo, sumDy, sumDyXmu);
    }

    /** Channels whose float partial sums overflowed (or saw NaN/Inf): the double kernel decides. */
    private void recomputeNonFinite(float[] x, float[] dy, int off, int n, int C, int s, int c0, int c1,
                                    float[] meanHi, float[] meanLo, double[] sumDy, double[] sumDyXmu) {
        for (int c = c0; c < c1; c++) {
            if (!Double.isFinite(sumDy[c]) || !Double.isFinite(sumDyXmu[c])) {
                reference.backwardSums(x, dy, off, n, C, s, c, c + 1, meanHi, meanLo, sumDy, sumDyXmu);
            }
        }
    }

    /** Dense backward sums, four rows at a time into per-channel float accumulators (see {@link #shiftedSumsDense}). */
    private void backwardSumsDense(float[] x, float[] dy, int off, int n, int C, int c0, int c1,
                                   float[] meanHi, float[] meanLo, double[] sumDy, double[] sumDyXmu) {
        int w = c1 - c0;
        float[] t = scratch(2 * w);
        // t[0, w): sums of dy; t[w, 2w): sums of dy * (x - mean)
        java.util.Arrays.fill(t, 0, 2 * w, 0f);
        java.util.Arrays.fill(sumDy, c0, c1, 0.0);
        java.util.Arrays.fill(sumDyXmu, c0, c1, 0.0);
        int i = 0;
        while (i < n) {
            int end = Math.min(n, i + DENSE_FLUSH);
            for (; i + 4 <= end; i += 4) {
                int r0 = off + i * C + c0;
                int r1 = r0 + C;
                int r2 = r1 + C;
                int r3 = r2 + C;
                int v = 0;
                // sum dy and sum dy * (x - mean) over four rows
                for (; v + L <= w; v += L) {
                    FloatVector hi = FloatVector.fromArray(F, meanHi, c0 + v);
                    FloatVector lo = FloatVector.fromArray(F, meanLo, c0 + v);
                    FloatVector g0 = FloatVector.fromArray(F, dy, r0 + v);
                    FloatVector g1 = FloatVector.fromArray(F, dy, r1 + v);
                    FloatVector g2 = FloatVector.fromArray(F, dy, r2 + v);
                    FloatVector g3 = FloatVector.fromArray(F, dy, r3 + v);
                    FloatVector.fromArray(F, t, v).add(g0.add(g1).add(g2.add(g3))).intoArray(t, v);
                    FloatVector a = FloatVector.fromArray(F, x, r3 + v).sub(hi).sub(lo).fma(g3, FloatVector.fromArray(F, t, w + v));
                    a = FloatVector.fromArray(F, x, r2 + v).sub(hi).sub(lo).fma(g2, a);
                    a = FloatVector.fromArray(F, x, r1 + v).sub(hi).sub(lo).fma(g1, a);
                    FloatVector.fromArray(F, x, r0 + v).sub(hi).sub(lo).fma(g0, a).intoArray(t, w + v);
                }
                for (; v < w; v++) {
                    float hi = meanHi[c0 + v];
                    float lo = meanLo[c0 + v];
                    float g0 = dy[r0 + v];
                    float g1 = dy[r1 + v];
                    float g2 = dy[r2 + v];
                    float g3 = dy[r3 + v];
                    t[v] += (g0 + g1) + (g2 + g3);
                    float a = Math.fma((x[r3 + v] - hi) - lo, g3, t[w + v]);
                    a = Math.fma((x[r2 + v] - hi) - lo, g2, a);
                    a = Math.fma((x[r1 + v] - hi) - lo, g1, a);
                    t[w + v] = Math.fma((x[r0 + v] - hi) - lo, g0, a);
                }
            }
            for (; i < end; i++) {
                int row = off + i * C + c0;
                int v = 0;
                for (; v + L <= w; v += L) {
                    FloatVector g = FloatVector.fromArray(F, dy, row + v);
                    FloatVector.fromArray(F, t, v).add(g).intoArray(t, v);
                    FloatVector.fromArray(F, x, row + v).sub(FloatVector.fromArray(F, meanHi, c0 + v))
                            .sub(FloatVector.fromArray(F, meanLo, c0 + v))
                            .fma(g, FloatVector.fromArray(F, t, w + v)).intoArray(t, w + v);
                }
                for (; v < w; v++) {
                    float g = dy[row + v];
                    t[v] += g;
                    t[w + v] = Math.fma((x[row + v] - meanHi[c0 + v]) - meanLo[c0 + v], g, t[w + v]);
                }
            }
            flushInto(t, 0, sumDy, c0, w);
            flushInto(t, w, sumDyXmu, c0, w);
        }
        recomputeNonFinite(x, dy, off, n, C, 1, c0, c1, meanHi, meanLo, sumDy, sumDyXmu);
    }

    /** Dense [n, C] input gradient, rows in memory order (see {@link #backwardInput}). */
    private static void backwardInputDense(float[] x, float[] dy, float[] dx, int off, int n, int C, int c0, int c1,
                                           float[] meanHi, float[] meanLo, float[] a, float[] meanDy, float[] k,
                                           int rowsAtOnce) {
        int i = rowsAtOnce > 1 ? backwardInputDenseQuads(x, dy, dx, off, n, C, c0, c1, meanHi, meanLo, a, meanDy, k) : 0;
        // one row at a time (see DENSE_ROWS)
        for (; i < n; i++) {
            int row = off + i * C;
            int c = c0;
            for (; c + L <= c1; c += L) {
                FloatVector xm = FloatVector.fromArray(F, x, row + c)
                        .sub(FloatVector.fromArray(F, meanHi, c)).sub(FloatVector.fromArray(F, meanLo, c));
                FloatVector t = FloatVector.fromArray(F, dy, row + c).sub(FloatVector.fromArray(F, meanDy, c));
                FloatVector r3 = xm.fma(FloatVector.fromArray(F, k, c).neg(), t)
                        .mul(FloatVector.fromArray(F, a, c));
                // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                r3.blend(0f, r3.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, row + c);
            }
            for (; c < c1; c++) {
                float xm = (x[row + c] - meanHi[c]) - meanLo[c];
                dx[row + c] = Subnormals.flush(Math.fma(xm, -k[c], dy[row + c] - meanDy[c]) * a[c]);
            }
        }
    }

    /** backwardInputDense's rows four at a time, each channel's five coefficients loaded once for them; returns the rows done. */
    private static int backwardInputDenseQuads(float[] x, float[] dy, float[] dx, int off, int n, int C, int c0, int c1,
                                               float[] meanHi, float[] meanLo, float[] a, float[] meanDy, float[] k) {
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            int r0 = off + i * C;
            int r1 = r0 + C;
            int r2 = r1 + C;
            int r3 = r2 + C;
            int c = c0;
            for (; c + L <= c1; c += L) {
                FloatVector hi = FloatVector.fromArray(F, meanHi, c);
                FloatVector lo = FloatVector.fromArray(F, meanLo, c);
                FloatVector md = FloatVector.fromArray(F, meanDy, c);
                FloatVector nk = FloatVector.fromArray(F, k, c).neg();
                FloatVector ac = FloatVector.fromArray(F, a, c);
                FloatVector d0 = FloatVector.fromArray(F, x, r0 + c).sub(hi).sub(lo)
                        .fma(nk, FloatVector.fromArray(F, dy, r0 + c).sub(md)).mul(ac);
                FloatVector d1 = FloatVector.fromArray(F, x, r1 + c).sub(hi).sub(lo)
                        .fma(nk, FloatVector.fromArray(F, dy, r1 + c).sub(md)).mul(ac);
                FloatVector d2 = FloatVector.fromArray(F, x, r2 + c).sub(hi).sub(lo)
                        .fma(nk, FloatVector.fromArray(F, dy, r2 + c).sub(md)).mul(ac);
                FloatVector d3 = FloatVector.fromArray(F, x, r3 + c).sub(hi).sub(lo)
                        .fma(nk, FloatVector.fromArray(F, dy, r3 + c).sub(md)).mul(ac);
                // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                d0.blend(0f, d0.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, r0 + c);
                d1.blend(0f, d1.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, r1 + c);
                d2.blend(0f, d2.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, r2 + c);
                d3.blend(0f, d3.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, r3 + c);
            }
            for (; c < c1; c++) {
                float hi = meanHi[c];
                float lo = meanLo[c];
                float nk = -k[c];
                float md = meanDy[c];
                float ac = a[c];
                dx[r0 + c] = Subnormals.flush(Math.fma((x[r0 + c] - hi) - lo, nk, dy[r0 + c] - md) * ac);
                dx[r1 + c] = Subnormals.flush(Math.fma((x[r1 + c] - hi) - lo, nk, dy[r1 + c] - md) * ac);
                dx[r2 + c] = Subnormals.flush(Math.fma((x[r2 + c] - hi) - lo, nk, dy[r2 + c] - md) * ac);
                dx[r3 + c] = Subnormals.flush(Math.fma((x[r3 + c] - hi) - lo, nk, dy[r3 + c] - md) * ac);
            }
        }
        return i;
    }

    @Override
    public void backwardInput(float[] x, float[] dy, float[] dx, int off, int n, int C, int s, int c0, int c1,
                              float[] meanHi, float[] meanLo, float[] a, float[] meanDy, float[] k) {
        if (s == 1) {
            // a method of its own, so that C2 compiles the strided loop below apart from the unrolled rows
            backwardInputDense(x, dy, dx, off, n, C, c0, c1, meanHi, meanLo, a, meanDy, k, denseRows);
            return;
        }
        for (int i = 0; i < n; i++) {
            for (int c = c0; c < c1; c++) {
                float hi = meanHi[c];
                float lo = meanLo[c];
                float ac = a[c];
                float md = meanDy[c];
                float nk = -k[c];
                FloatVector hv = FloatVector.broadcast(F, hi);
                FloatVector lv = FloatVector.broadcast(F, lo);
                FloatVector av = FloatVector.broadcast(F, ac);
                FloatVector mv = FloatVector.broadcast(F, md);
                FloatVector kv = FloatVector.broadcast(F, nk);
                int base = off + (i * C + c) * s;
                int j = 0;
                // dx = a * ((dy - mean(dy)) - (x - mean) * k)
                for (; j + L <= s; j += L) {
                    FloatVector xm = FloatVector.fromArray(F, x, base + j).sub(hv).sub(lv);
                    FloatVector t = FloatVector.fromArray(F, dy, base + j).sub(mv);
                    FloatVector r4 = xm.fma(kv, t).mul(av);
                    // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                    r4.blend(0f, r4.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, base + j);
                }
                if (j < s && s >= L && dx != x && dx != dy) {
                    // the tail as one vector over the run's last L values (see normalize)
                    int e = base + s - L;
                    FloatVector xm = FloatVector.fromArray(F, x, e).sub(hv).sub(lv);
                    FloatVector r5 = xm.fma(kv, FloatVector.fromArray(F, dy, e).sub(mv)).mul(av);
                    // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                    r5.blend(0f, r5.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, e);
                    j = s;
                }
                for (; j < s; j++) {
                    float xm = (x[base + j] - hi) - lo;
                    dx[base + j] = Subnormals.flush(Math.fma(xm, nk, dy[base + j] - md) * ac);
                }
            }
        }
    }

    @Override
    public void affine(float[] x, float[] y, int off, int n, int C, int s, int c0, int c1, float[] a, float[] b) {
        if (s == 1) {
            // [N, C]: rows in memory order, the coefficients as vectors; pairs of rows where DENSE_ROWS says
            // so, then one row at a time
            int i = denseRows > 1 ? affineDensePairs(x, y, off, n, C, c0, c1, a, b) : 0;
            for (; i < n; i++) {
                int row = off + i * C;
                int c = c0;
                for (; c + L <= c1; c += L) {
                    FloatVector r7 = FloatVector.fromArray(F, x, row + c)
                            .fma(FloatVector.fromArray(F, a, c), FloatVector.fromArray(F, b, c));
                    // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                    r7.blend(0f, r7.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, row + c);
                }
                for (; c < c1; c++) {
                    y[row + c] = Subnormals.flush(Math.fma(x[row + c], a[c], b[c]));
                }
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            for (int c = c0; c < c1; c++) {
                float ac = a[c];
                float bc = b[c];
                FloatVector av = FloatVector.broadcast(F, ac);
                FloatVector bv = FloatVector.broadcast(F, bc);
                int base = off + (i * C + c) * s;
                int j = 0;
                // two vectors per iteration (JDK 17's C2 does not unroll this loop by itself)
                for (; j + 2 * L <= s; j += 2 * L) {
                    FloatVector r10 = FloatVector.fromArray(F, x, base + j).fma(av, bv);
                    FloatVector r11 = FloatVector.fromArray(F, x, base + j + L).fma(av, bv);
                    // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                    r10.blend(0f, r10.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, base + j);
                    r11.blend(0f, r11.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, base + j + L);
                }
                for (; j + L <= s; j += L) {
                    FloatVector r8 = FloatVector.fromArray(F, x, base + j).fma(av, bv);
                    // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                    r8.blend(0f, r8.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, base + j);
                }
                if (j < s && s >= L && x != y) {
                    // the tail as one vector over the run's last L values, as in normalize (not in place)
                    int t = base + s - L;
                    FloatVector r9 = FloatVector.fromArray(F, x, t).fma(av, bv);
                    // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                    r9.blend(0f, r9.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, t);
                    j = s;
                }
                for (; j < s; j++) {
                    y[base + j] = Subnormals.flush(Math.fma(x[base + j], ac, bc));
                }
            }
        }
    }

    /** affine's dense rows two at a time, the coefficient vectors loaded once for both; returns the rows done. */
    private static int affineDensePairs(float[] x, float[] y, int off, int n, int C, int c0, int c1, float[] a, float[] b) {
        int i = 0;
        for (; i + 2 <= n; i += 2) {
            int row = off + i * C;
            int row2 = row + C;
            int c = c0;
            for (; c + L <= c1; c += L) {
                FloatVector av = FloatVector.fromArray(F, a, c);
                FloatVector bv = FloatVector.fromArray(F, b, c);
                FloatVector r = FloatVector.fromArray(F, x, row + c).fma(av, bv);
                FloatVector q = FloatVector.fromArray(F, x, row2 + c).fma(av, bv);
                // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                r.blend(0f, r.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, row + c);
                q.blend(0f, q.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, row2 + c);
            }
            for (; c < c1; c++) {
                y[row + c] = Subnormals.flush(Math.fma(x[row + c], a[c], b[c]));
                y[row2 + c] = Subnormals.flush(Math.fma(x[row2 + c], a[c], b[c]));
            }
        }
        return i;
    }

    @Override
    public void scale(float[] dy, float[] dx, int off, int n, int C, int s, int c0, int c1, float[] a) {
        if (s == 1) {
            for (int i = 0; i < n; i++) {
                int row = off + i * C;
                int c = c0;
                for (; c + L <= c1; c += L) {
                    FloatVector r5 = FloatVector.fromArray(F, dy, row + c).mul(FloatVector.fromArray(F, a, c));
                    // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                    r5.blend(0f, r5.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, row + c);
                }
                for (; c < c1; c++) {
                    dx[row + c] = Subnormals.flush(dy[row + c] * a[c]);
                }
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            for (int c = c0; c < c1; c++) {
                float ac = a[c];
                FloatVector av = FloatVector.broadcast(F, ac);
                int base = off + (i * C + c) * s;
                int j = 0;
                for (; j + L <= s; j += L) {
                    FloatVector r6 = FloatVector.fromArray(F, dy, base + j).mul(av);
                    // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
                    r6.blend(0f, r6.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, base + j);
                }
                for (; j < s; j++) {
                    dx[base + j] = Subnormals.flush(dy[base + j] * ac);
                }
            }
        }
    }
}
