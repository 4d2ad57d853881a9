package org.bnlab.lab;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bnlab.lab.report.Claim;
import org.bnlab.lab.report.ExperimentResult;
import org.bnlab.lab.report.Report;
import org.bnlab.lab.report.ReportWriter;
import org.bnlab.train.Provenance;

/**
 * Runs a list of experiments and writes the report (report.html, charts/, metrics.json).
 *
 * <p>The report is written again after every experiment (charts once, the page and metrics.json
 * atomically), so a run that is killed keeps every experiment it finished; its provenance says how
 * many ({@code status}). An experiment that fails (an exception, or the heap running out) does not
 * stop the others: its section says what went wrong, and once the others have run, {@link #run}
 * throws an {@link IllegalStateException} naming the failed experiments and the report.
 */
public final class Lab {
    private Lab() {}

    public static Path run(List<Experiment> experiments, LabContext ctx, Path out, String title) throws IOException {
        long t0 = System.nanoTime();
        ReportWriter writer = ReportWriter.open(out);
        Map<String, Object> fixed = provenance(experiments, ctx);
        List<ExperimentResult> results = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        Path html = null;
        for (Experiment e : experiments) {
            long s0 = System.nanoTime();
            int k = results.size() + 1;
            ctx.log().printf("[%d/%d] %s: %s%n", k, experiments.size(), e.name(), e.summary());
            ExperimentResult r;
            try {
                r = Runs.within(ctx.executor(), e.name(), () -> e.run(ctx));
            } catch (RuntimeException | OutOfMemoryError err) {
                String why = err.getClass().getSimpleName() + (err.getMessage() == null ? "" : ": " + err.getMessage());
                failed.add(e.name() + " (" + why + ")");
                ctx.log().printf("[%d/%d] %s FAILED after %.0f s: %s%n", k, experiments.size(), e.name(),
                        (System.nanoTime() - s0) / 1e9, why);
                r = failure(e, why);
            }
            results.add(r);
            ctx.log().printf("[%d/%d] %s done in %.0f s%n", k, experiments.size(), e.name(), (System.nanoTime() - s0) / 1e9);
            for (Claim c : r.claims()) {
                ctx.log().printf("      %-13s %s: %s%n", c.verdict().label(), c.claim(), c.measured());
            }
            Map<String, Object> prov = new LinkedHashMap<>(fixed);
            prov.put("status", k == experiments.size() ? "complete" : k + " of " + experiments.size() + " experiments done");
            if (!failed.isEmpty()) {
                prov.put("failed_experiments", List.copyOf(failed));
            }
            prov.put("wall_seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
            html = writer.update(new Report(title, List.copyOf(results), prov));
        }
        ctx.log().printf(Locale.ROOT, "wrote %s (%.0f s in all)%n", html, (System.nanoTime() - t0) / 1e9);
        if (!failed.isEmpty()) {
            throw new IllegalStateException(failed.size() + " of " + experiments.size() + " experiments failed: "
                    + String.join("; ", failed) + ". The report of the others is in " + html);
        }
        return html;
    }

    /** The provenance every version of the report shares: what was run, on what. */
    private static Map<String, Object> provenance(List<Experiment> experiments, LabContext ctx) {
        Map<String, Object> prov = new LinkedHashMap<>();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("experiments", experiments.stream().map(Experiment::name).toList());
        config.put("steps", ctx.steps());
        config.put("sweep_steps", ctx.sweepSteps());
        config.put("quick", ctx.quick());
        config.put("workers", ctx.workers());
        prov.put("config", config);
        prov.put("seeds", ctx.seeds());
        prov.put("dataset", ctx.data().name() + " (" + ctx.data().source() + "), "
                + ctx.data().train().size() + " train / " + ctx.data().test().size() + " test");
        prov.putAll(Provenance.collect());
        return prov;
    }

    /** The section of an experiment that failed: what went wrong, no charts and no claims. */
    static ExperimentResult failure(Experiment e, String why) {
        return ExperimentResult.builder(e.name(), e.name() + ": failed")
                .description("This experiment did not finish: " + why + ". The other experiments ran; the log of the run "
                        + "shows where it stopped. Run it alone with `bnlab lab " + e.name() + "` (with more heap, "
                        + "-Xmx through BNLAB_JVM_OPTS, if the heap ran out).")
                .metric("failed", why)
                .build();
    }
}
