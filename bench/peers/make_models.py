#!/usr/bin/python3
"""Regenerates the small ONNX models used by OrtBench (run with Debian's /usr/bin/python3, which has torch 1.13).

  /usr/bin/python3 make_models.py            # writes models/*.onnx (re-runnable, deterministic)

Models (float32, fixed shapes, opset 13, exported in eval mode):
  bn_N_C[_H_W].onnx  one BatchNormalization node (eps 1e-5, gamma=1, beta=0, running mean 0, var 1)
  mlp_60.onnx        784-100-100-100-10 MLP: MatMul (no bias) -> BatchNormalization -> Sigmoid (x3),
                     then Gemm with bias; output = logits (softmax omitted: it does not change the argmax and
                     ORT would only add one small node). BN is NOT folded by the exporter (constant folding off);
                     ORT's own graph optimizer may fuse it at session creation (OrtBench reports the node count).
"""
import os
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "models")
SHAPES = [(256, 64, 32, 32), (32, 256, 14, 14), (1024, 1024), (60, 100)]


def export(model, example, name):
    model.eval()
    path = os.path.join(OUT, name)
    torch.onnx.export(model, (example,), path, input_names=["x"], output_names=["y"], opset_version=13,
                      do_constant_folding=False, training=torch.onnx.TrainingMode.EVAL)
    print("wrote", os.path.relpath(path, HERE), os.path.getsize(path), "bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    for shape in SHAPES:
        c = shape[1]
        bn = nn.BatchNorm2d(c, eps=1e-5, momentum=0.1) if len(shape) == 4 else nn.BatchNorm1d(c, eps=1e-5, momentum=0.1)
        export(bn, torch.zeros(*shape), "bn_" + "_".join(map(str, shape)) + ".onnx")
    layers = []
    width = 784
    for _ in range(3):
        layers += [nn.Linear(width, 100, bias=False), nn.BatchNorm1d(100, eps=1e-5, momentum=0.1), nn.Sigmoid()]
        width = 100
    layers.append(nn.Linear(width, 10, bias=True))
    export(nn.Sequential(*layers), torch.rand(60, 784), "mlp_60.onnx")


if __name__ == "__main__":
    main()
