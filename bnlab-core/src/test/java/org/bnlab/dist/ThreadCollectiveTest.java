package org.bnlab.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.bnlab.testing.Replicas;
import org.junit.jupiter.api.Test;

class ThreadCollectiveTest {

    @Test
    void everyReplicaReceivesEveryContributionInRankOrderRoundAfterRound() {
        ThreadCollective c = new ThreadCollective(4, 10, TimeUnit.SECONDS);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Replicas.runAll(c, rank -> {
            double[] send = new double[3];
            double[] recv = new double[12];
            for (int round = 0; round < 2000; round++) {
                send[0] = rank;
                send[1] = round;
                send[2] = rank * 1000.0 + round;
                c.allGather(rank, send, recv);
                for (int r = 0; r < 4; r++) {
                    if (recv[3 * r] != r || recv[3 * r + 1] != round || recv[3 * r + 2] != r * 1000.0 + round) {
                        throw new AssertionError("replica " + rank + " round " + round + ": wrong data from replica " + r);
                    }
                }
            }
        }));
    }

    @Test
    void aReplicaThatNeverArrivesIsNamedInATimeoutOnEveryWaitingReplica() {
        ThreadCollective c = new ThreadCollective(3, 1, TimeUnit.SECONDS);
        Throwable[] failures = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Replicas.run(c, rank -> {
            if (rank != 1) {
                c.allGather(rank, new double[2], new double[6]);
            }
        }));
        assertNull(failures[1]);
        for (int r : new int[] {0, 2}) {
            assertInstanceOf(CollectiveException.class, failures[r]);
            assertTrue(failures[r].getMessage().contains("timed out after 1000 ms: replica(s) [1] did not arrive"), failures[r].getMessage());
        }
    }

    @Test
    void aFailedReplicaWakesTheOthersWithItsCauseAndResetAllowsReuse() {
        ThreadCollective c = new ThreadCollective(3, 20, TimeUnit.SECONDS);
        IllegalStateException boom = new IllegalStateException("boom");
        Throwable[] failures = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> Replicas.run(c, rank -> {
            if (rank == 2) {
                sleep(100); // the others are waiting by now
                throw boom;
            }
            c.allGather(rank, new double[1], new double[3]);
        }));
        assertSame(boom, failures[2]);
        for (int r : new int[] {0, 1}) {
            assertSame(boom, failures[r].getCause());
            assertTrue(failures[r].getMessage().contains("replica 2 failed: java.lang.IllegalStateException: boom"), failures[r].getMessage());
        }
        // a late arrival fails at once instead of waiting for the timeout
        assertThrows(CollectiveException.class, () -> c.allGather(0, new double[1], new double[3]));
        c.reset();
        assertNull(c.failure());
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> Replicas.runAll(c, rank -> c.allGather(rank, new double[] {rank}, new double[3])));
    }

    @Test
    void contributionsOfDifferentLengthsFailTheRound() {
        ThreadCollective c = new ThreadCollective(2, 20, TimeUnit.SECONDS);
        Throwable[] failures = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> Replicas.run(c, rank -> {
            int len = rank + 1;
            c.allGather(rank, new double[len], new double[2 * len]);
        }));
        // whichever arrives second is named
        for (Throwable f : failures) {
            assertInstanceOf(CollectiveException.class, f);
            assertTrue(f.getMessage().matches(".*replica [01] contributed [12] values in round 0, the others [12]"), f.getMessage());
        }
    }

    @Test
    void badArgumentsAreRejectedBeforeJoining() {
        ThreadCollective c = new ThreadCollective(2, 1, TimeUnit.SECONDS);
        assertThrows(IllegalArgumentException.class, () -> c.allGather(2, new double[1], new double[2]));
        assertThrows(IllegalArgumentException.class, () -> c.allGather(0, new double[1], new double[3]));
        assertThrows(IllegalArgumentException.class, () -> new ThreadCollective(0, 1, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class, () -> new ThreadCollective(2, 0, TimeUnit.SECONDS));
        assertEquals(2, c.size());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
