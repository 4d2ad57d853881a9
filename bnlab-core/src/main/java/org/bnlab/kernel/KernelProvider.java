package org.bnlab.kernel;

/**
 * The one place where the kernels are chosen, once, at start-up (as Lucene's
 * VectorizationProvider): the Vector API implementations when {@link Simd#ENABLED}, else the scalar
 * ones, which are the specification. Callers keep the returned kernel in a static final field (or a
 * final field), so the JIT sees one implementation and inlines it; nothing tests a flag per call.
 *
 * <p>Argument conventions, the same in every kernel family: first the arrays read, then the arrays
 * written (in place: the arrays updated), then the view (offset, sizes, the range of rows or
 * channels to do), then per-channel or scalar coefficients. Results below the float normal range are
 * flushed to zero by one rule, {@link Subnormals}, on both paths.
 */
public final class KernelProvider {

    private final boolean vectorized;
    private final BatchNormKernel batchNorm;
    private final GroupNormKernel groupNorm;
    private final ActivationKernel activations;
    private final OptimKernel optim;

    private KernelProvider(boolean vectorized, BatchNormKernel batchNorm, GroupNormKernel groupNorm,
                           ActivationKernel activations, OptimKernel optim) {
        this.vectorized = vectorized;
        this.batchNorm = batchNorm;
        this.groupNorm = groupNorm;
        this.activations = activations;
        this.optim = optim;
    }

    /** The kernels in use: SIMD unless disabled (see {@link Simd}). */
    public static KernelProvider get() {
        return Holder.SELECTED;
    }

    /** The scalar specification, whatever {@link Simd} says (tests compare the two). */
    public static KernelProvider scalar() {
        return Holder.SCALAR;
    }

    /** True for the Vector API kernels. */
    public boolean vectorized() {
        return vectorized;
    }

    public BatchNormKernel batchNorm() {
        return batchNorm;
    }

    public GroupNormKernel groupNorm() {
        return groupNorm;
    }

    public ActivationKernel activations() {
        return activations;
    }

    public OptimKernel optim() {
        return optim;
    }

    private static final class Holder {
        static final KernelProvider SCALAR = new KernelProvider(false, new BatchNormScalar(), new GroupNormScalar(),
                new ActivationsScalar(), new OptimKernelsScalar());
        static final KernelProvider SELECTED = Simd.ENABLED ? VectorLoader.load() : SCALAR;

        private Holder() {
        }
    }

    /** Keeps the Vector API classes unloaded unless SIMD is on. */
    private static final class VectorLoader {
        private VectorLoader() {
        }

        static KernelProvider load() {
            return new KernelProvider(true, new BatchNormVector(), new GroupNormVector(), new ActivationsVector(),
                    new OptimKernelsVector());
        }
    }
}
