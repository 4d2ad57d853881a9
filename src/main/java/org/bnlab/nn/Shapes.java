package org.bnlab.nn;

import org.bnlab.tensor.Tensor;

/** Allocation-free shape comparisons ({@link Tensor#shape()} returns a copy). */
final class Shapes {
    private Shapes() {}

    static boolean same(Tensor a, Tensor b) {
        if (a.dim() != b.dim()) {
            return false;
        }
        for (int i = 0; i < a.dim(); i++) {
            if (a.size(i) != b.size(i)) {
                return false;
            }
        }
        return true;
    }
}
