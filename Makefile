# Chorus — every entry point a user or CI needs. Each target installs what it needs itself
# (scripts/setup.sh, idempotent: a warm run skips installs in seconds).
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
PORT ?= 8080
# wasm-bindgen-test files (browser tests)
WASM_TESTS := --test web --test in_worker --test web_viz --test wasm_fingerprints

.PHONY: setup serve build dev test fmt-check test-native test-wasm test-e2e test-exports test-peer bench fuzz fuzz-smoke wasm-pack-test clean

setup:
	@scripts/setup.sh all

## Build the release site into dist/ (static files: put them on any static host, any sub-path).
build: 
	@scripts/setup.sh build
	trunk build --release
	node scripts/postbuild.mjs dist

## Build and serve the app on http://127.0.0.1:$(PORT)/ (a plain static server, as users get it).
serve: build
	node scripts/serve.mjs dist $(PORT)

## Trunk's live-reloading dev server (development only).
dev:
	@scripts/setup.sh build
	trunk serve

## Every test: native, browser unit tests (headless Chromium), end-to-end in a real browser.
test: setup fmt-check test-native fuzz-smoke test-exports test-peer test-wasm test-e2e
	@echo "make test: all suites passed"

## One formatting (rustfmt.toml) across the crate and the fuzz harness.
fmt-check:
	cargo fmt --check
	cd fuzz && cargo fmt --check

test-native:
	cargo test --all-targets

## The six exports load in networkx and pandas and are byte-identical across runs.
test-exports:
	scripts/check-exports.sh

## `chorus network` agrees exactly with the real coordination-network-toolkit 1.5.2 (PyPI, in .venv).
test-peer:
	scripts/peer-check.sh

## A short fuzzing run of every parser, the containers and detection (crashes fail the build).
fuzz-smoke:
	scripts/fuzz-smoke.sh 30

## A longer fuzzing run (FUZZ_ENGINE=libfuzzer for cargo-fuzz, coverage-guided).
fuzz:
	scripts/fuzz-smoke.sh 900

## The browser tests the way wasm-pack users run them.
wasm-pack-test:
	@scripts/setup.sh browser
	@command -v wasm-pack >/dev/null || cargo install wasm-pack --locked
	CHORUS_FRAME_NODES=2000 wasm-pack test --headless --chrome -- $(WASM_TESTS)

test-wasm:
	@scripts/setup.sh browser
	CHORUS_FRAME_NODES=2000 cargo test --target wasm32-unknown-unknown $(WASM_TESTS)

test-e2e: build
	@scripts/setup.sh browser
	node --test --test-concurrency=1 tests/e2e/

## Every benchmark behind BENCHMARKS.md (outputs in bench-out/; BENCH_QUICK=1 for smaller sizes).
bench: setup
	scripts/bench.sh

clean:
	cargo clean
	rm -rf dist tests/e2e/out
