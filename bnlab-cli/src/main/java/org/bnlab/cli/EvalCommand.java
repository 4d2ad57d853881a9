package org.bnlab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bnlab.data.Dataset;
import org.bnlab.nn.Sequential;
import org.bnlab.train.Checkpoint;
import org.bnlab.train.EvalResult;
import org.bnlab.train.Safetensors;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Evaluator;
import org.bnlab.train.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bnlab eval}: test accuracy and loss of a saved checkpoint. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate a checkpoint on a dataset's test split.")
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE",
            description = "model.safetensors written by bnlab train (or its directory)")
    Path checkpoint;

    @Mixin
    DataOptions data = new DataOptions();

    @Override
    public Integer call() throws IOException {
        Path file = checkpoint;
        if (Files.isDirectory(checkpoint)) {
            Path latest = RunDirectory.latest(checkpoint);
            file = Files.exists(checkpoint.resolve(Checkpoint.MODEL_FILE)) || latest == null
                    ? checkpoint.resolve(Checkpoint.MODEL_FILE) : latest.resolve(Checkpoint.MODEL_FILE);
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException("no checkpoint at " + file);
        }
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
}
