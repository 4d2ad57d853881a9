package bnlab.peers;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * ONNX Runtime (Java, CPU execution provider) peer benchmark: inference only. Models come from make_models.py
 * (models/*.onnx): bn.forward_eval = one BatchNormalization node; mlp.infer[batch=60] = the paper MLP forward with
 * unfolded BatchNormalization nodes, which ORT's graph optimizer (ALL_OPT) may fuse when the session is created.
 */
public final class OrtBench {
    public static void main(String[] argv) throws Exception {
        var a = Timing.Args.parse(argv);
        Path models = Path.of(System.getProperty("peers.models", "models"));
        var env = OrtEnvironment.getEnvironment();
        var t = new Timing(a);
        var rnd = new Random(42);
        for (int[] shape : Timing.BN_SHAPES) {
            String d = Timing.dims(shape);
            float[] xs = new float[java.util.Arrays.stream(shape).reduce(1, (p, q) -> p * q)];
            for (int i = 0; i < xs.length; i++) xs[i] = (float) (rnd.nextGaussian() * 2 + 1);
            run(env, t, a, models.resolve("bn_" + d.replace(',', '_') + ".onnx"), "bn.forward_eval[" + d + "]", xs, shape);
        }
        float[] xs = new float[60 * 784];
        for (int i = 0; i < xs.length; i++) xs[i] = rnd.nextFloat();
        run(env, t, a, models.resolve("mlp_60.onnx"), "mlp.infer[batch=60]", xs, new int[] {60, 784});
        t.results.put("library", "onnxruntime " + env.getVersion() + " (CPU EP)");
        t.results.put("jdk", Runtime.version().toString());
        t.results.put("threads", a.threads);
        System.out.println(t.json());
    }

    static void run(OrtEnvironment env, Timing t, Timing.Args a, Path model, String name, float[] xs, int[] shape) throws Exception {
        if (!name.contains(a.filter)) return;
        var opts = new OrtSession.SessionOptions();
        opts.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        opts.setIntraOpNumThreads(a.threads);
        opts.setInterOpNumThreads(1);
        opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        Path optimized = Files.createTempFile("peers-ort-", ".onnx");
        opts.setOptimizedModelFilePath(optimized.toString());
        long[] lshape = java.util.Arrays.stream(shape).asLongStream().toArray();
        try (var session = env.createSession(model.toString(), opts);
             var x = OnnxTensor.createTensor(env, FloatBuffer.wrap(xs), lshape)) {
            System.err.println("onnxruntime: " + name + " optimized graph, op-type strings (attribute values count too, e.g. FusedGemm activation=Sigmoid): " + opTypes(Files.readAllBytes(optimized)));
            Map<String, OnnxTensor> in = Map.of(session.getInputNames().iterator().next(), x);
            t.time(name, () -> {
                try (var out = session.run(in)) {
                    // Results are produced into ORT-owned native memory; closing releases them (no copy to Java).
                }
            });
        } finally {
            Files.deleteIfExists(optimized);
            opts.close();
        }
    }

    /** Crude op-type listing for the log: scans the serialized ModelProto for known op-type strings. */
    static String opTypes(byte[] proto) {
        String s = new String(proto, java.nio.charset.StandardCharsets.ISO_8859_1);
        var sb = new StringBuilder();
        for (String op : new String[] {"BatchNormalization", "MatMul", "Gemm", "FusedGemm", "Sigmoid", "Add", "Mul", "FusedMatMul"}) {
            int n = 0;
            String key = "" + (char) 0x22 + (char) op.length() + op; // NodeProto.op_type: field 4, length-delimited
            for (int i = s.indexOf(key); i >= 0; i = s.indexOf(key, i + 1)) n++;
            if (n > 0) sb.append(op).append('x').append(n).append(' ');
        }
        return sb.toString().trim();
    }
}
