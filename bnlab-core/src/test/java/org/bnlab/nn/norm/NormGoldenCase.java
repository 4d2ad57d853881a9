package org.bnlab.nn.norm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bnlab.tensor.Tensor;

/**
 * One PyTorch golden case for LayerNorm, GroupNorm or InstanceNorm, read from
 * {@code src/test/resources/golden/norm/<name>.bin}; the layout is documented at the top of
 * {@code tools/golden/gen_norm_golden.py}, which writes it.
 */
record NormGoldenCase(String name, int layer, int aux, double eps, double momentum, boolean affine,
        boolean trackRunningStats, boolean accumulateGrads, boolean strict, int[] shape, float inputScale,
        float inputOffset, long paramSeed, long weightChecksum, long biasChecksum, List<Step> steps) {

    static final String DIR = "/golden/norm/";
    static final int LAYER_NORM = 0;
    static final int GROUP_NORM = 1;
    static final int INSTANCE_NORM = 2;

    /** y or dx of the float64 run (all elements when {@code indices == null}) and float32 PyTorch's relative error. */
    record Values(int[] indices, float[] values, float torch32Error) {
        int flatIndex(int k) {
            return indices == null ? k : indices[k];
        }
    }

    /** A parameter-gradient or running-statistics vector and float32 PyTorch's relative error. */
    record Vector(float[] values, float torch32Error) {
    }

    record Step(boolean training, long xSeed, long xChecksum, long dySeed, long dyChecksum, Values y, Values dx,
            Vector weightGrad, Vector biasGrad, Vector runningMean, Vector runningVar, long numBatchesTracked) {
    }

    /** Number of weight (and bias) values: prod(normalizedShape) for LayerNorm, C otherwise. */
    int paramCount() {
        return layer == LAYER_NORM ? (int) Tensor.numel(normalizedShape()) : shape[1];
    }

    int[] normalizedShape() {
        return java.util.Arrays.copyOfRange(shape, shape.length - aux, shape.length);
    }

    static List<String> names() {
        String index = new String(readResource(DIR + "index.txt"), StandardCharsets.UTF_8);
        List<String> names = new ArrayList<>();
        for (String line : index.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split(" ", 2)[0]);
            }
        }
        return names;
    }

    static NormGoldenCase load(String name) {
        ByteBuffer b = ByteBuffer.wrap(readResource(DIR + name + ".bin")).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[4];
        b.get(magic);
        if (!"NRM1".equals(new String(magic, StandardCharsets.US_ASCII))) {
            throw new IllegalStateException(name + ".bin: bad magic");
        }
        int layer = b.getInt();
        int aux = b.getInt();
        double eps = b.getDouble();
        double momentum = b.getDouble();
        int flags = b.getInt();
        boolean affine = (flags & 1) != 0;
        boolean track = (flags & 2) != 0;
        int[] shape = new int[b.getInt()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = b.getInt();
        }
        float scale = b.getFloat();
        float offset = b.getFloat();
        long paramSeed = b.getLong();
        long wSum = affine ? b.getLong() : 0;
        long bSum = affine ? b.getLong() : 0;
        int p = layer == LAYER_NORM ? (int) Tensor.numel(java.util.Arrays.copyOfRange(shape, shape.length - aux, shape.length)) : shape[1];
        int c = shape[1];
        int numSteps = b.getInt();
        List<Step> steps = new ArrayList<>(numSteps);
        for (int s = 0; s < numSteps; s++) {
            boolean training = b.getInt() != 0;
            long xSeed = b.getLong();
            long xChecksum = b.getLong();
            long dySeed = b.getLong();
            long dyChecksum = b.getLong();
            Values y = readValues(b);
            Values dx = readValues(b);
            Vector wg = affine ? new Vector(floats(b, p), b.getFloat()) : null;
            Vector bg = affine ? new Vector(floats(b, p), b.getFloat()) : null;
            Vector rm = track ? new Vector(floats(b, c), b.getFloat()) : null;
            Vector rv = track ? new Vector(floats(b, c), b.getFloat()) : null;
            long tracked = track ? b.getLong() : 0;
            steps.add(new Step(training, xSeed, xChecksum, dySeed, dyChecksum, y, dx, wg, bg, rm, rv, tracked));
        }
        if (b.hasRemaining()) {
            throw new IllegalStateException(name + ".bin: " + b.remaining() + " trailing bytes");
        }
        return new NormGoldenCase(name, layer, aux, eps, momentum, affine, track, (flags & 8) != 0, (flags & 16) != 0,
                shape, scale, offset, paramSeed, wSum, bSum, List.copyOf(steps));
    }

    private static Values readValues(ByteBuffer b) {
        int kind = b.getInt();
        int n = b.getInt();
        int[] indices = null;
        if (kind == 1) {
            indices = new int[n];
            for (int i = 0; i < n; i++) {
                indices[i] = b.getInt();
            }
        } else if (kind != 0) {
            throw new IllegalStateException("unknown tensor kind " + kind);
        }
        return new Values(indices, floats(b, n), b.getFloat());
    }

    private static float[] floats(ByteBuffer b, int n) {
        float[] a = new float[n];
        b.asFloatBuffer().get(a);
        b.position(b.position() + 4 * n);
        return a;
    }

    private static byte[] readResource(String path) {
        try (InputStream in = NormGoldenCase.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + path
                        + " (regenerate with tools/golden/gen_norm_golden.py)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
