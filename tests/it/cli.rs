//! The `chorus` binary end to end: arguments, exit codes, messages, files written.
//!
//! Cases that need a format parser are listed in `FIXTURES` (inputs under tests/it/data/); the
//! others use inputs no parser can accept, so they hold before and after the parsers land.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn chorus(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chorus")).args(args).output().expect("run chorus")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/data").join(name).display().to_string()
}

#[test]
fn analyze_rejects_bad_parameters_with_a_specific_message() {
    let dir = scratch("bad-params");
    let input = dir.join("in.csv");
    std::fs::write(&input, "a,b\n").unwrap();
    let out = dir.join("out");
    let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
    let cases: &[(&[&str], &str)] = &[
        (&["--similarity", "1.5"], "--similarity must be in (0, 1], got 1.5"),
        (&["--resolution", "-1"], "--resolution must be a number > 0"),
        (&["--methods", "co_retweet,co_magic"], "unknown method \"co_magic\""),
        (&["--window", "co_retweet"], "expected METHOD=SECONDS"),
        (&["--window", "co_retweet=soon"], "is not a number of seconds"),
        (&["--time-window", "-5"], "--time-window"),
        (&["--min-repetitions", "0"], "--min-repetitions must be at least 1"),
        (&["--format", "xlsx"], "unknown format \"xlsx\""),
        (&["--input-format", "xlsx"], "unknown format \"xlsx\""),
        (&["--param", "nonsense=1"], "unknown parameter \"nonsense\""),
        (&["--min-edge-weight", "many"], "invalid value 'many'"),
    ];
    for (extra, want) in cases {
        let mut args = vec!["analyze", i, "--out", o];
        args.extend_from_slice(extra);
        let r = chorus(&args);
        assert_eq!(r.status.code(), Some(2), "{extra:?}: {}", stderr(&r));
        assert!(stderr(&r).contains(want), "{extra:?}: {:?} should contain {want:?}", stderr(&r));
        assert!(!out.exists(), "{extra:?}: nothing is written on bad parameters");
    }
}

#[test]
fn analyze_without_out_is_a_usage_error() {
    let r = chorus(&["analyze", "x.csv"]);
    assert_eq!(r.status.code(), Some(2));
    assert!(stderr(&r).contains("--out"), "{}", stderr(&r));
}

#[test]
fn analyze_names_a_missing_file() {
    let dir = scratch("missing");
    let missing = dir.join("nope.csv");
    let r = chorus(&["analyze", missing.to_str().unwrap(), "--out", dir.join("o").to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(1));
    assert!(stderr(&r).contains("cannot open") && stderr(&r).contains("nope.csv"), "{}", stderr(&r));
}

#[test]
fn analyze_of_unreadable_input_says_nothing_was_read() {
    let dir = scratch("garbage");
    let input = dir.join("garbage.bin");
    std::fs::write(&input, [0u8, 159, 146, 150, 0xff, 0xfe, 0, 0, 1, 2, 3]).unwrap();
    let out = dir.join("o");
    let r = chorus(&["analyze", input.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(1), "{}", stderr(&r));
    assert!(stderr(&r).contains("no posts were read"), "{}", stderr(&r));
    assert!(stderr(&r).contains("garbage.bin"), "{}", stderr(&r));
    assert!(!out.join("accounts.csv").exists());
}

#[test]
fn inspect_json_fingerprints_each_input() {
    let dir = scratch("inspect");
    let input = dir.join("in.bin");
    std::fs::write(&input, b"abc").unwrap();
    let r = chorus(&["inspect", "--json", input.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("inspect --json prints JSON");
    assert_eq!(v["inputs"][0]["bytes"], 3);
    // SHA-256("abc")
    assert_eq!(v["inputs"][0]["sha256"], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(v["files"].as_array().unwrap().len(), 1);
    let f = &v["files"][0];
    assert_eq!(f["balanced"], true);
    assert_eq!(
        f["records_read"].as_u64().unwrap(),
        f["records_kept"].as_u64().unwrap()
            + f["duplicates"].as_u64().unwrap()
            + f["records_rejected"].as_u64().unwrap()
    );
    assert_eq!(v["totals"]["files"], 1);
    assert_eq!(v["totals"]["bytes"], 3);
}

#[test]
fn inspect_text_names_each_file_and_the_totals() {
    let dir = scratch("inspect-text");
    let (a, b) = (dir.join("a.bin"), dir.join("b.bin"));
    std::fs::write(&a, [0u8, 1, 2]).unwrap();
    std::fs::write(&b, [3u8; 10]).unwrap();
    let r = chorus(&["inspect", a.to_str().unwrap(), b.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(out.contains("a.bin") && out.contains("b.bin"), "{out}");
    assert!(out.contains("total: 2 files, 13 bytes"), "{out}");
}

/// Inputs a parser reads, with what `chorus analyze` must produce from them. Extend as parsers
/// land (`cargo test --test it -- --ignored` runs them).
const FIXTURES: &[(&str, usize)] = &[
    // (file under tests/it/data, accounts expected in accounts.csv)
    ("toolkit-ring.csv", 8),
    ("export/hostile_tweets_csv_hashed.csv", 10),
    ("export/ring_tweets_csv_unhashed.csv", 66),
];

/// Runs `chorus analyze` twice on each fixture: six files, one accounts.csv row per account,
/// byte-identical outputs across runs. Needs the format parsers of the ingest issue.
#[test]
fn analyze_fixtures_write_six_deterministic_files() {
    for (name, n_accounts) in FIXTURES {
        let dir = scratch(&format!("fixture-{name}"));
        let mut outputs = Vec::new();
        for run in ["a", "b"] {
            let out = dir.join(run);
            let r = chorus(&["analyze", &data(name), "--out", out.to_str().unwrap(), "--quiet"]);
            assert_eq!(r.status.code(), Some(0), "{name}: {}", stderr(&r));
            let summary = String::from_utf8_lossy(&r.stdout);
            assert!(summary.contains("wrote "), "{summary}");
            let files: Vec<Vec<u8>> = chorus::core::export::FILE_NAMES
                .iter()
                .map(|f| std::fs::read(out.join(f)).unwrap_or_else(|e| panic!("{name}: {f}: {e}")))
                .collect();
            let accounts = super::export::parse_csv(&files[0]);
            assert_eq!(accounts.len(), 1 + n_accounts, "{name}: {accounts:?}");
            for (k, csv) in files.iter().take(3).enumerate() {
                for row in super::export::parse_csv(csv).iter().skip(1) {
                    for cell in row {
                        let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
                        assert!(
                            !formula || cell.parse::<f64>().is_ok(),
                            "{name}: {}: {cell:?}",
                            chorus::core::export::FILE_NAMES[k]
                        );
                    }
                }
            }
            outputs.push(files);
        }
        assert_eq!(outputs[0], outputs[1], "{name}: same input and parameters, same bytes");
    }
}

fn chorus_threads(threads: &str, args: &[&str]) -> Output {
    chorus_reading(threads, "0", args)
}

/// `chorus` with `CHORUS_THREADS` and `CHORUS_NO_MMAP` set.
fn chorus_reading(threads: &str, no_mmap: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chorus"))
        .env("CHORUS_THREADS", threads)
        .env("CHORUS_NO_MMAP", no_mmap)
        .args(args)
        .output()
        .expect("run chorus")
}

/// Reading on two threads (the default on two cores or more) and on one (`CHORUS_THREADS=1`),
/// with the large files mapped (the default) or read (`CHORUS_NO_MMAP=1`), gives the same
/// outputs: `chorus analyze` writes the same six files (report.json with the inputs' SHA-256)
/// and `chorus inspect --json` prints the same, for a synthetic archive of several read chunks
/// (rows in archive order; its tweets file given twice, so every post of the second is a
/// duplicate) beside files with rejected and repaired rows.
#[test]
fn analyze_and_inspect_on_one_and_two_threads_give_the_same_outputs() {
    let dir = scratch("threads");
    let synth = dir.join("synth");
    let synth_args = |rows| {
        [
            "synth",
            "--scenario",
            "mixed",
            "--seed",
            "2",
            "--scale",
            "0.06",
            "--rows",
            rows,
            "--out",
            synth.to_str().unwrap(),
        ]
    };
    let r = chorus(&synth_args("shuffled"));
    assert_eq!(r.status.code(), Some(2));
    assert!(stderr(&r).contains("--rows must be `time` or `archive`"), "{}", stderr(&r));
    // rows in no time order, as in the published archives
    let r = chorus(&synth_args("archive"));
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let file = |part: &str| {
        let name = format!("synth_mixed_2_{part}_csv_hashed.csv");
        let p = synth.join(&name);
        assert!(p.exists(), "synth wrote {name}");
        p.display().to_string()
    };
    let (tweets, users) = (file("tweets"), file("users"));
    let size = std::fs::metadata(&tweets).unwrap().len();
    assert!(size > 3 << 20, "the tweets file spans several 1 MiB read chunks ({size} bytes)");
    let inputs = [users, tweets.clone(), data("bad/mixed_bad.jsonl"), data("bad/invalid_utf8.jsonl"), tweets];
    let mut analyzed = Vec::new();
    let mut inspected = Vec::new();
    let ways = [("1", "0"), ("2", "0"), ("2", "1"), ("1", "1")];
    for (threads, no_mmap) in ways {
        let out = dir.join(format!("out{threads}{no_mmap}"));
        let mut args = vec!["analyze", "--out", out.to_str().unwrap(), "--quiet"];
        args.extend(inputs.iter().map(String::as_str));
        let r = chorus_reading(threads, no_mmap, &args);
        let way = format!("{threads} thread(s), CHORUS_NO_MMAP={no_mmap}");
        assert_eq!(r.status.code(), Some(0), "{way}: {}", stderr(&r));
        let files: Vec<Vec<u8>> = chorus::core::export::FILE_NAMES
            .iter()
            .map(|f| std::fs::read(out.join(f)).unwrap_or_else(|e| panic!("{way}: {f}: {e}")))
            .collect();
        analyzed.push(files);
        let mut args = vec!["inspect", "--json"];
        args.extend(inputs.iter().map(String::as_str));
        let r = chorus_reading(threads, no_mmap, &args);
        assert_eq!(r.status.code(), Some(0), "{way}: {}", stderr(&r));
        inspected.push(r.stdout);
    }
    let v: serde_json::Value = serde_json::from_slice(&inspected[0]).expect("inspect --json prints JSON");
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 5);
    let count = |k: &str| files.iter().map(|f| f[k].as_u64().unwrap()).sum::<u64>();
    assert!(count("records_kept") > 10_000 && count("duplicates") > 10_000, "{v}");
    assert!(count("records_rejected") > 0 && count("records_repaired") > 0, "{v}");
    for w in 1..ways.len() {
        for (k, name) in chorus::core::export::FILE_NAMES.iter().enumerate() {
            assert!(analyzed[0][k] == analyzed[w][k], "{name} differs between {:?} and {:?}", ways[0], ways[w]);
        }
        assert_eq!(String::from_utf8_lossy(&inspected[0]), String::from_utf8_lossy(&inspected[w]), "{:?}", ways[w]);
    }
}

/// The network exports do not depend on the order of the input rows (which sets the account
/// indices): the same posts in time order and in archive order give the same accounts.csv and
/// edges.csv, byte for byte, and the same network.gexf and network.graphml but for the inputs'
/// fingerprints they record (the two files differ).
#[test]
fn exports_do_not_depend_on_the_order_of_the_rows() {
    let dir = scratch("row-order");
    let mut outputs = Vec::new();
    for rows in ["time", "archive"] {
        let synth = dir.join(format!("synth-{rows}"));
        let args = ["synth", "--scenario", "mixed", "--seed", "3", "--scale", "0.08", "--rows", rows, "--out"];
        let r = chorus(&[&args[..], &[synth.to_str().unwrap()]].concat());
        assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
        let file = |part: &str| synth.join(format!("synth_mixed_3_{part}_csv_hashed.csv")).display().to_string();
        let out = dir.join(format!("out-{rows}"));
        let r = chorus(&["analyze", "--out", out.to_str().unwrap(), "--quiet", &file("tweets"), &file("users")]);
        assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
        let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
        // the lines that record the inputs' SHA-256 left out
        let network = |name: &str| read(name).lines().filter(|l| !l.contains("sha256")).collect::<Vec<_>>().join("\n");
        outputs.push([read("accounts.csv"), read("edges.csv"), network("network.gexf"), network("network.graphml")]);
    }
    assert!(outputs[0][1].lines().count() > 100, "{}", outputs[0][1]);
    for (k, name) in ["accounts.csv", "edges.csv", "network.gexf", "network.graphml"].iter().enumerate() {
        assert!(outputs[0][k] == outputs[1][k], "{name} differs between the two row orders");
    }
}

#[test]
fn a_bad_thread_count_is_named() {
    let r = chorus_threads("zero", &["inspect", &data("toolkit-ring.csv")]);
    assert_ne!(r.status.code(), Some(0));
    assert!(stderr(&r).contains("CHORUS_THREADS") && stderr(&r).contains("zero"), "{}", stderr(&r));
}
