package org.bnlab.kernel;

/**
 * Branch-free max pooling of planes [p0, p1): the same y and arg as {@link Pool2d#maxForward} (the
 * specification), bit for bit, without its data-dependent branches.
 *
 * <p>The one rule, applied to every cell v of the window in scan order, starting from m = the first
 * cell: take v when {@code m == m && !(v <= m)}, i.e. when v is greater, or v is the first NaN.
 * Once m is NaN nothing is taken (NaN compares false both ways and m == m is false), which is the
 * spec's "stop at the first NaN"; an equal v is not taken, so ties (including -0.0 then +0.0) keep
 * the first. The spec's loop branches on each comparison, which on real activations is taken about
 * half the time (mispredicted); here the choice is a conditional move of (m, index), both ints
 * (see {@link #take}).
 *
 * <p>K = 2 (the CNN preset's, any stride) reads its four cells directly: offsets 0, 1, W, W + 1.
 */
final class MaxPoolPlanes {
    private MaxPoolPlanes() {}

    /** y, arg of planes [p0, p1). */
    static void withArg(float[] y, int[] arg, float[] x, int p0, int p1, int h, int w, int k, int s, int oh, int ow) {
        if (k == 2) {
            for (int pl = p0; pl < p1; pl++) {
                plane2(y, arg, x, pl * h * w, pl * oh * ow, w, s, oh, ow);
            }
        } else {
            for (int pl = p0; pl < p1; pl++) {
                planeK(y, arg, x, pl * h * w, pl * oh * ow, w, k, s, oh, ow);
            }
        }
    }

    /** y of planes [p0, p1), no arg (inference): same m, same rule. */
    static void noArg(float[] y, float[] x, int p0, int p1, int h, int w, int k, int s, int oh, int ow) {
        if (k == 2) {
            for (int pl = p0; pl < p1; pl++) {
                plane2(y, x, pl * h * w, pl * oh * ow, w, s, oh, ow);
            }
        } else {
            for (int pl = p0; pl < p1; pl++) {
                planeK(y, x, pl * h * w, pl * oh * ow, w, k, s, oh, ow);
            }
        }
    }

    /** One plane, K = 2: cells a, b (row i*S), c, d (row i*S + 1) in scan order. */
    private static void plane2(float[] y, int[] arg, float[] x, int xo, int yo, int w, int s, int oh, int ow) {
        for (int i = 0; i < oh; i++) {
            row2(y, arg, x, xo, i * s * w, w, s, yo + i * ow, 0, ow);
        }
    }

    /**
     * Outputs [j0, ow) of one output row, K = 2: y[yr + j], arg[yr + j] (arg may be null); r = the
     * plane index of the row's first input cell.
     */
    static void row2(float[] y, int[] arg, float[] x, int xo, int r, int w, int s, int yr, int j0, int ow) {
        if (arg == null) {
            for (int j = j0; j < ow; j++) {
                int q = xo + r + j * s;
                int mb = Float.floatToRawIntBits(x[q]);
                int vb = Float.floatToRawIntBits(x[q + 1]);
                mb = take(vb, mb) ? vb : mb;
                vb = Float.floatToRawIntBits(x[q + w]);
                mb = take(vb, mb) ? vb : mb;
                vb = Float.floatToRawIntBits(x[q + w + 1]);
                mb = take(vb, mb) ? vb : mb;
                y[yr + j] = Float.intBitsToFloat(mb);
            }
            return;
        }
        for (int j = j0; j < ow; j++) {
            int q = r + j * s;
            int mb = Float.floatToRawIntBits(x[xo + q]);
            int best = q;
            int vb = Float.floatToRawIntBits(x[xo + q + 1]);
            int t = mask(vb, mb);
            mb ^= (mb ^ vb) & t;
            best ^= (best ^ (q + 1)) & t;
            vb = Float.floatToRawIntBits(x[xo + q + w]);
            t = mask(vb, mb);
            mb ^= (mb ^ vb) & t;
            best ^= (best ^ (q + w)) & t;
            vb = Float.floatToRawIntBits(x[xo + q + w + 1]);
            t = mask(vb, mb);
            mb ^= (mb ^ vb) & t;
            best ^= (best ^ (q + w + 1)) & t;
            y[yr + j] = Float.intBitsToFloat(mb);
            arg[yr + j] = best;
        }
    }

    private static void plane2(float[] y, float[] x, int xo, int yo, int w, int s, int oh, int ow) {
        for (int i = 0; i < oh; i++) {
            row2(y, null, x, xo, i * s * w, w, s, yo + i * ow, 0, ow);
        }
    }

    /**
     * The rule on raw bits: v is taken when m is not NaN and not (v <= m), i.e. v > m or v is NaN.
     * The running maximum is kept as int bits because x86 has no scalar float conditional move: C2
     * compiles a float {@code t ? v : m} as a branch, an int one as cmov.
     */
    private static boolean take(int vb, int mb) {
        float v = Float.intBitsToFloat(vb);
        float m = Float.intBitsToFloat(mb);
        return m == m & !(v <= m);
    }

    /**
     * {@link #take} as a mask, -1 (take) or 0, for updating two values with one select: with two
     * selects on one condition ({@code t ? v : m} and {@code t ? index : best}) C2 branches instead,
     * and is as slow as the spec; {@code a ^= (a ^ b) & mask} then moves both without a branch.
     */
    private static int mask(int vb, int mb) {
        return take(vb, mb) ? -1 : 0;
    }

    /** One plane, any K: the rule over all K² cells (the first compared with itself is never taken). */
    private static void planeK(float[] y, int[] arg, float[] x, int xo, int yo, int w, int k, int s, int oh, int ow) {
        for (int i = 0; i < oh; i++) {
            for (int j = 0; j < ow; j++) {
                int q0 = i * s * w + j * s;
                int mb = Float.floatToRawIntBits(x[xo + q0]);
                int best = q0;
                for (int kh = 0; kh < k; kh++) {
                    int q = q0 + kh * w;
                    for (int kw = 0; kw < k; kw++) {
                        int vb = Float.floatToRawIntBits(x[xo + q + kw]);
                        int t = mask(vb, mb);
                        mb ^= (mb ^ vb) & t;
                        best ^= (best ^ (q + kw)) & t;
                    }
                }
                y[yo + i * ow + j] = Float.intBitsToFloat(mb);
                arg[yo + i * ow + j] = best;
            }
        }
    }

    private static void planeK(float[] y, float[] x, int xo, int yo, int w, int k, int s, int oh, int ow) {
        for (int i = 0; i < oh; i++) {
            for (int j = 0; j < ow; j++) {
                int q0 = xo + i * s * w + j * s;
                int mb = Float.floatToRawIntBits(x[q0]);
                for (int kh = 0; kh < k; kh++) {
                    int q = q0 + kh * w;
                    for (int kw = 0; kw < k; kw++) {
                        int vb = Float.floatToRawIntBits(x[q + kw]);
                        mb = take(vb, mb) ? vb : mb;
                    }
                }
                y[yo + i * ow + j] = Float.intBitsToFloat(mb);
            }
        }
    }

    /** dx of planes [p0, p1) = 0, then dx[arg] += dy in output order (each plane's dx written here only). */
    static void backward(float[] dx, float[] dy, int[] arg, int p0, int p1, int hw, int ohw) {
        java.util.Arrays.fill(dx, p0 * hw, p1 * hw, 0f);
        for (int pl = p0; pl < p1; pl++) {
            int xo = pl * hw;
            for (int q = pl * ohw, e = q + ohw; q < e; q++) {
                dx[xo + arg[q]] += dy[q];
            }
        }
    }
}
