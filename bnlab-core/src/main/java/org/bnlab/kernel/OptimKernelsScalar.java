package org.bnlab.kernel;

/**
 * The specification of the optimizer kernels. The loops have loop-invariant branches that keep
 * HotSpot from auto-vectorizing them, which is why {@link OptimKernelsVector} exists.
 */
final class OptimKernelsScalar implements OptimKernel {

    @Override
    public void sgd(float[] p, float[] g, float[] buf, float lr, float momentum, float keep, boolean nesterov, float wd,
                    boolean first) {
        sgdRange(p, g, buf, lr, momentum, keep, nesterov, wd, first, 0, p.length);
    }

    @Override
    public void adam(float[] p, float[] g, float[] m, float[] v, float b1, float a1, float b2, float a2,
                     float stepSize, float bc2Sqrt, float eps, float wd, boolean decoupled, float shrink) {
        adamRange(p, g, m, v, b1, a1, b2, a2, stepSize, bc2Sqrt, eps, wd, decoupled, shrink, 0, p.length);
    }

    /** {@link #sgd} on elements [from, to). */
    void sgdRange(float[] p, float[] g, float[] buf, float lr, float momentum, float keep,
                                 boolean nesterov, float wd, boolean first, int from, int to) {
        for (int i = from; i < to; i++) {
            float d = g[i];
            if (wd != 0) {
                d = d + wd * p[i];
            }
            if (buf != null) {
                float b = first ? d : momentum * buf[i] + keep * d;
                buf[i] = b;
                d = nesterov ? d + momentum * b : b;
            }
            p[i] = p[i] - lr * d;
        }
    }

    /** {@link #adam} on elements [from, to). */
    void adamRange(float[] p, float[] g, float[] m, float[] v, float b1, float a1, float b2, float a2,
                                  float stepSize, float bc2Sqrt, float eps, float wd, boolean decoupled, float shrink,
                                  int from, int to) {
        float negStep = -stepSize;
        for (int i = from; i < to; i++) {
            float pi = p[i];
            float d = g[i];
            if (decoupled) {
                pi = pi * shrink;
            } else if (wd != 0) {
                d = d + wd * pi;
            }
            float mi = b1 * m[i] + a1 * d;
            float vi = b2 * v[i] + a2 * d * d;
            m[i] = mi;
            v[i] = vi;
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            p[i] = pi + negStep * mi / denom; // addcdiv order: (value * m) / denom
        }
    }

}
