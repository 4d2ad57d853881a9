package org.bnlab.onnx;

import java.io.IOException;
import java.util.List;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import org.bnlab.nn.Sequential;
import org.bnlab.tensor.Tensor;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;

/**
 * The two networks the ONNX Runtime tests and the benchmark use, trained by bnlab's Trainer (SGD,
 * batch 60) on the embedded mnist-sample, built once per JVM:
 * the paper's MLP (784-100-100-100-10, sigmoid, BN, bias-free hidden Linear layers, N(0, 1) weights and
 * learning rate 0.1 as the lab's Figure 1), 300 steps, and
 * a CNN Conv(1,8,3,p1, no bias)-BN-ReLU-MaxPool2, Conv(8,16,3,p1, bias)-BN-ReLU-MaxPool2, Flatten,
 * Linear(784,10), 200 steps.
 */
final class TrainedModels {
    static final int MLP_STEPS = 300;
    static final int CNN_STEPS = 200;

    private static Dataset data;
    private static Sequential mlp;
    private static Sequential cnn;

    private TrainedModels() {}

    static synchronized Dataset data() throws IOException {
        if (data == null) {
            data = Datasets.load(Datasets.MNIST_SAMPLE);
        }
        return data;
    }

    static synchronized Sequential mlp() throws IOException {
        if (mlp == null) {
            ModelSpec spec = ModelSpec.paperMlp(true, 1.0);
            Sequential model = org.bnlab.train.Models.build(spec, 1);
            Trainer t = TrainConfig.paper(Datasets.MNIST_SAMPLE, spec, 0.1, MLP_STEPS, MLP_STEPS, 1).trainerBuilder(data(), model).build();
            train(t, MLP_STEPS);
            mlp = model;
        }
        return mlp;
    }

    static synchronized Sequential cnn() throws IOException {
        if (cnn == null) {
            Sequential model = org.bnlab.train.Models.smallCnn(11);
            ModelSpec spec = new ModelSpec("cnn", 1, 28, 28, 10, List.of(), "relu", true, "default", 0, 0);
            Trainer t = TrainConfig.paper(Datasets.MNIST_SAMPLE, spec, 0.1, CNN_STEPS, CNN_STEPS, 2).trainerBuilder(data(), model).build();
            train(t, CNN_STEPS);
            cnn = model;
        }
        return cnn;
    }

    private static void train(Trainer t, int steps) {
        for (int s = 0; s < steps; s++) {
            t.trainStep();
        }
    }

    /** The test split as [N, 784] (MLP) or [N, 1, 28, 28] (CNN). */
    static Tensor testImages(boolean image) throws IOException {
        var test = data().test();
        return image ? Tensor.of(test.images(), test.size(), 1, test.rows(), test.cols())
                : Tensor.of(test.images(), test.size(), test.features());
    }
}
