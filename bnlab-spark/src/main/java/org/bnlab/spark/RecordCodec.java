package org.bnlab.spark;

import java.io.Serializable;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the lab's run results into Serializable trees and back, so they can travel between Spark tasks
 * and the driver: the experiments return records (often private, never Serializable) of arrays, lists
 * and other records. A record becomes its class name and its encoded components and is rebuilt with its
 * canonical constructor; a list becomes a list of encoded elements; an object array an array of encoded
 * elements; primitive arrays, strings, boxed numbers, enums and other Serializable values stay as they
 * are. Anything else is refused with its class named.
 */
final class RecordCodec {
    private RecordCodec() {}

    private record Rec(String type, Serializable[] components) implements Serializable {}

    private record Lst(ArrayList<Serializable> elements) implements Serializable {}

    private record Arr(String componentType, Serializable[] elements) implements Serializable {}

    static Serializable encode(Object v) {
        if (v == null) {
            return null;
        }
        Class<?> c = v.getClass();
        if (c.isRecord()) {
            RecordComponent[] rc = c.getRecordComponents();
            Serializable[] parts = new Serializable[rc.length];
            for (int i = 0; i < rc.length; i++) {
                try {
                    var accessor = rc[i].getAccessor();
                    accessor.setAccessible(true);
                    parts[i] = encode(accessor.invoke(v));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + c.getName() + "." + rc[i].getName(), e);
                }
            }
            return new Rec(c.getName(), parts);
        }
        if (v instanceof List<?> list) {
            ArrayList<Serializable> out = new ArrayList<>();
            for (Object o : list) {
                out.add(encode(o));
            }
            return new Lst(out);
        }
        if (c.isArray() && !c.getComponentType().isPrimitive()) {
            Serializable[] out = new Serializable[Array.getLength(v)];
            for (int i = 0; i < out.length; i++) {
                out[i] = encode(Array.get(v, i));
            }
            return new Arr(c.getComponentType().getName(), out);
        }
        if (v instanceof Serializable s) {
            return s;
        }
        throw new IllegalArgumentException("cannot send a " + c.getName() + " between Spark tasks (not a record, list, array or Serializable)");
    }

    static Object decode(Serializable v) {
        try {
            if (v instanceof Rec r) {
                Class<?> c = load(r.type());
                RecordComponent[] rc = c.getRecordComponents();
                Class<?>[] types = new Class<?>[rc.length];
                Object[] args = new Object[rc.length];
                for (int i = 0; i < rc.length; i++) {
                    types[i] = rc[i].getType();
                    args[i] = decode(r.components()[i]);
                }
                Constructor<?> k = c.getDeclaredConstructor(types);
                k.setAccessible(true);
                return k.newInstance(args);
            }
            if (v instanceof Lst l) {
                List<Object> out = new ArrayList<>();
                for (Serializable e : l.elements()) {
                    out.add(decode(e));
                }
                return out;
            }
            if (v instanceof Arr a) {
                Object out = Array.newInstance(load(a.componentType()), a.elements().length);
                for (int i = 0; i < a.elements().length; i++) {
                    Array.set(out, i, decode(a.elements()[i]));
                }
                return out;
            }
            return v;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot rebuild a result sent by a Spark task: " + e, e);
        }
    }

    private static Class<?> load(String name) throws ClassNotFoundException {
        return Class.forName(name, false, RecordCodec.class.getClassLoader());
    }
}
