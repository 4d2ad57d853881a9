#!/usr/bin/env bash
# Builds the examples against the INSTALLED org.bnlab:bnlab-core (run `mvn install` at the root first)
# and runs them on the module path, as a user's application would.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
mvn -q -B package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
java_bin="${BNLAB_JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}}"
java_bin="${java_bin:-java}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$java_bin" --module-path "target/classes:$(cat target/classpath.txt)" --add-modules jdk.incubator.vector \
  -m org.bnlab.examples/org.bnlab.examples.CustomCnn "$out"
