package org.bnlab.lab;

import java.util.List;
import org.bnlab.data.Split;
import org.bnlab.nn.Module;
import org.bnlab.nn.Sequential;
import org.bnlab.tensor.Tensor;

/** Looks inside a trained network: the input a given layer receives. */
public final class Probes {
    private Probes() {}

    /** The first {@code n} examples of a split as a [n, features] tensor (a copy). */
    public static Tensor firstExamples(Split split, int n) {
        int count = Math.min(n, split.size());
        int f = split.features();
        float[] x = new float[count * f];
        System.arraycopy(split.images(), 0, x, 0, x.length);
        return Tensor.of(x, count, f);
    }

    /** Index of the last module of the given class, or -1. */
    public static int lastIndexOf(Sequential model, Class<? extends Module> type) {
        List<Module> mods = model.modules();
        for (int i = mods.size() - 1; i >= 0; i--) {
            if (type.isInstance(mods.get(i))) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The input to module {@code index}, i.e. the output of modules 0..index-1, in eval mode (BN uses
     * its running statistics: what the network computes at test time). The returned tensor is a layer
     * buffer, valid until the model runs again.
     */
    public static Tensor inputTo(Sequential model, int index, Tensor x) {
        Tensor h = x;
        List<Module> mods = model.modules();
        for (int i = 0; i < index; i++) {
            h = mods.get(i).forwardBuffered(h, false);
        }
        return h;
    }
}
