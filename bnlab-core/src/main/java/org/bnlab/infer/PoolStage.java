package org.bnlab.infer;

import org.bnlab.kernel.MaxPool;
import org.bnlab.kernel.Pool2d;

/** Max, average (K x K, stride S, no padding) or global average pooling of NCHW planes. */
final class PoolStage implements Stage {

    enum Kind { MAX, AVG, GLOBAL_AVG }

    private final Kind kind;
    private final int c;
    private final int h;
    private final int w;
    private final int k;
    private final int stride;
    private final int oh;
    private final int ow;

    /** Global average pooling: k = H, stride 1, output 1 x 1 per plane. */
    PoolStage(Kind kind, int c, int h, int w, int k, int stride) {
        this.kind = kind;
        this.c = c;
        this.h = h;
        this.w = w;
        this.k = k;
        this.stride = stride;
        this.oh = kind == Kind.GLOBAL_AVG ? 1 : (h - k) / stride + 1;
        this.ow = kind == Kind.GLOBAL_AVG ? 1 : (w - k) / stride + 1;
    }

    Kind kind() {
        return kind;
    }

    int outHeight() {
        return oh;
    }

    int outWidth() {
        return ow;
    }

    @Override
    public int inSize() {
        return c * h * w;
    }

    @Override
    public int outSize() {
        return c * oh * ow;
    }

    @Override
    public void run(float[] x, float[] y, int n, Workspace ws) {
        int planes = n * c;
        switch (kind) {
            // no argmax at inference: the maximum alone, the same bits as the training forward's y
            case MAX -> MaxPool.forward(y, x, planes, h, w, k, stride, oh, ow);
            case AVG -> Pool2d.avgForward(y, x, planes, h, w, k, stride, oh, ow);
            case GLOBAL_AVG -> Pool2d.globalAvgForward(y, x, planes, h * w);
        }
    }
}
