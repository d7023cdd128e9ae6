//! Reading input files for every subcommand: streams each file through the core's push parsers
//! (the same code the web worker runs) and fingerprints it with SHA-256 on the way.
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
pub fn read_inputs_with_progress(
    paths: &[PathBuf],
    opts: &IngestOptions,
    progress: &mut dyn FnMut(&ReadProgress<'_>),
) -> Result<Inputs, String> {
    let mut b = DatasetBuilder::new(opts.clone());
    let mut fingerprints = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    let bytes_total: u64 = paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    let mut bytes_done = 0u64;
    for path in paths {
        let name = path.display().to_string();
        if path.is_dir() {
            return Err(format!("{name} is a directory; give the files inside it"));
        }
        let mut f = std::fs::File::open(path).map_err(|e| format!("cannot open {name}: {e}"))?;
        let mut ing = FileIngest::new(&name, opts, &mut b);
        if let Ok(meta) = f.metadata() {
            b.expect_input_bytes(meta.len());
        }
        let mut fingerprint = Fingerprinter::new(&name);
        loop {
            match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    fingerprint.update(&buf[..n]);
                    bytes_done += n as u64;
                    ing.feed(&buf[..n], &mut b);
                    progress(&ReadProgress { file: &name, bytes_done, bytes_total, posts: b.n_posts() });
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("error reading {name}: {e}")),
            }
        }
        ing.finish(&mut b);
        fingerprints.push(fingerprint.finish());
    }
    let (dataset, reports) = b.finish();
    Ok(Inputs { dataset, reports, fingerprints })
}
