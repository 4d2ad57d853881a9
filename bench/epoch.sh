#!/usr/bin/env bash
# The Fashion-MNIST CNN epoch, bnlab against PyTorch in the same run: the CNN preset for one epoch on
# N threads (default 2), each timed as a whole command (start, data, one epoch, test evaluation).
# With --rounds R, bnlab on JDK 25, JDK 17 and PyTorch run back to back R times (a shared host's speed
# drifts by 25% within minutes: compare the runs of one round, or the best of each).
# Needs Debian's dataset-fashion-mnist and python3-torch. PyTorch runs with the OpenBLAS core type that
# bench/openblas_core.py chooses (the fastest that computes correct products here), as in compare.sh.
# Usage: bench/epoch.sh [--threads N] [--rounds R]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
threads=2; rounds=1
while (( $# )); do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "usage: bench/epoch.sh [--threads N] [--rounds R]" >&2; exit 2 ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "epoch: --rounds must be a positive integer, got '$rounds'" >&2; exit 2; }
if [[ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]]; then
  echo "epoch: Fashion-MNIST not found in /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)" >&2; exit 1
fi
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "epoch: PyTorch not found for /usr/bin/python3 (apt-get install python3-torch)" >&2; exit 1
fi
out="bench/results/$(date -u +%Y-%m-%dT%H%M)-epoch-t$threads"; mkdir -p "$out"
mvn -q -B -DskipTests install
source bench/lib.sh
bnlab_jvms
peer_env "$out/openblas_core.txt" # the peer at its best: see compare.sh
for r in $(seq 1 "$rounds"); do
  sfx=$([[ $rounds == 1 ]] && echo "" || echo "-$r")
  for jvm in "${jvms[@]}"; do
    tag=$(jvm_tag "$jvm")
    start=$(date +%s.%N)
    BNLAB_JAVA="$jvm" ./bnlab train --dataset fashion-mnist --model cnn --bn --optimizer sgd --momentum 0.9 --lr 0.05 \
      --batch 128 --epochs 1 --threads "$threads" --out "$out/run-$tag$sfx" > "$out/bnlab-$tag$sfx.txt" 2>&1
    end=$(date +%s.%N)
    rm -rf "$out/run-$tag$sfx" # the checkpoint and logs of the run: not needed for the timing
    echo "round $r bnlab $tag: $(python3 -c "print('%.1f s' % ($end - $start))") for the command; $(grep -E '^done' "$out/bnlab-$tag$sfx.txt")" \
      | tee -a "$out/summary.txt"
  done
  start=$(date +%s.%N)
  "${peer_env[@]}" OMP_NUM_THREADS="$threads" /usr/bin/python3 bench/torch_epoch.py --threads "$threads" \
    > "$out/torch$sfx.json"
  end=$(date +%s.%N)
  echo "round $r PyTorch (OPENBLAS_CORETYPE=${core:-<unset>}): $(python3 -c "print('%.1f s' % ($end - $start))") for the command; $(cat "$out/torch$sfx.json")" | tee -a "$out/summary.txt"
done
