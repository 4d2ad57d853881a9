#!/usr/bin/env bash
# Long fuzzing run of the file readers (IDX, safetensors, checkpoint metadata); see docs/RELIABILITY.md.
#   tools/fuzz.sh [TRIES] [SEED]     default 100000 tries per property, a random seed
# The ordinary build runs the same properties with 200 tries each. A failure prints the seed and the
# shrunk input; replay it with: tools/fuzz.sh 1 <seed>   (jqwik also retries the last failure first).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tries=${1:-100000}
seed=${2:-}
# surefire:test@default-test: the main test execution only (the scalar-kernel one would repeat them)
exec mvn -B test-compile surefire:test@default-test -Dtest='*FuzzTest' \
  -Dbnlab.fuzz.tries="$tries" ${seed:+-Dbnlab.fuzz.seed="$seed"}
