#!/usr/bin/env bash
# Performance cliffs across fresh JVMs: `bnlab bench --json` in N new JVMs per JDK (17 and 25), per
# thread count (1 and 2), on a quiet machine and with a busy loop on one core; per case min / median
# / max of the median times, max/median (a cliff shows as a large ratio), and the bytes the calling
# thread allocated: per operation in steady state (bench's bytes_per_op, the fewest of the timed window's
# eighths: boxed vectors show here) and in the whole window (bytes_in_window: the JVM's one-time work on
# the thread too, e.g. the string constants C2 resolves when it compiles a method of a new class). The
# two normalized max/median columns divide each JVM's time by bench's reference loop times for the case
# (run between its operations: FMAs in registers, passes over an L2-sized array): a slowdown of the host
# in what a loop measures shows in the plain ratio and not in that loop's column.
# Raw JSON goes to bench/results/cliffs-<date>/.
# Usage: bench/cliffs.sh [--short] [--jvms N] [--threads "1 2"] [-- bench arguments, e.g. --filter step --seconds 0.5]
#   --short: N = 3 (default N = 20). --threads: the thread counts to run (default "1 2").
#   JDKs: $JDK17 (default java on PATH) and $JDK25. With 2 threads the training steps are tuned (1 thread
#   while that measures faster), as in `bnlab train`; `-- --no-thread-tuning` times a fixed thread count.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
jvms=20
thread_counts="1 2"
bench_args=()
while (( $# )); do
  case "$1" in
    --short) jvms=3; shift ;;
    --jvms) jvms="$2"; shift 2 ;;
    --threads) thread_counts="$2"; shift 2 ;;
    --) shift; bench_args=("$@"); break ;;
    *) echo "usage: bench/cliffs.sh [--short] [--jvms N] [--threads \"1 2\"] [-- bench arguments]" >&2; exit 2 ;;
  esac
done
[[ "$jvms" =~ ^[1-9][0-9]*$ ]] || { echo "cliffs: --jvms must be a positive integer, got '$jvms'" >&2; exit 2; }
for t in $thread_counts; do
  [[ "$t" =~ ^[1-9][0-9]*$ ]] || { echo "cliffs: --threads takes positive integers (e.g. \"1 2\"), got '$t'" >&2; exit 2; }
done
jdk17="${JDK17:-$(command -v java)}"
jdk25="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
out="bench/results/cliffs-$(date -u +%Y-%m-%dT%H%M)"; mkdir -p "$out"
mvn -q -B -Dmaven.test.skip=true package

trap stop_busy EXIT

for load in quiet busy; do
  [[ $load == busy ]] && start_busy
  for tag in jdk17 jdk25; do
    jvm=$([[ $tag == jdk17 ]] && echo "$jdk17" || echo "$jdk25")
    [[ -x "$jvm" ]] || { echo "cliffs: no $tag at $jvm, skipped" >&2; continue; }
    for threads in $thread_counts; do
      for ((i = 1; i <= jvms; i++)); do
        echo "cliffs: $load $tag threads=$threads JVM $i/$jvms" >&2
        BNLAB_JAVA="$jvm" ./bnlab bench --json --threads "$threads" "${bench_args[@]}" 2>/dev/null \
          > "$out/$load-$tag-t$threads-$i.json" || echo "cliffs: run failed ($out/$load-$tag-t$threads-$i.json)" >&2
      done
    done
  done
  stop_busy
done

python3 - "$out" <<'PY' | tee "$out/cliffs.md"
import glob, json, os, statistics, sys
d = sys.argv[1]
groups = {}
for f in sorted(glob.glob(os.path.join(d, "*.json"))):
    load, tag, threads, _ = os.path.basename(f)[:-5].split("-")
    try:
        r = json.load(open(f))
    except ValueError:
        continue
    g = groups.setdefault((load, tag, threads), {})
    for case, ms in r.items():
        if "[" in case:
            g.setdefault(case, []).append((ms, r.get("bytes_per_op", {}).get(case), r.get("bytes_in_window", {}).get(case),
                                           r.get("reference_fma_ms", {}).get(case), r.get("reference_cache_ms", {}).get(case)))
print("JVMs per row: up to %s; times are each JVM's median ms; steady bytes = the calling thread's allocation per op"
      " (the fewest of the window's eighths); one-time = JVMs whose window allocated anything, and the most bytes" % max(
    (len(v) for g in groups.values() for v in g.values()), default=0))
print()
print("| load | JDK | threads | case | min ms | median ms | max ms | max/median | normalized by FMA loop | by cache loop | JVMs allocating (steady) | max steady bytes/op | JVMs with one-time bytes | max bytes in window |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for (load, tag, threads), g in sorted(groups.items()):
    for case, runs in g.items():
        ms = [r[0] for r in runs]
        med = statistics.median(ms)
        alloc = [r[1] for r in runs if r[1]]
        once = [r[2] for r in runs if r[2]]
        def normalized(k):
            norm = [r[0] / r[k] for r in runs if r[k]]
            return "%.2f" % (max(norm) / statistics.median(norm)) if norm else "-"
        print("| %s | %s | %s | %s | %.4g | %.4g | %.4g | %.2f | %s | %s | %d of %d | %s | %d of %d | %s |" % (
            load, tag[3:], threads[1:], case, min(ms), med, max(ms), max(ms) / med if med else float("nan"),
            normalized(3), normalized(4),
            len(alloc), len(runs), max(alloc) if alloc else 0, len(once), len(runs), max(once) if once else 0))
PY
