//! [`FileIngest`]: one input file, whatever it is — detects the container (gzip, zip) and the
//! format from the first bytes, then drives the right push parser. Never holds the file: only the
//! first bytes are buffered until detection decides (at most 64 KiB plus one chunk).
//!
//! Layers: `FileIngest` → (gzip: [`GzDecoder`] → one [`TextIngest`]) | (zip: [`ZipReader`] → one
//! `TextIngest` per entry, each its own file report) | (plain: one `TextIngest`). A `TextIngest`
//! detects the text format (or takes the forced one) and feeds its parser.

use super::gz::{GzDecoder, GzError, GzOut};
use super::json::JsonLinesParser;
use super::sniff::{self, Container, Sniffed};
use super::zip::{ZipLimits, ZipReader};
use super::{csv_detect, DatasetBuilder, Format, IngestOptions, PushParser};
use crate::core::model::DiagKind;

/// The parser for a format, or why there is none.
pub fn parser_for(format: Format, opts: &IngestOptions) -> Result<Box<dyn PushParser>, String> {
    match format {
        Format::Twarc2Jsonl | Format::V1Jsonl => Ok(Box::new(JsonLinesParser::new(format))),
        Format::GenericCsv if opts.mapping.is_none() => Err(
            "a CSV with a column mapping was requested, but no mapping was given: map the columns (account, time, post id, …) first"
                .into(),
        ),
        f => csv_detect::csv_parser(f, opts).ok_or_else(|| format!("no parser is available for {}", f.label())),
    }
}

enum TextSt {
    Head(Vec<u8>),
    Parse(Box<dyn PushParser>),
    /// Unreadable: a fatal message was given; the rest is ignored.
    Dead,
}

/// A decompressed text stream (a plain file, a `.gz`'s content, a zip entry): detects its format
/// from the first bytes (or takes `opts.format`), then feeds the parser. Reports go to the
/// builder's current file.
pub struct TextIngest {
    name: String,
    opts: IngestOptions,
    st: TextSt,
    saw_newline: bool,
}

impl TextIngest {
    pub fn new(name: &str, opts: &IngestOptions) -> Self {
        TextIngest { name: name.to_string(), opts: opts.clone(), st: TextSt::Head(Vec::new()), saw_newline: false }
    }

    pub fn feed(&mut self, chunk: &[u8], out: &mut DatasetBuilder) {
        match &mut self.st {
            TextSt::Head(head) => {
                head.extend_from_slice(chunk);
                // Detection can only decide at a newline, at MIN_HEAD / MAX_HEAD bytes, or on the
                // first bytes (BOMs, empty): skip the other calls so that tiny chunks do not make
                // detection quadratic. The decision itself depends only on the bytes.
                let newline = memchr::memchr(b'\n', chunk).is_some();
                self.saw_newline |= newline;
                let n = head.len();
                let may_decide = n < 8 || newline || n >= sniff::MAX_HEAD || (self.saw_newline && n >= sniff::MIN_HEAD);
                if may_decide {
                    if let Some(s) = sniff::sniff_text(head, false, self.opts.format) {
                        self.start(s, out);
                    }
                }
            }
            TextSt::Parse(p) => p.feed(chunk, out),
            TextSt::Dead => {}
        }
    }

    pub fn finish(&mut self, out: &mut DatasetBuilder) {
        if let TextSt::Head(head) = &self.st {
            let s = sniff::sniff_text(head, true, self.opts.format)
                .unwrap_or_else(|| Sniffed::Unreadable("the file is empty".into()));
            self.start(s, out);
        }
        if let TextSt::Parse(p) = &mut self.st {
            p.finish(out);
        }
        self.st = TextSt::Dead;
    }

    /// Detection decided: make the parser and give it the buffered head.
    fn start(&mut self, s: Sniffed, out: &mut DatasetBuilder) {
        let TextSt::Head(head) = std::mem::replace(&mut self.st, TextSt::Dead) else { return };
        if let Sniffed::Csv { header, .. } = &s {
            if let Some(msg) = duplicated_columns(header) {
                out.note(DiagKind::Syntax, format!("{}: {msg}", self.name));
            }
        }
        let format = match s {
            Sniffed::Json(f) => Ok(f),
            Sniffed::Csv { format: Some(f), .. } => Ok(f),
            Sniffed::Csv { format: None, header } => {
                if self.opts.mapping.is_some() {
                    Ok(Format::GenericCsv)
                } else {
                    let shown: Vec<String> = header
                        .iter()
                        .take(40)
                        .map(|h| {
                            let cut = super::builder::truncate_at_char(h, 40);
                            format!("\"{cut}{}\"", if cut.len() < h.len() { "…" } else { "" })
                        })
                        .collect();
                    Err(format!(
                        "unrecognised CSV header ({} column{}: {}{}): this is not a format Chorus knows; map its columns (account, time, post id, repost of, text, …) to read it",
                        header.len(),
                        if header.len() == 1 { "" } else { "s" },
                        shown.join(", "),
                        if header.len() > 40 { ", …" } else { "" }
                    ))
                }
            }
            Sniffed::Gzip | Sniffed::Zip => Err(format!(
                "{} holds another compressed file ({}); nested archives are not read: extract it first",
                self.name,
                if s == Sniffed::Gzip { "gzip" } else { "zip" }
            )),
            Sniffed::Unreadable(msg) => Err(msg),
        };
        let parser = format.and_then(|f| {
            out.set_format(f);
            parser_for(f, &self.opts)
        });
        match parser {
            Ok(mut p) => {
                p.feed(&head, out);
                self.st = TextSt::Parse(p);
            }
            Err(msg) => {
                out.note(DiagKind::Unsupported, format!("{}: {msg}", self.name));
                out.fatal(msg);
            }
        }
    }
}

enum TopSt {
    Head(Vec<u8>),
    Plain(TextIngest),
    Gz(Box<GzDecoder>, TextIngest),
    Zip(Box<ZipReader>),
    /// Unreadable by its name (reported): bytes are only counted.
    Ignored,
}

/// Reads one file pushed chunk by chunk.
pub struct FileIngest {
    name: String,
    opts: IngestOptions,
    limits: ZipLimits,
    st: TopSt,
}

impl FileIngest {
    /// Start reading a file called `name` (calls `out.begin_file`).
    pub fn new(name: &str, opts: &IngestOptions, out: &mut DatasetBuilder) -> Self {
        Self::with_limits(name, opts, ZipLimits::default(), out)
    }

    /// [`FileIngest::new`] with explicit zip-bomb limits.
    pub fn with_limits(name: &str, opts: &IngestOptions, limits: ZipLimits, out: &mut DatasetBuilder) -> Self {
        out.begin_file(name);
        FileIngest { name: name.to_string(), opts: opts.clone(), limits, st: TopSt::Head(Vec::new()) }
    }

    /// Consume the next chunk.
    pub fn feed(&mut self, chunk: &[u8], out: &mut DatasetBuilder) {
        match &mut self.st {
            TopSt::Head(head) => {
                head.extend_from_slice(chunk);
                if let Some(c) = sniff::sniff_container(head, false) {
                    self.start(c, out);
                }
            }
            TopSt::Plain(t) => {
                out.add_bytes(chunk.len() as u64);
                t.feed(chunk, out);
            }
            TopSt::Gz(gz, t) => {
                out.add_bytes(chunk.len() as u64);
                let name = &self.name;
                let r = gz.feed(chunk, &mut |o| match o {
                    GzOut::Data(b) => t.feed(b, out),
                    GzOut::Warning(w) => gz_error(name, w, out),
                });
                if let Err(e) = r {
                    gz_error(&self.name, e, out);
                }
            }
            TopSt::Zip(z) => z.feed(chunk, out),
            TopSt::Ignored => out.add_bytes(chunk.len() as u64),
        }
    }

    fn start(&mut self, c: Container, out: &mut DatasetBuilder) {
        let TopSt::Head(head) = std::mem::replace(&mut self.st, TopSt::Head(Vec::new())) else { return };
        if let Some(msg) = sniff::unreadable_by_name(&self.name) {
            // a spreadsheet is a zip of XML: say what it is instead of "no CSV inside"
            out.note(DiagKind::Unsupported, format!("{}: {msg}", self.name));
            out.fatal(msg);
            out.add_bytes(head.len() as u64);
            self.st = TopSt::Ignored;
            return;
        }
        self.st = match c {
            Container::Gzip => TopSt::Gz(Box::default(), TextIngest::new(sniff::strip_gz(&self.name), &self.opts)),
            Container::Zip => TopSt::Zip(Box::new(ZipReader::new(&self.name, &self.opts, self.limits.clone()))),
            Container::None => TopSt::Plain(TextIngest::new(&self.name, &self.opts)),
        };
        self.feed(&head, out);
    }

    /// The file ended.
    pub fn finish(mut self, out: &mut DatasetBuilder) {
        if let TopSt::Head(head) = &self.st {
            let c = sniff::sniff_container(head, true).unwrap_or(Container::None);
            self.start(c, out);
        }
        match self.st {
            TopSt::Head(_) => {}
            TopSt::Plain(mut t) => t.finish(out),
            TopSt::Gz(mut gz, mut t) => {
                let r = gz.finish();
                if gz.trailing_ignored > 0 {
                    out.note(
                        DiagKind::Syntax,
                        format!(
                            "{}: {} bytes after the end of the gzip data were ignored (not gzip)",
                            self.name, gz.trailing_ignored
                        ),
                    );
                }
                t.finish(out);
                if let Err(e) = r {
                    gz_error(&self.name, e, out);
                }
            }
            TopSt::Zip(z) => z.finish(out),
            TopSt::Ignored => {}
        }
    }
}

/// A message naming the header's duplicated column names (compared case-insensitively), if any.
fn duplicated_columns(header: &[String]) -> Option<String> {
    let norm: Vec<String> = header.iter().map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase()).collect();
    let mut dups = Vec::new();
    for (i, n) in norm.iter().enumerate() {
        if n.is_empty() || norm[..i].contains(n) {
            continue;
        }
        let at: Vec<String> =
            norm.iter().enumerate().filter(|(_, m)| *m == n).map(|(j, _)| (j + 1).to_string()).collect();
        if at.len() > 1 {
            dups.push(format!("`{}` (columns {})", header[i], at.join(", ")));
        }
    }
    (!dups.is_empty())
        .then(|| format!("the header names a column more than once: {}; the first of each is read", dups.join(", ")))
}

fn gz_error(name: &str, e: GzError, out: &mut DatasetBuilder) {
    match &e {
        GzError::Truncated(m) => {
            out.note(DiagKind::Truncated, format!("{name}: {m}"));
            out.fatal(m.clone());
        }
        GzError::Checksum(m) => out.note(DiagKind::Syntax, format!("{name}: {m}")),
        GzError::BadHeader(m) | GzError::Corrupt(m) => {
            out.note(DiagKind::Syntax, format!("{name}: {m}"));
            out.fatal(format!("{m}; what was read before is kept"));
        }
    }
}
