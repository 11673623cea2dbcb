"""Writes ONNX's own backend node test cases for the operators convlens imports into
tests/data/onnx-node/ (run by tests/onnx_node.rs).

The onnx PyPI wheels of this version ship the generators of the node cases
(onnx/backend/test/case/node/*.py) but not the generated data, so this script runs those
generators (onnx.backend.test.case.node.collect_testcases, the same code that writes the data in
the onnx repository) and writes each case in the usual layout: <case>/model.onnx and
<case>/test_data_set_0/{input,output}_<i>.pb.

- Function-expanded variants (`*_expanded*`) are left out: they test other operators.
- A case whose model is stamped with an opset above 21 (the operator's latest `since_version`,
  e.g. Conv 22 added bfloat16) is re-stamped with opset 21 when the operator's opset-21 schema
  exists, and onnxruntime must then reproduce the case's expected output (rtol 1e-3, atol 1e-5);
  the manifest notes the re-stamp.
- Every case of these operators goes into MANIFEST.tsv (name, operator, opset, input shapes, data
  written or why not); data is written for cases under 100 KB.
- numpy's global random seed is fixed, so a rerun writes the same files.

Usage: .cache/onnx/venv/bin/python tools/onnx/make_node_cases.py  (see tools/onnx/setup_venv.sh)
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from onnx.backend.test.case import node as node_cases

OPERATORS = [
    "Conv", "BatchNormalization", "Relu", "Clip", "Sigmoid", "HardSwish", "MaxPool", "AveragePool",
    "GlobalAveragePool", "Gemm", "MatMul", "Add", "Flatten", "Reshape", "Concat", "Softmax",
    "Dropout", "Identity", "Constant",
]
MAX_OPSET = 21
MAX_BYTES = 100 * 1024
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "onnx-node")


def default_opset(model: onnx.ModelProto) -> onnx.OperatorSetIdProto:
    return next(o for o in model.opset_import if o.domain in ("", "ai.onnx"))


def run_ort(model: onnx.ModelProto, inputs: list) -> list:
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    feeds = {n: np.asarray(x) for n, x in zip(names, inputs)}
    return sess.run(None, feeds)


def tensor_bytes(x, name: str) -> bytes:
    if isinstance(x, onnx.TensorProto):
        return x.SerializeToString()
    return numpy_helper.from_array(np.asarray(x), name).SerializeToString()


def main() -> None:
    out = os.path.realpath(OUT)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    rows = []
    np.random.seed(0)
    for case in node_cases.collect_testcases():
            if "_expanded" in case.name or len(case.model.graph.node) != 1:
                continue
            op = case.model.graph.node[0].op_type
            if op not in OPERATORS or case.model.graph.node[0].domain not in ("", "ai.onnx"):
                continue
            model = case.model
            (inputs, outputs), = case.data_sets
            opset = default_opset(model)
            note = ""
            if opset.version > MAX_OPSET:
                try:
                    onnx.defs.get_schema(op, MAX_OPSET, "")
                except Exception:
                    rows.append((case.name, op, str(opset.version), "", f"no opset-{MAX_OPSET} schema"))
                    continue
                note = f"re-stamped from opset {opset.version}"
                opset.version = MAX_OPSET
                try:
                    got = run_ort(model, inputs)
                except Exception as e:  # e.g. types the opset-21 schema lacks
                    rows.append((case.name, op, "22+", "", f"not written: onnxruntime fails at opset {MAX_OPSET} ({type(e).__name__})"))
                    continue
                same = all(
                    np.allclose(g, w, rtol=1e-3, atol=1e-5)
                    for g, w in zip(got, [numpy_helper.to_array(w) if isinstance(w, onnx.TensorProto) else np.asarray(w) for w in outputs])
                    if np.asarray(g).dtype.kind == "f"
                )
                if not same:
                    rows.append((case.name, op, "22+", "", f"not written: onnxruntime differs from the expected output at opset {MAX_OPSET}"))
                    continue
            shapes = " ".join("x".join(str(d) for d in np.shape(x)) or "scalar" for x in inputs)
            files = {"model.onnx": model.SerializeToString()}
            for j, x in enumerate(inputs):
                name = model.graph.input[j].name if j < len(model.graph.input) else f"input_{j}"
                files[f"test_data_set_0/input_{j}.pb"] = tensor_bytes(x, name)
            for j, y in enumerate(outputs):
                files[f"test_data_set_0/output_{j}.pb"] = tensor_bytes(y, model.graph.output[j].name)
            size = sum(len(b) for b in files.values())
            if size > MAX_BYTES:
                rows.append((case.name, op, str(opset.version), shapes, f"not written: {size} bytes"))
                continue
            for path, data in files.items():
                full = os.path.join(out, case.name, path)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "wb") as f:
                    f.write(data)
            rows.append((case.name, op, str(opset.version), shapes, note or "written"))
    rows.sort()
    with open(os.path.join(out, "MANIFEST.tsv"), "w") as f:
        f.write(f"# ONNX backend node test cases of onnx {onnx.__version__} for the operators convlens imports\n")
        f.write("case\toperator\topset\tinput shapes\tdata\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    print(f"{len(rows)} cases, {sum(r[4] != 'written' and not r[4].startswith('re-stamped') for r in rows)} without data")


if __name__ == "__main__":
    main()
