package org.bnlab.examples;

import java.nio.file.Path;
import org.bnlab.data.*;
import org.bnlab.nn.*;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.optim.SGD;
import org.bnlab.train.*;

/**
 * A custom convolutional network with BatchNorm, trained, evaluated, saved and reloaded through the
 * public API of bnlab-core alone. Exits non-zero if the reloaded copy does not predict exactly as
 * the trained network, or if the network did not learn.
 */
public final class CustomCnn {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "out");
        Sequential net = network(7L);
        Dataset data = Datasets.load("mnist-sample");
        Trainer trainer = Trainer.builder(net, data.train())
                .optimizer(params -> SGD.builder(params).lr(0.05).momentum(0.9).build())
                .batchSize(64).seed(1).build();
        trainer.fit(300);                                       // SGD steps
        EvalResult r = Evaluator.evaluate(net, data.test());    // loss(), accuracy(), examples()
        System.out.printf("custom CNN after %d steps: test accuracy %.2f%%, loss %.4f over %d examples%n",
                trainer.step(), 100 * r.accuracy(), r.loss(), r.examples());
        Checkpoint.saveModel(out.resolve("model.safetensors"), net);
        Sequential copy = network(99L);                         // the same architecture, other seeds
        Checkpoint.loadModel(out.resolve("model.safetensors"), copy);
        EvalResult c = Evaluator.evaluate(copy, data.test());
        System.out.printf("reloaded copy: test accuracy %.2f%%, loss %.4f%n", 100 * c.accuracy(), c.loss());
        if (c.accuracy() != r.accuracy() || c.loss() != r.loss()) {
            throw new AssertionError("the reloaded model predicts differently");
        }
        if (r.accuracy() < 0.85) {
            throw new AssertionError("the network did not learn: " + r.accuracy());
        }
    }

    static Sequential network(long seed) {
        return new Sequential(
                new Conv2d(1, 16, 3, 1, 1, false, seed), BatchNorm.builder(16).build(), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(16 * 14 * 14, 10, true, seed));
    }
}
