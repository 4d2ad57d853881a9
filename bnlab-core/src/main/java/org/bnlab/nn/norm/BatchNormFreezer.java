package org.bnlab.nn.norm;

import org.bnlab.nn.Module;
import org.bnlab.nn.Sequential;

/**
 * Freezes every batch-normalization layer of a model for fine-tuning (detectron2's
 * convert_frozen_batchnorm): each BatchNorm, BatchRenorm and GhostBatchNorm with running statistics
 * becomes a {@link FrozenBatchNorm} holding a copy of its eps, affine transform and running
 * statistics, found recursively through {@link Sequential}. From then on the running statistics
 * never change, whatever {@code training} says, and the batch statistics are never used.
 *
 * <p>{@code trainAffine} answers the question Keras users trip over, where {@code layer.trainable
 * = False} and calling the layer with {@code training=False} are two different switches (and,
 * since TF 2.0, trainable = False on a BatchNormalization layer also makes it run in inference
 * mode): here both are one explicit choice.
 * <ul>
 *   <li>{@code trainAffine = false}: statistics AND weight/bias fixed (detectron2's default for a
 *       pre-trained backbone): the frozen layers have no parameters, an optimizer built on the
 *       result cannot move them (weight decay included).</li>
 *   <li>{@code trainAffine = true}: statistics fixed, weight and bias remain trainable parameters
 *       (gradients as in BatchNorm's eval mode).</li>
 * </ul>
 * The result is a new model: Sequentials are rebuilt around the frozen layers and share every
 * other layer (and its parameters) with {@code model}; the original BN layers are left as they were.
 * A BN layer without running statistics cannot be frozen: it is an IllegalArgumentException.
 * Build the optimizer from the result's {@code parameters()}. Its state_dict has the same names,
 * except that frozen layers carry no num_batches_tracked (a BatchNorm checkpoint still loads).
 */
public final class BatchNormFreezer {
    private BatchNormFreezer() {}

    /** The model with every BN layer frozen; {@code model} itself when it has none (a BN layer alone becomes a FrozenBatchNorm). */
    public static Module freeze(Module model, boolean trainAffine) {
        if (model == null) {
            throw new IllegalArgumentException("BatchNormFreezer.freeze: model is null");
        }
        if (model instanceof Sequential seq) {
            Module[] children = new Module[seq.size()];
            boolean changed = false;
            for (int i = 0; i < children.length; i++) {
                children[i] = freeze(seq.get(i), trainAffine);
                changed |= children[i] != seq.get(i);
            }
            return changed ? new Sequential(children) : seq;
        }
        if (model instanceof BatchNorm bn) {
            return FrozenBatchNorm.from(bn, trainAffine);
        }
        if (model instanceof BatchRenorm bn) {
            return FrozenBatchNorm.from(bn, trainAffine);
        }
        if (model instanceof GhostBatchNorm bn) {
            return FrozenBatchNorm.from(bn, trainAffine);
        }
        return model;
    }
}
