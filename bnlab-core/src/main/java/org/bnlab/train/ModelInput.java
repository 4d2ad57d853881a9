package org.bnlab.train;

import java.util.List;
import org.bnlab.data.BatchIterator;
import org.bnlab.nn.Conv2d;
import org.bnlab.nn.Flatten;
import org.bnlab.nn.GlobalAvgPool2d;
import org.bnlab.nn.Linear;
import org.bnlab.nn.Module;
import org.bnlab.nn.AvgPool2d;
import org.bnlab.nn.MaxPool2d;
import org.bnlab.nn.Sequential;

/**
 * The input layout a model takes, read from its first layer that cares: a {@link Linear} takes rows
 * of features ([N, C*H*W], {@link BatchIterator.Layout#FLAT}); a convolution, a pooling layer or a
 * {@link Flatten} takes images ([N, C, H, W], {@link BatchIterator.Layout#IMAGE}). Layers that work on
 * either (activations, dropout, normalization) are looked through. A model with none of these gets
 * images, the data's own shape.
 */
final class ModelInput {
    private ModelInput() {
    }

    static BatchIterator.Layout layout(Module model) {
        BatchIterator.Layout l = find(model);
        return l == null ? BatchIterator.Layout.IMAGE : l;
    }

    private static BatchIterator.Layout find(Module m) {
        if (m instanceof Linear) {
            return BatchIterator.Layout.FLAT;
        }
        if (m instanceof Conv2d || m instanceof MaxPool2d || m instanceof AvgPool2d || m instanceof GlobalAvgPool2d || m instanceof Flatten) {
            return BatchIterator.Layout.IMAGE;
        }
        if (m instanceof Sequential) {
            List<Module> children = ((Sequential) m).modules();
            for (Module c : children) {
                BatchIterator.Layout l = find(c);
                if (l != null) {
                    return l;
                }
            }
        }
        return null;
    }
}
