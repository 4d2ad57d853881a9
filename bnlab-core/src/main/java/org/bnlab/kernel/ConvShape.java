package org.bnlab.kernel;

/**
 * The geometry of a 2-D convolution over NCHW samples with square kernels and zero padding, as
 * {@link ConvKernel} needs it: input (C, H, W), output (O, OH, OW) with
 * {@code OH = (H + 2P - K) / S + 1} (floor), likewise OW; im2col rows CKK = C*K*K, columns P = OH*OW.
 * Immutable; built when a layer first sees an input size, not per call.
 */
public final class ConvShape {
    public final int c;
    public final int h;
    public final int w;
    public final int o;
    public final int k;
    public final int stride;
    public final int pad;
    public final int oh;
    public final int ow;
    /** Output pixels per channel, OH*OW: the columns of a sample's im2col matrix. */
    public final int p;
    /** Rows of the im2col matrix, C*K*K: the columns of the weight matrix (O, C*K*K). */
    public final int ckk;

    /** Throws IllegalArgumentException for sizes < 1, padding < 0, or a kernel larger than the padded input. */
    public ConvShape(int c, int h, int w, int o, int k, int stride, int pad) {
        if (c < 1 || h < 1 || w < 1 || o < 1 || k < 1 || stride < 1 || pad < 0) {
            throw new IllegalArgumentException("ConvShape: need C, H, W, O, K, stride >= 1 and padding >= 0, got C=" + c
                    + " H=" + h + " W=" + w + " O=" + o + " K=" + k + " stride=" + stride + " padding=" + pad);
        }
        if (h + 2L * pad < k || w + 2L * pad < k) {
            throw new IllegalArgumentException("ConvShape: input " + h + "x" + w + " is smaller than the kernel " + k
                    + " after padding " + pad);
        }
        this.c = c;
        this.h = h;
        this.w = w;
        this.o = o;
        this.k = k;
        this.stride = stride;
        this.pad = pad;
        this.oh = (h + 2 * pad - k) / stride + 1;
        this.ow = (w + 2 * pad - k) / stride + 1;
        this.ckk = Math.multiplyExact(c, Math.multiplyExact(k, k));
        this.p = Math.multiplyExact(oh, ow);
        // one sample's input, output and im2col matrix must each fit an int-indexed array
        Math.multiplyExact(ckk, p);
        Math.multiplyExact(o, p);
        Math.multiplyExact(c, Math.multiplyExact(h, w));
    }

    /** {@link Im2colVector}'s row masks, built on first use (published through the volatile field). */
    private volatile int[] sameMasks;

    /** The masks of {@link Im2colVector#masks} for this shape (call only where {@link Im2colVector#applies}). */
    int[] sameMasks() {
        int[] m = sameMasks;
        if (m == null) {
            m = Im2colVector.masks(h, w, k, pad);
            sameMasks = m;
        }
        return m;
    }

    /** Floats of one input sample, C*H*W. */
    public int inSize() {
        return c * h * w;
    }

    /** Floats of one output sample, O*OH*OW. */
    public int outSize() {
        return o * p;
    }

    /** Whether this is the geometry of an input (H, W) for the same layer. */
    public boolean sameInput(int h, int w) {
        return this.h == h && this.w == w;
    }

    @Override
    public String toString() {
        return "ConvShape(C=" + c + ", " + h + "x" + w + " -> O=" + o + ", " + oh + "x" + ow + ", K=" + k + ", stride="
                + stride + ", padding=" + pad + ")";
    }
}
