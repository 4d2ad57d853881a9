package org.bnlab.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnlab.train.AtomicFile;
import org.bnlab.train.EvalPoint;
import org.bnlab.train.Json;
import org.bnlab.train.Trainer;
import org.bnlab.train.TrainingListener;

/**
 * metrics.jsonl: one JSON line per evaluation, flushed at once. On resume the file is first cut back
 * to the checkpoint's step ({@link #truncate}), so a kill between an evaluation and the next
 * checkpoint never leaves duplicate or out-of-order steps.
 */
final class MetricsLog implements TrainingListener, AutoCloseable {
    private final Path file;
    private final BufferedWriter out;

    private MetricsLog(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    static MetricsLog append(Path file) throws IOException {
        return new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND));
    }

    /**
     * Writes {@code to} (atomically) with the lines of {@code from} whose step is at most {@code step};
     * a torn last line (a kill in the middle of a write) is dropped.
     */
    static void truncate(Path from, Path to, long step) throws IOException {
        List<String> keep = new ArrayList<>();
        if (Files.exists(from)) {
            for (String line : Files.readAllLines(from, StandardCharsets.UTF_8)) {
                long s;
                try {
                    s = Json.MAPPER.readTree(line).path("step").asLong(-1);
                } catch (IOException e) {
                    continue; // torn line
                }
                if (s >= 0 && s <= step) {
                    keep.add(line);
                }
            }
        }
        AtomicFile.write(to, o -> {
            for (String l : keep) {
                o.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
        });
    }

    @Override
    public void onEval(Trainer trainer, EvalPoint p) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", p.step());
        line.put("train_loss", p.trainLoss());
        line.put("test_loss", p.testLoss());
        line.put("test_accuracy", p.testAccuracy());
        line.put("elapsed_seconds", p.elapsedSeconds());
        try {
            out.write(Json.MAPPER.writeValueAsString(line));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException(file + ": " + e.getMessage(), e));
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
