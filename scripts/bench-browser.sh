#!/usr/bin/env bash
# The browser benchmark (issue 7) on a synthetic IO archive of about 1M posts (the "mixed"
# scenario at x4.6, shared with bench-analyze.sh), its rows in archive order and in time order. Needs `make build` output in dist/.
#   scripts/bench-browser.sh [SCALE]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
scale="${1:-4.6}"
[ -f dist/index.html ] || make build
cargo build --release --quiet --bin chorus
# The same rows twice: in no time order, as the published archives hold them (the first rows of
# the IRA file are tweets years apart), then in time order.
for rows in archive time; do
  dir="bench-out/analyze/mixed-x$scale"
  [ "$rows" = time ] || dir="$dir-$rows"
  if [ ! -f "$dir/synth_mixed_1_tweets_csv_hashed.csv" ]; then
    mkdir -p "$dir"
    target/release/chorus synth --scenario mixed --seed 1 --scale "$scale" --rows "$rows" --out "$dir" >/dev/null
  fi
  printf '\n### rows in %s order\n\n' "$rows"
  node scripts/bench-browser.mjs "$dir/synth_mixed_1_tweets_csv_hashed.csv" "$dir/synth_mixed_1_users_csv_hashed.csv"
done
