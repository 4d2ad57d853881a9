package org.bnlab.kernel;

/**
 * Max and average pooling over (K x K) windows with stride S, no padding, floor output size, on
 * NCHW planes: x (planes, H, W) -> y (planes, OH, OW), OH = (H - K) / S + 1.
 */
public final class Pool2d {
    private Pool2d() {}

    /**
     * y = max over the window; arg = flat index (h*W + w) in the plane of the first maximum in scan
     * order, or of the first NaN (NaN propagates, as in PyTorch).
     */
    public static void maxForward(float[] y, int[] arg, float[] x, int planes, int h, int w, int k, int s,
                                  int oh, int ow) {
        for (int pl = 0; pl < planes; pl++) {
            int xo = pl * h * w;
            int yo = pl * oh * ow;
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    int best = (i * s) * w + j * s;
                    float m = x[xo + best];
                    for (int kh = 0; kh < k && !Float.isNaN(m); kh++) {
                        int r = (i * s + kh) * w + j * s;
                        for (int kw = 0; kw < k; kw++) {
                            float v = x[xo + r + kw];
                            if (v > m || Float.isNaN(v)) {
                                m = v;
                                best = r + kw;
                                if (Float.isNaN(v)) {
                                    break;
                                }
                            }
                        }
                    }
                    y[yo + i * ow + j] = m;
                    arg[yo + i * ow + j] = best;
                }
            }
        }
    }

    /** dx = 0, then dx[arg] += dy (overlapping windows add up in output order). */
    public static void maxBackward(float[] dx, float[] dy, int[] arg, int planes, int h, int w, int oh, int ow) {
        java.util.Arrays.fill(dx, 0, planes * h * w, 0f);
        for (int pl = 0; pl < planes; pl++) {
            int xo = pl * h * w;
            int yo = pl * oh * ow;
            for (int q = 0; q < oh * ow; q++) {
                dx[xo + arg[yo + q]] += dy[yo + q];
            }
        }
    }

    /** Global average: y[p] = (1/HW) * sum_q x[p, q] over each plane of {@code hw} values. */
    public static void globalAvgForward(float[] y, float[] x, int planes, int hw) {
        for (int p = 0; p < planes; p++) {
            float s = 0f;
            for (int q = p * hw, e = q + hw; q < e; q++) {
                s += x[q];
            }
            y[p] = s / hw;
        }
    }

    /** y = (1/K²) * sum over the window. */
    public static void avgForward(float[] y, float[] x, int planes, int h, int w, int k, int s, int oh, int ow) {
        float inv = 1f / (k * k);
        for (int pl = 0; pl < planes; pl++) {
            int xo = pl * h * w;
            int yo = pl * oh * ow;
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    float sum = 0f;
                    for (int kh = 0; kh < k; kh++) {
                        int r = xo + (i * s + kh) * w + j * s;
                        for (int kw = 0; kw < k; kw++) {
                            sum += x[r + kw];
                        }
                    }
                    y[yo + i * ow + j] = sum * inv;
                }
            }
        }
    }

    /** dx = 0, then every window's cells += dy / K². */
    public static void avgBackward(float[] dx, float[] dy, int planes, int h, int w, int k, int s, int oh, int ow) {
        java.util.Arrays.fill(dx, 0, planes * h * w, 0f);
        float inv = 1f / (k * k);
        for (int pl = 0; pl < planes; pl++) {
            int xo = pl * h * w;
            int yo = pl * oh * ow;
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    float g = dy[yo + i * ow + j] * inv;
                    for (int kh = 0; kh < k; kh++) {
                        int r = xo + (i * s + kh) * w + j * s;
                        for (int kw = 0; kw < k; kw++) {
                            dx[r + kw] += g;
                        }
                    }
                }
            }
        }
    }
}
