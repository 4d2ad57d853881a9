package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * im2col (and a band of its rows) equals its definition, element by element, over strides, paddings
 * and kernels that overhang the image; col2im equals col2imAdd on zeros.
 */
class Im2colTest {

    /**
     * The vector kernel for "same" convolutions equals im2colRows bit for bit (NaN payloads, -0,
     * infinities), for bands of rows, samples at the start, middle and end of x (its scalar fallback),
     * images narrower and wider than a vector, and writes nothing past its slack.
     */
    @Test
    void vectorKernelEqualsTheScalarRowsBitForBit() {
        if (!Simd.ENABLED) {
            return;
        }
        SplittableRandom r = new SplittableRandom(6);
        float[] special = {Float.NaN, Float.intBitsToFloat(0x7fc0beef), -0f, Float.POSITIVE_INFINITY, -1e-40f};
        for (int trial = 0; trial < 400; trial++) {
            int c = 1 + r.nextInt(4);
            int h = 1 + r.nextInt(20);
            int w = 1 + r.nextInt(20);
            int k = 1 + 2 * r.nextInt(3);
            int pad = (k - 1) / 2;
            if (h + 2 * pad < k || w + 2 * pad < k) {
                continue;
            }
            ConvShape g = new ConvShape(c, h, w, 2, k, 1, pad);
            if (!Im2colVector.applies(g)) {
                continue;
            }
            int n = 1 + r.nextInt(3);
            float[] x = new float[n * g.inSize()];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextInt(6) == 0 ? special[r.nextInt(special.length)] : (float) r.nextGaussian();
            }
            int s = r.nextInt(n);
            int r0 = r.nextInt(g.ckk);
            int r1 = r0 + 1 + r.nextInt(g.ckk - r0);
            float[] expected = new float[(r1 - r0) * g.p];
            Im2col.im2colRows(expected, x, s * g.inSize(), c, h, w, k, 1, pad, g.oh, g.ow, r0, r1);
            float[] got = new float[expected.length + Im2colVector.SLACK + 1];
            java.util.Arrays.fill(got, 7f);
            Im2colVector.rows(got, x, s * g.inSize(), g, g.sameMasks(), r0, r1);
            String where = "c=" + c + " h=" + h + " w=" + w + " k=" + k + " sample " + s + " of " + n + " rows " + r0 + ".." + r1;
            for (int i = 0; i < expected.length; i++) {
                if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(got[i])) {
                    throw new AssertionError(where + ": element " + i + " " + expected[i] + " vs " + got[i]);
                }
            }
            if (got[got.length - 1] != 7f) {
                throw new AssertionError(where + ": wrote past its slack");
            }
        }
    }

    @Test
    void matchesTheDefinition() {
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 600; trial++) {
            int c = 1 + r.nextInt(3);
            int h = 1 + r.nextInt(9);
            int w = 1 + r.nextInt(9);
            int k = 1 + r.nextInt(5);
            int stride = 1 + r.nextInt(3);
            int pad = r.nextInt(7); // beyond PyTorch's pad <= K/2: whole rows left of the image
            if (h + 2 * pad < k || w + 2 * pad < k) {
                continue;
            }
            int oh = (h + 2 * pad - k) / stride + 1;
            int ow = (w + 2 * pad - k) / stride + 1;
            int off = r.nextInt(4);
            float[] x = new float[off + c * h * w];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextDouble();
            }
            float[] expected = new float[c * k * k * oh * ow];
            for (int ci = 0; ci < c; ci++) {
                for (int kh = 0; kh < k; kh++) {
                    for (int kw = 0; kw < k; kw++) {
                        for (int y = 0; y < oh; y++) {
                            for (int xo = 0; xo < ow; xo++) {
                                int iy = y * stride - pad + kh;
                                int ix = xo * stride - pad + kw;
                                boolean in = iy >= 0 && iy < h && ix >= 0 && ix < w;
                                expected[((ci * k + kh) * k + kw) * oh * ow + y * ow + xo] = in ? x[off + (ci * h + iy) * w + ix] : 0f;
                            }
                        }
                    }
                }
            }
            float[] col = new float[expected.length];
            java.util.Arrays.fill(col, Float.NaN); // every element must be written
            Im2col.im2col(col, x, off, c, h, w, k, stride, pad, oh, ow);
            assertArrayEquals(expected, col, "c=" + c + " h=" + h + " w=" + w + " k=" + k + " stride=" + stride + " pad=" + pad);
            // a band of rows alone: the same values as those rows of the whole matrix
            int rows = c * k * k;
            int r0 = r.nextInt(rows);
            int r1 = r0 + 1 + r.nextInt(rows - r0);
            float[] band = new float[(r1 - r0) * oh * ow];
            java.util.Arrays.fill(band, Float.NaN);
            Im2col.im2colRows(band, x, off, c, h, w, k, stride, pad, oh, ow, r0, r1);
            assertArrayEquals(java.util.Arrays.copyOfRange(expected, r0 * oh * ow, r1 * oh * ow), band,
                    "rows [" + r0 + ", " + r1 + ") of c=" + c + " h=" + h + " w=" + w + " k=" + k + " stride=" + stride + " pad=" + pad);
            // col2im (overwriting, dcol as scratch) equals col2imAdd on a zeroed dx, bit for bit
            float[] dcol = new float[expected.length];
            for (int i = 0; i < dcol.length; i++) {
                dcol[i] = (float) (r.nextDouble() * 2 - 1);
            }
            float[] added = new float[x.length];
            Im2col.col2imAdd(added, off, dcol.clone(), c, h, w, k, stride, pad, oh, ow);
            float[] set = new float[x.length];
            java.util.Arrays.fill(set, off, set.length, Float.NaN);
            Im2col.col2im(set, off, dcol, c, h, w, k, stride, pad, oh, ow);
            assertArrayEquals(added, set, "col2im c=" + c + " h=" + h + " w=" + w + " k=" + k + " stride=" + stride + " pad=" + pad);
        }
    }
}
