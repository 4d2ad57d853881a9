#!/usr/bin/env bash
# The Fashion-MNIST CNN epoch, bnlab against PyTorch in the same run: the CNN preset for one epoch on
# N threads (default 2), each timed as a whole command (start, data, one epoch, test evaluation).
# Needs Debian's dataset-fashion-mnist and python3-torch. PyTorch runs with the OpenBLAS core type that
# bench/openblas_core.py chooses (the fastest that computes correct products here), as in compare.sh. Usage: bench/epoch.sh [--threads N]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
threads=2
while (( $# )); do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    *) echo "usage: bench/epoch.sh [--threads N]" >&2; exit 2 ;;
  esac
done
if [[ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]]; then
  echo "epoch: Fashion-MNIST not found in /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)" >&2; exit 1
fi
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "epoch: PyTorch not found for /usr/bin/python3 (apt-get install python3-torch)" >&2; exit 1
fi
out="bench/results/$(date -u +%Y-%m-%dT%H%M)-epoch-t$threads"; mkdir -p "$out"
mvn -q -B -DskipTests install
for jvm in /usr/lib/jvm/temurin-25-jdk-amd64/bin/java java; do
  [[ -x "$jvm" || "$jvm" == java ]] || continue
  tag=$([[ "$jvm" == java ]] && echo jdk17 || echo jdk25)
  start=$(date +%s.%N)
  BNLAB_JAVA="$jvm" ./bnlab train --dataset fashion-mnist --model cnn --bn --optimizer sgd --momentum 0.9 --lr 0.05 \
    --batch 128 --epochs 1 --threads "$threads" --out "$out/run-$tag" > "$out/bnlab-$tag.txt" 2>&1
  end=$(date +%s.%N)
  rm -rf "$out/run-$tag" # the checkpoint and logs of the run: not needed for the timing
  echo "bnlab $tag: $(python3 -c "print('%.1f s' % ($end - $start))") for the command; $(grep -E '^done' "$out/bnlab-$tag.txt")" \
    | tee -a "$out/summary.txt"
done
core=$(/usr/bin/python3 bench/openblas_core.py 2>>"$out/summary.txt") # the peer at its best: see compare.sh
start=$(date +%s.%N)
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ${core:+OPENBLAS_CORETYPE=$core} OMP_NUM_THREADS="$threads" /usr/bin/python3 bench/torch_epoch.py --threads "$threads" \
  > "$out/torch.json"
end=$(date +%s.%N)
echo "PyTorch: $(python3 -c "print('%.1f s' % ($end - $start))") for the command; $(cat "$out/torch.json")" | tee -a "$out/summary.txt"
