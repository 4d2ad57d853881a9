package org.bnlab.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bnlab.data.Dataset;
import org.bnlab.engine.Engine;
import org.bnlab.lab.Experiment;
import org.bnlab.lab.Lab;
import org.bnlab.lab.LabContext;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by {@code bnlab paper} and {@code bnlab lab}. */
public final class LabOptions {
    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--quick", description = "one seed, 600 steps: a first look in about half a minute")
    boolean quick;

    @Option(names = "--full", description = "paper-length runs: 50000 steps for the main runs (the paper's Figure 1), "
            + "sweeps a third of that; about 5x the default's time")
    boolean full;

    @Option(names = "--steps", description = "steps of the main runs (default 10000; sweeps use a third)")
    Long steps;

    /** The paper's Figure 1 length (Ioffe & Szegedy train the MNIST network for 50,000 steps). */
    static final long FULL_STEPS = 50_000;

    @Option(names = "--seeds", description = "number of seeds, 1..N (default 3)")
    Integer seeds;

    @Option(names = "--threads", description = "worker threads (default: all cores); results do not depend on it")
    Integer threads;

    @Option(names = "--spark", paramLabel = "MASTER", description = "run each independent run (experiment x setting x seed) "
            + "as an Apache Spark task on MASTER (local[*], spark://HOST:7077); same numbers (docs/SCALE.md)")
    String spark;

    @Option(names = "--out", paramLabel = "DIR", description = "output directory (default: runs/<name>-<timestamp>)")
    Path out;

    LabContext context() throws IOException {
        if (full && (quick || steps != null)) {
            throw new IllegalArgumentException("--full sets the length; it cannot be combined with " + (quick ? "--quick" : "--steps"));
        }
        long n = steps != null ? steps : quick ? 600 : full ? FULL_STEPS : 10_000;
        int k = seeds != null ? seeds : quick ? 1 : 3;
        if (k < 1) {
            throw new IllegalArgumentException("--seeds must be >= 1, got " + k);
        }
        if (threads != null) {
            Engine.setThreads(threads); // rejects < 1 with a clear message
        }
        int workers = Engine.threads();
        // independent runs go side by side, one per core; each run's kernels then stay on its thread
        Engine.setThreads(1);
        List<Long> seedList = new ArrayList<>();
        for (long s = 1; s <= k; s++) {
            seedList.add(s);
        }
        Dataset ds = data.load("mnist-sample");
        DataChecks.requireTest(ds);
        LabContext ctx = new LabContext(ds, n, seedList, quick, workers, System.out);
        return spark == null ? ctx
                : ctx.withExecutor(SparkBackend.find("--spark").labExecutor(spark, ctx, data.name("mnist-sample"), data.dir()));
    }

    /** The output directory, created and checked writable: called before any computation. */
    Path out(String name) throws IOException {
        return OutputDir.prepare(out != null ? out
                : Path.of("runs", name + "-" + java.time.LocalDateTime.now().toString().replace(':', '-').replaceAll("\\..*", "")),
                "--out");
    }

    /** Runs the lab into {@code dir}; an I/O error that names no file gets the directory's name. */
    static void run(List<Experiment> experiments, LabContext ctx, Path dir, String title) throws IOException {
        try {
            Lab.run(experiments, ctx, dir, title);
        } catch (IOException e) {
            throw ExitCodes.naming(dir, e);
        }
    }
}
