package org.bnlab.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bnlab.tensor.Tensor;

/**
 * A case written by tools/golden/gen_onnx_golden.py: the input ({@code <name>_input.bin}, raw
 * little-endian float32 of {@code shape}) and PyTorch's logits ({@code <name>.txt}).
 */
record Golden(Tensor input, Tensor logits) {

    static final String DIR = "/golden/onnx/";

    static Golden load(String name) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String l : new String(bytes(name + ".txt"), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            if (!l.isBlank() && !l.startsWith("#")) {
                lines.add(l.trim());
            }
        }
        int[] shape = ints(lines.get(0), "shape");
        int[] ls = ints(lines.get(1), "logits");
        float[] logits = new float[ls[0] * ls[1]];
        for (int r = 0; r < ls[0]; r++) {
            String[] v = lines.get(2 + r).split(" ");
            for (int c = 0; c < ls[1]; c++) {
                logits[r * ls[1] + c] = (float) Double.parseDouble(v[c]);
            }
        }
        ByteBuffer b = ByteBuffer.wrap(bytes(name + "_input.bin")).order(ByteOrder.LITTLE_ENDIAN);
        float[] x = new float[b.remaining() / 4];
        b.asFloatBuffer().get(x);
        return new Golden(Tensor.of(x, shape), Tensor.of(logits, ls));
    }

    /** A golden file as a path (the tests run from the build's classes directory). */
    static Path path(String file) {
        try {
            return Path.of(Golden.class.getResource(DIR + file).toURI());
        } catch (java.net.URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing golden file " + file + "; run tools/golden/gen_onnx_golden.py", e);
        }
    }

    static byte[] bytes(String file) throws IOException {
        try (InputStream in = Golden.class.getResourceAsStream(DIR + file)) {
            if (in == null) {
                throw new IOException("missing golden file " + file + "; run tools/golden/gen_onnx_golden.py");
            }
            return in.readAllBytes();
        }
    }

    private static int[] ints(String line, String key) {
        String[] p = line.split(" ");
        if (!p[0].equals(key)) {
            throw new IllegalStateException("expected '" + key + "', got '" + line + "'");
        }
        int[] out = new int[p.length - 1];
        for (int i = 1; i < p.length; i++) {
            out[i - 1] = Integer.parseInt(p[i]);
        }
        return out;
    }

    /**
     * max |a - b| / max(1, |a|): the golden tests' tolerance convention (1e-5 relative for values
     * above 1, absolute below), since two float32 implementations that sum in different orders
     * differ by a few ulp of the result, and a logit of 20 has an ulp of 1.9e-6.
     */
    static double maxScaledDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths " + a.length + " vs " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]) / Math.max(1.0, Math.abs(a[i]));
            if (Double.isNaN(d)) {
                return Double.NaN;
            }
            m = Math.max(m, d);
        }
        return m;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths " + a.length + " vs " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
            if (Float.isNaN(a[i]) || Float.isNaN(b[i])) {
                return Double.NaN;
            }
        }
        return m;
    }
}
