package org.bnlab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bnlab.nn.StateDict;
import org.bnlab.train.RunDirectory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk in the middle of a checkpoint: on a 700 KB tmpfs the third checkpoint cannot be
 * written; the run stops with exit code 1 and a message naming the path, the previous checkpoint
 * stays loadable, and once there is space again {@code --resume} finishes the run bit-identically to
 * an uninterrupted one. Needs root and tmpfs mounts; skipped with a message otherwise.
 */
class FullDiskTest {

    static final List<String> TRAIN = List.of("train", "--hidden", "32", "--bn", "--optimizer", "adam", "--lr", "0.003",
            "--steps", "100", "--eval-every", "10", "--checkpoint-every", "10", "--threads", "1", "--seed", "2");

    static int sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @Test
    void fullDiskKeepsTheLastCheckpointAndResumeFinishesExactly(@TempDir Path dir) throws Exception {
        Path mnt = dir.resolve("tmpfs");
        Files.createDirectories(mnt);
        boolean mounted = sh("mount", "-t", "tmpfs", "-o", "size=700k", "tmpfs", mnt.toString()) == 0;
        Assumptions.assumeTrue(mounted, "skipped: cannot mount a tmpfs here (needs root)");
        try {
            Path straight = dir.resolve("straight");
            CliTest.Run s = CliTest.run(concat(TRAIN, "--out", straight.toString()));
            assertEquals(0, s.code(), s.err());

            Path run = mnt.resolve("run");
            CliTest.Run full = CliTest.run(concat(TRAIN, "--out", run.toString()));
            assertEquals(1, full.code(), full.err());
            assertTrue(full.err().contains("No space left") && full.err().contains(run.toString()), full.err());
            Path latest = RunDirectory.latest(run);
            assertTrue(latest != null, "a complete checkpoint survived");
            RunDirectory.loadLatest(run); // loadable, SHA-256 binding intact
            try (var list = Files.list(run.resolve(RunDirectory.CHECKPOINTS))) {
                assertTrue(list.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")), "temporary files removed");
            }

            assertEquals(0, sh("mount", "-o", "remount,size=16m", mnt.toString()));
            CliTest.Run resumed = CliTest.run("train", "--resume", run.toString());
            assertEquals(0, resumed.code(), resumed.err());
            Map<String, StateDict.Entry> a = CrashResumeTest.tensors(straight);
            Map<String, StateDict.Entry> b = CrashResumeTest.tensors(run);
            for (String k : a.keySet()) {
                if (a.get(k).f32() != null) {
                    assertArrayEquals(a.get(k).f32(), b.get(k).f32(), k);
                }
            }
        } finally {
            sh("umount", mnt.toString());
        }
    }

    static String[] concat(List<String> base, String... more) {
        String[] out = base.toArray(new String[base.size() + more.length]);
        System.arraycopy(more, 0, out, base.size(), more.length);
        return out;
    }
}
