package org.bnlab.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Pins GoldenRandom to values printed by tools/golden/gen_bn_golden.py (its Python twin). */
class GoldenRandomTest {

    @Test
    void splitmix64MatchesTheReferenceSequence() {
        // splitmix64 seeded with 0: the canonical first outputs.
        assertEquals(0xe220a8397b1dcdafL, GoldenRandom.splitmix64(0, 0));
        assertEquals(0x6e789e6aa1b965f4L, GoldenRandom.splitmix64(0, 1));
        assertEquals(0x06c45d188009454fL, GoldenRandom.splitmix64(0, 2));
        assertEquals(0x346edce5f713f8edL, GoldenRandom.splitmix64(12345, 1));
        assertEquals(7075883509774426401L, GoldenRandom.derive(99, 3));
    }

    @Test
    void floatsMatchPython() {
        assertArrayEquals(new float[] {0x1.eeb99p-2f, -0x1.5c4074p-1f, -0x1.c56cc8p-2f, -0x1.3f18f8p-2f},
                GoldenRandom.uniform(42, 4));
        float[] x = GoldenRandom.input(7, 2, 3, 2);
        assertEquals(0x1.788d94p+0f, x[0]);
        assertEquals(-0x1.576578p-1f, x[1]);
        assertEquals(0x1.7845b8p+1f, x[2]);
        assertEquals(161337167795L, GoldenRandom.checksum(x));
    }
}
