package org.bnlab.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Applies {@link VectorMath#exp} to whole arrays for the tests (separate class: loaded only with SIMD). */
final class VectorExpProbe {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorExpProbe() {}

    static void exp(float[] x, float[] y) {
        int i = 0;
        for (int end = S.loopBound(x.length); i < end; i += S.length()) {
            VectorMath.exp(FloatVector.fromArray(S, x, i)).intoArray(y, i);
        }
        float[] tx = new float[S.length()];
        float[] ty = new float[S.length()];
        System.arraycopy(x, i, tx, 0, x.length - i);
        VectorMath.exp(FloatVector.fromArray(S, tx, 0)).intoArray(ty, 0);
        System.arraycopy(ty, 0, y, i, x.length - i);
    }
}
