package org.bnlab.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import org.bnlab.kernel.Parallel;
import org.bnlab.nn.Sequential;
import org.bnlab.train.AtomicFile;
import org.bnlab.train.Checkpoint;
import org.bnlab.train.EvalResult;
import org.bnlab.train.Metrics;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.Progress;
import org.bnlab.train.Provenance;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bnlab train}: trains a network, writes metrics.jsonl, final.json and the checkpoint. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a network (the paper's MLP by default) and write metrics and a checkpoint.")
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--standardize", description = "standardize pixels with the training split's mean/std (default: scale to [0, 1] only)")
    boolean standardize;

    @Option(names = "--model", defaultValue = "mlp", description = "mlp or cnn (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--hidden", split = ",", defaultValue = "100,100,100", description = "MLP hidden widths (default: ${DEFAULT-VALUE})")
    List<Integer> hidden;

    @Option(names = "--activation", defaultValue = "sigmoid", description = "sigmoid, tanh or relu (default: ${DEFAULT-VALUE}; the cnn preset uses relu)")
    String activation;

    @Option(names = "--bn", description = "BatchNorm before every hidden nonlinearity")
    boolean bn;

    @Option(names = "--init", defaultValue = "default", description = "default (PyTorch's), normal, xavier or kaiming (default: ${DEFAULT-VALUE})")
    String init;

    @Option(names = "--init-std", defaultValue = "1.0", description = "sigma of --init normal (default: ${DEFAULT-VALUE})")
    double initStd;

    @Option(names = "--dropout", defaultValue = "0", description = "dropout after every hidden activation (default: ${DEFAULT-VALUE})")
    double dropout;

    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd, adam or adamw (default: ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--lr", defaultValue = "0.5", description = "learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--momentum", defaultValue = "0", description = "SGD momentum (default: ${DEFAULT-VALUE})")
    double momentum;

    @Option(names = "--nesterov", description = "Nesterov momentum")
    boolean nesterov;

    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay (AdamW: decoupled) (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--schedule", defaultValue = "none", description = "none, step, exp or cosine, per step (default: ${DEFAULT-VALUE})")
    String schedule;

    @Option(names = "--gamma", defaultValue = "0.1", description = "decay factor of the step/exp schedules (default: ${DEFAULT-VALUE})")
    double gamma;

    @Option(names = "--step-size", defaultValue = "10000", description = "steps between decays of the step schedule (default: ${DEFAULT-VALUE})")
    int stepSize;

    @Option(names = "--clip-norm", defaultValue = "0", description = "clip the gradient norm (0 = off) (default: ${DEFAULT-VALUE})")
    double clipNorm;

    @Option(names = "--batch", defaultValue = "60", description = "mini-batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--steps", defaultValue = "5000", description = "SGD steps (default: ${DEFAULT-VALUE})")
    long steps;

    @Option(names = "--epochs", description = "train this many epochs instead of --steps")
    Integer epochs;

    @Option(names = "--eval-every", defaultValue = "1000", description = "steps between test evaluations (default: ${DEFAULT-VALUE})")
    int evalEvery;

    @Option(names = "--seed", defaultValue = "1", description = "seed of initialization, shuffling and dropout (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", description = "threads (default: all cores; results do not depend on it)")
    Integer threads;

    @Option(names = "--out", paramLabel = "DIR", description = "output directory (default: runs/train-<timestamp>)")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue the run saved in DIR (same config; --steps may extend it)")
    Path resume;

    @Override
    public Integer call() throws IOException {
        if (threads != null) {
            Parallel.setThreads(threads);
        }
        Checkpoint.Loaded saved = null;
        TrainConfig config;
        if (resume != null) {
            saved = Checkpoint.load(resume);
            if (saved.trainer() == null) {
                throw new IllegalArgumentException(resume + ": the checkpoint has no optimizer/trainer state to resume from");
            }
            config = CheckpointLoading.config(saved.metadata(), resume.resolve(Checkpoint.MODEL_FILE));
            if (steps != 5000) {
                config = config.withSteps(steps);
            }
            if (out == null) {
                out = resume;
            }
        } else {
            String kind = model;
            ModelSpec spec = new ModelSpec(kind, 1, 28, 28, Datasets.CLASSES, kind.equals("cnn") ? List.of() : hidden,
                    kind.equals("cnn") ? "relu" : activation, bn, init, initStd, dropout);
            config = new TrainConfig(data.name("mnist-sample"), data.dir(), standardize, spec, optimizer, lr, momentum,
                    nesterov, weightDecay, schedule, gamma, stepSize, batch, steps, evalEvery, seed, clipNorm);
        }
        Dataset ds = loadData(config);
        DataChecks.requireUsable(ds, config.batch());
        if (epochs != null) {
            config = config.withSteps((long) epochs * (ds.train().size() / config.batch()));
        }
        if (out == null) {
            out = Path.of("runs", "train-" + java.time.LocalDateTime.now().toString().replace(':', '-').replaceAll("\\..*", ""));
        }
        OutputDir.prepare(out, "--out");

        Trainer trainer;
        if (saved != null) {
            Path modelFile = resume.resolve(Checkpoint.MODEL_FILE);
            Sequential model = CheckpointLoading.build(config, saved.model(), modelFile);
            CheckpointLoading.load(model, saved.model(), modelFile);
            trainer = new Trainer(config, ds, model);
            CheckpointLoading.checkTrainerState(saved.trainer(), trainer.trainerState(), resume.resolve(Checkpoint.TRAINER_FILE));
            trainer.restoreTrainerState(saved.trainer());
            System.out.printf("resuming %s at step %d of %d%n", resume, trainer.step(), config.steps());
        } else {
            trainer = new Trainer(config, ds);
            Files.deleteIfExists(out.resolve("metrics.jsonl"));
        }
        System.out.printf("training %s on %s (%d train / %d test), %s lr %s, batch %d, %d steps, seed %d, %d thread(s)%n",
                describe(config.model()), ds.name(), ds.train().size(), ds.test().size(), config.optimizer(), config.lr(),
                config.batch(), config.steps(), config.seed(), Parallel.threads());

        long startStep = trainer.step();
        long t0 = System.nanoTime();
        Path metricsFile = out.resolve("metrics.jsonl");
        try (BufferedWriter metrics = Files.newBufferedWriter(metricsFile, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
             Progress progress = new Progress("train", config.steps(), System.out, 10)) {
            trainer.run((t, p) -> {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("step", p.step());
                line.put("train_loss", p.trainLoss());
                line.put("test_loss", p.testLoss());
                line.put("test_accuracy", p.testAccuracy());
                line.put("elapsed_seconds", p.elapsedSeconds());
                try {
                    metrics.write(Metrics.JSON.writeValueAsString(line));
                    metrics.newLine();
                    metrics.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(ExitCodes.naming(metricsFile, e));
                }
            }, progress);
        } catch (IOException e) {
            throw ExitCodes.naming(metricsFile, e);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double stepsPerSecond = (trainer.step() - startStep) / seconds;

        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(Checkpoint.MODEL_KEY, Metrics.JSON.writeValueAsString(config.model()));
        meta.put(Checkpoint.CONFIG_KEY, Metrics.JSON.writeValueAsString(config));
        meta.put("bnlab.pytorch_module", trainer.model().toString());
        Map<String, Object> provenance = Provenance.collect();
        meta.put("bnlab.provenance", Metrics.JSON.writeValueAsString(provenance));
        org.bnlab.nn.StateDict sd = new org.bnlab.nn.StateDict();
        trainer.model().stateDict("", sd);
        try {
            Checkpoint.save(out, sd, trainer.trainerState(), meta);
        } catch (IOException e) {
            throw ExitCodes.naming(out, e);
        }

        EvalResult test = trainer.evaluate(ds.test());
        Map<String, Object> fin = new LinkedHashMap<>();
        fin.put("test_accuracy", test.accuracy());
        fin.put("test_loss", test.loss());
        fin.put("steps", trainer.step());
        fin.put("steps_per_second", stepsPerSecond);
        fin.put("train_seconds", seconds);
        fin.put("seed", config.seed());
        fin.put("dataset", ds.name());
        fin.put("config", config);
        fin.put("provenance", provenance);
        Path finalFile = out.resolve("final.json");
        try {
            AtomicFile.write(finalFile, o -> Metrics.PRETTY.writeValue(o, fin));
        } catch (IOException e) {
            throw ExitCodes.naming(finalFile, e);
        }
        System.out.printf("done: test accuracy %.2f%%, test loss %.4f, %.0f steps/s; wrote %s%n",
                100 * test.accuracy(), test.loss(), stepsPerSecond, out);
        return 0;
    }

    static Dataset loadData(TrainConfig config) throws IOException {
        Dataset ds = config.dataDir() != null ? Datasets.fromDirectory(Path.of(config.dataDir())) : Datasets.load(config.dataset());
        return config.standardize() ? ds.standardized() : ds;
    }

    static String describe(ModelSpec s) {
        if (s.kind().equals("cnn")) {
            return "cnn" + (s.batchNorm() ? "+BN" : "");
        }
        List<String> parts = new ArrayList<>();
        parts.add(String.valueOf(s.features()));
        s.hidden().forEach(h -> parts.add(String.valueOf(h)));
        parts.add(String.valueOf(s.classes()));
        return "mlp " + String.join("-", parts) + " " + s.activation() + (s.batchNorm() ? " +BN" : "");
    }
}
