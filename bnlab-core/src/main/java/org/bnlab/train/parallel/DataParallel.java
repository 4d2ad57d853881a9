package org.bnlab.train.parallel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.bnlab.dist.CollectiveException;
import org.bnlab.dist.ThreadCollective;
import org.bnlab.nn.CrossEntropyLoss;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.nn.norm.SyncBatchNorm;
import org.bnlab.optim.Optimizer;
import org.bnlab.tensor.Tensor;

/**
 * Synchronous data-parallel training of a classifier on R replicas, each on its own thread (PyTorch's
 * DistributedDataParallel with SyncBatchNorm, inside one process).
 *
 * <p>One {@link #step}: the global batch of N examples is cut into R contiguous slices (sizes N_r, any,
 * empty included); replica r runs forward, softmax cross-entropy and backward on its slice. Its loss
 * gradient is scaled by N_r/N, so that the replicas' gradients, summed, are the gradient of the mean
 * loss over the GLOBAL batch:
 * <pre>
 *   L = (1/N) sum_i l_i = sum_r (N_r/N) L_r          dL/dtheta = sum_r (N_r/N) dL_r/dtheta
 * </pre>
 * The parameter gradients are then summed into replica 0 element by element, in double, in replica
 * order (the same result whatever the timing), the optimizer takes one step on replica 0's parameters,
 * and they are copied to the other replicas, which therefore hold identical parameters at every step.
 *
 * <p>BatchNorm: with {@link BatchStatistics#GLOBAL} every BatchNorm of the factory's model is converted
 * to a {@link SyncBatchNorm} on one shared {@link ThreadCollective}: each replica normalizes with the
 * statistics of the whole global batch and the running statistics, updated identically everywhere, are
 * those of the global batches; training then equals single-model training on the global batch up to
 * float rounding. With {@link BatchStatistics#PER_REPLICA} each replica normalizes with its own slice's
 * statistics (DDP without SyncBatchNorm; BigDL and DL4J on Spark): the model is trained with smaller
 * effective BN batches, and the running statistics that count are replica 0's, computed from its slices
 * only (DDP's broadcast_buffers makes rank 0's the authority; BigDL keeps one replica's too).
 *
 * <p>Failures: a replica whose code throws aborts the collective, which releases the replicas waiting
 * in it; a replica that does not arrive within the timeout is named in the error. The caller gets a
 * {@link ReplicaException} naming the replica that failed first (by rank, the original failure rather
 * than the others' collective errors), with its exception as the cause, and no optimizer step is taken.
 * The object stays usable, except when a replica is still running one timeout after a failure (then
 * every later call is refused).
 *
 * <p>{@link #model()} is replica 0: evaluate and checkpoint it (its SyncBatchNorm layers act as plain
 * BatchNorm in eval mode and have BatchNorm's state_dict names). Dropout masks are drawn per replica.
 * The gradient reduction runs on the caller's thread, serially (simple; O(R * parameters) per step).
 */
public final class DataParallel implements AutoCloseable {

    /** How the replicas' BatchNorm layers get their batch statistics in training. */
    public enum BatchStatistics {
        /** SyncBatchNorm: the statistics of the whole global batch, on every replica. */
        GLOBAL,
        /** Each replica's own slice (plain BatchNorm per replica); running statistics are replica 0's. */
        PER_REPLICA
    }

    private final int replicas;
    private final int[] exampleShape;
    private final int exampleSize;
    private final BatchStatistics statistics;
    private final long timeoutNanos;
    private final Sequential[] models;
    private final List<List<Parameter>> params;
    private final Optimizer optimizer;
    private final ThreadCollective collective;
    private final Replica[] work;
    private final ExecutorService threads;
    private final int[] evenSlices;
    private long steps;
    private String refusal;

    private DataParallel(Builder b) {
        this.replicas = b.replicas;
        this.exampleShape = b.exampleShape.clone();
        this.exampleSize = (int) Tensor.numel(exampleShape);
        this.statistics = b.statistics;
        this.timeoutNanos = b.timeoutNanos;
        this.collective = new ThreadCollective(replicas, timeoutNanos, TimeUnit.NANOSECONDS);
        this.models = new Sequential[replicas];
        this.params = new ArrayList<>();
        for (int r = 0; r < replicas; r++) {
            Sequential m = b.factory.apply(r);
            if (m == null) {
                throw new IllegalArgumentException("DataParallel: the model factory returned null for replica " + r);
            }
            models[r] = statistics == BatchStatistics.GLOBAL ? SyncBatchNorm.convert(m, collective, r) : m;
            params.add(models[r].parameters());
        }
        checkSameStructure();
        // replica 0's parameters and buffers everywhere (DDP broadcasts rank 0's state at construction too)
        StateDict state = new StateDict();
        models[0].stateDict("", state);
        for (int r = 1; r < replicas; r++) {
            models[r].loadStateDict("", state);
        }
        this.optimizer = b.optimizer.apply(params.get(0));
        if (optimizer == null || !optimizer.params().equals(params.get(0))) {
            throw new IllegalArgumentException("DataParallel: the optimizer factory must build an optimizer over the parameter list it is given");
        }
        this.work = new Replica[replicas];
        for (int r = 0; r < replicas; r++) {
            work[r] = new Replica(r);
        }
        this.threads = Executors.newFixedThreadPool(replicas, new ReplicaThreads());
        this.evenSlices = new int[replicas];
    }

    /** A builder: {@code factory.apply(r)} builds replica r's model (their states are then made replica 0's). */
    public static Builder builder(IntFunction<Sequential> factory, int replicas) {
        return new Builder(factory, replicas);
    }

    private void checkSameStructure() {
        List<Parameter> p0 = params.get(0);
        for (int r = 1; r < replicas; r++) {
            List<Parameter> pr = params.get(r);
            boolean same = pr.size() == p0.size();
            for (int i = 0; same && i < p0.size(); i++) {
                same = pr.get(i).name().equals(p0.get(i).name()) && pr.get(i).numel() == p0.get(i).numel();
            }
            if (!same) {
                throw new IllegalArgumentException("DataParallel: the factory built different models for replicas 0 and " + r
                        + " (parameters must match in names and sizes)");
            }
            for (int i = 0; i < p0.size(); i++) {
                if (pr.get(i).data() == p0.get(i).data()) {
                    throw new IllegalArgumentException("DataParallel: replicas 0 and " + r + " share parameter " + p0.get(i).name()
                            + "; the factory must build a new model on every call");
                }
            }
        }
    }

    // ---------------------------------------------------------------- step

    /**
     * One training step on the global batch {@code x} (n examples of the input shape, row-major) with
     * class {@code labels}, split as evenly as possible (the first n % R replicas get one more example);
     * returns the mean loss over the global batch.
     */
    public float step(float[] x, int[] labels, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("DataParallel.step: the global batch must hold at least one example, got n=" + n);
        }
        for (int r = 0; r < replicas; r++) {
            evenSlices[r] = n / replicas + (r < n % replicas ? 1 : 0);
        }
        return step(x, labels, n, evenSlices);
    }

    /** {@link #step(float[], int[], int)} with explicit slice sizes: replica r gets the next {@code slices[r]} examples. */
    public float step(float[] x, int[] labels, int n, int[] slices) {
        checkStep(x, labels, n, slices);
        CountDownLatch done = new CountDownLatch(replicas);
        int offset = 0;
        for (int r = 0; r < replicas; r++) {
            work[r].prepare(x, labels, offset, slices[r], n, done);
            offset += slices[r];
            threads.execute(work[r]);
        }
        awaitReplicas(done);
        reduceGradients();
        optimizer.step();
        broadcastParameters();
        steps++;
        double loss = 0;
        for (int r = 0; r < replicas; r++) {
            loss += work[r].weightedLoss; // (N_r/N) L_r, in replica order
        }
        return (float) loss;
    }

    private void checkStep(float[] x, int[] labels, int n, int[] slices) {
        if (refusal != null) {
            throw new IllegalStateException("DataParallel: unusable, " + refusal);
        }
        if (threads.isShutdown()) {
            throw new IllegalStateException("DataParallel: closed");
        }
        if (n < 1) {
            throw new IllegalArgumentException("DataParallel.step: the global batch must hold at least one example, got n=" + n);
        }
        if (x == null || x.length < (long) n * exampleSize) {
            throw new IllegalArgumentException("DataParallel.step: x must hold n * " + exampleSize + " = " + (long) n * exampleSize
                    + " floats (input shape " + Arrays.toString(exampleShape) + "), got " + (x == null ? "null" : x.length));
        }
        if (labels == null || labels.length < n) {
            throw new IllegalArgumentException("DataParallel.step: labels must hold n = " + n + " values, got "
                    + (labels == null ? "null" : labels.length));
        }
        if (slices == null || slices.length != replicas) {
            throw new IllegalArgumentException("DataParallel.step: need one slice size per replica (" + replicas + "), got "
                    + (slices == null ? "null" : Arrays.toString(slices)));
        }
        long sum = 0;
        for (int s : slices) {
            if (s < 0) {
                throw new IllegalArgumentException("DataParallel.step: negative slice size in " + Arrays.toString(slices));
            }
            sum += s;
        }
        if (sum != n) {
            throw new IllegalArgumentException("DataParallel.step: slice sizes " + Arrays.toString(slices) + " add up to " + sum + ", not n = " + n);
        }
    }

    /**
     * Waits for every replica. Without failures there is no deadline (a step takes what it takes); after a
     * failure the collective releases the others, so one that is still running a timeout later is stuck.
     */
    private void awaitReplicas(CountDownLatch done) {
        try {
            while (!done.await(timeoutNanos, TimeUnit.NANOSECONDS)) {
                if (collective.failure() != null && !done.await(timeoutNanos, TimeUnit.NANOSECONDS)) {
                    refusal = "a replica was still running " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                            + " ms after step " + (steps + 1) + " failed: " + collective.failure();
                    threads.shutdownNow();
                    throw new ReplicaException("DataParallel step " + (steps + 1) + ": " + refusal, -1, null);
                }
            }
        } catch (InterruptedException e) {
            // the replicas may still be running: stop them (those waiting in the collective fail) and refuse further use
            Thread.currentThread().interrupt();
            refusal = "the caller was interrupted during step " + (steps + 1);
            threads.shutdownNow();
            throw new IllegalStateException("DataParallel step " + (steps + 1) + ": interrupted while waiting for the replicas", e);
        }
        int origin = -1;
        for (int r = 0; r < replicas; r++) {
            Throwable f = work[r].failure;
            if (f != null && (origin < 0 || (work[origin].failure instanceof CollectiveException && !(f instanceof CollectiveException)))) {
                origin = r;
            }
        }
        if (origin >= 0) {
            Throwable f = work[origin].failure;
            // a replica's own failure names it; collective errors alone (a timeout) name the missing replicas
            boolean own = !(f instanceof CollectiveException);
            String what = own ? "replica " + origin + " of " + replicas + " failed: " + f : collective.failure();
            collective.reset(); // every replica has returned: nobody is inside the collective
            throw new ReplicaException("DataParallel step " + (steps + 1) + ": " + what, own ? origin : -1, f);
        }
    }

    /** grad_0 = sum_r grad_r, accumulated in double in replica order, rounded once. */
    private void reduceGradients() {
        List<Parameter> p0 = params.get(0);
        for (int p = 0; p < p0.size(); p++) {
            float[] g0 = p0.get(p).grad();
            for (int i = 0; i < g0.length; i++) {
                double acc = g0[i];
                for (int r = 1; r < replicas; r++) {
                    acc += params.get(r).get(p).grad()[i];
                }
                g0[i] = (float) acc;
            }
        }
    }

    private void broadcastParameters() {
        List<Parameter> p0 = params.get(0);
        for (int r = 1; r < replicas; r++) {
            List<Parameter> pr = params.get(r);
            for (int p = 0; p < p0.size(); p++) {
                System.arraycopy(p0.get(p).data(), 0, pr.get(p).data(), 0, p0.get(p).numel());
            }
        }
    }

    /** One replica's share of a step; run on a pool thread. */
    private final class Replica implements Runnable {
        private final int rank;
        private final CrossEntropyLoss loss = new CrossEntropyLoss();
        private Tensor input;
        private int[] labels = new int[0];
        private Tensor emptyGrad;
        // the current step's arguments, set by the caller before execute() (which publishes them)
        private float[] globalX;
        private int[] globalLabels;
        private int offset;
        private int size;
        private int globalN;
        private CountDownLatch done;
        // results, published to the caller by the latch
        private double weightedLoss;
        private Throwable failure;

        Replica(int rank) {
            this.rank = rank;
        }

        void prepare(float[] x, int[] labels, int offset, int size, int n, CountDownLatch done) {
            this.globalX = x;
            this.globalLabels = labels;
            this.offset = offset;
            this.size = size;
            this.globalN = n;
            this.done = done;
            this.weightedLoss = 0;
            this.failure = null;
        }

        @Override
        public void run() {
            try {
                Sequential model = models[rank];
                model.zeroGrad();
                Tensor logits = model.forwardBuffered(slice(), true);
                Tensor grad;
                if (size > 0) {
                    float l = loss.forward(logits, labels);
                    weightedLoss = (double) l * size / globalN;
                    grad = loss.gradBuffer();
                    // d(mean over N)/d logits = (N_r/N) d(mean over N_r)/d logits
                    float[] g = grad.data();
                    double scale = (double) size / globalN;
                    for (int i = 0; i < g.length; i++) {
                        g[i] = (float) (g[i] * scale);
                    }
                } else {
                    // an empty slice still runs backward: its SyncBatchNorm layers must join the collectives
                    if (emptyGrad == null || !emptyGrad.sameShape(logits)) {
                        emptyGrad = Tensor.zeros(logits.shape());
                    }
                    grad = emptyGrad;
                }
                model.backwardBuffered(grad, false);
            } catch (Throwable t) {
                failure = t;
                collective.abort(rank, t);
            } finally {
                globalX = null;
                globalLabels = null;
                done.countDown();
            }
        }

        private Tensor slice() {
            if (input == null || input.size(0) != size) {
                int[] shape = new int[exampleShape.length + 1];
                shape[0] = size;
                System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
                input = Tensor.zeros(shape);
                labels = new int[size];
            }
            System.arraycopy(globalX, offset * exampleSize, input.data(), 0, size * exampleSize);
            System.arraycopy(globalLabels, offset, labels, 0, size);
            return input;
        }
    }

    private static final class ReplicaThreads implements java.util.concurrent.ThreadFactory {
        private int next;

        @Override
        public synchronized Thread newThread(Runnable r) {
            Thread t = new Thread(r, "bnlab-replica-" + next++);
            t.setDaemon(true);
            return t;
        }
    }

    // ---------------------------------------------------------------- access

    /** Replica 0's model: the one to evaluate and checkpoint (live). */
    public Sequential model() {
        return models[0];
    }

    /** Replica r's model (live; for inspection). */
    public Sequential replica(int r) {
        return models[r];
    }

    public int replicas() {
        return replicas;
    }

    public BatchStatistics batchStatistics() {
        return statistics;
    }

    /** The optimizer over replica 0's parameters (for schedulers and checkpoints). */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** Steps completed. */
    public long steps() {
        return steps;
    }

    /** Stops the replica threads. */
    @Override
    public void close() {
        threads.shutdownNow();
    }

    /** Configuration; {@link #inputShape} and {@link #optimizer} are required. */
    public static final class Builder {
        private final IntFunction<Sequential> factory;
        private final int replicas;
        private int[] exampleShape;
        private Function<List<Parameter>, Optimizer> optimizer;
        private BatchStatistics statistics = BatchStatistics.GLOBAL;
        private long timeoutNanos = TimeUnit.SECONDS.toNanos(60);

        private Builder(IntFunction<Sequential> factory, int replicas) {
            if (factory == null) {
                throw new IllegalArgumentException("DataParallel: the model factory is null");
            }
            if (replicas < 1) {
                throw new IllegalArgumentException("DataParallel: replicas must be >= 1, got " + replicas);
            }
            this.factory = factory;
            this.replicas = replicas;
        }

        /** Shape of one example, e.g. {@code 784} or {@code 1, 28, 28}; a batch is [N, shape...]. */
        public Builder inputShape(int... shape) {
            if (shape == null || shape.length == 0 || Arrays.stream(shape).anyMatch(d -> d < 1)) {
                throw new IllegalArgumentException("DataParallel: the input shape must be one or more dimensions >= 1, got "
                        + Arrays.toString(shape));
            }
            this.exampleShape = shape.clone();
            return this;
        }

        /** Builds the optimizer from replica 0's parameter list, e.g. {@code p -> SGD.builder(p).lr(0.1).build()}. */
        public Builder optimizer(Function<List<Parameter>, Optimizer> optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        /** {@link BatchStatistics#GLOBAL} (default, SyncBatchNorm) or {@link BatchStatistics#PER_REPLICA}. */
        public Builder batchStatistics(BatchStatistics statistics) {
            if (statistics == null) {
                throw new IllegalArgumentException("DataParallel: batchStatistics is null");
            }
            this.statistics = statistics;
            return this;
        }

        /** How long a replica waits for the others in a collective before the step fails (default 60 s). */
        public Builder timeout(long timeout, TimeUnit unit) {
            if (timeout <= 0) {
                throw new IllegalArgumentException("DataParallel: timeout must be > 0, got " + timeout + " " + unit);
            }
            this.timeoutNanos = unit.toNanos(timeout);
            return this;
        }

        public DataParallel build() {
            if (exampleShape == null) {
                throw new IllegalArgumentException("DataParallel: inputShape(...) is required");
            }
            if (optimizer == null) {
                throw new IllegalArgumentException("DataParallel: optimizer(...) is required");
            }
            return new DataParallel(this);
        }
    }
}
