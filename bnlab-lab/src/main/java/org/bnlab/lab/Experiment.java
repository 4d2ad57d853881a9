package org.bnlab.lab;

import org.bnlab.lab.report.ExperimentResult;

/**
 * One of the lab's experiments: runs on the context's data and seeds, returns its charts and claims.
 * Each {@link #run} measures (every setting x seed through {@code Sweeps.perSetting}, so the runs go
 * to the context's executor), aggregates over seeds, and reports an {@code ExperimentResult} whose
 * verdicts follow rules printed with the claims.
 */
public interface Experiment {
    /** The name used by {@code bnlab lab NAME} and in file names, e.g. "figure1". */
    String name();

    /** One line for {@code bnlab lab --help}. */
    String summary();

    ExperimentResult run(LabContext ctx);
}
