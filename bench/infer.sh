#!/usr/bin/env bash
# Inference: bnlab's InferenceModel (BN folded, allocation-free) against ONNX Runtime Java on the same
# model exported with BN folded, mlp.infer and cnn.infer at batch 1, 60 and 256, on JDK 25 and 17,
# with N threads for both (ORT intra-op threads = N). Prints one line per case; raw JSON with --json.
# Usage: bench/infer.sh [--threads N] [--seconds S] [--json]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
threads=1; seconds=2; json=()
while (( $# )); do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --json) json=(--json); shift ;;
    *) echo "usage: bench/infer.sh [--threads N] [--seconds S] [--json]" >&2; exit 2 ;;
  esac
done
mvn -q -B install -DskipTests
(cd bnlab-onnx && mvn -q -B dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test)
cp="bnlab-onnx/target/classes:bnlab-onnx/target/test-classes:$(cat bnlab-onnx/target/cp.txt)"
source bench/lib.sh
bnlab_jvms
for jvm in "${jvms[@]}"; do
  "$jvm" -Dbnlab.bench.threads="$threads" --add-modules jdk.incubator.vector -cp "$cp" \
    org.bnlab.onnx.InferenceBench "${json[@]}" "$seconds" 3 2>/dev/null
done
