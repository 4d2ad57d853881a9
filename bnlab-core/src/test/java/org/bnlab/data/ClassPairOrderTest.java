package org.bnlab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.bnlab.nn.Linear;
import org.bnlab.train.Trainer;
import org.junit.jupiter.api.Test;

/** ClassPairOrder: a permutation whose batches hold two classes, half each, the same for the same (seed, epoch). */
class ClassPairOrderTest {
    /** 10 classes of unequal sizes (95..104 samples), labels interleaved as a real split's would be. */
    private static Split split() {
        int[] sizes = {95, 96, 97, 98, 99, 100, 101, 102, 103, 104};
        int n = Arrays.stream(sizes).sum();
        int[] labels = new int[n];
        int[] left = sizes.clone();
        for (int i = 0, c = 0; i < n; c = (c + 1) % 10) {
            if (left[c] > 0) {
                left[c]--;
                labels[i++] = c;
            }
        }
        return Split.of(new float[n], labels, 1);
    }

    @Test
    void batchesHoldTwoClassesHalfEachAndOnlyTheRemainderMixes() {
        Split s = split();
        int batch = 20;
        int[] order = new int[s.size()];
        new ClassPairOrder(s, batch, 7).fill(0, order);
        assertArrayEquals(java.util.stream.IntStream.range(0, s.size()).toArray(), Arrays.stream(order).sorted().toArray(), "a permutation");
        // remainder: fewer than B/2 = 10 per class is set aside, at most 10 * 9 samples, plus unpaired chunks
        int paired = 0;
        for (int b = 0; b + batch <= order.length; b += batch) {
            Map<Integer, Integer> count = new TreeMap<>();
            for (int i = b; i < b + batch; i++) {
                count.merge(s.labels()[order[i]], 1, Integer::sum);
            }
            if (count.size() == 2 && count.values().stream().allMatch(v -> v == batch / 2)) {
                assertEquals(paired * batch, b, "two-class batches come first, without gaps");
                paired++;
            }
        }
        int chunks = 0;
        for (int size : new int[] {95, 96, 97, 98, 99, 100, 101, 102, 103, 104}) {
            chunks += size / (batch / 2);
        }
        assertEquals(chunks / 2, paired, "every chunk is paired: the classes are balanced enough here");
    }

    @Test
    void theSameSeedAndEpochGiveTheSameOrderAndOthersDiffer() {
        Split s = split();
        int[] a = new int[s.size()];
        int[] b = new int[s.size()];
        int[] c = new int[s.size()];
        new ClassPairOrder(s, 10, 3).fill(2, a);
        ClassPairOrder o = new ClassPairOrder(s, 10, 3);
        o.fill(5, c);
        o.fill(2, b);
        assertArrayEquals(a, b, "epoch 2 does not depend on what was filled before");
        assertFalse(Arrays.equals(a, c), "epochs differ");
        new ClassPairOrder(s, 10, 4).fill(2, c);
        assertFalse(Arrays.equals(a, c), "seeds differ");
    }

    @Test
    void oddBatchesAndWrongLengthsAreRefused() {
        Split s = split();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ClassPairOrder(s, 7, 1)).getMessage().contains("even"));
        assertThrows(IllegalArgumentException.class, () -> new ClassPairOrder(s, 10, 1).fill(0, new int[3]));
    }

    @Test
    void aTrainerWithTheOrderTrainsOnTwoClassBatches() {
        Split s = split();
        Trainer t = Trainer.builder(new Linear(1, 10, true, 1), s).batchSize(10).seed(1).sampleOrder(new ClassPairOrder(s, 10, 1)).build();
        for (int step = 0; step < 5; step++) {
            t.trainStep();
            assertEquals(2, Arrays.stream(t.batches().labels()).distinct().count());
        }
    }

    @Test
    void anOrderThatIsNotAPermutationIsAnError() {
        Split s = split();
        BatchIterator it = BatchIterator.builder(s, 10).order((e, o) -> Arrays.fill(o, 0)).build();
        assertTrue(assertThrows(IllegalStateException.class, it::next).getMessage().contains("not a permutation"));
    }
}
