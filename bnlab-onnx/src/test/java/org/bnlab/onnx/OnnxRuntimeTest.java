package org.bnlab.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bnlab.infer.InferenceModel;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.nn.norm.BatchNormFolding;
import org.bnlab.onnx.proto.OnnxProto.ModelProto;
import org.bnlab.onnx.proto.OnnxProto.NodeProto;
import org.bnlab.tensor.Tensor;
import org.bnlab.train.Checkpoint;
import org.bnlab.train.Json;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Exported bnlab models run in ONNX Runtime Java and give bnlab's eval-mode logits within 1e-5 on
 * the whole mnist-sample test split (2,000 images), for the trained paper MLP and CNN, with and
 * without BN folding. "Within 1e-5" is relative for logits above 1 ({@link Golden#maxScaledDiff}):
 * the trained logits reach about 20, where float32's own spacing is 1.9e-6 and any two summation
 * orders differ by several of those. The absolute difference is printed beside it.
 */
class OnnxRuntimeTest {

    private static Sequential model(String name) throws IOException {
        return name.equals("mlp") ? TrainedModels.mlp() : TrainedModels.cnn();
    }

    private static int[] sampleShape(String name) {
        return name.equals("mlp") ? new int[] {784} : new int[] {1, 28, 28};
    }

    private static long count(ModelProto m, String op) {
        return m.getGraph().getNodeList().stream().map(NodeProto::getOpType).filter(op::equals).count();
    }

    @ParameterizedTest
    @CsvSource({"mlp, false", "mlp, true", "cnn, false", "cnn, true"})
    void onnxRuntimeGivesBnlabsEvalLogitsOnTheTestSplit(String name, boolean fold) throws Exception {
        Sequential model = model(name);
        Tensor x = TrainedModels.testImages(name.equals("cnn"));
        Tensor expected = model.forward(x, false);
        ModelProto proto = OnnxExporter.export(model, sampleShape(name), OnnxFormat.DEFAULT_OPSET, fold, Map.of());
        assertEquals(fold ? 0 : (name.equals("mlp") ? 3 : 2), count(proto, "BatchNormalization"));
        try (Ort ort = new Ort(proto)) {
            Tensor got = ort.run(x);
            double d = Golden.maxScaledDiff(expected.data(), got.data());
            double inf = Golden.maxScaledDiff(InferenceModel.of(model, sampleShape(name)).predict(x).data(), got.data());
            System.out.printf("ORT %s fold=%s on %d test images (max |logit| %.1f): ORT vs bnlab eval: max abs diff %.3g, "
                    + "scaled %.3g; ORT vs InferenceModel: scaled %.3g%n", name, fold, x.size(0), Golden.maxAbs(expected.data()),
                    Golden.maxAbsDiff(expected.data(), got.data()), d, inf);
            assertTrue(d < 1e-5, name + " fold=" + fold + ": " + d);
            assertTrue(inf < 1e-5, name + " fold=" + fold + " InferenceModel: " + inf);
            assertEquals("bnlab", proto.getProducerName());
            assertEquals(Boolean.toString(fold), ort.metadata().get("bnlab.fold_bn"));
        }
    }

    @ParameterizedTest
    @CsvSource({"mlp", "cnn"})
    void foldedTrainedModelEqualsTheUnfoldedOneInEvalMode(String name) throws IOException {
        Sequential model = model(name);
        Tensor x = TrainedModels.testImages(name.equals("cnn"));
        float[] unfolded = model.forward(x, false).data();
        float[] folded = BatchNormFolding.fold(model).forward(x, false).data();
        double d = Golden.maxScaledDiff(unfolded, folded);
        System.out.printf("fold trained %s over %d test images: max |folded - unfolded| = %.3g (scaled %.3g, max |logit| %.1f)%n",
                name, x.size(0), Golden.maxAbsDiff(unfolded, folded), d, Golden.maxAbs(unfolded));
        assertTrue(d < 1e-5, name + ": " + d);
    }

    @ParameterizedTest
    @CsvSource({"13", "14", "16", "17"})
    void otherSupportedOpsetsRunToo(int opset) throws Exception {
        Sequential model = TrainedModels.cnn();
        Tensor x = TrainedModels.testImages(true);
        Tensor first = Tensor.of(java.util.Arrays.copyOf(x.data(), 100 * 784), 100, 1, 28, 28);
        ModelProto proto = OnnxExporter.export(model, sampleShape("cnn"), opset, false, Map.of());
        assertEquals(opset, proto.getOpsetImport(0).getVersion());
        try (Ort ort = new Ort(proto)) {
            double d = Golden.maxScaledDiff(model.forward(first, false).data(), ort.run(first).data());
            assertTrue(d < 1e-5, "opset " + opset + ": " + d);
        }
    }

    @Test
    void unsupportedOpsetsAreRejected() throws IOException {
        Sequential model = TrainedModels.mlp();
        for (int opset : new int[] {12, 18}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxExporter.export(model, new int[] {784}, opset, false, Map.of()));
            assertEquals("ONNX opset " + opset + " is not supported (bnlab writes and reads opsets 13 to 17, default 15)", e.getMessage());
        }
    }

    /** The command-line entry point: a checkpoint directory as bnlab train writes it -> .onnx -> ORT. */
    @Test
    void checkpointExportRunsInOnnxRuntimeWithProvenance(@TempDir Path dir) throws Exception {
        Sequential trained = TrainedModels.mlp();
        ModelSpec spec = ModelSpec.paperMlp(true, 1.0);
        StateDict sd = new StateDict();
        trained.stateDict("", sd);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(Checkpoint.MODEL_KEY, Json.MAPPER.writeValueAsString(spec));
        meta.put(Checkpoint.CONFIG_KEY, "{\"note\":\"test\"}");
        Checkpoint.save(dir.resolve("ckpt"), sd, null, meta);
        Path onnx = dir.resolve("out/model.onnx");
        OnnxExporter.export(dir.resolve("ckpt"), onnx, true, 15);

        ModelProto proto = OnnxImporter.read(onnx);
        assertEquals(0, count(proto, "BatchNormalization"));
        Tensor x = TrainedModels.testImages(false);
        try (Ort ort = new Ort(proto)) {
            double d = Golden.maxScaledDiff(trained.forward(x, false).data(), ort.run(x).data());
            assertTrue(d < 1e-5, "checkpoint export: " + d);
            Map<String, String> props = ort.metadata();
            assertEquals("0.1.0", props.get("bnlab.version"));
            assertEquals(meta.get(Checkpoint.MODEL_KEY), props.get("bnlab.model"));
            assertEquals("{\"note\":\"test\"}", props.get("bnlab.config"));
            assertEquals("true", props.get("bnlab.fold_bn"));
        }
        // the same model rebuilt from its spec, as the checkpoint loader does
        Sequential rebuilt = Models.build(spec, 0);
        rebuilt.loadStateDict("", sd);
        assertEquals(0, Golden.maxAbsDiff(trained.forward(x, false).data(), rebuilt.forward(x, false).data()));
        assertTrue(Files.size(onnx) > 300_000);
    }
}
