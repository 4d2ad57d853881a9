/**
 * bnlab-core: Batch Normalization and its family for the JVM, with PyTorch 1.13's semantics, and
 * the training engine around it.
 *
 * <p>Exported: tensors ({@code org.bnlab.tensor}), layers ({@code org.bnlab.nn}, normalization in
 * {@code org.bnlab.nn.norm}, initializers in {@code org.bnlab.nn.init}), optimizers and schedules
 * ({@code org.bnlab.optim}), data ({@code org.bnlab.data}), training, evaluation and checkpoints
 * ({@code org.bnlab.train}), and engine settings ({@code org.bnlab.engine}). The kernels
 * ({@code org.bnlab.kernel}) are internal: their argument conventions may change between releases.
 */
module org.bnlab.core {
    requires jdk.incubator.vector;
    requires com.fasterxml.jackson.databind;

    exports org.bnlab.tensor;
    exports org.bnlab.nn;
    exports org.bnlab.nn.init;
    exports org.bnlab.nn.norm;
    exports org.bnlab.optim;
    exports org.bnlab.data;
    exports org.bnlab.train;
    exports org.bnlab.engine;
    exports org.bnlab.dist;
    exports org.bnlab.train.parallel;
    exports org.bnlab.infer;

    // Jackson reads and writes the training recipe records (checkpoint metadata, final.json)
    opens org.bnlab.train to com.fasterxml.jackson.databind;
}
