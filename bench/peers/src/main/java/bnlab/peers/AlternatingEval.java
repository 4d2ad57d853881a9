package bnlab.peers;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.bnlab.kernel.Parallel;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.tensor.Tensor;

/**
 * BN forward-eval, ONNX Runtime against bnlab in ONE JVM, alternating in short rounds: on a shared machine whose
 * memory bandwidth changes from minute to minute (the probe read 9 to 38 GB/s within an hour), two separate runs
 * minutes apart compare the machine's moods, not the libraries. Each round times ORT then bnlab (warm-up, then the
 * median over {@code --seconds}); the output gives, per library, the best and the median of the round medians.
 * Same input data and model as OrtBench. Run (after {@code mvn install} at the top and {@code mvn package} here):
 * {@code java --add-modules jdk.incubator.vector -XX:+UseTransparentHugePages -Dpeers.models=models -cp 'target/*:target/lib/*'
 * bnlab.peers.AlternatingEval --threads 1 --seconds 0.5 --filter 256,64 --rounds 8}
 */
public final class AlternatingEval {
    public static void main(String[] argv) throws Exception {
        int rounds = 8;
        var rest = new java.util.ArrayList<String>();
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("--rounds")) rounds = Integer.parseInt(argv[++i]);
            else rest.add(argv[i]);
        }
        var a = Timing.Args.parse(rest.toArray(new String[0]));
        Parallel.setThreads(a.threads);
        Path models = Path.of(System.getProperty("peers.models", "models"));
        var env = OrtEnvironment.getEnvironment();
        for (int[] shape : Timing.BN_SHAPES) {
            String d = Timing.dims(shape);
            if (!d.contains(a.filter)) continue;
            var rnd = new Random(42);
            float[] xs = new float[Arrays.stream(shape).reduce(1, (p, q) -> p * q)];
            for (int i = 0; i < xs.length; i++) xs[i] = (float) (rnd.nextGaussian() * 2 + 1);
            var opts = new OrtSession.SessionOptions();
            opts.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            opts.setIntraOpNumThreads(a.threads);
            opts.setInterOpNumThreads(1);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            long[] lshape = Arrays.stream(shape).asLongStream().toArray();
            // bnlab: BN with PyTorch's defaults after one training step (running statistics set), eval mode
            BatchNorm bn = BatchNorm.builder(shape[1]).build();
            Tensor x = Tensor.of(xs.clone(), shape);
            Tensor y = Tensor.zeros(shape);
            bn.forward(x, true, y);
            try (var session = env.createSession(models.resolve("bn_" + d.replace(',', '_') + ".onnx").toString(), opts);
                 var xt = OnnxTensor.createTensor(env, FloatBuffer.wrap(xs), lshape)) {
                Map<String, OnnxTensor> in = Map.of(session.getInputNames().iterator().next(), xt);
                double[] ort = new double[rounds];
                double[] mine = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ort[r] = median(a, () -> {
                        try (var out = session.run(in)) {
                            // output in ORT-owned native memory, released on close
                        }
                    });
                    mine[r] = median(a, () -> bn.forward(x, false, y));
                }
                System.out.println(String.format(Locale.ROOT, "bn.forward_eval[%s] threads=%d rounds=%d: onnxruntime best %.3f median %.3f ms;"
                        + " bnlab best %.3f median %.3f ms; ORT/bnlab per round %s", d, a.threads, rounds, min(ort), med(ort), min(mine), med(mine),
                        ratios(ort, mine)));
            } finally {
                opts.close();
            }
        }
    }

    private static double median(Timing.Args a, Timing.Body body) throws Exception {
        long end = System.nanoTime() + (long) (a.warmup * 1e9);
        do {
            body.run();
        } while (System.nanoTime() < end);
        var samples = new java.util.ArrayList<Double>();
        end = System.nanoTime() + (long) (a.seconds * 1e9);
        do {
            long t0 = System.nanoTime();
            body.run();
            samples.add((System.nanoTime() - t0) / 1e6);
        } while (System.nanoTime() < end || samples.size() < 5);
        return med(samples.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double med(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String ratios(double[] ort, double[] mine) {
        var sb = new StringBuilder();
        for (int r = 0; r < ort.length; r++) sb.append(r == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", ort[r] / mine[r]));
        return sb.toString();
    }
}
