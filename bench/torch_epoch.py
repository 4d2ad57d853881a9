#!/usr/bin/python3
"""One epoch of the CNN preset on Fashion-MNIST in PyTorch, timed as a whole command would be: read
the IDX files Debian's dataset-fashion-mnist installs, train one epoch (SGD, momentum 0.9, lr 0.05,
batch 128, shuffled), evaluate on the 10,000 test images. The same model as bench/torch_bench.py's
cnn() and bnlab's preset (`./bnlab train --dataset fashion-mnist --model cnn --bn --optimizer sgd
--momentum 0.9 --lr 0.05 --batch 128 --epochs 1`). Prints one JSON line."""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_bench import cnn  # noqa: E402

DIR = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(os.path.join(DIR, name), "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    t0 = time.perf_counter()
    xtr = torch.from_numpy(idx("train-images-idx3-ubyte.gz").astype(np.float32) / 255.0).unsqueeze(1)
    ytr = torch.from_numpy(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    xte = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0).unsqueeze(1)
    yte = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    t1 = time.perf_counter()
    model = cnn()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    model.train()
    perm = torch.randperm(len(xtr))
    for s in range(0, len(xtr), 128):
        b = perm[s:s + 128]
        opt.zero_grad(set_to_none=False)
        F.cross_entropy(model(xtr[b]), ytr[b]).backward()
        opt.step()
    t2 = time.perf_counter()
    model.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(xte), 1000):
            correct += (model(xte[s:s + 1000]).argmax(1) == yte[s:s + 1000]).sum().item()
    t3 = time.perf_counter()
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "load_s": t1 - t0,
                      "train_epoch_s": t2 - t1, "eval_s": t3 - t2, "total_s": t3 - t0,
                      "test_accuracy": correct / len(xte)}))


if __name__ == "__main__":
    main()
