#!/usr/bin/python3
"""Golden data for bnlab's BatchNormFolding: PyTorch 1.13's own conv/linear-BN fusion.

torch.nn.utils.fusion.fuse_conv_bn_eval / fuse_linear_bn_eval fold an eval-mode BatchNorm into the
Conv2d / Linear before it. BatchNormFoldingGoldenTest loads each case's layer and BN parameters into
bnlab, folds, and compares the folded weight and bias and the folded model's output on x with these.

Run from the repository root (Debian's python3-torch 1.13 lives in /usr/bin/python3):

    /usr/bin/python3 tools/golden/gen_fusion_golden.py

Writes bnlab-core/src/test/resources/golden/fusion/<case>.txt, one tensor per line as the layers
goldens: <name> <dim0>,<dim1>,... <v0> <v1> ... (float32, 9 significant digits). Names: weight, bias
(absent without bias), bn.weight, bn.bias, bn.running_mean, bn.running_var, eps, x, then the fused
layer's fused.weight, fused.bias and y = fused(x) (which equals bn(layer(x)) in eval mode).
"""
import os
import torch
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "bnlab-core", "src", "test", "resources", "golden", "fusion")


def line(name, t):
    t = torch.as_tensor(t).detach().to(torch.float32).contiguous()
    dims = ",".join(str(d) for d in t.shape) if t.dim() > 0 else "1"
    vals = " ".join("%.9g" % v for v in t.reshape(-1).tolist())
    return "%s %s %s\n" % (name, dims, vals)


def bn_params(bn, gen):
    c = bn.num_features
    with torch.no_grad():
        bn.weight.copy_(torch.randn(c, generator=gen) * 0.5 + 1)
        bn.bias.copy_(torch.randn(c, generator=gen))
        bn.running_mean.copy_(torch.randn(c, generator=gen) * 2 + 3)   # a large mean: the classic bug shows
        bn.running_var.copy_(torch.rand(c, generator=gen) * 4 + 0.05)
    bn.eval()


def write(name, layer, bn, x):
    fused = fuse_conv_bn_eval(layer, bn) if isinstance(layer, torch.nn.Conv2d) else fuse_linear_bn_eval(layer, bn)
    with torch.no_grad():
        y = fused(x)
        ref = bn(layer(x))
    assert torch.allclose(y, ref, atol=1e-4, rtol=1e-4), name
    with open(os.path.join(OUT, name + ".txt"), "w") as f:
        f.write("# PyTorch %s torch.nn.utils.fusion on %s\n" % (torch.__version__, name))
        f.write(line("weight", layer.weight))
        if layer.bias is not None:
            f.write(line("bias", layer.bias))
        f.write(line("bn.weight", bn.weight))
        f.write(line("bn.bias", bn.bias))
        f.write(line("bn.running_mean", bn.running_mean))
        f.write(line("bn.running_var", bn.running_var))
        f.write(line("eps", torch.tensor([bn.eps])))
        f.write(line("x", x))
        f.write(line("fused.weight", fused.weight))
        f.write(line("fused.bias", fused.bias))
        f.write(line("y", y))


def main():
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(1234)
    for bias in (True, False):
        conv = torch.nn.Conv2d(3, 5, 3, stride=1, padding=1, bias=bias)
        with torch.no_grad():
            conv.weight.copy_(torch.randn(conv.weight.shape, generator=gen) * 0.3)
            if bias:
                conv.bias.copy_(torch.randn(5, generator=gen))
        bn = torch.nn.BatchNorm2d(5, eps=1e-3)
        bn_params(bn, gen)
        write("conv_bn_%s" % ("bias" if bias else "nobias"), conv.eval(), bn, torch.randn(2, 3, 6, 6, generator=gen))
        lin = torch.nn.Linear(7, 4, bias=bias)
        with torch.no_grad():
            lin.weight.copy_(torch.randn(lin.weight.shape, generator=gen) * 0.4)
            if bias:
                lin.bias.copy_(torch.randn(4, generator=gen))
        bn1 = torch.nn.BatchNorm1d(4)
        bn_params(bn1, gen)
        write("linear_bn_%s" % ("bias" if bias else "nobias"), lin.eval(), bn1, torch.randn(3, 7, generator=gen))


if __name__ == "__main__":
    main()
