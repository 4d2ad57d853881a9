package org.bnlab.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bnlab.data.Dataset;
import org.bnlab.nn.Sequential;
import org.bnlab.onnx.OnnxImporter;
import org.bnlab.train.EvalResult;
import org.bnlab.train.Safetensors;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Evaluator;
import org.bnlab.train.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bnlab eval}: test accuracy and loss of a saved checkpoint or of an ONNX model. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a checkpoint (or an ONNX model, e.g. exported by PyTorch) on a dataset's test split.")
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", paramLabel = "FILE",
            description = "model.safetensors written by bnlab train (or its run directory)")
    Path checkpoint;

    @Option(names = "--onnx", paramLabel = "FILE",
            description = "an ONNX model of the supported operators (Conv, BatchNormalization, Gemm, Relu, ...)")
    Path onnx;

    @Mixin
    DataOptions data = new DataOptions();

    @Override
    public Integer call() throws IOException {
        if ((checkpoint == null) == (onnx == null)) {
            throw new IllegalArgumentException("give exactly one of --checkpoint and --onnx");
        }
        if (onnx != null) {
            return evalOnnx();
        }
        Path file = RunDirectory.modelFile(checkpoint);
        Safetensors.Loaded loaded = Safetensors.load(file);
        TrainConfig config = CheckpointLoading.config(loaded.metadata(), file);
        Dataset ds;
        if (data.dataset != null || data.dataDir != null) {
            ds = data.load(null);
            if (config.standardize()) {
                ds = ds.standardized();
            }
        } else {
            ds = config.loadData();
        }
        DataChecks.requireTest(ds);
        Sequential model = CheckpointLoading.build(config, loaded.stateDict(), file);
        CheckpointLoading.load(model, loaded.stateDict(), file);
        EvalResult r = Evaluator.evaluate(model, ds.test());
        System.out.printf("%s on %s test (%d examples): accuracy %.2f%%, loss %.4f%n",
                file, ds.name(), r.examples(), 100 * r.accuracy(), r.loss());
        return 0;
    }

    /** The ONNX model's logits over the test split (no preprocessing: raw pixels in [0, 1], as bnlab trains). */
    private int evalOnnx() throws IOException {
        Sequential model = OnnxImporter.load(onnx);
        Dataset ds = data.load("mnist-sample");
        DataChecks.requireTest(ds);
        EvalResult r = Evaluator.evaluate(model, ds.test());
        System.out.printf("%s on %s test (%d examples): accuracy %.2f%%, loss %.4f%n",
                onnx, ds.name(), r.examples(), 100 * r.accuracy(), r.loss());
        return 0;
    }
}
