#!/usr/bin/env bash
# One run, one machine: bnlab (JDK 25 and JDK 17), PyTorch 1.13 (Debian, OpenBLAS), DL4J and
# ONNX Runtime (bench/peers, when present), and a memory-bandwidth probe for the roofline.
# Prints a markdown table of times and ratios; raw JSON goes to bench/results/<date>/.
# Usage: bench/compare.sh [--threads N] [--seconds S]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
threads=1; seconds=1.0
while (( $# )); do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    *) echo "usage: bench/compare.sh [--threads N] [--seconds S]" >&2; exit 2 ;;
  esac
done
out="bench/results/$(date -u +%Y-%m-%dT%H%M)-t$threads"; mkdir -p "$out"

# PyTorch from Debian, with OpenBLAS so it is measured at its best (installed here if missing)
if ! /usr/bin/python3 -c "import torch" 2>/dev/null || ! dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread >/dev/null
  else
    echo "compare: need python3-torch and libopenblas0-pthread (apt-get install as root)" >&2; exit 1
  fi
fi
mvn -q -B -DskipTests install
gcc -O3 -march=native -ffast-math -fopenmp bench/bandwidth.c -o "$out/bandwidth"

echo "compare: bandwidth probe" >&2
"$out/bandwidth" "$threads" > "$out/bandwidth.json"
source bench/lib.sh
bnlab_jvms
for jvm in "${jvms[@]}"; do
  tag=$(jvm_tag "$jvm")
  echo "compare: bnlab on $tag" >&2
  "$jvm" --add-modules jdk.incubator.vector -XX:+UseTransparentHugePages -jar bnlab-cli/target/bnlab.jar bench --json --threads "$threads" --seconds "$seconds" \
    2>/dev/null > "$out/bnlab-$tag.json"
done
# The peers run with OPENBLAS_L2_SIZE removed from their environment and OPENBLAS_CORETYPE set to
# the fastest core type that computes correct products here (bench/openblas_core.py: the library's own
# detection, SkylakeX, Haswell, each timed on a 256^3 sgemm after a float64 check), only theirs: tests
# and CI keep the environment as it is. A forced Haswell core halved OpenBLAS on an AMD Zen 5; Debian's
# OpenBLAS 0.3.21 detects a recent Intel Xeon as the generic Prescott core (4-5x slower than SkylakeX).
echo "compare: choosing OpenBLAS's core type for the peers (were: OPENBLAS_CORETYPE='${OPENBLAS_CORETYPE:-}', OPENBLAS_L2_SIZE='${OPENBLAS_L2_SIZE:-}')" >&2
peer_env "$out/openblas_core.txt"
cat "$out/openblas_core.txt" >&2
echo "compare: peers run with OPENBLAS_CORETYPE=${core:-<unset>}" >&2
echo "compare: PyTorch" >&2
"${peer_env[@]}" OMP_NUM_THREADS="$threads" /usr/bin/python3 bench/torch_bench.py --json --threads "$threads" --seconds "$seconds" > "$out/torch.json"
echo "compare: PyTorch $(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sgemm_check"])' "$out/torch.json")" >&2
if [[ -x bench/peers/run.sh ]]; then
  echo "compare: DL4J and ONNX Runtime" >&2
  "${peer_env[@]}" bench/peers/run.sh --threads "$threads" > "$out/peers.txt" || echo "compare: peers failed (see $out/peers.txt)" >&2
fi
echo "compare: inference (bnlab InferenceModel vs ONNX Runtime)" >&2
bench/infer.sh --threads "$threads" --seconds "$seconds" > "$out/infer.txt" || echo "compare: inference bench failed (see $out/infer.txt)" >&2
/usr/bin/python3 bench/summarize.py "$out"
cat "$out/infer.txt"
echo
echo "Peers (PyTorch, DL4J, ONNX Runtime) ran with OPENBLAS_L2_SIZE unset and OPENBLAS_CORETYPE=${core:-<unset>} (bench/openblas_core.py, $out/openblas_core.txt); torch's sgemm matched float64 within the rounding bound."
