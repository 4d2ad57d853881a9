package org.bnlab.kernel;

/**
 * Decides once, at start-up, whether the Vector API kernels are used.
 *
 * <p>SIMD is on when the {@code jdk.incubator.vector} module is in the boot layer (the JVM was started
 * with {@code --add-modules jdk.incubator.vector}, as {@code ./bnlab} and the test runner do) and the
 * system property {@code bnlab.simd} is not {@code false}. The scalar kernels are the specification;
 * the SIMD ones are tested against them.
 */
public final class Simd {
    /** True when the SIMD kernels are in use. */
    public static final boolean ENABLED = decide();

    private Simd() {}

    private static boolean decide() {
        if ("false".equalsIgnoreCase(System.getProperty("bnlab.simd", "true").trim())) {
            return false;
        }
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** A one-line description for logs and provenance, e.g. "SIMD (512-bit)" or "scalar". */
    public static String describe() {
        if (!ENABLED) {
            return "scalar";
        }
        return "SIMD (" + VectorWidth.bits() + "-bit)";
    }

    /** Isolated so the incubator classes load only when SIMD is enabled. */
    private static final class VectorWidth {
        static int bits() {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        }
    }
}
