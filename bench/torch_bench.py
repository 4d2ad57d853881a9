#!/usr/bin/python3
"""PyTorch peer for `bnlab bench`: the same cases, the same names, the same timing rule.

Run with Debian's interpreter (python3-torch 1.13; install libopenblas0-pthread so it is at its best):
    /usr/bin/python3 bench/torch_bench.py [--threads 1] [--json]
Timing: warm-up >= 2 s, then the median of repetitions over >= 1 s. BN backward is timed alone
through aten.native_batch_norm_backward, so it is comparable with bnlab's backward.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def median_ms(fn, warmup=2.0, seconds=1.0):
    end = time.perf_counter() + warmup
    n = 0
    while time.perf_counter() < end or n < 10:
        fn()
        n += 1
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 5:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def bn_cases(shape, out, warmup, seconds):
    torch.manual_seed(1)
    x = torch.randn(*shape) * 2 + 1
    dy = torch.randn(*shape)
    c = shape[1]
    w, b, rm, rv = torch.ones(c), torch.zeros(c), torch.zeros(c), torch.ones(c)
    eps, mom = 1e-5, 0.1
    name = ",".join(str(s) for s in shape)
    with torch.no_grad():
        out["bn.forward_train[%s]" % name] = median_ms(lambda: torch.batch_norm(x, w, b, rm, rv, True, mom, eps, False), warmup, seconds)
        out["bn.forward_eval[%s]" % name] = median_ms(lambda: torch.batch_norm(x, w, b, rm, rv, False, mom, eps, False), warmup, seconds)
        _, sm, si = torch.ops.aten.native_batch_norm(x, w, b, rm, rv, True, mom, eps)
        out["bn.backward[%s]" % name] = median_ms(lambda: torch.ops.aten.native_batch_norm_backward(
            dy, x, w, rm, rv, sm, si, True, eps, [True, True, True]), warmup, seconds)


def paper_mlp():
    layers = []
    for i in range(3):
        layers += [nn.Linear(784 if i == 0 else 100, 100, bias=False), nn.BatchNorm1d(100), nn.Sigmoid()]
    layers.append(nn.Linear(100, 10))
    return nn.Sequential(*layers)


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128, bias=False), nn.BatchNorm1d(128), nn.ReLU(), nn.Linear(128, 10))


def step_case(model, x, y, lr, momentum):
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    model.train()

    def step():
        opt.zero_grad(set_to_none=False)
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def sgemm_check():
    """torch's float32 matrix product against float64, for the GEMM shapes of the cases: the error of
    each element must stay under the worst-case rounding bound K * 2^-24 * (|A| |B|)(i, j). Run because
    compare.sh runs OpenBLAS with the core type bench/openblas_core.py chose for this CPU (its own
    detection or a forced one): a kernel the CPU mis-runs would give wrong products, not just slow ones."""
    g = torch.Generator().manual_seed(3)
    worst = 0.0
    for m, k, n in ((60, 784, 100), (256, 100, 100), (128, 3136, 128), (384, 384, 384)):
        a = torch.randn(m, k, generator=g)
        b = torch.randn(k, n, generator=g)
        err = ((a @ b).double() - a.double() @ b.double()).abs()
        scale = a.double().abs() @ b.double().abs() * (k * 2.0 ** -24)
        ratio = (err / scale).max().item()
        worst = max(worst, ratio)
        if not ratio <= 1.0:
            raise SystemExit("torch sgemm check FAILED for %dx%dx%d: error %.3g of the rounding bound" % (m, k, n, ratio))
    return worst


# {op, M, N, K} as bnlab's BenchCommand.GEMM_CASES: C (M, N) = A.B (nn), A.B^T (nt), A^T.B (tn)
GEMM_CASES = (("nt", 60, 100, 784), ("nn", 60, 784, 100), ("tn", 100, 784, 60), ("nt", 256, 100, 784),
              ("nn", 8, 784, 9), ("nn", 16, 196, 72), ("nn", 256, 256, 256))


def gemm_cases(out, warmup, seconds):
    """torch.mm into a preallocated output, the transposes as views (OpenBLAS sgemm's trans flags)."""
    g = torch.Generator().manual_seed(4)
    for op, m, n, k in GEMM_CASES:
        c = torch.empty(m, n)
        if op == "nn":
            a, b = torch.randn(m, k, generator=g), torch.randn(k, n, generator=g)
        elif op == "nt":
            a, b = torch.randn(m, k, generator=g), torch.randn(n, k, generator=g).t()
        else:
            a, b = torch.randn(k, m, generator=g).t(), torch.randn(k, n, generator=g)
        out["gemm.%s[%d,%d,%d]" % (op, m, n, k)] = median_ms(lambda: torch.mm(a, b, out=c), warmup, seconds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--filter", default="",
                    help="run the groups of cases (bn, gemm, mlp.step, cnn.step) whose name contains it or that it names, "
                         "e.g. 'step' or 'gemm.nt[256'; default: all")
    args = ap.parse_args()
    groups = ("bn", "gemm", "mlp.step", "cnn.step")
    chosen = [g for g in groups if args.filter in g or g in args.filter]
    if not chosen:
        ap.error("--filter '%s' names none of the groups %s" % (args.filter, ", ".join(groups)))
    torch.set_num_threads(args.threads)
    out = {"sgemm_check": "ok: max error %.3g of the float32 rounding bound" % sgemm_check()}
    if "bn" in chosen:
        for shape in ([256, 64, 32, 32], [32, 256, 14, 14], [1024, 1024], [60, 100]):
            bn_cases(shape, out, args.warmup, args.seconds)
    if "gemm" in chosen:
        gemm_cases(out, args.warmup, args.seconds)
    torch.manual_seed(1)
    if "mlp.step" in chosen:
        for batch in (60, 256):
            x = torch.rand(batch, 784)
            y = torch.randint(0, 10, (batch,))
            out["mlp.step[batch=%d]" % batch] = median_ms(step_case(paper_mlp(), x, y, 0.1, 0.0), args.warmup, args.seconds)
    if "cnn.step" in chosen:
        x = torch.rand(128, 1, 28, 28)
        y = torch.randint(0, 10, (128,))
        out["cnn.step[batch=128]"] = median_ms(step_case(cnn(), x, y, 0.05, 0.9), args.warmup, args.seconds)
    out["torch"] = torch.__version__
    out["threads"] = torch.get_num_threads()
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print("%-34s %s" % (k, "%.3f ms" % v if isinstance(v, float) else v))


if __name__ == "__main__":
    main()
