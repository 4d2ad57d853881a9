package org.bnlab.lab.report;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Post-processing of XChart's SVG (VectorGraphics2D): stable ids, shorter numbers, and a form that
 * can be inlined into HTML.
 */
final class Svg {
    private static final Pattern ID = Pattern.compile("id=\"([^\"]+)\"");
    /** Coordinates to 1/100 of a pixel: halves the size (glyphs are drawn as paths), invisible. */
    private static final Pattern LONG_DECIMAL = Pattern.compile("(\\d\\.\\d{2})\\d+");
    private static final Pattern ROOT_SIZE = Pattern.compile("\\s(width|height)=\"[^\"]*\"");

    private Svg() {}

    /**
     * The SVG document with every id renamed to {@code prefix-N} in order of appearance (VectorGraphics2D
     * names clip paths after an object's hash, which changes between runs and would collide between
     * charts inlined into one page), numbers shortened, and no DOCTYPE (it names an external DTD).
     */
    static String clean(String svg, String prefix) {
        String s = svg.replaceFirst("<!DOCTYPE[^>]*>\\s*", "");
        Map<String, String> ids = new LinkedHashMap<>();
        Matcher m = ID.matcher(s);
        while (m.find()) {
            ids.putIfAbsent(m.group(1), prefix + "-" + (ids.size() + 1));
        }
        for (Map.Entry<String, String> e : ids.entrySet()) {
            String from = Pattern.quote(e.getKey());
            String to = Matcher.quoteReplacement(e.getValue());
            s = s.replaceAll("id=\"" + from + "\"", "id=\"" + to + "\"")
                    .replaceAll("url\\(#" + from + "\\)", "url(#" + to + ")")
                    .replaceAll("href=\"#" + from + "\"", "href=\"#" + to + "\"");
        }
        return LONG_DECIMAL.matcher(s).replaceAll("$1");
    }

    /**
     * A cleaned SVG as an element for an HTML page: no XML declaration, the root's fixed width and
     * height dropped (the viewBox keeps the aspect ratio, CSS sets the width), and an accessible name.
     */
    static String inline(String cleanedSvg, String label) {
        int start = cleanedSvg.indexOf("<svg");
        if (start < 0) {
            throw new IllegalArgumentException("not an SVG document");
        }
        String s = cleanedSvg.substring(start);
        int rootEnd = s.indexOf('>');
        String root = ROOT_SIZE.matcher(s.substring(0, rootEnd)).replaceAll("");
        return root + " role=\"img\" aria-label=\"" + Html.escape(label) + "\"" + s.substring(rootEnd);
    }
}
