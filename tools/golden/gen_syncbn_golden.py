#!/usr/bin/python3
"""Golden data for bnlab's SyncBatchNorm: what PyTorch's BatchNorm computes on the WHOLE global batch.

SyncBatchNorm over R replicas holding slices of a global batch must give exactly that (PyTorch's own
SyncBatchNorm needs a process group and CUDA, so the oracle is its definition: BatchNorm on the
concatenated batch). SyncBatchNormGoldenTest splits each step's input into the slices written here,
runs one SyncBatchNorm per replica on its own thread, and compares.

Run from the repository root (Debian's python3-torch 1.13 lives in /usr/bin/python3):

    /usr/bin/python3 tools/golden/gen_syncbn_golden.py

Writes bnlab-core/src/test/resources/golden/syncbn/<case>.txt (deterministic: a second run gives identical files).
Format, one tensor per line, as the layers goldens:
    <name> <dim0>,<dim1>,... <v0> <v1> ...      (float32 values printed with 9 significant digits)
Lines: "slices" (replica slice sizes along dim 0, printed as values), momentum, weight, bias (initial), then for
each step k: k.x, k.dy (inputs, float32), k.y, k.dx, k.dweight, k.dbias (gradients of sum(y * dy),
zeroed before each step), k.running_mean, k.running_var, k.num_batches_tracked, and k.train (1 or 0).
Expected values are PyTorch's module run in float64 on the float32 inputs, rounded to float32.
"""
import os
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "bnlab-core", "src", "test", "resources", "golden", "syncbn")


def line(name, t):
    t = torch.as_tensor(t).detach().to(torch.float32).contiguous()
    dims = ",".join(str(d) for d in t.shape) if t.dim() > 0 else "1"
    vals = " ".join("%.9g" % v for v in t.reshape(-1).tolist())
    return "%s %s %s\n" % (name, dims, vals)


def case(name, shape, slices, steps, gen, momentum=0.1):
    assert sum(slices) == shape[0]
    c = shape[1]
    bn = (torch.nn.BatchNorm1d if len(shape) == 2 else torch.nn.BatchNorm2d)(c, momentum=momentum).double()
    with torch.no_grad():
        bn.weight.copy_(0.5 + torch.rand(c, generator=gen, dtype=torch.float32).double())
        bn.bias.copy_(torch.randn(c, generator=gen, dtype=torch.float32).double())
    lines = ["# global-batch %s, momentum %s, slices %s (torch %s)\n"
             % (bn, momentum, slices, torch.__version__), line("slices", torch.tensor(slices, dtype=torch.float32)),
             line("momentum", torch.tensor([momentum])),
             line("weight", bn.weight), line("bias", bn.bias)]
    for k, train in enumerate(steps):
        # per-channel offsets and scales so the channels differ; float32 inputs, computed in float64
        mean = 3 * torch.randn(1, c, *([1] * (len(shape) - 2)), generator=gen, dtype=torch.float32)
        std = 0.2 + 2 * torch.rand(1, c, *([1] * (len(shape) - 2)), generator=gen, dtype=torch.float32)
        x = (mean + std * torch.randn(*shape, generator=gen, dtype=torch.float32)).to(torch.float32)
        dy = torch.randn(*shape, generator=gen, dtype=torch.float32)
        bn.train(train)
        bn.zero_grad()
        xd = x.double().requires_grad_(True)
        y = bn(xd)
        (y * dy.double()).sum().backward()
        lines += [line("%d.train" % k, torch.tensor([1.0 if train else 0.0])), line("%d.x" % k, x), line("%d.dy" % k, dy),
                  line("%d.y" % k, y), line("%d.dx" % k, xd.grad), line("%d.dweight" % k, bn.weight.grad),
                  line("%d.dbias" % k, bn.bias.grad), line("%d.running_mean" % k, bn.running_mean),
                  line("%d.running_var" % k, bn.running_var),
                  line("%d.num_batches_tracked" % k, torch.tensor([float(bn.num_batches_tracked)]))]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".txt"), "w") as f:
        f.writelines(lines)


def main():
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(2024)
    case("dense_32x6", (32, 6), [13, 0, 11, 8], [True, True, False], gen)
    case("dense_7x3", (7, 3), [1, 6], [True, True], gen)
    case("conv_10x3x4x4", (10, 3, 4, 4), [4, 0, 1, 5], [True, True, False], gen, momentum=0.3)
    names = sorted(os.listdir(OUT))
    print("%d cases, %d bytes" % (len(names), sum(os.path.getsize(os.path.join(OUT, n)) for n in names)))


if __name__ == "__main__":
    main()
