package org.bnlab.cli;

import org.bnlab.engine.Engine;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./bnlab}: one subcommand per job. */
@Command(name = "bnlab", mixinStandardHelpOptions = true, version = "bnlab 0.1.0",
        description = "Batch Normalization for the JVM: train networks, run the paper's experiments, benchmark.",
        subcommands = {PaperCommand.class, LabCommand.class, TrainCommand.class, EvalCommand.class, ExportCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code ({@link ExitCodes}): 0 ok, 1 I/O or data error, 2 bad arguments, 3 divergence. */
    public static int run(String... args) {
        try {
            Engine.checkSystemProperties();
        } catch (IllegalArgumentException e) {
            System.err.println("bnlab: " + e.getMessage());
            return ExitCodes.BAD_ARGUMENTS;
        }
        CommandLine cli = new CommandLine(new Main());
        // A bad value (IllegalArgumentException) is the user's to fix: message, usage, exit 2.
        // A failure while running (missing or corrupt file, divergence) gets its message and code.
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            int code = ExitCodes.of(ex);
            if (code < 0) {
                throw ex;
            }
            cmd.getErr().println("bnlab: " + ExitCodes.message(ex));
            if (code == ExitCodes.BAD_ARGUMENTS) {
                cmd.usage(cmd.getErr());
            }
            return code;
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("bnlab: " + ex.getMessage());
            cmd.usage(cmd.getErr());
            return ExitCodes.BAD_ARGUMENTS;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
