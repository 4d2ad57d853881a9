package org.bnlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.bnlab.cli.CliTest.Run;
import org.bnlab.data.IdxImages;
import org.bnlab.data.IdxWriter;
import org.bnlab.nn.StateDict;
import org.bnlab.train.Checkpoint;
import org.bnlab.train.Json;
import org.bnlab.train.Safetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every failure names the file or option and the reason, with the exit code of {@link ExitCodes}. */
class CliReliabilityTest {

    @TempDir
    static Path shared;
    /** One short run with momentum (so the trainer file holds momentum buffers), shared by the checkpoint tests. */
    static Path trained;

    @BeforeAll
    static void trainOnce() {
        trained = shared.resolve("run");
        Run r = CliTest.run("train", "--bn", "--steps", "20", "--eval-every", "20", "--momentum", "0.9",
                "--out", trained.toString(), "--threads", "1");
        assertEquals(0, r.code(), r.err());
    }

    /** A copy of the trained run whose model file is rewritten by {@code edit} (metadata kept). */
    static Path withModel(Path dir, BiConsumer<Map<String, StateDict.Entry>, Map<String, String>> edit) throws IOException {
        Safetensors.Loaded m = Safetensors.load(trained.resolve(Checkpoint.MODEL_FILE));
        Map<String, StateDict.Entry> tensors = new LinkedHashMap<>(m.stateDict().entries());
        Map<String, String> meta = new LinkedHashMap<>(m.metadata());
        edit.accept(tensors, meta);
        StateDict sd = new StateDict();
        tensors.forEach(sd::put);
        Path file = dir.resolve(Checkpoint.MODEL_FILE);
        Safetensors.save(file, sd, meta);
        return file;
    }

    static void assertFails(Run r, int code, String... parts) {
        assertEquals(code, r.code(), r.err());
        assertTrue(r.err().startsWith("bnlab: "), r.err());
        for (String p : parts) {
            assertTrue(r.err().contains(p), "'" + p + "' missing from: " + r.err());
        }
    }

    @Test
    void outThatIsAFileIsRefusedBeforeAnyComputation(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("x"), "not a directory");
        String expected = "--out " + file + ": exists and is not a directory";
        assertFails(CliTest.run("train", "--out", file.toString()), ExitCodes.BAD_ARGUMENTS, expected);
        // paper would compute for minutes before writing: it must fail at once
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertFails(CliTest.run("paper", "--out", file.toString()), ExitCodes.BAD_ARGUMENTS, expected);
            assertFails(CliTest.run("lab", "figure1", "--quick", "--out", file.toString()), ExitCodes.BAD_ARGUMENTS, expected);
            assertFails(CliTest.run("paper", "--out", file.resolve("sub").toString()), ExitCodes.BAD_ARGUMENTS,
                    "--out " + file.resolve("sub") + ": cannot create the directory: " + file);
        });
    }

    @Test
    void unwritableOutIsRefusedBeforeAnyComputation(@TempDir Path dir) throws IOException {
        Path ro = Files.createDirectory(dir.resolve("ro"));
        assumeTrue(ro.toFile().setWritable(false) && !Files.isWritable(ro), "running as root: permissions not enforced");
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertFails(CliTest.run("paper", "--out", ro.toString()),
                    ExitCodes.BAD_ARGUMENTS, "--out " + ro + ": cannot write in the directory"));
        } finally {
            ro.toFile().setWritable(true);
        }
    }

    @Test
    void aCheckpointThatIsADirectoryOrAFifoIsRefusedAtOnce(@TempDir Path dir) throws Exception {
        Path asDir = Files.createDirectories(dir.resolve("d").resolve(Checkpoint.MODEL_FILE));
        assertFails(CliTest.run("eval", "--checkpoint", asDir.getParent().toString()), ExitCodes.IO_OR_DATA,
                asDir + ": is a directory, expected a file");
        Path fifo = dir.resolve("fifo");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(p.waitFor() == 0, "mkfifo unavailable");
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertFails(CliTest.run("eval", "--checkpoint", fifo.toString()),
                ExitCodes.IO_OR_DATA, fifo + ": is not a regular file"));
    }

    @Test
    void anEmptyTestSplitFailsBeforeTraining(@TempDir Path dir) throws IOException {
        IdxWriter.writeImages(dir.resolve("train-images-idx3-ubyte"), new IdxImages(100, 28, 28, new byte[100 * 28 * 28]));
        IdxWriter.writeLabels(dir.resolve("train-labels-idx1-ubyte"), new int[100]);
        IdxWriter.writeImages(dir.resolve("t10k-images-idx3-ubyte"), new IdxImages(0, 28, 28, new byte[0]));
        IdxWriter.writeLabels(dir.resolve("t10k-labels-idx1-ubyte"), new int[0]);
        Run r = CliTest.run("train", "--data", dir.toString(), "--steps", "100000", "--out", dir.resolve("out").toString());
        assertFails(r, ExitCodes.IO_OR_DATA, dir + ": the test split is empty (0 examples)");
        assertFalse(r.out().contains("training "), "no training may start: " + r.out());
    }

    @Test
    void aModelFileWithAnExtraTensorIsRefusedNamingIt(@TempDir Path dir) throws IOException {
        Path file = withModel(dir, (sd, meta) -> sd.put("extra.weight", StateDict.Entry.f32(new float[3], 3)));
        assertFails(CliTest.run("eval", "--checkpoint", file.toString()), ExitCodes.IO_OR_DATA,
                file + ": state_dict does not match the model: unexpected 'extra.weight'");
        Path missing = withModel(Files.createDirectory(dir.resolve("m")), (sd, meta) -> sd.remove("1.running_var"));
        assertFails(CliTest.run("eval", "--checkpoint", missing.toString()), ExitCodes.IO_OR_DATA,
                missing + ": state_dict does not match the model: missing '1.running_var'");
        Path shape = withModel(Files.createDirectory(dir.resolve("s")), (sd, meta) -> sd.put("1.running_var",
                StateDict.Entry.f32(new float[99], 99)));
        assertFails(CliTest.run("eval", "--checkpoint", shape.toString()), ExitCodes.IO_OR_DATA,
                shape + ": state_dict entry '1.running_var' is float32 [99], expected float32 [100]");
    }

    @Test
    void nonFiniteWeightsAreRefusedNamingTheTensor(@TempDir Path dir) throws IOException {
        Path file = withModel(dir, (sd, meta) -> {
            float[] w = sd.get("0.weight").f32().clone();
            w[5] = Float.NaN;
            sd.put("0.weight", StateDict.Entry.f32(w, sd.get("0.weight").shape()));
        });
        assertFails(CliTest.run("eval", "--checkpoint", file.toString()), ExitCodes.IO_OR_DATA,
                file + ": state_dict entry '0.weight' holds NaN at index 5");
    }

    @Test
    void aConfigWithoutModelIsAClearError(@TempDir Path dir) throws IOException {
        Path file = withModel(dir, (sd, meta) -> {
            try {
                ObjectNode c = (ObjectNode) Json.MAPPER.readTree(meta.get(Checkpoint.CONFIG_KEY));
                c.remove("model");
                meta.put(Checkpoint.CONFIG_KEY, c.toString());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertFails(CliTest.run("eval", "--checkpoint", file.toString()), ExitCodes.IO_OR_DATA,
                file + ": metadata 'bnlab.config' is not a valid training config", "'model'");
        Path nulled = withModel(Files.createDirectory(dir.resolve("n")), (sd, meta) -> meta.put(Checkpoint.CONFIG_KEY,
                meta.get(Checkpoint.CONFIG_KEY).replaceFirst("\"model\":\\{[^}]*\\}", "\"model\":null")));
        assertFails(CliTest.run("eval", "--checkpoint", nulled.toString()), ExitCodes.IO_OR_DATA,
                nulled + ": metadata 'bnlab.config' has no 'model'");
    }

    @Test
    void metadataDescribingAHugeModelFailsWithoutAllocatingIt(@TempDir Path dir) throws IOException {
        // a tiny file whose config says hidden [1500000]: 784 x 1.5e6 floats, far more than the file holds
        Path file = withModel(dir, (sd, meta) -> meta.put(Checkpoint.CONFIG_KEY,
                meta.get(Checkpoint.CONFIG_KEY).replaceFirst("\"hidden\":\\[[0-9,]*\\]", "\"hidden\":[1500000]")));
        assertFails(CliTest.run("eval", "--checkpoint", file.toString()), ExitCodes.IO_OR_DATA,
                file + ": metadata 'bnlab.config' describes a model that cannot be built: Linear(784, 1500000) weight"
                        + " [1500000, 784] has 1176000000 elements, more than the ", " tensor elements in " + file);
    }

    @Test
    void aTrainerFileMissingAMomentumBufferIsRefusedNamingIt(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        Path ckpt = org.bnlab.train.RunDirectory.latest(trained);
        Files.copy(ckpt.resolve(Checkpoint.MODEL_FILE), run.resolve(Checkpoint.MODEL_FILE));
        Safetensors.Loaded t = Safetensors.load(ckpt.resolve(Checkpoint.TRAINER_FILE));
        StateDict sd = new StateDict();
        String dropped = null;
        for (var e : t.stateDict().entries().entrySet()) {
            if (dropped == null && e.getKey().endsWith("momentum_buffer")) {
                dropped = e.getKey();
            } else {
                sd.put(e.getKey(), e.getValue());
            }
        }
        assertTrue(dropped != null, "the run used momentum: " + t.stateDict().entries().keySet());
        Safetensors.save(run.resolve(Checkpoint.TRAINER_FILE), sd, t.metadata());
        assertFails(CliTest.run("train", "--resume", run.toString(), "--steps", "40"), ExitCodes.IO_OR_DATA,
                run.resolve(Checkpoint.TRAINER_FILE) + ": state_dict does not match the model: missing '" + dropped + "'");
    }

    @Test
    void divergenceExitsWith3() {
        Run r = CliTest.run("train", "--lr", "1e30", "--steps", "50", "--eval-every", "50", "--activation", "relu",
                "--out", shared.resolve("diverge").toString(), "--threads", "1");
        assertFails(r, ExitCodes.DIVERGED, "training diverged");
    }

    @Test
    void ioErrorsNameThePath() {
        assertEquals("runs/x: already exists", ExitCodes.message(new FileAlreadyExistsException("runs/x")));
        assertEquals("runs/x/final.json: No space left on device",
                ExitCodes.naming(Path.of("runs/x/final.json"), new IOException("No space left on device")).getMessage());
        assertEquals("runs/x: Is a directory", ExitCodes.message(
                new java.io.UncheckedIOException(ExitCodes.naming(Path.of("runs/x"), new IOException("Is a directory")))));
    }
}
