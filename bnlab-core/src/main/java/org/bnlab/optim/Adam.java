package org.bnlab.optim;

import java.util.List;
import org.bnlab.kernel.KernelProvider;
import org.bnlab.kernel.OptimKernel;
import org.bnlab.nn.Parameter;

/**
 * torch.optim.Adam (1.13, amsgrad=False), per element at step t with g the gradient:
 *
 * <pre>
 *   g   = g + weight_decay * p                     (Adam: L2 penalty added to the gradient)
 *   p   = p * (1 - lr * weight_decay)              (AdamW instead: decoupled decay, before the update)
 *   m   = beta1 * m + (1 - beta1) * g              (exp_avg)
 *   v   = beta2 * v + (1 - beta2) * g * g          (exp_avg_sq)
 *   p   = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * eps is added after the bias-corrected square root, as in PyTorch (not inside it). Scalars are
 * computed in double and rounded to float; the elementwise arithmetic is float, like PyTorch's CPU
 * kernels. Build with {@code Adam.builder(params).lr(1e-3).build()} (defaults lr 1e-3, betas
 * (0.9, 0.999), eps 1e-8, weight decay 0) or {@link AdamW#builder}.
 */
public class Adam extends AbstractOptimizer {
    private static final OptimKernel OPTIM = KernelProvider.get().optim();


    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;

    Adam(Builder b) {
        super(b.params, b.lr, List.of("exp_avg", "exp_avg_sq"));
        check(b.beta1 >= 0 && b.beta1 < 1, "Invalid beta parameter at index 0: " + b.beta1 + " (must be in [0, 1))");
        check(b.beta2 >= 0 && b.beta2 < 1, "Invalid beta parameter at index 1: " + b.beta2 + " (must be in [0, 1))");
        check(b.eps > 0 && Double.isFinite(b.eps), "Invalid epsilon value: " + b.eps + " (must be > 0)");
        check(b.weightDecay >= 0 && Double.isFinite(b.weightDecay), "Invalid weight_decay value: " + b.weightDecay + " (must be >= 0)");
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
        this.weightDecay = b.weightDecay;
        this.decoupled = b.decoupled;
    }

    /** Adam with PyTorch's defaults (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0). */
    public static Builder builder(List<Parameter> params) {
        return new Builder(params, false);
    }

    @Override
    public final void step() {
        long t = nextStep();
        double lr = lr();
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float a1 = (float) (1 - beta1);
        float a2 = (float) (1 - beta2);
        float stepSize = (float) (lr / (1 - Math.pow(beta1, t)));
        float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, t));
        float epsF = (float) eps;
        float shrink = (float) (1 - lr * weightDecay);
        List<Parameter> ps = params();
        for (int k = 0; k < ps.size(); k++) {
            OPTIM.adam(ps.get(k).data(), ps.get(k).grad(), state(0, k), state(1, k), b1, a1, b2, a2, stepSize,
                    bc2Sqrt, epsF, (float) weightDecay, decoupled, shrink);
        }
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double eps() {
        return eps;
    }

    public double weightDecay() {
        return weightDecay;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(lr=" + lr() + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps
                + ", weight_decay=" + weightDecay + ")";
    }

    /** Optional settings; defaults are PyTorch's for Adam or AdamW. */
    public static final class Builder {
        private final List<Parameter> params;
        private final boolean decoupled;
        private double lr = 1e-3;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private double weightDecay;

        Builder(List<Parameter> params, boolean decoupled) {
            this.params = params;
            this.decoupled = decoupled;
            this.weightDecay = decoupled ? 1e-2 : 0;
        }

        public Builder lr(double lr) {
            this.lr = lr;
            return this;
        }

        public Builder betas(double beta1, double beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        public Builder weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /** An {@link Adam}, or an {@link AdamW} when the builder came from {@link AdamW#builder}. */
        public Adam build() {
            return decoupled ? new AdamW(this) : new Adam(this);
        }
    }
}
