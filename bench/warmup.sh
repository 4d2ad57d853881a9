#!/usr/bin/env bash
# JIT warm-up in a real training run: `./bnlab train --bn --steps 3000 --threads 1` (paper MLP, batch 60,
# evaluations every 1,000 steps) against the steady `mlp.step[batch=60]` of `bnlab bench`, in fresh JVMs,
# alternating per round and JDK (17 and 25):
#   jvm-defaults  the JVM's own JIT settings (BNLAB_JIT=default) and --no-warmup: the launcher before
#   jit           the launcher's JIT settings, --no-warmup
#   jit+warmup    the launcher as it is: JIT settings and the kernel warm-up while the data loads
# Reports steps/s (the CLI's figure: first step to last, evaluations included) as min / median / max and as
# a fraction of the steady step's median, and the whole command's wall time (JVM start and data included).
# Raw output goes to bench/results/warmup-<date>/.
# Usage: bench/warmup.sh [--rounds N] [--steps S] [--threads T] [--loaded]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
rounds=4; steps=3000; threads=1; loaded=""
while (( $# )); do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --loaded) loaded=1; shift ;;
    *) echo "usage: bench/warmup.sh [--rounds N] [--steps S] [--threads T] [--loaded]" >&2; exit 2 ;;
  esac
done
jdk17="${JDK17:-$(command -v java)}"
jdk25="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
out="bench/results/warmup-$(date -u +%Y-%m-%dT%H%M)"; mkdir -p "$out"
mvn -q -B -Dmaven.test.skip=true package -pl bnlab-cli -am

trap stop_busy EXIT
[[ -n "$loaded" ]] && start_busy
for i in $(seq "$rounds"); do
  for jvm in "$jdk17" "$jdk25"; do
    tag="jdk$("$jvm" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')"
    for setting in jvm-defaults jit jit+warmup; do
      case "$setting" in
        jvm-defaults) jit=default; args=(--no-warmup) ;;
        jit) jit=; args=(--no-warmup) ;;
        *) jit=; args=() ;;
      esac
      echo "warmup: $tag $setting round $i/$rounds" >&2
      start=$(date +%s%N)
      BNLAB_JIT="$jit" BNLAB_JAVA="$jvm" ./bnlab train --bn --steps "$steps" --threads "$threads" "${args[@]}" \
        --out "$out/run" > "$out/$tag-$setting-$i.txt" 2>&1 || echo "warmup: run failed ($out/$tag-$setting-$i.txt)" >&2
      echo "wall_ms $(( ($(date +%s%N) - start) / 1000000 ))" >> "$out/$tag-$setting-$i.txt"
      rm -rf "$out/run"
    done
    BNLAB_JAVA="$jvm" ./bnlab bench --threads "$threads" --filter 'mlp.step[batch=60]' > "$out/$tag-steady-$i.txt" 2>&1 \
      || echo "warmup: bench failed ($out/$tag-steady-$i.txt)" >&2
  done
done
stop_busy

python3 - "$out" "$steps" "$threads" "${loaded:+loaded}" <<'PY' | tee "$out/warmup.md"
import glob, os, re, statistics, sys
out, steps, threads, load = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] or "quiet"
runs, steady = {}, {}
for f in glob.glob(os.path.join(out, "*.txt")):
    text = open(f).read()
    if "-steady-" in f:
        m = re.search(r"mlp\.step\[batch=60\]\s+([0-9.]+)\s+([0-9]+) steps/s", text)
        if m:
            steady.setdefault(os.path.basename(f).split("-")[0], []).append(int(m.group(2)))
        continue
    tag, rest = os.path.basename(f)[:-4].split("-", 1)
    setting = rest.rsplit("-", 1)[0]
    m, w = re.search(r"done: .*?, ([0-9]+) steps/s", text), re.search(r"wall_ms ([0-9]+)", text)
    if m and w:
        runs.setdefault((tag, setting), []).append((int(m.group(1)), int(w.group(1))))
print(f"`./bnlab train --bn --steps {steps} --threads {threads}`, {load}, fresh JVMs in alternating rounds; "
      f"steady = `bench --threads {threads} --filter 'mlp.step[batch=60]'` in the same rounds\n")
print("| JDK | setting | runs | steps/s min | median | max | median / steady | wall s median |")
print("|---|---|---|---|---|---|---|---|")
for (tag, setting), v in sorted(runs.items()):
    r = sorted(x for x, _ in v); wall = statistics.median(x for _, x in v) / 1000
    st = statistics.median(steady.get(tag, [0])) or float("nan")
    print(f"| {tag[3:]} | {setting} | {len(r)} | {r[0]} | {statistics.median(r):.0f} | {r[-1]} | {statistics.median(r) / st:.0%} | {wall:.2f} |")
for tag, v in sorted(steady.items()):
    print(f"\nsteady mlp.step[batch=60], {tag[3:]}: {min(v)}-{max(v)} steps/s (median {statistics.median(v):.0f})")
PY
echo "warmup: raw output in $out" >&2
