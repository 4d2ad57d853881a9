package org.bnlab.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.bnlab.nn.AvgPool2d;
import org.bnlab.nn.Conv2d;
import org.bnlab.nn.Dropout;
import org.bnlab.nn.Flatten;
import org.bnlab.nn.GlobalAvgPool2d;
import org.bnlab.nn.Linear;
import org.bnlab.nn.Module;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.Sigmoid;
import org.bnlab.nn.Tanh;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.onnx.proto.OnnxProto.AttributeProto;
import org.bnlab.onnx.proto.OnnxProto.ModelProto;
import org.bnlab.onnx.proto.OnnxProto.NodeProto;
import org.bnlab.onnx.proto.OnnxProto.StringStringEntryProto;
import org.bnlab.onnx.proto.OnnxProto.TensorShapeProto;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The graph OnnxExporter writes, node by node, and its run in ONNX Runtime for every supported layer
 * (those two exports are left in target/onnx-check/ for {@code tools/onnx_check.py}).
 */
class OnnxExporterTest {

    /** Every exportable layer: standalone BN (dense and spatial), non-affine BN, avg and global pooling, tanh, dropout. */
    static Sequential zoo() {
        return new Sequential(
                BatchNorm.builder(3).build(),
                new Conv2d(3, 6, 3, 2, 1, false, 1), BatchNorm.builder(6).momentum(0.3).build(), new Tanh(), new AvgPool2d(2, 1),
                new Conv2d(6, 5, 1, 1, 0, true, 2), BatchNorm.builder(5).affine(false).build(), new ReLU(),
                new GlobalAvgPool2d(), BatchNorm.builder(5).eps(1e-3).build(), new Dropout(0.5, 3),
                new Linear(5, 4, false, 3), new Sigmoid(), new Linear(4, 3, true, 4), new Dropout(0.1, 5));
    }

    static Tensor random(SplittableRandom rng, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) (3 * rng.nextDouble() - 1);
        }
        return t;
    }

    static Sequential trainedZoo() {
        SplittableRandom rng = new SplittableRandom(42);
        Sequential m = zoo();
        for (int i = 0; i < 5; i++) {
            m.forwardBuffered(random(rng, 8, 3, 9, 9), true);
        }
        for (Module x : m.modules()) {
            if (x instanceof BatchNorm bn && bn.affine()) {
                for (int c = 0; c < bn.numFeatures(); c++) {
                    bn.weight()[c] = (float) (0.5 + rng.nextDouble());
                    bn.bias()[c] = (float) (rng.nextDouble() - 0.5);
                }
            }
        }
        return m;
    }

    private static List<String> ops(ModelProto m) {
        return m.getGraph().getNodeList().stream().map(NodeProto::getOpType).collect(Collectors.toList());
    }

    private static AttributeProto attr(NodeProto n, String name) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(n.getName() + " has no attribute " + name));
    }

    @Test
    void graphStructureAttributesAndDynamicBatch() {
        ModelProto m = OnnxExporter.export(zoo(), new int[] {3, 9, 9}, 15, false, Map.of("run", "r1"));
        assertEquals(List.of("BatchNormalization", "Conv", "BatchNormalization", "Tanh", "AveragePool", "Conv",
                "BatchNormalization", "Relu", "GlobalAveragePool", "Flatten", "BatchNormalization", "Gemm", "Sigmoid",
                "Gemm", "Identity"), ops(m), "Dropout omitted; a trailing Dropout leaves an Identity to name the output");
        assertEquals(OnnxFormat.IR_VERSION, m.getIrVersion());
        assertEquals(15, m.getOpsetImport(0).getVersion());

        List<TensorShapeProto.Dimension> in = m.getGraph().getInput(0).getType().getTensorType().getShape().getDimList();
        assertEquals("batch", in.get(0).getDimParam());
        assertEquals(List.of(3L, 9L, 9L), in.subList(1, 4).stream().map(TensorShapeProto.Dimension::getDimValue).toList());
        List<TensorShapeProto.Dimension> out = m.getGraph().getOutput(0).getType().getTensorType().getShape().getDimList();
        assertEquals("logits", m.getGraph().getOutput(0).getName());
        assertEquals("batch", out.get(0).getDimParam());
        assertEquals(3, out.get(1).getDimValue());

        NodeProto conv = m.getGraph().getNode(1);
        assertEquals(List.of("h0", "1.weight"), conv.getInputList(), "bias-free Conv has two inputs");
        assertEquals(List.of(2L, 2L), attr(conv, "strides").getIntsList());
        assertEquals(List.of(1L, 1L, 1L, 1L), attr(conv, "pads").getIntsList());
        NodeProto bn = m.getGraph().getNode(2);
        assertEquals(List.of("h1", "2.weight", "2.bias", "2.running_mean", "2.running_var"), bn.getInputList());
        assertEquals(1e-5f, attr(bn, "epsilon").getF());
        assertEquals(0.7f, attr(bn, "momentum").getF(), "ONNX momentum weighs the old value: 1 - 0.3");
        assertEquals(0, attr(bn, "training_mode").getI());
        NodeProto gemm = m.getGraph().getNode(11);
        assertEquals(1, attr(gemm, "transB").getI());
        assertEquals(List.of("h9", "11.weight"), gemm.getInputList(), "Dropout skipped: Gemm reads the BN's output");
        assertEquals(1, attr(m.getGraph().getNode(9), "axis").getI());

        Map<String, String> props = m.getMetadataPropsList().stream()
                .collect(Collectors.toMap(StringStringEntryProto::getKey, StringStringEntryProto::getValue));
        assertEquals("0.1.0", props.get("bnlab.version"));
        assertEquals("false", props.get("bnlab.fold_bn"));
        assertEquals("r1", props.get("run"));
    }

    @Test
    void opset13HasNoTrainingModeAndFoldingRemovesOnlyFoldableBatchNorms() {
        ModelProto m13 = OnnxExporter.export(zoo(), new int[] {3, 9, 9}, 13, false, Map.of());
        assertFalse(m13.getGraph().getNode(2).getAttributeList().stream().anyMatch(a -> a.getName().equals("training_mode")));
        ModelProto folded = OnnxExporter.export(zoo(), new int[] {3, 9, 9}, 15, true, Map.of());
        // the first BN (nothing before it) and the one after GlobalAvgPool2d stay; the two after a Conv fold
        assertEquals(2, ops(folded).stream().filter("BatchNormalization"::equals).count());
        assertEquals(List.of("h0", "1.weight", "1.bias"), folded.getGraph().getNode(1).getInputList(),
                "the folded bias-free Conv gains a bias");
    }

    @Test
    void everyLayerRunsInOnnxRuntimeAsInBnlab() throws Exception {
        Sequential m = trainedZoo();
        Tensor x = random(new SplittableRandom(7), 16, 3, 9, 9);
        Tensor expected = m.forward(x, false);
        for (boolean fold : new boolean[] {false, true}) {
            ModelProto proto = OnnxExporter.export(m, new int[] {3, 9, 9}, 15, fold, Map.of());
            // kept for tools/onnx_check.py (python3-onnx's checker), as SafetensorsTest keeps its file for PyTorch
            OnnxExporter.write(proto, java.nio.file.Path.of("target/onnx-check/zoo" + (fold ? "_folded" : "") + ".onnx"));
            try (Ort ort = new Ort(proto)) {
                double d = Golden.maxScaledDiff(expected.data(), ort.run(x).data());
                System.out.printf("ORT layer zoo fold=%s: max scaled diff %.3g%n", fold, d);
                assertTrue(d < 1e-5, "fold=" + fold + ": " + d);
            }
        }
    }

    @Test
    void whatOnnxCannotExpressIsAClearError() {
        Sequential untracked = new Sequential(new Linear(4, 3, true, 1), new ReLU(), BatchNorm.builder(3).trackRunningStats(false).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExporter.export(untracked, new int[] {4}, 15, false, Map.of()));
        assertTrue(e.getMessage().startsWith("OnnxExporter: layer 2 BatchNorm(3") && e.getMessage().contains("track_running_stats=false"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExporter.export(new Sequential(new Flatten(), new Linear(10, 2, true, 1)), new int[] {1, 3, 3}, 15, false, Map.of()));
        assertEquals("OnnxExporter: layer 1 Linear(in_features=10, out_features=2, bias=true) expects [N, 10] but gets [N, 9]",
                e.getMessage());
    }
}
