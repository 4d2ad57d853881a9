package org.bnlab.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Im2col rows of a "same" convolution (stride 1, OW = W) on Vector API lanes, bit for bit
 * {@link Im2col#im2colRows}. For such a convolution pixel j = oy*W + ox of row r = (c, kh, kw) reads
 * x[c*H*W + j + shift] with shift = (kh - P)*W + kw - P whenever it reads inside the image, and is +0
 * otherwise. So V pixels are one load at the shift, ANDed with the row's mask (all ones where the pixel
 * reads inside, 0 elsewhere, from {@link #masks}), one store: +0 exactly outside, every bit kept inside
 * (NaN payloads and -0 included). The scalar copies, fills and per-row zeroing of the wrapped columns
 * cost 25 ns a row on the CNN's 8 x 14 x 14 layer; this is a few ns.
 *
 * <p>Stores are whole vectors: a row's last one writes up to V - 1 floats past the row, into the next
 * row (written after it) or into the V floats of slack the caller leaves after the last one. A row
 * whose loads would leave x (the first rows of the first sample, the last of the last) is copied by
 * the scalar loop. Only loaded when {@link Simd#ENABLED}.
 */
final class Im2colVector {
    private static final VectorSpecies<Float> S = Lanes.FLOAT;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Floats past the last row that {@link #rows} may write: one vector. */
    static final int SLACK = S.length();

    private Im2colVector() {}

    /** Whether this kernel serves a shape: stride 1, OW = W, OH = H, int lanes as many as float lanes. */
    static boolean applies(ConvShape g) {
        return g.stride == 1 && g.ow == g.w && g.oh == g.h && I.length() == S.length();
    }

    /**
     * The masks of the K*K rows (kh, kw) of a "same" convolution: mask[(kh*K + kw)*P + j] = -1 (all
     * bits) if pixel j reads inside the image, else 0; P = H*W, then {@link #SLACK} zeros.
     */
    static int[] masks(int h, int w, int k, int pad) {
        int p = h * w;
        int[] m = new int[k * k * p + SLACK];
        for (int kh = 0; kh < k; kh++) {
            for (int kw = 0; kw < k; kw++) {
                int base = (kh * k + kw) * p;
                for (int oy = 0; oy < h; oy++) {
                    int iy = oy + kh - pad;
                    for (int ox = 0; ox < w; ox++) {
                        int ix = ox + kw - pad;
                        m[base + oy * w + ox] = iy >= 0 && iy < h && ix >= 0 && ix < w ? -1 : 0;
                    }
                }
            }
        }
        return m;
    }

    /**
     * Rows [r0, r1) of the sample at x[xOff..], row r at col[(r - r0)*P ..]; col must hold
     * (r1 - r0)*P + {@link #SLACK} floats.
     */
    static void rows(float[] col, float[] x, int xOff, ConvShape g, int[] masks, int r0, int r1) {
        int p = g.p;
        int kk = g.k * g.k;
        int vectors = (p + S.length() - 1) / S.length();
        int span = vectors * S.length();
        for (int r = r0; r < r1; r++) {
            int ci = r / kk;
            int q = r - ci * kk;
            int kh = q / g.k;
            int kw = q - kh * g.k;
            int src = xOff + ci * p + (kh - g.pad) * g.w + kw - g.pad;
            int dst = (r - r0) * p;
            int m = q * p;
            if (src >= 0 && src + span <= x.length) {
                for (int j = 0; j < span; j += S.length()) {
                    IntVector v = FloatVector.fromArray(S, x, src + j).reinterpretAsInts();
                    v.and(IntVector.fromArray(I, masks, m + j)).reinterpretAsFloats().intoArray(col, dst + j);
                }
            } else {
                Im2col.im2colRows(col, dst, x, xOff, g.c, g.h, g.w, g.k, 1, g.pad, g.oh, g.ow, r, r + 1);
            }
        }
    }
}
