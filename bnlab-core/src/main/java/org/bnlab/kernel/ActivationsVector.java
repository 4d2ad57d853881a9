package org.bnlab.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API versions of {@link Activations}; same formulas, a vector loop and a scalar tail. */
final class ActivationsVector implements ActivationKernel {

    /** The tails (fewer elements than a vector) run the specification. */
    private static final ActivationsScalar SCALAR = new ActivationsScalar();

    private static final VectorSpecies<Float> S = Lanes.FLOAT; // operator caches filled first, see Lanes
    /** The float sign bit, as an int lane: x | SIGN_BIT = -|x|. */
    private static final int SIGN_BIT = 0x80000000;
    // Below this |x| tanh uses its odd Taylor polynomial (1 - e^{-2|x|} would cancel).
    private static final float TANH_SMALL = 0.5f;
    // tanh(x) = x + x^3 * P(x^2), Taylor coefficients up to x^17: truncation < 1e-9 relative at 0.5.
    private static final float T3 = -1f / 3;
    private static final float T5 = 2f / 15;
    private static final float T7 = -17f / 315;
    private static final float T9 = 62f / 2835;
    private static final float T11 = -1382f / 155925;
    private static final float T13 = 21844f / 6081075;
    private static final float T15 = -929569f / 638512875;
    private static final float T17 = 6404582f / 10854718875f;

    private static final FloatVector V_T13 = FloatVector.broadcast(S, T13);
    private static final FloatVector V_T11 = FloatVector.broadcast(S, T11);
    private static final FloatVector V_T9 = FloatVector.broadcast(S, T9);
    private static final FloatVector V_T7 = FloatVector.broadcast(S, T7);
    private static final FloatVector V_T5 = FloatVector.broadcast(S, T5);
    private static final FloatVector V_T3 = FloatVector.broadcast(S, T3);


    @Override
    public void reluForward(float[] x, float[] y, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            // y = v where !(v <= 0) (keeps NaN), else 0
            v.blend(0f, v.compare(VectorOperators.LE, 0f)).intoArray(y, i);
        }
        SCALAR.reluForward(x, y, i, to);
    }

    @Override
    public void reluBackward(float[] y, float[] dy, float[] dx, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector g = FloatVector.fromArray(S, dy, i);
            VectorMask<Float> off = FloatVector.fromArray(S, y, i).compare(VectorOperators.LE, 0f);
            g.blend(0f, off).intoArray(dx, i);
        }
        SCALAR.reluBackward(y, dy, dx, i, to);
    }

    @Override
    public void sigmoidForward(float[] x, float[] y, int from, int to) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            // e = exp(-|x|) <= 1 never overflows: sigmoid(|x|) = 1/(1+e), sigmoid(-|x|) = e/(1+e);
            // -|x| is x with the sign bit set (one OR instead of abs and neg, the same bits)
            FloatVector e = VectorMath.exp(v.reinterpretAsInts().or(SIGN_BIT).reinterpretAsFloats());
            FloatVector r0 = one.blend(e, v.compare(VectorOperators.LT, 0f)).div(e.add(1f));
            // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics;
            // r0 >= +0 or NaN, so no abs() before the compare
            r0.blend(0f, r0.compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, i);
        }
        SCALAR.sigmoidForward(x, y, i, to);
    }

    @Override
    public void sigmoidBackward(float[] y, float[] dy, float[] dx, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector s = FloatVector.fromArray(S, y, i);
            FloatVector g = FloatVector.fromArray(S, dy, i);
            FloatVector r1 = g.mul(s.neg().add(1f)).mul(s);
            // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
            r1.blend(0f, r1.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, i);
        }
        SCALAR.sigmoidBackward(y, dy, dx, i, to);
    }

    @Override
    public void tanhForward(float[] x, float[] y, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector a = v.abs();
            // large |x|: tanh|x| = (1 - e) / (1 + e), e = exp(-2|x|); exactly 1 once e < 2^-25
            FloatVector e = VectorMath.exp(a.mul(-2f));
            FloatVector big = e.neg().add(1f).div(e.add(1f));
            big = big.blend(big.neg(), v.compare(VectorOperators.LT, 0f));
            // small |x|: odd polynomial, keeps the sign and -0
            FloatVector x2 = v.mul(v);
            FloatVector p = x2.fma(T17, T15);
            p = p.fma(x2, V_T13);
            p = p.fma(x2, V_T11);
            p = p.fma(x2, V_T9);
            p = p.fma(x2, V_T7);
            p = p.fma(x2, V_T5);
            p = p.fma(x2, V_T3);
            FloatVector small = p.mul(x2).fma(v, v) /* x + x^3 P */;
            FloatVector r2 = big.blend(small, a.compare(VectorOperators.LT, TANH_SMALL));
            // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
            r2.blend(0f, r2.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, i);
        }
        SCALAR.tanhForward(x, y, i, to);
    }

    @Override
    public void tanhBackward(float[] y, float[] dy, float[] dx, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector t = FloatVector.fromArray(S, y, i);
            FloatVector g = FloatVector.fromArray(S, dy, i);
            FloatVector r3 = g.mul(t.mul(t).neg().add(1f));
            // flush subnormals to zero (see Subnormals), written inline so C2 keeps the intrinsics
            r3.blend(0f, r3.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, i); // same rounding as the scalar 1 - t*t
        }
        SCALAR.tanhBackward(y, dy, dx, i, to);
    }
}
