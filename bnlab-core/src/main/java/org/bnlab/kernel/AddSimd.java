package org.bnlab.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * dst[dOff + j] += src[sOff + j] for j in [0, len), V lanes at a time: each element is one float
 * addition, as in the scalar loop, so the result is bit-identical to it. C2 does not vectorize the
 * scalar loop itself when it cannot prove that the two arrays are different objects ({@link Im2col}'s
 * col2im, where it was the largest cost after the GEMM).
 */
final class AddSimd {
    private static final VectorSpecies<Float> S = Lanes.FLOAT;

    private AddSimd() {}

    static void add(float[] dst, int dOff, float[] src, int sOff, int len) {
        int j = 0;
        for (int end = S.loopBound(len); j < end; j += S.length()) {
            FloatVector.fromArray(S, dst, dOff + j).add(FloatVector.fromArray(S, src, sOff + j)).intoArray(dst, dOff + j);
        }
        for (; j < len; j++) {
            dst[dOff + j] += src[sOff + j];
        }
    }
}
