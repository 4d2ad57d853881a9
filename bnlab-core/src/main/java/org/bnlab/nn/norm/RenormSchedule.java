package org.bnlab.nn.norm;

/**
 * The clipping limits of {@link BatchRenorm} as a function of the layer's training step t (its
 * numBatchesTracked before the batch: 0 for the first). r is clipped to [1/rmax, rmax] and d to
 * [-dmax, dmax]; rmax = 1, dmax = 0 is plain BatchNorm, rmax = dmax = +infinity no clipping.
 *
 * <p>Ioffe 2017 (arXiv 1702.03275, section 4) starts with plain BN and relaxes the limits
 * gradually: {@link #paper()} is the schedule used there, plain BN for the first 5,000 steps, then
 * rmax rising linearly to 3 at step 40,000 and dmax to 5 at step 25,000.
 */
public interface RenormSchedule {

    /** Upper clip of r at step t: a number >= 1, or +infinity. */
    double rmax(long step);

    /** Clip of |d| at step t: a number >= 0, or +infinity. */
    double dmax(long step);

    /** The paper's schedule: {@code linear(5_000, 3, 40_000, 5, 25_000)}. */
    static RenormSchedule paper() {
        return linear(5_000, 3, 40_000, 5, 25_000);
    }

    /** Fixed limits (tf.keras' {@code renorm_clipping={'rmax': rmax, 'rmin': 1/rmax, 'dmax': dmax}}). */
    static RenormSchedule constant(double rmax, double dmax) {
        return new Linear(0, rmax, 0, dmax, 0);
    }

    /**
     * Plain BN (rmax = 1, dmax = 0) for steps t &lt; warmup; then rmax rises linearly from 1 to
     * {@code rmaxFinal} at step {@code rmaxFinalStep} and dmax from 0 to {@code dmaxFinal} at step
     * {@code dmaxFinalStep}, and both stay there.
     */
    static RenormSchedule linear(long warmup, double rmaxFinal, long rmaxFinalStep, double dmaxFinal, long dmaxFinalStep) {
        return new Linear(warmup, rmaxFinal, rmaxFinalStep, dmaxFinal, dmaxFinalStep);
    }

    /** The piecewise-linear schedule of {@link #linear}; its limits are checked at construction. */
    record Linear(long warmup, double rmaxFinal, long rmaxFinalStep, double dmaxFinal, long dmaxFinalStep)
            implements RenormSchedule {
        public Linear {
            if (warmup < 0 || rmaxFinalStep < 0 || dmaxFinalStep < 0) {
                throw new IllegalArgumentException("RenormSchedule: steps must be >= 0, got warmup " + warmup
                        + ", rmaxFinalStep " + rmaxFinalStep + ", dmaxFinalStep " + dmaxFinalStep);
            }
            if (!(rmaxFinal >= 1) || !(dmaxFinal >= 0)) {
                throw new IllegalArgumentException("RenormSchedule: rmax must be >= 1 and dmax >= 0 (+infinity allowed), got rmax "
                        + rmaxFinal + ", dmax " + dmaxFinal);
            }
        }

        @Override
        public double rmax(long step) {
            return ramp(step, 1, rmaxFinal, rmaxFinalStep);
        }

        @Override
        public double dmax(long step) {
            return ramp(step, 0, dmaxFinal, dmaxFinalStep);
        }

        /** start before warmup; then start + (end - start) * (t - warmup)/(endStep - warmup), up to end. */
        private double ramp(long t, double start, double end, long endStep) {
            if (t < warmup) {
                return start;
            }
            if (t >= endStep || Double.isInfinite(end)) {
                return end;
            }
            return start + (end - start) * (double) (t - warmup) / (endStep - warmup);
        }
    }
}
