#!/usr/bin/env bash
# `chorus analyze` end to end (read the files, detect, write the six exports) on synthetic IO
# archives of about 1M and 10M posts, with wall time and peak memory (GNU time).
#   scripts/bench-analyze.sh [SCALES...]     default: "4.6 46" (the "mixed" scenario: x4.6 ≈ 1M posts,
#                                            x46 ≈ 10M posts, the IRA 2018 release's size)
# Output: a Markdown table on stdout; generated inputs are kept in bench-out/analyze/.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALES=("$@")
[ $# -eq 0 ] && SCALES=(4.6 46)
[ -x /usr/bin/time ] || { apt-get install -y -qq time >/dev/null 2>&1 || true; }
cargo build --release --quiet --bin chorus
CHORUS="$PWD/target/release/chorus"
OUT="$PWD/bench-out/analyze"
mkdir -p "$OUT"
echo "| input | posts | accounts | size | analyze wall | peak RSS | clusters | F1 | role acc. | organic FP |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for scale in "${SCALES[@]}"; do
  dir="$OUT/mixed-x$scale"
  if [ ! -f "$dir/synth_mixed_1_tweets_csv_hashed.csv" ]; then
    "$CHORUS" synth --scenario mixed --seed 1 --scale "$scale" --out "$dir" >"$dir.synth.log" 2>&1
  fi
  tweets="$dir/synth_mixed_1_tweets_csv_hashed.csv"
  users="$dir/synth_mixed_1_users_csv_hashed.csv"
  size=$(du -h "$tweets" | cut -f1)
  /usr/bin/time -v "$CHORUS" analyze "$tweets" "$users" --out "$dir/out" --quiet >"$dir/analyze.log" 2>"$dir/time.log"
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/time.log")
  rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time.log")
  posts=$(python3 -c "import json;r=json.load(open('$dir/out/report.json'));print(r['counts']['posts'])" 2>/dev/null || echo "?")
  accounts=$(python3 -c "import json;r=json.load(open('$dir/out/report.json'));print(r['counts']['accounts'])" 2>/dev/null || echo "?")
  clusters=$(python3 -c "import json;r=json.load(open('$dir/out/report.json'));print(r['counts']['clusters'])" 2>/dev/null || echo "?")
  "$CHORUS" eval --truth "$dir/synth_mixed_1_truth.csv" --accounts "$dir/out/accounts.csv" --json >"$dir/eval.json"
  read -r f1 racc fp < <(python3 -c "import json;e=json.load(open('$dir/eval.json'));print(round(e['f1'],4),round(e['role_accuracy'],4),'%.3f%%'%(100*e['organic_fp_rate']))")
  echo "| mixed x$scale | $posts | $accounts | $size | $wall | $((rss_kb / 1024)) MiB | $clusters | $f1 | $racc | $fp |"
done
