package org.bnlab.train;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.bnlab.data.BatchIterator;
import org.bnlab.data.SampleOrder;
import org.bnlab.data.Split;
import org.bnlab.dist.Collective;
import org.bnlab.engine.Engine;
import org.bnlab.kernel.Parallel;
import org.bnlab.nn.CrossEntropyLoss;
import org.bnlab.nn.Module;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.optim.GradClip;
import org.bnlab.optim.LRScheduler;
import org.bnlab.optim.Optimizer;
import org.bnlab.optim.SGD;
import org.bnlab.tensor.Tensor;
import org.bnlab.train.parallel.DataParallel;

/**
 * The training loop for any classifier {@link Module}: mini-batch optimization of the softmax
 * cross-entropy, with periodic evaluation and {@link TrainingListener callbacks}.
 *
 * <pre>{@code
 * Trainer trainer = Trainer.builder(net, data.train())
 *         .optimizer(params -> SGD.builder(params).lr(0.05).momentum(0.9).build())
 *         .batchSize(64).seed(1).evaluateOn(data.test(), 100).build();
 * trainer.fit(300);   // 300 optimizer steps
 * }</pre>
 *
 * <p>One step: zero the gradients, forward in training mode, fused softmax cross-entropy, backward
 * (without the data batch's own gradient), optional gradient clipping, optimizer step, schedule step.
 * Every buffer involved belongs to a layer, the loss or the batch iterator, so a step allocates nothing
 * once the first has run. The input layout ([N, features] or [N, C, H, W]) comes from the model's
 * first layer and the data's example shape. Shuffling derives from the seed, so a run is a pure function
 * of the model's initial state, the data and the options, whatever the thread count, and
 * {@link #stateDict()} / {@link #loadStateDict} continue it bit-exactly.
 */
public final class Trainer {

    private final Module model;
    private final Split train;
    private final List<Parameter> params;
    private final Optimizer optimizer;
    private final LRScheduler scheduler;
    private final BatchIterator batches;
    private final CrossEntropyLoss loss = new CrossEntropyLoss();
    private final double clipNorm;
    private final Split evalSplit;
    private final int evalEvery;
    private final Evaluator evaluator;
    private final DivergenceCheck divergence;
    private final List<TrainingListener> listeners = new ArrayList<>();
    /** Data-parallel replicas on threads, or null for one model. */
    private final DataParallel parallel;
    /** This replica's share of each step in data-parallel training, or null for single-process training. */
    private final ReplicaShard shard;
    /** Chooses 1 or all threads per step by timing both, or null: see {@link Builder#threadTuning}. */
    private final ThreadTuner tuner;

    private long step;
    private double lossSinceEval;
    private long stepsSinceEval;
    private double elapsedBefore;
    /** System.nanoTime() at the start of the running fit, or -1 outside a fit. */
    private long fitStart = -1;

    private Trainer(Builder b) {
        this.model = b.model;
        this.train = b.train;
        this.params = model.parameters();
        BatchIterator.Layout layout = ModelInput.layout(model);
        if (b.replicas > 1) {
            // replica 0 is the user's model: SyncBatchNorm takes over its BatchNorm layers' arrays, so
            // the model the user holds is the one trained, evaluated and saved
            Sequential first = (Sequential) model;
            this.parallel = DataParallel.builder(r -> r == 0 ? first : b.replicaFactory.apply(r), b.replicas)
                    .inputShape(layout == BatchIterator.Layout.FLAT ? new int[] {train.features()} : train.exampleShape())
                    .optimizer(b.optimizer).batchStatistics(b.replicaStatistics).build();
            this.optimizer = parallel.optimizer();
        } else {
            this.parallel = null;
            this.optimizer = b.optimizer.apply(params);
        }
        if (optimizer == null) {
            throw new IllegalArgumentException("Trainer: the optimizer factory returned null");
        }
        this.scheduler = b.scheduler == null ? null : b.scheduler.apply(optimizer);
        this.clipNorm = b.clipNorm;
        this.evalSplit = b.evalSplit;
        this.evalEvery = b.evalEvery;
        this.divergence = b.divergence;
        // the shuffling stream is derived from the seed but distinct from any initialization stream
        BatchIterator.Builder batchBuilder = BatchIterator.builder(train, b.batchSize)
                .shuffle(b.seed * 0x9E3779B97F4A7C15L + 1).dropLast(true).layout(layout);
        if (b.sampleOrder != null) {
            batchBuilder.order(b.sampleOrder);
        }
        this.batches = batchBuilder.build();
        this.evaluator = new Evaluator(model);
        this.shard = b.collective == null ? null : new ReplicaShard(b.collective, b.rank, b.batchSize);
        listeners.addAll(b.listeners);
        // replicas run on threads of their own (one model each), and 1 thread has no choice to make
        boolean tune = b.threadTuning != null ? b.threadTuning : Parallel.threadTuning();
        this.tuner = tune && Parallel.threads() > 1 && parallel == null && shard == null ? new ThreadTuner(b.tuningClock) : null;
    }

    /** A builder training {@code model} on {@code train}; defaults: SGD lr 0.01, batch 64, seed 0. */
    public static Builder builder(Module model, Split train) {
        return new Builder(model, train);
    }

    /** Adds a listener; listeners run in the order added. */
    public Trainer addListener(TrainingListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("Trainer: listener must not be null");
        }
        listeners.add(listener);
        return this;
    }

    /**
     * One optimization step on the next mini-batch; returns its loss (as a replica: the global batch's).
     * Listeners are not called.
     */
    public float trainStep() {
        if (tuner == null) {
            return stepOnce();
        }
        tuner.beforeStep();
        try {
            return stepOnce();
        } finally {
            tuner.afterStep();
        }
    }

    /**
     * Whether the thread tuning has made its first measured choice (true without tuning): the steps
     * start on 1 thread and are probed once their time has settled, so a benchmark of steady steps
     * waits for this.
     */
    public boolean threadTuningSettled() {
        return tuner == null || tuner.settled();
    }

    /**
     * Steps run so far on all threads ({@code [0]}) and on 1 thread ({@code [1]}) by the thread tuning,
     * its probes included; null without it.
     */
    public long[] stepsByThreads() {
        return tuner == null ? null : tuner.stepsByArm();
    }

    private float stepOnce() {
        batches.next();
        float l;
        if (parallel != null) {
            // the replicas split the batch, combine BN statistics and gradients, and step the optimizer
            l = parallel.step(batches.images().data(), batches.labels(), batches.labels().length);
        } else {
            model.zeroGrad();
            if (shard == null) {
                Tensor logits = model.forwardBuffered(batches.images(), true);
                checkFinite(logits);
                l = loss.forward(logits, batches.labels());
                model.backwardBuffered(loss.gradBuffer(), false); // the data batch needs no gradient
            } else {
                // no check of the slice's outputs here: a replica stopping alone would leave the others waiting
                // in the collective; non-finite outputs make the global loss non-finite, seen by every replica below
                Tensor logits = model.forwardBuffered(shard.images(batches.images()), true);
                float sliceLoss = loss.forward(logits, shard.labels(batches.labels()));
                shard.scaleLossGradient(loss.gradBuffer());
                model.backwardBuffered(loss.gradBuffer(), false);
                l = shard.allReduce(params, sliceLoss);
            }
            if (clipNorm > 0) {
                GradClip.clipGradNorm(params, clipNorm);
            }
            optimizer.step();
        }
        if (scheduler != null) {
            scheduler.step();
        }
        step++;
        lossSinceEval += l;
        stepsSinceEval++;
        if (!Float.isFinite(l)) {
            throw new DivergedException(step, "loss is " + l);
        }
        return l;
    }

    private void checkFinite(Tensor logits) {
        float[] d = logits.data();
        int n = logits.numel();
        float acc = 0;
        for (int i = 0; i < n; i++) {
            acc += d[i] * 0f; // NaN or Inf turns the product into NaN
        }
        if (acc != 0f) {
            throw new DivergedException(step + 1, "the network's outputs are NaN or infinite");
        }
    }

    /** Trains {@code steps} more steps; see {@link #fitTo}. */
    public List<EvalPoint> fit(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("Trainer.fit: steps must be >= 0, got " + steps);
        }
        return fitTo(Math.addExact(step, steps));
    }

    /**
     * Trains until {@link #step()} reaches {@code lastStep}, evaluating on the evaluation split (if
     * one was given) every {@code evalEvery} steps and at {@code lastStep}.
     *
     * @return the evaluations of this call, in order
     * @throws DivergedException when the loss or the outputs become non-finite, or the divergence
     *                           check (if enabled) fires
     */
    public List<EvalPoint> fitTo(long lastStep) {
        if (lastStep < step) {
            throw new IllegalArgumentException("Trainer.fitTo: the trainer is already at step " + step
                    + ", past the requested last step " + lastStep);
        }
        List<EvalPoint> points = new ArrayList<>();
        long start = System.nanoTime();
        fitStart = start;
        try {
            while (step < lastStep) {
                for (int i = 0; i < listeners.size(); i++) {
                    listeners.get(i).beforeStep(this);
                }
                float l = trainStep();
                if (divergence != null) {
                    divergence.observe(l);
                }
                for (int i = 0; i < listeners.size(); i++) {
                    listeners.get(i).afterStep(this, l);
                }
                if (step % evalEvery == 0 || step == lastStep) {
                    EvalPoint p = evaluateAsSteps(start);
                    points.add(p);
                    if (divergence != null) {
                        divergence.check(p);
                    }
                    for (int i = 0; i < listeners.size(); i++) {
                        listeners.get(i).onEval(this, p);
                    }
                }
                for (int i = 0; i < listeners.size(); i++) {
                    listeners.get(i).onStepEnd(this);
                }
            }
        } finally {
            elapsedBefore += (System.nanoTime() - start) / 1e9;
            fitStart = -1;
        }
        for (int i = 0; i < listeners.size(); i++) {
            listeners.get(i).onFitEnd(this);
        }
        return points;
    }

    /** An evaluation on the threads the steps use now (the thread tuning's choice, if on). */
    private EvalPoint evaluateAsSteps(long start) {
        if (tuner == null) {
            return evaluatePoint(start);
        }
        int previous = Parallel.limitCallerThreads(tuner.chosenCap());
        try {
            return evaluatePoint(start);
        } finally {
            Parallel.limitCallerThreads(previous);
        }
    }

    private EvalPoint evaluatePoint(long start) {
        double testLoss = Double.NaN;
        double testAccuracy = Double.NaN;
        if (evalSplit != null) {
            EvalResult r = evaluator.evaluate(evalSplit);
            testLoss = r.loss();
            testAccuracy = r.accuracy();
        }
        double elapsed = elapsedBefore + (System.nanoTime() - start) / 1e9;
        EvalPoint p = new EvalPoint(step, lossSinceEval / Math.max(1, stepsSinceEval), testLoss, testAccuracy, elapsed);
        lossSinceEval = 0;
        stepsSinceEval = 0;
        return p;
    }

    /** Mean loss and accuracy over a split, in eval mode, reusing the trainer's evaluation buffers. */
    public EvalResult evaluate(Split split) {
        return evaluator.evaluate(split);
    }

    // ---------------------------------------------------------------- resume

    /**
     * Everything an exact resume needs beyond the model's state_dict, as int64/float32 tensors:
     * <ul>
     *   <li>{@code optim.*}: the optimizer's own {@link Optimizer#stateDict state_dict}
     *       ({@code optim.state.<i>.<buffer>}, {@code optim.step}), plus {@code optim.lr_bits} (the
     *       current learning rate's IEEE bits);</li>
     *   <li>{@code schedule.last_epoch} (0 without a schedule);</li>
     *   <li>{@code trainer.step}, {@code trainer.elapsed_bits}, the running mean of the training loss
     *       since the last evaluation ({@code trainer.loss_since_eval_bits},
     *       {@code trainer.steps_since_eval}) and, with the divergence check,
     *       {@code trainer.first_loss_bits} and {@code trainer.bad_evals};</li>
     *   <li>{@code data.batch_size} and {@code data.seed}: the data position is {@code trainer.step}
     *       batches into the seeded shuffle, so these must match on load;</li>
     *   <li>{@code extra.*}: every module's {@link Module#extraState extra state}, found recursively
     *       (e.g. {@code extra.3.rng_calls} for a Dropout at index 3).</li>
     * </ul>
     * Arrays are copies, so the result stays valid while training goes on.
     */
    public StateDict stateDict() {
        StateDict live = new StateDict();
        optimizer.stateDict("optim.", live);
        StateDict sd = new StateDict();
        for (var e : live.entries().entrySet()) {
            StateDict.Entry v = e.getValue();
            sd.put(e.getKey(), v.f32() != null ? StateDict.Entry.f32(v.f32().clone(), v.shape())
                    : StateDict.Entry.i64(v.i64().clone(), v.shape()));
        }
        sd.put("optim.lr_bits", i64(Double.doubleToRawLongBits(optimizer.lr())));
        sd.put("schedule.last_epoch", i64(scheduler == null ? 0 : scheduler.lastEpoch()));
        sd.put("trainer.step", i64(step));
        sd.put("trainer.elapsed_bits", i64(Double.doubleToRawLongBits(elapsedSeconds())));
        sd.put("trainer.loss_since_eval_bits", i64(Double.doubleToRawLongBits(lossSinceEval)));
        sd.put("trainer.steps_since_eval", i64(stepsSinceEval));
        sd.put("data.batch_size", i64(batches.batchSize()));
        sd.put("data.seed", i64(batches.seed()));
        if (divergence != null) {
            divergence.stateDict("trainer.", sd);
        }
        model.extraState("extra.", sd);
        return sd;
    }

    /**
     * Restores what {@link #stateDict()} wrote, after the model's own state_dict was loaded. Every
     * entry this trainer needs must be present with the right shape; a batch size or shuffle seed that
     * differs from the saved one is an error (the data position would not mean the same batches).
     */
    public void loadStateDict(StateDict sd) {
        long batchSize = scalar(sd, "data.batch_size");
        long seed = scalar(sd, "data.seed");
        if (batchSize != batches.batchSize() || seed != batches.seed()) {
            throw new IllegalArgumentException("trainer state was saved with batch size " + batchSize + " and shuffle seed "
                    + seed + ", but this trainer has batch size " + batches.batchSize() + " and seed " + batches.seed());
        }
        optimizer.loadStateDict("optim.", sd);
        optimizer.setLr(Double.longBitsToDouble(scalar(sd, "optim.lr_bits")));
        long lastEpoch = scalar(sd, "schedule.last_epoch");
        if (scheduler != null) {
            scheduler.setLastEpoch(Math.toIntExact(lastEpoch));
        }
        if (divergence != null) {
            divergence.loadStateDict("trainer.", sd);
        }
        model.loadExtraState("extra.", sd);
        step = scalar(sd, "trainer.step");
        elapsedBefore = Double.longBitsToDouble(scalar(sd, "trainer.elapsed_bits"));
        batches.seek(step);
        lossSinceEval = Double.longBitsToDouble(scalar(sd, "trainer.loss_since_eval_bits"));
        stepsSinceEval = scalar(sd, "trainer.steps_since_eval");
    }

    static StateDict.Entry i64(long v) {
        return StateDict.Entry.i64(new long[] {v});
    }

    static long scalar(StateDict sd, String key) {
        StateDict.Entry e = sd.require(key);
        if (e.i64() == null || e.i64().length != 1) {
            throw new IllegalArgumentException("trainer state '" + key + "' must be an int64 scalar");
        }
        return e.i64()[0];
    }

    // ---------------------------------------------------------------- accessors

    public Module model() {
        return model;
    }

    public Split trainSplit() {
        return train;
    }

    /** The split evaluated every {@link #evalEvery()} steps, or null. */
    public Split evalSplit() {
        return evalSplit;
    }

    public int evalEvery() {
        return evalEvery;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** Number of data-parallel replicas (1 without data parallelism). */
    public int replicas() {
        return parallel == null ? 1 : parallel.replicas();
    }

    /** The learning-rate schedule, or null. */
    public LRScheduler scheduler() {
        return scheduler;
    }

    /**
     * False while the divergence check (if enabled) has seen the loss above its threshold at the last
     * evaluation: a checkpoint taken now could preserve a diverging state.
     */
    public boolean healthy() {
        return divergence == null || divergence.badEvals() == 0;
    }

    /** Training time so far, across resumes, in seconds. */
    public double elapsedSeconds() {
        return fitStart < 0 ? elapsedBefore : elapsedBefore + (System.nanoTime() - fitStart) / 1e9;
    }

    /** Optimizer steps taken so far (across resumes). */
    public long step() {
        return step;
    }

    public int batchSize() {
        return batches.batchSize();
    }

    /** The current mini-batch (after the last step): the lab re-runs it for its measurements. */
    public BatchIterator batches() {
        return batches;
    }

    // ---------------------------------------------------------------- builder

    /** Options of a {@link Trainer}; every setter validates its argument at once. */
    public static final class Builder {
        private final Module model;
        private final Split train;
        private Function<List<Parameter>, Optimizer> optimizer = params -> SGD.builder(params).lr(0.01).build();
        private Function<Optimizer, LRScheduler> scheduler;
        private int batchSize = 64;
        private long seed;
        private double clipNorm;
        private Split evalSplit;
        private int evalEvery = Integer.MAX_VALUE;
        private DivergenceCheck divergence;
        private SampleOrder sampleOrder;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private int replicas = 1;
        private IntFunction<Sequential> replicaFactory;
        private DataParallel.BatchStatistics replicaStatistics = DataParallel.BatchStatistics.GLOBAL;
        private Collective collective;
        private int rank;
        private Boolean threadTuning;
        private java.util.function.LongSupplier tuningClock = System::nanoTime;

        private Builder(Module model, Split train) {
            if (model == null || train == null) {
                throw new IllegalArgumentException("Trainer: model and training split must not be null");
            }
            this.model = model;
            this.train = train;
        }

        /** The optimizer, built from the model's parameters (default: SGD, lr 0.01). */
        public Builder optimizer(Function<List<Parameter>, Optimizer> factory) {
            if (factory == null) {
                throw new IllegalArgumentException("Trainer: optimizer factory must not be null");
            }
            this.optimizer = factory;
            return this;
        }

        /** A learning-rate schedule stepped once per optimizer step (default: none). */
        public Builder scheduler(Function<Optimizer, LRScheduler> factory) {
            this.scheduler = factory;
            return this;
        }

        /** Examples per step; the last partial batch of an epoch is dropped (default 64). */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("Trainer: batch size must be >= 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Seed of the shuffling (default 0). The model's initialization has its own seed. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The order of the training samples in each epoch (default: shuffled i.i.d. from the seed), e.g.
         * {@link org.bnlab.data.ClassPairOrder}. It is not saved in {@link Trainer#stateDict()}: a resumed run
         * must be given the same order again.
         */
        public Builder sampleOrder(SampleOrder order) {
            if (order == null) {
                throw new IllegalArgumentException("Trainer: sample order must not be null");
            }
            this.sampleOrder = order;
            return this;
        }

        /** Clips the global gradient norm to {@code maxNorm} before each step; 0 = off (default). */
        public Builder clipGradNorm(double maxNorm) {
            if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
                throw new IllegalArgumentException("Trainer: clip norm must be finite and >= 0, got " + maxNorm);
            }
            this.clipNorm = maxNorm;
            return this;
        }

        /** Evaluates on {@code split} every {@code every} steps and at the end of each fit. */
        public Builder evaluateOn(Split split, int every) {
            if (split == null || split.size() == 0) {
                throw new IllegalArgumentException("Trainer: the evaluation split is empty");
            }
            if (every < 1) {
                throw new IllegalArgumentException("Trainer: evaluation interval must be >= 1, got " + every);
            }
            this.evalSplit = split;
            this.evalEvery = every;
            return this;
        }

        /**
         * Stops training with a {@link DivergedException} when the mean training loss at {@code patience}
         * consecutive evaluations exceeds {@code factor} times the first step's loss. Non-finite losses
         * and outputs always stop training, with or without this check.
         */
        public Builder divergenceCheck(double factor, int patience) {
            this.divergence = new DivergenceCheck(factor, patience);
            return this;
        }

        /**
         * Data-parallel training on {@code replicas} threads: each step's batch is split across
         * replicas (the model given to {@link Trainer#builder} is replica 0; {@code factory.apply(r)}
         * builds replica r, r >= 1, with the same architecture), BatchNorm layers become SyncBatchNorm
         * ({@code GLOBAL}: the whole batch's statistics, so training equals one model on the whole batch
         * within float rounding) or keep each replica's slice ({@code PER_REPLICA}), and the gradients
         * are summed in replica order before one optimizer step. The model must be a {@link Sequential};
         * gradient clipping is not available in this mode.
         */
        public Builder dataParallel(int replicas, IntFunction<Sequential> factory, DataParallel.BatchStatistics statistics) {
            if (replicas < 1) {
                throw new IllegalArgumentException("Trainer: replicas must be >= 1, got " + replicas);
            }
            if (replicas > 1 && (factory == null || statistics == null)) {
                throw new IllegalArgumentException("Trainer: data parallelism needs a replica factory and a statistics mode");
            }
            this.replicas = replicas;
            this.replicaFactory = factory;
            this.replicaStatistics = statistics;
            return this;
        }

        /**
         * Whether each step may run on 1 thread instead of {@link Engine#threads()} when timing both finds
         * it faster (results are the same bits either way). Default: {@link Engine#threadTuning()} (on
         * unless turned off); it applies when the engine has more than 1 thread as the trainer is built;
         * data-parallel replicas never tune. See {@code ThreadTuner} for how it measures.
         */
        public Builder threadTuning(boolean on) {
            this.threadTuning = on;
            return this;
        }

        /** For tests: the clock the thread tuning times steps with (nanoseconds). */
        Builder tuningClock(java.util.function.LongSupplier clock) {
            this.tuningClock = clock;
            return this;
        }

        public Builder listener(TrainingListener listener) {
            if (listener == null) {
                throw new IllegalArgumentException("Trainer: listener must not be null");
            }
            listeners.add(listener);
            return this;
        }

        /**
         * Makes this trainer replica {@code rank} of {@code collective.size()} in synchronous data-parallel
         * training: every replica, built with the same model initialization, options and seed, draws the
         * same global batches, computes on its contiguous slice of each (the first N % R ranks one example
         * more), and steps its optimizer on the gradient summed over the replicas in rank order
         * ({@link ReplicaShard}), so all replicas hold the same parameters and optimizer state after every
         * step and {@link #stateDict()} is the single-process format. For BatchNorm over the global batch,
         * convert the model with {@link org.bnlab.nn.norm.SyncBatchNorm#convert} on the same collective;
         * without it each replica normalizes with its slice's statistics. Every replica must run the same
         * steps (the collective is called once per step, plus SyncBatchNorm's calls); the batch must hold
         * at least one example per replica.
         */
        public Builder replica(Collective collective, int rank) {
            if (collective == null) {
                throw new IllegalArgumentException("Trainer: the collective of a replica must not be null");
            }
            if (rank < 0 || rank >= collective.size()) {
                throw new IllegalArgumentException("Trainer: replica rank " + rank + " is outside [0, " + collective.size() + ")");
            }
            this.collective = collective;
            this.rank = rank;
            return this;
        }

        public Trainer build() {
            if (replicas > 1 && !(model instanceof Sequential)) {
                throw new IllegalArgumentException("Trainer: data parallelism needs a Sequential model, got "
                        + model.getClass().getSimpleName());
            }
            if (replicas > 1 && clipNorm > 0) {
                throw new IllegalArgumentException("Trainer: gradient clipping is not available with data parallelism");
            }
            if (replicas > 1 && collective != null) {
                throw new IllegalArgumentException("Trainer: choose threads (dataParallel) or a collective (replica), not both");
            }
            if (collective != null && batchSize < collective.size()) {
                throw new IllegalArgumentException("Trainer: batch size " + batchSize + " is smaller than the number of replicas ("
                        + collective.size() + "); every replica needs at least one example of each batch");
            }
            if (train.size() < batchSize) {
                throw new IllegalArgumentException("Trainer: batch size " + batchSize + " is larger than the training split ("
                        + train.size() + " examples)");
            }
            return new Trainer(this);
        }
    }
}
