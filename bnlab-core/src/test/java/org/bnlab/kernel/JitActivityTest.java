package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The pool's JIT signal: busy from the start until QUIET_WINDOWS quiet windows in a row, then never again. */
class JitActivityTest {

    @Test
    void busyUntilEnoughQuietWindowsInARowThenNever() {
        JitActivity.Windows w = new JitActivity.Windows();
        assertTrue(w.busyAfter(50), "a window with 50 ms of compilation");
        for (int i = 1; i < JitActivity.QUIET_WINDOWS; i++) {
            assertTrue(w.busyAfter(JitActivity.BUSY_MS - 1), "quiet window " + i + " of " + JitActivity.QUIET_WINDOWS);
        }
        assertFalse(w.busyAfter(0), "the last quiet window of the run");
        assertFalse(w.busyAfter(1), "stays quiet below BUSY_MS");
        assertFalse(w.busyAfter(500), "and for good: a later burst (recompilations) does not make the pool serial again");
        assertFalse(w.busyAfter(0));

        JitActivity.Windows v = new JitActivity.Windows();
        for (int i = 1; i < JitActivity.QUIET_WINDOWS; i++) {
            assertTrue(v.busyAfter(0), "busy from the start, quiet window " + i);
        }
        assertTrue(v.busyAfter(JitActivity.BUSY_MS), "a burst before the quiet run is complete");
        for (int i = 1; i < JitActivity.QUIET_WINDOWS; i++) {
            assertTrue(v.busyAfter(0), "the quiet run starts over, window " + i);
        }
        assertFalse(v.busyAfter(0));
    }

    @Test
    void offInTheTestsSoThatThePoolIsExercised() {
        // the build's surefire configuration sets bnlab.jitAware=false: the parallel paths and their
        // bit-identity tests must not be turned serial by a busy compiler
        assertFalse(JitActivity.busy());
    }
}
