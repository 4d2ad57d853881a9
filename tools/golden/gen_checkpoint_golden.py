#!/usr/bin/env python3
"""Golden files for org.bnlab.train.SafetensorsTest, and the PyTorch side of the round trip.

Needs PyTorch and numpy; on the project machine that is Debian's python3-torch under /usr/bin/python3
(the python3 on PATH has no torch). There is no `safetensors` package there, so this script carries
its own minimal safetensors reader and writer (struct + json + numpy), written from the format spec.

Generate (writes into bnlab-core/src/test/resources/golden/checkpoint/):
    /usr/bin/python3 tools/golden/gen_checkpoint_golden.py
  torch_model.safetensors  state_dict of Sequential(Linear(6,5,bias=False), BatchNorm1d(5), Sigmoid(),
                           Linear(5,3)) after two SGD steps in training mode, so running_mean,
                           running_var and num_batches_tracked (= 2) are non-trivial; metadata format=pt
  torch_io.safetensors     'input' [4, 6] and the model's eval-mode 'output' [4, 3]

Reverse check (a Java-written file loads into PyTorch with strict=True and gives the same output):
    mvn -B -q test -Dtest=SafetensorsTest        # writes target/golden-check/java_model.safetensors
    /usr/bin/python3 tools/golden/gen_checkpoint_golden.py check target/golden-check/java_model.safetensors
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "..", "bnlab-core", "src", "test", "resources", "golden", "checkpoint")

DTYPES = {"F32": np.float32, "I64": np.int64}


def st_write(path, tensors, metadata):
    """tensors: dict name -> numpy array (float32 or int64), written in dict order, contiguously."""
    assert sys.byteorder == "little"
    header = {"__metadata__": dict(metadata)} if metadata else {}
    blobs, offset = [], 0
    for name, a in tensors.items():
        a = np.array(a, order="C", copy=True)  # not ascontiguousarray: it turns shape [] into [1]
        dtype = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}[a.dtype]
        b = a.tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def st_read(path):
    """Returns (dict name -> numpy array in offset order, metadata dict); checks the layout."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n:]
    items = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    out, expected = {}, 0
    for name, t in items:
        begin, end = t["data_offsets"]
        assert begin == expected, f"{path}: tensor {name} is not contiguous"
        a = np.frombuffer(data[begin:end], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
        out[name] = a.copy()
        expected = end
    assert expected == len(data), f"{path}: data section is {len(data)} bytes, tensors need {expected}"
    return out, metadata


def make_model():
    return nn.Sequential(nn.Linear(6, 5, bias=False), nn.BatchNorm1d(5), nn.Sigmoid(), nn.Linear(5, 3))


def fixed_input():
    g = torch.Generator().manual_seed(1234)
    return torch.randn(4, 6, generator=g)


def generate():
    torch.manual_seed(0)
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    g = torch.Generator().manual_seed(42)
    model.train()
    for _ in range(2):
        x = torch.randn(8, 6, generator=g) * 2 + 0.5
        y = torch.randn(8, 3, generator=g)
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    model.eval()
    x = fixed_input()
    with torch.no_grad():
        y = model(x)
    os.makedirs(OUT_DIR, exist_ok=True)
    sd = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    st_write(os.path.join(OUT_DIR, "torch_model.safetensors"), sd, {"format": "pt"})
    st_write(os.path.join(OUT_DIR, "torch_io.safetensors"), {"input": x.numpy(), "output": y.numpy()}, {})
    for k, v in sd.items():
        print(k, v.dtype, list(v.shape))
    print("output[0] =", y[0].tolist())


def check(path):
    sd, metadata = st_read(path)
    print("metadata:", metadata)
    for k, v in sd.items():
        print(" ", k, v.dtype, list(v.shape))
    model = make_model()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()}, strict=True)
    model.eval()
    io, _ = st_read(os.path.join(OUT_DIR, "torch_io.safetensors"))
    with torch.no_grad():
        y = model(torch.from_numpy(io["input"])).numpy()
    diff = float(np.max(np.abs(y - io["output"])))
    nbt = sd["1.num_batches_tracked"]
    assert nbt.shape == () and nbt.dtype == np.int64, "num_batches_tracked must be an int64 scalar, shape []"
    print("num_batches_tracked:", int(nbt))
    print("eval output:", y.tolist())
    print("max |output - golden output| =", diff)
    assert diff == 0.0, "Java-written checkpoint does not reproduce the PyTorch output"
    print("OK: strict load_state_dict and bit-identical eval output")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        check(sys.argv[2])
    elif len(sys.argv) == 1:
        generate()
    else:
        sys.exit(__doc__)
