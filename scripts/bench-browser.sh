#!/usr/bin/env bash
# The browser benchmark (issue 7) on a synthetic IO archive of about 1M posts (the "mixed"
# scenario at x4.6, shared with bench-analyze.sh). Needs `make build` output in dist/.
#   scripts/bench-browser.sh [SCALE]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
scale="${1:-4.6}"
[ -f dist/index.html ] || make build
cargo build --release --quiet --bin chorus
dir="bench-out/analyze/mixed-x$scale"
if [ ! -f "$dir/synth_mixed_1_tweets_csv_hashed.csv" ]; then
  mkdir -p "$dir"
  target/release/chorus synth --scenario mixed --seed 1 --scale "$scale" --out "$dir" >/dev/null
fi
node scripts/bench-browser.mjs "$dir/synth_mixed_1_tweets_csv_hashed.csv" "$dir/synth_mixed_1_users_csv_hashed.csv"
