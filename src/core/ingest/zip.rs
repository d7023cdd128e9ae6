//! A push (streaming) zip reader: entries are read from their local file headers as the bytes
//! arrive, each CSV / JSON-lines entry is decompressed and handed to its own [`TextIngest`] (own
//! file report `archive.zip/entry.csv`, own format detection), and the central directory at the
//! end is ignored once reached.
//!
//! Hand-written on purpose: the `zip` crate needs `Read + Seek` over the whole archive (it starts
//! from the central directory at the end), and its streaming reader is pull-based (`Read`); the
//! browser hands us the file chunk by chunk and we never hold it whole. Inflating is flate2's.
//!
//! Handled: stored and deflate entries; data descriptors (flag bit 3, with and without their
//! signature; the end of deflate data is found by the decompressor), zip64 extra fields and zip64
//! descriptors, CRC-32 checks; directories, `__MACOSX/` and dot-files skipped; encrypted entries
//! and other compression methods reported per entry and skipped; a zip-bomb guard (total and
//! ratio limits, [`ZipLimits`]); a truncated archive reported as `Truncated`.

use super::stream::TextIngest;
use super::{DatasetBuilder, IngestOptions};
use crate::core::model::DiagKind;
use flate2::{Crc, Decompress, FlushDecompress, Status};

/// Limits against decompression bombs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZipLimits {
    /// Most bytes decompressed from one archive (all entries together).
    pub max_total_out: u64,
    /// Most decompressed bytes per compressed byte in one entry…
    pub max_ratio: u64,
    /// …checked once the entry has produced this many bytes (small files compress well).
    pub ratio_after: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits { max_total_out: 16 << 30, max_ratio: 200, ratio_after: 64 << 20 }
    }
}

/// Output interval at which the ratio limit is checked.
const CHECK_EVERY: u64 = 1 << 20;

const SIG_LOCAL: u32 = 0x0403_4b50;
const SIG_CENTRAL: u32 = 0x0201_4b50;
const SIG_END: u32 = 0x0605_4b50;
const SIG_END64: u32 = 0x0606_4b50;
const SIG_END64_LOC: u32 = 0x0706_4b50;
const SIG_DESCRIPTOR: u32 = 0x0807_4b50;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Zs {
    /// The fixed 30-byte local header (starting with the signature).
    Header,
    /// File name and extra field.
    NameExtra { need: usize },
    /// Stored data with a known size.
    Stored { remaining: u64 },
    /// Deflate data (until the decompressor reports the end).
    Deflate,
    /// Bytes to skip (an entry we do not read, or the rest of a stopped one).
    Skip { remaining: u64 },
    /// Data descriptor after the data (flag bit 3): first 4 bytes (signature or CRC)…
    DescriptorStart,
    /// …then the rest.
    DescriptorRest { need: usize },
    /// Central directory reached: the rest is ignored.
    Done,
    /// Reading stopped on an error: the rest is ignored.
    Stopped,
}

/// The entry being read.
struct Entry {
    /// `archive/entry` report name.
    report_name: String,
    flags: u16,
    crc_stored: u32,
    csize: u64,
    zip64: bool,
    /// Whether the entry's bytes go to a parser (false: skipped, inflated only to find its end).
    parsed: bool,
    in_bytes: u64,
    out_bytes: u64,
    crc: Crc,
    /// Decompression was stopped by a limit (the rest is discarded).
    limited: bool,
}

/// The push zip reader for one archive.
pub struct ZipReader {
    archive: String,
    opts: IngestOptions,
    limits: ZipLimits,
    st: Zs,
    small: Vec<u8>,
    /// Bytes consumed by the current local header, credited to the entry's report once it exists.
    pending_bytes: u64,
    entry: Option<Entry>,
    text: Option<TextIngest>,
    inflate: Decompress,
    out: Vec<u8>,
    /// Offset in the archive (for messages).
    offset: u64,
    total_out: u64,
    entries_parsed: u32,
    entries_seen: u32,
    skipped: Vec<String>,
}

impl ZipReader {
    pub fn new(archive: &str, opts: &IngestOptions, limits: ZipLimits) -> Self {
        ZipReader {
            archive: archive.to_string(),
            opts: opts.clone(),
            limits,
            st: Zs::Header,
            small: Vec::with_capacity(64),
            pending_bytes: 0,
            entry: None,
            text: None,
            inflate: Decompress::new(false),
            out: vec![0; 64 << 10],
            offset: 0,
            total_out: 0,
            entries_parsed: 0,
            entries_seen: 0,
            skipped: Vec::new(),
        }
    }

    fn fill(&mut self, input: &mut &[u8], need: usize) -> bool {
        let take = need.saturating_sub(self.small.len()).min(input.len());
        self.small.extend_from_slice(&input[..take]);
        *input = &input[take..];
        self.small.len() >= need
    }

    /// Consume the next chunk of the archive.
    pub fn feed(&mut self, mut input: &[u8], out: &mut DatasetBuilder) {
        while !input.is_empty() {
            let before = input.len();
            let in_header = matches!(self.st, Zs::Header | Zs::NameExtra { .. });
            self.step(&mut input, out);
            let used = (before - input.len()) as u64;
            self.offset += used;
            if in_header {
                self.pending_bytes += used;
                if !matches!(self.st, Zs::Header | Zs::NameExtra { .. }) {
                    out.add_bytes(std::mem::take(&mut self.pending_bytes));
                }
            } else {
                out.add_bytes(used);
            }
            if used == 0 && !input.is_empty() {
                // every state consumes input or changes state; never spin
                if matches!(self.st, Zs::Done | Zs::Stopped) {
                    out.add_bytes(input.len() as u64);
                    self.offset += input.len() as u64;
                    return;
                }
            }
        }
    }

    fn step(&mut self, input: &mut &[u8], out: &mut DatasetBuilder) {
        match self.st {
            Zs::Done | Zs::Stopped => *input = &[],
            Zs::Header => {
                // where this header starts (its first bytes may have come in earlier chunks)
                let header_at = self.offset - self.small.len() as u64;
                if !self.fill(input, 4) {
                    return;
                }
                let sig = u32::from_le_bytes([self.small[0], self.small[1], self.small[2], self.small[3]]);
                match sig {
                    SIG_LOCAL => {}
                    SIG_CENTRAL | SIG_END | SIG_END64 | SIG_END64_LOC => {
                        self.small.clear();
                        self.st = Zs::Done;
                        return;
                    }
                    _ => {
                        self.small.clear();
                        self.st = Zs::Stopped;
                        out.note(
                            DiagKind::Syntax,
                            format!(
                                "{}: corrupt zip archive: expected an entry header at byte {header_at}; reading stopped",
                                self.archive
                            ),
                        );
                        out.fatal(format!(
                            "corrupt zip archive (no entry header at byte {header_at}); entries before it were read"
                        ));
                        return;
                    }
                }
                if !self.fill(input, 30) {
                    return;
                }
                let h = &self.small;
                let name_len = u16::from_le_bytes([h[26], h[27]]) as usize;
                let extra_len = u16::from_le_bytes([h[28], h[29]]) as usize;
                self.st = Zs::NameExtra { need: 30 + name_len + extra_len };
            }
            Zs::NameExtra { need } => {
                if !self.fill(input, need) {
                    return;
                }
                let h = std::mem::take(&mut self.small);
                self.start_entry(&h, out);
                self.small = h;
                self.small.clear();
            }
            Zs::Stored { remaining } => {
                // never deliver more than the total limit (+1 byte to detect going over it)
                let to_total = (self.limits.max_total_out + 1).saturating_sub(self.total_out);
                let take = remaining.min(input.len() as u64).min(to_total) as usize;
                let (data, rest) = input.split_at(take);
                *input = rest;
                if let Some(e) = &mut self.entry {
                    e.in_bytes += take as u64;
                    e.out_bytes += take as u64;
                    e.crc.update(data);
                }
                self.deliver(data, out);
                let remaining = remaining - take as u64;
                if self.total_out > self.limits.max_total_out {
                    self.st = Zs::Stored { remaining };
                    self.check_limits(out);
                } else if remaining == 0 {
                    self.end_data(out);
                } else {
                    self.st = Zs::Stored { remaining };
                }
            }
            Zs::Deflate => {
                let before_in = self.inflate.total_in();
                let before_out = self.inflate.total_out();
                // Output stops exactly at each ratio checkpoint and one byte past the total
                // limit, so what is delivered never depends on how the input was chunked.
                let done = self.entry.as_ref().map_or(0, |e| e.out_bytes);
                let to_check = CHECK_EVERY - done % CHECK_EVERY;
                let to_total = (self.limits.max_total_out + 1).saturating_sub(self.total_out);
                let room = (self.out.len() as u64).min(to_check).min(to_total).max(1) as usize;
                let mut buf = std::mem::take(&mut self.out);
                let status = self.inflate.decompress(input, &mut buf[..room], FlushDecompress::None);
                let used = (self.inflate.total_in() - before_in) as usize;
                let made = (self.inflate.total_out() - before_out) as usize;
                *input = &input[used..];
                if let Some(e) = &mut self.entry {
                    e.in_bytes += used as u64;
                    e.out_bytes += made as u64;
                    e.crc.update(&buf[..made]);
                }
                self.deliver(&buf[..made], out);
                self.out = buf;
                let at_checkpoint = made > 0 && self.entry.as_ref().is_some_and(|e| e.out_bytes % CHECK_EVERY == 0);
                let over = self.total_out > self.limits.max_total_out;
                if (over || (at_checkpoint && !matches!(status, Ok(Status::StreamEnd)))) && self.check_limits(out) {
                    return;
                }
                match status {
                    Ok(Status::StreamEnd) => {
                        // bytes between the end of the deflate stream and the stated size
                        let extra = self.entry.as_ref().map_or(0, |e| {
                            if e.flags & 8 == 0 {
                                e.csize.saturating_sub(e.in_bytes)
                            } else {
                                0
                            }
                        });
                        if extra > 0 {
                            self.st = Zs::Skip { remaining: extra };
                            // the entry ends after the skip
                            self.finish_entry_parser(out);
                        } else {
                            self.end_data(out);
                        }
                    }
                    Ok(_) if used > 0 || made > 0 => {}
                    other => {
                        let err = match other {
                            Err(e) => e.to_string(),
                            _ => "the decompressor made no progress".to_string(),
                        };
                        let name = self.entry_name();
                        self.finish_entry_parser(out);
                        out.note(
                            DiagKind::Syntax,
                            format!("{name}: the compressed data is corrupt ({err}); what was read before is kept"),
                        );
                        out.fatal(format!("corrupt compressed data in {name}; reading of the archive stopped"));
                        self.entry = None;
                        self.st = Zs::Stopped;
                    }
                }
            }
            Zs::Skip { remaining } => {
                let take = remaining.min(input.len() as u64);
                *input = &input[take as usize..];
                let remaining = remaining - take;
                self.st = if remaining == 0 { self.after_data() } else { Zs::Skip { remaining } };
                if remaining == 0 && self.st == Zs::Header {
                    self.entry = None;
                }
            }
            Zs::DescriptorStart => {
                if !self.fill(input, 4) {
                    return;
                }
                let first = u32::from_le_bytes([self.small[0], self.small[1], self.small[2], self.small[3]]);
                let zip64 = self.entry.as_ref().is_some_and(|e| e.zip64);
                let sizes = if zip64 { 16 } else { 8 };
                if first == SIG_DESCRIPTOR {
                    self.small.clear();
                    self.st = Zs::DescriptorRest { need: 4 + sizes };
                } else {
                    // no signature: these 4 bytes are the CRC
                    self.st = Zs::DescriptorRest { need: 4 + sizes };
                }
            }
            Zs::DescriptorRest { need } => {
                if !self.fill(input, need) {
                    return;
                }
                let crc = u32::from_le_bytes([self.small[0], self.small[1], self.small[2], self.small[3]]);
                self.small.clear();
                if let Some(e) = &mut self.entry {
                    e.crc_stored = crc;
                }
                self.check_crc(out);
                self.entry = None;
                self.st = Zs::Header;
            }
        }
    }

    fn entry_name(&self) -> String {
        self.entry.as_ref().map(|e| e.report_name.clone()).unwrap_or_else(|| self.archive.clone())
    }

    /// A full local header is in `h`: decide what to do with the entry.
    fn start_entry(&mut self, h: &[u8], out: &mut DatasetBuilder) {
        let u16_at = |i: usize| u16::from_le_bytes([h[i], h[i + 1]]);
        let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let flags = u16_at(6);
        let method = u16_at(8);
        let crc_stored = u32_at(14);
        let mut csize = u32_at(18) as u64;
        let mut usize_ = u32_at(22) as u64;
        let name_len = u16_at(26) as usize;
        let raw_name = &h[30..30 + name_len];
        let extra = &h[30 + name_len..];
        let mut zip64 = false;
        // zip64 extended information: id 0x0001, then the 8-byte sizes whose 32-bit fields are full
        let mut i = 0;
        while i + 4 <= extra.len() {
            let id = u16::from_le_bytes([extra[i], extra[i + 1]]);
            let len = u16::from_le_bytes([extra[i + 2], extra[i + 3]]) as usize;
            let body = &extra[i + 4..(i + 4 + len).min(extra.len())];
            if id == 0x0001 {
                zip64 = true;
                let mut j = 0;
                let read8 = |j: &mut usize| -> Option<u64> {
                    let b = body.get(*j..*j + 8)?;
                    *j += 8;
                    Some(u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
                };
                if usize_ == 0xFFFF_FFFF {
                    if let Some(v) = read8(&mut j) {
                        usize_ = v;
                    }
                }
                if csize == 0xFFFF_FFFF {
                    if let Some(v) = read8(&mut j) {
                        csize = v;
                    }
                }
            }
            i += 4 + len;
        }
        let _ = usize_;
        let name = String::from_utf8_lossy(raw_name).into_owned();
        let report_name = format!("{}/{}", self.archive, name);
        self.entries_seen += 1;
        let has_descriptor = flags & 8 != 0;
        let base = name.rsplit('/').next().unwrap_or(&name);
        let is_dir = name.ends_with('/') || name.ends_with('\\');
        let junk = name.starts_with("__MACOSX/") || base.starts_with('.') || is_dir;
        let mut entry = Entry {
            report_name,
            flags,
            crc_stored,
            csize,
            zip64,
            parsed: false,
            in_bytes: 0,
            out_bytes: 0,
            crc: Crc::new(),
            limited: false,
        };
        let lower = base.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        let data_like = matches!(ext, "csv" | "tsv" | "txt" | "json" | "jsonl" | "ndjson" | "jsonlines" | "") && !junk;
        let mut problem: Option<String> = None;
        if !junk && !data_like {
            if name == "[Content_Types].xml" || name.starts_with("xl/") {
                self.skipped.push(format!("{name} (this archive is an Excel workbook: export the sheet as CSV)"));
            } else {
                self.skipped.push(format!("{name} (not a CSV or JSON-lines file)"));
            }
        } else if data_like && flags & 1 != 0 {
            problem = Some(format!(
                "{name} is encrypted (password-protected); decrypt the archive or re-zip it without a password"
            ));
        } else if data_like && method != 0 && method != 8 {
            problem = Some(format!(
                "{name} uses compression method {method} ({}), which is not supported; re-zip it with standard (deflate) compression",
                method_name(method)
            ));
        }
        if data_like {
            out.begin_file(&entry.report_name);
            if let Some(p) = &problem {
                out.note(DiagKind::Unsupported, p.clone());
                out.fatal(p.clone());
            } else {
                entry.parsed = true;
                self.entries_parsed += 1;
                self.text = Some(TextIngest::new(&entry.report_name, &self.opts));
            }
        }
        let readable = method == 8 || method == 0;
        let encrypted = flags & 1 != 0;
        self.st = if entry.parsed || (readable && !encrypted && has_descriptor) {
            // read it (or inflate it only to find its end)
            if method == 8 {
                self.inflate.reset(false);
                Zs::Deflate
            } else if has_descriptor {
                // stored with a data descriptor: the size is not known before the data
                let msg = format!(
                    "{name} is stored (uncompressed) with its size after the data, which cannot be read as a stream; re-zip the archive"
                );
                if entry.parsed {
                    out.note(DiagKind::Unsupported, msg.clone());
                    out.fatal(msg);
                    self.text = None;
                } else {
                    out.note(DiagKind::Unsupported, format!("{msg}; reading of the archive stopped"));
                }
                self.entry = None;
                self.st = Zs::Stopped;
                return;
            } else if csize == 0 {
                self.entry = Some(entry);
                self.end_data(out);
                return;
            } else {
                Zs::Stored { remaining: csize }
            }
        } else if has_descriptor {
            // an encrypted / unsupported entry whose size is only after its data
            let msg = format!(
                "cannot find the end of {name} (its size is stored after its data and it cannot be decompressed); reading of the archive stopped"
            );
            out.note(DiagKind::Unsupported, msg);
            self.entry = None;
            self.st = Zs::Stopped;
            return;
        } else if csize == 0 {
            Zs::Header
        } else {
            Zs::Skip { remaining: csize }
        };
        self.entry = Some(entry);
    }

    /// The state after an entry's data (descriptor or next header).
    fn after_data(&self) -> Zs {
        match &self.entry {
            Some(e) if e.flags & 8 != 0 => Zs::DescriptorStart,
            _ => Zs::Header,
        }
    }

    /// The entry's data ended: close its parser, check its CRC (now or after the descriptor).
    fn end_data(&mut self, out: &mut DatasetBuilder) {
        self.finish_entry_parser(out);
        self.st = self.after_data();
        if self.st == Zs::Header {
            self.check_crc(out);
            self.entry = None;
        }
    }

    fn finish_entry_parser(&mut self, out: &mut DatasetBuilder) {
        if let Some(mut t) = self.text.take() {
            t.finish(out);
        }
    }

    fn check_crc(&mut self, out: &mut DatasetBuilder) {
        if let Some(e) = &self.entry {
            if e.parsed && !e.limited && e.crc.sum() != e.crc_stored {
                out.note(
                    DiagKind::Syntax,
                    format!(
                        "{}: CRC-32 mismatch (stored {:08x}, computed {:08x}): the entry is damaged; records read from it are kept but may be wrong",
                        e.report_name,
                        e.crc_stored,
                        e.crc.sum()
                    ),
                );
            }
        }
    }

    /// Hand decompressed bytes to the entry's parser, never past the total limit.
    fn deliver(&mut self, data: &[u8], out: &mut DatasetBuilder) {
        let allowed = self.limits.max_total_out.saturating_sub(self.total_out).min(data.len() as u64) as usize;
        self.total_out += data.len() as u64;
        if allowed > 0 {
            if let Some(t) = &mut self.text {
                t.feed(&data[..allowed], out);
            }
        }
    }

    /// The zip-bomb guard, at a checkpoint or past the total limit. True when it stopped the
    /// entry.
    ///
    /// The ratio compares the output so far with the compressed bytes consumed so far; the
    /// decompressor may read a little ahead, so only a ratio at the very edge of the limit could
    /// be judged differently for different chunkings.
    fn check_limits(&mut self, out: &mut DatasetBuilder) -> bool {
        let Some(e) = &mut self.entry else { return false };
        let total = self.total_out > self.limits.max_total_out;
        let ratio = e.out_bytes >= self.limits.ratio_after
            && e.out_bytes > self.limits.max_ratio.saturating_mul(e.in_bytes.max(1));
        if !(total || ratio) {
            return false;
        }
        e.limited = true;
        let name = e.report_name.clone();
        let msg = if total {
            format!(
                "{name}: the archive decompresses to more than {} bytes in all (a zip bomb?); reading stopped here, what was read is kept",
                self.limits.max_total_out
            )
        } else {
            format!(
                "{name}: {} compressed bytes decompress to {} bytes or more (ratio over {}:1, a zip bomb?); the entry was stopped, what was read is kept",
                e.in_bytes, e.out_bytes, self.limits.max_ratio
            )
        };
        let can_skip = e.flags & 8 == 0 && !total;
        let remaining = e.csize.saturating_sub(e.in_bytes);
        let was_parsed = e.parsed;
        self.finish_entry_parser(out);
        out.note(DiagKind::Limit, msg.clone());
        if was_parsed {
            out.fatal(msg);
        }
        if can_skip {
            self.st = if remaining > 0 { Zs::Skip { remaining } } else { self.after_data() };
            if self.st == Zs::Header {
                self.entry = None;
            }
        } else {
            if !total {
                out.note(
                    DiagKind::Limit,
                    "the stopped entry's size is stored after its data, so the entries after it cannot be found; reading of the archive stopped",
                );
            }
            self.entry = None;
            self.st = Zs::Stopped;
        }
        true
    }

    /// The archive ended.
    pub fn finish(mut self, out: &mut DatasetBuilder) {
        // bytes of a header cut short still count as consumed
        out.add_bytes(std::mem::take(&mut self.pending_bytes));
        match self.st {
            Zs::Done | Zs::Stopped => {}
            Zs::Header if self.small.is_empty() => {
                out.note(
                    DiagKind::Truncated,
                    format!(
                        "{}: the archive ends without its central directory: it was probably cut short (the entries before were read)",
                        self.archive
                    ),
                );
            }
            Zs::Header | Zs::NameExtra { .. } => {
                out.note(
                    DiagKind::Truncated,
                    format!("{}: the archive is truncated inside an entry header (byte {})", self.archive, self.offset),
                );
            }
            Zs::Stored { .. } | Zs::Deflate | Zs::Skip { .. } | Zs::DescriptorStart | Zs::DescriptorRest { .. } => {
                let name = self.entry_name();
                let in_data = matches!(self.st, Zs::Stored { .. } | Zs::Deflate);
                self.finish_entry_parser(out);
                let msg = if in_data {
                    format!("{name} is truncated: the archive ends inside its data; the records before were kept")
                } else {
                    format!("{name}: the archive ends right after this entry's data (truncated)")
                };
                out.note(DiagKind::Truncated, msg.clone());
                if in_data && self.entry.as_ref().is_some_and(|e| e.parsed) {
                    out.fatal(msg);
                }
            }
        }
        if !self.skipped.is_empty() {
            let shown: Vec<&str> = self.skipped.iter().take(20).map(String::as_str).collect();
            let what = if self.skipped.len() == 1 {
                "1 entry that is not a data file".to_string()
            } else {
                format!("{} entries that are not data files", self.skipped.len())
            };
            out.note(
                DiagKind::Unsupported,
                format!(
                    "{}: skipped {what}: {}{}",
                    self.archive,
                    shown.join(", "),
                    if self.skipped.len() > 20 { ", …" } else { "" }
                ),
            );
        }
        if self.entries_parsed == 0 && self.entries_seen > 0 && self.st != Zs::Stopped {
            out.fatal(format!("{}: the archive holds no CSV or JSON-lines file", self.archive));
        } else if self.entries_seen == 0 && matches!(self.st, Zs::Done) {
            out.fatal(format!("{}: the archive is empty", self.archive));
        }
    }
}

fn method_name(m: u16) -> &'static str {
    match m {
        1..=6 => "shrink/reduce/implode (legacy)",
        9 => "deflate64",
        12 => "bzip2",
        14 => "LZMA",
        93 => "Zstandard",
        95 => "XZ",
        98 => "PPMd",
        99 => "AES encryption",
        _ => "unknown",
    }
}
