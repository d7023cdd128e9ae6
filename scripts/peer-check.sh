#!/usr/bin/env bash
# Agreement of `chorus network` with the real coordination-network-toolkit 1.5.2 (PyPI).
#
# Generates toolkit CSV inputs with the edge cases (tests/peer/gen_inputs.py, fixed seeds), runs
# the toolkit (preprocess + compute + output.output_gephi_csv, tests/peer/run_toolkit.py) and
# `chorus network` for every network type and several windows / minimum weights, and compares
# the CSV files byte for byte (the toolkit's row order is its primary-key order, which is
# deterministic, so no sorting is needed). Exits non-zero on any difference, with a diff.
# Usage: scripts/peer-check.sh [OUTDIR]   (default: target/peer-check)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${1:-$root/target/peer-check}"
mkdir -p "$out"
py="$(scripts/toolkit-venv.sh)"
cargo build --quiet --bin chorus
chorus="$root/target/debug/chorus"

types="co_retweet co_tweet co_reply co_link co_similar_tweet co_post"
configs="60:1 60:2 30:1 1:1 0:1"
fail=0
checked=0
for input in "3000 7" "1500 11"; do
  set -- $input
  n="$1"; seed="$2"
  dir="$out/n${n}_s${seed}"
  mkdir -p "$dir"
  csv="$dir/input.csv"
  python3 tests/peer/gen_inputs.py "$csv" "$n" "$seed"
  specs=()
  for t in $types; do for c in $configs; do specs+=("$t:$c"); done; done
  # Other similarity thresholds exercise the prefix filter of co_similar_tweet.
  specs+=("co_similar_tweet:60:1:0.5" "co_similar_tweet:60:1:0.34" "co_similar_tweet:30:2:0.67")
  TOOLKIT_THREADS=2 "$py" tests/peer/run_toolkit.py "$csv" "$dir" "${specs[@]}" > "$dir/toolkit-times.txt"
  for spec in "${specs[@]}"; do
    IFS=: read -r kind window min threshold <<< "$spec"
    base="$dir/${spec//:/_}"
    "$chorus" network "$kind" --time-window "$window" --min-edge-weight "$min" --input-format toolkit \
      --similarity-threshold "${threshold:-0.8}" \
      "$csv" -o "$base.chorus.csv" 2> "$base.chorus.log"
    checked=$((checked + 1))
    if cmp -s "$base.toolkit.csv" "$base.chorus.csv"; then
      echo "ok    n=$n seed=$seed $kind window=$window min=$min${threshold:+ threshold=$threshold} ($(($(wc -l < "$base.toolkit.csv") - 1)) edges)"
    else
      fail=$((fail + 1))
      if diff <(sort "$base.toolkit.csv") <(sort "$base.chorus.csv") > /dev/null; then
        echo "ORDER n=$n seed=$seed $kind window=$window min=$min: same rows, different order"
      else
        echo "DIFF  n=$n seed=$seed $kind window=$window min=$min${threshold:+ threshold=$threshold} (< toolkit, > chorus):"
      fi
      diff "$base.toolkit.csv" "$base.chorus.csv" | head -20 || true
    fi
  done
done
if [ "$fail" -ne 0 ]; then
  echo "peer-check: $fail of $checked networks differ from coordination-network-toolkit 1.5.2"
  exit 1
fi
echo "peer-check: all $checked networks identical to coordination-network-toolkit 1.5.2"
