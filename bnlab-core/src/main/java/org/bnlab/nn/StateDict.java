package org.bnlab.nn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named tensors in PyTorch {@code state_dict()} order and naming ({@code 0.weight},
 * {@code 1.running_mean}, {@code 1.num_batches_tracked}, ...).
 *
 * <p>Entries reference the modules' live arrays when produced by {@link Module#stateDict}; loading
 * copies values into the live arrays, after checking shapes. Float tensors are float32; counters
 * such as {@code num_batches_tracked} are int64 scalars (shape []), as in PyTorch.
 */
public final class StateDict {

    /** One tensor: exactly one of {@code f32} / {@code i64} is non-null. */
    public record Entry(int[] shape, float[] f32, long[] i64) {
        public static Entry f32(float[] data, int... shape) {
            return new Entry(shape.clone(), data, null);
        }

        public static Entry i64(long[] data, int... shape) {
            return new Entry(shape.clone(), null, data);
        }

        public int numel() {
            return f32 != null ? f32.length : i64.length;
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    public void put(String name, Entry e) {
        if (entries.putIfAbsent(name, e) != null) {
            throw new IllegalArgumentException("state_dict already has an entry named '" + name + "'");
        }
    }

    /** The entry, or an IllegalArgumentException naming the missing key. */
    public Entry require(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("state_dict has no entry '" + name + "' (has " + entries.keySet() + ")");
        }
        return e;
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    public Map<String, Entry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    /** Copies the float entry {@code name} into {@code dst}, checking the shape. */
    public void copyInto(String name, float[] dst, int... expectedShape) {
        Entry e = require(name);
        if (e.f32() == null || !java.util.Arrays.equals(e.shape(), expectedShape)) {
            throw new IllegalArgumentException("state_dict entry '" + name + "' has shape "
                    + java.util.Arrays.toString(e.shape()) + (e.f32() == null ? " (int64)" : "")
                    + ", expected float32 " + java.util.Arrays.toString(expectedShape));
        }
        System.arraycopy(e.f32(), 0, dst, 0, dst.length);
    }
}
