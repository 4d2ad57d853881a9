package org.bnlab.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.function.UnaryOperator;
import org.bnlab.onnx.proto.OnnxProto.AttributeProto;
import org.bnlab.onnx.proto.OnnxProto.ModelProto;
import org.bnlab.onnx.proto.OnnxProto.NodeProto;
import org.junit.jupiter.api.Test;

/** Every unsupported construct is an IllegalArgumentException that names the node and the problem. */
class OnnxImporterErrorTest {

    /** cnn_bn.onnx (PyTorch's export, BN kept) with node {@code i} changed by {@code edit}. */
    private static ModelProto withNode(int i, UnaryOperator<NodeProto.Builder> edit) throws IOException {
        ModelProto.Builder m = OnnxImporter.read(Golden.path("cnn_bn.onnx")).toBuilder();
        NodeProto.Builder n = m.getGraphBuilder().getNodeBuilder(i);
        m.getGraphBuilder().setNode(i, edit.apply(n));
        return m.build();
    }

    private static NodeProto.Builder setInts(NodeProto.Builder n, String name, long... v) {
        for (int a = 0; a < n.getAttributeCount(); a++) {
            if (n.getAttribute(a).getName().equals(name)) {
                AttributeProto.Builder b = n.getAttribute(a).toBuilder().clearInts();
                for (long x : v) {
                    b.addInts(x);
                }
                return n.setAttribute(a, b);
            }
        }
        throw new AssertionError("no attribute " + name);
    }

    private static String message(ModelProto m) {
        return assertThrows(IllegalArgumentException.class, () -> OnnxImporter.toSequential(m)).getMessage();
    }

    @Test
    void unsupportedAttributeValuesNameTheNodeAndTheAttribute() throws IOException {
        assertEquals("node 0 '/0/Conv' (Conv): attribute dilations [2,2] not supported (expected [1,1])",
                message(withNode(0, n -> setInts(n, "dilations", 2, 2))));
        assertEquals("node 0 '/0/Conv' (Conv): attribute strides [1,2] not supported (needs 2 equal values)",
                message(withNode(0, n -> setInts(n, "strides", 1, 2))));
        assertEquals("node 3 '/3/MaxPool' (MaxPool): attribute pads [1,1,1,1] not supported (expected [0,0,0,0])",
                message(withNode(3, n -> setInts(n, "pads", 1, 1, 1, 1))));
        assertEquals("node 1 '/1/BatchNormalization' (BatchNormalization): attribute training_mode 1 not supported (inference only)",
                message(withNode(1, n -> n.addAttribute(AttributeProto.newBuilder().setName("training_mode")
                        .setType(AttributeProto.AttributeType.INT).setI(1)).removeAttribute(2))));
        assertEquals("node 2 '/2/Relu' (Relu): attribute alpha 0.1 not supported",
                message(withNode(2, n -> n.addAttribute(AttributeProto.newBuilder().setName("alpha")
                        .setType(AttributeProto.AttributeType.FLOAT).setF(0.1f)))));
    }

    @Test
    void unsupportedOperatorsAndGraphsAreNamed() throws IOException {
        assertEquals("node 2 '/2/Relu' (LeakyRelu): operator LeakyRelu is not supported (supported: [Add, AveragePool, "
                        + "BatchNormalization, Constant, Conv, Dropout, Flatten, Gemm, GlobalAveragePool, Identity, MatMul, "
                        + "MaxPool, Pad, Relu, Sigmoid, Tanh])",
                message(withNode(2, n -> n.setOpType("LeakyRelu"))));
        assertEquals("node 4 '/4/Conv' (Conv): its first input is '/2/Relu_output_0', not the previous node's output "
                        + "'/3/MaxPool_output_0' (only chains of single-input layers are supported)",
                message(withNode(4, n -> n.setInput(0, "/2/Relu_output_0"))));
        assertEquals("node 0 '/0/Conv' (Conv): input 1 'nowhere' is not a constant (initializer); only the first input may be computed",
                message(withNode(0, n -> n.setInput(1, "nowhere"))));
        ModelProto.Builder m = OnnxImporter.read(Golden.path("cnn_bn.onnx")).toBuilder();
        m.getOpsetImportBuilder(0).setVersion(18);
        assertEquals("ONNX opset 18 is not supported (bnlab writes and reads opsets 13 to 17, default 15)", message(m.build()));
    }

    @Test
    void shapeMismatchesAreNamed() throws IOException {
        ModelProto.Builder m = OnnxImporter.read(Golden.path("cnn_bn.onnx")).toBuilder();
        m.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
                .getDimBuilder(1).setDimValue(3);
        assertEquals("node 0 '/0/Conv' (Conv): expects input [N, 1, H, W] but gets [N, 3, 28, 28]", message(m.build()));
    }
}
