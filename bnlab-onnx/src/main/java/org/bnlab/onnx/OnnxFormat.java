package org.bnlab.onnx;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.bnlab.onnx.proto.OnnxProto.TensorProto;

/**
 * What bnlab writes and accepts in ONNX files, and float tensors to and from {@link TensorProto}.
 *
 * <p>Opsets 13 to 17 (17 is the newest of ONNX 1.12, whose onnx.proto this module is generated
 * from; 13 is the first in which every operator bnlab uses has the version it writes). IR version 8
 * is the one of ONNX 1.10 to 1.12, which ONNX Runtime reads. Tensors are stored as
 * {@code raw_data}, little-endian, as PyTorch's exporter does.
 */
public final class OnnxFormat {
    public static final int IR_VERSION = 8;
    public static final int MIN_OPSET = 13;
    public static final int MAX_OPSET = 17;
    public static final int DEFAULT_OPSET = 15;

    private OnnxFormat() {}

    /** Rejects an opset outside [{@value #MIN_OPSET}, {@value #MAX_OPSET}]. */
    public static void checkOpset(int opset) {
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new IllegalArgumentException("ONNX opset " + opset + " is not supported (bnlab writes and reads opsets "
                    + MIN_OPSET + " to " + MAX_OPSET + ", default " + DEFAULT_OPSET + ")");
        }
    }

    /** A float32 initializer named {@code name} of the given shape. */
    static TensorProto floatTensor(String name, float[] data, int... shape) {
        ByteBuffer buf = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(buf.array()));
        for (int d : shape) {
            t.addDims(d);
        }
        return t.build();
    }

    /** The values of a float32 tensor ({@code raw_data} or {@code float_data}); anything else is an error naming it. */
    static float[] floats(TensorProto t, String where) {
        if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new IllegalArgumentException(where + ": tensor '" + t.getName() + "' has data type "
                    + TensorProto.DataType.forNumber(t.getDataType()) + ", only FLOAT is supported");
        }
        if (t.hasDataLocation() && t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException(where + ": tensor '" + t.getName() + "' is stored in an external file, "
                    + "which is not supported");
        }
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        float[] out;
        if (!t.getRawData().isEmpty()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            out = new float[b.remaining() / 4];
            b.asFloatBuffer().get(out);
        } else {
            out = new float[t.getFloatDataCount()];
            for (int i = 0; i < out.length; i++) {
                out[i] = t.getFloatData(i);
            }
        }
        if (out.length != n) {
            throw new IllegalArgumentException(where + ": tensor '" + t.getName() + "' of shape " + t.getDimsList()
                    + " holds " + out.length + " values, expected " + n);
        }
        return out;
    }

    /** The values of an int64 tensor ({@code raw_data} or {@code int64_data}). */
    static long[] longs(TensorProto t, String where) {
        if (t.getDataType() != TensorProto.DataType.INT64_VALUE) {
            throw new IllegalArgumentException(where + ": tensor '" + t.getName() + "' has data type "
                    + TensorProto.DataType.forNumber(t.getDataType()) + ", expected INT64");
        }
        if (t.getRawData().isEmpty()) {
            return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
        }
        ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[b.remaining() / 8];
        b.asLongBuffer().get(out);
        return out;
    }

    /** The dims of {@code t} as ints. */
    static int[] shape(TensorProto t) {
        return t.getDimsList().stream().mapToInt(Math::toIntExact).toArray();
    }

    /** "3, 28, 28": a per-sample shape after "[N, ". */
    static String dims(int[] shape) {
        String s = Arrays.toString(shape);
        return s.substring(1, s.length() - 1);
    }

    static String str(int[] shape) {
        return Arrays.toString(shape).replace(" ", "");
    }
}
