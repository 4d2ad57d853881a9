#!/usr/bin/env bash
# The crash-consistency test, longer: kills `bnlab train` N times (default 40) at random moments,
# resumes, and checks the final model is bit-identical to an uninterrupted run's.
#   tools/crash_loop.sh [KILLS] [SEED]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kills="${1:-40}"
seed="${2:-$RANDOM}"
mvn -q -B install -DskipTests
mvn -B test -pl bnlab-cli -Dtest=CrashResumeTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dbnlab.crash.kills="$kills" -Dbnlab.crash.seed="$seed" -DargLine="--add-modules jdk.incubator.vector -Dbnlab.crash.kills=$kills -Dbnlab.crash.seed=$seed"
