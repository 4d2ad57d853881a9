package org.bnlab.kernel;

/**
 * The im2col matrix of one NCHW sample and its adjoint, for convolution as a GEMM:
 * <pre>
 *   col[(c*K + kh)*K + kw, oh*OW + ow] = x[c, oh*S - P + kh, ow*S - P + kw]   (0 outside the image)
 * </pre>
 * Row r = (c*K + kh)*K + kw of the matrix depends on one input channel only, so a band of rows
 * [r0, r1) can be built alone ({@link #im2colRows}): {@link ConvKernel}'s weight gradient gives each
 * thread its own band.
 *
 * <p>For a row (kh, kw) the output pixels that read inside the image form one rectangle: rows
 * oy in [yLo, yHi) and columns ox in [xLo, xHi), where iy = oy*S - P + kh in [0, H) and
 * ix = ox*S - P + kw in [0, W) ({@link #firstInside}, {@link #endInside}). The loops visit the rectangle
 * without a bounds test per element, and fill the rest with zeros.
 */
public final class Im2col {
    /** Whether the long adds of col2im use {@link AddSimd} (the same sums, V lanes at a time). */
    private static final boolean SIMD = KernelProvider.get().vectorized();

    private Im2col() {}

    /** col (C*K*K, OH*OW) from the sample x (C, H, W) at x[xOff..]. */
    public static void im2col(float[] col, float[] x, int xOff, int c, int h, int w, int k, int stride, int pad,
                              int oh, int ow) {
        im2colRows(col, x, xOff, c, h, w, k, stride, pad, oh, ow, 0, c * k * k);
    }

    /**
     * Rows [r0, r1) of the im2col matrix of the sample at x[xOff..], row r written at
     * col[(r - r0)*OH*OW ..]: the same values as those rows of {@link #im2col}.
     */
    public static void im2colRows(float[] col, float[] x, int xOff, int c, int h, int w, int k, int stride, int pad,
                                  int oh, int ow, int r0, int r1) {
        im2colRows(col, 0, x, xOff, c, h, w, k, stride, pad, oh, ow, r0, r1);
    }

    /** {@link #im2colRows} with row r written at col[colOff + (r - r0)*OH*OW ..]. */
    static void im2colRows(float[] col, int colOff, float[] x, int xOff, int c, int h, int w, int k, int stride, int pad,
                           int oh, int ow, int r0, int r1) {
        int p = oh * ow;
        // (ci, kh, kw) of row r0, then counted up row by row (divisions cost more than a short row)
        int ci = r0 / (k * k);
        int kh = r0 / k % k;
        int kw = r0 % k - 1;
        for (int r = r0; r < r1; r++) {
            if (++kw == k) {
                kw = 0;
                if (++kh == k) {
                    kh = 0;
                    ci++;
                }
            }
            int xc = xOff + ci * h * w;
            int row = colOff + (r - r0) * p;
            int yLo = firstInside(pad - kh, stride, oh);
            int yHi = Math.max(yLo, endInside(h + pad - kh, stride, oh));
            int xLo = firstInside(pad - kw, stride, ow);
            int xHi = Math.max(xLo, endInside(w + pad - kw, stride, ow));
            if (stride == 1 && ow == w && yHi > yLo && xHi > xLo) {
                shiftedRow(col, row, x, xc + (kh - pad) * w + kw - pad, ow, p, yLo, yHi, xLo, xHi);
                continue;
            }
            java.util.Arrays.fill(col, row, row + yLo * ow, 0f);
            for (int y = yLo; y < yHi; y++) {
                int dst = row + y * ow;
                // ix = xo*S - P + kw for xo in [xLo, xHi): zeros, the image, zeros
                int src = xc + (y * stride - pad + kh) * w - pad + kw;
                java.util.Arrays.fill(col, dst, dst + xLo, 0f);
                if (stride == 1 && xHi > xLo) {
                    System.arraycopy(x, src + xLo, col, dst + xLo, xHi - xLo);
                } else {
                    for (int xo = xLo; xo < xHi; xo++) {
                        col[dst + xo] = x[src + xo * stride];
                    }
                }
                java.util.Arrays.fill(col, dst + xHi, dst + ow, 0f);
            }
            java.util.Arrays.fill(col, row + yHi * ow, row + p, 0f);
        }
    }

    /**
     * One im2col row when stride is 1 and OW = W (a "same" convolution): col[row + j] = x[shift + j]
     * for every output pixel j = oy*OW + ox, since the input offset of (oy, ox) is (oy + kh - P)*W +
     * ox + kw - P = j + shift. So the rectangle [yLo, yHi) x [xLo, xHi) is ONE copy from the first to
     * the last pixel inside; the pixels of that span whose column is outside [xLo, xHi) (they read
     * the neighbouring input row) and those before and after it are then set to 0.
     */
    private static void shiftedRow(float[] col, int row, float[] x, int shift, int ow, int p, int yLo, int yHi,
                                   int xLo, int xHi) {
        int start = yLo * ow + xLo;
        int end = (yHi - 1) * ow + xHi;
        System.arraycopy(x, shift + start, col, row + start, end - start);
        java.util.Arrays.fill(col, row, row + start, 0f);
        java.util.Arrays.fill(col, row + end, row + p, 0f);
        zeroWrapped(col, row, ow, yLo, yHi, xLo, xHi);
    }

    /**
     * Sets to 0 the pixels of the span [yLo*OW + xLo, (yHi-1)*OW + xHi) whose column is outside
     * [xLo, xHi): columns [0, xLo) of rows yLo+1..yHi-1 and [xHi, OW) of rows yLo..yHi-2 (for a
     * "same" convolution, at most P columns on one side, and none for the centre column of the kernel).
     */
    private static void zeroWrapped(float[] a, int row, int ow, int yLo, int yHi, int xLo, int xHi) {
        if (xLo > 0) {
            for (int d = row + (yLo + 1) * ow, e = row + yHi * ow; d < e; d += ow) {
                for (int xo = 0; xo < xLo; xo++) {
                    a[d + xo] = 0f;
                }
            }
        }
        int right = ow - xHi;
        if (right > 0) {
            for (int d = row + yLo * ow + xHi, e = row + (yHi - 1) * ow; d < e; d += ow) {
                for (int xo = 0; xo < right; xo++) {
                    a[d + xo] = 0f;
                }
            }
        }
    }

    /**
     * dx (C, H, W) at dx[xOff..] += col2im(dcol): the adjoint of {@link #im2col}, the specification
     * of {@link #col2im}. Every dx element receives its terms in the order of dcol's rows, then output
     * rows, then output columns (the order of the scalar loop over (c, kh, kw, oy, ox)).
     */
    public static void col2imAdd(float[] dx, int xOff, float[] dcol, int c, int h, int w, int k, int stride, int pad,
                                 int oh, int ow) {
        col2im(dx, xOff, dcol, c, h, w, k, stride, pad, oh, ow, false);
    }

    /**
     * dx (C, H, W) at dx[xOff..] = col2im(dcol), overwritten: bit for bit what {@link #col2imAdd}
     * gives on a zeroed dx, faster for "same" convolutions (stride 1, OW = W; {@link #shiftedRowAdd}).
     * dcol is scratch: entries of pixels that read outside the image may be set to 0.
     */
    public static void col2im(float[] dx, int xOff, float[] dcol, int c, int h, int w, int k, int stride, int pad,
                              int oh, int ow) {
        java.util.Arrays.fill(dx, xOff, xOff + c * h * w, 0f);
        col2im(dx, xOff, dcol, c, h, w, k, stride, pad, oh, ow, stride == 1 && ow == w);
    }

    private static void col2im(float[] dx, int xOff, float[] dcol, int c, int h, int w, int k, int stride, int pad,
                               int oh, int ow, boolean shifted) {
        int p = oh * ow;
        int rows = c * k * k;
        int ci = 0;
        int kh = 0;
        int kw = -1;
        for (int r = 0; r < rows; r++) {
            if (++kw == k) {
                kw = 0;
                if (++kh == k) {
                    kh = 0;
                    ci++;
                }
            }
            int xc = xOff + ci * h * w;
            int row = r * p;
            int yLo = firstInside(pad - kh, stride, oh);
            int yHi = Math.max(yLo, endInside(h + pad - kh, stride, oh));
            int xLo = firstInside(pad - kw, stride, ow);
            int xHi = Math.max(xLo, endInside(w + pad - kw, stride, ow));
            if (shifted && yHi > yLo && xHi > xLo) {
                shiftedRowAdd(dx, xc + (kh - pad) * w + kw - pad, dcol, row, ow, yLo, yHi, xLo, xHi);
                continue;
            }
            for (int y = yLo; y < yHi; y++) {
                int src = row + y * ow;
                int dst = xc + (y * stride - pad + kh) * w - pad + kw;
                if (stride == 1) {
                    // distinct ox hit distinct dx elements, so this loop's order is free (it vectorizes)
                    for (int xo = xLo; xo < xHi; xo++) {
                        dx[dst + xo] += dcol[src + xo];
                    }
                } else {
                    for (int xo = xLo; xo < xHi; xo++) {
                        dx[dst + xo * stride] += dcol[src + xo];
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #shiftedRow}: dx[shift + j] += dcol[row + j] over the span of pixels j from
     * the first to the last inside the image. The span's pixels whose column is outside [xLo, xHi) are
     * first set to +0 in dcol (its scratch, dead after this call), so the one long loop adds +0 to the
     * neighbouring dx element there: x + (+0) = x exactly unless x is -0, and no dx element is -0 here
     * ({@link #col2im} starts from +0, and a float sum is -0 only if both terms are). Each dx element
     * gets at most one term per row, so its order of terms is unchanged.
     */
    private static void shiftedRowAdd(float[] dx, int shift, float[] dcol, int row, int ow, int yLo, int yHi,
                                      int xLo, int xHi) {
        int start = yLo * ow + xLo;
        int end = (yHi - 1) * ow + xHi;
        zeroWrapped(dcol, row, ow, yLo, yHi, xLo, xHi);
        int src = row + start;
        int dst = shift + start;
        if (SIMD) {
            AddSimd.add(dx, dst, dcol, src, end - start);
        } else {
            for (int j = 0, len = end - start; j < len; j++) {
                dx[dst + j] += dcol[src + j];
            }
        }
    }

    /** The first o in [0, out] with o*S + d >= 0, i.e. ceil(-d / S) clamped: d = kh - P (or kw - P). */
    static int firstInside(int minusD, int stride, int out) {
        return Math.min(out, Math.max(0, stride == 1 ? minusD : Math.floorDiv(minusD + stride - 1, stride)));
    }

    /** The first o in [0, out] with o*S + d >= extent, i.e. ceil((extent - d) / S) clamped: e = extent - d. */
    static int endInside(int e, int stride, int out) {
        return Math.min(out, Math.max(0, stride == 1 ? e : Math.floorDiv(e + stride - 1, stride)));
    }
}
