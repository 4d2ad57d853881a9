package org.bnlab.cli;

import java.io.IOException;
import org.bnlab.data.Dataset;
import org.bnlab.data.Split;

/**
 * Data checks run before training: a test split without examples used to surface after all the
 * training as "batch size must be positive, got 0".
 */
final class DataChecks {
    private DataChecks() {
    }

    /** The training split must hold at least one batch and the test split at least one example (exit 1: a data error). */
    static void requireUsable(Dataset ds, int batch) throws IOException {
        requireTest(ds);
        if (ds.train().size() < batch) {
            throw new IOException(ds.source() + ": the training split holds " + ds.train().size()
                    + " examples, fewer than one batch of " + batch);
        }
    }

    /** The test split must hold at least one example. */
    static void requireTest(Dataset ds) throws IOException {
        Split test = ds.test();
        if (test.size() == 0) {
            throw new IOException(ds.source() + ": the test split is empty (0 examples); nothing to evaluate on");
        }
    }
}
