package org.bnlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A bad value of one of bnlab's system properties is a named error at start (exit 2), not a stack
 * trace from the first layer that needs the kernels. Fresh JVMs: the properties are read once.
 */
class BadSystemPropertyTest {

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"bnlab.bn.denseRows,3", "bnlab.threads,x", "bnlab.threadTuning,maybe", "bnlab.bn.denseRows,1"})
    void aBadValueIsANamedErrorAtStart(String property, String value) throws IOException, InterruptedException {
        boolean good = value.equals("1");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-D" + property + "=" + value, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "bench", "--filter", "bn.forward_eval[60,100]", "--warmup", "0.05", "--seconds", "0.05").start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the JVM did not finish");
        if (good) {
            assertEquals(0, p.exitValue(), err);
            assertTrue(out.contains("bn.forward_eval[60,100]"), out);
        } else {
            assertEquals(ExitCodes.BAD_ARGUMENTS, p.exitValue(), err);
            assertTrue(err.contains("bnlab: system property " + property), err);
            assertTrue(err.contains("'" + value + "'"), err);
            assertFalse(err.contains("\tat "), "no stack trace: " + err);
        }
    }
}
