package org.bnlab.optim;

import java.util.List;
import org.bnlab.kernel.OptimKernel;
import org.bnlab.nn.Parameter;

/** torch.nn.utils.clip_grad_norm_ (L2 norm over all gradients as one vector). */
public final class GradClip {

    private GradClip() {}

    /**
     * total = sqrt(sum over all gradient elements g^2) (accumulated in double); when
     * {@code maxNorm / (total + 1e-6) < 1} every gradient is multiplied by that factor (PyTorch
     * 1.13's formula). Returns the total norm before clipping. A non-finite total is returned as is
     * and nothing is scaled (PyTorch's default error_if_nonfinite=False also does not stop).
     */
    public static double clipGradNorm(List<Parameter> params, double maxNorm) {
        if (!(maxNorm >= 0)) {
            throw new IllegalArgumentException("clipGradNorm: max_norm must be >= 0, got " + maxNorm);
        }
        double sumSq = 0;
        for (int k = 0; k < params.size(); k++) { // indexed loops: allocation-free in the training step
            sumSq += OptimKernel.sumSquares(params.get(k).grad());
        }
        double total = Math.sqrt(sumSq);
        float coef = (float) (maxNorm / (total + 1e-6));
        if (coef < 1f) {
            for (int k = 0; k < params.size(); k++) {
                float[] g = params.get(k).grad();
                for (int i = 0; i < g.length; i++) {
                    g[i] *= coef;
                }
            }
        }
        return total;
    }
}
