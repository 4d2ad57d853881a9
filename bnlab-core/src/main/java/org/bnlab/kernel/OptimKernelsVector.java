package org.bnlab.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API versions of {@link OptimKernels}: the same operations lane-wise, then the scalar tail. */
final class OptimKernelsVector implements OptimKernel {

    /** The tails (fewer elements than a vector) run the specification. */
    private static final OptimKernelsScalar SCALAR = new OptimKernelsScalar();

    private static final VectorSpecies<Float> S = Lanes.FLOAT; // operator caches filled first, see Lanes


    @Override
    public void sgd(float[] p, float[] g, float[] buf, float lr, float momentum, float keep, boolean nesterov,
                    float wd, boolean first) {
        int n = p.length;
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += S.length()) {
            FloatVector pv = FloatVector.fromArray(S, p, i);
            FloatVector d = FloatVector.fromArray(S, g, i);
            if (wd != 0) {
                d = d.add(pv.mul(wd));
            }
            if (buf != null) {
                FloatVector b = first ? d : FloatVector.fromArray(S, buf, i).mul(momentum).add(d.mul(keep));
                b.intoArray(buf, i);
                d = nesterov ? d.add(b.mul(momentum)) : b;
            }
            pv.sub(d.mul(lr)).intoArray(p, i);
        }
        SCALAR.sgdRange(p, g, buf, lr, momentum, keep, nesterov, wd, first, i, n);
    }

    @Override
    public void adam(float[] p, float[] g, float[] m, float[] v, float b1, float a1, float b2, float a2,
                     float stepSize, float bc2Sqrt, float eps, float wd, boolean decoupled, float shrink) {
        int n = p.length;
        float negStep = -stepSize;
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += S.length()) {
            FloatVector pv = FloatVector.fromArray(S, p, i);
            FloatVector d = FloatVector.fromArray(S, g, i);
            if (decoupled) {
                pv = pv.mul(shrink);
            } else if (wd != 0) {
                d = d.add(pv.mul(wd));
            }
            FloatVector mv = FloatVector.fromArray(S, m, i).mul(b1).add(d.mul(a1));
            FloatVector vv = FloatVector.fromArray(S, v, i).mul(b2).add(d.mul(a2).mul(d));
            mv.intoArray(m, i);
            vv.intoArray(v, i);
            FloatVector denom = vv.lanewise(VectorOperators.SQRT).div(bc2Sqrt).add(eps);
            pv.add(mv.mul(negStep).div(denom)).intoArray(p, i);
        }
        SCALAR.adamRange(p, g, m, v, b1, a1, b2, a2, stepSize, bc2Sqrt, eps, wd, decoupled, shrink, i, n);
    }
}
