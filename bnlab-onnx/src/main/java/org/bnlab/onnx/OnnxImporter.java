package org.bnlab.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bnlab.nn.AvgPool2d;
import org.bnlab.nn.Conv2d;
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
import org.bnlab.onnx.proto.OnnxProto.AttributeProto;
import org.bnlab.onnx.proto.OnnxProto.GraphProto;
import org.bnlab.onnx.proto.OnnxProto.ModelProto;
import org.bnlab.onnx.proto.OnnxProto.NodeProto;
import org.bnlab.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.bnlab.onnx.proto.OnnxProto.TensorProto;
import org.bnlab.onnx.proto.OnnxProto.TensorShapeProto;
import org.bnlab.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * An ONNX model as a bnlab {@link Sequential}: the graphs {@code torch.onnx.export} (PyTorch 1.13)
 * writes for a {@code torch.nn.Sequential} of the layers bnlab has, and the graphs
 * {@link OnnxExporter} writes.
 *
 * <p>The graph must be a chain: one graph input, every node's first input the previous node's
 * output, every other input an initializer (or a Constant node's value). Operators:
 * <pre>
 *   Gemm (alpha = beta = 1, transA = 0, transB 0 or 1, C optional)   -> Linear
 *   MatMul with a constant [in, out] B, optionally then Add of a constant [out]  -> Linear
 *                     (PyTorch's export of a Linear without bias)
 *   Conv (2-D, square kernel, equal strides, equal pads, dilations 1, group 1)   -> Conv2d
 *   BatchNormalization (training_mode 0; momentum m becomes bnlab's 1 - m)      -> BatchNorm
 *   Relu, Sigmoid, Tanh                                                        -> ReLU, Sigmoid, Tanh
 *   MaxPool, AveragePool (square, no padding, ceil_mode 0, dilations 1)        -> MaxPool2d, AvgPool2d
 *   GlobalAveragePool then Flatten(axis=1)                                     -> GlobalAvgPool2d
 *   Flatten (axis = 1)                                                         -> Flatten
 *   Dropout, Identity                                                          -> nothing (eval mode)
 *   Pad with all pads 0                                                        -> nothing (PyTorch 1.13
 *                     writes one before every AveragePool)
 * </pre>
 * Anything else is an IllegalArgumentException naming the node, e.g.
 * {@code node 3 'Conv_5': attribute dilations [2,2] not supported}. PyTorch's default export
 * (TrainingMode.EVAL) folds each Conv-BatchNorm pair into the Conv itself; the result is then a
 * Conv2d with bias and no BatchNorm, which computes the same function.
 */
public final class OnnxImporter {

    private static final Set<String> OPS = Set.of("Gemm", "MatMul", "Add", "Conv", "BatchNormalization", "Relu",
            "Sigmoid", "Tanh", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Dropout", "Identity", "Constant", "Pad");

    private OnnxImporter() {}

    /** Reads and converts an .onnx file. */
    public static Sequential load(Path file) throws IOException {
        return toSequential(read(file));
    }

    /** Parses an .onnx file. */
    public static ModelProto read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return ModelProto.parseFrom(in);
        }
    }

    /** The per-sample input shape (the graph input's dimensions after the batch dimension). */
    public static int[] sampleShape(ModelProto model) {
        ValueInfoProto in = graphInput(model.getGraph());
        List<TensorShapeProto.Dimension> dims = in.getType().getTensorType().getShape().getDimList();
        int[] shape = new int[Math.max(0, dims.size() - 1)];
        for (int d = 1; d < dims.size(); d++) {
            if (!dims.get(d).hasDimValue()) {
                throw new IllegalArgumentException("graph input '" + in.getName() + "': dimension " + d
                        + " is symbolic ('" + dims.get(d).getDimParam() + "'); only the batch dimension may be");
            }
            shape[d - 1] = Math.toIntExact(dims.get(d).getDimValue());
        }
        if (shape.length != 1 && shape.length != 3) {
            throw new IllegalArgumentException("graph input '" + in.getName() + "' has rank " + dims.size()
                    + "; supported are [N, features] and [N, C, H, W]");
        }
        return shape;
    }

    /** Converts a parsed model. */
    public static Sequential toSequential(ModelProto model) {
        checkOpsets(model);
        GraphProto g = model.getGraph();
        Map<String, TensorProto> constants = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            constants.put(t.getName(), t);
        }
        int[] shape = sampleShape(model);
        String cur = graphInput(g).getName();
        List<Module> layers = new ArrayList<>();
        List<NodeProto> nodes = g.getNodeList();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            String where = "node " + i + " '" + n.getName() + "' (" + n.getOpType() + ")";
            if (!OPS.contains(n.getOpType())) {
                throw new IllegalArgumentException(where + ": operator " + n.getOpType() + " is not supported (supported: "
                        + new java.util.TreeSet<>(OPS) + ")");
            }
            if (n.getOpType().equals("Constant")) {
                constants.put(single(n.getOutputList(), where, "output"), constantValue(n, where));
                continue;
            }
            if (n.getInputCount() == 0 || !n.getInput(0).equals(cur)) {
                throw new IllegalArgumentException(where + ": its first input is '" + (n.getInputCount() == 0 ? "" : n.getInput(0))
                        + "', not the previous node's output '" + cur + "' (only chains of single-input layers are supported)");
            }
            Node node = new Node(n, where, constants);
            boolean pairedFlatten = false;
            switch (n.getOpType()) {
                case "Gemm" -> layers.add(gemm(node, shape));
                case "MatMul" -> layers.add(matMul(node, shape));
                case "Add" -> addBias(node, layers, shape);
                case "Conv" -> layers.add(conv(node, shape));
                case "BatchNormalization" -> layers.add(batchNorm(node, shape));
                case "Relu" -> layers.add(node.noAttributes(new ReLU()));
                case "Sigmoid" -> layers.add(node.noAttributes(new Sigmoid()));
                case "Tanh" -> layers.add(node.noAttributes(new Tanh()));
                case "MaxPool", "AveragePool" -> layers.add(pool(node, shape));
                case "GlobalAveragePool" -> {
                    node.noAttributes(null);
                    node.requireShape(shape.length == 3, "[N, C, H, W]", shape);
                    NodeProto next = i + 1 < nodes.size() ? nodes.get(i + 1) : null;
                    if (next == null || !next.getOpType().equals("Flatten") || !next.getInput(0).equals(n.getOutput(0))) {
                        throw new IllegalArgumentException(where + ": GlobalAveragePool must be followed by Flatten(axis=1) "
                                + "(bnlab's GlobalAvgPool2d outputs [N, C])");
                    }
                    new Node(next, "node " + (i + 1) + " '" + next.getName() + "' (Flatten)", constants).flattenAxis();
                    layers.add(new GlobalAvgPool2d());
                    pairedFlatten = true;
                }
                case "Flatten" -> {
                    node.flattenAxis();
                    layers.add(new Flatten());
                }
                case "Dropout", "Identity" -> { } // eval mode: the identity
                case "Pad" -> zeroPad(node);
                default -> throw new IllegalStateException(n.getOpType());
            }
            if (pairedFlatten) {
                n = nodes.get(++i);
            }
            shape = outShape(n.getOpType(), layers, shape);
            cur = n.getOutput(0);
            for (int o = 1; o < n.getOutputCount(); o++) {
                if (!n.getOutput(o).isEmpty()) {
                    throw new IllegalArgumentException(where + ": output " + o + " '" + n.getOutput(o)
                            + "' is used, only the first output is supported");
                }
            }
        }
        if (g.getOutputCount() != 1 || !g.getOutput(0).getName().equals(cur)) {
            throw new IllegalArgumentException("graph output " + g.getOutputList().stream().map(ValueInfoProto::getName).toList()
                    + " is not the last node's output '" + cur + "'");
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("the graph has no layers");
        }
        return new Sequential(layers.toArray(new Module[0]));
    }

    private static void checkOpsets(ModelProto m) {
        boolean found = false;
        for (OperatorSetIdProto o : m.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                OnnxFormat.checkOpset((int) o.getVersion());
                found = true;
            }
        }
        if (!found) {
            throw new IllegalArgumentException("the model imports no version of the default ONNX operator set");
        }
        for (NodeProto n : m.getGraph().getNodeList()) {
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                throw new IllegalArgumentException("node '" + n.getName() + "': operator domain '" + n.getDomain()
                        + "' is not supported (only the default ONNX domain)");
            }
        }
    }

    private static ValueInfoProto graphInput(GraphProto g) {
        Set<String> init = new java.util.HashSet<>();
        for (TensorProto t : g.getInitializerList()) {
            init.add(t.getName());
        }
        List<ValueInfoProto> inputs = g.getInputList().stream().filter(v -> !init.contains(v.getName())).toList();
        if (inputs.size() != 1) {
            throw new IllegalArgumentException("the graph has " + inputs.size() + " inputs besides its initializers "
                    + inputs.stream().map(ValueInfoProto::getName).toList() + "; exactly one is supported");
        }
        if (inputs.get(0).getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new IllegalArgumentException("graph input '" + inputs.get(0).getName() + "' is not float32");
        }
        return inputs.get(0);
    }

    private static String single(List<String> names, String where, String what) {
        if (names.size() != 1) {
            throw new IllegalArgumentException(where + ": expected one " + what + ", got " + names);
        }
        return names.get(0);
    }

    private static TensorProto constantValue(NodeProto n, String where) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("value") && a.hasT()) {
                return a.getT();
            }
        }
        throw new IllegalArgumentException(where + ": only Constant nodes with a tensor 'value' are supported");
    }

    private static Linear gemm(Node n, int[] shape) {
        n.allow("alpha", "beta", "transA", "transB");
        if (n.floatAttr("alpha", 1f) != 1f || n.floatAttr("beta", 1f) != 1f || n.intAttr("transA", 0) != 0) {
            throw n.error("only alpha = 1, beta = 1 and transA = 0 are supported, got alpha=" + n.floatAttr("alpha", 1f)
                    + " beta=" + n.floatAttr("beta", 1f) + " transA=" + n.intAttr("transA", 0));
        }
        boolean transB = n.intAttr("transB", 0) == 1;
        int[] ws = n.constantShape(1);
        if (ws.length != 2) {
            throw n.error("weight '" + n.input(1) + "' has shape " + OnnxFormat.str(ws) + ", expected a matrix");
        }
        int out = transB ? ws[0] : ws[1];
        int in = transB ? ws[1] : ws[0];
        n.requireShape(shape.length == 1 && shape[0] == in, "[N, " + in + "]", shape);
        float[] w = n.constant(1);
        Linear l = new Linear(in, out, n.inputs() > 2, 0L);
        System.arraycopy(transB ? w : transpose(w, in, out), 0, l.weight().data(), 0, w.length);
        if (n.inputs() > 2) {
            float[] b = n.constant(2);
            if (b.length != out) {
                throw n.error("bias '" + n.input(2) + "' has " + b.length + " values, expected " + out + " (no broadcasting)");
            }
            System.arraycopy(b, 0, l.bias().data(), 0, out);
        }
        return l;
    }

    private static Linear matMul(Node n, int[] shape) {
        n.allow();
        int[] ws = n.constantShape(1);
        if (ws.length != 2) {
            throw n.error("B '" + n.input(1) + "' has shape " + OnnxFormat.str(ws) + ", expected a constant [in, out] matrix");
        }
        n.requireShape(shape.length == 1 && shape[0] == ws[0], "[N, " + ws[0] + "]", shape);
        Linear l = new Linear(ws[0], ws[1], false, 0L);
        // ONNX computes x · B with B [in, out]; bnlab's Linear computes x · Wᵀ with W [out, in] = Bᵀ
        System.arraycopy(transpose(n.constant(1), ws[0], ws[1]), 0, l.weight().data(), 0, ws[0] * ws[1]);
        return l;
    }

    /** Add of a constant [out] right after a MatMul: that Linear gains the bias. */
    private static void addBias(Node n, List<Module> layers, int[] shape) {
        n.allow();
        Module prev = layers.isEmpty() ? null : layers.get(layers.size() - 1);
        if (!(prev instanceof Linear l) || l.bias() != null || n.inputs() != 2) {
            throw n.error("Add is supported only as the bias of a preceding MatMul");
        }
        float[] b = n.constant(1);
        if (b.length != l.outFeatures()) {
            throw n.error("bias '" + n.input(1) + "' has " + b.length + " values, expected " + l.outFeatures());
        }
        Linear withBias = new Linear(l.inFeatures(), l.outFeatures(), true, 0L);
        System.arraycopy(l.weight().data(), 0, withBias.weight().data(), 0, l.weight().data().length);
        System.arraycopy(b, 0, withBias.bias().data(), 0, b.length);
        layers.set(layers.size() - 1, withBias);
    }

    private static Conv2d conv(Node n, int[] shape) {
        n.allow("kernel_shape", "strides", "pads", "dilations", "group", "auto_pad");
        n.requireAutoPadNotSet();
        int[] ws = n.constantShape(1);
        if (ws.length != 4 || ws[2] != ws[3]) {
            throw n.error("weight '" + n.input(1) + "' has shape " + OnnxFormat.str(ws) + "; only 2-D square kernels [O, C, K, K] are supported");
        }
        int k = ws[2];
        n.requireInts("kernel_shape", new long[] {k, k}, true);
        n.requireInts("dilations", new long[] {1, 1}, false);
        if (n.intAttr("group", 1) != 1) {
            throw n.error("attribute group " + n.intAttr("group", 1) + " not supported");
        }
        int stride = n.uniform("strides", 2, 1);
        int pad = n.uniform("pads", 4, 0);
        n.requireShape(shape.length == 3 && shape[0] == ws[1], "[N, " + ws[1] + ", H, W]", shape);
        if (shape[1] + 2 * pad < k || shape[2] + 2 * pad < k) {
            throw n.error("input [N, " + OnnxFormat.str(shape) + "] is smaller than the kernel " + k);
        }
        boolean bias = n.inputs() > 2;
        Conv2d c = new Conv2d(ws[1], ws[0], k, stride, pad, bias, 0L);
        System.arraycopy(n.constant(1), 0, c.weight().data(), 0, c.weight().data().length);
        if (bias) {
            float[] b = n.constant(2);
            if (b.length != ws[0]) {
                throw n.error("bias '" + n.input(2) + "' has " + b.length + " values, expected " + ws[0]);
            }
            System.arraycopy(b, 0, c.bias().data(), 0, b.length);
        }
        return c;
    }

    private static BatchNorm batchNorm(Node n, int[] shape) {
        n.allow("epsilon", "momentum", "training_mode", "spatial");
        if (n.intAttr("training_mode", 0) != 0) {
            throw n.error("attribute training_mode " + n.intAttr("training_mode", 0) + " not supported (inference only)");
        }
        if (n.intAttr("spatial", 1) != 1) {
            throw n.error("attribute spatial " + n.intAttr("spatial", 1) + " not supported");
        }
        if (n.inputs() != 5) {
            throw n.error("expected 5 inputs (X, scale, B, input_mean, input_var), got " + n.inputs());
        }
        int c = shape.length == 0 ? 0 : shape[0];
        n.requireShape(shape.length == 1 || shape.length == 3, "[N, C] or [N, C, H, W]", shape);
        // ONNX stores epsilon as a float: 1e-5 arrives as 9.99999974738e-6. Its shortest decimal form
        // is the value the exporter was given (PyTorch's and bnlab's eps is a double).
        double eps = Double.parseDouble(Float.toString(n.floatAttr("epsilon", 1e-5f)));
        double momentum = 1 - Double.parseDouble(Float.toString(n.floatAttr("momentum", 0.9f)));
        if (!(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw n.error("epsilon " + eps + " must be > 0 and momentum " + (1 - momentum) + " in [0, 1]");
        }
        BatchNorm bn = BatchNorm.builder(c).eps(eps).momentum(momentum).build();
        float[][] dst = {bn.weight(), bn.bias(), bn.runningMean(), bn.runningVar()};
        for (int j = 0; j < 4; j++) {
            float[] v = n.constant(j + 1);
            if (v.length != c) {
                throw n.error("input " + (j + 1) + " '" + n.input(j + 1) + "' has " + v.length + " values, expected " + c);
            }
            System.arraycopy(v, 0, dst[j], 0, c);
        }
        return bn;
    }

    /** A Pad that pads nothing (what PyTorch 1.13 puts before an AveragePool without padding). */
    private static void zeroPad(Node n) {
        n.allow("mode");
        long[] pads = OnnxFormat.longs(n.constantProto(1), n.where);
        if (java.util.Arrays.stream(pads).anyMatch(p -> p != 0)) {
            throw n.error("pads " + java.util.Arrays.toString(pads).replace(" ", "") + " not supported (only a Pad of zeros)");
        }
    }

    private static Module pool(Node n, int[] shape) {
        boolean max = n.proto.getOpType().equals("MaxPool");
        if (max) {
            n.allow("kernel_shape", "strides", "pads", "ceil_mode", "dilations", "storage_order", "auto_pad");
            n.requireInts("dilations", new long[] {1, 1}, false);
        } else {
            n.allow("kernel_shape", "strides", "pads", "ceil_mode", "count_include_pad", "auto_pad");
        }
        n.requireAutoPadNotSet();
        if (n.intAttr("ceil_mode", 0) != 0) {
            throw n.error("attribute ceil_mode " + n.intAttr("ceil_mode", 0) + " not supported");
        }
        int k = n.uniform("kernel_shape", 2, -1);
        int stride = n.uniform("strides", 2, 1); // ONNX's default stride is 1 (PyTorch's is the kernel)
        n.requireInts("pads", new long[] {0, 0, 0, 0}, false);
        n.requireShape(shape.length == 3 && shape[1] >= k && shape[2] >= k, "[N, C, H, W] with H, W >= " + k, shape);
        return max ? new MaxPool2d(k, stride) : new AvgPool2d(k, stride);
    }

    /** The per-sample shape after the layer just added for {@code op}. */
    private static int[] outShape(String op, List<Module> layers, int[] shape) {
        Module last = layers.isEmpty() ? null : layers.get(layers.size() - 1);
        switch (op) {
            case "Gemm", "MatMul", "Add":
                return new int[] {((Linear) last).outFeatures()};
            case "Conv": {
                Conv2d c = (Conv2d) last;
                int k = c.kernelSize();
                return new int[] {c.outChannels(), (shape[1] + 2 * c.padding() - k) / c.stride() + 1,
                        (shape[2] + 2 * c.padding() - k) / c.stride() + 1};
            }
            case "MaxPool", "AveragePool": {
                int k = last instanceof MaxPool2d m ? m.kernelSize() : ((AvgPool2d) last).kernelSize();
                int s = last instanceof MaxPool2d m ? m.stride() : ((AvgPool2d) last).stride();
                return new int[] {shape[0], (shape[1] - k) / s + 1, (shape[2] - k) / s + 1};
            }
            case "Flatten": // also the Flatten paired with a GlobalAveragePool: [C, 1, 1] or [C, H, W] -> [C*...]
                return last instanceof GlobalAvgPool2d ? new int[] {shape[0]} : new int[] {product(shape)};
            default:
                return shape;
        }
    }

    private static int product(int[] shape) {
        int p = 1;
        for (int d : shape) {
            p *= d;
        }
        return p;
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    /** One node with its attributes and constant inputs, and errors that name it. */
    private static final class Node {
        final NodeProto proto;
        final String where;
        final Map<String, TensorProto> constants;
        final Map<String, AttributeProto> attrs = new HashMap<>();

        Node(NodeProto proto, String where, Map<String, TensorProto> constants) {
            this.proto = proto;
            this.where = where;
            this.constants = constants;
            for (AttributeProto a : proto.getAttributeList()) {
                attrs.put(a.getName(), a);
            }
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException(where + ": " + what);
        }

        int inputs() {
            int n = proto.getInputCount();
            while (n > 0 && proto.getInput(n - 1).isEmpty()) { // trailing "" = omitted optional input
                n--;
            }
            return n;
        }

        String input(int i) {
            return proto.getInput(i);
        }

        /** Rejects any attribute not in {@code known}. */
        void allow(String... known) {
            Set<String> ok = Set.of(known);
            for (AttributeProto a : proto.getAttributeList()) {
                if (!ok.contains(a.getName())) {
                    throw error("attribute " + a.getName() + " " + describe(a) + " not supported");
                }
            }
        }

        <T> T noAttributes(T layer) {
            allow();
            return layer;
        }

        void flattenAxis() {
            allow("axis");
            if (intAttr("axis", 1) != 1) {
                throw error("attribute axis " + intAttr("axis", 1) + " not supported (only 1: [N, ...] -> [N, rest])");
            }
        }

        void requireShape(boolean ok, String expected, int[] shape) {
            if (!ok) {
                throw error("expects input " + expected + " but gets [N, " + OnnxFormat.dims(shape) + "]");
            }
        }

        void requireAutoPadNotSet() {
            AttributeProto a = attrs.get("auto_pad");
            if (a != null && !a.getS().toStringUtf8().equals("NOTSET")) {
                throw error("attribute auto_pad " + a.getS().toStringUtf8() + " not supported");
            }
        }

        /** The attribute must equal {@code expected}; absent is fine unless {@code required}. */
        void requireInts(String name, long[] expected, boolean required) {
            AttributeProto a = attrs.get(name);
            if (a == null ? required : !java.util.Arrays.equals(a.getIntsList().stream().mapToLong(Long::longValue).toArray(), expected)) {
                throw error("attribute " + name + " " + (a == null ? "missing" : describe(a)) + " not supported"
                        + " (expected " + java.util.Arrays.toString(expected).replace(" ", "") + ")");
            }
        }

        /** An ints attribute of {@code count} equal values (or {@code dflt} when absent; dflt < 0: required). */
        int uniform(String name, int count, int dflt) {
            AttributeProto a = attrs.get(name);
            if (a == null) {
                if (dflt < 0) {
                    throw error("attribute " + name + " missing");
                }
                return dflt;
            }
            List<Long> v = a.getIntsList();
            if (v.size() != count || v.stream().distinct().count() != 1 || v.get(0) < 0 || v.get(0) > Integer.MAX_VALUE) {
                throw error("attribute " + name + " " + describe(a) + " not supported (needs " + count + " equal values)");
            }
            return v.get(0).intValue();
        }

        long intAttr(String name, long dflt) {
            AttributeProto a = attrs.get(name);
            return a == null ? dflt : a.getI();
        }

        float floatAttr(String name, float dflt) {
            AttributeProto a = attrs.get(name);
            return a == null ? dflt : a.getF();
        }

        TensorProto constantProto(int i) {
            if (i >= inputs()) {
                throw error("input " + i + " is missing");
            }
            TensorProto t = constants.get(input(i));
            if (t == null) {
                throw error("input " + i + " '" + input(i) + "' is not a constant (initializer); only the first input may be computed");
            }
            return t;
        }

        int[] constantShape(int i) {
            return OnnxFormat.shape(constantProto(i));
        }

        float[] constant(int i) {
            return OnnxFormat.floats(constantProto(i), where);
        }

        private static String describe(AttributeProto a) {
            switch (a.getType()) {
                case INT: return Long.toString(a.getI());
                case FLOAT: return Float.toString(a.getF());
                case STRING: return a.getS().toStringUtf8();
                case INTS: return a.getIntsList().toString().replace(" ", "");
                case FLOATS: return a.getFloatsList().toString().replace(" ", "");
                default: return "(" + a.getType() + ")";
            }
        }
    }
}
