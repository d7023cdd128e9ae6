#!/usr/bin/env bash
# Link quality on planted datasets (for `make bench`): A, B (re-emergence of A's operation: reused
# accounts and screen names, copied and edited texts, rare hashtags and URLs, amplification) and C
# (unrelated, sharing only popular hashtags, big domains and famous quotes) per seed, analysed and
# linked; prints a Markdown table (paste it into BENCHMARKS.md).
#
# Environment: SEEDS (default 1,2,3,4,5), SCALE (default 1), CHECK=1 to fail when a run misses
# the targets.
set -euo pipefail
cd "$(dirname "$0")/.."
args=(--seeds "${SEEDS:-1,2,3,4,5}" --scale "${SCALE:-1}")
if [ "${CHECK:-0}" = "1" ]; then args+=(--check); fi
cargo build --release --quiet --example link_quality
echo "## Link quality on planted datasets ($(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
echo
exec target/release/examples/link_quality "${args[@]}"
