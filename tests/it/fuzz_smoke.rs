//! A deterministic mutation fuzzer on stable Rust over the fixture corpus: the stand-in for
//! `cargo fuzz` where libFuzzer cannot run, and the fuzz smoke run of `make test`.
//!
//! For every target of the shared harness (`fuzz/src/harness.rs`, the same checks the cargo-fuzz
//! targets run) it mutates the fixtures (bit flips, interesting bytes, inserted tokens, deleted /
//! duplicated ranges, splices, truncation) with a seeded generator and runs each input. A panic
//! (a crash or a broken invariant) writes the input to `target/fuzz-crashes/` and fails.
//! Inputs in `fuzz/regressions/<target>/` (crashes found earlier) are replayed every run.
//!
//! Budget: `FUZZ_SECONDS` (wall-clock, for `scripts/fuzz-smoke.sh`) or `FUZZ_ITERS` per target
//! (default 12: a few seconds in `cargo test`); `FUZZ_SEED` changes the sequence.

#[path = "../../fuzz/src/harness.rs"]
mod harness;

use crate::ingest_stream::Lcg;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const MAX_INPUT: usize = 48 << 10;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn corpus() -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    files_under(&root().join("tests/it/data"), &mut paths);
    let mut seeds: Vec<Vec<u8>> = paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|mut b| {
            b.truncate(MAX_INPUT);
            b
        })
        .collect();
    // small wrapped variants, so the container layers are mutated too
    let small: Vec<Vec<u8>> = seeds.iter().filter(|s| s.len() < 8 << 10).cloned().collect();
    for s in small.iter().take(6) {
        seeds.push(harness::gzip(s));
        seeds.push(harness::zip_one("a.csv", s, 8, true));
    }
    seeds
}

const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\"\"",
    b",",
    b"\n",
    b"\r\n",
    b"\r",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"\\",
    b"\\u0000",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\x00",
    b"\xC3",
    b"\xF0\x9F\x98",
    b"null",
    b"true",
    b"1e400",
    b"-1",
    b"18446744073709551616",
    b"\"data\":",
    b"\"includes\":",
    b"\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"1\"}]",
    b"\"user\":{}",
    b"PK\x03\x04",
    b"PK\x07\x08",
    b"PK\x01\x02",
    b"\x1f\x8b\x08",
    b"\xFF\xFF\xFF\xFF",
    b"True",
    b"[]",
    b"['a', 'b']",
    b"2020-01-01 10:00",
    b"Wed Oct 10 20:19:24 +0000 2018",
    b"2022-10-04T15:25:05.000Z",
];

fn mutate(rng: &mut Lcg, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut v = input.to_vec();
    let rounds = 1 + rng.next() % 4;
    for _ in 0..rounds {
        let n = v.len();
        let pos = if n == 0 { 0 } else { (rng.next() as usize) % (n + 1) };
        match rng.next() % 9 {
            0 if n > 0 => {
                let i = pos.min(n - 1);
                v[i] ^= 1 << (rng.next() % 8);
            }
            1 if n > 0 => {
                let i = pos.min(n - 1);
                v[i] = [0u8, 0xFF, b'"', b',', b'\n', 0x7F, 0x80, b'{'][(rng.next() % 8) as usize];
            }
            2 => {
                let t = TOKENS[(rng.next() as usize) % TOKENS.len()];
                v.splice(pos..pos, t.iter().copied());
            }
            3 if n > 0 => {
                let len = 1 + (rng.next() as usize) % 64.min(n);
                let end = (pos + len).min(n);
                v.drain(pos.min(n)..end);
            }
            4 if n > 0 => {
                let start = pos.min(n - 1);
                let len = 1 + (rng.next() as usize) % 256.min(n - start);
                let piece: Vec<u8> = v[start..start + len].to_vec();
                let at = (rng.next() as usize) % (v.len() + 1);
                v.splice(at..at, piece);
            }
            5 => {
                let other = &corpus[(rng.next() as usize) % corpus.len()];
                if !other.is_empty() {
                    let s = (rng.next() as usize) % other.len();
                    let e = (s + 1 + (rng.next() as usize) % 512).min(other.len());
                    v.splice(pos..pos, other[s..e].iter().copied());
                }
            }
            6 => v.truncate(pos),
            7 => {
                let len = (rng.next() % 32) as usize;
                let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                v.splice(pos..pos, bytes);
            }
            _ => {
                // repeat a line (duplicates, long files)
                if let Some(nl) = memchr::memchr(b'\n', &v[pos.min(n)..]) {
                    let end = pos + nl + 1;
                    let line: Vec<u8> = v[pos..end].to_vec();
                    v.splice(end..end, line);
                }
            }
        }
    }
    v.truncate(MAX_INPUT);
    v
}

fn run_one(target: &str, f: fn(&[u8]), input: &[u8]) {
    let r = std::panic::catch_unwind(|| f(input));
    if r.is_err() {
        let dir = root().join("target/fuzz-crashes");
        let _ = std::fs::create_dir_all(&dir);
        let h = chorus::core::model::fnv1a64(input);
        let path = dir.join(format!("{target}-{h:016x}.bin"));
        let _ = std::fs::write(&path, input);
        panic!(
            "fuzz target {target} failed on an input saved to {} (add it to fuzz/regressions/{target}/)",
            path.display()
        );
    }
}

#[test]
fn fuzz_regressions_replay() {
    for (name, f) in harness::TARGETS {
        let mut files = Vec::new();
        files_under(&root().join("fuzz/regressions").join(name), &mut files);
        for p in files {
            let input = std::fs::read(&p).unwrap_or_default();
            run_one(name, *f, &input);
        }
    }
}

#[test]
fn fuzz_smoke() {
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = env("FUZZ_SEED").unwrap_or(0x5EED);
    let deadline = env("FUZZ_SECONDS").map(|s| Instant::now() + Duration::from_secs(s));
    let iters = env("FUZZ_ITERS").unwrap_or(12);
    let corpus = corpus();
    assert!(corpus.len() > 10, "the fixture corpus is missing");
    let n_targets = harness::TARGETS.len() as u32;
    let mut total = 0u64;
    for (t, (name, f)) in harness::TARGETS.iter().enumerate() {
        let mut rng = Lcg(seed ^ (t as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        // each target gets an equal share of the wall-clock budget
        let until = deadline.map(|d| {
            let left = d.saturating_duration_since(Instant::now());
            Instant::now() + left / (n_targets - t as u32)
        });
        let mut i = 0u64;
        loop {
            match until {
                Some(u) if Instant::now() >= u => break,
                None if i >= iters => break,
                _ => {}
            }
            let base = &corpus[(rng.next() as usize) % corpus.len()];
            let input = if i == 0 { base.clone() } else { mutate(&mut rng, base, &corpus) };
            run_one(name, *f, &input);
            i += 1;
        }
        total += i;
        if deadline.is_some() {
            eprintln!("fuzz smoke: {name}: {i} inputs");
        }
    }
    assert!(total >= n_targets as u64);
}
