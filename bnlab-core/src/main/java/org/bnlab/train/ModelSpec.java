package org.bnlab.train;

import java.util.List;

/**
 * What network to build: enough to rebuild it from a checkpoint's metadata ({@code bnlab.model}).
 *
 * @param kind        "mlp" or "cnn"
 * @param hidden      MLP hidden widths, e.g. [100, 100, 100] (the paper's)
 * @param activation  "sigmoid", "tanh" or "relu"
 * @param batchNorm   BN before each hidden nonlinearity (the paper's placement); the preceding layer
 *                    then has no bias, as beta takes its role
 * @param init        "default" (PyTorch's), "normal" (N(0, initStd), the paper's small Gaussian),
 *                    "xavier" or "kaiming"; biases start at zero except with "default"
 * @param dropout     dropout probability after each hidden activation (0 = none)
 */
public record ModelSpec(String kind, int channels, int height, int width, int classes,
                        List<Integer> hidden, String activation, boolean batchNorm,
                        String init, double initStd, double dropout) {

    public static final List<String> KINDS = List.of("mlp", "cnn");
    public static final List<String> ACTIVATIONS = List.of("sigmoid", "tanh", "relu");
    public static final List<String> INITS = List.of("default", "normal", "xavier", "kaiming");

    public ModelSpec {
        hidden = hidden == null ? List.of() : List.copyOf(hidden);
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("unknown model '" + kind + "' (known: " + KINDS + ")");
        }
        if (!ACTIVATIONS.contains(activation)) {
            throw new IllegalArgumentException("unknown activation '" + activation + "' (known: " + ACTIVATIONS + ")");
        }
        if (!INITS.contains(init)) {
            throw new IllegalArgumentException("unknown init '" + init + "' (known: " + INITS + ")");
        }
        if (init.equals("normal") && !(initStd > 0 && Double.isFinite(initStd))) {
            throw new IllegalArgumentException("init 'normal' needs a standard deviation > 0, got " + initStd);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (channels < 1 || height < 1 || width < 1 || classes < 2) {
            throw new IllegalArgumentException("bad input geometry " + channels + "x" + height + "x" + width + " or classes " + classes);
        }
        for (int h : hidden) {
            if (h < 1) {
                throw new IllegalArgumentException("hidden layer widths must be >= 1, got " + hidden);
            }
        }
        if (kind.equals("mlp") && hidden.isEmpty()) {
            throw new IllegalArgumentException("an mlp needs at least one hidden layer (--hidden)");
        }
    }

    /** The paper's MNIST network: 784-100-100-100-10, sigmoid, N(0, sigma) weights. */
    public static ModelSpec paperMlp(boolean batchNorm, double sigma) {
        return new ModelSpec("mlp", 1, 28, 28, 10, List.of(100, 100, 100), "sigmoid", batchNorm, "normal", sigma, 0);
    }

    /** Input features per example. */
    public int features() {
        return channels * height * width;
    }
}
