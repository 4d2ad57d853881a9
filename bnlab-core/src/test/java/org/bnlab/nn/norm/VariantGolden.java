package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A golden file of tools/golden/gen_bn_variants_golden.py: lines {@code key shape values...};
 * shape "-" marks configuration numbers and int64 seeds, otherwise the values are float32.
 */
final class VariantGolden {
    /** |actual - expected| <= RTOL * max(1, |expected|): the criterion of the other BN goldens. */
    static final double RTOL = 1e-5;

    private final String name;
    private final Map<String, String[]> lines = new HashMap<>();

    private VariantGolden(String name) {
        this.name = name;
    }

    static VariantGolden load(String name) {
        VariantGolden g = new VariantGolden(name);
        String path = "/golden/bn_variants/" + name + ".txt";
        try (InputStream in = VariantGolden.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + path);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] tok = line.trim().split(" ");
                    g.lines.put(tok[0], tok);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return g;
    }

    private String[] line(String key) {
        String[] tok = lines.get(key);
        if (tok == null) {
            throw new IllegalStateException(name + ": no entry " + key);
        }
        return tok;
    }

    boolean has(String key) {
        return lines.containsKey(key);
    }

    double[] config(String key) {
        String[] tok = line(key);
        double[] v = new double[tok.length - 2];
        for (int i = 0; i < v.length; i++) {
            v[i] = Double.parseDouble(tok[i + 2]);
        }
        return v;
    }

    double number(String key) {
        return config(key)[0];
    }

    int[] shape() {
        double[] d = config("shape");
        int[] s = new int[d.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = (int) d[i];
        }
        return s;
    }

    long seed(String key) {
        return Long.parseLong(line(key)[2]);
    }

    float[] tensor(String key) {
        String[] tok = line(key);
        float[] v = new float[tok.length - 2];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.parseFloat(tok[i + 2]);
        }
        return v;
    }

    /** Compares with {@link #RTOL}. */
    void assertClose(String key, float[] actual) {
        float[] e = tensor(key);
        assertEquals(e.length, actual.length, name + " " + key + " length");
        for (int i = 0; i < e.length; i++) {
            double tol = RTOL * Math.max(1.0, Math.abs(e[i]));
            assertTrue(Math.abs(actual[i] - e[i]) <= tol, name + " " + key + "[" + i + "]: expected " + e[i] + ", got " + actual[i]);
        }
    }
}
