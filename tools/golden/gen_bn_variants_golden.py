#!/usr/bin/python3
"""Golden data for bnlab's BatchRenorm, GhostBatchNorm, FrozenBatchNorm and PreciseBN (PyTorch 1.13).

Run from the repository root with the interpreter that has Debian's python3-torch and numpy:

    /usr/bin/python3 tools/golden/gen_bn_variants_golden.py [--out bnlab-core/src/test/resources/golden/bn_variants]

PyTorch 1.13 has none of these layers, so each reference is written here in torch float64 on
float32-exact inputs (expected values rounded to float32 once, at the end):
  - Batch Renorm: the formula of Ioffe 2017 (see renorm_forward) with bnlab's documented choices
    (sigma_B from the biased batch variance + eps; r and d from the running statistics before the
    update; running statistics updated as torch.nn.BatchNorm's).
  - Ghost BN: torch.nn.BatchNorm applied to each chunk x.split(v) in order (last chunk smaller).
  - Frozen BN: detectron2's FrozenBatchNorm2d.forward (frozen_forward), which is five lines.
  - Precise BN: the true average of the batch statistics of each BN layer's input, with the whole
    model (BN -> ReLU -> BN) run in training mode batch after batch.

Inputs are not stored: x, dy, gamma and beta come from 64-bit seeds through the splitmix64
generator shared with gen_bn_golden.py (Java twin: org.bnlab.testing.GoldenRandom).

Output: one text file per case, "<key> <shape|-> <values...>" per line ('#' lines are comments):
  config lines   (key "-" numbers): eps, momentum, rmax, dmax, v (virtual batch size), ...
  seed lines     (key "-" one decimal int64): param_seed, x_seed.<step>, dy_seed.<step>
  tensor lines   (key "d0,d1,..." float32 values): y.<step>, dx.<step>, dweight.<step>, dbias.<step>,
                 running_mean.<step>, running_var.<step>, and the case's extra results
The script is deterministic (one thread, no time or machine dependence): rerunning rewrites
byte-identical files.
"""

import argparse
import hashlib
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_bn_golden import derive, gen_grad, gen_input, gen_params  # noqa: E402  (the shared generator)

F64 = torch.float64


def seed_of(name):
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def signed(v):
    return v - (1 << 64) if v >= (1 << 63) else v


def java_double(v):
    """repr of a float in the spelling Java's Double.parseDouble reads (NaN, Infinity)."""
    v = float(v)
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "Infinity" if v > 0 else "-Infinity"
    return repr(v)


class Out:
    def __init__(self, title):
        self.lines = ["# " + title + " (torch %s)" % torch.__version__]

    def config(self, key, *values):
        self.lines.append("%s - %s" % (key, " ".join(java_double(v) for v in values)))

    def seed(self, key, v):
        self.lines.append("%s - %d" % (key, signed(v)))

    def tensor(self, key, t):
        a = t.detach().to(F64).numpy().astype(np.float32)
        shape = ",".join(str(d) for d in a.shape) if a.ndim else "1"
        self.lines.append("%s %s %s" % (key, shape, " ".join("%.9g" % v for v in a.reshape(-1))))

    def text(self):
        return "\n".join(self.lines) + "\n"


def reduce_dims(x):
    return [0] + list(range(2, x.dim()))


def per_channel(v, x):
    """A [C] vector broadcast against x ([N, C] or [N, C, H, W])."""
    return v.reshape([1, -1] + [1] * (x.dim() - 2))


# ----------------------------------------------------------------------------- Batch Renorm

def renorm_forward(x, w, b, rm, rv, eps, momentum, rmax, dmax, training):
    """Ioffe 2017, Algorithm 1, with bnlab's conventions. Returns y; updates rm, rv in place (training)."""
    if not training:
        return (x - per_channel(rm, x)) / torch.sqrt(per_channel(rv, x) + eps) * per_channel(w, x) + per_channel(b, x)
    dims = reduce_dims(x)
    m = x.numel() // x.shape[1]
    mu = x.mean(dims)
    var = x.var(dims, unbiased=False)
    sigma_b = torch.sqrt(var + eps)
    sigma = torch.sqrt(rv + eps)
    r = (sigma_b / sigma).clamp(1.0 / rmax, rmax).detach()      # stop-gradient
    d = ((mu - rm) / sigma).clamp(-dmax, dmax).detach()         # stop-gradient
    xhat = (x - per_channel(mu, x)) / per_channel(sigma_b, x) * per_channel(r, x) + per_channel(d, x)
    y = per_channel(w, x) * xhat + per_channel(b, x)
    with torch.no_grad():
        rm.mul_(1 - momentum).add_(momentum * mu)
        rv.mul_(1 - momentum).add_(momentum * var * m / (m - 1))
    return y


def schedule_value(step, warmup, start, end, end_step):
    """RenormSchedule.linear's ramp (constant schedules: warmup = end_step = 0)."""
    if step < warmup:
        return start
    if step >= end_step or end == float("inf"):
        return end
    return start + (end - start) * (step - warmup) / (end_step - warmup)


def renorm_case(name, shape, steps, momentum=0.1, eps=1e-5, sched=(0, 1.5, 0, 0.5, 0)):
    warmup, rmax_f, rmax_step, dmax_f, dmax_step = sched
    seed = seed_of(name)
    o = Out("BatchRenorm %s steps=%s" % (shape, "".join("T" if t else "E" for t in steps)))
    c = shape[1]
    o.config("eps", eps)
    o.config("momentum", momentum)
    o.config("schedule", warmup, rmax_f, rmax_step, dmax_f, dmax_step)
    o.config("steps", *[1 if t else 0 for t in steps])
    o.config("shape", *shape)
    ps = derive(seed, 100)
    o.seed("param_seed", ps)
    g, bt = gen_params(ps, c)
    w = torch.from_numpy(g).to(F64).requires_grad_(True)
    b = torch.from_numpy(bt).to(F64).requires_grad_(True)
    rm = torch.zeros(c, dtype=F64)
    rv = torch.ones(c, dtype=F64)
    tracked = 0
    for k, training in enumerate(steps):
        xs, ds = derive(seed, 1000 + 2 * k), derive(seed, 1001 + 2 * k)
        o.seed("x_seed.%d" % k, xs)
        o.seed("dy_seed.%d" % k, ds)
        x = torch.from_numpy(gen_input(xs, shape)).to(F64).requires_grad_(True)
        dy = torch.from_numpy(gen_grad(ds, shape)).to(F64)
        w.grad = None
        b.grad = None
        rmax = schedule_value(tracked, warmup, 1.0, rmax_f, rmax_step)
        dmax = schedule_value(tracked, warmup, 0.0, dmax_f, dmax_step)
        y = renorm_forward(x, w, b, rm, rv, eps, momentum, rmax, dmax, training)
        if training:
            tracked += 1
        y.backward(dy)
        o.tensor("y.%d" % k, y)
        o.tensor("dx.%d" % k, x.grad)
        o.tensor("dweight.%d" % k, w.grad)
        o.tensor("dbias.%d" % k, b.grad)
        o.tensor("running_mean.%d" % k, rm)
        o.tensor("running_var.%d" % k, rv)
    return o


# ----------------------------------------------------------------------------- Ghost BN

def make_bn(c, nd, eps, momentum):
    cls = torch.nn.BatchNorm1d if nd == 2 else torch.nn.BatchNorm2d
    return cls(c, eps=eps, momentum=momentum).to(F64)


def ghost_case(name, shape, v, steps, momentum=0.1, eps=1e-5):
    seed = seed_of(name)
    o = Out("GhostBatchNorm %s virtual_batch_size=%d" % (shape, v))
    c = shape[1]
    o.config("eps", eps)
    o.config("momentum", float("nan") if momentum is None else momentum)
    o.config("v", v)
    o.config("steps", *[1 if t else 0 for t in steps])
    o.config("shape", *shape)
    ps = derive(seed, 100)
    o.seed("param_seed", ps)
    g, bt = gen_params(ps, c)
    bn = make_bn(c, len(shape), eps, momentum)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(g))
        bn.bias.copy_(torch.from_numpy(bt))
    for k, training in enumerate(steps):
        xs, ds = derive(seed, 1000 + 2 * k), derive(seed, 1001 + 2 * k)
        o.seed("x_seed.%d" % k, xs)
        o.seed("dy_seed.%d" % k, ds)
        x = torch.from_numpy(gen_input(xs, shape)).to(F64).requires_grad_(True)
        dy = torch.from_numpy(gen_grad(ds, shape)).to(F64)
        bn.zero_grad(set_to_none=False)
        bn.train(training)
        # Ghost BN = BatchNorm on each chunk of v samples, in order; eval = BatchNorm on the whole batch
        y = torch.cat([bn(chunk) for chunk in x.split(v, dim=0)]) if training else bn(x)
        y.backward(dy)
        o.tensor("y.%d" % k, y)
        o.tensor("dx.%d" % k, x.grad)
        o.tensor("dweight.%d" % k, bn.weight.grad)
        o.tensor("dbias.%d" % k, bn.bias.grad)
        o.tensor("running_mean.%d" % k, bn.running_mean)
        o.tensor("running_var.%d" % k, bn.running_var)
        o.config("num_batches_tracked.%d" % k, bn.num_batches_tracked.item())
    return o


# ----------------------------------------------------------------------------- Frozen BN

def frozen_forward(x, weight, bias, running_mean, running_var, eps):
    """detectron2's FrozenBatchNorm2d.forward (detectron2/layers/batch_norm.py)."""
    scale = weight * (running_var + eps).rsqrt()
    bias = bias - running_mean * scale
    scale = scale.reshape([1, -1] + [1] * (x.dim() - 2))
    bias = bias.reshape([1, -1] + [1] * (x.dim() - 2))
    return x * scale + bias


def frozen_case(name, shape, eps=1e-5):
    seed = seed_of(name)
    o = Out("FrozenBatchNorm %s" % (shape,))
    c = shape[1]
    o.config("eps", eps)
    o.config("shape", *shape)
    ps = derive(seed, 100)
    o.seed("param_seed", ps)
    g, bt = gen_params(ps, c)
    ss = derive(seed, 200)
    o.seed("stats_seed", ss)
    st = gen_params(ss, c)          # running mean = 2u, running var = (0.5 + u)^2 + 0.1 (> 0)
    rm = torch.from_numpy(st[1]).to(F64)
    rv = torch.from_numpy(st[0]).to(F64) ** 2 + 0.1
    o.tensor("running_var_in", rv)
    xs, ds = derive(seed, 1000), derive(seed, 1001)
    o.seed("x_seed.0", xs)
    o.seed("dy_seed.0", ds)
    x = torch.from_numpy(gen_input(xs, shape)).to(F64).requires_grad_(True)
    dy = torch.from_numpy(gen_grad(ds, shape)).to(F64)
    y = frozen_forward(x, torch.from_numpy(g).to(F64), torch.from_numpy(bt).to(F64), rm, rv, eps)
    y.backward(dy)
    o.tensor("y.0", y)
    o.tensor("dx.0", x.grad)
    return o


# ----------------------------------------------------------------------------- Precise BN

def precise_case(name, shape, k_batches, eps=1e-5):
    """Model BN(C) -> ReLU -> BN(C), gammas/betas from seeds; the true average over K batches."""
    seed = seed_of(name)
    o = Out("PreciseBN over BN -> ReLU -> BN, %s, K=%d" % (shape, k_batches))
    c = shape[1]
    o.config("eps", eps)
    o.config("k", k_batches)
    o.config("shape", *shape)
    bns = []
    for i in range(2):
        ps = derive(seed, 100 + i)
        o.seed("param_seed.%d" % i, ps)
        g, bt = gen_params(ps, c)
        bn = make_bn(c, len(shape), eps, 0.1)
        with torch.no_grad():
            bn.weight.copy_(torch.from_numpy(g))
            bn.bias.copy_(torch.from_numpy(bt))
        bns.append(bn)
    model = torch.nn.Sequential(bns[0], torch.nn.ReLU(), bns[1]).train()
    inputs = []
    hooks = [[] for _ in bns]
    for i, bn in enumerate(bns):
        bn.register_forward_pre_hook(lambda mod, inp, i=i: hooks[i].append(inp[0].detach().clone()))
    for k in range(k_batches):
        xs = derive(seed, 1000 + k)
        o.seed("x_seed.%d" % k, xs)
        x = torch.from_numpy(gen_input(xs, shape)).to(F64)
        with torch.no_grad():
            model(x)
    for i in range(2):
        means = [h.mean(reduce_dims(h)) for h in hooks[i]]
        variances = [h.var(reduce_dims(h), unbiased=True) for h in hooks[i]]   # m/(m-1) * biased
        o.tensor("precise_mean.%d" % i, torch.stack(means).mean(0))
        o.tensor("precise_var.%d" % i, torch.stack(variances).mean(0))
    return o


def cases():
    T, E = True, False
    out = []
    # Batch Renorm: clipping active (running stats start at 0/1 while batches have mean in [-5, 5)
    # and std in [0.1, 3)), then eval; a ramped schedule over five steps; unclipped; plain BN limits.
    out.append(("renorm_clip_16x6", renorm_case("renorm_clip_16x6", [16, 6], [T, T, T, E])))
    out.append(("renorm_clip_6x4x5x5", renorm_case("renorm_clip_6x4x5x5", [6, 4, 5, 5], [T, T, E, T])))
    out.append(("renorm_schedule_12x5", renorm_case("renorm_schedule_12x5", [12, 5], [T, T, T, T, T, E],
                                                    momentum=0.3, sched=(1, 2.0, 4, 1.0, 3))))
    out.append(("renorm_noclip_4x3x3x3", renorm_case("renorm_noclip_4x3x3x3", [4, 3, 3, 3], [T, T, E],
                                                     momentum=0.5, sched=(0, float("inf"), 0, float("inf"), 0))))
    # Ghost BN: a multiple, a smaller last ghost, a last ghost of one sample (conv: 16 values), v >= N.
    out.append(("ghost_12x5_v4", ghost_case("ghost_12x5_v4", [12, 5], 4, [T, T, E])))
    out.append(("ghost_10x3_v4", ghost_case("ghost_10x3_v4", [10, 3], 4, [T, T, E, T])))
    out.append(("ghost_7x3x4x4_v3", ghost_case("ghost_7x3x4x4_v3", [7, 3, 4, 4], 3, [T, E])))
    out.append(("ghost_6x4x3x3_v8", ghost_case("ghost_6x4x3x3_v8", [6, 4, 3, 3], 8, [T, T, E])))
    out.append(("ghost_cumulative_11x4_v3", ghost_case("ghost_cumulative_11x4_v3", [11, 4], 3, [T, T, E], momentum=None)))
    # Frozen BN (detectron2), dense and convolutional, and a batch of one.
    out.append(("frozen_8x5", frozen_case("frozen_8x5", [8, 5])))
    out.append(("frozen_4x3x5x5", frozen_case("frozen_4x3x5x5", [4, 3, 5, 5], eps=1e-3)))
    out.append(("frozen_1x6", frozen_case("frozen_1x6", [1, 6])))
    # Precise BN.
    out.append(("precise_16x6_k5", precise_case("precise_16x6_k5", [16, 6], 5)))
    out.append(("precise_4x3x4x4_k3", precise_case("precise_4x3x4x4_k3", [4, 3, 4, 4], 3)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="bnlab-core/src/test/resources/golden/bn_variants")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    for f in os.listdir(args.out):
        if f.endswith(".txt"):
            os.remove(os.path.join(args.out, f))
    total = 0
    for name, o in cases():
        data = o.text()
        with open(os.path.join(args.out, name + ".txt"), "w") as f:
            f.write(data)
        total += len(data)
    print("%d cases, %d bytes in %s" % (len(cases()), total, args.out))


if __name__ == "__main__":
    main()
