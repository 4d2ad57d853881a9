package org.bnlab.train;

import org.bnlab.data.BatchIterator;
import org.bnlab.data.Split;
import org.bnlab.nn.CrossEntropyLoss;
import org.bnlab.nn.Module;
import org.bnlab.tensor.Tensor;

/**
 * Mean cross-entropy and accuracy of a classifier over a whole split, in eval mode (BatchNorm uses
 * its running statistics), in a fixed order, so the result does not depend on the batch size beyond
 * float rounding, nor on the thread count at all.
 *
 * <p>An instance keeps one batch buffer per split and reuses it, so periodic evaluation during
 * training allocates nothing after the first call. Not thread-safe: the model's layers keep per-call
 * buffers; evaluate one model from one thread at a time.
 */
public final class Evaluator {

    /** Examples per forward pass; large enough to amortize the call, small enough to stay in cache. */
    public static final int DEFAULT_BATCH = 500;

    private final Module model;
    private final int batchSize;
    private final BatchIterator.Layout layout;
    private final CrossEntropyLoss loss = new CrossEntropyLoss();
    private Split split;
    private BatchIterator batches;

    public Evaluator(Module model) {
        this(model, DEFAULT_BATCH);
    }

    public Evaluator(Module model, int batchSize) {
        if (model == null) {
            throw new IllegalArgumentException("Evaluator: model must not be null");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("Evaluator: batch size must be >= 1, got " + batchSize);
        }
        this.model = model;
        this.batchSize = batchSize;
        this.layout = ModelInput.layout(model);
    }

    /** One-off evaluation of {@code model} on {@code split}. */
    public static EvalResult evaluate(Module model, Split split) {
        return new Evaluator(model).evaluate(split);
    }

    /**
     * Loss and accuracy over every example of {@code split}.
     *
     * @throws IllegalArgumentException if the split is empty
     * @throws DivergedException        if the model's outputs are NaN or infinite
     */
    public EvalResult evaluate(Split split) {
        if (split.size() == 0) {
            throw new IllegalArgumentException("cannot evaluate on an empty split (0 examples)");
        }
        if (this.split != split) {
            batches = BatchIterator.builder(split, Math.min(batchSize, split.size())).layout(layout).build();
            this.split = split;
        }
        BatchIterator it = batches;
        it.seek(0);
        double sum = 0;
        long correct = 0;
        int seen = 0;
        for (int b = 0; b < it.batchesPerEpoch(); b++) {
            it.next();
            Tensor logits = model.forwardBuffered(it.images(), false);
            int n = it.labels().length;
            sum += (double) loss.forward(logits, it.labels()) * n;
            correct += loss.correct();
            seen += n;
        }
        return new EvalResult(sum / seen, (double) correct / seen, seen);
    }
}
