# Sourced by compare.sh, epoch.sh and rounds.sh: the environment the peers (PyTorch, DL4J) run with.
# peer_env LOG sets $core to the OpenBLAS core type bench/openblas_core.py chose (empty: OpenBLAS's own
# detection) and $peer_env to the command prefix: OPENBLAS_L2_SIZE removed and OPENBLAS_CORETYPE set to
# $core or removed, for the peers only (tests and CI keep the environment as it is). The candidates'
# figures go to LOG.
peer_env() {
  core=$(/usr/bin/python3 bench/openblas_core.py 2> "$1")
  peer_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ${core:+OPENBLAS_CORETYPE=$core})
}
