#!/usr/bin/env bash
# Frame times of the network view in headless Chromium (WebGL through SwiftShader: no GPU here)
# at 10k, 50k and 100k nodes (4 edges per node), release build of tests/web_viz.rs's
# `frame_time_network_view`: first render, full frame (overview raster, direct geometry, zoomed
# in: culled to the view, then every edge and node in the same run, and the settled frame as
# the view draws it, in steps of bounded cost) and interactive frame
# (component, wheel zooming at overview, ~9x and ~35x). One `FRAME-TIME` line per size, with the
# load average at the start (the machine is shared: software GL slows down with the load).
# Usage: scripts/bench-frames.sh [n_nodes ...]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" WASM_BINDGEN_TEST_TIMEOUT=600
sizes=("$@"); [ $# -eq 0 ] && sizes=(10000 50000 100000)
for n in "${sizes[@]}"; do
  # The node count is read at compile time (option_env!): each size rebuilds the test binary.
  # (No --quiet when running: cargo would pass it on to wasm-bindgen-test-runner, which fails.)
  CHORUS_FRAME_NODES=$n cargo test --release --quiet --target wasm32-unknown-unknown --test web_viz --no-run
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  out=$(CHORUS_FRAME_NODES=$n cargo test --release --target wasm32-unknown-unknown --test web_viz frame_time -- --nocapture 2>&1 || true)
  line=$(grep -o 'FRAME-TIME.*' <<<"$out" | head -1 || true)
  if [ -z "$line" ]; then
    echo "FRAME-TIME $n nodes: the measurement failed:" >&2
    tail -20 <<<"$out" >&2
    exit 1
  fi
  echo "$line [load average $load]"
done
