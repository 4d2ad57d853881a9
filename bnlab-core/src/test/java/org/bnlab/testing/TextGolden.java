package org.bnlab.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.bnlab.tensor.Tensor;

/**
 * Reads the text goldens written by tools/golden/gen_layers_golden.py and gen_syncbn_golden.py: one
 * tensor per line, {@code <name> <dim0>,<dim1>,... <v0> <v1> ...}; lines starting with # are comments.
 */
public final class TextGolden {
    private TextGolden() {}

    /** The tensors of the classpath resource {@code path} (e.g. /golden/layers/linear_bias.txt), by name. */
    public static Map<String, Tensor> load(String path) throws IOException {
        Map<String, Tensor> m = new HashMap<>();
        try (InputStream in = TextGolden.class.getResourceAsStream(path)) {
            assertNotNull(in, "missing golden file " + path);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.trim().split(" ");
                String[] d = f[1].split(",");
                int[] shape = new int[d.length];
                for (int i = 0; i < d.length; i++) {
                    shape[i] = Integer.parseInt(d[i]);
                }
                float[] v = new float[f.length - 2];
                for (int i = 0; i < v.length; i++) {
                    v[i] = Float.parseFloat(f[i + 2]);
                }
                m.put(f[0], Tensor.of(v, shape));
            }
        }
        return m;
    }
}
