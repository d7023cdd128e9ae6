//! [`FileIngest`]: one input file, whatever it is — detects container (.gz, .zip) and format
//! from the name and first bytes, then drives the right push parser.
//!
//! (Foundation version: counts lines as records; the format parsers replace this.)

use super::{DatasetBuilder, IngestOptions};

/// Reads one file pushed chunk by chunk.
pub struct FileIngest {
    lines: u64,
    last_was_newline: bool,
    any: bool,
}

impl FileIngest {
    /// Start reading a file called `name` (calls `out.begin_file`).
    pub fn new(name: &str, _opts: &IngestOptions, out: &mut DatasetBuilder) -> Self {
        out.begin_file(name);
        FileIngest { lines: 0, last_was_newline: true, any: false }
    }
    /// Consume the next chunk.
    pub fn feed(&mut self, chunk: &[u8], out: &mut DatasetBuilder) {
        out.add_bytes(chunk.len() as u64);
        self.lines += memchr::memchr_iter(b'\n', chunk).count() as u64;
        if let Some(&b) = chunk.last() {
            self.last_was_newline = b == b'\n';
            self.any = true;
        }
    }
    /// The file ended.
    pub fn finish(self, out: &mut DatasetBuilder) {
        let _ = (self.lines, self.any, self.last_was_newline);
        out.fatal("no parser for this format yet");
    }
}
