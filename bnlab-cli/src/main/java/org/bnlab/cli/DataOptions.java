package org.bnlab.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;
import picocli.CommandLine.Option;

/** --dataset NAME or --data DIR, shared by every command that reads data. */
public final class DataOptions {
    @Option(names = "--dataset", paramLabel = "NAME",
            description = "mnist-sample (embedded, default) or fashion-mnist (apt-get install dataset-fashion-mnist)")
    String dataset;

    @Option(names = "--data", paramLabel = "DIR", description = "a directory with the four standard IDX files (e.g. real MNIST)")
    Path dataDir;

    /** The dataset named, or {@code fallback} when neither option was given. */
    public Dataset load(String fallback) throws IOException {
        checkOne();
        if (dataDir != null) {
            return Datasets.fromDirectory(dataDir);
        }
        return Datasets.load(dataset != null ? dataset : fallback);
    }

    /** --dataset and --data name the same thing: one of them at most. */
    private void checkOne() {
        if (dataset != null && dataDir != null) {
            throw new IllegalArgumentException("give either --dataset or --data, not both");
        }
    }

    public String name(String fallback) {
        checkOne();
        return dataDir != null ? null : dataset != null ? dataset : fallback;
    }

    public String dir() {
        checkOne();
        return dataDir == null ? null : dataDir.toString();
    }
}
