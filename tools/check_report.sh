#!/usr/bin/env bash
# Renders a report.html with headless Chromium and checks that the screenshot shows something.
#   tools/check_report.sh REPORT_HTML OUT_PNG
# Exit 0 when the screenshot is a non-trivial picture, or when Chromium is not installed (skipped);
# exit 1 when Chromium fails or the picture is missing, tiny or blank.
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: $0 REPORT_HTML OUT_PNG" >&2
  exit 2
fi
html="$1"
png="$2"
[[ -f "$html" ]] || { echo "check_report: no such file: $html" >&2; exit 1; }

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  echo "check_report: skipped: chromium not installed (apt-get install chromium)"
  exit 0
fi

abs_html="$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
mkdir -p "$(dirname "$png")"
rm -f "$png"
profile="$(mktemp -d)"
log="$(mktemp)"
trap 'rm -rf "$profile" "$log"' EXIT

if ! timeout 180 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$profile" --window-size=1280,4000 --screenshot="$png" "file://$abs_html" >"$log" 2>&1; then
  echo "check_report: chromium failed:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
if [[ ! -s "$png" ]]; then
  echo "check_report: chromium wrote no screenshot:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
size=$(stat -c %s "$png")
if (( size < 20000 )); then
  echo "check_report: screenshot is only $size bytes: the page is probably empty" >&2
  exit 1
fi

java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if command -v "$java_bin" >/dev/null 2>&1; then
  # Count the pixels unlike the top-left (background) one, on a 4-pixel grid.
  cat >"$profile/Ink.java" <<'JAVA'
import java.awt.image.BufferedImage;
import java.io.File;
import javax.imageio.ImageIO;

public class Ink {
    public static void main(String[] args) throws Exception {
        BufferedImage img = ImageIO.read(new File(args[0]));
        if (img == null) {
            System.err.println("check_report: not a readable image");
            System.exit(1);
        }
        int bg = img.getRGB(0, 0);
        long ink = 0;
        long sampled = 0;
        for (int y = 0; y < img.getHeight(); y += 4) {
            for (int x = 0; x < img.getWidth(); x += 4) {
                sampled++;
                if (img.getRGB(x, y) != bg) {
                    ink++;
                }
            }
        }
        double frac = (double) ink / sampled;
        System.out.printf("check_report: %dx%d screenshot, %.1f%% of sampled pixels differ from the background%n",
                img.getWidth(), img.getHeight(), 100 * frac);
        if (frac < 0.01) {
            System.err.println("check_report: the screenshot is blank");
            System.exit(1);
        }
    }
}
JAVA
  "$java_bin" -Djava.awt.headless=true "$profile/Ink.java" "$png"
fi
echo "check_report: ok: $png ($size bytes)"
