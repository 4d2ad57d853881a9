package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CallTuner's choice per call site, driven with made-up call times (no clock). */
class CallTunerTest {

    /** Runs {@code calls} calls of a site whose arms take {@code allNanos} and {@code oneNanos}; returns the arms run. */
    private static List<Integer> run(CallTuner tuner, Object site, int n, int calls, long allNanos, long oneNanos) {
        List<Integer> arms = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            int s = tuner.slot(site, n);
            int arm = tuner.arm(s);
            tuner.record(s, arm, arm == CallTuner.ALL ? allNanos : oneNanos);
            arms.add(arm);
        }
        return arms;
    }

    @Test
    void aSiteTriesBothArmsThenRunsTheFasterAndProbesTheOther() {
        CallTuner t = new CallTuner();
        Object site = new Object();
        List<Integer> arms = run(t, site, 1000, 2 + 3 * CallTuner.PROBE_EVERY, 100_000, 60_000);
        assertEquals(CallTuner.ALL, arms.get(0), "first call: all threads");
        assertEquals(CallTuner.ONE, arms.get(1), "second call: the caller alone");
        for (int i = 2; i < arms.size(); i++) {
            int expected = i % CallTuner.PROBE_EVERY == 0 ? CallTuner.ALL : CallTuner.ONE;
            assertEquals(expected, arms.get(i), "call " + i + ": the faster arm, the other one every PROBE_EVERY calls");
        }
        assertEquals(CallTuner.ONE, t.chosen(t.slot(site, 1000)));
    }

    @Test
    void theChoiceFollowsAChangeOfConditionsWithinAFewProbes() {
        CallTuner t = new CallTuner();
        Object site = new Object();
        run(t, site, 64, 200, 100_000, 60_000); // the other core busy: the caller alone is faster
        int s = t.slot(site, 64);
        assertEquals(CallTuner.ONE, t.chosen(s));
        // the other core empties: all threads now take 40 us; the probes see it
        List<Integer> arms = run(t, site, 64, 8 * CallTuner.PROBE_EVERY, 40_000, 60_000);
        assertEquals(CallTuner.ALL, t.chosen(s));
        int lastOne = arms.lastIndexOf(CallTuner.ONE);
        assertTrue(lastOne < arms.size() - 2, "switched back well before the end");
        // and a slowdown of all threads the other way again
        run(t, site, 64, 8 * CallTuner.PROBE_EVERY, 90_000, 60_000);
        assertEquals(CallTuner.ONE, t.chosen(s));
    }

    @Test
    void anArmIsLeftOnlyForOneFasterByMoreThanTheMargin() {
        CallTuner t = new CallTuner();
        Object site = new Object();
        run(t, site, 10, 500, 100_000, 97_000); // 3% faster alone: within the margin, stays on all threads
        assertEquals(CallTuner.ALL, t.chosen(t.slot(site, 10)));
    }

    @Test
    void oneOutlierDoesNotFlipTheChoice() {
        CallTuner t = new CallTuner();
        Object site = new Object();
        run(t, site, 10, 100, 50_000, 70_000);
        int s = t.slot(site, 10);
        assertEquals(CallTuner.ALL, t.chosen(s));
        // a 20 ms pause (GC, preemption) on one all-threads call: counted as twice the mean at most
        int arm = t.arm(s);
        assertEquals(CallTuner.ALL, arm);
        t.record(s, arm, 20_000_000);
        assertEquals(CallTuner.ALL, t.chosen(s), "a 1.4x gap survives one outlier");
    }

    @Test
    void sitesAreTheTaskAndTheRangeLengthAndATakenSlotStartsOver() {
        CallTuner t = new CallTuner();
        Object site = new Object();
        run(t, site, 100, 50, 100_000, 50_000);
        assertEquals(CallTuner.ONE, t.chosen(t.slot(site, 100)));
        // the same task at another length is another site (starts on all threads)
        int other = t.slot(site, 101);
        assertEquals(CallTuner.ALL, t.arm(other));
        // find a task whose site lands in the slot of (site, 100): the slot starts over for it
        int s = t.slot(site, 100);
        Object intruder = null;
        for (int i = 0; i < 100_000 && intruder == null; i++) {
            Object o = new Object();
            if (t.slotIndexFor(o, 100) == s) {
                intruder = o;
            }
        }
        assertNotEquals(null, intruder, "some object hashes into the slot");
        int taken = t.slot(intruder, 100);
        assertEquals(s, taken);
        assertEquals(CallTuner.ALL, t.chosen(taken));
        assertEquals(CallTuner.ALL, t.arm(taken), "a new site's first call: all threads");
    }
}
