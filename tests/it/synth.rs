//! The synthetic-data generator: determinism, the archive format as written (checked with an
//! independent csv-core reader), snowflake ids, ground truth, the planted phenomena, evaluation.

use chorus::core::detect::{AccountVerdict, Analysis, DetectParams, Role};
use chorus::core::ingest::text::normalise;
use chorus::core::model::{Kind, NONE};
use chorus::core::synth::{self, eval, SynthOutput, TruthRole, TWITTER_EPOCH_MS};
use std::collections::{HashMap, HashSet};

/// A small but complete scenario: every operation style and confounder.
fn small(seed: u64) -> SynthOutput {
    sized(seed, 0.08)
}

fn sized(seed: u64, scale: f64) -> SynthOutput {
    let p = synth::scenario("mixed", seed, scale).expect("mixed exists");
    synth::generate(&p).expect("valid params")
}

fn files(d: &SynthOutput) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let (mut t, mut u, mut g) = (Vec::new(), Vec::new(), Vec::new());
    synth::write_tweets(d, &mut t).unwrap();
    synth::write_users(d, &mut u).unwrap();
    synth::write_truth(d, &mut g).unwrap();
    (t, u, g)
}

/// Independent CSV reading with csv-core's field reader: rows of fields.
fn read_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    use csv_core::{ReadFieldResult, Reader};
    let mut rdr = Reader::new();
    let mut input = bytes;
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        let (res, nin, nout) = rdr.read_field(input, &mut buf);
        input = &input[nin..];
        field.extend_from_slice(&buf[..nout]);
        match res {
            ReadFieldResult::InputEmpty | ReadFieldResult::OutputFull => {}
            ReadFieldResult::Field { record_end } => {
                row.push(String::from_utf8(std::mem::take(&mut field)).expect("UTF-8"));
                if record_end {
                    rows.push(std::mem::take(&mut row));
                }
            }
            ReadFieldResult::End => break,
        }
    }
    rows
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = files(&sized(7, 0.04));
    let b = files(&sized(7, 0.04));
    assert!(a == b, "same seed must give byte-identical files");
    let c = files(&sized(8, 0.04));
    assert!(a.0 != c.0 && a.2 != c.2);
}

#[test]
fn files_have_the_archive_layout_and_consistent_ids() {
    let d = small(3);
    let (tweets, users, truth) = files(&d);
    let t = read_csv(&tweets);
    let u = read_csv(&users);
    let g = read_csv(&truth);
    assert_eq!(t[0], synth::TWEET_COLUMNS.to_vec());
    assert_eq!(t[0][15], "in_reply_to_userid");
    assert_eq!(u[0], synth::USER_COLUMNS.to_vec());
    assert_eq!(g[0], vec!["account_id", "truth_role", "operation"]);
    assert_eq!(t.len(), d.posts.len() + 1);
    assert_eq!(u.len(), d.accounts.len() + 1);
    assert_eq!(g.len(), d.accounts.len() + 1);
    for (k, r) in t.iter().enumerate() {
        assert_eq!(r.len(), 31, "tweets row {k}: {r:?}");
    }
    assert!(u.iter().all(|r| r.len() == 10));
    assert!(tweets.windows(2).any(|w| w == b"\"\""), "some field needs quote escaping");

    let truth_ids: HashMap<&str, &str> = g[1..].iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    let user_ids: HashSet<&str> = u[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(user_ids.len(), d.accounts.len(), "user ids are unique");
    assert_eq!(truth_ids.keys().copied().collect::<HashSet<_>>(), user_ids);

    let mut by_id: HashMap<u64, (&str, i64)> = HashMap::new();
    for r in &t[1..] {
        let id: u64 = r[0].parse().expect("numeric tweetid");
        let ms = (id >> 22) as i64 + TWITTER_EPOCH_MS;
        let mut minute = String::new();
        synth::format_minute(ms, &mut minute);
        assert_eq!(minute, r[13], "snowflake {id} decodes to the row's tweet_time");
        assert!(user_ids.contains(r[1].as_str()), "author {} is in the users file", r[1]);
        assert!(matches!(r[18].as_str(), "True" | "False"));
        for list in [&r[27], &r[28], &r[29]] {
            assert!(list.starts_with('[') && list.ends_with(']'), "{list}");
        }
        if r[18] == "True" {
            let (author, t0) =
                by_id.get(&r[20].parse::<u64>().unwrap()).copied().expect("retweeted tweet precedes its retweet");
            assert_eq!(author, r[19]);
            assert!(t0 < ms);
            assert!(r[12].starts_with("RT @"));
        }
        if !r[16].is_empty() {
            let (author, _) = by_id[&r[16].parse::<u64>().unwrap()];
            assert_eq!(author, r[15], "in_reply_to_userid is the replied-to author");
            assert!(r[12].starts_with('@') && r[29].contains(&r[15]), "a reply names its target: {r:?}");
        }
        assert!(by_id.insert(id, (r[1].as_str(), ms)).is_none(), "tweet ids are unique");
    }
    let (c, a, o) = d.role_counts();
    let want_core: u32 = d.params.operations.iter().map(|o| o.n_core).sum();
    let want_amp: u32 = d.params.operations.iter().map(|o| o.n_amplifiers).sum();
    assert_eq!((c, a, o), (want_core as usize, want_amp as usize, d.params.n_organic as usize));
    assert_eq!(truth_ids.values().filter(|r| **r == "core").count(), c);
}

#[test]
fn hashed_identities_look_like_2019_releases() {
    let p = synth::scenario("stealthy", 5, 0.1).unwrap();
    let d = synth::generate(&p).unwrap();
    let hashed: Vec<_> = d.accounts.iter().filter(|a| a.followers < 5000).collect();
    assert!(!hashed.is_empty());
    for a in hashed {
        assert_eq!(a.user_id.len(), 44);
        assert!(a.user_id.ends_with('='));
        assert!(a.user_id.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)));
        assert_eq!(a.screen_name, a.user_id);
    }
    let big = d.accounts.iter().filter(|a| a.followers >= 5000).count();
    assert!(
        big > 0
            && d.accounts.iter().filter(|a| a.followers >= 5000).all(|a| a.user_id.bytes().all(|b| b.is_ascii_digit()))
    );
}

#[test]
fn dataset_matches_the_output() {
    let d = sized(4, 0.04);
    let ds = synth::to_dataset(&d);
    assert_eq!(ds.n_posts(), d.posts.len());
    assert_eq!(ds.n_accounts(), d.accounts.len());
    for (i, a) in d.accounts.iter().enumerate() {
        assert_eq!(ds.accounts.ids.resolve(i as u32), a.user_id);
    }
    for (i, p) in d.posts.iter().enumerate() {
        assert_eq!(ds.posts.time_ms(i), p.time_ms);
        assert_eq!(ds.posts.kind[i], p.kind);
        assert_eq!(ds.posts.account[i], p.account);
        if p.target != NONE {
            assert_eq!(ds.posts.target_account(i), d.posts[p.target as usize].account);
        }
    }
}

/// Share of retweets of each operation's core that come from inside the operation, median delay
/// of its amplifiers' retweets, and the share of its amplifiers' retweets that go to its core.
fn op_measures(d: &SynthOutput, op: u16) -> (f64, f64, f64) {
    let op_of = |a: u32| d.accounts[a as usize].operation;
    let is_core = |a: u32| op_of(a) == Some(op) && d.accounts[a as usize].role == TruthRole::Core;
    let (mut inside, mut all) = (0.0, 0.0);
    let mut delays = Vec::new();
    let (mut amp_core, mut amp_all) = (0.0, 0.0);
    for p in &d.posts {
        if p.kind != Kind::Retweet {
            continue;
        }
        let t = &d.posts[p.target as usize];
        let amp = op_of(p.account) == Some(op) && d.accounts[p.account as usize].role == TruthRole::Amplifier;
        if is_core(t.account) {
            all += 1.0;
            if op_of(p.account) == Some(op) {
                inside += 1.0;
            }
            if amp {
                delays.push(p.time_ms - t.time_ms);
            }
        }
        if amp {
            amp_all += 1.0;
            if is_core(t.account) {
                amp_core += 1.0;
            }
        }
    }
    delays.sort_unstable();
    let median = delays.get(delays.len() / 2).copied().unwrap_or(0) as f64 / 1000.0;
    (inside / all, median, amp_core / amp_all)
}

#[test]
fn planted_operations_show_their_signatures() {
    let d = small(11);
    let names = &d.operation_names;
    let fast = names.iter().position(|n| n == "ring-fast").unwrap() as u16;
    let slow = names.iter().position(|n| n == "stealthy-slow").unwrap() as u16;
    let (echo, delay, share) = op_measures(&d, fast);
    assert!(echo > 0.8, "ring-fast is an echo chamber: {echo}");
    assert!(delay < 120.0, "ring-fast boosts within ~a minute: {delay}");
    assert!(share > 0.85, "ring-fast amplifiers boost their core: {share}");
    let (_, delay, share) = op_measures(&d, slow);
    assert!(delay > 1800.0, "the slow operation boosts over hours: {delay}");
    assert!((0.45..0.8).contains(&share), "stealthy amplifiers also boost organic content: {share}");
    // creation bursts: most ring-fast accounts were created on a handful of days
    let mut days: HashMap<i64, usize> = HashMap::new();
    let members: Vec<_> = d.accounts.iter().filter(|a| a.operation == Some(fast)).collect();
    for a in &members {
        *days.entry(a.created_ms.div_euclid(86_400_000)).or_default() += 1;
    }
    let mut counts: Vec<usize> = days.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let top: usize = counts.iter().take(12).sum();
    assert!(top as f64 > 0.7 * members.len() as f64, "creation bursts: {counts:?}");
    // generated handles: name + long digit string, within Twitter's 15 characters
    let generated = members
        .iter()
        .filter(|a| {
            a.screen_name.len() <= 15 && a.screen_name.bytes().rev().take_while(|b| b.is_ascii_digit()).count() >= 6
        })
        .count();
    assert!(generated as f64 > 0.5 * members.len() as f64, "generated handles: {generated} of {}", members.len());
    assert!(d.accounts.iter().all(|a| a.screen_name.len() <= 15));
}

#[test]
fn confounders_are_present() {
    let d = small(12);
    for (bit, name) in synth::confounder::ALL {
        let n = d.accounts.iter().filter(|a| a.confounders & bit != 0).count();
        assert!(n > 0, "accounts marked {name}");
        assert!(d.accounts.iter().filter(|a| a.confounders & bit != 0).all(|a| a.role == TruthRole::Organic));
    }
    // a viral storm: one post retweeted by many organic accounts within ten minutes
    let mut fast_rts: HashMap<u32, usize> = HashMap::new();
    for p in &d.posts {
        if p.kind == Kind::Retweet && d.accounts[p.account as usize].role == TruthRole::Organic {
            let t = &d.posts[p.target as usize];
            if p.time_ms - t.time_ms < 600_000 {
                *fast_rts.entry(p.target).or_default() += 1;
            }
        }
    }
    let max = fast_rts.values().copied().max().unwrap_or(0);
    assert!(max >= (d.params.confounders.storm_size as usize) / 2, "viral storm: {max}");
    // a pasted quote: the same text posted by many organic accounts
    let mut texts: HashMap<String, HashSet<u32>> = HashMap::new();
    let mut r = synth::RenderedPost::default();
    for (i, p) in d.posts.iter().enumerate() {
        if p.kind == Kind::Post && d.accounts[p.account as usize].role == TruthRole::Organic {
            d.render(i, &mut r);
            texts.entry(normalise(&r.text)).or_default().insert(p.account);
        }
    }
    let most = texts.values().map(|s| s.len()).max().unwrap_or(0);
    let want = d.params.confounders.quote_size as usize / 5;
    assert!(most >= want, "a famous quote pasted by many: {most} < {want}");
}

#[test]
fn every_scenario_generates() {
    for s in synth::scenarios().iter().map(|s| s.name).chain(["demo"]) {
        let scale = if s == "large" { 0.01 } else { 0.05 };
        let p = synth::scenario(s, 1, scale).unwrap();
        let d = synth::generate(&p).unwrap_or_else(|e| panic!("{s}: {e}"));
        let (c, a, _) = d.role_counts();
        assert!(!d.posts.is_empty(), "{s}");
        if s == "organic-only" {
            assert_eq!((c, a), (0, 0));
        } else {
            assert!(c > 0 && a > 0, "{s}");
        }
    }
    assert!(synth::scenario("nope", 1, 1.0).is_none());
    let mut bad = synth::demo();
    bad.n_days = 0;
    assert!(synth::generate(&bad).unwrap_err().contains("n_days"));
}

#[test]
fn evaluation_of_an_analysis_through_the_dataset() {
    let d = sized(5, 0.04);
    let ds = synth::to_dataset(&d);
    let truth = d.truth();
    // an oracle analysis built from the truth scores perfectly; the placeholder-free check of
    // the mapping from dataset indices to account ids
    let verdicts = d
        .accounts
        .iter()
        .map(|a| AccountVerdict {
            role: match a.role {
                TruthRole::Core => Role::Core,
                TruthRole::Amplifier => Role::Amplifier,
                TruthRole::Organic => Role::Unflagged,
            },
            cluster: NONE,
            score: 0.0,
            reasons: vec![],
        })
        .collect();
    let analysis = Analysis {
        params: DetectParams::default(),
        accounts: verdicts,
        clusters: vec![],
        edges: vec![],
        methods: vec![],
        warnings: vec![],
    };
    let r = eval::evaluate(&truth, &eval::predictions_from_analysis(&ds, &analysis));
    assert_eq!((r.f1, r.role_accuracy, r.organic_fp_rate), (1.0, 1.0, 0.0));
    // swapping every flagged role keeps F1 and zeroes role accuracy
    let mut swapped = analysis.clone();
    for v in &mut swapped.accounts {
        v.role = match v.role {
            Role::Core => Role::Amplifier,
            Role::Amplifier => Role::Core,
            r => r,
        };
    }
    let r = eval::evaluate(&truth, &eval::predictions_from_analysis(&ds, &swapped));
    assert_eq!((r.f1, r.role_accuracy), (1.0, 0.0));
    // the accounts.csv route gives the same numbers
    let mut csv = String::from("account_id,screen_name,role,cluster,score,reasons\n");
    for (i, v) in analysis.accounts.iter().enumerate() {
        csv.push_str(&format!("{},x,{},,0,\n", ds.accounts.ids.resolve(i as u32), v.role.as_str()));
    }
    let mut g = Vec::new();
    synth::write_truth(&d, &mut g).unwrap();
    let r2 = eval::evaluate(&eval::parse_truth_csv(&g).unwrap(), &eval::parse_roles_csv(csv.as_bytes()).unwrap());
    assert_eq!(r2.f1, 1.0);
    assert_eq!(r2.confusion[2][2], d.params.n_organic as u64);
}

/// The files as written, read back through the real streaming parsers (users file first, as
/// researchers drop them, in odd-sized chunks), give the same dataset as `to_dataset`: same
/// posts in the same order, same authors, times, kinds, targets, text fingerprints, hashtags.
#[test]
fn written_files_parse_to_the_same_dataset() {
    use chorus::core::ingest::{DatasetBuilder, FileIngest, IngestOptions};
    let d = sized(5, 0.04);
    let (tweets, users, _) = files(&d);
    let opts = IngestOptions::default();
    let mut b = DatasetBuilder::new(opts.clone());
    for (name, bytes) in [("synth_users_csv_hashed.csv", &users), ("synth_tweets_csv_hashed.csv", &tweets)] {
        let mut ing = FileIngest::new(name, &opts, &mut b);
        for chunk in bytes.chunks(65_537) {
            ing.feed(chunk, &mut b);
        }
        ing.finish(&mut b);
    }
    let (parsed, reports) = b.finish();
    for r in &reports {
        assert!(r.fatal.is_none(), "{}: {:?}", r.name, r.fatal);
        assert_eq!(r.records_rejected, 0, "{}: {:?}", r.name, r.diagnostics);
        assert!(r.balanced());
    }
    let direct = synth::to_dataset(&d);
    assert_eq!(parsed.n_posts(), direct.n_posts());
    let id = |ds: &chorus::core::model::Dataset, a: u32| -> String {
        if a == NONE {
            String::new()
        } else {
            ds.accounts.ids.resolve(a).to_string()
        }
    };
    let (p, q) = (&parsed.posts, &direct.posts);
    for i in 0..parsed.n_posts() {
        assert_eq!(p.id[i], q.id[i], "post {i} id");
        assert_eq!(p.time_ms(i), q.time_ms(i), "post {i} time");
        assert_eq!(p.kind[i], q.kind[i], "post {i} kind");
        assert_eq!(p.target_post(i), q.target_post(i), "post {i} target");
        assert_eq!(id(&parsed, p.account[i]), id(&direct, q.account[i]), "post {i} author");
        assert_eq!(id(&parsed, p.target_account(i)), id(&direct, q.target_account(i)), "post {i} target author");
        assert_eq!(p.text_fp(i), q.text_fp(i), "post {i} text");
        let tags = |ds: &chorus::core::model::Dataset, i: usize| -> Vec<String> {
            ds.posts.hashtags.row(i).iter().map(|&h| ds.hashtags.resolve(h).to_string()).collect()
        };
        assert_eq!(tags(&parsed, i), tags(&direct, i), "post {i} hashtags");
    }
    // every account of the generator is in the parsed dataset with its creation date
    for a in 0..direct.n_accounts() as u32 {
        let pa = parsed.accounts.ids.get(direct.accounts.ids.resolve(a)).expect("account parsed");
        assert_eq!(parsed.accounts.created_at[pa as usize], direct.accounts.created_at[a as usize]);
    }
}

/// Datasets of different seeds share the popular vocabulary (the head of the organic hashtags,
/// the big domains) but not the long tail, nor their operations' campaign hashtags and websites:
/// they are unrelated operations (the link tests rely on it).
#[test]
fn seeds_share_popular_items_not_the_long_tail() {
    use std::collections::{BTreeMap, BTreeSet};
    let (a, b) = (sized(1, 0.08), sized(2, 0.08));
    let campaign = |d: &SynthOutput| -> BTreeSet<String> {
        d.params.operations.iter().flat_map(|o| o.hashtags.iter().chain(&o.domains).cloned()).collect()
    };
    let (ca, cb) = (campaign(&a), campaign(&b));
    // (a big domain an operation posts to, medium.com, stays shared)
    assert!(!ca.is_empty() && ca.intersection(&cb).all(|x| x == "medium.com"), "{ca:?} / {cb:?}");
    let again = synth::scenario("mixed", 1, 0.08).unwrap();
    assert_eq!(again.operations[0].hashtags, a.params.operations[0].hashtags, "deterministic");
    // (item -> number of posts) for the hashtags and URL domains of organic accounts' own posts
    let uses = |d: &SynthOutput| -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
        let (mut tags, mut doms) = (BTreeMap::new(), BTreeMap::new());
        let mut out = synth::RenderedPost::default();
        for (i, p) in d.posts.iter().enumerate() {
            if p.kind == Kind::Retweet || d.accounts[p.account as usize].role != TruthRole::Organic {
                continue;
            }
            d.render(i, &mut out);
            for t in &out.hashtags {
                *tags.entry(t.to_lowercase()).or_insert(0) += 1;
            }
            for u in &out.urls {
                let host = u.trim_start_matches("https://").split('/').next().unwrap_or("").to_string();
                *doms.entry(host).or_insert(0) += 1;
            }
        }
        (tags, doms)
    };
    let ((ta, da), (tb, db)) = (uses(&a), uses(&b));
    for (what, x, y) in [("hashtags", &ta, &tb), ("domains", &da, &db)] {
        let mut top: Vec<(&String, &usize)> = x.iter().collect();
        top.sort_by(|p, q| q.1.cmp(p.1).then(p.0.cmp(q.0)));
        let head = top.iter().take(10).filter(|(k, _)| y.contains_key(*k)).count();
        assert!(head >= 6, "{what}: {head} of the 10 most used shared");
        let shared = x.keys().filter(|k| y.contains_key(*k)).count();
        assert!((shared as f64) < 0.5 * x.len() as f64, "{what}: {shared} of {} distinct shared", x.len());
    }
}

/// `--rows archive` writes the same rows as `--rows time`, in no time order (as the published
/// archives are), the same for the same seed; read back, they give the same accounts, posts and
/// verdicts: nothing in ingest or detection depends on the rows' order.
#[test]
fn archive_row_order_holds_the_same_rows_and_gives_the_same_verdicts() {
    use chorus::core::detect::analyze;
    use chorus::core::ingest::{DatasetBuilder, FileIngest, IngestOptions};
    let d = sized(3, 0.05);
    let (time_rows, users, _) = files(&d);
    let mut archive_rows = Vec::new();
    synth::write_tweets_in(&d, synth::RowOrder::Archive, &mut archive_rows).unwrap();
    let mut again = Vec::new();
    synth::write_tweets_in(&d, synth::RowOrder::Archive, &mut again).unwrap();
    assert_eq!(archive_rows, again, "the same permutation every time");
    let (t, a) = (read_csv(&time_rows), read_csv(&archive_rows));
    assert_eq!(t[0], a[0], "same header");
    assert_ne!(t, a);
    let sorted = |rows: &[Vec<String>]| {
        let mut r = rows[1..].to_vec();
        r.sort();
        r
    };
    assert_eq!(sorted(&t), sorted(&a), "same rows");
    // time order: every row's minute is ≥ the one before; archive order: about half are
    let col = t[0].iter().position(|c| c == "tweet_time").unwrap();
    let ascending = |rows: &[Vec<String>]| {
        rows[1..].windows(2).filter(|w| w[0][col] <= w[1][col]).count() as f64 / (rows.len() - 2) as f64
    };
    assert_eq!(ascending(&t), 1.0);
    let share = ascending(&a);
    assert!((0.4..0.7).contains(&share), "archive order looks sorted: {share}");

    let read = |tweets: &[u8]| {
        let opts = IngestOptions::default();
        let mut b = DatasetBuilder::new(opts.clone());
        for (name, bytes) in [("synth_users_csv_hashed.csv", &users[..]), ("synth_tweets_csv_hashed.csv", tweets)] {
            let mut ing = FileIngest::new(name, &opts, &mut b);
            for chunk in bytes.chunks(100_003) {
                ing.feed(chunk, &mut b);
            }
            ing.finish(&mut b);
        }
        b.finish().0
    };
    let (x, y) = (read(&time_rows), read(&archive_rows));
    assert_eq!((x.n_posts(), x.n_accounts()), (y.n_posts(), y.n_accounts()));
    let params = DetectParams::default();
    let run = |ds| analyze(ds, &params, &mut |_, _| {}, &|| false).unwrap();
    let (ax, ay) = (run(&x), run(&y));
    let roles = |ds: &chorus::core::model::Dataset, an: &Analysis| -> Vec<(String, Role)> {
        let mut v: Vec<_> = (0..ds.n_accounts())
            .map(|i| (ds.accounts.ids.resolve(i as u32).to_string(), an.accounts[i].role))
            .collect();
        v.sort();
        v
    };
    let (rx, ry) = (roles(&x, &ax), roles(&y, &ay));
    assert!(rx.iter().any(|(_, r)| *r == Role::Core), "the scenario's operations are found");
    assert_eq!(rx, ry, "same verdict for every account");
    assert_eq!(ax.clusters.len(), ay.clusters.len());
}
