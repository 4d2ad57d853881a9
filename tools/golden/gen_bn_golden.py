#!/usr/bin/python3
"""Golden data for bnlab's BatchNorm, produced by PyTorch 1.13 (the correctness oracle).

Run (from the repository root; needs Debian's python3-torch 1.13 and numpy, which live in
/usr/bin/python3, not necessarily in the python3 on PATH):

    /usr/bin/python3 tools/golden/gen_bn_golden.py [--out bnlab-core/src/test/resources/golden/bn]

What it writes, into the output directory (old *.bin files there are removed first):
  - index.txt        one line per case: "<name> <description>"; the Java test reads the names.
  - <name>.bin       one little-endian binary file per case (layout below).

The script is deterministic: running it again rewrites byte-identical files (torch runs with one
thread and deterministic CPU kernels; nothing depends on time or on the machine).

Inputs are NOT stored. x, dy, gamma and beta are generated from 64-bit seeds by a counter-based
splitmix64 whose Java twin is bnlab-core/src/test/java/org/bnlab/testing/GoldenRandom.java:
  z_i   = mix(seed + (i + 1) * 0x9E3779B97F4A7C15)          (the i-th splitmix64 output, i >= 0)
  u_i   = ((z_i >>> 40) - 2^23) * 2^-23                      (float32 in [-1, 1), exact)
  x     = mean_c + std_c * u  with  mean_c = 5 * u'_c,  std_c = 0.1 + 1.45 * (u''_c + 1)
          (per channel: mean in [-5, 5), std in [0.1, 3.0); float32 ops, one rounding each,
          identical in numpy and Java, which never fuses multiply-add)
          then x = offset + scale * x, float32 (offset 0, scale 1 unless a case says otherwise)
  dy    = u;   gamma = 0.5 + u;   beta = 2 * u
Each generated tensor's checksum (sum over i of bits(v_i) * (2i + 1), mod 2^64) is stored so
the Java side can prove it rebuilt exactly the same input before comparing anything.

Expected values come from running the same PyTorch module in float64 on the (float32-exact) inputs,
rounded to float32: PyTorch's float32 CPU kernel is itself off from that exact answer by more than
1e-5 relative in some cases (dense [N, C] input accumulates in float32 buffers: 2e-4 on weight.grad
for [1024, 16]; [2, 64] loses 1e-4 on y by folding mean and invstd in float32). So the float32 run
is stored too, as its per-channel error against the float64 run, and the Java test accepts
an error up to 4 times PyTorch's own, none in "strict" cases (see BatchNormGoldenTest).

Binary layout of <name>.bin (all little-endian):
  "BNG1"                                   magic
  int   numFeatures C
  f64   eps
  f64   momentum (NaN when cumulative, i.e. PyTorch momentum=None)
  int   flags: 1 affine, 2 trackRunningStats, 4 cumulativeAverage, 8 accumulateGrads,
        16 strict (the test gives no slack for float32 PyTorch's error: bnlab must get the exact answer)
        (without 8, gradients are zeroed before every step, in both PyTorch and Java)
  int   ndim, then ndim ints: the input shape (same for every step)
  f32   input scale, f32 input offset
  i64   paramSeed; if affine: i64 gammaChecksum, i64 betaChecksum
  int   number of steps, then for each step:
    int  training (0/1)
    i64  xSeed, xChecksum, dySeed, dyChecksum
    tensor y, tensor dx:
      int  kind: 0 full, 1 sampled
      full:    int n, n f32 values
      sampled: int n, n ints (sorted flat indices), n f32 values
      C f32: per channel, max |float32 PyTorch - float64 PyTorch| over the channel's elements
             (inf or NaN where float32 PyTorch overflowed)
      f64 sum(v), sum(|v|), sum(v^2) over the FULL float64 result
    vectors (values, then C f32 per-channel |float32 PyTorch - float64 PyTorch|):
      if affine: weight.grad, bias.grad        (after this step's backward)
      if track:  running_mean, running_var, then i64 num_batches_tracked (after the step)
"""

import argparse
import hashlib
import os
import struct

import numpy as np
import torch

GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
FULL_LIMIT = 4096        # tensors up to this many elements are stored whole
SAMPLE_SIZE = 1024       # otherwise about this many sampled elements


def splitmix64(seed, n):
    """The first n outputs of splitmix64 started at state `seed`, as uint64 array."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (np.arange(1, n + 1, dtype=np.uint64) * GOLDEN_GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def uniform(seed, n):
    """n float32 values in [-1, 1): the top 24 bits of each output, centred and scaled by 2^-23."""
    top = (splitmix64(seed, n) >> np.uint64(40)).astype(np.int64) - (1 << 23)
    u = top.astype(np.float32) * np.float32(2.0 ** -23)
    assert u.dtype == np.float32
    return u


def derive(seed, salt):
    """A sub-seed: the first splitmix64 output of seed ^ salt (Java: GoldenRandom.derive)."""
    return int(splitmix64((seed ^ salt) & 0xFFFFFFFFFFFFFFFF, 1)[0])


def gen_input(seed, shape, scale=1.0, offset=0.0):
    """x of the given shape [N, C, ...]: per-channel mean in [-5, 5) and std in [0.1, 3), then
    offset + scale * x (both float32; scale 1 and offset 0 leave x unchanged)."""
    n, c = shape[0], shape[1]
    inner = int(np.prod(shape[2:], dtype=np.int64)) if len(shape) > 2 else 1
    p = uniform(derive(seed, 1), 2 * c)
    mean = np.float32(5.0) * p[:c]
    std = np.float32(0.1) + np.float32(1.45) * (p[c:] + np.float32(1.0))
    u = uniform(seed, n * c * inner).reshape(n, c, inner)
    x = mean[None, :, None] + std[None, :, None] * u
    x = np.float32(offset) + np.float32(scale) * x
    assert x.dtype == np.float32
    return x.reshape(shape)


def gen_grad(seed, shape):
    return uniform(seed, int(np.prod(shape, dtype=np.int64))).reshape(shape)


def gen_params(seed, c):
    gamma = np.float32(0.5) + uniform(derive(seed, 2), c)
    beta = np.float32(2.0) * uniform(derive(seed, 3), c)
    return gamma, beta


def checksum(a):
    """sum_i bits(a_i) * (2i + 1) mod 2^64 over the flat float32 array (Java: GoldenRandom.checksum)."""
    bits = np.ascontiguousarray(a, dtype=np.float32).reshape(-1).view(np.uint32).astype(np.uint64)
    odd = np.arange(bits.size, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    with np.errstate(over="ignore"):
        return int(np.sum(bits * odd, dtype=np.uint64))


def sample_indices(seed, n):
    """Sorted distinct flat indices: ~SAMPLE_SIZE pseudo-random ones plus the first and last."""
    idx = splitmix64(seed, SAMPLE_SIZE) % np.uint64(n)
    idx = np.unique(np.concatenate([idx.astype(np.int64), [0, n - 1]]))
    return idx.astype(np.int32)


def channel_of(shape):
    """Channel index of every flat element of a [N, C, ...] tensor."""
    inner = int(np.prod(shape[2:], dtype=np.int64)) if len(shape) > 2 else 1
    return (np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64) // inner) % shape[1]


def channel_max(err, shape):
    """Per-channel maximum of a flat array."""
    out = np.zeros(shape[1], dtype=np.float64)
    np.maximum.at(out, channel_of(shape), err)
    return out


class Writer:
    def __init__(self):
        self.parts = []

    def raw(self, fmt, *v):
        self.parts.append(struct.pack("<" + fmt, *v))

    def i32(self, v):
        self.raw("i", v)

    def i64(self, v):
        self.raw("q", v - (1 << 64) if v >= (1 << 63) else v)

    def f64(self, v):
        self.raw("d", v)

    def f32s(self, a):
        self.parts.append(np.ascontiguousarray(a, dtype="<f4").reshape(-1).tobytes())

    def i32s(self, a):
        self.parts.append(np.ascontiguousarray(a, dtype="<i4").reshape(-1).tobytes())

    def tensor(self, t64, t32, sample_seed):
        """y or dx: the float64 run's values (rounded to float32), float32 PyTorch's per-channel error, sums."""
        shape = list(t64.shape)
        d = t64.detach().reshape(-1).numpy()
        flat = d.astype(np.float32)
        n = flat.size
        if n <= FULL_LIMIT:
            self.i32(0)
            self.i32(n)
            self.f32s(flat)
        else:
            idx = sample_indices(sample_seed, n)
            self.i32(1)
            self.i32(idx.size)
            self.i32s(idx)
            self.f32s(flat[idx])
        err = np.abs(t32.detach().reshape(-1).numpy().astype(np.float64) - d)
        self.f32s(channel_max(err, shape))
        self.f64(float(np.sum(d)))
        self.f64(float(np.sum(np.abs(d))))
        self.f64(float(np.sum(d * d)))
        return float(np.max(err / (1e-5 * np.maximum(1.0, np.abs(d)))))

    def vector(self, v64, v32):
        """A per-channel vector: the float64 run's values, then float32 PyTorch's error per channel."""
        d = v64.detach().numpy()
        self.f32s(d.astype(np.float32))
        err = np.abs(v32.detach().numpy().astype(np.float64) - d)
        self.f32s(err)
        return float(np.max(err / (1e-5 * np.maximum(1.0, np.abs(d)))))

    def bytes(self):
        return b"".join(self.parts)


def make_bn(shape, eps, momentum, affine, track, dtype):
    cls = torch.nn.BatchNorm1d if len(shape) == 2 else torch.nn.BatchNorm2d
    return cls(shape[1], eps=eps, momentum=momentum, affine=affine, track_running_stats=track).to(dtype)


def run_case(case):
    """Runs one case in PyTorch (float64 and float32); returns the binary golden file and float32
    PyTorch's worst error against the float64 run, in units of 1e-5 * max(1, |expected|)."""
    shape = case["shape"]
    c = shape[1]
    eps = case.get("eps", 1e-5)
    cumulative = case.get("cumulative", False)
    momentum = None if cumulative else case.get("momentum", 0.1)
    affine = case.get("affine", True)
    track = case.get("track", True)
    accumulate = case.get("accumulate", False)
    strict = case.get("strict", False)
    steps = case["steps"]          # list of bools: training?
    seed = case["seed"]

    bn64 = make_bn(shape, eps, momentum, affine, track, torch.float64)
    bn32 = make_bn(shape, eps, momentum, affine, track, torch.float32)
    worst = 0.0
    w = Writer()
    w.raw("4s", b"BNG1")
    w.i32(c)
    w.f64(eps)
    w.f64(float("nan") if momentum is None else momentum)
    w.i32((1 if affine else 0) | (2 if track else 0) | (4 if cumulative else 0) | (8 if accumulate else 0)
          | (16 if strict else 0))
    w.i32(len(shape))
    for d in shape:
        w.i32(d)
    scale = case.get("scale", 1.0)
    offset = case.get("offset", 0.0)
    w.raw("ff", scale, offset)
    param_seed = derive(seed, 100)
    w.i64(param_seed)
    if affine:
        gamma, beta = gen_params(param_seed, c)
        with torch.no_grad():
            for bn in (bn64, bn32):
                bn.weight.copy_(torch.from_numpy(gamma))
                bn.bias.copy_(torch.from_numpy(beta))
        w.i64(checksum(gamma))
        w.i64(checksum(beta))
    w.i32(len(steps))
    for s, training in enumerate(steps):
        x_seed = derive(seed, 1000 + 2 * s)
        dy_seed = derive(seed, 1001 + 2 * s)
        x_np = gen_input(x_seed, shape, scale, offset)
        dy_np = gen_grad(dy_seed, shape)
        w.i32(1 if training else 0)
        w.i64(x_seed)
        w.i64(checksum(x_np))
        w.i64(dy_seed)
        w.i64(checksum(dy_np))
        out = {}
        for bn, dtype in ((bn64, torch.float64), (bn32, torch.float32)):
            if not accumulate:
                bn.zero_grad(set_to_none=False)
            bn.train(training)
            x = torch.from_numpy(x_np.copy()).to(dtype).requires_grad_(True)
            y = bn(x)
            y.backward(torch.from_numpy(dy_np.copy()).to(dtype))
            out[dtype] = (y, x.grad)
        (y64, dx64), (y32, dx32) = out[torch.float64], out[torch.float32]
        worst = max(worst, w.tensor(y64, y32, derive(seed, 5000 + s)))
        worst = max(worst, w.tensor(dx64, dx32, derive(seed, 6000 + s)))
        if affine:
            worst = max(worst, w.vector(bn64.weight.grad, bn32.weight.grad))
            worst = max(worst, w.vector(bn64.bias.grad, bn32.bias.grad))
        if track:
            worst = max(worst, w.vector(bn64.running_mean, bn32.running_mean))
            worst = max(worst, w.vector(bn64.running_var, bn32.running_var))
            assert bn64.num_batches_tracked.item() == bn32.num_batches_tracked.item()
            w.i64(int(bn64.num_batches_tracked.item()))
    return w.bytes(), worst


T, E = True, False


def cases():
    """The case list. A case's seed is a hash of its name, so adding a case changes no other case."""
    out = []

    def add(name, shape, steps=(T,), **opts):
        seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
        out.append(dict(name=name, shape=list(shape), steps=list(steps), seed=seed, **opts))

    # One training step (forward + backward), default options, shapes from tiny to large.
    for shape in ([2, 1], [3, 5], [7, 3], [2, 64], [60, 100], [256, 64], [1024, 16], [128, 1],
                  [2, 3, 1, 1], [2, 1, 1, 1], [1, 4, 3, 3], [4, 3, 5, 5], [5, 1, 3, 7], [8, 16, 7, 7],
                  [32, 8, 14, 14], [3, 2, 32, 32], [256, 4, 32, 32], [2, 64, 32, 32], [16, 64, 8, 8],
                  [256, 8, 1, 1], [64, 32, 4, 4]):
        add("train_" + "x".join(map(str, shape)), shape)

    # Options, each on a dense and a convolutional shape, three training steps then one eval step.
    for shape in ([32, 8], [8, 16, 7, 7]):
        tag = "x".join(map(str, shape))
        add("eps1e-3_" + tag, shape, (T, T, T, E), eps=1e-3)
        add("momentum0.3_" + tag, shape, (T, T, T, E), momentum=0.3)
        add("momentum0_" + tag, shape, (T, T, E), momentum=0.0)
        add("momentum1_" + tag, shape, (T, T, E), momentum=1.0)
        add("cumulative_" + tag, shape, (T, T, T, T, E), cumulative=True)
        add("noaffine_" + tag, shape, (T, T, E), affine=False)
        add("notrack_" + tag, shape, (T, E, T), track=False)
        add("noaffine_notrack_" + tag, shape, (T, E), affine=False, track=False)

    # Eval mode: on a fresh layer (running stats 0/1) and after training steps.
    for shape in ([3, 5], [60, 100], [4, 3, 5, 5], [32, 8, 14, 14], [2, 64, 32, 32]):
        tag = "x".join(map(str, shape))
        add("evalfresh_" + tag, shape, (E,))
        add("eval_after_train_" + tag, shape, (T, T, T, E))

    # Longer runs: five training steps, eval on new data, more training, eval again
    # (running stats must not move in eval, and training must continue from them).
    add("multistep_64x32", [64, 32], (T, T, T, T, T, E, T, E))
    add("multistep_16x8x8x8", [16, 8, 8, 8], (T, T, T, T, T, E, T, E))
    add("multistep_cumulative_16x8x8x8", [16, 8, 8, 8], (T, T, T, T, T, E, T, E), cumulative=True)
    # Gradients accumulate across backward calls when not zeroed.
    add("accumulate_16x12", [16, 12], (T, T, E, T), accumulate=True)
    add("accumulate_4x6x5x5", [4, 6, 5, 5], (T, E, T), accumulate=True)

    # Badly conditioned inputs (REFERENCE section 4): a large offset over a tiny spread, where
    # E[x^2] - E[x]^2 cancels; constant channels (y must be exactly beta); huge and tiny scales.
    # float32 PyTorch is far off on some of these, so they are strict: bnlab must match float64.
    add("offset1e4_scale1e-3_16x8x4x4", [16, 8, 4, 4], (T, T, E), offset=1e4, scale=1e-3, strict=True)
    add("offset1e3_scale1e-3_64x16", [64, 16], (T, T, E), offset=1e3, scale=1e-3, strict=True)
    add("offset-300_scale1e-2_8x4x16x16", [8, 4, 16, 16], (T, E), offset=-300.0, scale=1e-2, strict=True)
    add("constant_8x4x3x3", [8, 4, 3, 3], (T, E, T), offset=3.0, scale=0.0, strict=True)
    add("constant_32x6", [32, 6], (T, E), offset=-1.5, scale=0.0, strict=True)
    add("scale1e15_16x4x2x2", [16, 4, 2, 2], (T, T, E), scale=1e15, strict=True)
    add("scale1e-15_32x5", [32, 5], (T, E), scale=1e-15, strict=True)
    return out


def describe(case):
    opts = {k: v for k, v in case.items() if k not in ("name", "shape", "steps", "seed")}
    steps = "".join("T" if s else "E" for s in case["steps"])
    return "shape=%s steps=%s %s" % ("x".join(map(str, case["shape"])), steps,
                                      " ".join("%s=%s" % kv for kv in sorted(opts.items())))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="bnlab-core/src/test/resources/golden/bn")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    for f in os.listdir(args.out):
        if f.endswith(".bin"):
            os.remove(os.path.join(args.out, f))
    lines = ["# Generated by tools/golden/gen_bn_golden.py with torch %s, numpy %s. Do not edit."
             % (torch.__version__, np.__version__)]
    total = 0
    for case in cases():
        data, worst = run_case(case)
        print("%-34s float32 PyTorch's worst error vs float64: %8.2f x 1e-5*max(1,|b|)" % (case["name"], worst))
        with open(os.path.join(args.out, case["name"] + ".bin"), "wb") as f:
            f.write(data)
        total += len(data)
        lines.append("%s %s" % (case["name"], describe(case).strip()))
    with open(os.path.join(args.out, "index.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("%d cases, %d bytes in %s" % (len(lines) - 1, total, args.out))


if __name__ == "__main__":
    main()
