#!/usr/bin/python3
"""Golden data for bnlab's layers from PyTorch (run with Debian's /usr/bin/python3: torch 1.13, numpy).

Writes bnlab-core/src/test/resources/golden/layers/<case>.txt. Format, one tensor per line:
    <name> <dim0>,<dim1>,... <v0> <v1> ...      (values float32 printed with 9 significant digits)
Names: x, weight, bias (when present), y = layer(x), dy (a fixed random upstream gradient),
dx, dweight, dbias = gradients of sum(y * dy). A line "# ..." is a comment with the layer's config.
Usage: /usr/bin/python3 tools/golden/gen_layers_golden.py   (from the repository root)
"""
import os
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "bnlab-core", "src", "test", "resources", "golden", "layers")


def write(name, config, tensors):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".txt"), "w") as f:
        f.write("# " + config + " (torch " + torch.__version__ + ")\n")
        for key, t in tensors:
            t = t.detach().to(torch.float32).contiguous()
            dims = ",".join(str(d) for d in t.shape)
            vals = " ".join("%.9g" % v for v in t.reshape(-1).tolist())
            f.write("%s %s %s\n" % (key, dims, vals))


def case(name, config, layer, x_shape, gen):
    x = torch.randn(*x_shape, generator=gen, dtype=torch.float32).requires_grad_(True)
    y = layer(x)
    dy = torch.randn(*y.shape, generator=gen, dtype=torch.float32)
    (y * dy).sum().backward()
    tensors = [("x", x)]
    params = dict(layer.named_parameters())
    for p in ("weight", "bias"):
        if p in params:
            tensors.append((p, params[p]))
    tensors += [("y", y), ("dy", dy), ("dx", x.grad)]
    for p in ("weight", "bias"):
        if p in params:
            tensors.append(("d" + p, params[p].grad))
    write(name, config, tensors)


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    case("linear_bias", "Linear(5, 3, bias=True)", torch.nn.Linear(5, 3, bias=True), (4, 5), gen)
    case("linear_nobias", "Linear(7, 4, bias=False)", torch.nn.Linear(7, 4, bias=False), (3, 7), gen)
    for s, p, b in ((1, 0, True), (2, 1, True), (1, 1, False), (2, 0, False)):
        cfg = "Conv2d(3, 4, kernel_size=3, stride=%d, padding=%d, bias=%s)" % (s, p, b)
        case("conv_s%d_p%d_%s" % (s, p, "bias" if b else "nobias"), cfg,
             torch.nn.Conv2d(3, 4, 3, stride=s, padding=p, bias=b), (2, 3, 7, 6), gen)
    for k, s in ((2, 2), (3, 2)):
        case("maxpool_k%d_s%d" % (k, s), "MaxPool2d(kernel_size=%d, stride=%d)" % (k, s),
             torch.nn.MaxPool2d(k, s), (2, 3, 7, 6), gen)
        case("avgpool_k%d_s%d" % (k, s), "AvgPool2d(kernel_size=%d, stride=%d)" % (k, s),
             torch.nn.AvgPool2d(k, s), (2, 3, 7, 6), gen)


if __name__ == "__main__":
    main()
