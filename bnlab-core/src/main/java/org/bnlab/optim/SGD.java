package org.bnlab.optim;

import java.util.List;
import org.bnlab.kernel.KernelProvider;
import org.bnlab.kernel.OptimKernel;
import org.bnlab.nn.Parameter;

/**
 * torch.optim.SGD (1.13 semantics), per element with g the gradient:
 *
 * <pre>
 *   g = g + weight_decay * p                        (if weight_decay != 0)
 *   b = g                                            (first step: buffer initialised to g)
 *   b = momentum * b + (1 - dampening) * g           (later steps)
 *   g = nesterov ? g + momentum * b : b              (if momentum != 0)
 *   p = p - lr * g
 * </pre>
 *
 * State: {@code momentum_buffer} when momentum != 0. Arithmetic in float, like PyTorch's CPU kernels.
 * Build with {@code SGD.builder(params).lr(0.01).momentum(0.9).build()}; defaults are PyTorch's
 * (momentum 0, dampening 0, nesterov false, weight decay 0); lr has no default, as in PyTorch.
 */
public final class SGD extends AbstractOptimizer {
    private static final OptimKernel OPTIM = KernelProvider.get().optim();


    private final float momentum;
    private final float dampening;
    private final float keep; // 1 - dampening, rounded once as PyTorch's alpha
    private final boolean nesterov;
    private final float weightDecay;

    public SGD(List<Parameter> params, double lr, double momentum, double dampening, boolean nesterov, double weightDecay) {
        super(params, lr, momentum != 0 ? List.of("momentum_buffer") : List.of());
        check(momentum >= 0 && momentum < 1, "Invalid momentum value: " + momentum + " (must be in [0, 1))");
        check(dampening >= 0 && dampening <= 1, "Invalid dampening value: " + dampening + " (must be in [0, 1])");
        check(weightDecay >= 0 && Double.isFinite(weightDecay), "Invalid weight_decay value: " + weightDecay + " (must be >= 0)");
        check(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum requires a momentum and zero dampening");
        this.momentum = (float) momentum;
        this.dampening = (float) dampening;
        this.keep = (float) (1.0 - dampening);
        this.nesterov = nesterov;
        this.weightDecay = (float) weightDecay;
    }

    public static Builder builder(List<Parameter> params) {
        return new Builder(params);
    }

    @Override
    public void step() {
        boolean first = nextStep() == 1;
        float lr = (float) lr();
        List<Parameter> ps = params();
        for (int k = 0; k < ps.size(); k++) {
            OPTIM.sgd(ps.get(k).data(), ps.get(k).grad(), momentum != 0 ? state(0, k) : null, lr, momentum, keep,
                    nesterov, weightDecay, first);
        }
    }

    public double momentum() {
        return momentum;
    }

    public double dampening() {
        return dampening;
    }

    public boolean nesterov() {
        return nesterov;
    }

    public double weightDecay() {
        return weightDecay;
    }

    @Override
    public String toString() {
        return "SGD(lr=" + lr() + ", momentum=" + momentum + ", dampening=" + dampening + ", nesterov=" + nesterov
                + ", weight_decay=" + weightDecay + ")";
    }

    /** Optional settings with PyTorch's defaults; {@link #lr} is required. */
    public static final class Builder {
        private final List<Parameter> params;
        private double lr = Double.NaN;
        private double momentum;
        private double dampening;
        private boolean nesterov;
        private double weightDecay;

        private Builder(List<Parameter> params) {
            this.params = params;
        }

        public Builder lr(double lr) {
            this.lr = lr;
            return this;
        }

        public Builder momentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        public Builder dampening(double dampening) {
            this.dampening = dampening;
            return this;
        }

        public Builder nesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        public Builder weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public SGD build() {
            check(!Double.isNaN(lr), "SGD: the learning rate is required (builder.lr(...))");
            return new SGD(params, lr, momentum, dampening, nesterov, weightDecay);
        }
    }
}
