package bnlab.peers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Same timing method as {@code bnlab bench}: warm-up for a fixed time (JIT), then the median of repetitions over a fixed
 * time (the time limit counts untimed setup too). */
final class Timing {
    interface Body {
        void run() throws Exception;
    }

    final double warmupSeconds;
    final double seconds;
    final Map<String, Object> results = new LinkedHashMap<>();

    final String filter;

    Timing(Args a) {
        this.warmupSeconds = a.warmup;
        this.seconds = a.seconds;
        this.filter = a.filter;
    }

    void time(String name, Body body) throws Exception {
        time(name, () -> { }, body);
    }

    /** Like {@link #time(String, Body)}, but runs {@code setup} untimed before each repetition. */
    void time(String name, Body setup, Body body) throws Exception {
        if (!name.contains(filter)) return;
        long end = System.nanoTime() + (long) (warmupSeconds * 1e9);
        do {
            setup.run();
            body.run();
        } while (System.nanoTime() < end);
        var samples = new ArrayList<Double>();
        end = System.nanoTime() + (long) (seconds * 1e9);
        do {
            setup.run();
            long t0 = System.nanoTime();
            body.run();
            samples.add((System.nanoTime() - t0) / 1e6);
        } while (System.nanoTime() < end || samples.size() < 5);
        double[] s = samples.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        results.put(name, Math.round(median * 1000) / 1000.0);
        System.err.printf(Locale.ROOT, "  %s: %.3f ms (%d reps)%n", name, median, s.length);
    }

    /** One JSON object, same shape as {@code bnlab bench --json}. */
    String json() {
        var sb = new StringBuilder("{");
        boolean first = true;
        for (var e : results.entrySet()) {
            if (!first) sb.append(", ");
            first = false;
            sb.append('"').append(escape(e.getKey())).append("\": ");
            Object v = e.getValue();
            if (v instanceof Number) sb.append(v);
            else sb.append('"').append(escape(String.valueOf(v))).append('"');
        }
        return sb.append('}').toString();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Parses {@code --threads N --warmup S --seconds S --filter TEXT}. */
    static final class Args {
        int threads = Runtime.getRuntime().availableProcessors();
        double warmup = 2.0;
        double seconds = 1.0;
        String filter = "";

        static Args parse(String[] argv) {
            var a = new Args();
            for (int i = 0; i < argv.length; i++) {
                switch (argv[i]) {
                    case "--threads" -> a.threads = Integer.parseInt(argv[++i]);
                    case "--warmup" -> a.warmup = Double.parseDouble(argv[++i]);
                    case "--seconds" -> a.seconds = Double.parseDouble(argv[++i]);
                    case "--filter" -> a.filter = argv[++i];
                    case "--json" -> { }
                    default -> throw new IllegalArgumentException("unknown argument: " + argv[i]);
                }
            }
            if (a.threads < 1) throw new IllegalArgumentException("--threads must be >= 1");
            return a;
        }
    }

    static final int[][] BN_SHAPES = {{256, 64, 32, 32}, {32, 256, 14, 14}, {1024, 1024}, {60, 100}};

    static String dims(int[] shape) {
        return Arrays.toString(shape).replace(" ", "").replace("[", "").replace("]", "");
    }
}
