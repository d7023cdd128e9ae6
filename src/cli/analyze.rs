//! `chorus analyze FILE… --out DIR [params]`: read, detect, write the six exports.
use super::input::{read_inputs_with_progress, Inputs, ReadProgress};
use crate::core::detect::{self, Analysis, CoAction, DetectParams, Role};
use crate::core::export::{self, RunInfo};
use crate::core::ingest::{Format, IngestOptions};
use crate::core::model::Dataset;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Exit code for bad arguments or parameters (as clap uses).
pub const EXIT_USAGE: i32 = 2;
/// Exit code for unreadable input, nothing to analyse, or a failed analysis / write.
pub const EXIT_FAILURE: i32 = 1;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct AnalyzeArgs {
    /// Input files (CSV, JSON lines, .gz, .zip); several files form one dataset
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Directory to write accounts.csv, clusters.csv, edges.csv, network.gexf,
    /// network.graphml and report.json into (created if missing)
    #[arg(long, short)]
    pub out: PathBuf,
    /// Co-action methods to use, comma-separated (the others are switched off):
    /// co_retweet, co_tweet, co_similar_tweet, co_link, co_domain, co_hashtag, co_reply, co_mention
    #[arg(long, value_delimiter = ',', value_name = "METHOD,…")]
    pub methods: Option<Vec<String>>,
    /// Time window of every method, in seconds (before any --window)
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub time_window: Option<f64>,
    /// Time window of one method, e.g. --window co_retweet=30 (repeatable)
    #[arg(long = "window", value_name = "METHOD=SECONDS")]
    pub windows: Vec<String>,
    /// A pair of accounts must co-act on at least this many distinct objects
    #[arg(long)]
    pub min_repetitions: Option<u32>,
    /// Minimum combined (inverse-frequency weighted) edge weight
    #[arg(long, allow_negative_numbers = true)]
    pub min_edge_weight: Option<f64>,
    /// Near-duplicate text threshold (similarity, 0..1)
    #[arg(long, allow_negative_numbers = true)]
    pub similarity: Option<f64>,
    /// Resolution of community detection (1 = modularity; higher gives smaller clusters)
    #[arg(long, allow_negative_numbers = true)]
    pub resolution: Option<f64>,
    /// Budget of account pairs kept per method (hitting it is reported)
    #[arg(long)]
    pub max_pairs: Option<u64>,
    /// Smallest cluster reported
    #[arg(long)]
    pub min_cluster_size: Option<u32>,
    /// Any other detection parameter by its report.json name, e.g.
    /// --param amplifier_min_share=0.6 (repeatable; applied last)
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Input format instead of detecting it: io-tweets, io-users, twarc2, twarc-csv, v1,
    /// coortweet, toolkit
    #[arg(long, alias = "input-format", value_name = "FORMAT")]
    pub format: Option<String>,
    /// No progress on stderr
    #[arg(long, short)]
    pub quiet: bool,
}

/// The detection parameters the arguments ask for (defaults for what they leave out), or a
/// message naming the bad argument.
pub fn params_from(args: &AnalyzeArgs) -> Result<DetectParams, String> {
    let mut p = DetectParams::default();
    if let Some(methods) = &args.methods {
        let mut wanted = Vec::new();
        for name in methods.iter().map(|m| m.trim()).filter(|m| !m.is_empty()) {
            let kind = CoAction::from_name(name).ok_or_else(|| unknown_method(name))?;
            wanted.push(kind);
        }
        if wanted.is_empty() {
            return Err("--methods: give at least one method".into());
        }
        for m in &mut p.methods {
            m.enabled = wanted.contains(&m.kind);
        }
    }
    if let Some(s) = args.time_window {
        check_window("--time-window", s)?;
        for m in &mut p.methods {
            m.time_window_s = s;
        }
    }
    for spec in &args.windows {
        let (name, secs) = spec
            .split_once('=')
            .ok_or_else(|| format!("--window {spec}: expected METHOD=SECONDS, e.g. co_retweet=60"))?;
        let kind = CoAction::from_name(name.trim())
            .ok_or_else(|| format!("--window {spec}: {}", unknown_method(name.trim())))?;
        let s: f64 =
            secs.trim().parse().map_err(|_| format!("--window {spec}: {secs:?} is not a number of seconds"))?;
        check_window(&format!("--window {spec}"), s)?;
        for m in p.methods.iter_mut().filter(|m| m.kind == kind) {
            m.time_window_s = s;
        }
    }
    if let Some(n) = args.min_repetitions {
        if n == 0 {
            return Err("--min-repetitions must be at least 1".into());
        }
        p.min_repetitions = n;
    }
    if let Some(w) = args.min_edge_weight {
        if !w.is_finite() || w < 0.0 {
            return Err(format!("--min-edge-weight must be a number ≥ 0, got {w}"));
        }
        p.min_edge_weight = w;
    }
    if let Some(s) = args.similarity {
        if !(s > 0.0 && s <= 1.0) {
            return Err(format!("--similarity must be in (0, 1], got {s}"));
        }
        p.similarity_threshold = s;
    }
    if let Some(r) = args.resolution {
        if !r.is_finite() || r <= 0.0 {
            return Err(format!("--resolution must be a number > 0, got {r}"));
        }
        p.resolution = r;
    }
    if let Some(n) = args.max_pairs {
        if n == 0 {
            return Err("--max-pairs must be at least 1".into());
        }
        p.max_pairs = n;
    }
    if let Some(n) = args.min_cluster_size {
        if n < 2 {
            return Err(format!("--min-cluster-size must be at least 2, got {n}"));
        }
        p.min_cluster_size = n;
    }
    if !args.params.is_empty() {
        p = set_params(p, &args.params)?;
    }
    Ok(p)
}

/// Apply `NAME=VALUE` settings to any scalar field of [`DetectParams`] through its serialised
/// form (so every parameter the detection defines is reachable, under its report.json name).
/// VALUE is read as JSON (number, `true`/`false`), else as a string.
pub(crate) fn set_params(p: DetectParams, settings: &[String]) -> Result<DetectParams, String> {
    let mut v = serde_json::to_value(&p).map_err(|e| format!("--param: {e}"))?;
    let obj = v.as_object_mut().ok_or("--param: parameters are not an object")?;
    for spec in settings {
        let (name, value) =
            spec.split_once('=').ok_or_else(|| format!("--param {spec}: expected NAME=VALUE, e.g. resolution=1.2"))?;
        let name = name.trim();
        let mut names: Vec<&str> =
            obj.iter().filter(|(_, v)| !v.is_array() && !v.is_object()).map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        let slot = obj.get(name).filter(|v| !v.is_array() && !v.is_object());
        if slot.is_none() {
            return Err(format!("--param {spec}: unknown parameter {name:?}; parameters are {}", names.join(", ")));
        }
        let parsed: serde_json::Value =
            serde_json::from_str(value.trim()).unwrap_or_else(|_| serde_json::Value::String(value.trim().into()));
        obj.insert(name.to_string(), parsed);
    }
    let out: DetectParams =
        serde_json::from_value(v).map_err(|e| format!("--param {}: {e}", settings.join(" --param ")))?;
    // the typed checks of the dedicated flags apply to --param too
    let check = |ok: bool, what: &str| if ok { Ok(()) } else { Err(format!("--param: {what}")) };
    check(out.similarity_threshold > 0.0 && out.similarity_threshold <= 1.0, "similarity_threshold must be in (0, 1]")?;
    check(out.resolution.is_finite() && out.resolution > 0.0, "resolution must be > 0")?;
    check(out.min_edge_weight.is_finite() && out.min_edge_weight >= 0.0, "min_edge_weight must be ≥ 0")?;
    Ok(out)
}

fn unknown_method(name: &str) -> String {
    let all: Vec<&str> = CoAction::ALL.iter().map(|c| c.name()).collect();
    format!("unknown method {name:?}; methods are {}", all.join(", "))
}

fn check_window(what: &str, s: f64) -> Result<(), String> {
    if !s.is_finite() || s < 0.0 {
        return Err(format!("{what}: the window must be a number of seconds ≥ 0, got {s}"));
    }
    Ok(())
}

/// Parse `--format`.
pub fn format_from(name: Option<&str>) -> Result<Option<Format>, String> {
    match name {
        None => Ok(None),
        Some(n) => Format::from_name(n).map(Some).ok_or_else(|| {
            let all: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
            format!("--format: unknown format {n:?}; formats are {}", all.join(", "))
        }),
    }
}

/// Progress on stderr: silent for the first second (short runs print nothing), then at most
/// four updates a second on a terminal (one line rewritten), or one line per stage otherwise.
struct ProgressLine {
    start: Instant,
    last: Option<Instant>,
    stage: String,
    tty: bool,
    quiet: bool,
    drawn: bool,
}

impl ProgressLine {
    fn new(quiet: bool) -> Self {
        ProgressLine {
            start: Instant::now(),
            last: None,
            stage: String::new(),
            tty: std::io::stderr().is_terminal(),
            quiet,
            drawn: false,
        }
    }

    fn update(&mut self, stage: &str, fraction: Option<f32>, detail: &str) {
        if self.quiet || self.start.elapsed() < Duration::from_secs(1) {
            return;
        }
        let new_stage = stage != self.stage;
        let due = self.last.is_none_or(|t| t.elapsed() >= Duration::from_millis(250));
        if !(new_stage || self.tty && due) {
            return;
        }
        self.last = Some(Instant::now());
        if new_stage {
            self.stage = stage.to_string();
        }
        let pct = fraction.map(|f| format!(" {:3.0}%", (f.clamp(0.0, 1.0) * 100.0))).unwrap_or_default();
        let line = format!("[{:6.1}s] {stage}{pct} {detail}", self.start.elapsed().as_secs_f64());
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{line}");
            self.drawn = true;
        } else if new_stage {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }

    fn done(&mut self) {
        if self.drawn {
            eprintln!();
            self.drawn = false;
        }
    }
}

/// Run `chorus analyze`; returns the exit code.
pub fn run(args: &AnalyzeArgs) -> i32 {
    let params = match params_from(args) {
        Ok(p) => p,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let format = match format_from(args.format.as_deref()) {
        Ok(f) => f,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let opts = IngestOptions { format, ..IngestOptions::default() };
    let mut progress = ProgressLine::new(args.quiet);

    let read = read_inputs_with_progress(&args.files, &opts, &mut |p: &ReadProgress<'_>| {
        let fraction = (p.bytes_total > 0).then(|| p.bytes_done as f32 / p.bytes_total as f32);
        progress.update("reading", fraction, &format!("{} ({} posts)", p.file, p.posts));
    });
    let inputs = match read {
        Ok(i) => i,
        Err(e) => {
            progress.done();
            return fail(EXIT_FAILURE, &e);
        }
    };
    for r in inputs.reports.iter().filter(|_| inputs.dataset.n_posts() > 0) {
        if let Some(f) = &r.fatal {
            eprintln!("chorus analyze: warning: {}: {f} ({} records kept before it stopped)", r.name, r.records_kept);
        }
    }
    if inputs.dataset.n_posts() == 0 {
        progress.done();
        let mut msg = String::from("no posts were read from the input, nothing to analyse:");
        for r in &inputs.reports {
            let why = r.fatal.clone().unwrap_or_else(|| {
                let kinds: Vec<String> = r.by_kind.iter().map(|(k, n)| format!("{n} {}", k.as_str())).collect();
                format!("{} records read, {} rejected ({})", r.records_read, r.records_rejected, kinds.join(", "))
            });
            msg.push_str(&format!("\n  {}: {why}", r.name));
        }
        msg.push_str("\n  (`chorus inspect FILE…` shows what was read; --format forces a format)");
        return fail(EXIT_FAILURE, &msg);
    }
    let result = analyze_and_write(&inputs, &params, format, &args.out, &mut |stage: &str, f: f32| {
        progress.update(stage, Some(f), "")
    });
    progress.done();
    match result {
        Ok(summary) => print_out(&summary),
        Err(e) => fail(EXIT_FAILURE, &e),
    }
}

/// Detect on what was read, write the six exports into `out` (created if missing), print the
/// analysis warnings on stderr; returns the summary for stdout or a message.
pub fn analyze_and_write(
    inputs: &Inputs,
    params: &DetectParams,
    input_format: Option<Format>,
    out: &Path,
    progress: &mut dyn FnMut(&str, f32),
) -> Result<String, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create output directory {}: {e}", out.display()))?;
    let analysis =
        detect::analyze(&inputs.dataset, params, progress, &|| false).map_err(|e| format!("analysis stopped: {e}"))?;
    let run = RunInfo {
        inputs: inputs.fingerprints.clone(),
        ingest: inputs.reports.clone(),
        input_format: input_format.map(|f| f.name().to_string()),
    };
    for name in export::FILE_NAMES {
        let path = out.join(name);
        write_atomically(&path, |w| match export::write_file(name, &inputs.dataset, &analysis, &run, w) {
            Some(r) => r,
            None => Err(std::io::Error::other(format!("no export called {name}"))),
        })
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    for w in &analysis.warnings {
        eprintln!("chorus analyze: warning: {w}");
    }
    Ok(summary(&inputs.dataset, &analysis, out))
}

/// Print to stdout; a closed pipe (`| head`) ends quietly instead of panicking. Returns the exit
/// code.
pub fn print_out(s: &str) -> i32 {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("chorus: cannot write to stdout: {e}");
            EXIT_FAILURE
        }
    }
}

/// Stream `write` into `path.tmp` (buffered), then rename, so a reader never sees half a file.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let result = (|| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        write(&mut w)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()
    })();
    match result {
        Ok(()) => std::fs::rename(&tmp, path),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn fail(code: i32, msg: &str) -> i32 {
    eprintln!("chorus analyze: {msg}");
    code
}

/// The short summary printed on stdout.
pub fn summary(ds: &Dataset, an: &Analysis, out: &Path) -> String {
    let mut s = String::new();
    let span = ds
        .time_span()
        .map(|(a, b)| format!(", {} to {}", export::iso_time(a), export::iso_time(b)))
        .unwrap_or_default();
    s.push_str(&format!("read {} posts by {} accounts{span}\n", ds.n_posts(), ds.n_accounts()));
    s.push_str(&format!(
        "found {} clusters: {} core accounts, {} amplifiers ({} unflagged); {} coordination edges\n",
        an.clusters.len(),
        an.n_role(Role::Core),
        an.n_role(Role::Amplifier),
        an.n_role(Role::Unflagged),
        an.edges.len()
    ));
    let mut clusters: Vec<_> = an.clusters.iter().collect();
    clusters.sort_by(|a, b| b.accounts.len().cmp(&a.accounts.len()).then(a.id.cmp(&b.id)));
    for c in clusters.iter().take(10) {
        let tags: Vec<String> = c.top_hashtags.iter().take(3).map(|(t, _)| format!("#{}", clean_line(t))).collect();
        let methods: Vec<&str> = c.methods.iter().take(3).map(|(m, _)| m.name()).collect();
        s.push_str(&format!(
            "  cluster {}: {} accounts ({} core, {} amplifiers), {} {}\n",
            c.id,
            c.accounts.len(),
            c.n_core,
            c.n_amplifiers,
            methods.join("+"),
            tags.join(" ")
        ));
    }
    if clusters.len() > 10 {
        s.push_str(&format!("  … and {} more in clusters.csv\n", clusters.len() - 10));
    }
    s.push_str(&format!("wrote {}/{{{}}}\n", out.display(), export::FILE_NAMES.join(",")));
    s
}

/// Data text for a terminal line: control characters (escape sequences!) and bidi controls
/// replaced, so hostile names cannot rewrite the terminal.
pub fn clean_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') { '�' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(f: impl FnOnce(&mut AnalyzeArgs)) -> AnalyzeArgs {
        let mut a = AnalyzeArgs { files: vec!["x.csv".into()], out: "out".into(), ..Default::default() };
        f(&mut a);
        a
    }

    #[test]
    fn defaults_when_nothing_given() {
        assert_eq!(params_from(&args(|_| {})).unwrap(), DetectParams::default());
    }

    #[test]
    fn methods_windows_and_thresholds() {
        let p = params_from(&args(|a| {
            a.methods = Some(vec!["co_retweet".into(), " co_link".into()]);
            a.time_window = Some(120.0);
            a.windows = vec!["co_retweet=30".into()];
            a.min_repetitions = Some(5);
            a.min_edge_weight = Some(0.5);
            a.similarity = Some(0.9);
            a.resolution = Some(1.5);
            a.max_pairs = Some(1000);
        }))
        .unwrap();
        let m = |k: CoAction| p.methods.iter().find(|m| m.kind == k).unwrap().clone();
        assert!(m(CoAction::CoRetweet).enabled && m(CoAction::CoLink).enabled);
        assert!(!m(CoAction::CoTweet).enabled && !m(CoAction::CoHashtag).enabled);
        assert_eq!(m(CoAction::CoRetweet).time_window_s, 30.0);
        assert_eq!(m(CoAction::CoLink).time_window_s, 120.0);
        assert_eq!(m(CoAction::CoTweet).time_window_s, 120.0);
        assert_eq!((p.min_repetitions, p.min_edge_weight, p.max_pairs), (5, 0.5, 1000));
        assert_eq!((p.similarity_threshold, p.resolution), (0.9, 1.5));
    }

    #[test]
    fn bad_parameters_are_named() {
        let cases: Vec<(AnalyzeArgs, &str)> = vec![
            (args(|a| a.methods = Some(vec!["co_bogus".into()])), "unknown method \"co_bogus\""),
            (args(|a| a.methods = Some(vec![" ".into()])), "at least one method"),
            (args(|a| a.windows = vec!["co_retweet".into()]), "expected METHOD=SECONDS"),
            (args(|a| a.windows = vec!["co_retweet=abc".into()]), "is not a number"),
            (args(|a| a.windows = vec!["co_nope=3".into()]), "unknown method \"co_nope\""),
            (args(|a| a.windows = vec!["co_retweet=-1".into()]), "≥ 0"),
            (args(|a| a.time_window = Some(f64::NAN)), "--time-window"),
            (args(|a| a.similarity = Some(1.5)), "--similarity"),
            (args(|a| a.similarity = Some(0.0)), "--similarity"),
            (args(|a| a.resolution = Some(0.0)), "--resolution"),
            (args(|a| a.min_edge_weight = Some(-1.0)), "--min-edge-weight"),
            (args(|a| a.min_repetitions = Some(0)), "--min-repetitions"),
            (args(|a| a.max_pairs = Some(0)), "--max-pairs"),
            (args(|a| a.min_cluster_size = Some(1)), "--min-cluster-size"),
        ];
        for (a, want) in cases {
            let err = params_from(&a).expect_err(want);
            assert!(err.contains(want), "{err:?} should contain {want:?}");
        }
    }

    #[test]
    fn any_parameter_by_name() {
        let p = params_from(&args(|a| {
            a.params = vec!["amplifier_min_share=0.6".into(), "min_cluster_size=5".into(), "seed=7".into()];
        }))
        .unwrap();
        assert_eq!((p.amplifier_min_share, p.min_cluster_size, p.seed), (0.6, 5, 7));
        let cases: Vec<(AnalyzeArgs, &str)> = vec![
            (args(|a| a.params = vec!["nonsense=1".into()]), "unknown parameter \"nonsense\"; parameters are "),
            (args(|a| a.params = vec!["methods=1".into()]), "unknown parameter \"methods\""),
            (args(|a| a.params = vec!["seed".into()]), "expected NAME=VALUE"),
            (args(|a| a.params = vec!["min_cluster_size=many".into()]), "--param min_cluster_size=many"),
            (args(|a| a.params = vec!["resolution=-2".into()]), "resolution must be > 0"),
        ];
        for (a, want) in cases {
            let err = params_from(&a).expect_err(want);
            assert!(err.contains(want), "{err:?} should contain {want:?}");
        }
    }

    #[test]
    fn formats_by_name() {
        assert_eq!(format_from(Some("toolkit")).unwrap(), Some(Format::Toolkit));
        assert_eq!(format_from(None).unwrap(), None);
        assert!(format_from(Some("xlsx")).unwrap_err().contains("io-tweets"));
    }

    #[test]
    fn writes_the_six_files_and_a_summary() {
        use crate::core::ingest::{DatasetBuilder, PostRecord};
        use crate::core::model::Position;
        let mut b = DatasetBuilder::default();
        b.begin_file("mem");
        for i in 0..5u64 {
            let rec = PostRecord {
                id: format!("{}", 100 + i),
                author: crate::core::ingest::AccountRecord { id: format!("a{}", i % 3), ..Default::default() },
                time_ms: 1_580_000_000_000 + i as i64 * 1000,
                ..Default::default()
            };
            b.add_post(&rec, &Position { record: i + 1, line: i + 2, byte: i * 10 });
        }
        let (dataset, reports) = b.finish();
        let fingerprints = vec![export::InputFingerprint {
            path: "mem".into(),
            bytes: 50,
            sha256: "0".repeat(64),
            ..Default::default()
        }];
        let inputs = Inputs { dataset, reports, fingerprints };
        let out = std::env::temp_dir().join(format!("chorus-analyze-unit-{}", std::process::id()));
        let summary =
            analyze_and_write(&inputs, &DetectParams::default(), Some(Format::Toolkit), &out, &mut |_, _| {}).unwrap();
        assert!(
            summary.starts_with("read 5 posts by 3 accounts, 2020-01-26T00:53:20Z to 2020-01-26T00:53:24Z\n"),
            "{summary}"
        );
        for name in export::FILE_NAMES {
            let bytes = std::fs::read(out.join(name)).unwrap();
            assert!(!bytes.is_empty(), "{name}");
            assert!(!out.join(format!("{name}.tmp")).exists());
        }
        let accounts = std::fs::read_to_string(out.join("accounts.csv")).unwrap();
        assert_eq!(accounts.lines().count(), 1 + 3);
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        assert_eq!(report["inputs"][0]["path"], "mem");
        assert_eq!(report["input_format"], "toolkit");
        assert_eq!(report["ingest"][0]["records_kept"], 5);
        std::fs::remove_dir_all(&out).unwrap();
    }

    #[test]
    fn terminal_lines_cannot_carry_escapes() {
        assert_eq!(clean_line("a\x1b[2Jb\u{202e}c"), "a�[2Jb�c");
    }
}
