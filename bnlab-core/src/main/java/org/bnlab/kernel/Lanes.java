package org.bnlab.kernel;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one float vector species of the SIMD kernels, handed out only after the Vector API's operator
 * caches are filled. Every SIMD kernel class takes its species from here, so the filling runs once,
 * before the first vector kernel executes.
 *
 * <p>Why (measured, docs/PERFORMANCE.md "Cliffs"): every lanewise operation and reduction looks up
 * its Java fallback in a per-operator cache ({@code VectorOperators.ImplCache.find}: a cache miss
 * calls a supplier lambda, a different class for each kind of operation). When that method is already
 * compiled and meets a miss for an operator used for the first time (a kernel that runs later than
 * the others: tanh after sigmoid, the MLP after BN), the call on the supplier fails C2's class check
 * and deoptimizes, up to 4 times, and those traps stay in the method's profile for the life of the
 * JVM. C2 adds the traps of every method it inlines into a compilation; a kernel inlines this lookup
 * once per vector operation, so a kernel of 25 or more operations reaches HotSpot's per-method limit
 * of 100 class-check traps, and from there C2 compiles each type-profiled call with a virtual-call
 * fallback instead of a trap. The vector species then stops being a constant, the intrinsics fail
 * ("missing constant ... vclass=DecodeN" in -XX:+PrintIntrinsics), and every vector is boxed: tens of
 * kilobytes to megabytes per training step, in some JVMs and not others. With every cache entry
 * filled here, in the interpreter, no compiled code ever misses, C2 folds the (stable) cache load to
 * a constant, and no trap is recorded.
 */
final class Lanes {
    /**
     * How many times {@link #primed} runs each operation: enough for the Vector API's shared methods
     * to be compiled with profiling (C1, after 200 calls) and to record every operator kind in their
     * type profiles before any kernel runs (about 0.1 s once per JVM). Declared before {@link #FLOAT}:
     * static fields are initialized in the order written.
     */
    static final int PRIMING_ROUNDS = 300;

    /** The preferred float species (16 lanes with AVX-512, 8 with AVX2): the only one the kernels use. */
    static final VectorSpecies<Float> FLOAT = primed();

    private Lanes() {}

    /**
     * Applies every unary, binary, ternary, comparison and test operator and every reduction of
     * {@link VectorOperators} to float and int vectors (the element types the kernels use; int for
     * exp's exponent bits), {@link #PRIMING_ROUNDS} times in turn. The first call of each fills the
     * operator's cache entry. The repetitions give the shared methods every operator uses (the
     * operator-kind test {@code VectorOperators.opKind}, the lanewise templates' cast of the cached
     * fallback) type profiles that have seen more classes than C2 speculates on, so C2 compiles them
     * without class checks: otherwise a shared method compiled while it had seen one operator traps
     * when it meets another, up to 4 times per site, and every kernel that inlines it n times adds 4n
     * to its compile's sum of class-check traps, which boxes all its vectors at 100 (docs/PERFORMANCE.md,
     * "Cliffs: causes and fixes", item 9). Operators an element type does not support throw
     * {@link UnsupportedOperationException} on the first round and are dropped.
     */
    private static VectorSpecies<Float> primed() {
        VectorSpecies<Float> fs = FloatVector.SPECIES_PREFERRED;
        FloatVector f = FloatVector.broadcast(fs, 1f);
        IntVector i = f.reinterpretAsInts();
        List<Runnable> ops = new ArrayList<>();
        for (Field field : VectorOperators.class.getFields()) {
            if (!Modifier.isStatic(field.getModifiers())) {
                continue;
            }
            Object op;
            try {
                op = field.get(null);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
            if (op instanceof VectorOperators.Unary u) {
                ops.add(() -> f.lanewise(u));
                ops.add(() -> i.lanewise(u));
            }
            if (op instanceof VectorOperators.Binary b) {
                ops.add(() -> f.lanewise(b, f));
                ops.add(() -> f.lanewise(b, 1f));
                ops.add(() -> i.lanewise(b, i));
                ops.add(() -> i.lanewise(b, 1)); // shifts by a scalar have their own cache
            }
            if (op instanceof VectorOperators.Ternary t) {
                ops.add(() -> f.lanewise(t, f, f));
                ops.add(() -> i.lanewise(t, i, i));
            }
            if (op instanceof VectorOperators.Associative a) {
                ops.add(() -> f.reduceLanes(a));
                ops.add(() -> i.reduceLanes(a));
            }
            if (op instanceof VectorOperators.Comparison c) {
                ops.add(() -> f.compare(c, f));
                ops.add(() -> i.compare(c, i));
            }
            if (op instanceof VectorOperators.Test t) {
                ops.add(() -> f.test(t)); // (on ints, JDK 17's IS_FINITE fails an assertion instead of throwing)
            }
        }
        ops.removeIf(op -> !supported(op));
        for (int r = 1; r < PRIMING_ROUNDS; r++) {
            for (Runnable op : ops) {
                op.run();
            }
        }
        return fs;
    }

    /** Runs op once: false if the element type does not define it (bitwise on floats, transcendental on ints). */
    private static boolean supported(Runnable op) {
        try {
            op.run();
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    /** Per-thread lane buffer of {@link #buffer} (allocated once per thread). */
    private static final ThreadLocal<float[]> LANE_BUFFER = ThreadLocal.withInitial(() -> new float[FLOAT.length()]);

    /** The calling thread's buffer of one vector's lanes, for {@code v.intoArray(buffer, 0)} then {@link #sumLanes}. */
    static float[] buffer() {
        return LANE_BUFFER.get();
    }

    /**
     * The sum of a vector's lanes stored at {@code lanes[o]}, in a fixed order: lane 0, then + lane 1,
     * + lane 2, ... in float. {@code reduceLanes(ADD)} leaves the order unspecified, and its intrinsic
     * (a tree) and its Java fallback (what runs before C2 has compiled a kernel) differ in the last
     * bit, so two threads, one still interpreting, could give two results for the same chunk; this
     * keeps the kernels' results independent of the thread count and of the JIT's progress.
     * It takes an array, not a vector, on purpose: a helper of ours with a vector parameter or result
     * has no {@code @ForceInline} (the Vector API's own methods do), so C2 may decline to inline it
     * when a kernel's compile runs into its inlining budget (NodeCountInliningCutoff, seen in the
     * larger kernels' logs), and every vector passed then is boxed; storing the vector is intrinsic.
     */
    static float sumLanes(float[] lanes, int o) {
        float s = lanes[o];
        for (int i = 1; i < FLOAT.length(); i++) {
            s += lanes[o + i];
        }
        return s;
    }
}
