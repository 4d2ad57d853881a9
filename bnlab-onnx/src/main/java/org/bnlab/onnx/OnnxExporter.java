package org.bnlab.onnx;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bnlab.nn.AvgPool2d;
import org.bnlab.nn.Conv2d;
import org.bnlab.nn.Dropout;
import org.bnlab.nn.Flatten;
import org.bnlab.nn.GlobalAvgPool2d;
import org.bnlab.nn.Linear;
import org.bnlab.nn.MaxPool2d;
import org.bnlab.nn.Module;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.Sigmoid;
import org.bnlab.nn.Tanh;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.nn.norm.BatchNormFolding;
import org.bnlab.onnx.proto.OnnxProto.AttributeProto;
import org.bnlab.onnx.proto.OnnxProto.GraphProto;
import org.bnlab.onnx.proto.OnnxProto.ModelProto;
import org.bnlab.onnx.proto.OnnxProto.NodeProto;
import org.bnlab.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.bnlab.onnx.proto.OnnxProto.StringStringEntryProto;
import org.bnlab.onnx.proto.OnnxProto.TensorProto;
import org.bnlab.onnx.proto.OnnxProto.TensorShapeProto;
import org.bnlab.onnx.proto.OnnxProto.TypeProto;
import org.bnlab.onnx.proto.OnnxProto.ValueInfoProto;
import org.bnlab.train.Provenance;

/**
 * A bnlab {@link Sequential} in eval mode as an ONNX model: input {@code input} [batch, ...sample
 * shape] with a symbolic batch dimension, output {@code logits} [batch, classes].
 *
 * <pre>
 *   Linear      -> Gemm(transB=1)  (input [N, in], W [out, in], bias optional)
 *   Conv2d      -> Conv            (square kernel, equal strides and pads, dilations 1, group 1)
 *   BatchNorm   -> BatchNormalization(X, scale, B, input_mean, input_var; epsilon,
 *                  momentum = 1 - bnlab's momentum (ONNX weighs the old value), training_mode 0 from opset 14)
 *                  or folded into the layer before it with {@code foldBn}
 *   ReLU, Sigmoid, Tanh -> Relu, Sigmoid, Tanh
 *   MaxPool2d, AvgPool2d -> MaxPool, AveragePool (no padding, floor mode)
 *   GlobalAvgPool2d -> GlobalAveragePool then Flatten(axis=1)   ([N, C, 1, 1] -> [N, C])
 *   Flatten     -> Flatten(axis=1)
 *   Dropout     -> nothing (the identity in eval mode)
 * </pre>
 * Initializers carry the state_dict names ({@code 0.weight}, {@code 1.running_mean}, ...) of the
 * exported model (of the folded copy with {@code foldBn}); nodes are named {@code <Op>_<layer index>}.
 * A BatchNorm without running statistics normalizes with batch statistics in eval mode, which ONNX
 * inference cannot express: it is rejected, as is any other layer type.
 */
public final class OnnxExporter {

    private OnnxExporter() {}

    /**
     * Exports {@code model} for inputs of per-sample shape {@code sampleShape} ([features] or [C, H, W]).
     * {@code metadata} is added to metadata_props after bnlab's own entries (bnlab.version,
     * bnlab.git_commit when known, bnlab.fold_bn).
     */
    public static ModelProto export(Sequential model, int[] sampleShape, int opset, boolean foldBn,
                                    Map<String, String> metadata) {
        OnnxFormat.checkOpset(opset);
        if (sampleShape.length != 1 && sampleShape.length != 3 || java.util.Arrays.stream(sampleShape).anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("OnnxExporter: sample shape must be [features] or [C, H, W] with every "
                    + "dimension >= 1, got " + java.util.Arrays.toString(sampleShape));
        }
        Sequential m = foldBn ? BatchNormFolding.fold(model) : model;
        GraphProto.Builder g = GraphProto.newBuilder().setName("bnlab");
        int[] shape = sampleShape.clone();
        g.addInput(value("input", shape));
        String cur = "input";
        for (int i = 0; i < m.size(); i++) {
            Module layer = m.get(i);
            String node = "layer " + i + " " + layer;
            if (layer instanceof Sequential) {
                throw new IllegalArgumentException("OnnxExporter: " + node + ": nested Sequential is not supported");
            }
            if (layer instanceof Dropout) {
                continue;
            }
            String out = i == m.size() - 1 ? "logits" : "h" + i;
            shape = emit(g, layer, i, cur, out, shape, opset, node);
            cur = out;
        }
        if (!cur.equals("logits")) { // the model ended with a Dropout: name the last value
            g.addNode(NodeProto.newBuilder().setOpType("Identity").setName("Identity_out").addInput(cur).addOutput("logits"));
        }
        g.addOutput(value("logits", shape));

        Map<String, Object> provenance = Provenance.collect();
        String version = String.valueOf(provenance.get("bnlab_version"));
        ModelProto.Builder mp = ModelProto.newBuilder().setIrVersion(OnnxFormat.IR_VERSION)
                .setProducerName("bnlab").setProducerVersion(version)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(g);
        Map<String, String> props = new LinkedHashMap<>();
        props.put("bnlab.version", version);
        String commit = String.valueOf(provenance.get("git_commit"));
        if (!commit.equals("unknown")) {
            props.put("bnlab.git_commit", commit);
        }
        props.put("bnlab.fold_bn", Boolean.toString(foldBn));
        props.putAll(metadata);
        props.forEach((k, v) -> mp.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return mp.build();
    }

    /**
     * The command-line entry point: the model of a checkpoint ({@code model.safetensors} or its
     * directory, as written by {@code bnlab train}) written to {@code onnx}. The checkpoint's model
     * and training config go into metadata_props (bnlab.model, bnlab.config).
     */
    public static void export(Path checkpoint, Path onnx, boolean foldBn, int opset) throws IOException {
        CheckpointModel cm = CheckpointModel.load(checkpoint);
        ModelProto mp = export(cm.model(), cm.sampleShape(), opset, foldBn, cm.metadata());
        write(mp, onnx);
    }

    /** Writes {@code model} to {@code file} (replacing it). */
    public static void write(ModelProto model, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            model.writeTo(out);
        }
    }

    /** Appends the node(s) and initializers of one layer; returns its per-sample output shape. */
    private static int[] emit(GraphProto.Builder g, Module layer, int i, String in, String out, int[] shape,
                              int opset, String node) {
        String p = i + ".";
        if (layer instanceof Linear l) {
            require(shape.length == 1 && shape[0] == l.inFeatures(), node, "expects [N, " + l.inFeatures() + "]", shape);
            NodeProto.Builder n = node("Gemm", i, in, out).addInput(p + "weight").addAttribute(intAttr("transB", 1));
            g.addInitializer(OnnxFormat.floatTensor(p + "weight", l.weight().data(), l.outFeatures(), l.inFeatures()));
            if (l.bias() != null) {
                n.addInput(p + "bias");
                g.addInitializer(OnnxFormat.floatTensor(p + "bias", l.bias().data(), l.outFeatures()));
            }
            g.addNode(n);
            return new int[] {l.outFeatures()};
        }
        if (layer instanceof Conv2d c) {
            require(shape.length == 3 && shape[0] == c.inChannels(), node, "expects [N, " + c.inChannels() + ", H, W]", shape);
            int k = c.kernelSize();
            int s = c.stride();
            int pad = c.padding();
            NodeProto.Builder n = node("Conv", i, in, out).addInput(p + "weight")
                    .addAttribute(intsAttr("dilations", 1, 1)).addAttribute(intAttr("group", 1))
                    .addAttribute(intsAttr("kernel_shape", k, k)).addAttribute(intsAttr("pads", pad, pad, pad, pad))
                    .addAttribute(intsAttr("strides", s, s));
            g.addInitializer(OnnxFormat.floatTensor(p + "weight", c.weight().data(), c.outChannels(), c.inChannels(), k, k));
            if (c.bias() != null) {
                n.addInput(p + "bias");
                g.addInitializer(OnnxFormat.floatTensor(p + "bias", c.bias().data(), c.outChannels()));
            }
            g.addNode(n);
            return new int[] {c.outChannels(), (shape[1] + 2 * pad - k) / s + 1, (shape[2] + 2 * pad - k) / s + 1};
        }
        if (layer instanceof BatchNorm bn) {
            require(shape[0] == bn.numFeatures(), node, "expects " + bn.numFeatures() + " channels", shape);
            if (!bn.trackRunningStats()) {
                throw new IllegalArgumentException("OnnxExporter: " + node + " has no running statistics "
                        + "(track_running_stats=false): it uses batch statistics in eval mode, which ONNX inference cannot express");
            }
            int c = bn.numFeatures();
            float[] gamma = bn.affine() ? bn.weight() : filled(c, 1f);
            float[] beta = bn.affine() ? bn.bias() : new float[c];
            NodeProto.Builder n = node("BatchNormalization", i, in, out)
                    .addInput(p + "weight").addInput(p + "bias").addInput(p + "running_mean").addInput(p + "running_var")
                    .addAttribute(floatAttr("epsilon", (float) bn.eps()));
            if (!bn.isCumulativeAverage()) {
                n.addAttribute(floatAttr("momentum", (float) (1 - bn.momentum())));
            }
            if (opset >= 14) {
                n.addAttribute(intAttr("training_mode", 0));
            }
            g.addInitializer(OnnxFormat.floatTensor(p + "weight", gamma, c));
            g.addInitializer(OnnxFormat.floatTensor(p + "bias", beta, c));
            g.addInitializer(OnnxFormat.floatTensor(p + "running_mean", bn.runningMean(), c));
            g.addInitializer(OnnxFormat.floatTensor(p + "running_var", bn.runningVar(), c));
            g.addNode(n);
            return shape;
        }
        if (layer instanceof ReLU || layer instanceof Sigmoid || layer instanceof Tanh) {
            String op = layer instanceof ReLU ? "Relu" : layer instanceof Sigmoid ? "Sigmoid" : "Tanh";
            g.addNode(node(op, i, in, out));
            return shape;
        }
        if (layer instanceof MaxPool2d || layer instanceof AvgPool2d) {
            int k = layer instanceof MaxPool2d mp ? mp.kernelSize() : ((AvgPool2d) layer).kernelSize();
            int s = layer instanceof MaxPool2d mp ? mp.stride() : ((AvgPool2d) layer).stride();
            require(shape.length == 3 && shape[1] >= k && shape[2] >= k, node, "expects [N, C, H, W] with H, W >= " + k, shape);
            g.addNode(node(layer instanceof MaxPool2d ? "MaxPool" : "AveragePool", i, in, out)
                    .addAttribute(intAttr("ceil_mode", 0)).addAttribute(intsAttr("kernel_shape", k, k))
                    .addAttribute(intsAttr("pads", 0, 0, 0, 0)).addAttribute(intsAttr("strides", s, s)));
            return new int[] {shape[0], (shape[1] - k) / s + 1, (shape[2] - k) / s + 1};
        }
        if (layer instanceof GlobalAvgPool2d) {
            require(shape.length == 3, node, "expects [N, C, H, W]", shape);
            String pooled = out + "_pooled";
            g.addNode(node("GlobalAveragePool", i, in, pooled));
            g.addNode(NodeProto.newBuilder().setOpType("Flatten").setName("Flatten_" + i + "_pooled")
                    .addInput(pooled).addOutput(out).addAttribute(intAttr("axis", 1)));
            return new int[] {shape[0]};
        }
        if (layer instanceof Flatten) {
            g.addNode(node("Flatten", i, in, out).addAttribute(intAttr("axis", 1)));
            int f = 1;
            for (int d : shape) {
                f *= d;
            }
            return new int[] {f};
        }
        throw new IllegalArgumentException("OnnxExporter: " + node + ": layer type " + layer.getClass().getSimpleName()
                + " has no ONNX export");
    }

    private static void require(boolean ok, String node, String what, int[] shape) {
        if (!ok) {
            throw new IllegalArgumentException("OnnxExporter: " + node + " " + what + " but gets [N, "
                    + OnnxFormat.dims(shape) + "]");
        }
    }

    private static NodeProto.Builder node(String op, int i, String in, String out) {
        return NodeProto.newBuilder().setOpType(op).setName(op + "_" + i).addInput(in).addOutput(out);
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    private static AttributeProto intsAttr(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** A float tensor value [batch, ...shape] with a symbolic batch dimension. */
    private static ValueInfoProto value(String name, int[] shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (int d : shape) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }
}
