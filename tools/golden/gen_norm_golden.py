#!/usr/bin/python3
"""Golden data for bnlab's LayerNorm, GroupNorm and InstanceNorm, produced by PyTorch 1.13.

Run from the repository root with the interpreter that has Debian's python3-torch and numpy:

    /usr/bin/python3 tools/golden/gen_norm_golden.py [--out bnlab-core/src/test/resources/golden/norm]

It writes index.txt (one line per case: "<name> <description>") and one little-endian <name>.bin
per case (old *.bin files there are removed first). Deterministic: a second run gives
byte-identical files.

Inputs are not stored: x, dy, weight and bias come from seeds through the splitmix64 generator of
gen_bn_golden.py (imported from there, so both scripts and GoldenRandom.java share one definition):
x has per-channel (dimension 1) mean in [-5, 5) and std in [0.1, 3), then offset + scale * x;
dy = u; weight = 0.5 + u; bias = 2u (flattened over the parameter shape). Checksums of each
generated tensor are stored so the Java side proves it rebuilt the same inputs.

Expected values are the module run in float64 on the same float32 inputs, rounded to float32. The
float32 run is stored as its worst relative error per tensor, e = max |t32 - t64| / max(1, |t64|),
and NormGoldenTest accepts |a - b| <= max(1e-5, 4 e) * max(1, |b|) (no e in strict cases), the
criterion of BatchNormGoldenTest with one error per tensor instead of one per channel.

Binary layout of <name>.bin:
  "NRM1"
  int   layer: 0 LayerNorm, 1 GroupNorm, 2 InstanceNorm
  int   aux: LayerNorm: number of normalized (trailing) dims; GroupNorm: numGroups; InstanceNorm: 0
  f64   eps, f64 momentum (InstanceNorm; 0 otherwise)
  int   flags: 1 affine, 2 trackRunningStats, 8 accumulateGrads, 16 strict
  int   ndim, ndim ints: the input shape
  f32   input scale, f32 input offset
  i64   paramSeed; if affine: i64 weightChecksum, i64 biasChecksum
  int   steps, then per step:
    int training; i64 xSeed, xChecksum, dySeed, dyChecksum
    tensor y, tensor dx: int kind (0 full, 1 sampled), int n, [n int sorted flat indices if sampled],
                         n f32 values, f32 e
    if affine: vector weight.grad, vector bias.grad (P f32 values, f32 e; P = parameter count)
    if track:  vector running_mean, vector running_var (C values each, f32 e), i64 num_batches_tracked
"""

import argparse
import hashlib
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_bn_golden as g  # noqa: E402  (the shared splitmix64 input generator)

FULL_LIMIT = 4096
LAYERS = {"ln": 0, "gn": 1, "in": 2}


def rel_err(t64, t32):
    d = t64.detach().reshape(-1).numpy()
    e = np.abs(t32.detach().reshape(-1).numpy().astype(np.float64) - d) / np.maximum(1.0, np.abs(d))
    return float(np.max(e)) if e.size else 0.0


class Writer(g.Writer):
    def values(self, t64, t32, sample_seed):
        flat = t64.detach().reshape(-1).numpy().astype(np.float32)
        n = flat.size
        if n <= FULL_LIMIT:
            self.i32(0)
            self.i32(n)
            self.f32s(flat)
        else:
            idx = g.sample_indices(sample_seed, n)
            self.i32(1)
            self.i32(idx.size)
            self.i32s(idx)
            self.f32s(flat[idx])
        e = rel_err(t64, t32)
        self.raw("f", e)
        return e

    def vec(self, v64, v32):
        self.f32s(v64.detach().numpy().astype(np.float32))
        e = rel_err(v64, v32)
        self.raw("f", e)
        return e


def make(case, dtype):
    layer, shape = case["layer"], case["shape"]
    eps = case.get("eps", 1e-5)
    affine = case.get("affine", True)
    if layer == "ln":
        return torch.nn.LayerNorm(shape[len(shape) - case["k"]:], eps=eps, elementwise_affine=affine).to(dtype)
    if layer == "gn":
        return torch.nn.GroupNorm(case["groups"], shape[1], eps=eps, affine=affine).to(dtype)
    cls = torch.nn.InstanceNorm1d if len(shape) == 3 else torch.nn.InstanceNorm2d
    return cls(shape[1], eps=eps, momentum=case.get("momentum", 0.1), affine=affine,
               track_running_stats=case.get("track", False)).to(dtype)


def run_case(case):
    layer, shape, seed = case["layer"], case["shape"], case["seed"]
    affine = case.get("affine", True)
    track = case.get("track", False)
    accumulate = case.get("accumulate", False)
    strict = case.get("strict", False)
    scale, offset = case.get("scale", 1.0), case.get("offset", 0.0)
    m64, m32 = make(case, torch.float64), make(case, torch.float32)
    w = Writer()
    w.raw("4s", b"NRM1")
    w.i32(LAYERS[layer])
    w.i32(case.get("k", case.get("groups", 0)))
    w.f64(case.get("eps", 1e-5))
    w.f64(case.get("momentum", 0.1) if layer == "in" else 0.0)
    w.i32((1 if affine else 0) | (2 if track else 0) | (8 if accumulate else 0) | (16 if strict else 0))
    w.i32(len(shape))
    for d in shape:
        w.i32(d)
    w.raw("ff", scale, offset)
    param_seed = g.derive(seed, 100)
    w.i64(param_seed)
    if affine:
        pshape = tuple(m64.weight.shape)
        p = int(np.prod(pshape))
        weight, bias = g.gen_params(param_seed, p)
        with torch.no_grad():
            for m in (m64, m32):
                m.weight.copy_(torch.from_numpy(weight.reshape(pshape)))
                m.bias.copy_(torch.from_numpy(bias.reshape(pshape)))
        w.i64(g.checksum(weight))
        w.i64(g.checksum(bias))
    w.i32(len(case["steps"]))
    worst = 0.0
    for s, training in enumerate(case["steps"]):
        x_seed, dy_seed = g.derive(seed, 1000 + 2 * s), g.derive(seed, 1001 + 2 * s)
        x_np = g.gen_input(x_seed, shape, scale, offset)
        dy_np = g.gen_grad(dy_seed, shape)
        w.i32(1 if training else 0)
        w.i64(x_seed)
        w.i64(g.checksum(x_np))
        w.i64(dy_seed)
        w.i64(g.checksum(dy_np))
        out = {}
        for m, dtype in ((m64, torch.float64), (m32, torch.float32)):
            if not accumulate:
                m.zero_grad(set_to_none=False)
            m.train(training)
            x = torch.from_numpy(x_np.copy()).to(dtype).requires_grad_(True)
            y = m(x)
            y.backward(torch.from_numpy(dy_np.copy()).to(dtype))
            out[dtype] = (y, x.grad)
        (y64, dx64), (y32, dx32) = out[torch.float64], out[torch.float32]
        worst = max(worst, w.values(y64, y32, g.derive(seed, 5000 + s)))
        worst = max(worst, w.values(dx64, dx32, g.derive(seed, 6000 + s)))
        if affine:
            worst = max(worst, w.vec(m64.weight.grad.reshape(-1), m32.weight.grad.reshape(-1)))
            worst = max(worst, w.vec(m64.bias.grad.reshape(-1), m32.bias.grad.reshape(-1)))
        if track:
            worst = max(worst, w.vec(m64.running_mean, m32.running_mean))
            worst = max(worst, w.vec(m64.running_var, m32.running_var))
            w.i64(int(m64.num_batches_tracked.item()))
    return w.bytes(), worst


T, E = True, False


def cases():
    out = []

    def add(name, layer, shape, steps=(T,), **opts):
        seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
        out.append(dict(name=name, layer=layer, shape=list(shape), steps=list(steps), seed=seed, **opts))

    def tag(shape):
        return "x".join(map(str, shape))

    # LayerNorm: [N, C] over [C]; [N, C, H, W] over [C, H, W], [H, W], [W]; sizes that leave vector tails.
    for shape, k in (([4, 10], 1), ([60, 100], 1), ([16, 300], 1), ([5, 1], 1), ([2, 3, 4, 5], 3),
                     ([2, 3, 4, 5], 2), ([2, 3, 4, 5], 1), ([3, 8, 7, 9], 3), ([8, 4, 16, 16], 3)):
        add("ln_%s_k%d" % (tag(shape), k), "ln", shape, (T, E), k=k)
    add("ln_noaffine_3x5", "ln", [3, 5], (T, E), k=1, affine=False)
    add("ln_noaffine_2x3x4x5_k2", "ln", [2, 3, 4, 5], (T,), k=2, affine=False)
    add("ln_eps1e-3_8x64", "ln", [8, 64], (T,), k=1, eps=1e-3)
    add("ln_accumulate_2x4x7x9_k2", "ln", [2, 4, 7, 9], (T, T, E), k=2, accumulate=True)
    add("ln_offset1e3_scale1e-3_8x32", "ln", [8, 32], (T,), k=1, offset=1e3, scale=1e-3, strict=True)
    add("ln_constant_4x6", "ln", [4, 6], (T,), k=1, offset=2.5, scale=0.0, strict=True)

    # GroupNorm: dense and convolutional, G = 1, G = C (instance-like) and in between.
    for shape, groups in (([4, 6], 3), ([4, 6], 1), ([7, 12], 12), ([2, 6, 5, 5], 3), ([3, 8, 4, 4], 8),
                          ([3, 8, 4, 4], 1), ([2, 32, 7, 7], 4), ([4, 16, 16, 16], 4), ([2, 4, 3, 11], 2)):
        add("gn_%s_g%d" % (tag(shape), groups), "gn", shape, (T, E), groups=groups)
    add("gn_noaffine_2x4x3x3_g2", "gn", [2, 4, 3, 3], (T,), groups=2, affine=False)
    add("gn_eps1e-3_4x8x5x5_g2", "gn", [4, 8, 5, 5], (T,), groups=2, eps=1e-3)
    add("gn_accumulate_3x6x4x4_g3", "gn", [3, 6, 4, 4], (T, T, E), groups=3, accumulate=True)
    add("gn_offset1e4_scale1e-3_4x8x4x4_g2", "gn", [4, 8, 4, 4], (T,), groups=2, offset=1e4, scale=1e-3,
        strict=True)

    # InstanceNorm: PyTorch's defaults (no affine, no running stats), affine, tracking, 1d and 2d.
    add("in_default_4x3x5x5", "in", [4, 3, 5, 5], (T, E), affine=False)
    add("in_affine_4x3x5x5", "in", [4, 3, 5, 5], (T, E))
    add("in_1d_3x4x10", "in", [3, 4, 10], (T, E), affine=False)
    add("in_1d_affine_track_3x4x10", "in", [3, 4, 10], (T, T, E, T), track=True)
    add("in_track_4x3x5x5", "in", [4, 3, 5, 5], (T, T, T, E), affine=False, track=True)
    add("in_affine_track_2x16x17x17", "in", [2, 16, 17, 17], (T, T, E, T), track=True)
    add("in_momentum0.3_track_3x5x6x6", "in", [3, 5, 6, 6], (T, T, E), affine=False, track=True, momentum=0.3)
    add("in_evalfresh_track_2x3x4x4", "in", [2, 3, 4, 4], (E,), track=True)
    add("in_accumulate_2x3x4x4", "in", [2, 3, 4, 4], (T, T), accumulate=True)
    add("in_offset1e4_scale1e-3_2x4x8x8", "in", [2, 4, 8, 8], (T,), affine=True, offset=1e4, scale=1e-3,
        strict=True)
    return out


def describe(case):
    opts = {k: v for k, v in case.items() if k not in ("name", "layer", "shape", "steps", "seed")}
    steps = "".join("T" if s else "E" for s in case["steps"])
    return "layer=%s shape=%s steps=%s %s" % (case["layer"], "x".join(map(str, case["shape"])), steps,
                                              " ".join("%s=%s" % kv for kv in sorted(opts.items())))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="bnlab-core/src/test/resources/golden/norm")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    for f in os.listdir(args.out):
        if f.endswith(".bin"):
            os.remove(os.path.join(args.out, f))
    lines = ["# Generated by tools/golden/gen_norm_golden.py with torch %s, numpy %s. Do not edit."
             % (torch.__version__, np.__version__)]
    total = 0
    for case in cases():
        data, worst = run_case(case)
        print("%-36s float32 PyTorch's worst relative error vs float64: %.3g" % (case["name"], worst))
        with open(os.path.join(args.out, case["name"] + ".bin"), "wb") as f:
            f.write(data)
        total += len(data)
        lines.append("%s %s" % (case["name"], describe(case).strip()))
    with open(os.path.join(args.out, "index.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("%d cases, %d bytes in %s" % (len(lines) - 1, total, args.out))


if __name__ == "__main__":
    main()
