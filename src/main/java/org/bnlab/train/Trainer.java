package org.bnlab.train;

import java.util.ArrayList;
import java.util.List;
import org.bnlab.data.BatchIterator;
import org.bnlab.data.Dataset;
import org.bnlab.data.Split;
import org.bnlab.nn.CrossEntropyLoss;
import org.bnlab.nn.Module;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.nn.Dropout;
import org.bnlab.optim.Adam;
import org.bnlab.optim.AdamW;
import org.bnlab.optim.CosineAnnealingLR;
import org.bnlab.optim.ExponentialLR;
import org.bnlab.optim.GradClip;
import org.bnlab.optim.LRScheduler;
import org.bnlab.optim.Optimizer;
import org.bnlab.optim.SGD;
import org.bnlab.optim.StepLR;
import org.bnlab.tensor.Tensor;

/**
 * The training loop: mini-batch SGD (or Adam/AdamW) with periodic evaluation on the test split.
 *
 * <p>One step: zero the gradients, forward in training mode, fused softmax cross-entropy, backward,
 * optional clipping, optimizer step, schedule step. Every buffer involved is owned by a layer, the
 * loss or the batch iterator, so a step allocates nothing once the first has run. Everything random
 * (initialization, shuffling, dropout masks) derives from the config's seed, so a run is a pure
 * function of its config, whatever the thread count, and it resumes exactly from a checkpoint.
 */
public final class Trainer {

    /** One evaluation: train loss is the mean mini-batch loss since the previous evaluation. */
    public record EvalPoint(long step, double trainLoss, double testLoss, double testAccuracy, double elapsedSeconds) {}

    /** Called around every training step; the lab's measurements snapshot and restore the model here. */
    public interface StepHook {
        void beforeStep(Trainer trainer);

        /** After the optimizer step, before any evaluation of that step. */
        void afterStep(Trainer trainer);
    }

    /** Called after every evaluation; the lab reads the model's internals here. */
    @FunctionalInterface
    public interface Listener {
        void onEval(Trainer trainer, EvalPoint point);
    }

    private final TrainConfig config;
    private final Dataset data;
    private final Sequential model;
    private final Optimizer optimizer;
    private final LRScheduler scheduler;
    private final BatchIterator batches;
    private final CrossEntropyLoss loss = new CrossEntropyLoss();
    private final CrossEntropyLoss evalLoss = new CrossEntropyLoss();
    private final List<Parameter> params;
    private final int evalBatch;
    private final BatchIterator.Layout layout;
    private Split evalSplit;
    private BatchIterator evalBatches;
    private long step;
    private double lossSinceEval;
    private long stepsSinceEval;
    private double elapsedBefore;

    public Trainer(TrainConfig config, Dataset data) {
        this(config, data, Models.build(config.model(), config.seed()));
    }

    /** Trains {@code model} (which must match config.model()) on {@code data}. */
    public Trainer(TrainConfig config, Dataset data, Sequential model) {
        if (data.features() != config.model().features()) {
            throw new IllegalArgumentException("dataset " + data.name() + " has " + data.features()
                    + " features per example but the model expects " + config.model().features());
        }
        if (config.batch() > data.train().size()) {
            throw new IllegalArgumentException("batch size " + config.batch() + " is larger than the training split ("
                    + data.train().size() + " examples)");
        }
        this.config = config;
        this.data = data;
        this.model = model;
        this.params = model.parameters();
        this.optimizer = buildOptimizer(config, params);
        this.scheduler = buildScheduler(config, optimizer);
        this.layout = config.model().kind().equals("cnn") ? BatchIterator.Layout.IMAGE : BatchIterator.Layout.FLAT;
        // the shuffling stream is derived from the seed but distinct from the initialization stream
        this.batches = BatchIterator.builder(data.train(), config.batch())
                .shuffle(config.seed() * 0x9E3779B97F4A7C15L + 1).dropLast(true).layout(layout).build();
        this.evalBatch = 500;
    }

    static Optimizer buildOptimizer(TrainConfig c, List<Parameter> params) {
        switch (c.optimizer()) {
            case "adam":
                return Adam.builder(params).lr(c.lr()).weightDecay(c.weightDecay()).build();
            case "adamw":
                return AdamW.builder(params).lr(c.lr()).weightDecay(c.weightDecay()).build();
            default:
                return SGD.builder(params).lr(c.lr()).momentum(c.momentum()).nesterov(c.nesterov())
                        .weightDecay(c.weightDecay()).build();
        }
    }

    static LRScheduler buildScheduler(TrainConfig c, Optimizer opt) {
        switch (c.schedule()) {
            case "step":
                return new StepLR(opt, c.stepSize(), c.gamma());
            case "exp":
                return new ExponentialLR(opt, c.gamma());
            case "cosine":
                return new CosineAnnealingLR(opt, (int) Math.min(Integer.MAX_VALUE, c.steps()), 0);
            default:
                return null;
        }
    }

    /** One optimization step on the next mini-batch; returns its loss. */
    public float trainStep() {
        batches.next();
        model.zeroGrad();
        Tensor logits = model.forwardBuffered(batches.images(), true);
        checkFinite(logits);
        float l = loss.forward(logits, batches.labels());
        model.backwardBuffered(loss.gradBuffer(), false); // the data batch needs no gradient
        if (config.clipNorm() > 0) {
            GradClip.clipGradNorm(params, config.clipNorm());
        }
        optimizer.step();
        if (scheduler != null) {
            scheduler.step();
        }
        step++;
        lossSinceEval += l;
        stepsSinceEval++;
        return l;
    }

    private void checkFinite(Tensor logits) {
        float[] d = logits.data();
        float acc = 0;
        for (float v : d) {
            acc += v * 0f; // NaN or Inf turns the product into NaN
        }
        if (acc != 0f) {
            throw new DivergedException(step + 1, "the network's outputs are NaN or infinite");
        }
    }

    /** Mean loss and accuracy over a split, in eval mode (running statistics), in fixed order. */
    public EvalResult evaluate(Split split) {
        if (evalSplit != split) {
            // one iterator (and batch buffer) per split, reused by every evaluation
            evalBatches = BatchIterator.builder(split, Math.min(evalBatch, split.size())).layout(layout).build();
            evalSplit = split;
        }
        BatchIterator it = evalBatches;
        it.seek(0);
        double sum = 0;
        long correct = 0;
        int seen = 0;
        for (int b = 0; b < it.batchesPerEpoch(); b++) {
            it.next();
            Tensor logits = model.forwardBuffered(it.images(), false);
            int n = it.labels().length;
            sum += (double) evalLoss.forward(logits, it.labels()) * n;
            correct += evalLoss.correct();
            seen += n;
        }
        return new EvalResult(sum / seen, (double) correct / seen, seen);
    }

    /** Trains until config.steps(), evaluating every evalEvery steps and after the last. */
    public List<EvalPoint> run(Listener listener, Progress progress) {
        return run(listener, progress, null);
    }

    /** {@link #run(Listener, Progress)} with a hook around every step (nullable). */
    public List<EvalPoint> run(Listener listener, Progress progress, StepHook hook) {
        List<EvalPoint> points = new ArrayList<>();
        long start = System.nanoTime();
        while (step < config.steps()) {
            if (hook != null) {
                hook.beforeStep(this);
            }
            float l = trainStep();
            if (!Float.isFinite(l)) {
                throw new DivergedException(step, "loss is " + l);
            }
            if (hook != null) {
                hook.afterStep(this);
            }
            if (progress != null) {
                progress.step(step, l);
            }
            if (step % config.evalEvery() == 0 || step == config.steps()) {
                EvalResult test = evaluate(data.test());
                double elapsed = elapsedBefore + (System.nanoTime() - start) / 1e9;
                EvalPoint p = new EvalPoint(step, lossSinceEval / Math.max(1, stepsSinceEval), test.loss(), test.accuracy(), elapsed);
                lossSinceEval = 0;
                stepsSinceEval = 0;
                points.add(p);
                if (progress != null) {
                    progress.eval(p);
                }
                if (listener != null) {
                    listener.onEval(this, p);
                }
            }
        }
        elapsedBefore += (System.nanoTime() - start) / 1e9;
        return points;
    }

    // ---------------------------------------------------------------- resume

    /**
     * Optimizer buffers, step counters, the data position and the dropout RNG positions: with the
     * model's state_dict, everything needed to continue exactly as if training had never stopped.
     */
    public StateDict trainerState() {
        StateDict sd = new StateDict();
        for (int i = 0; i < params.size(); i++) {
            for (String name : optimizer.stateNames()) {
                float[] s = optimizer.state(i, name);
                if (s != null) {
                    sd.put("optim." + params.get(i).name() + "." + name, StateDict.Entry.f32(s.clone(), params.get(i).shape()));
                }
            }
        }
        sd.put("optim.step", StateDict.Entry.i64(new long[] {optimizer.stepCount()}));
        sd.put("optim.lr_bits", StateDict.Entry.i64(new long[] {Double.doubleToRawLongBits(optimizer.lr())}));
        sd.put("schedule.last_epoch", StateDict.Entry.i64(new long[] {scheduler == null ? 0 : scheduler.lastEpoch()}));
        sd.put("trainer.step", StateDict.Entry.i64(new long[] {step}));
        sd.put("trainer.elapsed_bits", StateDict.Entry.i64(new long[] {Double.doubleToRawLongBits(elapsedBefore)}));
        List<Module> mods = model.modules();
        for (int i = 0; i < mods.size(); i++) {
            if (mods.get(i) instanceof Dropout) {
                sd.put("rng.dropout." + i, StateDict.Entry.i64(new long[] {((Dropout) mods.get(i)).callCount()}));
            }
        }
        return sd;
    }

    /** Restores what {@link #trainerState()} saved (after the model's state_dict was loaded). */
    public void restoreTrainerState(StateDict sd) {
        for (int i = 0; i < params.size(); i++) {
            for (String name : optimizer.stateNames()) {
                String key = "optim." + params.get(i).name() + "." + name;
                float[] s = optimizer.state(i, name);
                if (sd.contains(key)) {
                    if (s == null) {
                        throw new IllegalArgumentException("checkpoint has optimizer state '" + key + "' that this optimizer does not keep");
                    }
                    sd.copyInto(key, s, params.get(i).shape());
                }
            }
        }
        optimizer.setStepCount(scalar(sd, "optim.step"));
        optimizer.setLr(Double.longBitsToDouble(scalar(sd, "optim.lr_bits")));
        if (scheduler != null) {
            scheduler.setLastEpoch((int) scalar(sd, "schedule.last_epoch"));
        }
        step = scalar(sd, "trainer.step");
        elapsedBefore = Double.longBitsToDouble(scalar(sd, "trainer.elapsed_bits"));
        batches.seek(step);
        List<Module> mods = model.modules();
        for (int i = 0; i < mods.size(); i++) {
            if (mods.get(i) instanceof Dropout) {
                ((Dropout) mods.get(i)).setCallCount(scalar(sd, "rng.dropout." + i));
            }
        }
    }

    private static long scalar(StateDict sd, String key) {
        StateDict.Entry e = sd.require(key);
        if (e.i64() == null || e.i64().length != 1) {
            throw new IllegalArgumentException("trainer state '" + key + "' must be an int64 scalar");
        }
        return e.i64()[0];
    }

    public TrainConfig config() {
        return config;
    }

    public Dataset data() {
        return data;
    }

    public Sequential model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public long step() {
        return step;
    }

    /** The current mini-batch (after the last trainStep): the lab re-runs it for its measurements. */
    public BatchIterator batches() {
        return batches;
    }
}
