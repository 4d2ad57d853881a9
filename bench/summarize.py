#!/usr/bin/python3
"""Turns the JSON files of one bench/compare.sh run into a markdown table of times and ratios."""
import json
import os
import sys

d = sys.argv[1]


def load(name):
    p = os.path.join(d, name)
    return json.load(open(p)) if os.path.exists(p) else {}


bw = load("bandwidth.json")
j25, j17, pt = load("bnlab-jdk25.json"), load("bnlab-jdk17.json"), load("torch.json")
peers = {}
p = os.path.join(d, "peers.txt")
if os.path.exists(p):
    for line in open(p):
        if " {" in line:
            tag, js = line.split(" ", 1)
            try:
                peers[tag] = json.loads(js)
            except ValueError:
                pass
dl4j, ort = peers.get("dl4j", {}), peers.get("onnxruntime", {})


def numel(case):
    dims = case[case.index("[") + 1:-1].split(",")
    n = 1
    for s in dims:
        n *= int(s)
    return n


def roofline_ms(case):
    """Bytes the operation must move at the measured bandwidth: forward-train two reads + one write of x
    (BN is memory-bound), forward-eval one read + one write, backward reads x and dy, writes dx."""
    if not bw or not case.startswith("bn."):
        return None
    n = 4 * numel(case)
    moved = {"bn.forward_train": 3 * n, "bn.forward_eval": 2 * n, "bn.backward": 3 * n}[case.split("[")[0]]
    return moved / (bw["scale_GBps"] * 1e9) * 1e3


def fmt(v):
    return "-" if v is None else ("%.4f" % v if v < 0.1 else "%.3f" % v if v < 10 else "%.1f" % v)


def ratio(peer, ours):
    return "-" if peer is None or ours is None else "%.2fx" % (peer / ours)


tuned = (j25 or j17).get("thread_tuning")
print("threads: %s%s; bandwidth (scale, read+write): %s GB/s, read-only %s GB/s" % (
    j25.get("threads", j17.get("threads")), " (training steps tuned: 1 thread while faster)" if tuned else "",
    bw.get("scale_GBps"), bw.get("read_GBps")))
print("JDK 25: %s; JDK 17: %s; PyTorch %s" % (j25.get("jdk"), j17.get("jdk"), pt.get("torch")))
print()
print("| case | bnlab JDK 25 ms | bnlab JDK 17 ms | PyTorch ms | DL4J ms | ONNX RT ms | PyTorch/bnlab | DL4J/bnlab | ORT/bnlab | roofline/bnlab |")
print("|---|---|---|---|---|---|---|---|---|---|")
cases = [k for k in (j25 or j17) if "[" in k]
for c in cases:
    ours = j25.get(c, j17.get(c))
    rl = roofline_ms(c)
    print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        c, fmt(j25.get(c)), fmt(j17.get(c)), fmt(pt.get(c)), fmt(dl4j.get(c)), fmt(ort.get(c)),
        ratio(pt.get(c), ours), ratio(dl4j.get(c), ours), ratio(ort.get(c), ours),
        "-" if rl is None else "%.0f%%" % (100 * rl / ours)))
for c in ort:
    if c.startswith("mlp.infer") and c not in cases:
        print("| %s (ONNX RT only) | - | - | - | - | %s | - | - | - | - |" % (c, fmt(ort[c])))
