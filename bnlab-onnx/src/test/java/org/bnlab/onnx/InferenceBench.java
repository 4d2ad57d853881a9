package org.bnlab.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bnlab.infer.InferenceModel;
import org.bnlab.kernel.Parallel;
import org.bnlab.kernel.Simd;
import org.bnlab.nn.Sequential;
import org.bnlab.train.Json;

/**
 * Inference latency, one thread: bnlab's {@link InferenceModel} against ONNX Runtime Java (CPU
 * execution provider, intra- and inter-op threads 1, default graph optimizations) on the same
 * trained model exported with BN folded. Cases {@code mlp.infer[batch=1|60|256]} (the paper MLP)
 * and {@code cnn.infer[batch=1|60|256]} (Conv-BN-ReLU-MaxPool x2, Flatten, Linear), inputs from the
 * mnist-sample test split. Each case: warm-up, then the median of timed calls. bnlab writes into a
 * caller-owned array; ORT's side is {@code session.run} with a prebuilt input tensor, its result
 * left in native memory and closed (no copy to Java), as bench/peers' OrtBench does.
 *
 * <p>Run: {@code java -cp <test classpath> --add-modules jdk.incubator.vector
 * org.bnlab.onnx.InferenceBench [--json] [seconds] [warmup seconds]}.
 */
public final class InferenceBench {

    private InferenceBench() {}

    public static void main(String[] args) throws Exception {
        boolean json = args.length > 0 && args[0].equals("--json");
        int a = json ? 1 : 0;
        double seconds = args.length > a ? Double.parseDouble(args[a]) : 1.0;
        double warmup = args.length > a + 1 ? Double.parseDouble(args[a + 1]) : 2.0;
        int threads = Integer.getInteger("bnlab.bench.threads", 1);
        Parallel.setThreads(threads);
        Map<String, Object> out = new LinkedHashMap<>();
        for (String name : new String[] {"mlp", "cnn"}) {
            boolean image = name.equals("cnn");
            Sequential model = image ? TrainedModels.cnn() : TrainedModels.mlp();
            int[] sample = image ? new int[] {1, 28, 28} : new int[] {784};
            InferenceModel im = InferenceModel.of(model, sample);
            float[] test = TrainedModels.data().test().images();
            try (Ort ort = new Ort(OnnxExporter.export(model, sample, OnnxFormat.DEFAULT_OPSET, true, Map.of()), threads)) {
                for (int batch : new int[] {1, 60, 256}) {
                    String c = name + ".infer[batch=" + batch + "]";
                    float[] x = java.util.Arrays.copyOf(test, batch * 784);
                    float[] logits = new float[batch * 10];
                    double bnlab = median(() -> im.predict(x, batch, logits), seconds, warmup);
                    long[] shape = image ? new long[] {batch, 1, 28, 28} : new long[] {batch, 784};
                    double onnx;
                    try (OnnxTensor in = OnnxTensor.createTensor(ort.env, FloatBuffer.wrap(x), shape)) {
                        Map<String, OnnxTensor> feed = Map.of("input", in);
                        onnx = median(() -> {
                            try (OrtSession.Result r = ort.session.run(feed)) {
                                // results stay in ORT's native memory
                            } catch (OrtException e) {
                                throw new IllegalStateException(e);
                            }
                        }, seconds, warmup);
                    }
                    out.put(c + ".bnlab_us", bnlab);
                    out.put(c + ".ort_us", onnx);
                    if (!json) {
                        System.out.printf(Locale.ROOT, "%-22s bnlab %9.1f us  ort %9.1f us  bnlab/ort %5.2f  (%8.0f vs %8.0f samples/s)%n",
                                c, bnlab, onnx, bnlab / onnx, batch * 1e6 / bnlab, batch * 1e6 / onnx);
                    }
                }
                out.put("onnxruntime", ort.env.getVersion());
            }
        }
        out.put("jdk", Runtime.version().toString());
        out.put("threads", threads);
        out.put("kernels", Simd.describe());
        out.put("cpu", org.bnlab.train.Provenance.cpuModel());
        System.out.println(json ? Json.MAPPER.writeValueAsString(out)
                : "JDK " + Runtime.version() + ", " + Simd.describe() + " kernels, " + threads + " thread(s), " + out.get("cpu"));
    }

    /** Median microseconds of {@code op} after {@code warmup} seconds, over at least {@code seconds} seconds. */
    private static double median(Runnable op, double seconds, double warmup) {
        long warmEnd = System.nanoTime() + (long) (1e9 * warmup);
        for (int i = 0; System.nanoTime() < warmEnd || i < 10; i++) {
            op.run();
        }
        List<Double> us = new ArrayList<>();
        long end = System.nanoTime() + (long) (1e9 * seconds);
        while (System.nanoTime() < end || us.size() < 5) {
            long t0 = System.nanoTime();
            op.run();
            us.add((System.nanoTime() - t0) / 1e3);
        }
        us.sort(null);
        return us.get(us.size() / 2);
    }
}
