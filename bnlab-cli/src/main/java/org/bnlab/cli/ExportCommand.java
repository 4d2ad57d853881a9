package org.bnlab.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bnlab.onnx.OnnxExporter;
import org.bnlab.onnx.OnnxFormat;
import org.bnlab.train.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bnlab export}: a trained checkpoint as an ONNX model, optionally with BatchNorm folded. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a checkpoint to ONNX (dynamic batch dimension; provenance in the model's metadata).")
public final class ExportCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR|FILE",
            description = "model.safetensors written by bnlab train, or its run directory")
    Path checkpoint;

    @Option(names = "--onnx", required = true, paramLabel = "FILE", description = "the ONNX file to write")
    Path onnx;

    @Option(names = "--fold-bn", description = "fold every eval-mode BatchNorm into the Linear/Conv2d before it")
    boolean foldBn;

    @Option(names = "--opset", defaultValue = "" + OnnxFormat.DEFAULT_OPSET,
            description = "ONNX opset, " + OnnxFormat.MIN_OPSET + ".." + OnnxFormat.MAX_OPSET + " (default: ${DEFAULT-VALUE})")
    int opset;

    @Override
    public Integer call() throws IOException {
        OnnxFormat.checkOpset(opset);
        Path file = RunDirectory.modelFile(checkpoint);
        OnnxExporter.export(file, onnx, foldBn, opset);
        System.out.printf("wrote %s (opset %d%s) from %s%n", onnx, opset, foldBn ? ", BatchNorm folded" : "", file);
        return 0;
    }
}
