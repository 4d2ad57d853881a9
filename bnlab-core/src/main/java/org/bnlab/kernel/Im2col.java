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
        int p = oh * ow;
        for (int r = r0; r < r1; r++) {
            int ci = r / (k * k);
            int kh = r / k % k;
            int kw = r % k;
            int xc = xOff + ci * h * w;
            int row = (r - r0) * p;
            int yLo = firstInside(pad - kh, stride, oh);
            int yHi = Math.max(yLo, endInside(h + pad - kh, stride, oh));
            int xLo = firstInside(pad - kw, stride, ow);
            int xHi = Math.max(xLo, endInside(w + pad - kw, stride, ow));
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
     * dx (C, H, W) at dx[xOff..] += col2im(dcol): the adjoint of {@link #im2col}. Every dx element
     * receives its terms in the order of dcol's rows, then output rows, then output columns (the
     * order of the scalar loop over (c, kh, kw, oy, ox)).
     */
    public static void col2imAdd(float[] dx, int xOff, float[] dcol, int c, int h, int w, int k, int stride, int pad,
                                 int oh, int ow) {
        int p = oh * ow;
        int rows = c * k * k;
        for (int r = 0; r < rows; r++) {
            int ci = r / (k * k);
            int kh = r / k % k;
            int kw = r % k;
            int xc = xOff + ci * h * w;
            int row = r * p;
            int yLo = firstInside(pad - kh, stride, oh);
            int yHi = Math.max(yLo, endInside(h + pad - kh, stride, oh));
            int xLo = firstInside(pad - kw, stride, ow);
            int xHi = Math.max(xLo, endInside(w + pad - kw, stride, ow));
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

    /** The first o in [0, out] with o*S + d >= 0, i.e. ceil(-d / S) clamped: d = kh - P (or kw - P). */
    static int firstInside(int minusD, int stride, int out) {
        return Math.min(out, Math.max(0, Math.floorDiv(minusD + stride - 1, stride)));
    }

    /** The first o in [0, out] with o*S + d >= extent, i.e. ceil((extent - d) / S) clamped: e = extent - d. */
    static int endInside(int e, int stride, int out) {
        return Math.min(out, Math.max(0, Math.floorDiv(e + stride - 1, stride)));
    }
}
