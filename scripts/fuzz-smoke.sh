#!/usr/bin/env bash
# Fuzz the ingest parsers, containers and detection for a bounded time.
#
#   scripts/fuzz-smoke.sh [SECONDS]      default 30 s in all (make test)
#   make fuzz  ->  scripts/fuzz-smoke.sh 900                      (longer run, same engine)
#          or  ->  FUZZ_ENGINE=libfuzzer scripts/fuzz-smoke.sh 1800 (coverage-guided)
#
# FUZZ_ENGINE:
#   stable    (default) the deterministic mutation fuzzer in tests/it/fuzz_smoke.rs, on stable
#             Rust, over the fixture corpus; FUZZ_SEED picks the sequence (default: from the date,
#             printed, so a failure can be replayed with the same seed).
#   libfuzzer cargo-fuzz targets in fuzz/ (coverage-guided libFuzzer). Needs
#             `cargo install cargo-fuzz`; only stable rustc exists here, so it runs with
#             RUSTC_BOOTSTRAP=1. FUZZ_SANITIZER=none (default: the code under test is safe Rust)
#             or address. First build ~8 min on 2 cores.
# A failing input is saved (target/fuzz-crashes/ or fuzz/artifacts/); add it to
# fuzz/regressions/<target>/ so every `cargo test` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TOTAL="${1:-30}"
ENGINE="${FUZZ_ENGINE:-stable}"
TARGETS=(ingest_auto ingest_twarc2 ingest_v1 ingest_io_tweets ingest_io_users ingest_twarc_csv
         ingest_coortweet ingest_toolkit ingest_generic_csv ingest_gz ingest_zip detect)

case "$ENGINE" in
  stable)
    SEED="${FUZZ_SEED:-$(date -u +%Y%m%d)}"
    echo "fuzz smoke (stable mutation fuzzer): ${SECONDS_TOTAL}s, FUZZ_SEED=${SEED}"
    FUZZ_SECONDS="$SECONDS_TOTAL" FUZZ_SEED="$SEED" \
      cargo test --test it fuzz_smoke -- --nocapture --test-threads=1
    ;;
  libfuzzer)
    if ! cargo fuzz --version >/dev/null 2>&1; then
      echo "cargo-fuzz is missing: cargo install cargo-fuzz" >&2
      exit 2
    fi
    PER=$(( SECONDS_TOTAL / ${#TARGETS[@]} )); (( PER < 5 )) && PER=5
    for t in "${TARGETS[@]}"; do
      corpus="fuzz/corpus/$t"
      mkdir -p "$corpus"
      # seed from the fixtures (the corpus dir is not committed)
      find tests/it/data -type f -size -64k -exec cp -n {} "$corpus/" \; 2>/dev/null || true
      [ -d "fuzz/regressions/$t" ] && cp -n fuzz/regressions/"$t"/* "$corpus/" 2>/dev/null || true
      echo "== $t (${PER}s)"
      (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s "${FUZZ_SANITIZER:-none}" "$t" "corpus/$t" -- \
          -max_total_time="$PER" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1)
    done
    ;;
  *)
    echo "FUZZ_ENGINE must be stable or libfuzzer" >&2
    exit 2
    ;;
esac
