package org.bnlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bnlab.train.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** final.json's steps_on_threads: one key per thread count, also on a one-core machine. */
    @Test
    void stepsOnThreadsMergesWhenAllIsOne() {
        assertEquals(java.util.Map.of("2", 900L, "1", 100L), TrainCommand.stepsOnThreads(new long[] {900, 100}, 2));
        assertEquals(java.util.Map.of("1", 1000L), TrainCommand.stepsOnThreads(new long[] {0, 1000}, 1));
    }

    /** --threads is the most threads a step uses: the steps are tuned with it, and fixed with --no-thread-tuning. */
    @Test
    void trainTunesAChosenThreadCountUnlessToldNot(@TempDir Path dir) throws Exception {
        Run tuned = run("train", "--bn", "--steps", "40", "--eval-every", "40", "--threads", "2", "--out", dir.resolve("tuned").toString());
        assertEquals(0, tuned.code(), tuned.err());
        JsonNode on = Json.MAPPER.readTree(dir.resolve("tuned").resolve("final.json").toFile()).get("steps_on_threads");
        assertTrue(on != null && on.get("1").asLong() > 0, "steps start on 1 thread: " + on);
        Run fixed = run("train", "--bn", "--steps", "40", "--eval-every", "40", "--threads", "2", "--no-thread-tuning",
                "--out", dir.resolve("fixed").toString());
        assertEquals(0, fixed.code(), fixed.err());
        JsonNode fin = Json.MAPPER.readTree(dir.resolve("fixed").resolve("final.json").toFile());
        assertTrue(fin.has("test_accuracy") && !fin.has("steps_on_threads"), "no tuning: " + fin);
        assertEquals(Json.MAPPER.readTree(dir.resolve("tuned").resolve("final.json").toFile()).get("test_loss").asDouble(),
                fin.get("test_loss").asDouble(), "same numbers either way");
    }

    /** The kernel warm-up (on by default) trains a copy while the data loads: the run's weights are the same bits without it. */
    @Test
    void trainGivesTheSameModelWithAndWithoutTheWarmup(@TempDir Path dir) throws Exception {
        Run warm = run("train", "--bn", "--steps", "30", "--eval-every", "30", "--threads", "2", "--out", dir.resolve("warm").toString());
        assertEquals(0, warm.code(), warm.err());
        Run cold = run("train", "--bn", "--steps", "30", "--eval-every", "30", "--threads", "2", "--no-warmup",
                "--out", dir.resolve("cold").toString());
        assertEquals(0, cold.code(), cold.err());
        var a = org.bnlab.train.Safetensors.load(dir.resolve("warm").resolve("model.safetensors")).stateDict().entries();
        var b = org.bnlab.train.Safetensors.load(dir.resolve("cold").resolve("model.safetensors")).stateDict().entries();
        assertEquals(b.keySet(), a.keySet());
        for (String k : a.keySet()) {
            assertTrue(java.util.Arrays.equals(a.get(k).f32(), b.get(k).f32()) && java.util.Arrays.equals(a.get(k).i64(), b.get(k).i64()),
                    k + ": same bits with and without the warm-up");
        }
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("bnlab-warmup")),
                "no warm-up thread left running after the command");
    }

    @Test
    void trainWritesMetricsFinalAndCheckpointAndEvalAgrees(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        Run r = run("train", "--bn", "--steps", "120", "--eval-every", "60", "--lr", "0.5", "--init", "normal", "--init-std", "1",
                "--out", out.toString(), "--threads", "1");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(2, lines.size());
        JsonNode first = Json.MAPPER.readTree(lines.get(0));
        for (String k : new String[] {"step", "train_loss", "test_loss", "test_accuracy", "elapsed_seconds"}) {
            assertTrue(first.has(k), k);
        }
        JsonNode fin = Json.MAPPER.readTree(out.resolve("final.json").toFile());
        for (String k : new String[] {"test_accuracy", "test_loss", "steps_per_second", "config", "seed"}) {
            assertTrue(fin.has(k), k);
        }
        for (String k : new String[] {"git_commit", "jvm", "cpu"}) {
            assertTrue(fin.get("provenance").has(k), k);
        }
        assertTrue(Files.exists(out.resolve("model.safetensors")));

        Run e = run("eval", "--checkpoint", out.resolve("model.safetensors").toString());
        assertEquals(0, e.code(), e.err());
        String expected = String.format("accuracy %.2f%%", 100 * fin.get("test_accuracy").asDouble());
        assertTrue(e.out().contains(expected), e.out() + " should contain " + expected);
    }

    @Test
    void resumeContinuesARunToMoreSteps(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        assertEquals(0, run("train", "--bn", "--steps", "40", "--eval-every", "20", "--out", out.toString(), "--threads", "1").code());
        Run r = run("train", "--resume", out.toString(), "--steps", "80");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("resuming " + out + " at step 40 of 80"), r.out());
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(4, lines.size(), "two evaluations before the stop, two after");
        assertEquals(80, Json.MAPPER.readTree(lines.get(3)).get("step").asInt());
        assertEquals(80, Json.MAPPER.readTree(out.resolve("final.json").toFile()).get("steps").asInt());
    }

    @Test
    void benchPrintsJsonWithTheCaseNames() throws Exception {
        Run r = run("bench", "--json", "--filter", "[60,100]", "--seconds", "0.05", "--warmup", "0.05", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        for (String k : new String[] {"bn.forward_train[60,100]", "bn.forward_eval[60,100]", "bn.backward[60,100]", "jdk", "threads"}) {
            assertTrue(j.has(k), k + " in " + r.out());
        }
        assertTrue(j.get("bn.forward_train[60,100]").asDouble() > 0);
        for (String k : new String[] {"bytes_per_op", "bytes_in_window", "reference_fma_ms", "reference_cache_ms"}) {
            assertTrue(j.get(k).has("bn.backward[60,100]"), k + " has every timed case: " + r.out());
        }
    }

    @Test
    void benchTimesInference() throws Exception {
        Run r = run("bench", "--json", "--filter", ".infer[batch=1]", "--seconds", "0.05", "--warmup", "0.05", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        for (String k : new String[] {"mlp.infer[batch=1]", "cnn.infer[batch=1]"}) {
            assertTrue(j.has(k) && j.get(k).asDouble() > 0, k + " in " + r.out());
        }
        assertTrue(!j.has("mlp.infer[batch=60]"), "the filter keeps batch 1 only: " + r.out());
    }

    @Test
    void labAndPaperRejectBadInputClearly(@TempDir Path dir) {
        Run u = run("lab", "no-such-experiment", "--quick", "--out", dir.toString());
        assertEquals(2, u.code());
        assertTrue(u.err().contains("unknown experiment 'no-such-experiment' (known: figure1"), u.err());
        Run s = run("paper", "--seeds", "0", "--out", dir.toString());
        assertEquals(2, s.code());
        assertTrue(s.err().contains("--seeds must be >= 1"), s.err());
        Run t = run("bench", "--threads", "0");
        assertEquals(2, t.code());
        assertTrue(t.err().contains("thread count must be >= 1"), t.err());
        Run both = run("train", "--dataset", "mnist-sample", "--data", dir.toString(), "--out", dir.toString());
        assertEquals(2, both.code());
        assertTrue(both.err().contains("either --dataset or --data, not both"), both.err());
        Run steps = run("lab", "figure1", "--steps", "5", "--out", dir.toString());
        assertEquals(2, steps.code());
        assertTrue(steps.err().contains("--steps must be >= 10"), steps.err());
        Run full = run("paper", "--full", "--quick", "--out", dir.toString());
        assertEquals(2, full.code());
        assertTrue(full.err().contains("--full sets the length; it cannot be combined with --quick"), full.err());
    }

    @Test
    void badArgumentsGiveOneLineErrorUsageAndExitCode2() {
        Run r = run("train", "--steps", "many");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("bnlab: "), r.err());
        assertTrue(r.err().contains("Usage:"), r.err());
        Run u = run("train", "--no-such-flag");
        assertEquals(2, u.code());
    }

    @Test
    void badValuesAndMissingDataGiveClearErrors(@TempDir Path dir) {
        Run r = run("train", "--activation", "softplus", "--out", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown activation 'softplus'"), r.err());
        Run d = run("train", "--data", dir.resolve("nothing").toString(), "--out", dir.toString());
        assertEquals(1, d.code());
        assertTrue(d.err().contains("bnlab: "), d.err());
        Run e = run("eval", "--checkpoint", dir.resolve("missing.safetensors").toString());
        assertEquals(1, e.code(), "a missing file is an I/O error");
        assertTrue(e.err().contains("no checkpoint at"), e.err());
    }

    /** Resume rules: options that would change the run are refused by name; --steps is honoured at any value. */
    @Test
    void resumeRulesAreExplicit(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        Run first = run("train", "--hidden", "16", "--steps", "30", "--eval-every", "10", "--checkpoint-every", "10",
                "--threads", "1", "--out", out.toString());
        assertEquals(0, first.code(), first.err());
        Run lr = run("train", "--resume", out.toString(), "--lr", "0.1", "--batch", "30");
        assertEquals(2, lr.code());
        assertTrue(lr.err().contains("--lr, --batch cannot change on resume"), lr.err());
        Run below = run("train", "--resume", out.toString(), "--steps", "20");
        assertEquals(2, below.code());
        assertTrue(below.err().contains("below the step the run"), below.err());
        Run again = run("train", "--resume", out.toString(), "--steps", "5000", "--eval-every", "2500");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("resuming " + out + " at step 30 of 5000"), again.out());
        assertEquals(5000, org.bnlab.train.Json.MAPPER.readTree(out.resolve("final.json").toFile()).get("steps").asLong());
        Run none = run("train", "--resume", dir.resolve("nothing").toString());
        assertEquals(1, none.code());
        assertTrue(none.err().contains("no such run directory"), none.err());
    }

    /** A sigmoid network at lr 1e30 stays finite; the divergence check stops it with exit code 3. */
    @Test
    void finiteDivergenceExitsWith3(@TempDir Path dir) {
        Run r = run("train", "--lr", "1e30", "--steps", "400", "--eval-every", "20", "--threads", "1", "--out", dir.toString());
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("diverged"), r.err());
    }

    /** train -> export (folded) -> eval --onnx gives the checkpoint's own accuracy. */
    @Test
    void exportedOnnxModelEvaluatesLikeTheCheckpoint(@TempDir Path dir) {
        Path run = dir.resolve("run");
        assertEquals(0, run("train", "--bn", "--hidden", "32", "--steps", "60", "--eval-every", "60", "--threads", "1",
                "--out", run.toString()).code());
        Path onnx = dir.resolve("m.onnx");
        Run ex = run("export", "--checkpoint", run.toString(), "--onnx", onnx.toString(), "--fold-bn");
        assertEquals(0, ex.code(), ex.err());
        Run a = run("eval", "--checkpoint", run.toString());
        Run b = run("eval", "--onnx", onnx.toString());
        assertEquals(0, b.code(), b.err());
        String accA = a.out().replaceAll("(?s).*accuracy ([0-9.]+%).*", "$1");
        String accB = b.out().replaceAll("(?s).*accuracy ([0-9.]+%).*", "$1");
        assertEquals(accA, accB, a.out() + " / " + b.out());
        assertEquals(2, run("eval", "--checkpoint", run.toString(), "--onnx", onnx.toString()).code());
        assertEquals(2, run("export", "--checkpoint", run.toString(), "--onnx", onnx.toString(), "--opset", "9").code());
    }
}
