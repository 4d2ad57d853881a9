package org.bnlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bnlab.testing.StepAllocationProbe;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No class-check trap in the Vector API's own methods (docs/PERFORMANCE.md, "Cliffs: causes and
 * fixes", item 9). C2 adds up the traps recorded in every method a compile inlines and stops
 * speculating on classes once the sum reaches {@code PerMethodTrapLimit} (100); a kernel compiled
 * that way has no constant vector class and boxes every vector. The Vector API's shared methods
 * (the operator-kind test, the lanewise templates) are inlined once per vector operation, so each
 * class-check trap recorded in them counts once per operation in every kernel: in fresh JDK 17 JVMs
 * that trained the CNN and then the MLPs on 2 threads, 4 or 8 such traps in 13 of 13 JVMs before
 * {@code Lanes} primed the operators, which summed to 72 in one tanh kernel. This starts one fresh JVM
 * with {@code -XX:+LogCompilation} doing that ({@link StepAllocationProbe}: the CNN at batch 128
 * first, then the paper and tanh MLPs) and reads the runtime traps from the log: none may have a
 * class check failing in a {@code jdk.incubator.vector} method. On the JDK 17 Vector API only, where
 * the boxing was found: JDK 25's records 8 class-check traps in the shuffle-to-vector lambdas that the
 * priming does not reach (once per rearrange, not per operation; 0 of 240 JDK 25 JVMs boxed in the
 * fourteenth run's cliff report).
 */
class VectorApiTrapTest {

    /** A trap record's first line, and the frame line after it that names the method it trapped in. */
    private static final Pattern TRAP = Pattern.compile("<uncommon_trap thread='[^']*' reason='class_check'");
    private static final Pattern FRAME = Pattern.compile("<jvms bci='(\\d+)' method='([^ ']+) ([^ ']+) ");

    @Test
    void noClassCheckTrapInTheVectorApiAfterTrainingTheCnnAndTheMlps(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() == 17, "the JDK 17 Vector API (see above)");
        Path log = dir.resolve("compilation.log");
        List<String> lines = StepAllocationProbe.runFresh(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+LogCompilation",
                "-XX:LogFile=" + log, "-Dprobe.threads=2"), "20", "5", "30", "cnn128", "paper", "tanh");
        Assumptions.assumeTrue(lines.get(0).contains("SIMD"), "the JVM has no Vector API: " + lines);
        List<String> traps = vectorApiClassCheckTraps(Files.readAllLines(log, StandardCharsets.ISO_8859_1));
        System.out.println("probe: " + lines + "; class-check traps in the Vector API: " + traps);
        assertTrue(traps.isEmpty(), "class-check traps in Vector API methods (each counts once per vector operation"
                + " in every kernel's compile): " + traps);
    }

    /** "method bci" of every class-check trap whose innermost frame is a method of jdk.incubator.vector. */
    static List<String> vectorApiClassCheckTraps(List<String> log) {
        List<String> traps = new ArrayList<>();
        for (int i = 0; i + 1 < log.size(); i++) {
            if (TRAP.matcher(log.get(i)).find()) {
                Matcher m = FRAME.matcher(log.get(i + 1));
                if (m.find() && m.group(2).startsWith("jdk.incubator.vector.")) {
                    traps.add(m.group(2) + "." + m.group(3) + " bci " + m.group(1));
                }
            }
        }
        return traps;
    }

    @Test
    void theLogReaderFindsATrapInAVectorApiMethodAndIgnoresOthers() {
        List<String> log = List.of(
                "<uncommon_trap thread='7' reason='class_check' action='maybe_recompile' debug_id='0' compile_id='1701'>",
                "<jvms bci='241' method='jdk.incubator.vector.IntVector lanewiseTemplate (Ljdk/incubator/vector/"
                        + "VectorOperators$Binary;)Ljdk/incubator/vector/IntVector;' bytes='251' count='54136'/>",
                "</uncommon_trap>",
                "<uncommon_trap thread='7' reason='class_check' action='maybe_recompile' compile_id='561'>",
                "<jvms bci='91' method='java.util.HashMap putVal (ILjava/lang/Object;)Ljava/lang/Object;' bytes='300'/>",
                "<uncommon_trap thread='7' reason='unstable_if' action='reinterpret' compile_id='12'>",
                "<jvms bci='3' method='jdk.incubator.vector.Int512Vector lanewise (I)I' bytes='10'/>");
        assertEquals(List.of("jdk.incubator.vector.IntVector.lanewiseTemplate bci 241"), vectorApiClassCheckTraps(log));
    }
}
