package org.bnlab.lab;

import java.util.List;
import java.util.Locale;
import org.bnlab.data.BatchIterator;
import org.bnlab.lab.report.Chart;
import org.bnlab.lab.report.Claim;
import org.bnlab.lab.report.ExperimentResult;
import org.bnlab.lab.report.Table;
import org.bnlab.optim.SGD;
import org.bnlab.train.EvalResult;
import org.bnlab.train.Evaluator;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.Models;
import org.bnlab.train.parallel.DataParallel;
import org.bnlab.train.parallel.DataParallel.BatchStatistics;

/**
 * BN across data-parallel replicas: a global batch of 32 split over 4 replicas of 8. With per-replica
 * statistics (DDP without SyncBatchNorm) each replica normalizes over its 8 examples, which is BN over
 * batches of 8 (the same computation as Ghost BN with virtual batches of 8 on one replica of 32); with
 * SyncBN ({@link BatchStatistics#GLOBAL}) every replica uses the statistics of all 32, which is one
 * replica of 32 up to float rounding. All four runs see the same batches from the same initial weights.
 */
public final class SyncBn implements Experiment {
    static final int REPLICAS = 4;
    static final int PER_REPLICA = 8;
    static final int BATCH = REPLICAS * PER_REPLICA;
    /** Loss curves "match" when every one of the first {@value #COMPARED} steps differs by at most this, relatively. */
    static final double TOLERANCE = 1e-4;
    static final int COMPARED = 100;
    /** ... and the final test accuracies by at most half a point. */
    static final double ACCURACY_TOLERANCE = 0.005;

    record Setting(String key, String label, int replicas, BatchStatistics statistics, String norm) {}

    static final List<Setting> SETTINGS = List.of(
            new Setting("single", "one replica of 32, BN", 1, BatchStatistics.PER_REPLICA, "batch"),
            new Setting("sync", "4 x 8, SyncBN", REPLICAS, BatchStatistics.GLOBAL, "batch"),
            new Setting("per_replica", "4 x 8, per-replica BN", REPLICAS, BatchStatistics.PER_REPLICA, "batch"),
            new Setting("ghost8", "one replica of 32, Ghost BN (8)", 1, BatchStatistics.PER_REPLICA, "ghost:" + PER_REPLICA));

    @Override
    public String name() {
        return "sync-bn";
    }

    @Override
    public String summary() {
        return "4 replicas x 8: per-replica BN vs SyncBN vs one replica of 32 (DataParallel)";
    }

    record Out(RunResult run, float[] losses) {}

    @Override
    public ExperimentResult run(LabContext ctx) {
        long steps = ctx.sweepSteps();
        int evalEvery = ctx.evalEvery(steps, 10);
        List<List<Out>> outs = Sweeps.perSetting(ctx, SETTINGS, (s, seed) -> {
            ctx.log().printf("  sync-bn: %s, seed %d, %d steps%n", s.label(), seed, steps);
            return train(ctx, s, steps, evalEvery, seed);
        });
        int n = ctx.seeds().size();
        int k = SETTINGS.size();
        double[][] acc = new double[k][];
        for (int i = 0; i < k; i++) {
            acc[i] = outs.get(i).stream().mapToDouble(o -> o.run().finalAccuracy()).toArray();
        }
        // per seed: largest relative loss difference over the first steps, against one replica of 32 and against Ghost BN (8)
        double[][] vsSingle = new double[k][n];
        double[][] vsGhost = new double[k][n];
        for (int i = 0; i < k; i++) {
            for (int s = 0; s < n; s++) {
                vsSingle[i][s] = maxRelativeDifference(outs.get(i).get(s).losses(), outs.get(0).get(s).losses());
                vsGhost[i][s] = maxRelativeDifference(outs.get(i).get(s).losses(), outs.get(3).get(s).losses());
            }
        }
        Table table = Table.of("setting", "test accuracy", "loss difference vs one replica of 32 (max, first " + COMPARED + " steps)",
                "loss difference vs Ghost BN (8)");
        Chart.Builder curves = Chart.line("accuracy", "Test accuracy vs steps (global batch 32)").axes("training step", "test accuracy");
        for (int i = 0; i < k; i++) {
            table = table.row(SETTINGS.get(i).label(), Sweeps.meanStd(acc[i]), String.format(Locale.ROOT, "%.2g", Stats.max(vsSingle[i])),
                    String.format(Locale.ROOT, "%.2g", Stats.max(vsGhost[i])));
            var c = Sweeps.accuracyCurve(SETTINGS.get(i).label(), outs.get(i).stream().map(Out::run).toList());
            curves.add(i == 1 ? c.dashed() : i == 3 ? c.dotted() : c);
        }
        int syncSame = 0;
        int perReplicaLike8 = 0;
        for (int s = 0; s < n; s++) {
            syncSame += vsSingle[1][s] <= TOLERANCE && Math.abs(acc[1][s] - acc[0][s]) <= ACCURACY_TOLERANCE ? 1 : 0;
            perReplicaLike8 += vsGhost[2][s] <= TOLERANCE && vsSingle[2][s] > TOLERANCE ? 1 : 0;
        }
        String tolerance = String.format(Locale.ROOT, "every one of the first %d training losses within %.0e relatively", COMPARED, TOLERANCE);
        ExperimentResult.Builder result = ExperimentResult.builder(name(), "SyncBN vs per-replica BN (data parallel, 4 x 8)")
                .description(String.format(Locale.ROOT,
                        "The BN MLP (784-100-100-100-10 sigmoid, weights N(0, %s)), SGD lr %s, global batch %d, %,d steps, seeds %s, "
                                + "on %s, trained with DataParallel: one replica of 32; %d replicas of %d with SyncBN (statistics of the "
                                + "global batch); %d replicas of %d with per-replica BN (each its own 8; the running statistics are "
                                + "replica 0's); and one replica of 32 with Ghost BN over slices of %d. Same initial weights and batches in all four.",
                        Figure1.SIGMA, Sweeps.num(Figure1.LR), BATCH, steps, ctx.seeds(), ctx.data().name(), REPLICAS, PER_REPLICA,
                        REPLICAS, PER_REPLICA, PER_REPLICA))
                .chart(curves.caption("Mean of " + n + " seed(s); band: \u00b11 std.").build())
                .table(table)
                .claim(new Claim("SyncBN over 4 x 8 equals one replica of 32",
                        String.format(Locale.ROOT, "largest relative loss difference over the first %d steps %.2g; final test accuracy %s "
                                        + "(SyncBN) vs %s (one replica)", COMPARED, Stats.max(vsSingle[1]), Sweeps.meanStd(acc[1]),
                                Sweeps.meanStd(acc[0])),
                        Sweeps.bySeeds(syncSame, n),
                        String.format(Locale.ROOT, "rule, per seed: %s and final accuracies within %.1f points; SUPPORTED on every seed, "
                                + "NOT_SUPPORTED on none, else MIXED; held on %d of %d seeds", tolerance, 100 * ACCURACY_TOLERANCE, syncSame, n)))
                .claim(new Claim("Per-replica BN trains like BN over batches of 8",
                        String.format(Locale.ROOT, "per-replica BN vs Ghost BN (8) on one replica: largest relative loss difference %.2g; "
                                        + "vs one replica of 32: %.2g; final test accuracy %s per-replica vs %s Ghost BN (8) vs %s batch 32",
                                Stats.max(vsGhost[2]), Stats.min(vsSingle[2]), Sweeps.meanStd(acc[2]), Sweeps.meanStd(acc[3]),
                                Sweeps.meanStd(acc[0])),
                        Sweeps.bySeeds(perReplicaLike8, n),
                        String.format(Locale.ROOT, "rule, per seed: per-replica BN's losses match Ghost BN (8)'s (%s) and not one replica "
                                + "of 32's; held on %d of %d seeds (the test accuracies differ by the running statistics: replica 0's "
                                + "slices vs every slice)", tolerance, perReplicaLike8, n)));
        for (int i = 0; i < k; i++) {
            String key = SETTINGS.get(i).key();
            result.metric("test_accuracy_" + key, acc[i]).metric("loss_difference_vs_single_" + key, vsSingle[i])
                    .metric("loss_difference_vs_ghost8_" + key, vsGhost[i]);
        }
        return result.metric("settings", SETTINGS.stream().map(Setting::label).toList()).metric("steps", steps).build();
    }

    /** Trains one setting with DataParallel on the shuffled training batches of the seed; evaluates replica 0. */
    static Out train(LabContext ctx, Setting s, long steps, int evalEvery, long seed) {
        ModelSpec spec = ModelSpec.paperMlp(s.norm(), Figure1.SIGMA);
        int points = (int) ((steps + evalEvery - 1) / evalEvery);
        long[] at = new long[points];
        double[] acc = new double[points];
        double[] testLoss = new double[points];
        double[] trainLoss = new double[points];
        float[] losses = new float[(int) steps];
        BatchIterator batches = BatchIterator.training(ctx.data().train(), BATCH, seed);
        long start = System.nanoTime();
        try (DataParallel dp = DataParallel.builder(r -> Models.build(spec, seed), s.replicas()).inputShape(spec.features())
                .optimizer(p -> SGD.builder(p).lr(Figure1.LR).build()).batchStatistics(s.statistics()).build()) {
            Evaluator eval = new Evaluator(dp.model());
            double sum = 0;
            int since = 0;
            int point = 0;
            for (int t = 0; t < steps; t++) {
                batches.next();
                losses[t] = dp.step(batches.images().data(), batches.labels(), BATCH);
                sum += losses[t];
                since++;
                if ((t + 1) % evalEvery == 0 || t + 1 == steps) {
                    EvalResult e = eval.evaluate(ctx.data().test());
                    at[point] = t + 1;
                    acc[point] = e.accuracy();
                    testLoss[point] = e.loss();
                    trainLoss[point++] = sum / since;
                    sum = 0;
                    since = 0;
                }
            }
        }
        return new Out(new RunResult(at, acc, testLoss, trainLoss, -1, (System.nanoTime() - start) / 1e9), losses);
    }

    /** max over the first {@link #COMPARED} steps of |a - b| / |b|. */
    static double maxRelativeDifference(float[] a, float[] b) {
        double m = 0;
        for (int t = 0; t < Math.min(COMPARED, a.length); t++) {
            m = Math.max(m, Math.abs((double) a[t] - b[t]) / Math.max(1e-12, Math.abs(b[t])));
        }
        return m;
    }
}
