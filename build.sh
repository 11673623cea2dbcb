#!/usr/bin/env bash
# convlens build script. Every subcommand is idempotent and installs what it needs
# from the package registries (crates.io, Debian, npm) -- nothing else is downloaded.
#
#   ./build.sh setup   install toolchain pieces (wasm32 target, wasm-bindgen-cli, wasm-pack,
#                      browsers + drivers, npm test dependencies)
#   ./build.sh build   release wasm into www/pkg/
#   ./build.sh serve   build, then serve www/ at http://127.0.0.1:8080
#   ./build.sh test    host tests + doctests, wasm tests in node, headless Chrome and Firefox,
#                      and the page's end-to-end tests
#   ./build.sh bench   kernel benchmarks in headless Chromium (JSON + markdown table)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

# Never let an environment RUSTFLAGS replace .cargo/config.toml (it would silently turn SIMD off).
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
export PATH="$HOME/.cargo/bin:$PATH"
TOOLS_TARGET="$ROOT/target/tools"   # shared target dir for cargo install, so cold installs are faster

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
  if [ ! -x e2e/node_modules/.bin/playwright-core ] && [ ! -d e2e/node_modules/playwright-core ]; then
    log "npm ci (e2e)"
    (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

build() {
  setup
  log "wasm-pack build (release, simd128)"
  wasm-pack build --mode no-install --target web --release --out-dir www/pkg --no-typescript --no-pack 2>&1 \
    | grep -v 'failed to get wasm-pack version' || true
  [ -f www/pkg/convlens_bg.wasm ] || { echo "build failed: www/pkg/convlens_bg.wasm missing" >&2; exit 1; }
  check_simd
  echo "www/pkg/convlens_bg.wasm: $(stat -c %s www/pkg/convlens_bg.wasm) bytes"
}

check_simd() { # the release wasm must contain f32x4 instructions
  local n
  n=$(wasm-objdump -d www/pkg/convlens_bg.wasm | grep -c 'f32x4' || true)
  if [ "$n" -lt 10 ]; then
    echo "error: release wasm has $n f32x4 instructions: SIMD128 is off (is RUSTFLAGS set?)" >&2
    exit 1
  fi
  echo "release wasm: $n f32x4 instructions"
}

serve() {
  build
  local port=${PORT:-8080}
  log "serving www/ at http://127.0.0.1:$port/"
  exec python3 -m http.server "$port" --bind 127.0.0.1 --directory www
}

test_all() {
  setup
  log "host: cargo fmt --check"
  cargo fmt --check
  log "host: unit, integration and doc tests"
  cargo test --all-targets
  cargo test --doc
  log "wasm: node"
  wasm-pack test --mode no-install --node -- --lib --test '*'
  log "wasm: headless Chrome"
  wasm-pack test --mode no-install --headless --chrome -- --lib --test '*'
  log "wasm: headless Firefox"
  wasm-pack test --mode no-install --headless --firefox -- --lib --test '*'
  build
  log "page: end-to-end tests (headless Chromium)"
  node --test e2e/
}

bench() {
  build
  log "bench: headless Chromium"
  node e2e/bench.mjs
}

case "${1:-}" in
  setup) setup ;;
  build) build ;;
  serve) serve ;;
  test) test_all ;;
  bench) bench ;;
  *) echo "usage: $0 {setup|build|serve|test|bench}" >&2; exit 2 ;;
esac
