package org.bnlab.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import org.bnlab.lab.Experiment;
import org.bnlab.lab.Experiments;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code bnlab lab NAME}: one experiment of the paper command, with its own report. */
@Command(name = "lab", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run one experiment of the lab and write its report.")
public final class LabCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "the experiment (see 'bnlab lab --list')", arity = "0..1")
    String name;

    @picocli.CommandLine.Option(names = "--list", description = "list the experiments")
    boolean list;

    @Mixin
    LabOptions options = new LabOptions();

    @Override
    public Integer call() throws IOException {
        if (list || name == null) {
            for (Experiment e : Experiments.all()) {
                System.out.printf("  %-15s %s%n", e.name(), e.summary());
            }
            if (name == null && !list) {
                throw new IllegalArgumentException("name an experiment: " + String.join(", ", Experiments.names()));
            }
            return 0;
        }
        Experiment e = Experiments.byName(name);
        java.nio.file.Path out = options.out(e.name()); // checked before the compute
        LabOptions.run(List.of(e), options.context(), out, "bnlab lab " + e.name());
        return 0;
    }
}
