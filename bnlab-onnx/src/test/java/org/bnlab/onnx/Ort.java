package org.bnlab.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import org.bnlab.onnx.proto.OnnxProto.ModelProto;
import org.bnlab.tensor.Tensor;

/** An ONNX Runtime session (CPU, {@code intraOpThreads} intra-op threads and one inter-op thread) over an exported model. */
final class Ort implements AutoCloseable {
    final OrtEnvironment env = OrtEnvironment.getEnvironment();
    final OrtSession session;

    Ort(ModelProto model) throws OrtException {
        this(model, 1);
    }

    Ort(ModelProto model, int intraOpThreads) throws OrtException {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(intraOpThreads);
            opts.setInterOpNumThreads(1);
            session = env.createSession(model.toByteArray(), opts);
        }
    }

    /** Logits [N, classes] of x. */
    Tensor run(Tensor x) throws OrtException {
        long[] shape = java.util.Arrays.stream(x.shape()).asLongStream().toArray();
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data()), shape);
             OrtSession.Result r = session.run(Map.of("input", in))) {
            OnnxTensor out = (OnnxTensor) r.get(0);
            long[] s = out.getInfo().getShape();
            float[] y = new float[(int) (s[0] * s[1])];
            out.getFloatBuffer().get(y);
            return Tensor.of(y, (int) s[0], (int) s[1]);
        }
    }

    Map<String, String> metadata() throws OrtException {
        return session.getMetadata().getCustomMetadata();
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
