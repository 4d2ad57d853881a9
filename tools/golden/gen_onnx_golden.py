#!/usr/bin/env python3
"""Golden files for bnlab-onnx's OnnxImporterGoldenTest and SafetensorsStateDictTest.

Needs Debian's python3-torch (PyTorch 1.13), python3-numpy and python3-onnx (ONNX 1.12), i.e.
/usr/bin/python3 on the project machine. Generate (writes into bnlab-onnx/src/test/resources/golden/onnx/):

    /usr/bin/python3 tools/golden/gen_onnx_golden.py

For each model, PyTorch 1.13's torch.onnx.export (opset 15, dynamic batch dimension) writes
<name>.onnx, and <name>.txt holds the input recipe and the expected logits:

    mlp      the paper's MNIST network 784-100-100-100-10, sigmoid, BatchNorm1d before each hidden
             sigmoid (hidden Linear layers without bias, as bnlab's Models preset): exported as
             MatMul (bias-free Linear), BatchNormalization, Sigmoid, Gemm
    cnn      Conv(1,4,3,p1,no bias)-BN-ReLU-MaxPool2, Conv(4,8,3,p1)-BN-ReLU-MaxPool2, Flatten,
             Linear(392,10), default export (TrainingMode.EVAL): PyTorch folds each Conv-BN pair
             into the Conv, so the file has Conv with bias and no BatchNormalization
    cnn_bn   the same model exported with TrainingMode.PRESERVE in eval mode: BatchNormalization
             nodes kept (training_mode 0)
    zoo      Conv(3,6,3,s2,p1,no bias)-BN-Tanh-AvgPool(2,s1), Conv(6,5,1)-BN-Sigmoid,
             AdaptiveAvgPool2d(1), Flatten, Linear(5,3): the remaining operators (AveragePool,
             GlobalAveragePool + Flatten, Tanh, strided conv)

plus cnn_bn.safetensors: the cnn's state_dict (PyTorch names, format=pt), written by the small
safetensors writer of gen_checkpoint_golden.py (the safetensors package is not installed here).

Every BN has non-trivial running statistics (five training-mode forwards on shifted inputs) and
random gamma/beta; weights are PyTorch's default initialization under torch.manual_seed. The input
x = offset + scale * u, with u the [-1, 1) splitmix64 stream of gen_bn_golden.py, is stored as
<name>_input.bin (raw little-endian float32, 80 KB in all): bnlab-onnx's tests do not see the core
module's test helpers, and this keeps them free of a second copy of the generator. Expected logits
come from the float32 weights run in float64 and are written with 17 significant digits.

The script runs onnx.checker on every file and prints each file's operators.
"""
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gen_bn_golden import uniform  # noqa: E402  (the GoldenRandom twin)
from gen_checkpoint_golden import st_write  # noqa: E402

OUT_DIR = os.path.join(HERE, "..", "..", "bnlab-onnx", "src", "test", "resources", "golden", "onnx")
OPSET = 15


def paper_mlp():
    layers, width = [], 784
    for _ in range(3):
        layers += [nn.Linear(width, 100, bias=False), nn.BatchNorm1d(100), nn.Sigmoid()]
        width = 100
    layers.append(nn.Linear(100, 10))
    return nn.Sequential(*layers)


def small_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * 7 * 7, 10))


def zoo():
    return nn.Sequential(
        nn.Conv2d(3, 6, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(6), nn.Tanh(), nn.AvgPool2d(2, stride=1),
        nn.Conv2d(6, 5, 1), nn.BatchNorm2d(5), nn.Sigmoid(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(5, 3))


def golden_input(seed, shape, scale, offset):
    u = uniform(seed, int(np.prod(shape))).reshape(shape)
    x = np.float32(offset) + np.float32(scale) * u
    assert x.dtype == np.float32
    return x


def prepare(model, shape, seed):
    """Running statistics from five training forwards on shifted inputs, then random gamma/beta."""
    gen = torch.Generator().manual_seed(seed)
    model.train()
    with torch.no_grad():
        for _ in range(5):
            model(torch.rand((32,) + shape, generator=gen) * 2 + 0.5)
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.rand(m.num_features, generator=gen) - 0.5)
    model.eval()
    return model


def export(model, name, shape, training=torch.onnx.TrainingMode.EVAL):
    path = os.path.join(OUT_DIR, name + ".onnx")
    torch.onnx.export(model, torch.zeros((2,) + shape), path, opset_version=OPSET, training=training,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    m = onnx.load(path)
    onnx.checker.check_model(m)
    print(f"{name}.onnx: {os.path.getsize(path)} bytes, ops {[n.op_type for n in m.graph.node]}")


def write_expected(model, name, onnx_file, shape, n, seed, scale, offset):
    x = golden_input(seed, (n,) + shape, scale, offset)
    with torch.no_grad():
        logits = model.double()(torch.from_numpy(x).double()).numpy()
    model.float()
    assert sys.byteorder == "little"
    x.tofile(os.path.join(OUT_DIR, name + "_input.bin"))
    lines = [f"# {onnx_file}: logits of PyTorch 1.13 (float32 weights, run in float64) for {name}_input.bin",
             f"# input: {offset!r} + {scale!r} * uniform(seed={seed})",
             "shape " + " ".join(str(d) for d in (n,) + shape), f"logits {logits.shape[0]} {logits.shape[1]}"]
    lines += [" ".join(f"{v:.17g}" for v in row) for row in logits]
    with open(os.path.join(OUT_DIR, name + ".txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.manual_seed(0)
    mlp = prepare(paper_mlp(), (784,), 1)
    export(mlp, "mlp", (784,))
    write_expected(mlp, "mlp", "mlp.onnx", (784,), 16, 0x6D6C70, 0.5, 0.5)

    torch.manual_seed(1)
    cnn = prepare(small_cnn(), (1, 28, 28), 2)
    export(cnn, "cnn", (1, 28, 28))
    export(cnn, "cnn_bn", (1, 28, 28), training=torch.onnx.TrainingMode.PRESERVE)
    write_expected(cnn, "cnn", "cnn.onnx cnn_bn.onnx cnn_bn.safetensors", (1, 28, 28), 8, 0x636E6E, 0.5, 0.5)
    sd = {k: v.detach().numpy() for k, v in cnn.state_dict().items()}
    st_write(os.path.join(OUT_DIR, "cnn_bn.safetensors"), sd, {"format": "pt"})

    torch.manual_seed(2)
    z = prepare(zoo(), (3, 9, 9), 3)
    export(z, "zoo", (3, 9, 9))
    write_expected(z, "zoo", "zoo.onnx", (3, 9, 9), 4, 0x7A6F6F, 1.5, -0.25)

    total = sum(os.path.getsize(os.path.join(OUT_DIR, f)) for f in os.listdir(OUT_DIR))
    print(f"{len(os.listdir(OUT_DIR))} files, {total} bytes in {os.path.normpath(OUT_DIR)}")


if __name__ == "__main__":
    main()
