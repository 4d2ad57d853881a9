package org.bnlab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bnlab.nn.StateDict;
import org.bnlab.train.Json;
import org.bnlab.train.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash consistency: {@code bnlab train} runs as a child process and is killed with SIGKILL at random
 * moments (JVM start-up, training, inside a checkpoint write), then resumed; the final model must be
 * bit-identical to an uninterrupted run's, and metrics.jsonl must hold each evaluation once, in order.
 * CI kills {@code bnlab.crash.kills} times (default 4); {@code tools/crash_loop.sh} runs it longer.
 */
class CrashResumeTest {

    static final List<String> TRAIN = List.of("train", "--hidden", "48,32", "--activation", "tanh", "--bn", "--dropout", "0.1",
            "--optimizer", "adam", "--lr", "0.002", "--steps", "400", "--eval-every", "50", "--checkpoint-every", "20",
            "--threads", "1", "--seed", "3");

    static Process start(Path out, boolean resume) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        if (resume) {
            cmd.addAll(List.of("train", "--resume", out.toString()));
        } else {
            cmd.addAll(TRAIN);
            cmd.addAll(List.of("--out", out.toString()));
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.resolveSibling(out.getFileName() + ".log").toFile())
                .start();
    }

    static Map<String, StateDict.Entry> tensors(Path run) throws IOException {
        return Safetensors.load(run.resolve("model.safetensors")).stateDict().entries();
    }

    @Test
    void killedAndResumedRunEqualsUninterruptedRun(@TempDir Path dir) throws Exception {
        Path straight = dir.resolve("straight");
        Files.createDirectories(straight);
        Process p = start(straight, false);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "uninterrupted run finished");
        assertEquals(0, p.exitValue(), () -> log(straight));

        int kills = Integer.getInteger("bnlab.crash.kills", 4);
        SplittableRandom rng = new SplittableRandom(Long.getLong("bnlab.crash.seed", System.nanoTime()));
        Path crashed = dir.resolve("crashed");
        boolean started = false;
        int killed = 0;
        for (int attempt = 0; attempt < kills + 20; attempt++) {
            boolean resume = started && org.bnlab.train.RunDirectory.isRunDirectory(crashed);
            Process c = start(crashed, resume);
            started = true;
            if (killed < kills) {
                long waitMs = 300 + rng.nextLong(2500);
                if (!c.waitFor(waitMs, TimeUnit.MILLISECONDS)) {
                    c.destroyForcibly().waitFor();
                    killed++;
                    continue;
                }
            } else {
                assertTrue(c.waitFor(180, TimeUnit.SECONDS), "final resumed run finished");
            }
            assertEquals(0, c.exitValue(), () -> log(crashed));
            break;
        }
        Map<String, StateDict.Entry> a = tensors(straight);
        Map<String, StateDict.Entry> b = tensors(crashed);
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            if (a.get(k).f32() != null) {
                assertArrayEquals(a.get(k).f32(), b.get(k).f32(), k + " after " + killed + " kills");
            } else {
                assertArrayEquals(a.get(k).i64(), b.get(k).i64(), k);
            }
        }
        List<Long> steps = new ArrayList<>();
        for (String line : Files.readAllLines(crashed.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            steps.add(Json.MAPPER.readTree(line).get("step").asLong());
        }
        assertEquals(List.of(50L, 100L, 150L, 200L, 250L, 300L, 350L, 400L), steps, "metrics.jsonl after " + killed + " kills");
        try (var list = Files.list(crashed.resolve("checkpoints"))) {
            assertTrue(list.noneMatch(q -> q.getFileName().toString().startsWith(".")), "no temporary files left");
        }
    }

    static String log(Path run) {
        try {
            return Files.readString(run.resolveSibling(run.getFileName() + ".log"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
