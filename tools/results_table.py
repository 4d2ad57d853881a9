#!/usr/bin/env python3
"""Prints the claims of a `bnlab paper` run as the markdown table used in docs/RESULTS.md, straight
from its metrics.json, so the document quotes exactly what the run measured.
Usage: python3 tools/results_table.py runs/paper-.../metrics.json"""
import json
import sys

m = json.load(open(sys.argv[1]))
counts = {}
rows = []
for e in m["experiments"]:
    for c in e.get("claims", []):
        v = c["verdict"].lower().replace("_", " ")
        counts[v] = counts.get(v, 0) + 1
        rows.append("| %s | %s | %s | %s |" % (e["name"], c["claim"], c["measured"].replace("|", "/"), v))
p = m["provenance"]
print("Run: git commit %s, %s, %s, %s thread(s) per run, %s workers; wall time %s s." % (
    p.get("git_commit"), p.get("jvm"), p.get("date", "")[:10], p.get("threads"), p["config"].get("workers"),
    p.get("wall_seconds")))
print("Verdicts: " + ", ".join("%d %s" % (n, v) for v, n in sorted(counts.items())) + ".")
print()
print("| experiment | claim | measured | verdict |")
print("|---|---|---|---|")
print("\n".join(rows))
