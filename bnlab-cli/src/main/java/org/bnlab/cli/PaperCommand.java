package org.bnlab.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import org.bnlab.lab.Experiments;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code bnlab paper}: every experiment, one report. The README's first command. */
@Command(name = "paper", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Reproduce Ioffe & Szegedy's MNIST experiment and measure every claim of BN (and Santurkar et al.'s",
                "counter-evidence) on real data; writes report.html, charts/ and metrics.json.",
                "Defaults: embedded mnist-sample, 10,000 steps, 3 seeds, about 7 minutes on 2 cores (9 min of CPU);",
                "--quick: a first look in about half a minute; --full: the paper's 50,000 steps, about 5x longer."})
public final class PaperCommand implements Callable<Integer> {
    @Mixin
    LabOptions options = new LabOptions();

    @Override
    public Integer call() throws IOException {
        java.nio.file.Path out = options.out("paper"); // checked before the compute
        LabOptions.run(Experiments.all(), options.context(), out,
                "Batch Normalization, measured: Ioffe & Szegedy (2015) reproduced");
        return 0;
    }
}
