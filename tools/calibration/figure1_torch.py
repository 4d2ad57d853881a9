#!/usr/bin/python3
"""PyTorch 1.13 run of the lab's figure1 configuration on bnlab's own mnist-sample split, so the lab's
numbers can be compared with PyTorch's on identical data (docs/RESULTS.md).

784-100-100-100-10 sigmoid MLP, weights N(0, 1), biases 0, BN before each sigmoid (Linear without bias),
plain SGD lr 0.1, batch 60, 10,000 steps, evaluation every 500 steps on the 2,000 test images.
Run from the repository root: /usr/bin/python3 tools/calibration/figure1_torch.py [--seeds 1,2,3]
"""
import argparse
import gzip
import json

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

BASE = "src/main/resources/org/bnlab/data/mnist-sample/"


def idx(path):
    raw = gzip.open(BASE + path).read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw[4 + 4 * ndim:], dtype=np.uint8).reshape(dims)


def net(bn):
    layers = []
    for i in range(3):
        lin = nn.Linear(784 if i == 0 else 100, 100, bias=not bn)
        layers.append(lin)
        if bn:
            layers.append(nn.BatchNorm1d(100))
        layers.append(nn.Sigmoid())
    layers.append(nn.Linear(100, 10))
    model = nn.Sequential(*layers)
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 1.0)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--steps", type=int, default=10000)
    args = ap.parse_args()
    torch.set_num_threads(1)
    xtr = torch.tensor(idx("train-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0, dtype=torch.float32)
    ytr = torch.tensor(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    xte = torch.tensor(idx("t10k-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0, dtype=torch.float32)
    yte = torch.tensor(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    result = {}
    for bn in (False, True):
        finals = []
        for seed in [int(s) for s in args.seeds.split(",")]:
            torch.manual_seed(seed)
            model = net(bn)
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            g = torch.Generator().manual_seed(seed)
            perm, pos, curve = torch.randperm(len(xtr), generator=g), 0, []
            for step in range(1, args.steps + 1):
                if pos + 60 > len(xtr):
                    perm, pos = torch.randperm(len(xtr), generator=g), 0
                b = perm[pos:pos + 60]
                pos += 60
                model.train()
                opt.zero_grad()
                F.cross_entropy(model(xtr[b]), ytr[b]).backward()
                opt.step()
                if step % 500 == 0:
                    model.eval()
                    with torch.no_grad():
                        curve.append(round(float((model(xte).argmax(1) == yte).float().mean()), 4))
            finals.append(curve[-1])
            print("BN" if bn else "no BN", "seed", seed, "accuracy at 2k/4k/.../10k:", curve[3::4])
        result["bn" if bn else "plain"] = {"final": finals, "mean": round(float(np.mean(finals)), 4)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
