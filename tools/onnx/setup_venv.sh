#!/usr/bin/env bash
# Creates .cache/onnx/venv with the pinned onnx, onnxruntime and numpy (from PyPI) for
# tools/onnx/make_node_cases.py and tools/onnx/make_reference.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.cache/onnx/venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q -r tools/onnx/requirements.txt
"$VENV/bin/python" -c 'import onnx, onnxruntime, numpy; print("onnx", onnx.__version__, "onnxruntime", onnxruntime.__version__, "numpy", numpy.__version__)'
