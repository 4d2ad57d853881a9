package org.bnlab.tensor;

import java.util.Arrays;

/**
 * Checked size arithmetic: the one place where element counts and byte sizes are computed.
 *
 * <p>Sizes come from users ({@code --hidden 3000000}) and from files (a safetensors header, an IDX
 * header, a checkpoint's metadata). An {@code int} product of them silently wraps: 65536^4 is 0 and
 * 5478275^2 is 304, so a 304-float "weight" is built and fails much later inside a GEMM. Here every
 * product is exact ({@link Math#multiplyExact}), a negative dimension is an error, and callers decide
 * with {@link #arrayLength} and {@link #checkHeap} whether the result can be allocated at all, before
 * allocating anything.
 */
public final class Shapes {

    /** The largest array length every JVM accepts (HotSpot reserves a few header words). */
    public static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    /** Elements still allowed for parameters built on this thread, and where the limit comes from. */
    private static final class Budget {
        final String source;
        long left;

        Budget(String source, long left) {
            this.source = source;
            this.left = left;
        }
    }

    private static final ThreadLocal<Budget> BUDGET = new ThreadLocal<>();

    private Shapes() {
    }

    /**
     * The exact product of {@code dims}; an IllegalArgumentException starting with {@code what} for a
     * negative dimension or a product beyond {@code Long.MAX_VALUE}. A zero dimension gives 0 however
     * large the others are (a [0, 65536, 65536, 65536] tensor is empty, not an overflow).
     */
    public static long numel(String what, long... dims) {
        if (dims == null) {
            throw new IllegalArgumentException(what + ": shape is null");
        }
        long n = 1;
        boolean overflow = false;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException(what + ": negative dimension in shape " + Arrays.toString(dims));
            }
            if (d == 0) {
                return 0;
            }
            if (!overflow) {
                try {
                    n = Math.multiplyExact(n, d);
                } catch (ArithmeticException e) {
                    overflow = true; // keep scanning: a later 0 makes the shape empty
                }
            }
        }
        if (overflow) {
            throw new IllegalArgumentException(what + ": shape " + Arrays.toString(dims)
                    + " has more than 2^63 elements");
        }
        return n;
    }

    /** {@link #numel(String, long...)} of an int shape, without copying it (tensor constructors run it per call). */
    public static long numel(String what, int[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException(what + ": shape is null");
        }
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(what + ": negative dimension in shape " + Arrays.toString(shape));
            }
            if (d == 0) {
                return 0;
            }
            if (n <= MAX_ARRAY) {
                n *= d; // < 2^31 * 2^31 = 2^62: no overflow while n is still an array length
            }
        }
        if (n > MAX_ARRAY) {
            // beyond the array limit the exact count only matters for the message
            return numel(what, Arrays.stream(shape).asLongStream().toArray());
        }
        return n;
    }

    /**
     * The element count of {@code dims} as an array length: an IllegalArgumentException starting with
     * {@code what} when it is negative, overflows, or exceeds {@link #MAX_ARRAY}.
     */
    public static int arrayLength(String what, long... dims) {
        long n = numel(what, dims);
        if (n > MAX_ARRAY) {
            throw new IllegalArgumentException(what + ": shape " + Arrays.toString(dims) + " has " + n
                    + " elements, more than the " + MAX_ARRAY + " a Java array can hold");
        }
        return (int) n;
    }

    /**
     * Checks that {@code bytes} more could be allocated by this JVM at all (against {@code -Xmx}, not
     * against what is free now): an IllegalArgumentException starting with {@code what} otherwise. A
     * size that passes may still fail later when the heap is full; one that fails can never succeed.
     */
    public static void checkHeap(String what, long bytes) {
        long max = Runtime.getRuntime().maxMemory();
        if (bytes < 0 || bytes > max) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "%s: needs %.1f GB, more than this JVM's %.1f GB heap (-Xmx)", what, bytes / 1e9, max / 1e9));
        }
    }

    /**
     * The length of a float parameter of shape {@code dims} owned by layer {@code what}, checked for
     * overflow and the array limit, with {@code copies} arrays of it (weight, gradient, ...) checked
     * against the heap. Layer constructors call it before allocating.
     */
    public static int parameterLength(String what, int copies, long... dims) {
        int n = arrayLength(what + " weight", dims);
        Budget b = BUDGET.get();
        if (b != null) {
            if (n > b.left) {
                throw new IllegalArgumentException(what + " weight " + Arrays.toString(dims) + " has " + n
                        + " elements, more than the " + b.left + " left of the " + b.source);
            }
            b.left -= n;
        }
        checkHeap(what + " weight " + Arrays.toString(dims) + " x" + copies, Math.multiplyExact((long) n, 4L * copies));
        return n;
    }

    /**
     * Runs {@code build} with at most {@code elements} weight elements allowed for the layers it
     * creates on this thread ({@link #parameterLength}). A model rebuilt from a file's metadata can
     * need no more weights than the file holds tensor elements: with that budget a few bytes of
     * metadata saying {@code hidden [300000]} cannot make the JVM allocate gigabytes before the
     * tensors are compared. {@code source} names the limit in the message, e.g. "4 MB file x".
     */
    public static <T> T withParameterBudget(long elements, String source, java.util.function.Supplier<T> build) {
        Budget outer = BUDGET.get();
        BUDGET.set(new Budget(source, elements));
        try {
            return build.get();
        } finally {
            if (outer == null) {
                BUDGET.remove();
            } else {
                BUDGET.set(outer);
            }
        }
    }
}
