package org.bnlab.nn.norm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One PyTorch golden case for BatchNorm, read from {@code src/test/resources/golden/bn/<name>.bin}.
 * The layout is documented at the top of {@code tools/golden/gen_bn_golden.py}, which writes it.
 */
record BnGoldenCase(String name, int numFeatures, double eps, double momentum, boolean affine,
        boolean trackRunningStats, boolean cumulativeAverage, boolean accumulateGrads, boolean strict,
        int[] shape,
        float inputScale, float inputOffset, long paramSeed, long gammaChecksum, long betaChecksum, List<Step> steps) {

    static final String DIR = "/golden/bn/";

    /**
     * PyTorch's y or dx (float64 run, rounded to float32): all elements ({@code indices == null}) or
     * a sample of them; float32 PyTorch's largest error in each channel; float64 sums over the full tensor.
     */
    record Values(int[] indices, float[] values, float[] torch32Error, double sum, double sumAbs,
            double sumSq) {
        int flatIndex(int k) {
            return indices == null ? k : indices[k];
        }
    }

    /** A per-channel vector (float64 run, rounded to float32) and float32 PyTorch's error per channel. */
    record Vector(float[] values, float[] torch32Error) {
    }

    /** One forward + backward call and the state after it; per-channel vectors are null when absent. */
    record Step(boolean training, long xSeed, long xChecksum, long dySeed, long dyChecksum, Values y,
            Values dx, Vector weightGrad, Vector biasGrad, Vector runningMean, Vector runningVar,
            long numBatchesTracked) {
    }

    /** Case names in index.txt order. */
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

    static BnGoldenCase load(String name) {
        ByteBuffer b = ByteBuffer.wrap(readResource(DIR + name + ".bin")).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[4];
        b.get(magic);
        if (!"BNG1".equals(new String(magic, StandardCharsets.US_ASCII))) {
            throw new IllegalStateException(name + ".bin: bad magic");
        }
        int c = b.getInt();
        double eps = b.getDouble();
        double momentum = b.getDouble();
        int flags = b.getInt();
        boolean affine = (flags & 1) != 0;
        boolean track = (flags & 2) != 0;
        int[] shape = new int[b.getInt()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = b.getInt();
        }
        float inputScale = b.getFloat();
        float inputOffset = b.getFloat();
        long paramSeed = b.getLong();
        long gammaChecksum = affine ? b.getLong() : 0;
        long betaChecksum = affine ? b.getLong() : 0;
        int numSteps = b.getInt();
        List<Step> steps = new ArrayList<>(numSteps);
        for (int s = 0; s < numSteps; s++) {
            boolean training = b.getInt() != 0;
            long xSeed = b.getLong();
            long xChecksum = b.getLong();
            long dySeed = b.getLong();
            long dyChecksum = b.getLong();
            Values y = readValues(b, c);
            Values dx = readValues(b, c);
            Vector weightGrad = affine ? new Vector(floats(b, c), floats(b, c)) : null;
            Vector biasGrad = affine ? new Vector(floats(b, c), floats(b, c)) : null;
            Vector runningMean = track ? new Vector(floats(b, c), floats(b, c)) : null;
            Vector runningVar = track ? new Vector(floats(b, c), floats(b, c)) : null;
            long tracked = track ? b.getLong() : 0;
            steps.add(new Step(training, xSeed, xChecksum, dySeed, dyChecksum, y, dx, weightGrad, biasGrad,
                    runningMean, runningVar, tracked));
        }
        if (b.hasRemaining()) {
            throw new IllegalStateException(name + ".bin: " + b.remaining() + " trailing bytes");
        }
        return new BnGoldenCase(name, c, eps, momentum, affine, track, (flags & 4) != 0, (flags & 8) != 0,
                (flags & 16) != 0, shape, inputScale, inputOffset, paramSeed, gammaChecksum, betaChecksum,
                List.copyOf(steps));
    }

    private static Values readValues(ByteBuffer b, int c) {
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
        float[] values = floats(b, n);
        float[] torch32Error = floats(b, c);
        return new Values(indices, values, torch32Error, b.getDouble(), b.getDouble(), b.getDouble());
    }

    private static float[] floats(ByteBuffer b, int n) {
        float[] a = new float[n];
        b.asFloatBuffer().get(a);
        b.position(b.position() + 4 * n);
        return a;
    }

    private static byte[] readResource(String path) {
        try (InputStream in = BnGoldenCase.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + path
                        + " (regenerate with tools/golden/gen_bn_golden.py)");
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
