package org.bnlab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import org.bnlab.engine.Engine;
import org.bnlab.nn.Sequential;
import org.bnlab.train.AtomicFile;
import org.bnlab.train.Checkpoint;
import org.bnlab.train.EvalResult;
import org.bnlab.train.KernelWarmup;
import org.bnlab.train.Json;
import org.bnlab.train.ModelSpec;
import org.bnlab.nn.Sequential;
import org.bnlab.train.DivergedException;
import org.bnlab.train.Models;
import org.bnlab.train.PeriodicCheckpoint;
import org.bnlab.train.RunDirectory;
import org.bnlab.train.parallel.DataParallel;
import org.bnlab.train.Provenance;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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

    @Option(names = "--bn", description = "BatchNorm before every hidden nonlinearity (the same as --norm batch)")
    boolean bn;

    @Option(names = "--norm", paramLabel = "NORM", description = "normalization before every hidden nonlinearity: none, batch, "
            + "renorm (Batch Renorm), ghost:N (Ghost BN, virtual batches of N), group:G (Group Norm, G groups) or layer "
            + "(default: none, or batch with --bn)")
    String norm;

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

    @Option(names = "--threads", description = "the most threads a step uses (default: all cores); each step runs on 1 "
            + "thread while that measures faster (see --no-thread-tuning); results do not depend on it")
    Integer threads;

    @Option(names = "--no-thread-tuning", description = "run every step on --threads threads, even when 1 thread measures faster")
    boolean noThreadTuning;

    @Option(names = "--no-warmup", description = "do not warm the kernels up on a copy of the model while the data loads "
            + "(the warm-up only makes the first steps faster; results do not depend on it)")
    boolean noWarmup;

    @Option(names = "--out", paramLabel = "DIR", description = "output directory (default: runs/train-<timestamp>)")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue the run in DIR from its last checkpoint; only "
            + "--steps/--epochs, --eval-every, --checkpoint-every, --threads, --replicas, --replica-bn and --out may be given with it")
    Path resume;

    @Option(names = "--checkpoint-every", defaultValue = "1000", description = "steps between checkpoints in DIR/checkpoints "
            + "(also at the end and on SIGINT/SIGTERM) (default: ${DEFAULT-VALUE})")
    long checkpointEvery;

    @Option(names = "--diverge-factor", defaultValue = "100", description = "stop (exit 3) when the mean training loss is above "
            + "this multiple of the first loss at --diverge-patience evaluations in a row (default: ${DEFAULT-VALUE})")
    double divergeFactor;

    @Option(names = "--diverge-patience", defaultValue = "2", description = "see --diverge-factor (default: ${DEFAULT-VALUE})")
    int divergePatience;

    @Option(names = "--replicas", defaultValue = "1", description = "data-parallel replicas on threads, each with a slice of every "
            + "batch; BatchNorm statistics combined across replicas (see --replica-bn) (default: ${DEFAULT-VALUE})")
    int replicas;

    @Option(names = "--replica-bn", defaultValue = "sync", description = "with --replicas: sync (SyncBatchNorm, the whole batch's "
            + "statistics) or local (each replica's slice) (default: ${DEFAULT-VALUE})")
    String replicaBn;

    @Option(names = "--spark", paramLabel = "MASTER", description = "train data-parallel on Apache Spark (local[2], "
            + "spark://HOST:7077): --workers replicas in barrier tasks, each on its slice of every batch (docs/SCALE.md)")
    String spark;

    @Option(names = "--workers", defaultValue = "2", description = "replicas with --spark (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--spark-bn", defaultValue = "sync", description = "BatchNorm statistics with --spark: sync (of the "
            + "global batch, SyncBatchNorm) or local (each replica's slice) (default: ${DEFAULT-VALUE})")
    String sparkBn;

    @Option(names = "--spark-channel", defaultValue = "socket", description = "how --spark replicas exchange statistics and "
            + "gradients: socket (TCP between the tasks) or barrier (Spark's allGather via the driver, ~1 s per exchange) "
            + "(default: ${DEFAULT-VALUE})")
    String sparkChannel;

    @Spec
    CommandSpec spec;

    /** Options that may be given with --resume; every other option would change the run and is refused. */
    static final List<String> RESUMABLE = List.of("--resume", "--steps", "--epochs", "--eval-every", "--checkpoint-every",
            "--threads", "--no-thread-tuning", "--no-warmup", "--out", "--replicas", "--replica-bn", "--spark", "--workers", "--spark-bn", "--spark-channel");

    @Override
    public Integer call() throws IOException {
        if (threads != null) {
            Engine.setThreads(threads);
        }
        if (!replicaBn.equals("sync") && !replicaBn.equals("local")) {
            throw new IllegalArgumentException("--replica-bn must be sync or local, got '" + replicaBn + "'");
        }
        if (replicas < 1) {
            throw new IllegalArgumentException("--replicas must be >= 1, got " + replicas);
        }
        if (checkpointEvery < 1) {
            throw new IllegalArgumentException("--checkpoint-every must be >= 1, got " + checkpointEvery);
        }
        SparkBackend.Training distributed = spark == null ? null : sparkTraining();
        SparkBackend backend = spark == null ? null : SparkBackend.find("--spark"); // before any output
        Checkpoint.Loaded saved = null;
        TrainConfig config;
        if (resume != null) {
            List<String> refused = new ArrayList<>();
            for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
                if (!RESUMABLE.contains(o.longestName())) {
                    refused.add(o.longestName());
                }
            }
            if (!refused.isEmpty()) {
                throw new IllegalArgumentException("--resume continues the saved run with its own configuration; "
                        + String.join(", ", refused) + " cannot change on resume (start a new run with --out instead)");
            }
            saved = loadResumable(resume);
            config = CheckpointLoading.config(saved.metadata(), resume.resolve(Checkpoint.MODEL_FILE));
            if (matched("--steps")) {
                config = config.withSteps(steps);
            }
            if (matched("--eval-every")) {
                config = config.withEvalEvery(evalEvery);
            }
            if (out == null) {
                out = resume;
            }
        } else {
            String kind = model;
            ModelSpec modelSpec = new ModelSpec(kind, 1, 28, 28, Datasets.CLASSES, kind.equals("cnn") ? List.of() : hidden,
                    kind.equals("cnn") ? "relu" : activation, norm(), init, initStd, dropout);
            config = new TrainConfig(data.name("mnist-sample"), data.dir(), standardize, modelSpec, optimizer, lr, momentum,
                    nesterov, weightDecay, schedule, gamma, stepSize, batch, steps, evalEvery, seed, clipNorm);
        }
        if (out == null) {
            out = Path.of("runs", "train-" + java.time.LocalDateTime.now().toString().replace(':', '-').replaceAll("\\..*", ""));
        }
        OutputDir.prepare(out, "--out");
        RunDirectory run = RunDirectory.open(out);
        // the kernels of this model compile while its data loads; told to stop at the first real step
        KernelWarmup warmup = noWarmup || distributed != null ? null : KernelWarmup.start(config);
        try {
            return train(config, saved, run, backend, distributed, warmup);
        } finally {
            if (warmup != null) {
                warmup.close();
            }
        }
    }

    /** The run itself, from loading the data to the final report; the warm-up (if any) is told to stop at the first step. */
    private Integer train(TrainConfig config, Checkpoint.Loaded saved, RunDirectory run, SparkBackend backend,
                          SparkBackend.Training distributed, KernelWarmup warmup) throws IOException {
        Dataset ds = config.loadData();
        DataChecks.requireUsable(ds, config.batch());
        if (epochs != null) {
            config = config.withSteps((long) epochs * (ds.train().size() / config.batch()));
        }

        Path ckpt = saved == null ? null : RunDirectory.isRunDirectory(resume) ? RunDirectory.latest(resume) : resume;
        Sequential net = saved == null ? Models.build(config.model(), config.seed())
                : CheckpointLoading.build(config, saved.model(), ckpt.resolve(Checkpoint.MODEL_FILE));
        if (saved != null) {
            // before the trainer is built: data-parallel replicas copy replica 0's state at construction
            CheckpointLoading.load(net, saved.model(), ckpt.resolve(Checkpoint.MODEL_FILE));
        }
        TrainConfig recipe = config;
        Trainer.Builder builder = config.trainerBuilder(ds, net).divergenceCheck(divergeFactor, divergePatience)
                .dataParallel(replicas, r -> Models.build(recipe.model(), recipe.seed()),
                        replicaBn.equals("local") ? DataParallel.BatchStatistics.PER_REPLICA : DataParallel.BatchStatistics.GLOBAL);
        if (noThreadTuning) {
            builder.threadTuning(false);
        }
        Trainer trainer = builder.build();
        Path metricsFile = out.resolve("metrics.jsonl");
        if (saved != null) {
            CheckpointLoading.checkTrainerState(saved.trainer(), trainer.stateDict(), ckpt.resolve(Checkpoint.TRAINER_FILE));
            trainer.loadStateDict(saved.trainer());
            if (config.steps() < trainer.step()) {
                throw new IllegalArgumentException("--steps " + config.steps() + " is below the step the run in " + resume
                        + " has reached (" + trainer.step() + ")");
            }
            MetricsLog.truncate(resume.resolve("metrics.jsonl"), metricsFile, trainer.step());
            System.out.printf("resuming %s at step %d of %d%n", resume, trainer.step(), config.steps());
        } else {
            Files.deleteIfExists(metricsFile);
        }
        System.out.printf("training %s on %s (%d train / %d test), %s lr %s, batch %d, %d steps, seed %d, %d thread(s)%n",
                describe(config.model()), ds.name(), ds.train().size(), ds.test().size(), config.optimizer(), config.lr(),
                config.batch(), config.steps(), config.seed(), Engine.threads());
        if (trainer.replicas() > 1) {
            System.out.printf("data parallel: %d replicas on threads, %s BatchNorm statistics%n", trainer.replicas(),
                    replicaBn.equals("sync") ? "global (SyncBatchNorm)" : "per-replica");
        }

        Map<String, Object> provenance = Provenance.collect();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(Checkpoint.MODEL_KEY, Json.MAPPER.writeValueAsString(config.model()));
        meta.put(Checkpoint.CONFIG_KEY, Json.MAPPER.writeValueAsString(config));
        meta.put("bnlab.pytorch_module", net.toString());
        meta.put("bnlab.provenance", Json.MAPPER.writeValueAsString(provenance));

        if (warmup != null) {
            warmup.stop(); // ends after its current step, beside the first real ones; joined when the run ends
        }
        long startStep = trainer.step();
        long t0 = System.nanoTime();
        PeriodicCheckpoint checkpoints = new PeriodicCheckpoint(run, checkpointEvery, () -> meta);
        try (MetricsLog metrics = MetricsLog.append(metricsFile);
             Progress progress = new Progress("train", config.steps(), System.out, 10);
             SignalCheckpoint signals = SignalCheckpoint.install(checkpoints)) {
            if (distributed == null) {
                trainer.addListener(progress).addListener(metrics).addListener(checkpoints).addListener(signals);
                trainer.fitTo(config.steps());
            } else {
                backend.fitTo(trainer, config, config.steps(), distributed,
                        List.of(progress, metrics, checkpoints, signals));
            }
        } catch (DivergedException e) {
            Path last = run.latest();
            throw new DivergedException(e.step(), e.getMessage().replaceFirst("^training diverged at step \\d+: ", "")
                    + (last == null ? "; no checkpoint was saved" : "; the last good checkpoint is " + last));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double stepsPerSecond = (trainer.step() - startStep) / seconds;
        // the final model beside the checkpoints, for eval and for PyTorch (load_state_dict, strict)
        Checkpoint.saveModel(out.resolve(Checkpoint.MODEL_FILE), net, meta);

        EvalResult test = trainer.evaluate(ds.test());
        Map<String, Object> fin = new LinkedHashMap<>();
        fin.put("test_accuracy", test.accuracy());
        fin.put("test_loss", test.loss());
        fin.put("steps", trainer.step());
        fin.put("steps_per_second", stepsPerSecond);
        long[] byThreads = trainer.stepsByThreads();
        if (byThreads != null) {
            // the thread tuning's choices, probes included (the steps' results do not depend on them)
            fin.put("steps_on_threads", stepsOnThreads(byThreads, Engine.threads()));
        }
        fin.put("train_seconds", seconds);
        fin.put("seed", config.seed());
        fin.put("dataset", ds.name());
        fin.put("config", config);
        fin.put("checkpoint", out.relativize(run.latest()).toString());
        fin.put("provenance", provenance);
        Path finalFile = out.resolve("final.json");
        try {
            AtomicFile.write(finalFile, o -> Json.PRETTY.writeValue(o, fin));
        } catch (IOException e) {
            throw ExitCodes.naming(finalFile, e);
        }
        String split = byThreads == null || byThreads[1] == 0 || Engine.threads() == 1 ? ""
                : String.format(" (%.0f%% of steps on 1 thread: the start, and where it measured faster)",
                        100.0 * byThreads[1] / (byThreads[0] + byThreads[1]));
        System.out.printf("done: test accuracy %.2f%%, test loss %.4f, %.0f steps/s%s; wrote %s%n",
                100 * test.accuracy(), test.loss(), stepsPerSecond, split, out);
        return 0;
    }

    /**
     * Thread count -> steps run on it, from the tuning's counts on all {@code threads} ([0]) and on 1
     * ([1]); merged, because with one core both are "1" (two keys made Map.of throw, and the run end in
     * a usage message).
     */
    static Map<String, Long> stepsOnThreads(long[] byThreads, int threads) {
        Map<String, Long> on = new LinkedHashMap<>();
        on.put(String.valueOf(threads), byThreads[0]);
        on.merge("1", byThreads[1], Long::sum);
        return on;
    }

    /** --norm, or "batch" for --bn; both with different meanings is an error naming both. */
    String norm() {
        if (norm == null) {
            return bn ? "batch" : "none";
        }
        if (bn && !norm.trim().equalsIgnoreCase("batch")) {
            throw new IllegalArgumentException("--bn (BatchNorm) conflicts with --norm " + norm + "; give one of them");
        }
        return norm;
    }

    /** The --spark options, checked; the batch is checked against --workers when the trainer is built. */
    private SparkBackend.Training sparkTraining() {
        if (workers < 1) {
            throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
        }
        if (!sparkBn.equals("sync") && !sparkBn.equals("local")) {
            throw new IllegalArgumentException("--spark-bn must be sync or local, got '" + sparkBn + "'");
        }
        if (!sparkChannel.equals("socket") && !sparkChannel.equals("barrier")) {
            throw new IllegalArgumentException("--spark-channel must be socket or barrier, got '" + sparkChannel + "'");
        }
        return new SparkBackend.Training(spark, workers, sparkBn.equals("sync"), sparkChannel, checkpointEvery, divergeFactor,
                divergePatience);
    }

    private boolean matched(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** The latest checkpoint of a run directory, or a checkpoint directory of the two files. */
    static Checkpoint.Loaded loadResumable(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": no such run directory");
        }
        Checkpoint.Loaded saved;
        if (RunDirectory.isRunDirectory(dir)) {
            RunDirectory.open(dir); // removes what an interrupted save left
            saved = RunDirectory.loadLatest(dir);
        } else if (Files.exists(dir.resolve(Checkpoint.TRAINER_FILE))) {
            saved = Checkpoint.load(dir);
        } else {
            throw new IOException(dir + ": has no checkpoint to resume from (no checkpoints/latest; the run stopped before "
                    + "its first checkpoint, see --checkpoint-every)");
        }
        if (saved.trainer() == null) {
            throw new IOException(dir + ": the checkpoint has no optimizer/trainer state to resume from");
        }
        return saved;
    }

    static String describe(ModelSpec s) {
        if (s.kind().equals("cnn")) {
            return "cnn" + (s.normalized() ? " +" + s.norm() : "");
        }
        List<String> parts = new ArrayList<>();
        parts.add(String.valueOf(s.features()));
        s.hidden().forEach(h -> parts.add(String.valueOf(h)));
        parts.add(String.valueOf(s.classes()));
        return "mlp " + String.join("-", parts) + " " + s.activation() + (s.normalized() ? " +" + s.norm() : "");
    }
}
