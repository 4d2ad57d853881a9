package org.bnlab.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What /proc/cpuinfo says about the CPU (Linux); elsewhere what the JVM knows. */
public final class CpuInfo {
    private CpuInfo() {}

    /** The CPU's model name, or os.arch where /proc/cpuinfo is unavailable. */
    public static String modelName() {
        String v = field("model name");
        return v != null ? v : System.getProperty("os.arch");
    }

    /** The vendor string (e.g. GenuineIntel, AuthenticAMD), or "" where /proc/cpuinfo is unavailable. */
    public static String vendor() {
        String v = field("vendor_id");
        return v != null ? v : "";
    }

    /** The first "name : value" line's value for this name, or null. */
    private static String field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: the caller's default
        }
        return null;
    }
}
