package org.bnlab.cli;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import org.bnlab.infer.InferenceModel;
import org.bnlab.kernel.Gemm;
import org.bnlab.kernel.Parallel;
import org.bnlab.kernel.Simd;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.tensor.Tensor;
import org.bnlab.train.Json;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.Models;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bnlab bench}: a quick run of the benchmark cases (the JMH suite in bench/ is the careful
 * one). Each case: warm-up, then the median of timed repetitions. Case names carry the operation and
 * shape, e.g. {@code bn.forward_train[256,64,32,32]}, {@code mlp.step[batch=60]}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time BatchNorm forward/backward, GEMMs, training steps and inference; a table, or JSON with --json.")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--json", description = "print one JSON object: case name -> median milliseconds, plus jdk, threads,"
            + " bytes_per_op (case name -> bytes the calling thread allocated per operation, the fewest in any eighth of the"
            + " timed window), bytes_in_window (all bytes allocated in the timed window), reference_fma_ms and"
            + " reference_cache_ms (case name -> median time of two fixed loops run between the case's operations: the"
            + " host's speed meanwhile)")
    boolean json;

    @Option(names = "--threads", description = "threads (default: all cores); the training steps run on 1 of them while "
            + "that measures faster, as in train (see --no-thread-tuning)")
    Integer threads;

    @Option(names = "--no-thread-tuning", description = "run every training step on --threads threads, even when 1 thread "
            + "measures faster (to time a fixed thread count)")
    boolean noThreadTuning;

    private final Map<String, Double> results = new LinkedHashMap<>();
    private final Map<String, Double> rates = new LinkedHashMap<>();
    /** Steady bytes per operation: the fewest per operation in any eighth of the timed window ({@link WindowMeter}). */
    private final Map<String, Long> allocated = new LinkedHashMap<>();
    /** All bytes the calling thread allocated in the timed window, one-time allocations included. */
    private final Map<String, Long> allocatedInWindow = new LinkedHashMap<>();
    /** The median times of {@link HostReference}'s two loops run between the case's timed operations ({@link WindowMeter}). */
    private final Map<String, Double> referenceFmaMs = new LinkedHashMap<>();
    private final Map<String, Double> referenceCacheMs = new LinkedHashMap<>();

    /** Whether a step case's trainer tunes its thread count (reported with the results). */
    private boolean stepsTuned;

    @Option(names = "--filter", description = "only cases whose name contains this text")
    String filter;

    @Option(names = "--seconds", defaultValue = "1.0", description = "timed seconds per case (default: ${DEFAULT-VALUE})")
    double seconds;

    // Until C2 has compiled a kernel, Vector API code runs in the interpreter or C1, 100x slower;
    // the first MLP steps take milliseconds each. Warm-up must outlast that.
    @Option(names = "--warmup", defaultValue = "2.0", description = "warm-up seconds per case (default: ${DEFAULT-VALUE})")
    double warmup;

    // With the other cores busy the JIT compiles slowly: on a 2-core machine under load, the MLP's
    // kernels were still interpreted (and allocating megabytes per step) after 2 s. Warm-up goes on
    // while the operation still allocates, since compiled kernels allocate nothing, and, for the
    // training steps, until the thread tuning has made its first measured choice (steps start on 1
    // thread; the CNN step's first probe can come 2-3 s in).
    @Option(names = "--max-warmup", defaultValue = "30.0",
            description = "warm-up continues past --warmup while the operation still allocates (or a training step's thread "
                    + "tuning has not chosen yet), up to this many seconds (default: ${DEFAULT-VALUE})")
    double maxWarmup;

    static final int[][] BN_SHAPES = {{256, 64, 32, 32}, {32, 256, 14, 14}, {1024, 1024}, {60, 100}};
    /**
     * GEMM cases {op, M, N, K}, C (M, N) = A·B ("nn"), A·Bᵀ ("nt": Linear's forward) or Aᵀ·B ("tn": its
     * weight gradient): the paper MLP's layer 784 -> 100 at batch 60 and 256 (forward, input gradient,
     * weight gradient), one sample of the CNN's two convolutions (W · im2col), and 256^3 for scale.
     * bench/torch_bench.py times the same products with torch.mm (OpenBLAS sgemm).
     */
    static final String[][] GEMM_CASES = {{"nt", "60", "100", "784"}, {"nn", "60", "784", "100"}, {"tn", "100", "784", "60"},
        {"nt", "256", "100", "784"}, {"nn", "8", "784", "9"}, {"nn", "16", "196", "72"}, {"nn", "256", "256", "256"}};

    @Override
    public Integer call() throws IOException {
        if (threads != null) {
            Parallel.setThreads(threads); // rejects < 1 with a clear message
        }
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("--seconds must be > 0");
        }
        HostReference.warmUp();
        for (int[] shape : BN_SHAPES) {
            String dims = Arrays.toString(shape).replace(" ", "").replace("[", "").replace("]", "");
            BnCase c = new BnCase(shape);
            long bytes = 4L * c.x.numel();
            time("bn.forward_train[" + dims + "]", () -> c.bn.forward(c.x, true, c.y), 2 * bytes);
            time("bn.forward_eval[" + dims + "]", () -> c.bn.forward(c.x, false, c.y), 2 * bytes);
            c.bn.forward(c.x, true, c.y);
            time("bn.backward[" + dims + "]", () -> c.bn.backwardBuffered(c.dy), 3 * bytes);
        }
        for (String[] g : GEMM_CASES) {
            GemmCase c = new GemmCase(g[0], Integer.parseInt(g[1]), Integer.parseInt(g[2]), Integer.parseInt(g[3]));
            time("gemm." + g[0] + "[" + g[1] + "," + g[2] + "," + g[3] + "]", c::run, c.flops());
        }
        var data = Datasets.load("mnist-sample");
        for (int batch : new int[] {60, 256}) {
            TrainConfig cfg = new TrainConfig("mnist-sample", null, false, ModelSpec.paperMlp(true, 1.0), "sgd", 0.1, 0, false, 0,
                    "none", 1, 1, batch, Long.MAX_VALUE / 2, Integer.MAX_VALUE, 1, 0);
            Trainer t = trainer(cfg, data);
            time("mlp.step[batch=" + batch + "]", t::trainStep, 0, t::threadTuningSettled);
        }
        TrainConfig cnn = new TrainConfig("mnist-sample", null, false,
                new ModelSpec("cnn", 1, 28, 28, 10, List.of(), "relu", true, "default", 0, 0), "sgd", 0.05, 0.9, false, 0,
                "none", 1, 1, 128, Long.MAX_VALUE / 2, Integer.MAX_VALUE, 1, 0);
        Trainer ct = trainer(cnn, data);
        time("cnn.step[batch=128]", ct::trainStep, 0, ct::threadTuningSettled);
        // inference (BN folded, InferenceModel): the paper MLP and the small CNN that bench/infer.sh and
        // the ONNX Runtime peer time; untrained weights (the time does not depend on their values)
        float[] test = data.test().images();
        InferenceModel[] infer = {InferenceModel.of(Models.build(ModelSpec.paperMlp(true, 1.0), 1), 784),
            InferenceModel.of(Models.smallCnn(11), 1, 28, 28)};
        for (int m = 0; m < infer.length; m++) {
            InferenceModel im = infer[m];
            for (int batch : new int[] {1, 60, 256}) {
                float[] x = Arrays.copyOf(test, batch * im.inputFeatures());
                float[] logits = new float[batch * im.outputFeatures()];
                time((m == 0 ? "mlp" : "cnn") + ".infer[batch=" + batch + "]",
                        () -> im.predict(x, batch, logits), 0);
            }
        }

        if (json) {
            Map<String, Object> out = new LinkedHashMap<>(results);
            out.put("jdk", Runtime.version().toString());
            out.put("threads", Parallel.threads());
            out.put("thread_tuning", stepsTuned);
            out.put("kernels", Simd.describe());
            out.put("bytes_per_op", allocated);
            out.put("bytes_in_window", allocatedInWindow);
            out.put("reference_fma_ms", referenceFmaMs);
            out.put("reference_cache_ms", referenceCacheMs);
            System.out.println(Json.MAPPER.writeValueAsString(out));
        } else {
            System.out.printf(Locale.ROOT, "bnlab bench: JDK %s, %d thread(s)%s, %s kernels%n", Runtime.version(), Parallel.threads(),
                    stepsTuned ? " (training steps tuned: 1 thread while faster)" : "",
                    Simd.describe());
            System.out.printf(Locale.ROOT, "%-34s %12s %14s%n", "case", "median ms", "rate");
            for (var e : results.entrySet()) {
                double r = rates.get(e.getKey());
                String rate = e.getKey().startsWith("bn.") ? String.format(Locale.ROOT, "%.1f GB/s", r)
                        : e.getKey().startsWith("gemm.") ? String.format(Locale.ROOT, "%.1f GFLOP/s", r)
                        : e.getKey().contains(".infer[") ? String.format(Locale.ROOT, "%.0f calls/s", r)
                        : String.format(Locale.ROOT, "%.0f steps/s", r);
                System.out.printf(Locale.ROOT, "%-34s %12.3f %14s%n", e.getKey(), e.getValue(), rate);
            }
            System.out.println("allocated bytes per operation on the calling thread (steady): " + allocated);
            System.out.println("allocated bytes in each timed window (one-time JVM work included): " + allocatedInWindow);
            System.out.println("GB/s counts one read of each input and one write of each output (forward: x, y; backward: x, dy, dx);"
                    + " GFLOP/s counts 2*M*N*K.");
        }
        return 0;
    }

    /** A step case's trainer: tuning its thread count as train does, unless --no-thread-tuning. */
    private Trainer trainer(TrainConfig cfg, Dataset data) {
        Trainer.Builder b = cfg.trainerBuilder(data, Models.build(cfg.model(), cfg.seed()));
        Trainer t = (noThreadTuning ? b.threadTuning(false) : b).build();
        stepsTuned |= t.stepsByThreads() != null; // the trainer's own verdict (null: it does not tune)
        return t;
    }

    private void time(String name, Runnable op, long bytes) {
        time(name, op, bytes, () -> true);
    }

    /** Times {@code op}; warm-up also goes on (up to --max-warmup) until {@code settled} says the operation is in its steady state. */
    private void time(String name, Runnable op, long bytes, BooleanSupplier settled) {
        if (filter != null && !name.contains(filter)) {
            return;
        }
        long start = System.nanoTime();
        long warmEnd = start + (long) (1e9 * warmup);
        long warmCap = start + (long) (1e9 * Math.max(warmup, maxWarmup));
        int warm = 0;
        // rounds of >= 0.25 s and >= 10 operations; "allocating" is the last finished round's verdict
        boolean allocating = true;
        long roundEnd = start + 250_000_000L;
        long roundBytes = ThreadAllocation.bytes();
        int roundOps = 0;
        while (true) {
            op.run();
            warm++;
            roundOps++;
            long now = System.nanoTime();
            if (roundOps >= 10 && now >= roundEnd) {
                long allocatedNow = ThreadAllocation.bytes();
                allocating = roundBytes >= 0 && allocatedNow - roundBytes > 0;
                roundBytes = allocatedNow;
                roundOps = 0;
                roundEnd = now + 250_000_000L;
            }
            if (now >= warmEnd && warm >= 10 && ((!allocating && settled.getAsBoolean()) || now >= warmCap)) {
                break;
            }
        }
        // the list is sized before the clock starts, so the timed loop's own bookkeeping allocates nothing
        // and the thread's allocation counter shows the operation alone
        double[] ms = new double[1 << 20]; // 8 MB: a million timings, more than any case runs
        int count = 0;
        long window = (long) (1e9 * seconds);
        WindowMeter meter = new WindowMeter(window);
        long end = System.nanoTime() + window;
        while ((System.nanoTime() < end || count < WindowMeter.PARTS * 2) && count < ms.length) {
            long t0 = System.nanoTime();
            op.run();
            long t1 = System.nanoTime();
            ms[count++] = (t1 - t0) / 1e6;
            meter.afterOperation(t1, count);
        }
        meter.finish(count);
        if (meter.countsBytes()) {
            allocated.put(name, meter.steadyBytesPerOp());
            allocatedInWindow.put(name, meter.bytesInWindow());
        }
        referenceFmaMs.put(name, meter.referenceFmaMs());
        referenceCacheMs.put(name, meter.referenceCacheMs());
        Arrays.sort(ms, 0, count);
        double median = ms[count / 2];
        results.put(name, median);
        rates.put(name, bytes > 0 ? bytes / (median * 1e6) : 1000 / median);
        if (!json) {
            System.err.printf(Locale.ROOT, "  %s: %.3f ms%n", name, median);
        }
    }

    /** One matrix product with its operands (Gaussian, seed 2) and output. */
    private static final class GemmCase {
        final String op;
        final int m;
        final int n;
        final int k;
        final float[] a;
        final float[] b;
        final float[] c;

        GemmCase(String op, int m, int n, int k) {
            this.op = op;
            this.m = m;
            this.n = n;
            this.k = k;
            SplittableRandom r = new SplittableRandom(2);
            a = new float[m * k];
            // B with one vector of slack past its end (64 floats, AVX-512's 16 lanes with room), as the
            // convolution's im2col buffer has: the GEMM then reads a last panel narrower than a vector
            // in place, as in the layer (conv2's N = 196 = 12 vectors + 4); no other case reads it
            b = new float[k * n + 64];
            c = new float[m * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < k * n; i++) {
                b[i] = (float) r.nextGaussian();
            }
        }

        long flops() {
            return 2L * m * n * k;
        }

        void run() {
            switch (op) {
                case "nn" -> Gemm.mm(c, 0, a, 0, b, 0, m, n, k, false);
                case "nt" -> Gemm.mmT(c, 0, a, 0, b, 0, m, n, k, false);
                default -> Gemm.mTm(c, 0, a, 0, b, 0, m, n, k, false);
            }
        }
    }

    /** One BN layer with its input, output and gradient buffers. */
    private static final class BnCase {
        final BatchNorm bn;
        final Tensor x;
        final Tensor y;
        final Tensor dy;

        BnCase(int[] shape) {
            int len = (int) Tensor.numel(shape);
            SplittableRandom r = new SplittableRandom(1);
            float[] xs = new float[len];
            float[] gs = new float[len];
            for (int i = 0; i < len; i++) {
                xs[i] = (float) (r.nextGaussian() * 2 + 1);
                gs[i] = (float) r.nextGaussian();
            }
            x = Tensor.of(xs, shape);
            dy = Tensor.of(gs, shape);
            y = Tensor.zeros(shape);
            bn = BatchNorm.builder(shape[1]).build();
        }
    }
}
