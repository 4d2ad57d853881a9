package org.bnlab.optim;

import java.util.List;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.StateDict;

/**
 * A first-order optimizer over a fixed list of parameters (one PyTorch param group).
 *
 * <p>State for an exact resume: the per-parameter arrays named as in PyTorch's optimizer state
 * ({@code momentum_buffer}, {@code exp_avg}, {@code exp_avg_sq}) plus the step count. They are
 * allocated at construction, so {@link #step()} allocates nothing. {@link #stateDict} writes them as
 * {@code state.<param index>.<name>} (float32, the parameter's shape) and {@code step} (int64 scalar);
 * the learning rate is configuration, restored by re-creating the optimizer (and its scheduler).
 */
public interface Optimizer {

    /** Applies one update from the current gradients. */
    void step();

    /** The parameters, in the order given at construction (state index = position here). */
    List<Parameter> params();

    /** Current learning rate (schedulers change it through {@link #setLr}). */
    double lr();

    void setLr(double lr);

    /** Number of {@link #step()} calls so far (restored by {@link #loadStateDict}). */
    long stepCount();

    void setStepCount(long steps);

    /** Names of the per-parameter state arrays, e.g. {@code [exp_avg, exp_avg_sq]}; empty for plain SGD. */
    List<String> stateNames();

    /** The live state array {@code name} of parameter {@code paramIndex}. */
    float[] state(int paramIndex, String name);

    default void zeroGrad() {
        List<Parameter> ps = params();
        for (int i = 0; i < ps.size(); i++) {
            ps.get(i).zeroGrad();
        }
    }

    /** Adds the state (live arrays, not copies) to {@code out}, names prefixed by {@code prefix}. */
    default void stateDict(String prefix, StateDict out) {
        List<Parameter> ps = params();
        for (int i = 0; i < ps.size(); i++) {
            for (String name : stateNames()) {
                out.put(prefix + "state." + i + "." + name, StateDict.Entry.f32(state(i, name), ps.get(i).shape()));
            }
        }
        out.put(prefix + "step", StateDict.Entry.i64(new long[] {stepCount()}));
    }

    /** Copies the state written by {@link #stateDict} back into this optimizer's arrays. */
    default void loadStateDict(String prefix, StateDict in) {
        List<Parameter> ps = params();
        for (int i = 0; i < ps.size(); i++) {
            for (String name : stateNames()) {
                in.copyInto(prefix + "state." + i + "." + name, state(i, name), ps.get(i).shape());
            }
        }
        StateDict.Entry step = in.require(prefix + "step");
        if (step.i64() == null || step.numel() != 1) {
            throw new IllegalArgumentException("optimizer state '" + prefix + "step' must be an int64 scalar");
        }
        setStepCount(step.i64()[0]);
    }
}
