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
                        int src = xc + iy * w;
                        for (int xo = 0; xo < ow; xo++) {
                            int ix = xo * stride - pad + kw;
                            col[dst + xo] = ix >= 0 && ix < w ? x[src + ix] : 0f;
                        }
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
