#!/usr/bin/env bash
# Peer benchmarks for bnlab: builds this standalone Maven project and runs DL4J and ONNX Runtime on the same cases
# as `bnlab bench --json`. Prints two JSON lines, prefixed "dl4j " and "onnxruntime ". Logs go to stderr.
#   bench/peers/run.sh --threads N [--warmup S] [--seconds S] [--filter TEXT]
# Installs nothing system-wide: Maven fetches the jars into ~/.m2. JVM: $JAVA_HOME/bin/java, else java on PATH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
threads=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [[ "${args[i]}" == "--threads" ]]; then threads="${args[i+1]:-}"; fi
done
if [[ -z "$threads" ]]; then threads="$(nproc)"; args+=(--threads "$threads"); fi
(cd "$here" && mvn -q -B package >&2)
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/java}"
java_bin="${java_bin:-java}"
cp="$here/target/bnlab-peers-0.1.0-SNAPSHOT.jar:$here/target/lib/*"
# Native thread pools (OpenMP in libnd4j, OpenBLAS) read these at load time; the mains also set them via API.
# OMP_WAIT_POLICY is left at the library default unless the caller exports it: on a loaded 2-core machine, DL4J with
# --threads 2 spin-waits (measured: bn.forward_eval[60,100] 29 ms instead of 0.13-0.18 ms); OMP_WAIT_POLICY=PASSIVE fixes that.
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"
jvm=(-XX:+UseParallelGC -Xmx8g)
dl4j="$(cd "$here" && "$java_bin" "${jvm[@]}" -Dorg.bytedeco.javacpp.maxbytes=8G -Dorg.bytedeco.javacpp.maxphysicalbytes=12G \
  -cp "$cp" bnlab.peers.Dl4jBench "${args[@]}")" || { echo "dl4j: FAILED (see stderr)" >&2; dl4j='{"error": "dl4j run failed"}'; }
echo "dl4j $dl4j"
ort="$(cd "$here" && "$java_bin" "${jvm[@]}" -Dpeers.models="$here/models" -cp "$cp" bnlab.peers.OrtBench "${args[@]}")" \
  || { echo "onnxruntime: FAILED (see stderr)" >&2; ort='{"error": "onnxruntime run failed"}'; }
echo "onnxruntime $ort"
