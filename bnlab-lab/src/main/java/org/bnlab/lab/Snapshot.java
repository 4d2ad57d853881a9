package org.bnlab.lab;

import java.util.List;
import java.util.Map;
import org.bnlab.nn.CrossEntropyLoss;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Tensor;

/**
 * A deep copy of a model's whole state_dict: parameters, BN running statistics and
 * {@code num_batches_tracked}, and any other counter a module keeps there (e.g. {@link NoisyShift}'s
 * step). The lab uses it to evaluate the loss at modified parameters on the current mini-batch and
 * then put the model back exactly, so that training continues as if nothing had been measured.
 */
public final class Snapshot {
    private final StateDict state = new StateDict();

    private Snapshot(Sequential model) {
        StateDict live = new StateDict();
        model.stateDict("", live);
        for (Map.Entry<String, StateDict.Entry> e : live.entries().entrySet()) {
            StateDict.Entry v = e.getValue();
            state.put(e.getKey(), new StateDict.Entry(v.shape().clone(),
                    v.f32() == null ? null : v.f32().clone(), v.i64() == null ? null : v.i64().clone()));
        }
    }

    public static Snapshot of(Sequential model) {
        return new Snapshot(model);
    }

    /** Copies the saved state back into the model's live arrays. */
    public void restore(Sequential model) {
        model.loadStateDict("", state);
    }

    /** The saved values of parameter or buffer {@code name} (e.g. {@code 0.weight}); do not modify. */
    public float[] get(String name) {
        return state.require(name).f32();
    }

    /**
     * Loss of {@code model} on (x, labels) in training mode (batch statistics, as in a training step)
     * and its gradient with respect to every parameter, copied into {@code grads[i]} for
     * {@code params.get(i)}. The model's state is restored afterwards (a training-mode forward moves
     * the running statistics and the noise counters); parameter gradients are left overwritten.
     */
    public static float lossAndGrad(Sequential model, CrossEntropyLoss loss, Tensor x, int[] labels,
                                    List<Parameter> params, float[][] grads) {
        Snapshot keep = of(model);
        model.zeroGrad();
        Tensor logits = model.forwardBuffered(x, true);
        float l = loss.forward(logits, labels);
        model.backwardBuffered(loss.gradBuffer());
        for (int i = 0; i < params.size(); i++) {
            System.arraycopy(params.get(i).grad(), 0, grads[i], 0, grads[i].length);
        }
        keep.restore(model);
        return l;
    }

    /** Arrays shaped like the parameters' gradients, for {@link #lossAndGrad}. */
    public static float[][] gradBuffers(List<Parameter> params) {
        float[][] g = new float[params.size()][];
        for (int i = 0; i < g.length; i++) {
            g[i] = new float[params.get(i).numel()];
        }
        return g;
    }

    /** sqrt(sum_i ||a_i - b_i||^2) over all parameters (b may be null: the norm of a). */
    static double distance(float[][] a, float[][] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                double d = b == null ? a[i][j] : (double) a[i][j] - b[i][j];
                s += d * d;
            }
        }
        return Math.sqrt(s);
    }
}
