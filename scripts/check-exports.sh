#!/usr/bin/env bash
# Export scenario for `make test`: the six exports must load in the readers researchers use
# (networkx, pandas) and be byte-identical across runs.
#   1. the hostile-content fixture of tests/it/export.rs (written by the test to
#      $TARGET/tmp/export-fixture) is validated with scripts/validate-exports.py;
#   2. `chorus analyze` runs twice on each fixture input below; both outputs are validated and
#      must be identical byte for byte.
# Needs python3 (>= 3.11) and PyPI for the first run (scripts/pyenv.sh makes .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
INPUTS=(
  tests/it/data/toolkit-ring.csv
  tests/it/data/export/hostile_tweets_csv_hashed.csv
  tests/it/data/export/ring_tweets_csv_unhashed.csv # flagged accounts and a cluster
)

log() { printf '[check-exports] %s\n' "$*" >&2; }

PY="$(scripts/pyenv.sh)"

log "export fixture (hostile payloads) -> $TARGET/tmp/export-fixture"
cargo test --quiet --test it -- export::writes_fixture_exports_for_the_python_validator >&2
"$PY" scripts/validate-exports.py "$TARGET/tmp/export-fixture" --min-flagged 1

cargo build --quiet --bin chorus
CHORUS="$TARGET/debug/chorus"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
for input in "${INPUTS[@]}"; do
  name="$(basename "$input")"
  for run in a b; do
    log "chorus analyze $input (run $run)"
    if ! "$CHORUS" analyze "$input" --out "$WORK/$name-$run" --quiet >"$WORK/$name-$run.stdout"; then
      log "FAILED: chorus analyze $input"
      exit 1
    fi
  done
  # the ring fixture must give flagged accounts, or the graph checks would be vacuous
  case "$name" in ring_*) expect=(--min-flagged 1) ;; *) expect=() ;; esac
  "$PY" scripts/validate-exports.py "$WORK/$name-a" "${expect[@]}"
  if ! diff -r "$WORK/$name-a" "$WORK/$name-b" >&2; then
    log "FAILED: two runs on $input differ (outputs must be deterministic)"
    exit 1
  fi
done
log "all export checks passed"
