#!/usr/bin/env bash
# bnlab (JDK 25, JDK 17) and PyTorch in alternating rounds of fresh processes, for a host whose speed changes
# from minute to minute (a shared KVM guest: the same case in fresh JVMs minutes apart took 0.21 and 0.41 ms).
# One run of compare.sh times each library once, minutes apart, so its ratios can be off by 1.5x either way;
# here every round runs all three back to back, and the table gives each one's best (the least disturbed)
# and median round, and the ratios of the bests. PyTorch runs with the OpenBLAS core type that
# bench/openblas_core.py chose, as in compare.sh.
# Usage: bench/rounds.sh [--filter gemm] [--rounds 5] [--threads 1] [--seconds 0.5]
# (--filter: passed to both: bnlab bench runs the cases whose names contain it, torch_bench.py the groups
# bn, gemm, mlp.step, cnn.step whose name contains it or that it names, e.g. gemm, step, bn.forward)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
filter=gemm; rounds=5; threads=1; seconds=0.5
while (( $# )); do
  case "$1" in
    --filter) filter="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    *) echo "usage: bench/rounds.sh [--filter GROUP] [--rounds N] [--threads N] [--seconds S]" >&2; exit 2 ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "rounds: --rounds must be a positive integer, got '$rounds'" >&2; exit 2; }
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "rounds: needs python3-torch (bench/compare.sh installs it)" >&2; exit 1; }
out="bench/results/$(date -u +%Y-%m-%dT%H%M)-rounds-$filter-t$threads"; mkdir -p "$out"
mvn -q -B -DskipTests install
source bench/lib.sh
peer_env "$out/openblas_core.txt"
bnlab_jvms
for r in $(seq 1 "$rounds"); do
  echo "rounds: round $r of $rounds" >&2
  for jvm in "${jvms[@]}"; do
    tag=$(jvm_tag "$jvm")
    "$jvm" --add-modules jdk.incubator.vector -XX:+UseParallelGC -XX:+UseTransparentHugePages -jar bnlab-cli/target/bnlab.jar \
      bench --json --threads "$threads" --seconds "$seconds" --filter "$filter" 2>/dev/null > "$out/bnlab-$tag-$r.json"
  done
  "${peer_env[@]}" OMP_NUM_THREADS="$threads" \
    /usr/bin/python3 bench/torch_bench.py --json --threads "$threads" --seconds "$seconds" --filter "$filter" > "$out/torch-$r.json"
done
/usr/bin/python3 - "$out" "$rounds" "${core:-<unset>}" <<'PY' | tee "$out/rounds.md"
import json, os, statistics, sys
d, rounds, core = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs = {}
for tag in ("bnlab-jdk25", "bnlab-jdk17", "torch"):
    for r in range(1, rounds + 1):
        p = os.path.join(d, "%s-%d.json" % (tag, r))
        if os.path.exists(p):
            for k, v in json.load(open(p)).items():
                if isinstance(v, float) and "[" in k:
                    runs.setdefault(k, {}).setdefault(tag, []).append(v)
print("%d alternating rounds, PyTorch with OPENBLAS_CORETYPE=%s; ms as best / median of the rounds\n" % (rounds, core))
print("| case | bnlab JDK 25 | bnlab JDK 17 | PyTorch | PyTorch/bnlab JDK 25 (best) | PyTorch/bnlab JDK 17 (best) |")
print("|---|---|---|---|---|---|")
fmt = lambda xs: "%.4g / %.4g" % (min(xs), statistics.median(xs)) if xs else "-"
for case, t in runs.items():
    b25, b17, pt = t.get("bnlab-jdk25", []), t.get("bnlab-jdk17", []), t.get("torch", [])
    ratio = lambda b: "%.2fx" % (min(pt) / min(b)) if b and pt else "-"
    print("| %s | %s | %s | %s | %s | %s |" % (case, fmt(b25), fmt(b17), fmt(pt), ratio(b25), ratio(b17)))
PY
