#!/usr/bin/env python3
"""Times PyTorch's native training of the builtin digits and fashion architectures on one thread.

The anchor of the training benchmark (./build.sh bench, e2e/bench-train.mjs): the architecture of each
model is read from its file's `convlens` metadata (models/<name>.safetensors) and built as
torch.nn layers, trained from PyTorch's default initialization with Adam (lr 1e-3, PyTorch's
defaults otherwise), batch 64, softmax cross-entropy on the input of the final softmax, on the
first `--examples` images of the real training set (.cache/data/<name>/train-*-ubyte, IDX files
as ./build.sh fetches them), normalized with the file's mean/std. Each pass over them draws a fresh
permutation; a step gathers its batch from the normalized tensor (no DataLoader), then
zero_grad, forward, loss, backward, Adam step. Warm-up steps are not timed.

Prints one JSON object on stdout:
  {"digits": {"imagesPerSecond", "msPerStep", "medianMsPerStep", "steps", "seconds", ...},
   "fashion": {...}, "torch": "2.15.0+...", "threads": 1, "cpuCapability": "AVX512", ...}

  .cache/torch/bin/python tools/train-bench/torch_train.py [--models digits,fashion]
      [--seconds 8] [--warmup 30] [--examples 12000] [--data .cache/data]
"""

import argparse
import json
import struct
import sys
import time
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[2]
BATCH = 64


def die(msg: str) -> None:
    print(f"torch_train.py: {msg}", file=sys.stderr)
    sys.exit(1)


def architecture(name: str) -> dict:
    """The `convlens` metadata JSON of models/<name>.safetensors (docs/model-format.md)."""
    path = ROOT / "models" / f"{name}.safetensors"
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    try:
        return json.loads(header["__metadata__"]["convlens"])
    except KeyError:
        die(f"{path}: no __metadata__.convlens in its header")


def pair(v):
    return tuple(v) if isinstance(v, list) else (v, v)


def build(arch: dict) -> nn.Sequential:
    """The layers of a plain chain (conv2d, relu, maxpool2d, flatten, linear), without the final
    softmax: the loss takes its input (the class scores)."""
    inp = arch["input"]
    c, h, w = inp["channels"], inp["height"], inp["width"]
    features = None  # a vector's length after flatten
    layers = []
    specs = arch["layers"]
    for i, spec in enumerate(specs):
        kind = spec["type"]
        if spec.get("inputs") not in (None, []) and spec["inputs"] != [specs[i - 1]["name"] if i else "input"]:
            die(f"layer {spec['name']}: only a plain chain is supported")
        if kind == "conv2d":
            k, s, p, d = (pair(spec.get(f, dflt)) for f, dflt in
                          (("kernel_size", None), ("stride", 1), ("padding", 0), ("dilation", 1)))
            groups = spec.get("groups", 1) or 1
            layers.append(nn.Conv2d(c, spec["out_channels"], k, s, p, d, groups))
            h = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
            w = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
            c = spec["out_channels"]
        elif kind == "relu":
            layers.append(nn.ReLU())
        elif kind == "maxpool2d":
            k = pair(spec["kernel_size"])
            s = pair(spec.get("stride") or spec["kernel_size"])
            p = pair(spec.get("padding") or 0)
            layers.append(nn.MaxPool2d(k, s, p))
            h = (h + 2 * p[0] - k[0]) // s[0] + 1
            w = (w + 2 * p[1] - k[1]) // s[1] + 1
        elif kind == "flatten":
            layers.append(nn.Flatten())
            features = c * h * w
        elif kind == "linear":
            if features is None:
                die(f"layer {spec['name']}: linear without a flatten before it")
            layers.append(nn.Linear(features, spec["out_features"]))
            features = spec["out_features"]
        elif kind == "softmax":
            if i != len(specs) - 1:
                die(f"layer {spec['name']}: softmax only as the last layer")
        else:
            die(f"layer {spec['name']}: type {kind} is not supported by this script")
    return nn.Sequential(*layers)


def idx(path: Path, dims: int) -> torch.Tensor:
    """An IDX file (big-endian header: magic, `dims` sizes) as a uint8 tensor."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        die(f"{path} is missing (./build.sh bench fetches it)")
    magic = struct.unpack(">I", data[:4])[0]
    if magic != 0x800 + dims:
        die(f"{path}: IDX magic {magic:#x}, expected {0x800 + dims:#x}")
    shape = struct.unpack(f">{dims}I", data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def time_model(name: str, data_dir: Path, examples: int, warmup: int, seconds: float, seed: int) -> dict:
    arch = architecture(name)
    torch.manual_seed(seed)
    model = build(arch)
    images = idx(data_dir / name / "train-images-idx3-ubyte", 3)[:examples]
    labels = idx(data_dir / name / "train-labels-idx1-ubyte", 1)[:examples].long()
    if len(images) < examples:
        die(f"{name}: only {len(images)} training images, {examples} asked for")
    inp = arch["input"]
    mean = torch.tensor(inp.get("mean", [0.0])).view(1, -1, 1, 1)
    std = torch.tensor(inp.get("std", [1.0])).view(1, -1, 1, 1)
    x_all = ((images.float() / 255.0).view(-1, inp["channels"], inp["height"], inp["width"]) - mean) / std
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    gen = torch.Generator().manual_seed(seed)
    order, pos = torch.randperm(examples, generator=gen), 0

    def step() -> float:
        nonlocal order, pos
        if pos >= examples:
            order, pos = torch.randperm(examples, generator=gen), 0
        idx_b = order[pos:pos + BATCH]
        pos += BATCH
        xb, yb = x_all[idx_b], labels[idx_b]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    times = []
    images_seen = 0
    losses = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 20:
        pos_before = pos if pos < examples else 0
        t0 = time.perf_counter()
        losses.append(step())
        times.append(time.perf_counter() - t0)
        images_seen += min(BATCH, examples - pos_before)
    total = sum(times)
    med = sorted(times)[len(times) // 2]
    return {
        "imagesPerSecond": images_seen / total,
        "msPerStep": 1000 * total / len(times),
        "medianMsPerStep": 1000 * med,
        "steps": len(times),
        "images": images_seen,
        "seconds": total,
        "warmupSteps": warmup,
        "examples": examples,
        "batchSize": BATCH,
        "lastLoss": sum(losses[-20:]) / len(losses[-20:]),
        "parameters": sum(p.numel() for p in model.parameters()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="digits,fashion")
    ap.add_argument("--seconds", type=float, default=8.0, help="timed training per model (after warm-up)")
    ap.add_argument("--warmup", type=int, default=30, help="untimed steps first")
    ap.add_argument("--examples", type=int, default=12000, help="training images used (the first N)")
    ap.add_argument("--data", type=Path, default=ROOT / ".cache" / "data")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    out = {}
    for name in a.models.split(","):
        out[name] = time_model(name, a.data, a.examples, a.warmup, a.seconds, a.seed)
        print(f"torch_train.py: {name}: {out[name]['imagesPerSecond']:.0f} images/s, "
              f"{out[name]['msPerStep']:.2f} ms/step", file=sys.stderr)
    out.update({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpuCapability": torch.backends.cpu.get_cpu_capability(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "python": sys.version.split()[0],
        "optimizer": "Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8)",
    })
    print(json.dumps(out))


if __name__ == "__main__":
    main()
