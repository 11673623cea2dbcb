#!/usr/bin/env python3
"""Self-check of a convlens graph model file, independent of the code that wrote it.

    python3 tools/mobilenet/check.py [www/models/mobilenet_v2.safetensors]

Reads the file with its own safetensors parser (npnet.read_safetensors: header length, JSON,
data ranges tiling the data section exactly) and checks, against GRAPH schema of the engine
(architecture JSON in the metadata key "convlens"):
  - the architecture JSON parses; input, labels and layers are well formed; no unknown fields;
  - layer names are unique and not "input"; every `inputs` entry names "input" or an EARLIER layer;
  - shapes propagate through the whole graph (conv/pool output sizes, groups divide channels,
    add inputs identical, linear in_features) and the output has one value per label;
  - every tensor a layer needs exists with exactly the expected shape, optional ones too when
    present, and no tensor is left that no layer uses; all are F16 (or --dtypes) and finite.
Used by convert.py on the file it writes before moving it into place. Needs numpy only.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from npnet import FormatError, read_safetensors  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT = ROOT / "www" / "models" / "mobilenet_v2.safetensors"


class CheckError(Exception):
    pass


COMMON = {"name", "type", "inputs"}
FIELDS = {
    "conv2d": {"out_channels", "kernel_size", "stride", "padding", "dilation", "groups"},
    "maxpool2d": {"kernel_size", "stride", "padding"},
    "avgpool2d": {"kernel_size", "stride", "padding", "count_include_pad"},
    "batchnorm2d": {"eps"},
    "linear": {"out_features"},
    "relu": set(), "relu6": set(), "sigmoid": set(), "hardswish": set(), "flatten": set(),
    "softmax": set(), "global_avgpool": set(),
    "clip": {"min", "max"},
    "dropout": {"p"},
    "reshape": {"shape"},
    "add": set(), "concat": set(),
}
ELEMENTWISE = {"relu", "relu6", "sigmoid", "hardswish", "clip", "dropout", "softmax"}


def pair(layer, key, default):
    v = layer.get(key, default)
    if isinstance(v, int) and not isinstance(v, bool):
        v = [v, v]
    if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) and x >= 0 for x in v)):
        raise CheckError(f"{key} must be a non-negative int or [h, w], got {v!r}")
    return v


def fail(where: str, msg: str):
    raise CheckError(f"{where}: {msg}")


def check_file(path: Path | str, dtypes=("F16",)) -> dict:
    """Validates the file; returns a summary dict. Raises CheckError (or FormatError) on problems."""
    try:
        meta, tensors = read_safetensors(path)
    except FormatError as e:
        raise CheckError(f"not a valid safetensors file: {e}") from None
    if "convlens" not in meta:
        raise CheckError("metadata has no 'convlens' key")
    try:
        arch = json.loads(meta["convlens"])
    except json.JSONDecodeError as e:
        raise CheckError(f"architecture JSON: {e}") from None
    if not isinstance(arch, dict) or set(arch) - {"input", "labels", "layers"}:
        raise CheckError(f"architecture keys {sorted(arch) if isinstance(arch, dict) else arch!r}")

    inp = arch.get("input")
    if not isinstance(inp, dict) or set(inp) - {"channels", "height", "width", "mean", "std"}:
        raise CheckError(f"input: {inp!r}")
    c, h, w = (inp.get(k) for k in ("channels", "height", "width"))
    if not all(isinstance(v, int) and v > 0 for v in (c, h, w)):
        raise CheckError(f"input: channels/height/width must be positive ints: {inp!r}")
    for k in ("mean", "std"):
        v = inp.get(k)
        if v is not None and (len(v) != c or not all(isinstance(x, (int, float)) for x in v)):
            raise CheckError(f"input.{k}: {v!r} is not {c} numbers")
    if inp.get("std") is not None and not all(x > 0 for x in inp["std"]):
        raise CheckError("input.std must be positive")

    for name, (dt, _, arr) in tensors.items():
        if dt not in dtypes:
            raise CheckError(f"tensor {name}: dtype {dt}, expected one of {dtypes}")
        if not np.all(np.isfinite(arr)):
            raise CheckError(f"tensor {name}: non-finite values")

    shapes: dict[str, tuple] = {"input": (c, h, w)}
    used: set[str] = set()
    by_type: dict[str, int] = {}
    params = 0
    layers = arch.get("layers")
    if not isinstance(layers, list) or not layers:
        raise CheckError("layers must be a non-empty list")
    prev = "input"

    def tensor(where, tname, shape, required=True):
        nonlocal params
        if tname not in tensors:
            if required:
                fail(where, f"tensor {tname} is missing")
            return
        got = tuple(tensors[tname][1])
        if got != tuple(shape):
            fail(where, f"tensor {tname} has shape {list(got)}, expected {list(shape)}")
        used.add(tname)
        params += math.prod(got)

    for i, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise CheckError(f"layer {i}: not an object")
        name, t = layer.get("name"), layer.get("type")
        where = f"layer {i} {name!r} ({t})"
        if not isinstance(name, str) or not name:
            fail(where, "missing name")
        if name == "input" or name in shapes:
            fail(where, "name is reserved or used twice")
        if t not in FIELDS:
            fail(where, f"unknown type {t!r}")
        unknown = set(layer) - COMMON - FIELDS[t]
        if unknown:
            fail(where, f"fields {sorted(unknown)} do not apply")
        srcs = layer.get("inputs", [prev])
        if not isinstance(srcs, list) or not srcs or not all(isinstance(s, str) for s in srcs):
            fail(where, f"inputs must be a non-empty list of names, got {srcs!r}")
        for s in srcs:
            if s not in shapes:
                fail(where, f"input {s!r} is not 'input' or an earlier layer")
        ins = [shapes[s] for s in srcs]
        if t not in ("add", "concat") and len(ins) != 1:
            fail(where, f"takes one input, got {len(ins)}")
        x = ins[0]
        try:
            if t == "conv2d":
                if len(x) != 3:
                    fail(where, f"needs CHW input, got {x}")
                out, g = layer.get("out_channels"), layer.get("groups", 1)
                if not (isinstance(out, int) and out > 0 and isinstance(g, int) and g > 0):
                    fail(where, "out_channels and groups must be positive ints")
                if x[0] % g or out % g:
                    fail(where, f"groups {g} must divide in {x[0]} and out {out}")
                kh, kw = pair(layer, "kernel_size", None)
                (sh, sw), (ph, pw), (dh, dw) = (pair(layer, "stride", 1), pair(layer, "padding", 0),
                                                pair(layer, "dilation", 1))
                if min(kh, kw, sh, sw, dh, dw) < 1:
                    fail(where, "kernel, stride and dilation must be >= 1")
                ho = (x[1] + 2 * ph - dh * (kh - 1) - 1) // sh + 1
                wo = (x[2] + 2 * pw - dw * (kw - 1) - 1) // sw + 1
                if ho < 1 or wo < 1:
                    fail(where, f"output {ho}x{wo} from input {x}")
                tensor(where, f"{name}.weight", (out, x[0] // g, kh, kw))
                tensor(where, f"{name}.bias", (out,), required=False)
                y = (out, ho, wo)
            elif t in ("maxpool2d", "avgpool2d"):
                if len(x) != 3:
                    fail(where, f"needs CHW input, got {x}")
                kh, kw = pair(layer, "kernel_size", None)
                (sh, sw), (ph, pw) = pair(layer, "stride", [kh, kw]), pair(layer, "padding", 0)
                y = (x[0], (x[1] + 2 * ph - kh) // sh + 1, (x[2] + 2 * pw - kw) // sw + 1)
                if y[1] < 1 or y[2] < 1:
                    fail(where, f"output {y}")
            elif t == "batchnorm2d":
                if len(x) != 3:
                    fail(where, f"needs CHW input, got {x}")
                eps = layer.get("eps", 1e-5)
                if not (isinstance(eps, (int, float)) and eps > 0):
                    fail(where, f"eps {eps!r}")
                tensor(where, f"{name}.running_mean", (x[0],))
                tensor(where, f"{name}.running_var", (x[0],))
                tensor(where, f"{name}.weight", (x[0],), required=False)
                tensor(where, f"{name}.bias", (x[0],), required=False)
                if np.any(tensors[f"{name}.running_var"][2].astype(np.float64) + eps <= 0):
                    fail(where, "running_var + eps must be positive")
                y = x
            elif t == "global_avgpool":
                if len(x) != 3:
                    fail(where, f"needs CHW input, got {x}")
                y = (x[0], 1, 1)
            elif t == "flatten":
                y = (math.prod(x),)
            elif t == "linear":
                if len(x) != 1:
                    fail(where, f"needs a vector input, got {x}")
                out = layer.get("out_features")
                if not (isinstance(out, int) and out > 0):
                    fail(where, "out_features must be a positive int")
                tensor(where, f"{name}.weight", (out, x[0]))
                tensor(where, f"{name}.bias", (out,), required=False)
                y = (out,)
            elif t == "add":
                if len(ins) < 2 or any(s != x for s in ins):
                    fail(where, f"needs two or more inputs of one shape, got {ins}")
                y = x
            elif t == "concat":
                if len(ins) < 2:
                    fail(where, "needs two or more inputs")
                if all(len(s) == 3 for s in ins) and len({s[1:] for s in ins}) == 1:
                    y = (sum(s[0] for s in ins), *x[1:])
                elif all(len(s) == 1 for s in ins):
                    y = (sum(s[0] for s in ins),)
                else:
                    fail(where, f"inputs {ins} cannot be concatenated")
            elif t == "reshape":
                shape = layer.get("shape")
                if not (isinstance(shape, list) and len(shape) in (1, 3)):
                    fail(where, f"shape {shape!r}")
                n, known = math.prod(x), math.prod(d for d in shape if d != -1)
                if shape.count(-1) > 1 or known == 0 or n % known:
                    fail(where, f"cannot reshape {x} to {shape}")
                y = tuple(n // known if d == -1 else d for d in shape)
            else:  # elementwise
                if t == "dropout" and not (0 <= layer.get("p", 0) < 1):
                    fail(where, f"p {layer['p']!r}")
                y = x
        except CheckError:
            raise
        except (TypeError, ValueError) as e:
            fail(where, str(e))
        shapes[name] = y
        by_type[t] = by_type.get(t, 0) + 1
        prev = name

    out_shape = shapes[prev]
    labels = arch.get("labels")
    if labels is not None:
        if not (isinstance(labels, list) and all(isinstance(s, str) for s in labels)):
            raise CheckError("labels must be a list of strings")
        if out_shape != (len(labels),):
            raise CheckError(f"{len(labels)} labels but the output shape is {out_shape}")
    left = sorted(set(tensors) - used)
    if left:
        raise CheckError(f"tensors no layer uses: {left}")
    return dict(layers=len(layers), by_type=by_type, tensors=len(tensors), params=params,
                output=list(out_shape), bytes=Path(path).stat().st_size,
                names=[l["name"] for l in layers])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", nargs="?", default=str(DEFAULT))
    args = ap.parse_args()
    try:
        s = check_file(args.file)
    except CheckError as e:
        print(f"FAIL {args.file}: {e}", file=sys.stderr)
        sys.exit(1)
    print(f"ok {args.file}: {s['bytes']} bytes, {s['layers']} layers {s['by_type']}, "
          f"{s['tensors']} tensors, {s['params']} parameters, output {s['output']}")


if __name__ == "__main__":
    main()
