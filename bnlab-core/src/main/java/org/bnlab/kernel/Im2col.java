package org.bnlab.kernel;

/**
 * The im2col matrix of one NCHW sample and its adjoint, for convolution as a GEMM:
 * <pre>
 *   col[(c*K + kh)*K + kw, oh*OW + ow] = x[c, oh*S - P + kh, ow*S - P + kw]   (0 outside the image)
 * </pre>
 */
public final class Im2col {
    private Im2col() {}

    /** col (C*K*K, OH*OW) from the sample x (C, H, W) at x[xOff..]. */
    public static void im2col(float[] col, float[] x, int xOff, int c, int h, int w, int k, int stride, int pad,
                              int oh, int ow) {
        int p = oh * ow;
        for (int ci = 0; ci < c; ci++) {
            int xc = xOff + ci * h * w;
            for (int kh = 0; kh < k; kh++) {
                for (int kw = 0; kw < k; kw++) {
                    int row = ((ci * k + kh) * k + kw) * p;
                    for (int y = 0; y < oh; y++) {
                        int iy = y * stride - pad + kh;
                        int dst = row + y * ow;
                        if (iy < 0 || iy >= h) {
                            java.util.Arrays.fill(col, dst, dst + ow, 0f);
                            continue;
                        }
                        // ix = xo*S - P + kw is inside [0, W) for xo in [lo, hi): zeros, a copy, zeros
                        int lo = Math.min(ow, Math.max(0, Math.floorDiv(pad - kw + stride - 1, stride)));
                        int hi = Math.max(lo, Math.min(ow, Math.floorDiv(w + pad - kw + stride - 1, stride)));
                        int src = xc + iy * w - pad + kw;
                        java.util.Arrays.fill(col, dst, dst + lo, 0f);
                        if (stride == 1 && hi > lo) {
                            System.arraycopy(x, src + lo, col, dst + lo, hi - lo);
                        } else {
                            for (int xo = lo; xo < hi; xo++) {
                                col[dst + xo] = x[src + xo * stride];
                            }
                        }
                        java.util.Arrays.fill(col, dst + hi, dst + ow, 0f);
                    }
                }
            }
        }
    }

    /** dx (C, H, W) at dx[xOff..] += col2im(dcol): the adjoint of {@link #im2col}, rows in order. */
    public static void col2imAdd(float[] dx, int xOff, float[] dcol, int c, int h, int w, int k, int stride, int pad,
                                 int oh, int ow) {
        int p = oh * ow;
        for (int ci = 0; ci < c; ci++) {
            int xc = xOff + ci * h * w;
            for (int kh = 0; kh < k; kh++) {
                for (int kw = 0; kw < k; kw++) {
                    int row = ((ci * k + kh) * k + kw) * p;
                    for (int y = 0; y < oh; y++) {
                        int iy = y * stride - pad + kh;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        int src = row + y * ow;
                        int dst = xc + iy * w;
                        for (int xo = 0; xo < ow; xo++) {
                            int ix = xo * stride - pad + kw;
                            if (ix >= 0 && ix < w) {
                                dx[dst + ix] += dcol[src + xo];
                            }
                        }
                    }
                }
            }
        }
    }
}
