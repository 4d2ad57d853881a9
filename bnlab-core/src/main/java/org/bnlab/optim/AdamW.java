package org.bnlab.optim;

import java.util.List;
import org.bnlab.nn.Parameter;

/**
 * torch.optim.AdamW (Loshchilov & Hutter, decoupled weight decay): the Adam update of {@link Adam}
 * with {@code p *= 1 - lr * weight_decay} before it instead of an L2 term in the gradient.
 * Defaults are PyTorch's: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2.
 */
public final class AdamW extends Adam {

    AdamW(Adam.Builder b) {
        super(b);
    }

    /** Builder with AdamW's defaults; {@code build()} returns an AdamW (typed as Adam). */
    public static Adam.Builder builder(List<Parameter> params) {
        return new Adam.Builder(params, true);
    }
}
