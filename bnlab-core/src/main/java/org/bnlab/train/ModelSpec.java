package org.bnlab.train;

import java.util.List;
import org.bnlab.nn.norm.RenormSchedule;

/**
 * What network to build: enough to rebuild it from a checkpoint's metadata ({@code bnlab.model}).
 *
 * @param kind        "mlp" or "cnn"
 * @param hidden      MLP hidden widths, e.g. [100, 100, 100] (the paper's)
 * @param activation  "sigmoid", "tanh" or "relu"
 * @param batchNorm   true exactly when {@code norm} is "batch": the field configs had before
 *                    {@code norm} existed, kept so that they load unchanged
 * @param init        "default" (PyTorch's), "normal" (N(0, initStd), the paper's small Gaussian),
 *                    "xavier" or "kaiming"; biases start at zero except with "default"
 * @param dropout     dropout probability after each hidden activation (0 = none)
 * @param norm        the normalization before each hidden nonlinearity (the paper's placement for BN):
 *                    "none", "batch" (BatchNorm), "renorm" (BatchRenorm, see {@link NormChoice#RENORM_SCHEDULE}),
 *                    "ghost:N" (GhostBatchNorm over virtual batches of N), "group:G" (GroupNorm, G groups)
 *                    or "layer" (LayerNorm over each sample's layer output); with any of them the preceding
 *                    layer has no bias, as the normalization's shift takes its role. Null (a config written
 *                    before this field) means what {@code batchNorm} says: "batch" or "none".
 */
public record ModelSpec(String kind, int channels, int height, int width, int classes,
                        List<Integer> hidden, String activation, boolean batchNorm,
                        String init, double initStd, double dropout, String norm) {

    public static final List<String> KINDS = List.of("mlp", "cnn");
    public static final List<String> ACTIVATIONS = List.of("sigmoid", "tanh", "relu");
    public static final List<String> INITS = List.of("default", "normal", "xavier", "kaiming");

    public ModelSpec {
        hidden = hidden == null ? List.of() : List.copyOf(hidden);
        NormChoice choice = NormChoice.parse(norm == null ? (batchNorm ? "batch" : "none") : norm);
        norm = choice.toString();
        if (batchNorm != choice.kind().equals("batch")) {
            throw new IllegalArgumentException("batchNorm " + batchNorm + " contradicts norm '" + norm
                    + "' (batchNorm is true exactly for norm 'batch')");
        }
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
        for (int w : kind.equals("mlp") ? hidden : Models.CNN_WIDTHS) {
            choice.check(w);
        }
    }

    /** A spec with BatchNorm ({@code batchNorm} true) or no normalization, as before {@code norm} existed. */
    public ModelSpec(String kind, int channels, int height, int width, int classes, List<Integer> hidden, String activation,
                     boolean batchNorm, String init, double initStd, double dropout) {
        this(kind, channels, height, width, classes, hidden, activation, batchNorm, init, initStd, dropout, null);
    }

    /** A spec with normalization {@code norm} (see the record's parameters). */
    public ModelSpec(String kind, int channels, int height, int width, int classes, List<Integer> hidden, String activation,
                     String norm, String init, double initStd, double dropout) {
        this(kind, channels, height, width, classes, hidden, activation, NormChoice.parse(norm).kind().equals("batch"),
                init, initStd, dropout, norm);
    }

    /** The paper's MNIST network: 784-100-100-100-10, sigmoid, N(0, sigma) weights. */
    public static ModelSpec paperMlp(boolean batchNorm, double sigma) {
        return new ModelSpec("mlp", 1, 28, 28, 10, List.of(100, 100, 100), "sigmoid", batchNorm, "normal", sigma, 0);
    }

    /** The paper's MNIST network with normalization {@code norm} (see the record's parameters). */
    public static ModelSpec paperMlp(String norm, double sigma) {
        return new ModelSpec("mlp", 1, 28, 28, 10, List.of(100, 100, 100), "sigmoid", norm, "normal", sigma, 0);
    }

    /** The clipping schedule of Batch Renorm in the presets (norm "renorm"); see {@link NormChoice#RENORM_SCHEDULE}. */
    public static RenormSchedule renormSchedule() {
        return NormChoice.RENORM_SCHEDULE;
    }

    /** True unless {@code norm} is "none". */
    public boolean normalized() {
        return !norm.equals("none");
    }

    /** Input features per example. */
    public int features() {
        return channels * height * width;
    }
}
