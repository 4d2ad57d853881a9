package bnlab.peers;

import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * DL4J 1.0.0-M2.1 (nd4j-native CPU backend) peer benchmark. BN cases time the DL4J
 * {@code org.deeplearning4j.nn.layers.normalization.BatchNormalization} layer (the code a DL4J user's network runs; it
 * is composed of nd4j mean/var/broadcast ops, not the fused nd4j {@code batchnorm} op; a oneDNN helper, if one were
 * loaded, is printed to stderr): forward through {@code MultiLayerNetwork.output(x, training)} of a one-layer network,
 * backward through {@code Layer.backpropGradient(dy, LayerWorkspaceMgr.noWorkspaces())} after an untimed training
 * forward. mlp.step times {@code net.fit(features, labels)}.
 */
public final class Dl4jBench {
    public static void main(String[] argv) throws Exception {
        var a = Timing.Args.parse(argv);
        Nd4j.getEnvironment().setMaxThreads(a.threads);
        Nd4j.getEnvironment().setMaxMasterThreads(a.threads);
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        var t = new Timing(a);
        var mgr = LayerWorkspaceMgr.noWorkspaces();
        for (int[] shape : Timing.BN_SHAPES) {
            String d = Timing.dims(shape);
            long[] lshape = java.util.Arrays.stream(shape).asLongStream().toArray();
            Nd4j.getRandom().setSeed(42);
            INDArray x = Nd4j.randn(DataType.FLOAT, lshape).muli(2).addi(1);
            INDArray dy = Nd4j.randn(DataType.FLOAT, lshape);
            var conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).list()
                    .layer(new BatchNormalization.Builder().nOut(shape[1]).eps(1e-5).decay(0.9).build())
                    .setInputType(shape.length == 4 ? InputType.convolutional(shape[2], shape[3], shape[1]) : InputType.feedForward(shape[1]))
                    .build();
            var net = new MultiLayerNetwork(conf);
            net.init();
            net.initGradientsView(); // as fit() does: backpropGradient writes into the flattened gradient views
            Layer bn = net.getLayer(0);
            bn.setInput(x, mgr);
            bn.activate(true, mgr);
            bn.backpropGradient(dy, mgr);
            var helper = ((org.deeplearning4j.nn.layers.normalization.BatchNormalization) bn).getHelper();
            System.err.println("dl4j: BatchNormalization helper for " + d + ": " + (helper == null ? "none (built-in nd4j ops)" : helper.getClass().getName()));
            // Forward: the public MultiLayerNetwork API (with DL4J's workspaces; the result is detached/copied out of
            // the workspace, as a user receives it).
            t.time("bn.forward_train[" + d + "]", () -> net.output(x, true));
            t.time("bn.forward_eval[" + d + "]", () -> net.output(x, false));
            // DL4J's backpropGradient consumes (nulls) the statistics cached by the training forward, so every timed
            // backward is preceded by an untimed training forward.
            t.time("bn.backward[" + d + "]", () -> { bn.setInput(x, mgr); bn.activate(true, mgr); }, () -> bn.backpropGradient(dy, mgr));
        }
        for (int batch : new int[] {60, 256}) {
            var net = paperMlp();
            var rnd = new Random(7);
            float[] xs = new float[batch * 784];
            for (int i = 0; i < xs.length; i++) xs[i] = rnd.nextFloat();
            INDArray features = Nd4j.create(xs, new long[] {batch, 784}, DataType.FLOAT);
            INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, 10);
            for (int i = 0; i < batch; i++) labels.putScalar(i, rnd.nextInt(10), 1f);
            t.time("mlp.step[batch=" + batch + "]", () -> net.fit(features, labels));
        }
        t.results.put("library", "deeplearning4j 1.0.0-M2.1 (nd4j-native " + Nd4j.getBackend().getClass().getSimpleName() + ")");
        t.results.put("jdk", Runtime.version().toString());
        t.results.put("threads", a.threads);
        System.out.println(t.json());
    }

    /** 784-100-100-100-10: Dense(no bias) -> BN -> sigmoid, x3, then softmax output with bias, MCXENT, plain SGD lr 0.1. */
    static MultiLayerNetwork paperMlp() {
        var b = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).updater(new Sgd(0.1))
                .weightInit(WeightInit.XAVIER).list();
        int in = 784;
        for (int i = 0; i < 3; i++) {
            b.layer(new DenseLayer.Builder().nIn(in).nOut(100).hasBias(false).activation(Activation.IDENTITY).build());
            b.layer(new BatchNormalization.Builder().nOut(100).eps(1e-5).decay(0.9).build());
            b.layer(new ActivationLayer.Builder().activation(Activation.SIGMOID).build());
            in = 100;
        }
        b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(100).nOut(10).activation(Activation.SOFTMAX).build());
        MultiLayerConfiguration conf = b.build();
        var net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }
}
