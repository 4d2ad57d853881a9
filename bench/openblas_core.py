#!/usr/bin/python3
"""Chooses the OpenBLAS core type the peers (PyTorch, DL4J) run with, so that they are measured at their best.

OpenBLAS picks its kernels from the CPU's model number. A CPU newer than the library (Debian's 0.3.21 on an
Intel Xeon of family 6 model 207) is detected as "Prescott", the generic SSE3 core: torch's 256^3 sgemm then
ran at 21.8 GFLOP/s on one core where OPENBLAS_CORETYPE=SkylakeX gave 169.9 (Haswell 86.2, Cooperlake 118.0;
2026-11-30). And a forced core can be worse than the detected one (Haswell on an AMD Zen 5: 14.3 against 99.9
GFLOP/s). So each candidate the CPU can run (the library's own choice, SkylakeX with AVX-512, Haswell with
AVX2 and FMA) is timed on a 256^3 product in a fresh process (OpenBLAS reads the variable when it loads) after
torch_bench.sgemm_check() has checked its products against float64; the fastest correct one wins.

Prints the chosen value on stdout (empty: leave OPENBLAS_CORETYPE unset) and one line per candidate on
stderr. Usage: bench/openblas_core.py
"""
import os
import subprocess
import sys

PROBE = r"""
import sys, time, torch
sys.path.insert(0, %r)
from torch_bench import sgemm_check
torch.set_num_threads(1)
check = sgemm_check()
a, b = torch.randn(256, 256), torch.randn(256, 256)
c = torch.empty(256, 256)
for _ in range(50):
    torch.mm(a, b, out=c)
best = 1e9
for _ in range(5):
    t = time.perf_counter()
    for _ in range(100):
        torch.mm(a, b, out=c)
    best = min(best, (time.perf_counter() - t) / 100)
print("%%.1f %%.3g" %% (2 * 256 ** 3 / best / 1e9, check))
"""


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def main():
    flags = cpu_flags()
    candidates = [""]
    if "avx512f" in flags and "avx512bw" in flags and "avx512vl" in flags:
        candidates.append("SkylakeX")
    if "avx2" in flags and "fma" in flags:
        candidates.append("Haswell")
    here = os.path.dirname(os.path.abspath(__file__))
    best, best_gflops = "", -1.0
    for core in candidates:
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", OPENBLAS_VERBOSE="2")
        if core:
            env["OPENBLAS_CORETYPE"] = core
        run = subprocess.run([sys.executable, "-c", PROBE % here], env=env, capture_output=True, text=True)
        detected = [l.split(":", 1)[1].strip() for l in run.stdout.splitlines() + run.stderr.splitlines()
                    if l.startswith("Core:")]
        name = core or "unset (OpenBLAS detects %s)" % (detected[0] if detected else "?")
        if run.returncode != 0 or not run.stdout.strip():
            reason = (run.stderr.strip().splitlines() or ["no output"])[-1]
            print("openblas_core: OPENBLAS_CORETYPE=%s rejected: %s" % (name, reason), file=sys.stderr)
            continue
        gflops, check = (float(x) for x in run.stdout.split()[-2:])
        print("openblas_core: OPENBLAS_CORETYPE=%s: 256^3 sgemm %.1f GFLOP/s on 1 thread, products within %.3g of "
              "the rounding bound" % (name, gflops, check), file=sys.stderr)
        if gflops > best_gflops * 1.03:  # a forced core must beat the library's own choice by more than noise
            best, best_gflops = core, gflops
    if best_gflops < 0:
        sys.exit("openblas_core: no OpenBLAS core type passed the sgemm check (python3-torch installed?)")
    print(best)


if __name__ == "__main__":
    main()
