package org.bnlab.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exact encodings that carry numbers between Spark tasks and the driver. */
class CodecTest {

    static long[] bits(double[] v) {
        long[] b = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Double.doubleToRawLongBits(v[i]);
        }
        return b;
    }

    /** Both forms (float-exact values, 4 bytes; others, 8 bytes) give back the same bits, -0.0 and NaN included. */
    @Test
    void doublesSurviveTheStringChannelBitForBit() {
        double[] floats = {0.0, -0.0, 1.5f, -3.25e-8f, Float.MAX_VALUE, Double.POSITIVE_INFINITY};
        double[] doubles = {0.1, -0.0, Math.PI, Double.MIN_VALUE, Double.longBitsToDouble(0x7ff8000000000123L)};
        for (double[] v : new double[][] {floats, doubles, {}}) {
            double[] out = new double[v.length + 2];
            DoubleCodec.decode(DoubleCodec.encode(v), out, 2, v.length, "replica 1");
            assertArrayEquals(bits(v), bits(java.util.Arrays.copyOfRange(out, 2, out.length)));
        }
        assertTrue(DoubleCodec.encode(floats).length() < DoubleCodec.encode(doubles).length() * floats.length / doubles.length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DoubleCodec.decode(DoubleCodec.encode(floats), new double[10], 0, 5, "replica 3"));
        assertTrue(e.getMessage().contains("replica 3 contributed 6 values"), e.getMessage());
    }

    private record Inner(double[][] grid, List<Long> seeds) {}

    private record Outer(String name, Inner inner, int[] counts, Inner[] more) {}

    static Object javaRoundTrip(Serializable s) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
            o.writeObject(s);
        }
        try (ObjectInputStream i = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return i.readObject();
        }
    }

    /** Private, non-Serializable records of arrays and lists travel through Java serialization and come back equal. */
    @Test
    void recordsOfArraysAndListsRoundTrip() throws Exception {
        Outer v = new Outer("x", new Inner(new double[][] {{1, 2}, {3}}, List.of(4L, 5L)), new int[] {7},
                new Inner[] {new Inner(new double[0][], List.of())});
        Outer back = (Outer) RecordCodec.decode((Serializable) javaRoundTrip(RecordCodec.encode(v)));
        assertEquals("x", back.name());
        assertArrayEquals(v.inner().grid(), back.inner().grid());
        assertEquals(v.inner().seeds(), back.inner().seeds());
        assertArrayEquals(v.counts(), back.counts());
        assertEquals(1, back.more().length);
        assertEquals(0, back.more()[0].grid().length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RecordCodec.encode(new Object()));
        assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
    }
}
