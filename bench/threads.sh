#!/usr/bin/env bash
# Default threads against 1 and 2 in real training runs: `./bnlab train --bn` (paper MLP on mnist-sample)
# in fresh JVMs, alternating the thread setting (default = all cores with the trainer's thread tuning,
# --threads 1, and "2" = --threads 2 --no-thread-tuning, a fixed 2) and the JDK (17 and 25), quiet and
# with a busy loop on one core. Reports min / median / max steps/s per setting and how many steps the
# default setting ran on 1 thread.
# Raw output goes to bench/results/threads-<date>/.
# Usage: bench/threads.sh [--runs N] [--steps S] [--batch B] [--quiet-only]
#   defaults: 4 runs, 3000 steps, batch 60 (the issue's warm-up case); --steps 8000 --batch 256 shows
#   the steady state, where 2 threads are faster on this project's 2-core machines most of the time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
runs=4; steps=3000; batch=60; loads="quiet loaded"
while (( $# )); do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --quiet-only) loads="quiet"; shift ;;
    *) echo "usage: bench/threads.sh [--runs N] [--steps S] [--batch B] [--quiet-only]" >&2; exit 2 ;;
  esac
done
jdk17="${JDK17:-$(command -v java)}"
jdk25="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
out="bench/results/threads-$(date -u +%Y-%m-%dT%H%M)"; mkdir -p "$out"
mvn -q -B -Dmaven.test.skip=true package -pl bnlab-cli -am

trap stop_busy EXIT
for load in $loads; do
  if [[ "$load" == loaded ]]; then
    start_busy
  fi
  for i in $(seq "$runs"); do
    for jvm in "$jdk17" "$jdk25"; do
      tag="jdk$("$jvm" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')"
      for setting in default 1 2; do
        case "$setting" in
          default) args=() ;;
          1) args=(--threads 1) ;;
          *) args=(--threads "$setting" --no-thread-tuning) ;;
        esac
        echo "threads: $load $tag $setting run $i/$runs" >&2
        BNLAB_JAVA="$jvm" ./bnlab train --bn --steps "$steps" --batch "$batch" "${args[@]}" --out "$out/run" \
          > "$out/$load-$tag-$setting-$i.txt" 2>&1 || echo "threads: run failed ($out/$load-$tag-$setting-$i.txt)" >&2
        rm -rf "$out/run"
      done
    done
  done
  stop_busy
done

python3 - "$out" "$steps" "$batch" <<'EOF' | tee "$out/threads.md"
import glob, os, re, statistics, sys
out, steps, batch = sys.argv[1:]
groups = {}
for f in glob.glob(os.path.join(out, "*.txt")):
    load, tag, setting, _ = os.path.basename(f)[:-4].split("-")
    m = re.search(r"done: .*?, ([0-9]+) steps/s( \(([0-9]+)% of steps on 1 thread)?", open(f).read())
    if m:
        groups.setdefault((load, tag, setting), []).append((int(m.group(1)), int(m.group(3) or 0)))
print(f"`./bnlab train --bn --steps {steps} --batch {batch}`, steps/s over fresh JVMs (default = all cores with the thread tuning; 2 = a fixed 2, --no-thread-tuning)\n")
print("| load | JDK | threads | runs | min | median | max | default's steps on 1 thread |")
print("|---|---|---|---|---|---|---|---|")
for (load, tag, setting), v in sorted(groups.items()):
    r = sorted(x for x, _ in v)
    one = ", ".join(f"{p}%" for _, p in v) if setting == "default" else ""
    print(f"| {load} | {tag[3:]} | {setting} | {len(r)} | {r[0]} | {statistics.median(r):.0f} | {r[-1]} | {one} |")
EOF
echo "threads: raw output in $out" >&2
