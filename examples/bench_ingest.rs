//! Native ingest throughput of the IO-archive CSV path.
//!
//! `cargo run --release --example bench_ingest [MB]` generates an IO-archive tweets file of about
//! MB megabytes (default 200) in memory — 2019 column order, hashed ids, multilingual texts with
//! quotes and embedded newlines, a third retweets — then reports MB/s for the CSV reader alone
//! and for the whole path (reader + IO handler + dataset builder), fed in 1 MiB chunks, on one
//! thread and on two (`chorus::cli::pipeline`: parsing on one, building on the other), each with
//! the CPU time of its threads. `reader`, `full` or `pipe` runs only that one; `digest` prints a
//! hash of the dataset built. `fp` runs only the text fingerprint microbench: the own texts of the
//! generated posts (not the retweets, as the builder skips them) through `text::fingerprints`,
//! five rounds, with the CPU time of the fastest and an XOR of all values (changes with the hash).
//! `write PATH` only writes the generated file (to time `chorus inspect` on the same rows);
//! `read PATH` reads the rows of an IO-archive tweets file instead of generating them (e.g.
//! `chorus synth`'s, to time the building thread on them: `bench_ingest read FILE pipe`).
//! `build` times the building side alone: the rows parsed once into recorded batches, then five
//! rounds of applying them all to a new builder on this thread, with its CPU time (e.g.
//! `bench_ingest read FILE build`, on rows in random order).

use chorus::cli::pipeline::build_pipelined;
use chorus::core::ingest::csv::{CsvEvent, CsvReader};
use chorus::core::ingest::{csv_parser, text, DatasetBuilder, Format, IngestOptions};
use std::time::Instant;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const HEADER: &str = "tweetid,userid,user_display_name,user_screen_name,user_reported_location,user_profile_description,user_profile_url,follower_count,following_count,account_creation_date,account_language,tweet_language,tweet_text,tweet_time,tweet_client_name,in_reply_to_userid,in_reply_to_tweetid,quoted_tweet_tweetid,is_retweet,retweet_userid,retweet_tweetid,latitude,longitude,quote_count,reply_count,like_count,retweet_count,hashtags,urls,user_mentions,poll_choices\n";

const WORDS: &[&str] = &[
    "香港",
    "加油",
    "政府",
    "警察",
    "暴徒",
    "the",
    "people",
    "support",
    "police",
    "riot",
    "truth",
    "news",
    "عاجل",
    "الحكومة",
    "الشعب",
    "🙏",
    "🔥",
    "\"quote\"",
    "today",
    "world",
    "China",
    "Hong",
    "Kong",
    "freedom",
    "order",
    "violence",
    "stop",
    "peace",
    "protest",
    "city",
    "young",
    "future",
    "media",
    "fake",
    "real",
    "watch",
];

fn hash_id(rng: &mut Lcg, n: u64) -> String {
    // base64-like 44-character ids (2019+ releases)
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(44);
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xDEAD_BEEF;
    for _ in 0..43 {
        s.push(A[(x % 64) as usize] as char);
        x = x.rotate_left(7).wrapping_add(rng.0 | 1);
    }
    s.push('=');
    s
}

fn generate(target: usize) -> Vec<u8> {
    let mut rng = Lcg(42);
    let n_accounts = 20_000u64;
    let ids: Vec<String> = (0..n_accounts).map(|i| hash_id(&mut Lcg(i), i)).collect();
    let mut out = String::with_capacity(target + 4096);
    out.push_str(HEADER);
    let mut t_ms: i64 = 1_579_900_000_000;
    let mut last_tweets: Vec<(u64, usize)> = Vec::new();
    while out.len() < target {
        t_ms += rng.below(400) as i64;
        let id = (((t_ms - 1_288_834_974_657) as u64) << 22) | rng.below(1 << 22);
        let a = rng.below(n_accounts) as usize;
        let retweet = rng.below(3) == 0 && !last_tweets.is_empty();
        let mut text = String::new();
        let (rt_user, rt_tweet) = if retweet {
            let (tid, ta) = last_tweets[rng.below(last_tweets.len() as u64) as usize];
            text.push_str("RT @");
            text.push_str(&ids[ta]);
            text.push_str(": ");
            (ids[ta].clone(), tid.to_string())
        } else {
            (String::new(), String::new())
        };
        for k in 0..(8 + rng.below(25)) {
            if k > 0 {
                text.push(if rng.below(40) == 0 { '\n' } else { ' ' });
            }
            text.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
        }
        text.push_str(" https://t.co/");
        text.push_str(&format!("{:x}", rng.next()));
        if !retweet {
            last_tweets.push((id, a));
            if last_tweets.len() > 5000 {
                last_tweets.remove(0);
            }
        }
        let secs = t_ms / 1000;
        let (y, mo, d) = chorus::core::ingest::time::civil_from_days(secs.div_euclid(86_400));
        let sod = secs.rem_euclid(86_400);
        let quoted = text.replace('"', "\"\"");
        let tag = WORDS[rng.below(12) as usize];
        out.push_str(&format!(
            "{id},{u},{u},{u},,\"Profile of {a} 香港\",,{f},{g},2019-{m:02}-{dd:02},zh-cn,zh,\"{quoted}\",{y}-{mo:02}-{d:02} {h:02}:{mi:02},Twitter for Android,,,,{rt},{rt_user},{rt_tweet},absent,absent,0,0,{likes},0,\"['{tag}', 'HongKong']\",\"['https://example.com/{x}']\",\"['{mention}']\",\n",
            u = ids[a],
            f = rng.below(5000),
            g = rng.below(5000),
            m = 1 + a % 12,
            dd = 1 + a % 28,
            h = sod / 3600,
            mi = sod % 3600 / 60,
            rt = if retweet { "True" } else { "False" },
            likes = rng.below(100),
            x = rng.below(1000),
            mention = if rng.below(2) == 0 { "0".to_string() } else { rng.below(1_000_000).to_string() },
        ));
    }
    out.into_bytes()
}

/// CPU time of this thread in seconds (Linux `/proc/thread-self/schedstat`), so the number does not
/// depend on how busy the shared machine is; None elsewhere.
fn cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

/// Run `f`, returning (wall seconds, CPU seconds or wall when unknown).
fn timed(f: impl FnOnce()) -> (f64, f64) {
    let (start, cpu0) = (Instant::now(), cpu_secs());
    f();
    let wall = start.elapsed().as_secs_f64();
    let cpu = match (cpu0, cpu_secs()) {
        (Some(a), Some(b)) => b - a,
        _ => wall,
    };
    (wall, cpu)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mb: usize = args.iter().find_map(|s| s.parse().ok()).unwrap_or(200);
    // `full`: only the full path, `reader`: only the CSV reader, `pipe`: only the two-thread
    // pipeline (for profiling one of them), `fp`: only the text fingerprint microbench.
    let only =
        args.iter().find(|s| ["full", "reader", "pipe", "fp", "build"].contains(&s.as_str())).map(String::as_str);
    // `read PATH`: the rows of an IO-archive tweets file instead of generated ones (e.g. the
    // synthetic rows of `chorus synth`), through the same paths.
    let data = match args.iter().position(|a| a == "read").and_then(|i| args.get(i + 1)) {
        Some(path) => {
            let data = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
            println!("read {:.1} MiB of {path}", data.len() as f64 / (1 << 20) as f64);
            data
        }
        None => {
            let data = generate(mb << 20);
            println!("generated {:.1} MiB of IO-archive CSV", data.len() as f64 / (1 << 20) as f64);
            data
        }
    };
    let size_mb = data.len() as f64 / (1 << 20) as f64;
    if let Some(path) = args.iter().position(|a| a == "write").and_then(|i| args.get(i + 1)) {
        // The same rows as a file, for `chorus inspect` / `chorus analyze` (what users run).
        std::fs::write(path, &data).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
        println!("wrote {path}");
        return;
    }
    if only == Some("fp") {
        return fingerprints(&data);
    }
    if only == Some("build") {
        return building_side(&data, size_mb);
    }
    if only.is_none() || only == Some("reader") {
        reader_only(&data, size_mb);
    }
    if only.is_none() || only == Some("full") {
        full(&data, size_mb);
    }
    if only.is_none() || only == Some("pipe") {
        pipelined(&data, size_mb);
    }
}

#[inline(never)]
fn reader_only(data: &[u8], size_mb: f64) {
    let mut records = 0u64;
    let (wall, cpu) = timed(|| {
        let mut reader = CsvReader::new(None);
        let mut count = |ev: CsvEvent| {
            if let CsvEvent::Record { fields, .. } = ev {
                records += fields.len() as u64 / 31;
            }
        };
        for chunk in data.chunks(1 << 20) {
            reader.feed(chunk, &mut count);
        }
        reader.finish(&mut count);
    });
    println!("csv reader only: {:6.0} MiB/s CPU, {:6.0} MiB/s wall ({records} records)", size_mb / cpu, size_mb / wall);
}

#[inline(never)]
fn full(data: &[u8], size_mb: f64) {
    let opts = IngestOptions::default();
    let mut result = None;
    let (wall, cpu) = timed(|| {
        let mut b = DatasetBuilder::new(opts.clone());
        b.begin_file("bench_tweets_csv_hashed.csv");
        b.expect_input_bytes(data.len() as u64);
        if let Some(mut p) = csv_parser(Format::IoTweets, &opts) {
            for chunk in data.chunks(1 << 20) {
                p.feed(chunk, &mut b);
            }
            p.finish(&mut b);
        }
        result = Some(b.finish());
    });
    let Some((ds, reports)) = result else { return };
    if std::env::args().any(|a| a == "digest") {
        println!("dataset digest: {:016x}", digest(&ds));
    }
    let r = &reports[0];
    println!(
        "full IO ingest:  {:6.0} MiB/s CPU, {:6.0} MiB/s wall ({} posts, {} accounts, {} rejected, {:.1} bytes/post in columns)",
        size_mb / cpu,
        size_mb / wall,
        ds.n_posts(),
        ds.n_accounts(),
        r.records_rejected,
        ds.posts.heap_bytes() as f64 / ds.n_posts().max(1) as f64
    );
}

/// The building side alone (`build`): the rows are parsed once into recorded batches (1 MiB of
/// input each, as the pipeline records them), then five rounds each apply all the batches to a
/// new builder on this thread (`DatasetBuilder::apply`, then `finish`), timed without the
/// parsing thread running next to it. Each round's batches are rebuilt from their parts (as the
/// browser's analysis worker receives them) before its clock starts.
#[inline(never)]
fn building_side(data: &[u8], size_mb: f64) {
    use chorus::core::ingest::builder::{RecordedCalls, WireCall};
    let opts = IngestOptions::default();
    let mut recording = DatasetBuilder::recording(opts.clone());
    recording.begin_file("bench_tweets_csv_hashed.csv");
    recording.expect_input_bytes(data.len() as u64);
    let mut parts: Vec<(Vec<u8>, Vec<u32>, Vec<WireCall>)> = Vec::new();
    let mut take = |b: &mut DatasetBuilder| {
        let batch = b.take_recorded(RecordedCalls::default());
        let mut calls = Vec::new();
        batch.wire_calls(&mut calls);
        parts.push((batch.text().to_vec(), batch.lens().to_vec(), calls));
    };
    if let Some(mut p) = csv_parser(Format::IoTweets, &opts) {
        for chunk in data.chunks(1 << 20) {
            p.feed(chunk, &mut recording);
            take(&mut recording);
        }
        p.finish(&mut recording);
        take(&mut recording);
    }
    let (mut apply_cpu, mut finish_cpu) = (Vec::new(), Vec::new());
    let mut result = None;
    for _ in 0..5 {
        let mut batches: Vec<RecordedCalls> = parts
            .iter()
            .map(|(text, lens, calls)| {
                let mut b = RecordedCalls::default();
                b.refill(text, lens, calls).expect("a batch's own parts");
                b
            })
            .collect();
        let mut b = DatasetBuilder::new(opts.clone());
        let (_, cpu) = timed(|| batches.iter_mut().for_each(|batch| b.apply(batch)));
        apply_cpu.push(cpu);
        let (_, cpu) = timed(|| result = Some(b.finish()));
        finish_cpu.push(cpu);
    }
    let Some((ds, _)) = result else { return };
    if std::env::args().any(|a| a == "digest") {
        println!("dataset digest: {:016x}", digest(&ds));
    }
    let ms = |v: &[f64]| v.iter().map(|c| format!("{:.0}", c * 1e3)).collect::<Vec<_>>().join(", ");
    let best = apply_cpu.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "building side: apply {} ms CPU (best {:.0} MiB/s), finish {} ms CPU ({} posts, {} accounts, {} batches)",
        ms(&apply_cpu),
        size_mb / best,
        ms(&finish_cpu),
        ds.n_posts(),
        ds.n_accounts(),
        parts.len()
    );
}

/// The text fingerprint microbench (`fp`): `text::fingerprints` of every post's own text.
#[inline(never)]
fn fingerprints(data: &[u8]) {
    // The texts (column 12) of the rows that are not retweets (column 18), as the builder sees them.
    let mut texts: Vec<String> = Vec::new();
    let mut reader = CsvReader::new(None);
    let mut header = true;
    let mut keep = |ev: CsvEvent| {
        if let CsvEvent::Record { fields, .. } = ev {
            if !std::mem::take(&mut header) && fields.get(18) != "True" && !fields.get(12).is_empty() {
                texts.push(fields.get(12).to_string());
            }
        }
    };
    for chunk in data.chunks(1 << 20) {
        reader.feed(chunk, &mut keep);
    }
    reader.finish(&mut keep);
    let bytes: usize = texts.iter().map(String::len).sum();
    let mb = bytes as f64 / (1 << 20) as f64;
    let mut scratch = String::new();
    let (mut best, mut xor) = (f64::INFINITY, 0u64);
    for _ in 0..5 {
        let mut x = 0u64;
        let (_, cpu) = timed(|| {
            for t in &texts {
                let (fp, sh) = text::fingerprints(std::hint::black_box(t), &mut scratch);
                x ^= fp.rotate_left(1) ^ sh;
            }
        });
        best = best.min(cpu);
        xor = x;
    }
    println!(
        "text fingerprints: {:6.0} MiB/s CPU, {:5.1} ns/text ({} texts, {:.1} MiB, {:.0} bytes/text; values xor {:016x})",
        mb / best,
        best * 1e9 / texts.len() as f64,
        texts.len(),
        mb,
        bytes as f64 / texts.len() as f64,
        xor
    );
}

/// The full path on two threads (`chorus::cli::pipeline`): a parsing thread reads the CSV,
/// decodes the fields and fingerprints the texts; this thread builds the dataset.
#[inline(never)]
fn pipelined(data: &[u8], size_mb: f64) {
    let opts = IngestOptions::default();
    let start = Instant::now();
    let built = build_pipelined(
        &opts,
        |rec| {
            rec.builder().begin_file("bench_tweets_csv_hashed.csv");
            rec.builder().expect_input_bytes(data.len() as u64);
            if let Some(mut p) = csv_parser(Format::IoTweets, &opts) {
                for chunk in data.chunks(1 << 20) {
                    p.feed(chunk, rec.builder());
                    rec.flush();
                }
                p.finish(rec.builder());
            }
        },
        |_| {},
    );
    let wall = start.elapsed().as_secs_f64();
    let built = match built {
        Ok(b) => b,
        Err(e) => return println!("pipelined ingest: {e}"),
    };
    let ds = &built.dataset;
    if std::env::args().any(|a| a == "digest") {
        println!("dataset digest: {:016x} (pipelined)", digest(ds));
    }
    let rate = |cpu: Option<f64>| cpu.map_or("?".to_string(), |c| format!("{:.0}", size_mb / c));
    // Both threads' CPU together, to compare with the one-thread path's CPU rate.
    let together = built.parse_cpu_secs.zip(built.build_cpu_secs).map(|(p, b)| p + b);
    println!(
        "pipelined ingest: {:6.0} MiB/s wall; parsing thread {} MiB/s CPU, building thread {} MiB/s CPU, both {} MiB/s CPU ({} posts, {} rejected)",
        size_mb / wall,
        rate(built.parse_cpu_secs),
        rate(built.build_cpu_secs),
        rate(together),
        ds.n_posts(),
        built.reports[0].records_rejected,
    );
}

/// A hash of everything the dataset holds (columns, vocabularies, samples in sorted order), to
/// check that an optimisation changes nothing: `bench_ingest 20 full digest`.
fn digest(ds: &chorus::core::model::Dataset) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let p = &ds.posts;
    // the logical columns, hashed as the dense vectors they were before the packed layout
    let n = p.len();
    let time: Vec<i64> = p.times().collect();
    let target_post: Vec<u64> = (0..n).map(|i| p.target_post(i)).collect();
    let target_account: Vec<u32> = (0..n).map(|i| p.target_account(i)).collect();
    let text_fp: Vec<u64> = (0..n).map(|i| p.text_fp(i)).collect();
    let simhash: Vec<u64> = p.simhashes().collect();
    (&p.id, &p.account, &time, &target_post, &target_account, &text_fp, &simhash).hash(&mut h);
    p.kind.iter().map(|k| *k as u8).collect::<Vec<_>>().hash(&mut h);
    for r in [&p.hashtags, &p.urls, &p.mentions] {
        (&r.offsets, &r.items).hash(&mut h);
    }
    let a = &ds.accounts;
    a.ids.iter().collect::<Vec<_>>().hash(&mut h);
    (&a.screen_name, &a.display_name, &a.created_at, &a.followers, &a.following, &a.language).hash(&mut h);
    (&a.description_empty, &a.client, &a.has_profile).hash(&mut h);
    for i in [&ds.hashtags, &ds.urls, &ds.domains, &ds.mentions, &ds.languages, &ds.clients] {
        i.iter().collect::<Vec<_>>().hash(&mut h);
    }
    ds.url_domain.hash(&mut h);
    // (the same hash as the former maps of boxed strings: `&str` hashes as `Box<str>`)
    let mut fp: Vec<_> = ds.samples.fp_texts().collect();
    fp.sort();
    fp.hash(&mut h);
    let mut acc: Vec<_> = ds.samples.accounts().map(|a| (a, ds.samples.of_account(a).collect::<Vec<_>>())).collect();
    acc.sort();
    acc.hash(&mut h);
    ds.samples.bytes.hash(&mut h);
    h.finish()
}
