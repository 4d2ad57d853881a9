package org.bnlab.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the golden files of tools/golden/gen_optim_golden.py ({@code name v1 v2 ...} per line,
 * '#' comments) and compares with the criterion used by every golden test here:
 * |java - torch| <= 1e-5 * max(|torch|, 0.01 * max_j |torch_j|), i.e. 1e-5 relative, with a floor for
 * elements far smaller than the rest of their array (float rounding there is relative to the array's
 * scale, not to the element).
 */
public final class GoldenData {

    public static final double RTOL = 1e-5;

    private final String file;
    private final Map<String, double[]> entries = new LinkedHashMap<>();

    private GoldenData(String file) {
        this.file = file;
    }

    /** Loads {@code golden/optim/<name>} from the test resources. */
    public static GoldenData load(String name) {
        GoldenData g = new GoldenData(name);
        String path = "/golden/optim/" + name;
        try (InputStream in = GoldenData.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + path);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                line = line.trim();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] tok = line.split("\\s+");
                double[] v = new double[tok.length - 1];
                for (int i = 1; i < tok.length; i++) {
                    v[i - 1] = Double.parseDouble(tok[i]);
                }
                g.entries.put(tok[0], v);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return g;
    }

    public double[] get(String key) {
        double[] v = entries.get(key);
        if (v == null) {
            throw new IllegalArgumentException(file + " has no entry " + key);
        }
        return v;
    }

    public boolean has(String key) {
        return entries.containsKey(key);
    }

    public float[] floats(String key) {
        double[] v = get(key);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    public int[] ints(String key) {
        double[] v = get(key);
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = (int) v[i];
        }
        return r;
    }

    public double scalar(String key) {
        double[] v = get(key);
        assertEquals(1, v.length, key + " is not a scalar");
        return v[0];
    }

    /** Asserts the golden criterion (see the class comment) element by element. */
    public static void assertClose(String what, double[] expected, float[] actual) {
        double[] a = new double[actual.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = actual[i];
        }
        assertClose(what, expected, a);
    }

    public static void assertClose(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            double tol = RTOL * Math.max(Math.abs(expected[i]), 0.01 * scale);
            if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
                fail(what + "[" + i + "]: expected " + expected[i] + " (torch), got " + actual[i]
                        + ", |diff| " + Math.abs(actual[i] - expected[i]) + " > " + tol);
            }
        }
    }
}
