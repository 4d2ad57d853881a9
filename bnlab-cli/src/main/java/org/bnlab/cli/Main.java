package org.bnlab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./bnlab}: one subcommand per job. */
@Command(name = "bnlab", mixinStandardHelpOptions = true, version = "bnlab 0.1.0",
        description = "Batch Normalization for the JVM: train networks, run the paper's experiments, benchmark.",
        subcommands = {PaperCommand.class, LabCommand.class, TrainCommand.class, EvalCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code: 0 ok, 1 I/O or data failure, 2 bad arguments, 3 training diverged. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        // A bad value (IllegalArgumentException) is the user's to fix: message, usage, exit 2.
        // A failure while running (missing or corrupt file, divergence) is exit 1 with its message.
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof org.bnlab.train.DivergedException) {
                cmd.getErr().println("bnlab: " + ex.getMessage());
                return 3;
            }
            if (ex instanceof IllegalArgumentException) {
                cmd.getErr().println("bnlab: " + ex.getMessage());
                cmd.usage(cmd.getErr());
                return 2;
            }
            if (ex instanceof java.io.IOException || ex instanceof java.io.UncheckedIOException
                    || ex instanceof IllegalStateException) {
                cmd.getErr().println("bnlab: " + ex.getMessage());
                return 1;
            }
            throw ex;
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("bnlab: " + ex.getMessage());
            cmd.usage(cmd.getErr());
            return 2;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
