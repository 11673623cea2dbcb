"""Shared numpy pieces for the MobileNetV2 tools (no torch, no convlens):

- `read_safetensors`: a strict reader of the safetensors format written from the spec (8-byte
  little-endian header length, JSON header, data), so the checks do not trust the library that
  wrote the file;
- plain numpy layers: convolution by im2col + matmul (any stride, padding, dilation, groups),
  batch norm in inference form (not folded into the convolution), ReLU6, global average pooling,
  linear, softmax;
- `fit_contain`: the page's "fit" preprocessing (www/js/core/preprocess.js `prepare(..., {mode: "fit"})`
  with `resizeArea`), per colour channel.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np

ST_DTYPES = {"F16": np.dtype("<f2"), "F32": np.dtype("<f4"), "F64": np.dtype("<f8"),
             "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "U8": np.dtype("u1")}


class FormatError(ValueError):
    pass


def read_safetensors(path: Path | str):
    """(metadata dict, {name: (dtype string, shape list, np.ndarray)}) of a safetensors file.

    Raises FormatError unless the file is exactly: header length, JSON header whose tensors' data
    ranges tile the data section from 0 to its end in some order, each range matching its dtype and
    shape, and nothing after the last byte.
    """
    raw = Path(path).read_bytes()
    if len(raw) < 8:
        raise FormatError("shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise FormatError(f"header length {n} runs past the end of the file ({len(raw)} bytes)")
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FormatError(f"header is not UTF-8 JSON: {e}") from None
    if not isinstance(header, dict):
        raise FormatError("header JSON is not an object")
    data = memoryview(raw)[8 + n:]
    meta = header.pop("__metadata__", None) or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        raise FormatError("__metadata__ must map strings to strings")
    tensors = {}
    spans = []
    for name, info in header.items():
        dt, shape, offs = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if dt not in ST_DTYPES:
            raise FormatError(f"{name}: dtype {dt!r} not handled here")
        if not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)):
            raise FormatError(f"{name}: bad shape {shape!r}")
        if not (isinstance(offs, list) and len(offs) == 2 and 0 <= offs[0] <= offs[1] <= len(data)):
            raise FormatError(f"{name}: bad data_offsets {offs!r}")
        size = ST_DTYPES[dt].itemsize * math.prod(shape)
        if offs[1] - offs[0] != size:
            raise FormatError(f"{name}: {offs[1] - offs[0]} bytes for {dt} {shape} (want {size})")
        arr = np.frombuffer(data[offs[0]:offs[1]], dtype=ST_DTYPES[dt]).reshape(shape)
        tensors[name] = (dt, shape, arr)
        spans.append((offs[0], offs[1], name))
    spans.sort()
    at = 0
    for a, b, name in spans:
        if a != at:
            raise FormatError(f"{name}: data starts at {a}, expected {at} (gap or overlap)")
        at = b
    if at != len(data):
        raise FormatError(f"data section is {len(data)} bytes but the tensors cover {at}")
    return meta, tensors


# ---------------------------------------------------------------------------------------------
# Layers (CHW, no batch dimension; float64 unless the caller passes float32)
# ---------------------------------------------------------------------------------------------

def conv2d(x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    """PyTorch Conv2d on one CHW image: w is [out, in/groups, kh, kw]."""
    c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    if c != cg * groups or o % groups:
        raise ValueError(f"conv2d: input {x.shape}, weight {w.shape}, groups {groups}")
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = np.zeros((c, h + 2 * ph, wd + 2 * pw), dtype=x.dtype)
    xp[:, ph:ph + h, pw:pw + wd] = x
    # cols[c, ki, kj, y, x] = xp[c, y*sh + ki*dh, x*sw + kj*dw]
    cols = np.empty((c, kh, kw, ho, wo), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, i, j] = xp[:, i * dh: i * dh + sh * (ho - 1) + 1: sh,
                               j * dw: j * dw + sw * (wo - 1) + 1: sw]
    cols = cols.reshape(groups, cg * kh * kw, ho * wo)
    wg = w.reshape(groups, o // groups, cg * kh * kw).astype(x.dtype)
    out = np.matmul(wg, cols).reshape(o, ho, wo)
    if b is not None:
        out = out + b.astype(x.dtype)[:, None, None]
    return out


def batchnorm2d(x, mean, var, gamma=None, beta=None, eps=1e-5):
    """Inference batch norm: (x - mean) / sqrt(var + eps) * gamma + beta, per channel."""
    y = (x - mean[:, None, None]) / np.sqrt(var[:, None, None] + eps)
    if gamma is not None:
        y = y * gamma[:, None, None]
    if beta is not None:
        y = y + beta[:, None, None]
    return y


def relu6(x):
    return np.minimum(np.maximum(x, 0), 6)


def global_avgpool(x):
    return x.mean(axis=(1, 2), keepdims=True)


def linear(x, w, b=None):
    y = w.astype(x.dtype) @ x
    return y if b is None else y + b


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


# ---------------------------------------------------------------------------------------------
# The page's preprocessing for photos ("fit" mode of www/js/core/preprocess.js)
# ---------------------------------------------------------------------------------------------

def _area_weights(src: int, dst: int) -> np.ndarray:
    """[dst, src] weights of resizeArea along one axis (fractional edge weights, not normalized)."""
    f = src / dst
    m = np.zeros((dst, src))
    for x in range(dst):
        x0 = x * f
        x1 = x0 + f
        for s in range(math.floor(x0), min(src, math.ceil(x1))):
            w = min(x1, s + 1) - max(x0, s)
            if w > 0:
                m[x, s] = w
    return m


def resize_area(img: np.ndarray, dw: int, dh: int) -> np.ndarray:
    """resizeArea of preprocess.js on an [H, W, C] float image: exact area averaging."""
    sh, sw = img.shape[:2]
    wy, wx = _area_weights(sh, dh), _area_weights(sw, dw)
    out = np.einsum("ys,sxc->yxc", wy, np.einsum("xt,stc->sxc", wx, img))
    return (out / ((sw / dw) * (sh / dh))).astype(np.float32)  # the page stores Float32Array


def js_round(v: float) -> int:
    """JavaScript Math.round (halves go up)."""
    return math.floor(v + 0.5)


def fit_size(w: int, h: int, bw: int, bh: int) -> tuple[int, int]:
    """preprocess.js fitSize: w x h scaled to fit inside bw x bh keeping the aspect ratio."""
    s = min(bw / w, bh / h)
    return max(1, min(bw, js_round(w * s))), max(1, min(bh, js_round(h * s)))


def fit_contain(img: np.ndarray, out_w: int, out_h: int) -> np.ndarray:
    """preprocess.js prepare(..., {mode: "fit"}) per channel: the whole picture scaled (area
    averaging) to fit the frame keeping its aspect ratio, centred, the rest 0 (black)."""
    h, w = img.shape[:2]
    fw, fh = fit_size(w, h, out_w, out_h)
    small = resize_area(img, fw, fh)
    out = np.zeros((out_h, out_w, img.shape[2]), dtype=np.float32)
    ox, oy = (out_w - fw) >> 1, (out_h - fh) >> 1
    out[oy:oy + fh, ox:ox + fw] = small
    return out


def centre_crop(w: int, h: int, out_w: int, out_h: int) -> tuple[int, int, int, int]:
    """preprocess.js centreCrop: the centred window (x0, y0, cw, ch) with the output's aspect ratio."""
    if w * out_h > h * out_w:
        cw = max(1, min(w, js_round(h * out_w / out_h)))
        return (w - cw) >> 1, 0, cw, h
    ch = max(1, min(h, js_round(w * out_h / out_w)))
    return 0, (h - ch) >> 1, w, ch


def crop_cover(img: np.ndarray, out_w: int, out_h: int) -> np.ndarray:
    """preprocess.js prepareColour: the centre crop with the output's aspect ratio, resized by area
    averaging (how the page gives a colour model a photo)."""
    h, w = img.shape[:2]
    x0, y0, cw, ch = centre_crop(w, h, out_w, out_h)
    return resize_area(img[y0:y0 + ch, x0:x0 + cw], out_w, out_h)
