package org.bnlab.nn;

import java.util.List;
import org.bnlab.tensor.Tensor;

/**
 * A layer: owns its parameters, gradients, buffers and the cache backward needs.
 *
 * <p>Two forms of each pass:
 * <ul>
 *   <li>{@link #forward}/{@link #backward}: PyTorch-like, the result is a new tensor the caller owns.</li>
 *   <li>{@link #forwardBuffered}/{@link #backwardBuffered}: allocation-free, for the training loop
 *       (like llm.c's activation buffers): the result is this module's own buffer, overwritten by its
 *       next call. Copy it to keep it.</li>
 * </ul>
 * {@code training} is always an argument, never a global mode. Backward computes the gradient with
 * respect to the input of the last forward and ADDS parameter gradients into {@link Parameter#grad()}.
 */
public interface Module {

    Tensor forwardBuffered(Tensor x, boolean training);

    Tensor backwardBuffered(Tensor gradOutput);

    /**
     * Backward that may skip the gradient with respect to the input when {@code inputGrad} is false,
     * as PyTorch does for an input that does not require grad (a network's data batch): parameter
     * gradients are exactly those of {@link #backwardBuffered(Tensor)}; the return value is then
     * unspecified (possibly null). Layers whose input gradient is costly (Linear, Conv2d: a whole
     * GEMM) honour it; the others compute it anyway.
     */
    default Tensor backwardBuffered(Tensor gradOutput, boolean inputGrad) {
        return backwardBuffered(gradOutput);
    }

    default Tensor forward(Tensor x, boolean training) {
        return forwardBuffered(x, training).copy();
    }

    default Tensor backward(Tensor gradOutput) {
        return backwardBuffered(gradOutput).copy();
    }

    /** Learnable parameters, names relative to this module, in PyTorch registration order. */
    default List<Parameter> parameters() {
        return List.of();
    }

    /** Adds this module's state (parameters, then buffers) to {@code out}, names prefixed by {@code prefix}. */
    default void stateDict(String prefix, StateDict out) {
        for (Parameter p : parameters()) {
            out.put(prefix + p.name(), StateDict.Entry.f32(p.data(), p.shape()));
        }
    }

    /** Copies this module's state from {@code in} (names prefixed by {@code prefix}) into the live arrays. */
    default void loadStateDict(String prefix, StateDict in) {
        for (Parameter p : parameters()) {
            in.copyInto(prefix + p.name(), p.data(), p.shape());
        }
    }

    /**
     * Adds state that is neither a parameter nor a buffer but that an exact resume needs (PyTorch's
     * {@code get_extra_state}), such as the position of Dropout's mask stream. It goes into the
     * trainer's state, never into the model file, which holds exactly PyTorch's state_dict.
     * Containers recurse with their children's prefixes.
     */
    default void extraState(String prefix, StateDict out) {
    }

    /** Restores what {@link #extraState} wrote; a missing entry is an error naming it. */
    default void loadExtraState(String prefix, StateDict in) {
    }

    /** Runs every step: indexed, so no iterator is allocated. */
    default void zeroGrad() {
        List<Parameter> ps = parameters();
        for (int i = 0; i < ps.size(); i++) {
            ps.get(i).zeroGrad();
        }
    }
}
