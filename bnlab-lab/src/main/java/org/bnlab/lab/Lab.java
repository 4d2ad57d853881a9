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

/** Runs a list of experiments and writes the report (report.html, charts/, metrics.json). */
public final class Lab {
    private Lab() {}

    public static Path run(List<Experiment> experiments, LabContext ctx, Path out, String title) throws IOException {
        long t0 = System.nanoTime();
        List<ExperimentResult> results = new ArrayList<>();
        for (Experiment e : experiments) {
            long s0 = System.nanoTime();
            ctx.log().printf("[%d/%d] %s: %s%n", results.size() + 1, experiments.size(), e.name(), e.summary());
            ExperimentResult r = Runs.within(ctx.executor(), e.name(), () -> e.run(ctx));
            results.add(r);
            ctx.log().printf("[%d/%d] %s done in %.0f s%n", results.size(), experiments.size(), e.name(), (System.nanoTime() - s0) / 1e9);
            for (Claim c : r.claims()) {
                ctx.log().printf("      %-13s %s: %s%n", c.verdict().label(), c.claim(), c.measured());
            }
        }
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
        prov.put("wall_seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
        Path html = ReportWriter.write(new Report(title, results, prov), out);
        ctx.log().printf(Locale.ROOT, "wrote %s (%.0f s in all)%n", html, (System.nanoTime() - t0) / 1e9);
        return html;
    }
}
