#!/usr/bin/env bash
# `make bench`: every benchmark behind BENCHMARKS.md, one after another (run on an otherwise idle
# machine). Each section's output is saved under bench-out/ and printed.
#   BENCH_QUICK=1 make bench   smaller sizes (1M posts instead of 10M, 100k peer messages)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
OUT="$PWD/bench-out"
mkdir -p "$OUT"
quick="${BENCH_QUICK:-0}"
section() { printf '\n===== %s =====\n' "$1"; }
run() { local name="$1"; shift; section "$name"; "$@" 2>&1 | tee "$OUT/$name.txt"; }

{
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -srm)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "rustc: $(rustc --version)"; echo "date: $(date -u +%F' '%H:%M) UTC"; echo "commit: $(git rev-parse --short HEAD)"
} | tee "$OUT/machine.txt"

run ingest-native cargo run --release --quiet --example bench_ingest 200
run detect-stages cargo run --release --quiet --example bench_detect -- mixed 4.6 1
run quality scripts/bench-quality.sh
if [ "$quick" = 1 ]; then
  run analyze scripts/bench-analyze.sh 4.6
  run peer scripts/bench-peer.sh 100000
else
  run analyze scripts/bench-analyze.sh 4.6 46
  run peer scripts/bench-peer.sh 100000 1000000
fi
run layout cargo run --release --quiet --example bench_layout 50000 200000
run link scripts/bench-link.sh
run frames scripts/bench-frames.sh
run browser scripts/bench-browser.sh
