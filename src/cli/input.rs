//! Reading input files for every subcommand: streams each file through the core's push parsers
//! (the same code the web worker runs) and fingerprints it with SHA-256 on the way.
use super::pipeline::{build_pipelined, Recorder};
use crate::core::ingest::{DatasetBuilder, FileIngest, FileReport, IngestOptions};
use crate::core::model::Dataset;
use std::io::Read;
use std::path::PathBuf;

use crate::core::export::Fingerprinter;
/// An input file's identity for report.json (defined in the core so the browser fills it too).
pub use crate::core::export::InputFingerprint;

/// Everything read from the inputs.
pub struct Inputs {
    pub dataset: Dataset,
    pub reports: Vec<FileReport>,
    pub fingerprints: Vec<InputFingerprint>,
}

/// Where reading stands, for progress display.
pub struct ReadProgress<'a> {
    /// The file being read, as given.
    pub file: &'a str,
    /// Bytes read so far over all files, and the total size of all files (0 when unknown).
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Posts kept so far over all files.
    pub posts: usize,
}

/// Read `paths` into one dataset. Errors opening or reading a file are returned as a message
/// naming the file (records already read from earlier files are not lost in the report).
pub fn read_inputs(paths: &[PathBuf], opts: &IngestOptions) -> Result<Inputs, String> {
    read_inputs_with_progress(paths, opts, &mut |_| {})
}

/// [`read_inputs`] calling `progress` after every chunk (the callback throttles itself).
///
/// When the machine has two cores or more, reading runs on two threads (`super::pipeline`): a
/// parsing thread reads, fingerprints (SHA-256) and parses the files, and this thread builds the
/// dataset and calls `progress`. The result is the same as on one thread, which is what happens
/// on one core, with `CHORUS_THREADS=1` in the environment, or when no thread can be started.
pub fn read_inputs_with_progress(
    paths: &[PathBuf],
    opts: &IngestOptions,
    progress: &mut dyn FnMut(&ReadProgress<'_>),
) -> Result<Inputs, String> {
    let bytes_total: u64 = paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    let built = if reading_threads()? >= 2 {
        // Where the parsing thread is (file, bytes read), for the progress this thread shows.
        let at = std::sync::Mutex::new((String::new(), 0u64));
        build_pipelined(
            opts,
            |rec| {
                let mut feed = PipelinedFeed { rec, at: &at };
                read_files(paths, opts, &mut feed)
            },
            |b| {
                let (file, bytes_done) = at.lock().map(|a| a.clone()).unwrap_or_default();
                progress(&ReadProgress { file: &file, bytes_done, bytes_total, posts: b.n_posts() });
            },
        )
        .ok()
    } else {
        None
    };
    let (dataset, reports, fingerprints) = match built {
        Some(b) => (b.dataset, b.reports, b.parsed?),
        None => {
            let mut feed = DirectFeed { b: DatasetBuilder::new(opts.clone()), bytes_total, progress };
            let fingerprints = read_files(paths, opts, &mut feed)?;
            let (dataset, reports) = feed.b.finish();
            (dataset, reports, fingerprints)
        }
    };
    Ok(Inputs { dataset, reports, fingerprints })
}

/// How many threads reading uses: `CHORUS_THREADS` when set (1 forces one; 2 or more, two),
/// else two when the machine has two cores or more.
fn reading_threads() -> Result<usize, String> {
    match std::env::var("CHORUS_THREADS") {
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!("CHORUS_THREADS must be a whole number of threads (1 or more), got {v:?}")),
        },
        Err(_) => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// Where [`read_files`] sends what it parses.
trait Feed {
    fn builder(&mut self) -> &mut DatasetBuilder;
    /// A chunk of `file` was fed; `bytes_done` read so far over all files.
    fn chunk_done(&mut self, file: &str, bytes_done: u64);
}

/// Building on the reading thread.
struct DirectFeed<'p> {
    b: DatasetBuilder,
    bytes_total: u64,
    progress: &'p mut dyn FnMut(&ReadProgress<'_>),
}

impl Feed for DirectFeed<'_> {
    fn builder(&mut self) -> &mut DatasetBuilder {
        &mut self.b
    }
    fn chunk_done(&mut self, file: &str, bytes_done: u64) {
        let posts = self.b.n_posts();
        (self.progress)(&ReadProgress { file, bytes_done, bytes_total: self.bytes_total, posts });
    }
}

/// Recording for the building thread.
struct PipelinedFeed<'r, 'a> {
    rec: &'r mut Recorder,
    at: &'a std::sync::Mutex<(String, u64)>,
}

impl Feed for PipelinedFeed<'_, '_> {
    fn builder(&mut self) -> &mut DatasetBuilder {
        self.rec.builder()
    }
    fn chunk_done(&mut self, file: &str, bytes_done: u64) {
        if let Ok(mut at) = self.at.lock() {
            if at.0 != file {
                at.0 = file.to_string();
            }
            at.1 = bytes_done;
        }
        self.rec.flush();
    }
}

/// Stream every file through `FileIngest` into `feed`, fingerprinting each.
fn read_files(paths: &[PathBuf], opts: &IngestOptions, feed: &mut dyn Feed) -> Result<Vec<InputFingerprint>, String> {
    let mut fingerprints = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes_done = 0u64;
    for path in paths {
        let name = path.display().to_string();
        if path.is_dir() {
            return Err(format!("{name} is a directory; give the files inside it"));
        }
        let mut f = std::fs::File::open(path).map_err(|e| format!("cannot open {name}: {e}"))?;
        let mut ing = FileIngest::new(&name, opts, feed.builder());
        if let Ok(meta) = f.metadata() {
            feed.builder().expect_input_bytes(meta.len());
        }
        let mut fingerprint = Fingerprinter::new(&name);
        loop {
            match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    fingerprint.update(&buf[..n]);
                    bytes_done += n as u64;
                    ing.feed(&buf[..n], feed.builder());
                    feed.chunk_done(&name, bytes_done);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("error reading {name}: {e}")),
            }
        }
        ing.finish(feed.builder());
        fingerprints.push(fingerprint.finish());
    }
    Ok(fingerprints)
}
