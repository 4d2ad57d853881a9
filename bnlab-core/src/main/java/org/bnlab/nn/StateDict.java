package org.bnlab.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named tensors in PyTorch {@code state_dict()} order and naming ({@code 0.weight},
 * {@code 1.running_mean}, {@code 1.num_batches_tracked}, ...).
 *
 * <p>Entries reference the modules' live arrays when produced by {@link Module#stateDict}; loading
 * copies values into the live arrays, after checking shapes. Float tensors are float32; counters
 * such as {@code num_batches_tracked} are int64 scalars (shape []), as in PyTorch.
 *
 * <p>Strict loading ({@link #loadStrictInto}, PyTorch's {@code load_state_dict(strict=True)} and
 * more): every expected tensor present, no other, each with the expected dtype and shape, and every
 * float value finite; all of it checked before the first value is copied, so a rejected file leaves
 * the module exactly as it was. A NaN weight is reported as the tensor holding it, not three layers
 * later as a NaN loss.
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

    /** Copies the float entry {@code name} into {@code dst}, checking the shape and that every value is finite. */
    public void copyInto(String name, float[] dst, int... expectedShape) {
        Entry e = require(name);
        checkEntry(name, e, expected(expectedShape));
        System.arraycopy(e.f32(), 0, dst, 0, dst.length);
    }

    /**
     * Checks that this state_dict holds exactly the entries of {@code expected} (names, dtypes,
     * shapes), every float value finite. One IllegalArgumentException lists every missing and every
     * unexpected name, like PyTorch's strict loading, or names the first entry of the wrong dtype or
     * shape or holding NaN/Inf.
     */
    public void checkMatches(StateDict expected) {
        List<String> missing = new ArrayList<>();
        for (String name : expected.entries.keySet()) {
            if (!entries.containsKey(name)) {
                missing.add(name);
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : entries.keySet()) {
            if (!expected.entries.containsKey(name)) {
                unexpected.add(name);
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new IllegalArgumentException("state_dict does not match the model:"
                    + (missing.isEmpty() ? "" : " missing " + quoted(missing))
                    + (missing.isEmpty() || unexpected.isEmpty() ? "" : ";")
                    + (unexpected.isEmpty() ? "" : " unexpected " + quoted(unexpected)));
        }
        for (Map.Entry<String, Entry> me : expected.entries.entrySet()) {
            checkEntry(me.getKey(), entries.get(me.getKey()), me.getValue());
        }
    }

    /** Strict loading: {@link #checkMatches} against {@code module}'s own state_dict, then the copy. */
    public void loadStrictInto(Module module) {
        StateDict own = new StateDict();
        module.stateDict("", own);
        checkMatches(own);
        module.loadStateDict("", this);
    }

    private static Entry expected(int[] shape) {
        return new Entry(shape, new float[0], null); // a float32 template: only dtype and shape are compared
    }

    /** {@code e} has the dtype and shape of {@code template}; float values are finite. */
    private static void checkEntry(String name, Entry e, Entry template) {
        boolean f32 = template.f32() != null;
        if ((e.f32() != null) != f32 || !Arrays.equals(e.shape(), template.shape())) {
            throw new IllegalArgumentException("state_dict entry '" + name + "' is " + describe(e)
                    + ", expected " + describe(template));
        }
        if (f32) {
            float[] a = e.f32();
            for (int i = 0; i < a.length; i++) {
                if (!Float.isFinite(a[i])) {
                    throw new IllegalArgumentException("state_dict entry '" + name + "' holds " + a[i] + " at index " + i
                            + " (shape " + Arrays.toString(e.shape()) + "); a model's tensors must be finite");
                }
            }
        }
    }

    private static String describe(Entry e) {
        return (e.f32() != null ? "float32 " : "int64 ") + Arrays.toString(e.shape());
    }

    private static String quoted(List<String> names) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            sb.append(sb.length() == 0 ? "" : ", ").append('\'').append(n).append('\'');
        }
        return sb.toString();
    }
}
