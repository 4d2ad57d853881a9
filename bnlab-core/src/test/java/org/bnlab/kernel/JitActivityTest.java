package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The pool's JIT signal: busy from the first busy window until QUIET_WINDOWS quiet ones in a row. */
class JitActivityTest {

    @Test
    void busyUntilEnoughQuietWindowsInARow() {
        JitActivity.Windows w = new JitActivity.Windows();
        assertTrue(w.busyAfter(50), "a window with 50 ms of compilation");
        for (int i = 1; i < JitActivity.QUIET_WINDOWS; i++) {
            assertTrue(w.busyAfter(JitActivity.BUSY_MS - 1), "quiet window " + i + " of " + JitActivity.QUIET_WINDOWS);
        }
        assertFalse(w.busyAfter(0), "the last quiet window of the run");
        assertFalse(w.busyAfter(1), "stays quiet below BUSY_MS");
        assertTrue(w.busyAfter(JitActivity.BUSY_MS), "a new burst");
        assertTrue(w.busyAfter(0), "and the quiet run starts over");
    }

    @Test
    void offInTheTestsSoThatThePoolIsExercised() {
        // the build's surefire configuration sets bnlab.jitAware=false: the parallel paths and their
        // bit-identity tests must not be turned serial by a busy compiler
        assertFalse(JitActivity.busy());
    }
}
