#!/usr/bin/env bash
# Detection quality on synthetic datasets (for `make bench`): scenarios x seeds through
# generate -> analyze -> evaluate; prints a Markdown table (paste it into BENCHMARKS.md).
#
# Environment: SCENARIOS (comma list, default mixed,stealthy,copy-paste,slow,hard,organic-only), SEEDS (default
# 1,2,3), SCALE (default 1), CHECK=1 to fail when a run misses the targets.
set -euo pipefail
cd "$(dirname "$0")/.."
args=(--scenarios "${SCENARIOS:-mixed,stealthy,copy-paste,slow,hard,organic-only}" --seeds "${SEEDS:-1,2,3}" --scale "${SCALE:-1}")
if [ "${CHECK:-0}" = "1" ]; then args+=(--check); fi
cargo build --release --quiet --example quality
echo "## Detection quality on synthetic data ($(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
echo
exec target/release/examples/quality "${args[@]}"
