package org.bnlab.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import org.bnlab.nn.Module;
import org.bnlab.nn.Parameter;
import org.bnlab.optim.Adam;
import org.bnlab.optim.AdamW;
import org.bnlab.optim.CosineAnnealingLR;
import org.bnlab.optim.ExponentialLR;
import org.bnlab.optim.LRScheduler;
import org.bnlab.optim.Optimizer;
import org.bnlab.optim.SGD;
import org.bnlab.optim.StepLR;

/**
 * A training recipe of the command line and the lab: everything that determines a run of one of the
 * preset models ({@link ModelSpec}), stored in final.json and in the checkpoint ({@code bnlab.config}),
 * so a run can be reproduced and resumed. Library users build a {@link Trainer} directly; this record
 * is one way to fill its builder ({@link #trainerBuilder}).
 *
 * @param dataset      "mnist-sample", "fashion-mnist", or null when {@code dataDir} is given
 * @param optimizer    "sgd", "adam" or "adamw"
 * @param schedule     "none", "step" (x gamma every stepSize steps), "exp" (x gamma every step) or
 *                     "cosine" (to 0 over all steps); schedules advance once per training step
 * @param evalEvery    evaluate on the test split every this many steps (and after the last)
 * @param clipNorm     clip the global gradient norm to this value; 0 = no clipping
 */
public record TrainConfig(String dataset, String dataDir, boolean standardize, ModelSpec model,
                          String optimizer, double lr, double momentum, boolean nesterov, double weightDecay,
                          String schedule, double gamma, int stepSize,
                          int batch, long steps, int evalEvery, long seed, double clipNorm) {

    public static final List<String> OPTIMIZERS = List.of("sgd", "adam", "adamw");
    public static final List<String> SCHEDULES = List.of("none", "step", "exp", "cosine");

    public TrainConfig {
        if (!OPTIMIZERS.contains(optimizer)) {
            throw new IllegalArgumentException("unknown optimizer '" + optimizer + "' (known: " + OPTIMIZERS + ")");
        }
        if (!SCHEDULES.contains(schedule)) {
            throw new IllegalArgumentException("unknown schedule '" + schedule + "' (known: " + SCHEDULES + ")");
        }
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        }
        if (batch < 2) {
            throw new IllegalArgumentException("batch size must be >= 2 (BatchNorm needs more than one value per channel), got " + batch);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (evalEvery < 1) {
            throw new IllegalArgumentException("eval interval must be >= 1, got " + evalEvery);
        }
        if (!(clipNorm >= 0)) {
            throw new IllegalArgumentException("clip norm must be >= 0, got " + clipNorm);
        }
        if (schedule.equals("step") && stepSize < 1) {
            throw new IllegalArgumentException("step schedule needs a step size >= 1, got " + stepSize);
        }
    }

    /** The paper's MNIST setup: SGD, batch 60, no schedule; the caller picks lr, steps and data. */
    public static TrainConfig paper(String dataset, ModelSpec model, double lr, long steps, int evalEvery, long seed) {
        return new TrainConfig(dataset, null, false, model, "sgd", lr, 0, false, 0, "none", 1, 1, 60, steps, evalEvery, seed, 0);
    }

    /** This recipe's data: {@code dataDir}'s IDX files or the named dataset, standardized if asked. */
    public Dataset loadData() throws IOException {
        Dataset ds = dataDir != null ? Datasets.fromDirectory(Path.of(dataDir)) : Datasets.load(dataset);
        return standardize ? ds.standardized() : ds;
    }

    /** A trainer for a freshly initialized preset model (seeded by {@link #seed()}) on {@code data}. */
    public Trainer trainer(Dataset data) {
        return trainerBuilder(data, Models.build(model, seed)).build();
    }

    /**
     * A trainer builder with this recipe's optimizer, schedule, batch size, seed, clipping and
     * evaluation on the test split, for {@code net} (which must take this recipe's input).
     */
    public Trainer.Builder trainerBuilder(Dataset data, Module net) {
        if (data.features() != model.features()) {
            throw new IllegalArgumentException("dataset " + data.name() + " has " + data.features()
                    + " values per example but the model expects " + model.features());
        }
        Trainer.Builder b = Trainer.builder(net, data.train())
                .optimizer(this::optimizer)
                .batchSize(batch)
                .seed(seed)
                .clipGradNorm(clipNorm)
                .evaluateOn(data.test(), evalEvery);
        if (!schedule.equals("none")) {
            b.scheduler(this::scheduler);
        }
        return b;
    }

    Optimizer optimizer(List<Parameter> params) {
        switch (optimizer) {
            case "adam":
                return Adam.builder(params).lr(lr).weightDecay(weightDecay).build();
            case "adamw":
                return AdamW.builder(params).lr(lr).weightDecay(weightDecay).build();
            default:
                return SGD.builder(params).lr(lr).momentum(momentum).nesterov(nesterov).weightDecay(weightDecay).build();
        }
    }

    LRScheduler scheduler(Optimizer opt) {
        switch (schedule) {
            case "step":
                return new StepLR(opt, stepSize, gamma);
            case "exp":
                return new ExponentialLR(opt, gamma);
            case "cosine":
                return new CosineAnnealingLR(opt, (int) Math.min(Integer.MAX_VALUE, steps), 0);
            default:
                throw new IllegalStateException("no schedule");
        }
    }

    public TrainConfig withEvalEvery(int newEvalEvery) {
        return new TrainConfig(dataset, dataDir, standardize, model, optimizer, lr, momentum, nesterov, weightDecay,
                schedule, gamma, stepSize, batch, steps, newEvalEvery, seed, clipNorm);
    }

    public TrainConfig withSteps(long newSteps) {
        return new TrainConfig(dataset, dataDir, standardize, model, optimizer, lr, momentum, nesterov, weightDecay,
                schedule, gamma, stepSize, batch, newSteps, evalEvery, seed, clipNorm);
    }
}
