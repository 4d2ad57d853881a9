package org.bnlab.spark;

import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * Exact text encoding of a double[] for Spark's barrier all-gather, which carries strings only.
 *
 * <p>Base64 of the raw IEEE bits, big-endian, after a one-byte tag: 'F' when every value survives the
 * round trip through float bit for bit (gradients and BatchNorm sums of float data mostly are), four
 * bytes each, else 'D', eight bytes each (raw long bits, so NaN payloads and -0.0 survive). Decoding
 * gives back the very same doubles either way; the float form halves what crosses the driver.
 */
final class DoubleCodec {
    private DoubleCodec() {}

    static String encode(double[] v) {
        boolean floats = true;
        for (double x : v) {
            if (Double.doubleToRawLongBits((float) x) != Double.doubleToRawLongBits(x)) {
                floats = false;
                break;
            }
        }
        ByteBuffer b = ByteBuffer.allocate(1 + v.length * (floats ? Float.BYTES : Double.BYTES));
        b.put((byte) (floats ? 'F' : 'D'));
        for (double x : v) {
            if (floats) {
                b.putFloat((float) x);
            } else {
                b.putLong(Double.doubleToRawLongBits(x));
            }
        }
        return Base64.getEncoder().encodeToString(b.array());
    }

    /**
     * Decodes {@code s} into {@code out[offset .. offset + length)}; {@code who} names the sender in the
     * error when the message does not hold exactly {@code length} values.
     */
    static void decode(String s, double[] out, int offset, int length, String who) {
        byte[] bytes = Base64.getDecoder().decode(s);
        if (bytes.length == 0 || (bytes[0] != 'F' && bytes[0] != 'D')) {
            throw new IllegalArgumentException(who + " sent a message that is not an encoded double[]");
        }
        boolean floats = bytes[0] == 'F';
        int width = floats ? Float.BYTES : Double.BYTES;
        int n = (bytes.length - 1) / width;
        if (n != length || (bytes.length - 1) % width != 0) {
            throw new IllegalArgumentException(who + " contributed " + n + " values, this replica " + length
                    + " (every replica must make the same collective calls)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        for (int i = 0; i < n; i++) {
            out[offset + i] = floats ? b.getFloat() : Double.longBitsToDouble(b.getLong());
        }
    }
}
