# Sourced by the benchmark scripts (compare.sh, epoch.sh, rounds.sh, infer.sh, cliffs.sh, threads.sh,
# warmup.sh): what they share.

# bnlab_jvms sets $jvms to the JVMs bnlab is timed on: JDK 25 where installed, then the default java
# (JDK 17 on this project's machines); jvm_tag JVM prints the tag its results are filed under.
bnlab_jvms() {
  jvms=()
  local jdk25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
  if [[ -x "$jdk25" ]]; then
    jvms+=("$jdk25")
  fi
  jvms+=(java)
}
jvm_tag() {
  if [[ "$1" == java ]]; then echo jdk17; else echo jdk25; fi
}

# peer_env LOG sets $core to the OpenBLAS core type bench/openblas_core.py chose (empty: OpenBLAS's own
# detection) and $peer_env to the command prefix the peers (PyTorch, DL4J) run with: OPENBLAS_L2_SIZE
# removed and OPENBLAS_CORETYPE set to $core or removed, for the peers only (tests and CI keep the
# environment as it is). The candidates' figures go to LOG.
peer_env() {
  core=$(/usr/bin/python3 bench/openblas_core.py 2> "$1")
  peer_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ${core:+OPENBLAS_CORETYPE=$core})
}

# start_busy keeps one core busy with another process (a shell loop on the last CPU), as when other jobs
# share the machine; stop_busy ends it (also on exit: the scripts that start one set the trap).
busy_pid=""
start_busy() {
  local core=$(( $(nproc) - 1 ))
  if command -v taskset >/dev/null; then
    taskset -c "$core" bash -c 'while :; do :; done' & busy_pid=$!
  else
    bash -c 'while :; do :; done' & busy_pid=$!
  fi
}
stop_busy() { if [[ -n "$busy_pid" ]]; then kill "$busy_pid" 2>/dev/null || true; wait "$busy_pid" 2>/dev/null || true; busy_pid=""; fi; }
