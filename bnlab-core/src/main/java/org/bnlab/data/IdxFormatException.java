package org.bnlab.data;

import java.io.IOException;

/**
 * A file that is not a well-formed IDX file of the expected kind. The message always starts with the
 * file's name and says what is wrong (bad magic number, wrong dimension count, truncated data,
 * trailing bytes, labels out of range, image and label counts that disagree).
 *
 * <p>An {@link IOException}, like {@link java.util.zip.ZipException}: a malformed file is a failure
 * of the input, not of the caller's arguments.
 */
public final class IdxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public IdxFormatException(String message) {
        super(message);
    }

    public IdxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
