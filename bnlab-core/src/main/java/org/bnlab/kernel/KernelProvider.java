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
public abstract class KernelProvider {

    KernelProvider() {
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
    public abstract boolean vectorized();

    public abstract BatchNormKernel batchNorm();

    public abstract GroupNormKernel groupNorm();

    public abstract ActivationKernel activations();

    public abstract OptimKernel optim();

    private static final class Holder {
        static final KernelProvider SCALAR = new Scalar();
        static final KernelProvider SELECTED = Simd.ENABLED ? VectorLoader.load() : SCALAR;

        private Holder() {
        }
    }

    /** Keeps the Vector API classes unloaded unless SIMD is on. */
    private static final class VectorLoader {
        private VectorLoader() {
        }

        static KernelProvider load() {
            return new Vectorized();
        }
    }

    private static final class Scalar extends KernelProvider {
        private final BatchNormKernel batchNorm = new BatchNormScalar();
        private final GroupNormKernel groupNorm = new GroupNormScalar();
        private final ActivationKernel activations = new ActivationsScalar();
        private final OptimKernel optim = new OptimKernelsScalar();

        @Override
        public boolean vectorized() {
            return false;
        }

        @Override
        public BatchNormKernel batchNorm() {
            return batchNorm;
        }

        @Override
        public GroupNormKernel groupNorm() {
            return groupNorm;
        }

        @Override
        public ActivationKernel activations() {
            return activations;
        }

        @Override
        public OptimKernel optim() {
            return optim;
        }
    }

    private static final class Vectorized extends KernelProvider {
        private final BatchNormKernel batchNorm = new BatchNormVector();
        private final GroupNormKernel groupNorm = new GroupNormVector();
        private final ActivationKernel activations = new ActivationsVector();
        private final OptimKernel optim = new OptimKernelsVector();

        @Override
        public boolean vectorized() {
            return true;
        }

        @Override
        public BatchNormKernel batchNorm() {
            return batchNorm;
        }

        @Override
        public GroupNormKernel groupNorm() {
            return groupNorm;
        }

        @Override
        public ActivationKernel activations() {
            return activations;
        }

        @Override
        public OptimKernel optim() {
            return optim;
        }
    }
}
