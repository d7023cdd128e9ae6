#!/usr/bin/env bash
# Link quality on generated datasets (for `make bench`): planted A, B (re-emergence of A's
# operation: reused accounts and screen names, copied and edited texts, rare hashtags and URLs,
# amplification) and C (unrelated, sharing only popular hashtags, big domains and famous quotes)
# per scale and seed; then unrelated `chorus synth` datasets of different seeds (non-links), per
# scenario and scale. Each analysed and linked; prints Markdown tables (paste into BENCHMARKS.md).
#
# Environment: SEEDS (default 1,2,3,4,5), SCALES (default 0.5,1,3), SYNTH (scenarios, default
# mixed,copy-paste,stealthy,hard), SYNTH_SCALES (default 1,2; BENCH_QUICK=1: 0.3), SYNTH_SEEDS
# (default 1,2,3), CHECK=1 to fail when a run misses the targets.
set -euo pipefail
cd "$(dirname "$0")/.."
synth_scales="${SYNTH_SCALES:-1,2}"
if [ "${BENCH_QUICK:-0}" = "1" ]; then synth_scales="${SYNTH_SCALES:-0.3}"; fi
args=(--seeds "${SEEDS:-1,2,3,4,5}" --scales "${SCALES:-${SCALE:-0.5,1,3}}"
  --synth "${SYNTH:-mixed,copy-paste,stealthy,hard}" --synth-scales "$synth_scales" --synth-seeds "${SYNTH_SEEDS:-1,2,3}")
if [ "${CHECK:-0}" = "1" ]; then args+=(--check); fi
cargo build --release --quiet --example link_quality
echo "## Link quality on generated datasets ($(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
echo
exec target/release/examples/link_quality "${args[@]}"
