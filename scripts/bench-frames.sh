#!/usr/bin/env bash
# Frame time of the network view in headless Chromium (WebGL through SwiftShader: no GPU here)
# at 10k, 50k and 100k nodes (4 edges per node), release build of tests/web_viz.rs's measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" WASM_BINDGEN_TEST_TIMEOUT=600
sizes=("$@"); [ $# -eq 0 ] && sizes=(10000 50000 100000)
for n in "${sizes[@]}"; do
  CHORUS_FRAME_NODES=$n cargo test --release --quiet --target wasm32-unknown-unknown --test web_viz frame_time -- --nocapture 2>&1 \
    | grep -o 'FRAME-TIME.*' | head -1
done
