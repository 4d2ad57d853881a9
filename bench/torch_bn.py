#!/usr/bin/python3
"""PyTorch peer for the BatchNorm benchmarks: the same cases as bench's BatchNormBench / `bnlab bench`.

Run with Debian's interpreter (python3-torch 1.13, libopenblas0-pthread):
    /usr/bin/python3 bench/torch_bn.py [--threads 1] [--json]
Prints median milliseconds per call for forward-train, forward-eval and backward (backward alone,
through aten.native_batch_norm_backward, so it is comparable with bnlab's backward).
"""
import argparse
import json
import statistics
import time

import torch


def median_ms(fn, min_time=1.0, min_reps=5):
    for _ in range(3):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def bench_shape(shape):
    torch.manual_seed(1)
    x = torch.randn(*shape) * 2 + 1
    dy = torch.randn(*shape)
    c = shape[1]
    w = torch.ones(c)
    b = torch.zeros(c)
    rm = torch.zeros(c)
    rv = torch.ones(c)
    eps, mom = 1e-5, 0.1
    out = {}
    with torch.no_grad():
        out["forward_train"] = median_ms(lambda: torch.batch_norm(x, w, b, rm, rv, True, mom, eps, False))
        out["forward_eval"] = median_ms(lambda: torch.batch_norm(x, w, b, rm, rv, False, mom, eps, False))
        _, save_mean, save_invstd = torch.ops.aten.native_batch_norm(x, w, b, rm, rv, True, mom, eps)
        out["backward"] = median_ms(lambda: torch.ops.aten.native_batch_norm_backward(
            dy, x, w, rm, rv, save_mean, save_invstd, True, eps, [True, True, True]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--shapes", default="256,64,32,32;1024,1024")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for s in args.shapes.split(";"):
        shape = [int(v) for v in s.split(",")]
        for op, ms in bench_shape(shape).items():
            result["bn.%s[%s]" % (op, s)] = ms
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print("%-36s %s" % (k, "%.3f ms" % v if isinstance(v, float) else v))


if __name__ == "__main__":
    main()
