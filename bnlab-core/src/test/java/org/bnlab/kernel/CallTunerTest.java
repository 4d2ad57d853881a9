package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CallTuner's choice per call site, driven by a made-up clock: each call's period depends on its arm. */
class CallTunerTest {

    /** The made-up clock (ns). */
    private long now = 1_000_000_000L;

    /** Runs {@code calls} calls of a site whose arms take {@code allNanos} and {@code oneNanos} per period; returns the arms run. */
    private List<Integer> run(CallTuner tuner, int site, int n, int calls, long allNanos, long oneNanos) {
        List<Integer> arms = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            int arm = tuner.arm(tuner.slot(site, n), now);
            now += arm == CallTuner.ALL ? allNanos : oneNanos;
            arms.add(arm);
        }
        return arms;
    }

    @Test
    void aSiteTriesBothArmsThenRunsTheFasterAndProbesTheOther() {
        CallTuner t = new CallTuner();
        int site = 12345;
        List<Integer> arms = run(t, site, 1000, 2000, 100_000, 60_000);
        int b = CallTuner.BURST;
        for (int i = 0; i < 2 * b; i++) {
            assertEquals(i < b ? CallTuner.ALL : CallTuner.ONE, arms.get(i), "call " + i + ": all threads first, then a burst alone");
        }
        assertEquals(CallTuner.ONE, t.chosen(t.slot(site, 1000)));
        // from then on the caller alone, with bursts of BURST calls on all threads: the first one
        // PROBE_EVERY calls after the choice changed, then at intervals growing GROWTH-fold up to BURST * (r - 1) /
        // PROBE_COST calls (r = 100/60: bursts on an arm that much slower cost PROBE_COST of the time)
        List<Integer> starts = new ArrayList<>();
        for (int i = 2 * b; i < arms.size(); i++) {
            if (arms.get(i) == CallTuner.ALL && arms.get(i - 1) == CallTuner.ONE) {
                starts.add(i);
                for (int j = i; j < i + b && j < arms.size(); j++) {
                    assertEquals(CallTuner.ALL, arms.get(j), "call " + j + " in a burst");
                }
            }
        }
        int cap = (int) (b * (100.0 / 60 - 1) / CallTuner.PROBE_COST);
        List<Integer> expected = new ArrayList<>();
        int next = 2 * b + CallTuner.PROBE_EVERY;
        int interval = CallTuner.PROBE_EVERY;
        while (next < arms.size()) {
            expected.add(next);
            interval = Math.min(cap, CallTuner.GROWTH * interval);
            next += b + interval;
        }
        assertEquals(expected, starts, "burst starts");
    }

    /** An arm twice as slow is probed every BURST / PROBE_COST calls once the intervals have grown, not every PROBE_EVERY: the bursts cost about PROBE_COST. */
    @Test
    void burstsOnAMuchSlowerArmComeRarely() {
        CallTuner t = new CallTuner();
        int calls = 20_000;
        List<Integer> arms = run(t, 777, 64, calls, 50_000, 100_000);
        long one = arms.stream().filter(a -> a == CallTuner.ONE).count();
        assertEquals(CallTuner.ALL, t.chosen(t.slot(777, 64)));
        int cap = (int) (CallTuner.BURST / CallTuner.PROBE_COST); // r = 2
        assertTrue(one <= (calls / cap + 4) * CallTuner.BURST, one + " calls on the slower arm");
        assertTrue(one >= calls / cap * CallTuner.BURST, "still probed: " + one);
    }

    @Test
    void theChoiceFollowsAChangeOfConditionsWithinAFewProbes() {
        CallTuner t = new CallTuner();
        int site = 12345;
        run(t, site, 64, 200, 100_000, 60_000); // the other core busy: the caller alone is faster
        int s = t.slot(site, 64);
        assertEquals(CallTuner.ONE, t.chosen(s));
        // the other core empties: all threads now take 40 us; the probes see it
        List<Integer> arms = run(t, site, 64, 8 * CallTuner.PROBE_EVERY, 40_000, 60_000);
        assertEquals(CallTuner.ALL, t.chosen(s));
        long allInSecondHalf = arms.subList(arms.size() / 2, arms.size()).stream().filter(a -> a == CallTuner.ALL).count();
        assertTrue(allInSecondHalf >= 0.9 * arms.size() / 2, allInSecondHalf + " of the last " + arms.size() / 2 + " on all threads");
        // and a slowdown of all threads the other way again
        run(t, site, 64, 8 * CallTuner.PROBE_EVERY, 90_000, 60_000);
        assertEquals(CallTuner.ONE, t.chosen(s));
    }

    /** The first call after a change of arm pays for the change (a parked worker, caches): it is not counted. */
    @Test
    void theFirstCallAfterAChangeOfArmIsNotCounted() {
        CallTuner t = new CallTuner();
        int site = 12345;
        List<Integer> arms = new ArrayList<>();
        for (int i = 0; i < 4 * CallTuner.PROBE_EVERY; i++) {
            int arm = t.arm(t.slot(site, 7), now);
            boolean first = i == 0 || arm != arms.get(i - 1);
            // all threads: 40 us, but 200 us on the call after calls on the caller alone (the worker parked);
            // the caller alone: 45 us. Counting the 200 us calls would keep the site on the caller alone
            now += arm == CallTuner.ONE ? 45_000 : first ? 200_000 : 40_000;
            arms.add(arm);
        }
        assertEquals(CallTuner.ALL, t.chosen(t.slot(site, 7)));
        long all = arms.stream().filter(a -> a == CallTuner.ALL).count();
        assertTrue(all >= 0.9 * arms.size(), all + " of " + arms.size() + " calls on all threads");
    }

    /** What an arm measured during JIT warm-up (periods 20-150x the steady ones) is gone after one burst. */
    @Test
    void theArmNotChosenIsReestimatedByEachBurst() {
        CallTuner t = new CallTuner();
        int site = 12345;
        run(t, site, 3, 2 * CallTuner.BURST + 1, 100_000_000, 2_000_000); // all threads still in the JIT's slow code
        int s = t.slot(site, 3);
        assertEquals(CallTuner.ONE, t.chosen(s));
        run(t, site, 3, CallTuner.PROBE_EVERY + 2 * CallTuner.BURST, 1_000_000, 2_000_000); // compiled: all threads twice as fast
        assertEquals(CallTuner.ALL, t.chosen(s), "back on all threads after its first burst");
    }

    @Test
    void anArmIsLeftOnlyForOneFasterByMoreThanTheMargin() {
        CallTuner t = new CallTuner();
        int site = 12345;
        run(t, site, 10, 500, 100_000, 97_000); // 3% faster alone: within the margin, stays on all threads
        assertEquals(CallTuner.ALL, t.chosen(t.slot(site, 10)));
    }

    @Test
    void oneOutlierDoesNotFlipTheChoice() {
        CallTuner t = new CallTuner();
        int site = 12345;
        run(t, site, 10, 100, 50_000, 70_000);
        int s = t.slot(site, 10);
        assertEquals(CallTuner.ALL, t.chosen(s));
        // a 70 us pause (preemption) in one all-threads period: counted as twice the mean at most
        assertEquals(CallTuner.ALL, t.arm(s, now));
        now += 120_000;
        assertEquals(CallTuner.ALL, t.arm(s, now));
        now += 50_000;
        // a 20 ms gap (the site idle, or a GC pause): not counted at all
        assertEquals(CallTuner.ALL, t.arm(s, now));
        now += 20_000_000;
        t.arm(s, now);
        assertEquals(CallTuner.ALL, t.chosen(s), "a 1.4x gap survives one outlier");
    }

    @Test
    void sitesAreTheTaskAndTheRangeLengthAndATakenSlotStartsOver() {
        CallTuner t = new CallTuner();
        int site = 12345;
        run(t, site, 100, 50, 100_000, 50_000);
        assertEquals(CallTuner.ONE, t.chosen(t.slot(site, 100)));
        // the same task at another length is another site (starts on all threads)
        int other = t.slot(site, 101);
        assertEquals(CallTuner.ALL, t.arm(other, now));
        // find a task whose site lands in the slot of (site, 100): the slot starts over for it
        int s = t.slot(site, 100);
        int intruder = -1;
        for (int i = 0; i < 100_000 && intruder < 0; i++) {
            if (i != site && t.slotIndexFor(i, 100) == s) {
                intruder = i;
            }
        }
        assertNotEquals(-1, intruder, "some site hashes into the slot");
        int taken = t.slot(intruder, 100);
        assertEquals(s, taken);
        assertEquals(CallTuner.ALL, t.chosen(taken));
        assertEquals(CallTuner.ALL, t.arm(taken, now), "a new site's first call: all threads");
    }
}
