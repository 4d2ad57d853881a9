package org.bnlab.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * K = 2, S = 2 max pooling on Vector API lanes, V outputs at a time: the same rule as
 * {@link MaxPoolPlanes} (take v when {@code m == m && !(v <= m)}, over a, b, c, d in scan order),
 * lane by lane, so y and arg are bit-identical to the spec. Only loaded when {@link Simd#ENABLED}.
 *
 * <p>Input row pair (2i, 2i + 1), outputs j0 .. j0 + V: each input row's 2V floats are two vectors
 * (lo, hi), deinterleaved into its even cells (a, c) and odd cells (b, d) by one permutation of each
 * and a blend: lane l takes cell 2l (mod V) of lo for l < V/2, of hi above. Rows of at most V/2
 * outputs (the CNN's 7 with 16 lanes) go two to a vector: hi is loaded 2W further on instead of V, so
 * the upper half of the lanes holds output row i + 1, and one more permutation packs the two rows
 * next to each other.
 *
 * <p>Stores are whole vectors, never masked (measured: masked stores, and the boxing of the masks
 * passed around, made this kernel slower than the scalar loop and allocate megabytes a call): the
 * lanes past the block's last output write garbage into later outputs of the same thread's planes,
 * which the next block or the scalar loop overwrites, in order. So a block runs only if its V
 * stores end inside [0, yEnd) of this thread's planes and its loads inside x; the rest of such a
 * row is done by {@link MaxPoolPlanes#row2}.
 */
final class MaxPoolVector {
    private static final VectorSpecies<Float> S = Lanes.FLOAT;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    private static final VectorShuffle<Integer> EVEN = shuffle(0);
    private static final VectorShuffle<Integer> ODD = shuffle(1);
    private static final VectorMask<Integer> UPPER = I.indexInRange(-V / 2, V / 2); // lanes V/2 .. V-1
    /** Per thread: the candidate plane indices of {@link #candidates}, for single rows and for pairs. */
    private static final ThreadLocal<int[]> CANDIDATES = ThreadLocal.withInitial(() -> new int[8 * V]);
    /** Where {@link #candidates} puts the set for single rows (hi = V) and for row pairs (hi = 2W). */
    private static final int SINGLE = 0, PAIRS = 4 * V;
    /** PACK[ow]: lanes [0, ow) stay, lanes [ow, 2ow) take lanes [V/2, V/2 + ow), for ow in [V/4, V/2]. */
    private static final VectorShuffle<Integer>[] PACK = packs();

    private MaxPoolVector() {}

    private static VectorShuffle<Integer> shuffle(int odd) {
        int[] idx = new int[V];
        for (int l = 0; l < V; l++) {
            idx[l] = (2 * l + odd) % V;
        }
        return VectorShuffle.fromArray(I, idx, 0);
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Integer>[] packs() {
        VectorShuffle<Integer>[] p = new VectorShuffle[V / 2 + 1];
        for (int ow = 1; ow <= V / 2; ow++) {
            int[] idx = new int[V];
            for (int l = 0; l < V; l++) {
                idx[l] = l < ow ? l : (V / 2 + l - ow) % V;
            }
            p[ow] = VectorShuffle.fromArray(I, idx, 0);
        }
        return p;
    }

    /**
     * Whether this kernel serves the call: K = S = 2, int lanes as many as float lanes, and at least
     * half the lanes used: rows of at least V/2 outputs one to a vector, of V/4 to V/2 two.
     */
    static boolean applies(int k, int s, int ow) {
        return k == 2 && s == 2 && I.length() == V && 4 * ow >= V;
    }

    /** y, arg (arg may be null) of planes [p0, p1), K = S = 2. */
    static void planes(float[] y, int[] arg, float[] x, int p0, int p1, int h, int w, int oh, int ow) {
        int yEnd = p1 * oh * ow;
        boolean pairs = 2 * ow <= V;
        VectorShuffle<Integer> pack = pairs ? PACK[ow] : null;
        int[] cand = null;
        if (arg != null) {
            cand = CANDIDATES.get();
            candidates(cand, SINGLE, w, V);
            candidates(cand, PAIRS, w, 2 * w);
        }
        for (int pl = p0; pl < p1; pl++) {
            int xo = pl * h * w;
            int yo = pl * oh * ow;
            for (int i = 0; i < oh; i++) {
                int r = 2 * i * w;
                int yr = yo + i * ow;
                if (pairs && i + 1 < oh && xo + r + 3 * w + V <= x.length && yr + V <= yEnd) {
                    block(y, arg, cand, PAIRS, x, xo + r, r, w, 2 * w, yr, pack);
                    i++;
                    continue;
                }
                int j = 0;
                for (; j < ow && xo + r + w + 2 * j + 2 * V <= x.length && yr + j + V <= yEnd; j += V) {
                    block(y, arg, cand, SINGLE, x, xo + r + 2 * j, r + 2 * j, w, V, yr + j, null);
                }
                if (j < ow) {
                    MaxPoolPlanes.row2(y, arg, x, xo, r, w, 2, yr, j, ow);
                }
            }
        }
    }

    /**
     * cand[at + kV + l], k = 0..3: the plane index, relative to a block's q, of lane l's cell a, b, c
     * and d (a's is 2l, plus hi - V in the upper half, where the lanes come from the vector loaded hi
     * after lo; b = a + 1, c = a + W, d = a + W + 1). The same for every block of a call, so a block
     * blends these and adds q once. Written out per block, it took five int adds (a, its upper half,
     * b, c, d), and each inlined add brings the class-check traps that JDK 17 has recorded in the
     * Vector API's shared {@code lanewiseTemplate} into the block's compile: past
     * {@code PerMethodTrapLimit} (100) C2 stops speculating on types, loses the constant vector class
     * and boxes every vector (with the limit lowered to 10 or 20, this kernel allocated 2.6-5.2 MB per
     * CNN step at batch 128 on 2 threads, JDK 17; docs/PERFORMANCE.md, "Cliffs: causes and fixes", item 9).
     */
    private static void candidates(int[] cand, int at, int w, int hi) {
        for (int l = 0; l < V; l++) {
            int a = 2 * l + (l < V / 2 ? 0 : hi - V);
            cand[at + l] = a;
            cand[at + V + l] = a + 1;
            cand[at + 2 * V + l] = a + w;
            cand[at + 3 * V + l] = a + w + 1;
        }
    }

    /**
     * V outputs from y[yOff]: lane 0's cell a at x[p], plane index q; {@code hi} = how far after lo
     * the second vector of each input row is loaded (V: the same row; 2W: two rows down, then
     * {@code pack} puts the two output rows side by side); {@code cand} from {@code at}: the
     * {@link #candidates} for that hi (null when arg is).
     * Cells are moved (permuted, selected, stored) as int bits, compared as floats: JDK 17's Java
     * fallback of a float rearrange (what runs before C2 compiles this) reads lanes through
     * Float.floatToIntBits, which turns every NaN into the canonical one, and y must keep the
     * spec's NaN payload whatever the JIT has done so far.
     */
    private static void block(float[] y, int[] arg, int[] cand, int at, float[] x, int p, int q, int w, int hi,
                              int yOff, VectorShuffle<Integer> pack) {
        IntVector lo0 = FloatVector.fromArray(S, x, p).reinterpretAsInts();
        IntVector hi0 = FloatVector.fromArray(S, x, p + hi).reinterpretAsInts();
        IntVector lo1 = FloatVector.fromArray(S, x, p + w).reinterpretAsInts();
        IntVector hi1 = FloatVector.fromArray(S, x, p + w + hi).reinterpretAsInts();
        IntVector m = lo0.rearrange(EVEN).blend(hi0.rearrange(EVEN), UPPER);
        IntVector b = lo0.rearrange(ODD).blend(hi0.rearrange(ODD), UPPER);
        IntVector c = lo1.rearrange(EVEN).blend(hi1.rearrange(EVEN), UPPER);
        IntVector d = lo1.rearrange(ODD).blend(hi1.rearrange(ODD), UPPER);
        // take v where m is not NaN and not (v <= m), compared as floats; written out three times, not a
        // helper: a helper returning a mask has no @ForceInline, and C2 boxes it when it does not inline it
        FloatVector mf = m.reinterpretAsFloats();
        VectorMask<Integer> tb = mf.compare(VectorOperators.EQ, mf)
                .andNot(b.reinterpretAsFloats().compare(VectorOperators.LE, mf)).cast(I);
        m = m.blend(b, tb);
        mf = m.reinterpretAsFloats();
        VectorMask<Integer> tc = mf.compare(VectorOperators.EQ, mf)
                .andNot(c.reinterpretAsFloats().compare(VectorOperators.LE, mf)).cast(I);
        m = m.blend(c, tc);
        mf = m.reinterpretAsFloats();
        VectorMask<Integer> td = mf.compare(VectorOperators.EQ, mf)
                .andNot(d.reinterpretAsFloats().compare(VectorOperators.LE, mf)).cast(I);
        m = m.blend(d, td);
        if (pack != null) {
            m = m.rearrange(pack);
        }
        m.reinterpretAsFloats().intoArray(y, yOff);
        if (arg != null) {
            // the winner's candidate (the last of b, c, d taken, else a), then q added once
            IntVector best = IntVector.fromArray(I, cand, at)
                    .blend(IntVector.fromArray(I, cand, at + V), tb)
                    .blend(IntVector.fromArray(I, cand, at + 2 * V), tc)
                    .blend(IntVector.fromArray(I, cand, at + 3 * V), td)
                    .add(q);
            if (pack != null) {
                best = best.rearrange(pack);
            }
            best.intoArray(arg, yOff);
        }
    }
}
