package org.bnlab.spark;

import java.util.List;
import org.bnlab.cli.SparkBackend;
import org.bnlab.lab.Experiments;
import org.bnlab.lab.LabContext;
import org.bnlab.lab.RunExecutor;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;
import org.bnlab.train.TrainingListener;

/** The CLI's {@code --spark}: found by ServiceLoader (META-INF/services/org.bnlab.cli.SparkBackend). */
public final class SparkBackendImpl implements SparkBackend {

    @Override
    public void fitTo(Trainer driver, TrainConfig config, long lastStep, Training options, List<TrainingListener> listeners) {
        SparkTraining.Timing t = SparkTraining.fitTo(driver, config, lastStep, options, listeners);
        if (t.steps() > 0) {
            System.out.println("spark: " + t);
        }
    }

    @Override
    public RunExecutor labExecutor(String master, LabContext ctx, String dataset, String dataDir) {
        return new SparkRunExecutor(SparkContexts.get(master), LabSettings.of(ctx, dataset, dataDir, Experiments::byName));
    }
}
