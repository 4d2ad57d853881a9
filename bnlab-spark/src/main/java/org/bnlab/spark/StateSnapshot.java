package org.bnlab.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bnlab.nn.StateDict;

/** A {@link StateDict} copied into a serializable form, to travel between the driver and the tasks. */
final class StateSnapshot implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<String> names = new ArrayList<>();
    private final List<int[]> shapes = new ArrayList<>();
    private final List<float[]> f32 = new ArrayList<>();
    private final List<long[]> i64 = new ArrayList<>();

    /** A copy of {@code sd} (its arrays may be live module buffers). */
    StateSnapshot(StateDict sd) {
        for (Map.Entry<String, StateDict.Entry> e : sd.entries().entrySet()) {
            StateDict.Entry v = e.getValue();
            names.add(e.getKey());
            shapes.add(v.shape().clone());
            f32.add(v.f32() == null ? null : v.f32().clone());
            i64.add(v.i64() == null ? null : v.i64().clone());
        }
    }

    StateDict toStateDict() {
        StateDict sd = new StateDict();
        for (int i = 0; i < names.size(); i++) {
            sd.put(names.get(i), f32.get(i) != null ? StateDict.Entry.f32(f32.get(i).clone(), shapes.get(i))
                    : StateDict.Entry.i64(i64.get(i).clone(), shapes.get(i)));
        }
        return sd;
    }
}
