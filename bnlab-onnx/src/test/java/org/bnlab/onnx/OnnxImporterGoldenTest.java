package org.bnlab.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.bnlab.infer.InferenceModel;
import org.bnlab.nn.Conv2d;
import org.bnlab.nn.Linear;
import org.bnlab.nn.Module;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.onnx.proto.OnnxProto.ModelProto;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Models exported by PyTorch 1.13 (tools/golden/gen_onnx_golden.py) give PyTorch's logits in bnlab. */
class OnnxImporterGoldenTest {

    @ParameterizedTest
    @CsvSource({"mlp.onnx, mlp", "cnn.onnx, cnn", "cnn_bn.onnx, cnn", "zoo.onnx, zoo"})
    void importedModelGivesPyTorchsLogits(String file, String golden) throws IOException {
        Golden g = Golden.load(golden);
        ModelProto proto = OnnxImporter.read(Golden.path(file));
        Sequential model = OnnxImporter.toSequential(proto);
        int[] sample = OnnxImporter.sampleShape(proto);
        assertArrayEquals(java.util.Arrays.copyOfRange(g.input().shape(), 1, g.input().dim()), sample);

        double eval = Golden.maxAbsDiff(g.logits().data(), model.forward(g.input(), false).data());
        double infer = Golden.maxAbsDiff(g.logits().data(), InferenceModel.of(model, sample).predict(g.input()).data());
        System.out.printf("import %s: max |bnlab - PyTorch| = %.3g (eval forward), %.3g (InferenceModel)%n", file, eval, infer);
        assertTrue(eval < 1e-5, file + ": " + eval);
        assertTrue(infer < 1e-5, file + ": " + infer);
    }

    @Test
    void thePaperMlpImportsWithItsStructureAndBatchNormSettings() throws IOException {
        Sequential m = OnnxImporter.load(Golden.path("mlp.onnx"));
        assertEquals(10, m.size());
        Linear first = (Linear) m.get(0);
        assertEquals(784, first.inFeatures());
        assertNull(first.bias(), "a bias-free Linear (MatMul) stays bias-free");
        BatchNorm bn = (BatchNorm) m.get(1);
        assertEquals(1e-5, bn.eps(), 0.0, "ONNX's float epsilon is read back as the double PyTorch was given");
        assertEquals(0.1, bn.momentum(), 1e-7, "ONNX momentum 0.9 weighs the old value: bnlab's 0.1");
        assertTrue(((Linear) m.get(9)).bias() != null);
    }

    @Test
    void pyTorchsDefaultExportFoldsConvBatchNormAndPreserveKeepsIt() throws IOException {
        List<Module> folded = OnnxImporter.load(Golden.path("cnn.onnx")).modules();
        List<Module> kept = OnnxImporter.load(Golden.path("cnn_bn.onnx")).modules();
        assertEquals(0, folded.stream().filter(x -> x instanceof BatchNorm).count());
        assertEquals(2, kept.stream().filter(x -> x instanceof BatchNorm).count());
        assertTrue(((Conv2d) folded.get(0)).bias() != null, "the fold gives the bias-free conv a bias");
        assertNull(((Conv2d) kept.get(0)).bias());
    }

    @Test
    void aBnlabExportImportsBackToTheSameFunction() throws IOException {
        Golden g = Golden.load("cnn");
        Sequential model = OnnxImporter.load(Golden.path("cnn_bn.onnx"));
        for (boolean fold : new boolean[] {false, true}) {
            ModelProto exported = OnnxExporter.export(model, new int[] {1, 28, 28}, OnnxFormat.DEFAULT_OPSET, fold, java.util.Map.of());
            Sequential back = OnnxImporter.toSequential(ModelProto.parseFrom(exported.toByteArray()));
            Tensor y = back.forward(g.input(), false);
            double d = Golden.maxAbsDiff(model.forward(g.input(), false).data(), y.data());
            assertTrue(d < (fold ? 1e-5 : 1e-30), "fold=" + fold + ": " + d);
        }
    }
}
