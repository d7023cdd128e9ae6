#!/usr/bin/env bash
# Side-by-side benchmark (issue 7): coordination-network-toolkit 1.5.2 (PyPI, in the virtualenv
# of scripts/toolkit-venv.sh) against `chorus network` (release build) on the same generated
# toolkit CSV, for co_retweet and co_tweet with a 60 s window and minimum edge weight 2.
# The toolkit's time is preprocess + compute (what a researcher runs: CSV -> network); Chorus's
# is the whole `chorus network` command (read CSV + compute + write). Outputs must be identical.
# Both wall-clock and CPU seconds (user + system, the toolkit's worker processes included) are
# recorded: on a shared, loaded machine the CPU ratio is the steadier one. `chorus network` reads
# toolkit CSV on two threads (parse / collect), the toolkit's compute uses TOOLKIT_THREADS (2)
# worker processes; its preprocessing is single-threaded.
#
# Usage: scripts/bench-peer.sh [N_MESSAGES...]   (default: 100000)
# Appends Markdown table rows to ${BENCH_OUT:-bench-out}/peer.md and prints them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000)
outdir="${BENCH_OUT:-$root/bench-out}"
work="$outdir/peer"
mkdir -p "$work"
py="$(scripts/toolkit-venv.sh)"
cargo build --quiet --release --bin chorus
chorus="$root/target/release/chorus"
threads="${TOOLKIT_THREADS:-2}"
md="$outdir/peer.md"
if [ ! -f "$md" ]; then
  {
    echo "| date (UTC) | machine | load | messages | network | toolkit wall (s) | chorus wall (s) | wall speed-up | toolkit CPU (s) | chorus CPU (s) | CPU speed-up | identical |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  } > "$md"
fi
machine="$(nproc) cores, $(awk -F: '/model name/{print $2; exit}' /proc/cpuinfo | sed 's/^ *//')"
now() { date +%s.%N; }
status=0
for n in "${sizes[@]}"; do
  dir="$work/n$n"
  mkdir -p "$dir"
  csv="$dir/input.csv"
  [ -f "$csv" ] || python3 tests/peer/gen_inputs.py "$csv" "$n" 42
  for kind in co_retweet co_tweet; do
    # A fresh database per network: preprocess + compute, as a researcher runs it.
    TOOLKIT_THREADS="$threads" "$py" tests/peer/run_toolkit.py "$csv" "$dir/$kind" "$kind:60:2" > "$dir/$kind.times"
    tk=$(awk '$1 != "cpu" {s += $4} END {printf "%.3f", s}' "$dir/$kind.times")
    tkcpu=$(awk '$1 == "cpu" {printf "%.3f", $4}' "$dir/$kind.times")
    load=$(cut -d' ' -f1 /proc/loadavg)
    # Chorus takes well under a second: on a shared machine one run can be hit by a scheduling
    # hiccup, so it runs CHORUS_RUNS times (default 3) and the median wall / CPU run is recorded.
    : > "$dir/$kind.chorus.runs"
    for _ in $(seq "${CHORUS_RUNS:-3}"); do
      t0=$(now)
      /usr/bin/time -f "%U %S" -o "$dir/$kind.chorus.cpu" "$chorus" network "$kind" --time-window 60 --min-edge-weight 2 \
        --input-format toolkit "$csv" -o "$dir/$kind.chorus.csv" 2> "$dir/$kind.chorus.log"
      t1=$(now)
      echo "$(echo "$t1 - $t0" | bc -l) $(awk '{print $1 + $2}' "$dir/$kind.chorus.cpu")" >> "$dir/$kind.chorus.runs"
    done
    median() { sort -g | awk '{v[NR] = $1} END {printf "%.3f", v[int((NR + 1) / 2)]}'; }
    ch=$(awk '{print $1}' "$dir/$kind.chorus.runs" | median)
    chcpu=$(awk '{print $2}' "$dir/$kind.chorus.runs" | median)
    cpuratio=$(echo "$tkcpu / $chcpu" | bc -l | awk '{printf "%.1f", $1}')
    if cmp -s "$dir/$kind/${kind}_60_2.toolkit.csv" "$dir/$kind.chorus.csv"; then same=yes; else same=NO; status=1; fi
    ratio=$(echo "$tk / $ch" | bc -l | awk '{printf "%.1f", $1}')
    row="| $(date -u +%Y-%m-%dT%H:%MZ) | $machine | $load | $n | $kind | $tk | $ch | ${ratio}x | $tkcpu | $chcpu | ${cpuratio}x | $same |"
    echo "$row" | tee -a "$md"
  done
done
exit $status
