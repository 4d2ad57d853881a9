package org.bnlab.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * K = 2, S = 2 max pooling on Vector API lanes, V outputs of one output row at a time: the same rule
 * as {@link MaxPoolPlanes} (take v when {@code m == m && !(v <= m)}, over a, b, c, d in scan order),
 * lane by lane, so y and arg are bit-identical to the spec. Only loaded when {@link Simd#ENABLED}.
 *
 * <p>Input row pair (2i, 2i + 1), outputs j0 .. j0 + V: each input row's 2V floats are two vectors
 * (lo, hi), deinterleaved into its even cells (a, c) and odd cells (b, d) by one permutation of each
 * and a blend: lane l takes cell 2l (mod V) of lo for l < V/2, of hi above. Rows narrower than V
 * outputs (the CNN's 14 and 7 with 16 lanes) still use one vector: the lanes past the row's end
 * compute garbage from the next row and are not stored (masked store). A block whose loads would
 * run past the array's end is left to the scalar loop.
 */
final class MaxPoolVector {
    private static final VectorSpecies<Float> S = Lanes.FLOAT;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    private static final VectorShuffle<Integer> EVEN = shuffle(0);
    private static final VectorShuffle<Integer> ODD = shuffle(1);
    private static final VectorMask<Integer> UPPER = I.indexInRange(-V / 2, V / 2); // lanes V/2 .. V-1
    /** 2l: the plane index of lane l's cell a, relative to the block's first. */
    private static final IntVector TWICE_IOTA = IntVector.zero(I).addIndex(2);

    private MaxPoolVector() {}

    private static VectorShuffle<Integer> shuffle(int odd) {
        int[] idx = new int[V];
        for (int l = 0; l < V; l++) {
            idx[l] = (2 * l + odd) % V;
        }
        return VectorShuffle.fromArray(I, idx, 0);
    }

    /**
     * Whether this kernel serves the call: K = S = 2, int lanes as many as float lanes, and output
     * rows that fill at least half the lanes (measured with 16 lanes, 1 thread: 14 outputs a row,
     * [128,32,28,28], 3.75 -> 1.93 ms with arg; 7 a row, [128,64,14,14], no faster than the scalar
     * loop, 1.97 ms with arg, and slower without, 1.28 against 1.16 ms).
     */
    static boolean applies(int k, int s, int ow) {
        return k == 2 && s == 2 && I.length() == V && 2 * ow >= V;
    }

    /** y, arg (arg may be null) of planes [p0, p1), K = S = 2. */
    static void planes(float[] y, int[] arg, float[] x, int p0, int p1, int h, int w, int oh, int ow) {
        for (int pl = p0; pl < p1; pl++) {
            int xo = pl * h * w;
            int yo = pl * oh * ow;
            for (int i = 0; i < oh; i++) {
                int r = 2 * i * w;
                int yr = yo + i * ow;
                int j = 0;
                for (; j < ow && xo + r + w + 2 * j + 2 * V <= x.length; j += V) {
                    block(y, arg, x, xo, r + 2 * j, w, yr + j, S.indexInRange(j, ow));
                }
                if (j < ow) { // the array's last cells: the scalar rule
                    MaxPoolPlanes.row2(y, arg, x, xo, r, w, 2, yr, j, ow);
                }
            }
        }
    }

    /**
     * Outputs at y[yOff + l] for the lanes l of {@code store}; q = the plane index of lane 0's a.
     * Cells are moved (permuted, selected, stored) as int bits, compared as floats: JDK 17's Java
     * fallback of a float rearrange (what runs before C2 compiles this) reads lanes through
     * Float.floatToIntBits, which turns every NaN into the canonical one, and y must keep the
     * spec's NaN payload whatever the JIT has done so far.
     */
    private static void block(float[] y, int[] arg, float[] x, int xo, int q, int w, int yOff, VectorMask<Float> store) {
        int p = xo + q;
        IntVector lo0 = FloatVector.fromArray(S, x, p).reinterpretAsInts();
        IntVector hi0 = FloatVector.fromArray(S, x, p + V).reinterpretAsInts();
        IntVector lo1 = FloatVector.fromArray(S, x, p + w).reinterpretAsInts();
        IntVector hi1 = FloatVector.fromArray(S, x, p + w + V).reinterpretAsInts();
        IntVector m = lo0.rearrange(EVEN).blend(hi0.rearrange(EVEN), UPPER);
        IntVector b = lo0.rearrange(ODD).blend(hi0.rearrange(ODD), UPPER);
        IntVector c = lo1.rearrange(EVEN).blend(hi1.rearrange(EVEN), UPPER);
        IntVector d = lo1.rearrange(ODD).blend(hi1.rearrange(ODD), UPPER);
        VectorMask<Integer> tb = take(b, m);
        m = m.blend(b, tb);
        VectorMask<Integer> tc = take(c, m);
        m = m.blend(c, tc);
        VectorMask<Integer> td = take(d, m);
        m = m.blend(d, td);
        m.reinterpretAsFloats().intoArray(y, yOff, store);
        if (arg != null) {
            IntVector qa = TWICE_IOTA.add(q);
            IntVector best = qa.blend(qa.add(1), tb);
            best = best.blend(qa.add(w), tc);
            best = best.blend(qa.add(w + 1), td);
            best.intoArray(arg, yOff, store.cast(I));
        }
    }

    /** Lanes where v is taken: m is not NaN and not (v <= m) (v, m: float bits). */
    private static VectorMask<Integer> take(IntVector vb, IntVector mb) {
        FloatVector v = vb.reinterpretAsFloats();
        FloatVector m = mb.reinterpretAsFloats();
        return m.compare(VectorOperators.EQ, m).andNot(v.compare(VectorOperators.LE, m)).cast(I);
    }
}
