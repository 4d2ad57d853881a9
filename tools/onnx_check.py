#!/usr/bin/env python3
"""Runs the ONNX checker (python3-onnx, ONNX 1.12) on exported .onnx files. Optional, not in CI.

    /usr/bin/python3 tools/onnx_check.py model.onnx [more.onnx ...]

For each file: onnx.checker.check_model with full_check (operator schemas and shape inference),
then a summary: IR version, opsets, graph inputs and outputs with their shapes (a symbolic batch
dimension shows as its name), the operators used and the metadata_props. Exits 1 if any file fails.
"""
import sys

import onnx


def dims(value):
    shape = value.type.tensor_type.shape
    return [d.dim_param or d.dim_value for d in shape.dim]


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    ops = {}
    for node in model.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    print(f"{path}: OK")
    print(f"  ir_version {model.ir_version}, opsets "
          + ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import)
          + f", producer {model.producer_name} {model.producer_version}")
    for v in model.graph.input:
        print(f"  input  {v.name} {dims(v)}")
    for v in model.graph.output:
        print(f"  output {v.name} {dims(v)}")
    print("  ops    " + ", ".join(f"{k} x{n}" for k, n in ops.items()))
    for p in model.metadata_props:
        value = p.value if len(p.value) <= 100 else p.value[:97] + "..."
        print(f"  meta   {p.key} = {value}")


def main(paths):
    if not paths:
        print(__doc__.strip())
        return 2
    failed = 0
    for path in paths:
        try:
            check(path)
        except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError, OSError) as e:
            print(f"{path}: FAILED: {e}")
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
