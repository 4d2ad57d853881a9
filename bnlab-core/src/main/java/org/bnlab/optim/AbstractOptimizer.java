package org.bnlab.optim;

import java.util.List;
import org.bnlab.nn.Parameter;

/** Parameters, learning rate, step count and named per-parameter state arrays shared by the optimizers. */
abstract class AbstractOptimizer implements Optimizer {

    private final List<Parameter> params;
    private final List<String> stateNames;
    private final float[][][] state; // [name][param] -> array of the parameter's length
    private double lr;
    private long steps;

    AbstractOptimizer(List<Parameter> params, double lr, List<String> stateNames) {
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException("optimizer got an empty parameter list");
        }
        for (Parameter p : params) {
            if (p == null) {
                throw new IllegalArgumentException("optimizer got a null parameter");
            }
        }
        this.params = List.copyOf(params);
        this.stateNames = List.copyOf(stateNames);
        this.state = new float[stateNames.size()][this.params.size()][];
        for (int k = 0; k < stateNames.size(); k++) {
            for (int i = 0; i < this.params.size(); i++) {
                state[k][i] = new float[this.params.get(i).numel()];
            }
        }
        check(lr > 0 && Double.isFinite(lr), "Invalid learning rate: " + lr + " (must be > 0)");
        this.lr = lr;
    }

    static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    final float[] state(int kind, int paramIndex) {
        return state[kind][paramIndex];
    }

    /** Increments and returns the step count; called once at the start of each step. */
    final long nextStep() {
        return ++steps;
    }

    @Override
    public final List<Parameter> params() {
        return params;
    }

    @Override
    public final double lr() {
        return lr;
    }

    /** Accepts 0 (a schedule may anneal to eta_min = 0); the constructor requires lr > 0. */
    @Override
    public final void setLr(double lr) {
        if (!(lr >= 0 && Double.isFinite(lr))) { // not check(...): the message would be built on every call
            throw new IllegalArgumentException("Invalid learning rate: " + lr + " (must be >= 0)");
        }
        this.lr = lr;
    }

    @Override
    public final long stepCount() {
        return steps;
    }

    @Override
    public final void setStepCount(long steps) {
        check(steps >= 0, "step count must be >= 0, got " + steps);
        this.steps = steps;
    }

    @Override
    public final List<String> stateNames() {
        return stateNames;
    }

    @Override
    public final float[] state(int paramIndex, String name) {
        int k = stateNames.indexOf(name);
        if (k < 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no state '" + name
                    + "' (has " + stateNames + ")");
        }
        return state[k][paramIndex];
    }
}
