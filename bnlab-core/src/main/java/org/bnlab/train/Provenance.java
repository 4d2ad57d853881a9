package org.bnlab.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bnlab.kernel.CpuInfo;
import org.bnlab.kernel.Parallel;
import org.bnlab.kernel.Simd;

/**
 * Where a result came from: git commit, JVM, CPU, threads, SIMD, date. Stamped on every
 * {@code final.json}, checkpoint and report, so a number can always be traced to what produced it.
 */
public final class Provenance {
    private Provenance() {}

    /** A fresh, ordered map of provenance fields. */
    public static Map<String, Object> collect() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bnlab_version", "0.1.0");
        p.put("git_commit", gitCommit());
        p.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        p.put("java_version", Runtime.version().feature());
        p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        p.put("cpu", cpuModel());
        p.put("cores", Runtime.getRuntime().availableProcessors());
        p.put("threads", Parallel.threads());
        p.put("kernels", Simd.describe());
        p.put("date", Instant.now().toString());
        return p;
    }

    /** The commit of the working tree the program runs from ("unknown" outside a git checkout). */
    public static String gitCommit() {
        try {
            Process proc = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD")
                    .redirectErrorStream(true).start();
            String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (proc.waitFor(5, TimeUnit.SECONDS) && proc.exitValue() == 0 && !out.isEmpty()) {
                Process dirty = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no").start();
                String d = new String(dirty.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                dirty.waitFor(5, TimeUnit.SECONDS);
                return d.isEmpty() ? out : out + "-dirty";
            }
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }

    /** The CPU model from /proc/cpuinfo, or os.arch where that is unavailable. */
    public static String cpuModel() {
        return CpuInfo.modelName();
    }
}
