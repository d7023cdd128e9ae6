//! Push CSV reading over BurntSushi's `csv-core`, and the frame every CSV format parser shares.
//!
//! [`CsvReader`] is fed bytes in any chunking and reports [`CsvEvent`]s: each record with its
//! fields and the [`Position`] (record number, line, byte offset) where it starts. It handles a
//! UTF-8 BOM, CRLF / CR / LF line ends, RFC 4180 quotes with `""`, embedded newlines, a record
//! size limit (a longer record is skipped with [`CsvEvent::TooLong`], memory stays bounded),
//! invalid UTF-8 (repaired lossily, reported), an unterminated quote at the end of the input
//! ([`CsvEvent::Truncated`]) and UTF-16 input ([`CsvEvent::Utf16`], fatal: re-save as UTF-8).
//! The delimiter is comma, tab or semicolon, sniffed from the header line unless given.
//!
//! Hot path: a record that starts and ends within the chunk at hand and whose quoted fields
//! close normally (`"…"` with `""` inside, then a delimiter or line end) is split by the reader
//! itself, exactly as `csv-core` would split it; everything else (records split across chunks,
//! `"a"b`, size limits, the header) goes through `csv-core`'s `read_record`. The split reads
//! 64-byte windows of the chunk as bit masks of quotes, delimiters and line ends (SSE2 on x86-64,
//! simd128 in Wasm, a portable eight-bytes-at-a-time fallback elsewhere): a field ends at the
//! next set bit, and the records that start in a window reuse its masks. A record without `""`
//! is handed out in place, as [`Fields`] borrowing the chunk (starts and ends); one with `""` is
//! unquoted into one reused output buffer. The masks also tell whether a quoted field holds a
//! line end, so the line count needs no second pass over the record. UTF-8 is validated 64 KiB
//! of the chunk at a time (SIMD where available), not record by record. No allocation per record
//! or field. The tests read every case whole and one byte at a time (which never holds a whole
//! record, so `csv-core` reads it), and compare the two on random inputs, long records split at
//! every position, and the SIMD masks with the portable ones.
//!
//! [`CsvParser`] wraps a reader and a [`RowHandler`] (one per format: IO archive, tables): it
//! reads the header, checks every row's field count and turns reader events into builder
//! diagnostics, so a handler only maps fields to a `PostRecord` / `AccountRecord`.
//! Record numbers: the header is record 0, data rows are 1, 2, … (as in [`Position`]).

use super::builder::DatasetBuilder;
use super::PushParser;
use crate::core::model::{DiagKind, Position};
use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

/// Default limit on one record's bytes (after unquoting): longer records are rejected.
pub const MAX_RECORD_BYTES: usize = 16 << 20;
/// Limit on the number of fields of one record.
pub const MAX_FIELDS: usize = 1 << 16;
/// How much of the first line is buffered to sniff the encoding and delimiter.
const HEAD_LIMIT: usize = 64 << 10;

/// The fields of one record, borrowed from the reader's buffer or, for a record read in place,
/// from the input chunk.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a> {
    text: &'a str,
    ends: &'a [usize],
    /// Where each field starts in `text` when the fields are not back to back (a record read
    /// in place: delimiters and quotes lie between them); empty when each field starts where
    /// the one before ends.
    starts: &'a [usize],
}

impl<'a> Fields<'a> {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    /// Field `i`, or "" when the record has fewer fields.
    pub fn get(&self, i: usize) -> &'a str {
        if i >= self.ends.len() {
            return "";
        }
        let start = match self.starts.get(i) {
            Some(&start) => start,
            None if i == 0 => 0,
            None => self.ends[i - 1],
        };
        self.text.get(start..self.ends[i]).unwrap_or("")
    }
    /// Field `i` when the column exists, else "".
    pub fn opt(&self, i: Option<usize>) -> &'a str {
        i.map_or("", |i| self.get(i))
    }
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
}

/// What the reader found.
#[derive(Debug)]
pub enum CsvEvent<'a> {
    /// A complete record. `repaired_field` is the first field whose invalid UTF-8 was replaced
    /// with U+FFFD (the record is otherwise intact).
    Record { fields: Fields<'a>, at: Position, repaired_field: Option<usize> },
    /// A record longer than the size limit (or with too many fields) was skipped whole.
    TooLong { at: Position, bytes: u64 },
    /// The input ended inside a quoted field: the last record is incomplete.
    Truncated { at: Position, fields: Fields<'a> },
    /// The input is UTF-16 (by its byte order mark or NUL pattern): nothing can be read.
    Utf16 { big_endian: bool },
}

/// A push CSV record reader (see the module docs).
pub struct CsvReader {
    core: Reader,
    delimiter: Option<u8>,
    max_record_bytes: usize,
    /// The first line (until the encoding and delimiter are decided).
    head: Vec<u8>,
    started: bool,
    /// Set when the input cannot be read at all (UTF-16): everything else is ignored.
    dead: bool,
    out: Vec<u8>,
    out_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    /// Field starts of a record read in place (see [`Fields`]).
    starts: Vec<usize>,
    /// Lossy UTF-8 repair buffers (used only for records with invalid bytes).
    repair: String,
    repair_ends: Vec<usize>,
    /// Bytes consumed so far (absolute offset in the stream, BOM included).
    offset: u64,
    /// Line terminators consumed so far (LF, CRLF and lone CR each count once).
    lines: u64,
    /// The last consumed byte was a CR whose successor is not known yet.
    pending_cr: bool,
    /// Number of the next record (0 = the first one, usually the header).
    record_no: u64,
    /// Where the record being read started; None between records.
    rec_start: Option<Position>,
    /// The record being read exceeded a limit: its bytes are being discarded.
    too_long: bool,
    /// `csv-core` has read something (it strips a BOM only on its first read, so the first
    /// record, the header, always goes through it).
    core_has_read: bool,
    /// `csv-core` holds part of the current record: it must finish it.
    in_core: bool,
    /// Records the fast path read, and of those the ones read in place (the tests check that
    /// both are used).
    fast_records: u64,
    in_place_records: u64,
}

impl CsvReader {
    /// A reader with a fixed delimiter, or `None` to sniff comma / tab / semicolon from the first
    /// line.
    pub fn new(delimiter: Option<u8>) -> Self {
        CsvReader {
            core: ReaderBuilder::new().delimiter(delimiter.unwrap_or(b',')).build(),
            delimiter,
            max_record_bytes: MAX_RECORD_BYTES,
            head: Vec::new(),
            started: false,
            dead: false,
            out: vec![0; 64 << 10],
            out_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
            starts: vec![0; 64],
            repair: String::new(),
            repair_ends: Vec::new(),
            offset: 0,
            lines: 0,
            pending_cr: false,
            record_no: 0,
            rec_start: None,
            too_long: false,
            core_has_read: false,
            in_core: false,
            fast_records: 0,
            in_place_records: 0,
        }
    }

    /// Change the record size limit (tests use small limits).
    pub fn with_max_record_bytes(mut self, max: usize) -> Self {
        self.max_record_bytes = max.max(1);
        self
    }

    /// The delimiter in use (known once the first line was seen).
    pub fn delimiter(&self) -> Option<u8> {
        self.delimiter
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Consume a chunk; `f` sees every event it completes.
    pub fn feed(&mut self, chunk: &[u8], f: &mut dyn FnMut(CsvEvent)) {
        if self.dead || chunk.is_empty() {
            return;
        }
        if !self.started {
            let room = HEAD_LIMIT.saturating_sub(self.head.len());
            let take = chunk.len().min(room);
            // Buffer up to the first line end (or the head limit), then decide.
            let nl = memchr::memchr2(b'\n', b'\r', &chunk[..take]);
            let (first, rest) = match nl {
                Some(i) => chunk.split_at(i + 1),
                None => chunk.split_at(take),
            };
            self.head.extend_from_slice(first);
            if nl.is_none() && self.head.len() < HEAD_LIMIT {
                return;
            }
            self.start(f);
            if !self.dead {
                self.run(rest, false, f);
            }
            return;
        }
        self.run(chunk, false, f);
    }

    /// The input ended: emit the last record (or report it as truncated).
    pub fn finish(&mut self, f: &mut dyn FnMut(CsvEvent)) {
        if !self.started {
            self.start(f);
        }
        if self.dead {
            return;
        }
        if self.rec_start.is_some() && !self.too_long {
            // The record may have filled the output exactly: then it is over the limit, and the
            // final `run` reports it as too long.
            self.ensure_room();
        }
        if self.rec_start.is_some() && !self.too_long {
            // Probe: a line end completes the record unless we are inside a quoted field.
            let (res, _) = self.read_core(b"\n");
            if res == ReadRecordResult::Record {
                self.emit(f);
            } else {
                // Inside quotes: flush what there is and report it as truncated.
                loop {
                    self.ensure_room();
                    let (res, _) = self.read_core(&[]);
                    match res {
                        ReadRecordResult::Record | ReadRecordResult::End => break,
                        _ => {}
                    }
                }
                let at = self.rec_start.take().unwrap_or_else(|| self.position_here());
                self.record_no += 1;
                if self.too_long {
                    // The probe's line end reached the size limit.
                    self.too_long = false;
                    let bytes = self.offset.saturating_sub(at.byte);
                    f(CsvEvent::TooLong { at, bytes });
                } else {
                    self.with_fields(|fields, _| f(CsvEvent::Truncated { at, fields }));
                }
                self.out_len = 0;
                self.ends_len = 0;
                self.in_core = false;
            }
        }
        self.run(&[], true, f);
        if self.pending_cr {
            self.pending_cr = false;
            self.lines += 1;
        }
    }

    /// Decide encoding, BOM and delimiter from the buffered head, then read it.
    fn start(&mut self, f: &mut dyn FnMut(CsvEvent)) {
        self.started = true;
        let head = std::mem::take(&mut self.head);
        let utf16 = match head.as_slice() {
            [0xFF, 0xFE, ..] => Some(false),
            [0xFE, 0xFF, ..] => Some(true),
            [a, 0, b, 0, ..] if *a != 0 && *b != 0 => Some(false),
            [0, a, 0, b, ..] if *a != 0 && *b != 0 => Some(true),
            _ => None,
        };
        if let Some(big_endian) = utf16 {
            self.dead = true;
            f(CsvEvent::Utf16 { big_endian });
            return;
        }
        let mut body = head.as_slice();
        if body.starts_with(b"\xEF\xBB\xBF") {
            self.offset = 3;
            body = &body[3..];
        }
        if self.delimiter.is_none() {
            let d = sniff_delimiter(body);
            self.delimiter = Some(d);
            self.core = ReaderBuilder::new().delimiter(d).build();
        }
        self.run(body, false, f);
    }

    fn position_here(&self) -> Position {
        Position { record: self.record_no, line: self.lines + self.pending_cr as u64 + 1, byte: self.offset }
    }

    /// Account for consumed bytes: offset and line terminators.
    fn advance(&mut self, b: &[u8]) {
        if b.is_empty() {
            return;
        }
        self.offset += b.len() as u64;
        if self.pending_cr {
            self.pending_cr = false;
            if b[0] != b'\n' {
                self.lines += 1;
            }
        }
        for i in memchr::memchr2_iter(b'\n', b'\r', b) {
            if b[i] == b'\n' {
                self.lines += 1;
            } else if i + 1 < b.len() {
                self.lines += (b[i + 1] != b'\n') as u64;
            } else {
                self.pending_cr = true;
            }
        }
    }

    /// [`Self::advance`] over a record of `n` bytes whose only line end is its last byte
    /// `last` (its first byte is neither CR nor LF).
    #[inline]
    fn advance_line(&mut self, n: usize, last: u8) {
        self.offset += n as u64;
        // A CR before the record ended a line.
        self.lines += self.pending_cr as u64;
        self.pending_cr = last == b'\r';
        self.lines += (last == b'\n') as u64;
    }

    /// Make room in the output and ends buffers, or switch to discarding an over-long record.
    fn ensure_room(&mut self) {
        if self.out_len >= self.out_cap() {
            if self.out.len() < self.max_record_bytes {
                let n = (self.out.len() * 2).min(self.max_record_bytes);
                self.out.resize(n, 0);
            } else {
                self.too_long = true;
                self.out_len = 0;
            }
        }
        if self.ends_len == self.ends.len() {
            if self.ends.len() < MAX_FIELDS {
                let n = (self.ends.len() * 2).min(MAX_FIELDS);
                self.ends.resize(n, 0);
            } else {
                self.too_long = true;
                self.ends_len = 0;
            }
        }
    }

    /// Usable output bytes (the buffer may be larger than a small test limit).
    fn out_cap(&self) -> usize {
        self.out.len().min(self.max_record_bytes)
    }

    /// The fast path: one record that starts at `input[0]` and is complete in `input`, split
    /// and unquoted without `csv-core`, into the same output and field ends that `csv-core`
    /// would give. Returns the bytes consumed (through the record's first terminator byte, as
    /// `csv-core` does), or `None` — with nothing consumed or written — for anything it does not
    /// take: a record not complete in `input`, a closing quote followed by other text
    /// (`"a"b`), a record at a size limit. `csv-core` then reads that record.
    fn fast_record(&mut self, input: &[u8]) -> Option<usize> {
        self.fast_record_from(input, 0, 0)
    }

    /// [`Self::fast_record`] of a record whose first `nf` fields [`Self::in_place_record`] read
    /// (their starts and ends in `input`), the next one starting at `input[i]`: those fields are
    /// copied into the output first.
    fn fast_record_from(&mut self, input: &[u8], mut i: usize, mut nf: usize) -> Option<usize> {
        let delim = self.delimiter.unwrap_or(b',');
        let max_out = self.max_record_bytes;
        let mut o = 0;
        for k in 0..nf {
            self.fast_put(&mut o, &input[self.starts[k]..self.ends[k]], max_out)?;
            self.ends[k] = o;
        }
        loop {
            // Start of a field at `i`.
            let at_end;
            if *input.get(i)? == b'"' {
                i += 1;
                loop {
                    let k = memchr::memchr(b'"', &input[i..])?;
                    self.fast_put(&mut o, &input[i..i + k], max_out)?;
                    i += k + 1;
                    match *input.get(i)? {
                        b'"' => {
                            self.fast_put(&mut o, b"\"", max_out)?;
                            i += 1;
                        }
                        c if c == delim => {
                            at_end = false;
                            break;
                        }
                        b'\n' | b'\r' => {
                            at_end = true;
                            break;
                        }
                        _ => return None,
                    }
                }
            } else {
                let k = find_field_end(&input[i..], delim)?;
                self.fast_put(&mut o, &input[i..i + k], max_out)?;
                i += k;
                at_end = input[i] != delim;
            }
            // `input[i]` ends the field: a delimiter or the record's terminator.
            if nf + 1 >= MAX_FIELDS {
                return None;
            }
            if nf == self.ends.len() {
                self.ends.resize(nf * 2, 0);
            }
            self.ends[nf] = o;
            nf += 1;
            i += 1;
            if at_end {
                self.out_len = o;
                self.ends_len = nf;
                return Some(i);
            }
        }
    }

    /// The fast path without a copy: a record as [`Self::fast_record`] takes it whose quoted
    /// fields hold no `""` (so that every field is a slice of the input), starting at
    /// `input[pos]`, its fields' starts and ends (from `pos`) put in `starts` and `ends`. `None`
    /// — having written nothing that counts — where `fast_record` would give `None`. The fields
    /// are found with the masks of `window` (64 bytes at a time), which later records reuse.
    fn in_place_record(&mut self, input: &[u8], pos: usize, window: &mut Window) -> Option<InPlace> {
        let delim = self.delimiter.unwrap_or(b',');
        let max_out = self.max_record_bytes;
        let mut i = pos;
        // The bytes `fast_record` would have written (for the same size limit).
        let mut o = 0;
        let mut nf = 0;
        // A CR or LF inside a quoted field.
        let mut nl_inside = false;
        loop {
            // Start of a field at `i`.
            let (start, end, at_end);
            if *input.get(i)? == b'"' {
                start = i + 1;
                end = window.next_quote(input, start, delim, &mut nl_inside)?;
                at_end = match *input.get(end + 1)? {
                    c if c == delim => false,
                    b'\n' | b'\r' => true,
                    // An escaped quote: this field needs unquoting.
                    b'"' => return Some(InPlace::Unquote { i: start - 1 - pos, nf }),
                    // `"a"b`: `csv-core` reads it.
                    _ => return None,
                };
                i = end + 1;
            } else {
                (start, end) = (i, window.next_stop(input, i, delim)?);
                i = end;
                at_end = input[i] != delim;
            }
            // `input[i]` ends the field: a delimiter or the record's terminator.
            o += end - start;
            if o >= max_out || nf + 1 >= MAX_FIELDS {
                return None;
            }
            if nf == self.ends.len() {
                self.ends.resize(nf * 2, 0);
            }
            if nf == self.starts.len() {
                self.starts.resize(nf * 2, 0);
            }
            self.starts[nf] = start - pos;
            self.ends[nf] = end - pos;
            nf += 1;
            i += 1;
            if at_end {
                return Some(InPlace::Record { bytes: i - pos, fields: nf, nl_inside });
            }
        }
    }

    /// Append `bytes` to the fast path's output at `*o`, or `None` when the record would reach
    /// the size limit (where `csv-core` reports it as too long).
    #[inline]
    fn fast_put(&mut self, o: &mut usize, bytes: &[u8], max_out: usize) -> Option<()> {
        let end = *o + bytes.len();
        if end >= max_out {
            return None;
        }
        if end > self.out.len() {
            self.out.resize((self.out.len() * 2).max(end).min(max_out), 0);
        }
        self.out[*o..end].copy_from_slice(bytes);
        *o = end;
        Some(())
    }

    /// `csv-core` over `input`, writing after what the record has so far.
    fn read_core(&mut self, input: &[u8]) -> (ReadRecordResult, usize) {
        self.core_has_read = true;
        let cap = self.out_cap();
        let (res, nin, nout, nend) =
            self.core.read_record(input, &mut self.out[self.out_len..cap], &mut self.ends[self.ends_len..]);
        self.out_len += nout;
        self.ends_len += nend;
        (res, nin)
    }

    fn run(&mut self, mut input: &[u8], eof: bool, f: &mut dyn FnMut(CsvEvent)) {
        let whole = input;
        let mut window = Window::new();
        let mut utf8 = Utf8Window { start: 0, text: "" };
        loop {
            if self.rec_start.is_none() {
                // Between records: skip blank lines ourselves to find where the next one starts.
                match input.iter().position(|&b| b != b'\r' && b != b'\n') {
                    Some(k) => {
                        self.advance(&input[..k]);
                        input = &input[k..];
                        self.rec_start = Some(self.position_here());
                    }
                    None => {
                        self.advance(input);
                        return;
                    }
                }
            }
            if input.is_empty() && !eof {
                return;
            }
            if self.core_has_read && !self.in_core {
                // At the start of a record that csv-core has not seen: take it whole when it
                // is simple and complete in `input`, in place when it is valid UTF-8 and needs
                // no unquoting, else copied into the output.
                let pos = whole.len() - input.len();
                let copied = match self.in_place_record(whole, pos, &mut window) {
                    Some(InPlace::Record { bytes: n, fields: nf, nl_inside }) => {
                        if let Some(text) = utf8.get(whole, pos, n) {
                            self.fast_records += 1;
                            self.in_place_records += 1;
                            if nl_inside {
                                self.advance(&input[..n]);
                            } else {
                                self.advance_line(n, input[n - 1]);
                            }
                            input = &input[n..];
                            let at = self.rec_start.take().unwrap_or_else(|| self.position_here());
                            self.record_no += 1;
                            // Every start and end is next to a delimiter, quote or line end (or
                            // is 0): a char boundary of the valid `text`.
                            let fields = Fields { text, ends: &self.ends[..nf], starts: &self.starts[..nf] };
                            f(CsvEvent::Record { fields, at, repaired_field: None });
                            continue;
                        }
                        // Invalid UTF-8: copied, then repaired field by field.
                        self.fast_record(input)
                    }
                    Some(InPlace::Unquote { i, nf }) => self.fast_record_from(input, i, nf),
                    None => None,
                };
                if let Some(n) = copied {
                    self.fast_records += 1;
                    self.advance(&input[..n]);
                    input = &input[n..];
                    self.emit(f);
                    continue;
                }
            }
            self.in_core = true;
            self.ensure_room();
            let (res, nin) = self.read_core(input);
            self.advance(&input[..nin]);
            input = &input[nin..];
            match res {
                ReadRecordResult::InputEmpty => {
                    if !eof {
                        return;
                    }
                }
                ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => {}
                ReadRecordResult::Record => self.emit(f),
                ReadRecordResult::End => return,
            }
        }
    }

    /// Hand out the completed record and reset for the next one.
    fn emit(&mut self, f: &mut dyn FnMut(CsvEvent)) {
        let at = self.rec_start.take().unwrap_or_else(|| self.position_here());
        self.record_no += 1;
        if self.too_long {
            self.too_long = false;
            let bytes = self.offset.saturating_sub(at.byte);
            f(CsvEvent::TooLong { at, bytes });
        } else {
            self.with_fields(|fields, repaired_field| f(CsvEvent::Record { fields, at, repaired_field }));
        }
        self.out_len = 0;
        self.ends_len = 0;
        self.in_core = false;
    }

    /// The current record's fields, repairing invalid UTF-8 when needed.
    fn with_fields(&mut self, g: impl FnOnce(Fields, Option<usize>)) {
        let bytes = &self.out[..self.out_len];
        let ends = &self.ends[..self.ends_len];
        if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
            if ends.iter().all(|&e| text.is_char_boundary(e)) {
                g(Fields { text, ends, starts: &[] }, None);
                return;
            }
        }
        self.repair.clear();
        self.repair_ends.clear();
        let mut first_bad = None;
        let mut start = 0;
        for (i, &end) in ends.iter().enumerate() {
            let field = &bytes[start..end];
            match std::str::from_utf8(field) {
                Ok(s) => self.repair.push_str(s),
                Err(_) => {
                    first_bad.get_or_insert(i);
                    self.repair.push_str(&String::from_utf8_lossy(field));
                }
            }
            self.repair_ends.push(self.repair.len());
            start = end;
        }
        g(Fields { text: &self.repair, ends: &self.repair_ends, starts: &[] }, first_bad);
    }
}

/// What [`CsvReader::in_place_record`] found.
enum InPlace {
    /// The whole record: the bytes it took (through its first terminator byte), its fields,
    /// and whether a quoted field holds a CR or LF.
    Record { bytes: usize, fields: usize, nl_inside: bool },
    /// Field `nf`, which starts at `input[i]` (its opening quote), holds an escaped quote `""`;
    /// the fields before it were read in place.
    Unquote { i: usize, nf: usize },
}

/// Position of the first delimiter, CR or LF in `h`: eight bytes at a time (most unquoted
/// fields are short ids, counts and dates, too short for a SIMD search to pay off).
#[inline]
fn find_field_end(h: &[u8], delim: u8) -> Option<usize> {
    let mut i = 0;
    while i + 8 <= h.len() {
        let x = load_word(&h[i..i + 8]);
        let m = bytes_equal(x, delim) | bytes_equal(x, b'\n') | bytes_equal(x, b'\r');
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    h[i..].iter().position(|&b| b == delim || b == b'\n' || b == b'\r').map(|k| i + k)
}

/// Position of the first `a` or `b` in `h`, eight bytes at a time (for list items, mostly
/// shorter than a SIMD search's set-up pays for).
#[inline]
fn find_either(h: &[u8], a: u8, b: u8) -> Option<usize> {
    let mut i = 0;
    while i + 8 <= h.len() {
        let x = load_word(&h[i..i + 8]);
        let m = bytes_equal(x, a) | bytes_equal(x, b);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    h[i..].iter().position(|&c| c == a || c == b).map(|k| i + k)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Eight bytes as a little-endian word (the byte at index 0 is the lowest).
#[inline]
fn load_word(b: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&b[..8]);
    u64::from_le_bytes(word)
}

/// High bit set in each byte of `x` equal to `b` (and possibly in bytes after the first such
/// byte, which is why only the lowest one is used).
#[inline]
fn bytes_equal(x: u64, b: u8) -> u64 {
    let y = x ^ (ONES * b as u64);
    y.wrapping_sub(ONES) & !y & HIGHS
}

/// High bit set in each byte of `x` below `n` (n ≤ 128; as for [`bytes_equal`], only the lowest
/// one is certain).
#[inline]
fn bytes_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * n as u64) & !x & HIGHS
}

/// Bit masks of up to 64 input bytes (bit k for byte k): the quotes, the bytes that end an
/// unquoted field (the delimiter, CR and LF), and the line ends alone (CR and LF).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Masks {
    quote: u64,
    stop: u64,
    nl: u64,
}

/// The masks of 16 bytes (in the low 16 bits): SSE2 on x86-64 (always there).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masks16(b: &[u8; 16], delim: u8) -> Masks {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86-64 baseline; the load reads the 16 bytes of `b`
    // (unaligned loads are allowed).
    unsafe {
        let x = _mm_loadu_si128(b.as_ptr().cast());
        let q = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
        let nl =
            _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(b'\n' as i8)), _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\r' as i8)));
        let stop = _mm_or_si128(nl, _mm_cmpeq_epi8(x, _mm_set1_epi8(delim as i8)));
        Masks {
            quote: _mm_movemask_epi8(q) as u16 as u64,
            stop: _mm_movemask_epi8(stop) as u16 as u64,
            nl: _mm_movemask_epi8(nl) as u16 as u64,
        }
    }
}

/// The masks of 16 bytes (in the low 16 bits): WebAssembly SIMD (`+simd128`, see
/// `.cargo/config.toml`).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn masks16(b: &[u8; 16], delim: u8) -> Masks {
    use core::arch::wasm32::*;
    // SAFETY: the load reads the 16 bytes of `b` (v128.load has no alignment requirement).
    let x = unsafe { v128_load(b.as_ptr().cast()) };
    let q = i8x16_eq(x, u8x16_splat(b'"'));
    let nl = v128_or(i8x16_eq(x, u8x16_splat(b'\n')), i8x16_eq(x, u8x16_splat(b'\r')));
    let stop = v128_or(nl, i8x16_eq(x, u8x16_splat(delim)));
    Masks { quote: i8x16_bitmask(q) as u64, stop: i8x16_bitmask(stop) as u64, nl: i8x16_bitmask(nl) as u64 }
}

/// The masks of 16 bytes without SIMD (other targets).
#[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
#[inline(always)]
fn masks16(b: &[u8; 16], delim: u8) -> Masks {
    masks16_portable(b, delim)
}

/// The masks of 16 bytes, eight at a time in a `u64` (the fallback, and the reference the
/// tests compare the SIMD versions with).
#[cfg(any(test, not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))))]
#[inline]
fn masks16_portable(b: &[u8; 16], delim: u8) -> Masks {
    let mut m = Masks::default();
    for half in 0..2 {
        let x = load_word(&b[half * 8..half * 8 + 8]);
        let q = bytes_equal_exact(x, b'"');
        let nl = bytes_equal_exact(x, b'\n') | bytes_equal_exact(x, b'\r');
        let stop = nl | bytes_equal_exact(x, delim);
        let shift = half * 8;
        m.quote |= high_bits_to_mask(q) << shift;
        m.stop |= high_bits_to_mask(stop) << shift;
        m.nl |= high_bits_to_mask(nl) << shift;
    }
    m
}

/// High bit set in exactly the bytes of `x` equal to `b` (no carries between bytes).
#[cfg(any(test, not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))))]
#[inline]
fn bytes_equal_exact(x: u64, b: u8) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let y = x ^ (ONES * b as u64);
    !(((y & LOW7) + LOW7) | y | LOW7)
}

/// The high bits of a word's eight bytes as an 8-bit mask (byte 0 → bit 0).
#[cfg(any(test, not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))))]
#[inline]
fn high_bits_to_mask(h: u64) -> u64 {
    ((h >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// The masks of the 64 bytes of `b`.
#[inline]
fn masks64(b: &[u8; 64], delim: u8) -> Masks {
    let mut m = Masks::default();
    for (k, part) in b.as_chunks::<16>().0.iter().enumerate() {
        let p = masks16(part, delim);
        m.quote |= p.quote << (16 * k);
        m.stop |= p.stop << (16 * k);
        m.nl |= p.nl << (16 * k);
    }
    m
}

/// A 64-byte window of the input (from `base`) and its [`Masks`]: the field scan of the fast
/// path reads these, 64 bytes at a time, and the records that start in a window reuse it.
struct Window {
    /// Where the window starts (`usize::MAX`: none loaded yet).
    base: usize,
    masks: Masks,
}

impl Window {
    fn new() -> Self {
        Window { base: usize::MAX, masks: Masks::default() }
    }

    /// Load the window at `from` (< `input.len()`) unless the current one holds it; bits past
    /// the end of the input are clear.
    #[inline(always)]
    fn cover(&mut self, input: &[u8], from: usize, delim: u8) {
        if from < self.base || from - self.base >= 64 {
            self.load(input, from, delim);
        }
    }

    /// Load the window at `from` (< `input.len()`).
    #[inline]
    fn load(&mut self, input: &[u8], from: usize, delim: u8) {
        self.base = from;
        self.masks = match input[from..].first_chunk::<64>() {
            Some(b) => masks64(b, delim),
            None => {
                let rest = &input[from..];
                let mut w = [0u8; 64];
                w[..rest.len()].copy_from_slice(rest);
                let keep = (1u64 << rest.len()) - 1;
                let m = masks64(&w, delim);
                Masks { quote: m.quote & keep, stop: m.stop & keep, nl: m.nl & keep }
            }
        };
    }

    /// Position of the first delimiter, CR or LF at or after `from`.
    #[inline(always)]
    fn next_stop(&mut self, input: &[u8], mut from: usize, delim: u8) -> Option<usize> {
        while from < input.len() {
            self.cover(input, from, delim);
            let m = self.masks.stop >> (from - self.base);
            if m != 0 {
                return Some(from + m.trailing_zeros() as usize);
            }
            from = self.base + 64;
        }
        None
    }

    /// Position of the first quote at or after `from`; `*nl` is set when a CR or LF lies
    /// between.
    #[inline(always)]
    fn next_quote(&mut self, input: &[u8], mut from: usize, delim: u8, nl: &mut bool) -> Option<usize> {
        while from < input.len() {
            self.cover(input, from, delim);
            let shift = from - self.base;
            let q = self.masks.quote >> shift;
            let lines = self.masks.nl >> shift;
            if q != 0 {
                let k = q.trailing_zeros();
                *nl |= lines & ((1u64 << k) - 1) != 0;
                return Some(from + k as usize);
            }
            *nl |= lines != 0;
            from = self.base + 64;
        }
        None
    }
}

/// A stretch of the input known to be valid UTF-8 (`text` starts at input byte `start`): one
/// validation covers many records.
struct Utf8Window<'a> {
    start: usize,
    text: &'a str,
}

/// Bytes validated at a time ahead of the record being read.
const UTF8_WINDOW: usize = 64 << 10;

impl<'a> Utf8Window<'a> {
    /// `input[pos..pos + n]` (a record: `pos` follows a line end or starts the input) as text,
    /// or `None` when it is not valid UTF-8.
    #[inline]
    fn get(&mut self, input: &'a [u8], pos: usize, n: usize) -> Option<&'a str> {
        if pos < self.start || pos + n > self.start + self.text.len() {
            // Validate from the record on; the validation stops at the first invalid byte.
            let w = &input[pos..input.len().min(pos + n.max(UTF8_WINDOW))];
            let text = match simdutf8::compat::from_utf8(w) {
                Ok(text) => text,
                Err(e) => std::str::from_utf8(&w[..e.valid_up_to()]).unwrap_or(""),
            };
            *self = Utf8Window { start: pos, text };
        }
        self.text.get(pos - self.start..pos - self.start + n)
    }
}

/// The delimiter of a header line: the most frequent of comma, tab and semicolon outside quotes
/// (comma on ties or when none occurs).
pub fn sniff_delimiter(line: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for &b in line {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            b',' if !in_quotes => counts[0] += 1,
            b'\t' if !in_quotes => counts[1] += 1,
            b';' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    [b',', b'\t', b';'][best]
}

// ---------------------------------------------------------------------------------------------
// The frame shared by the CSV format parsers.
// ---------------------------------------------------------------------------------------------

/// A header row: names trimmed, BOM-free and lowercased, for lookup by name.
#[derive(Clone, Debug, Default)]
pub struct Header {
    pub names: Vec<String>,
}

impl Header {
    pub fn from_fields(fields: &Fields) -> Header {
        Header { names: fields.iter().map(normalise_name).collect() }
    }
    /// Index of column `name` (compared after normalising it the same way).
    pub fn find(&self, name: &str) -> Option<usize> {
        let name = normalise_name(name);
        self.names.iter().position(|n| *n == name)
    }
    /// Whether `fields` is this header again (as when CSV parts are concatenated).
    pub fn is_repeated_in(&self, fields: &Fields) -> bool {
        fields.len() == self.names.len()
            && self.names.first().is_some_and(|n| fields.get(0).trim().eq_ignore_ascii_case(n))
            && fields.iter().zip(&self.names).all(|(f, n)| normalise_name(f) == *n)
    }
    /// Indices of `required` columns, or a message naming every missing one.
    pub fn require(&self, what: &str, required: &[&str]) -> Result<Vec<usize>, String> {
        let mut found = Vec::with_capacity(required.len());
        let mut missing = Vec::new();
        for r in required {
            match self.find(r) {
                Some(i) => found.push(i),
                None => missing.push(*r),
            }
        }
        if missing.is_empty() {
            Ok(found)
        } else {
            Err(format!(
                "not a complete {what} file: required column{} {} missing (header has: {})",
                if missing.len() > 1 { "s" } else { "" },
                missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
                self.names.join(", ")
            ))
        }
    }
}

/// A header name as compared: BOM and surrounding whitespace and quotes removed, lowercased.
pub fn normalise_name(s: &str) -> String {
    s.trim_start_matches('\u{feff}').trim().trim_matches('"').trim().to_lowercase()
}

/// A required field: its trimmed value, or `None` after rejecting the row with
/// "empty `column`" (a missing field, with the row's position).
pub fn require<'a>(out: &mut DatasetBuilder, ctx: &RowCtx, column: &str, value: &'a str) -> Option<&'a str> {
    let v = fast_trim(value);
    if v.is_empty() {
        out.reject(ctx.at.clone(), DiagKind::MissingField, format!("empty `{column}`"));
        None
    } else {
        Some(v)
    }
}

/// The context of one data row given to a [`RowHandler`].
pub struct RowCtx<'h> {
    pub at: Position,
    /// Set when invalid UTF-8 in the row was replaced: the handler reports it (with
    /// [`RowCtx::report_repair`]) just before keeping the row.
    pub repaired_field: Option<usize>,
    pub header: &'h Header,
}

impl RowCtx<'_> {
    /// Report the UTF-8 repair of this row (no-op when there was none). Call it only for a row
    /// that is kept.
    pub fn report_repair(&self, out: &mut DatasetBuilder) {
        if let Some(i) = self.repaired_field {
            let col = self.header.names.get(i).map(String::as_str).unwrap_or("?");
            out.repaired(
                self.at.clone(),
                DiagKind::InvalidUtf8,
                format!("invalid UTF-8 in column `{col}` replaced with U+FFFD"),
            );
        }
    }
}

/// Maps the rows of one CSV format into the builder.
pub trait RowHandler {
    /// The header row. `Err(message)` is fatal for the file (e.g. required columns missing).
    fn header(&mut self, header: &Header, out: &mut DatasetBuilder) -> Result<(), String>;
    /// One data row, with exactly as many fields as the header. Must account for it: keep it
    /// (`add_post` / `add_account`) or `reject` it.
    fn row(&mut self, fields: &Fields, ctx: &RowCtx, out: &mut DatasetBuilder);
}

/// Chooses a handler once the header is known (format detection from the header).
pub type HandlerFactory = Box<dyn FnMut(&Header, &mut DatasetBuilder) -> Result<Box<dyn RowHandler>, String>>;

enum Stage {
    Header,
    Rows,
    /// A fatal error: the rest of the file is ignored.
    Stopped,
}

/// A [`PushParser`] for one CSV format: a [`CsvReader`] plus a [`RowHandler`].
pub struct CsvParser {
    reader: CsvReader,
    rows: Rows,
}

/// The parser's state besides the reader (borrowed separately while the reader runs).
struct Rows {
    factory: Option<HandlerFactory>,
    handler: Option<Box<dyn RowHandler>>,
    header: Header,
    stage: Stage,
}

impl CsvParser {
    /// A parser for a known format's handler.
    pub fn new(handler: Box<dyn RowHandler>) -> Self {
        Self::build(None, Some(handler))
    }
    /// A parser that picks its handler from the header.
    pub fn with_factory(factory: HandlerFactory) -> Self {
        Self::build(Some(factory), None)
    }
    fn build(factory: Option<HandlerFactory>, handler: Option<Box<dyn RowHandler>>) -> Self {
        CsvParser {
            reader: CsvReader::new(None),
            rows: Rows { factory, handler, header: Header::default(), stage: Stage::Header },
        }
    }
    /// Change the record size limit (see [`CsvReader::with_max_record_bytes`]).
    pub fn with_max_record_bytes(mut self, max: usize) -> Self {
        self.reader = self.reader.with_max_record_bytes(max);
        self
    }
}

impl Rows {
    fn on_event(&mut self, ev: CsvEvent, out: &mut DatasetBuilder) {
        match ev {
            CsvEvent::Utf16 { big_endian } => {
                self.stage = Stage::Stopped;
                out.fatal(format!(
                    "the file is UTF-16 ({}); Chorus reads UTF-8 CSV: re-save it as \"CSV UTF-8\"",
                    if big_endian { "big-endian" } else { "little-endian" }
                ));
            }
            CsvEvent::TooLong { at, bytes } => match self.stage {
                Stage::Header => {
                    self.stage = Stage::Stopped;
                    out.fatal(format!(
                        "the header row is too long ({bytes} bytes): this is not a CSV file Chorus can read"
                    ));
                }
                Stage::Rows => out.reject(
                    at,
                    DiagKind::TooLong,
                    format!("row of {bytes} bytes exceeds the row size limit; skipped"),
                ),
                Stage::Stopped => {}
            },
            CsvEvent::Truncated { at, fields } => match self.stage {
                Stage::Header => {
                    self.stage = Stage::Stopped;
                    out.fatal("the file ends inside its header row (unterminated quote)");
                }
                Stage::Rows => out.reject(
                    at,
                    DiagKind::Truncated,
                    format!(
                        "the file ends inside a quoted field: last row incomplete ({} of {} fields)",
                        fields.len(),
                        self.header.names.len()
                    ),
                ),
                Stage::Stopped => {}
            },
            CsvEvent::Record { fields, at, repaired_field } => match self.stage {
                Stage::Header => {
                    self.header = Header::from_fields(&fields);
                    if repaired_field.is_some() {
                        out.note(DiagKind::InvalidUtf8, "invalid UTF-8 in the header row replaced with U+FFFD");
                    }
                    let result = match (self.handler.as_mut(), self.factory.as_mut()) {
                        (Some(h), _) => h.header(&self.header, out),
                        (None, Some(factory)) => factory(&self.header, out).and_then(|mut h| {
                            let r = h.header(&self.header, out);
                            self.handler = Some(h);
                            r
                        }),
                        (None, None) => Err("no handler for this CSV".to_string()),
                    };
                    match result {
                        Ok(()) => self.stage = Stage::Rows,
                        Err(message) => {
                            self.stage = Stage::Stopped;
                            out.fatal(message);
                        }
                    }
                }
                Stage::Rows => {
                    let n = self.header.names.len();
                    if fields.len() != n {
                        out.reject(
                            at,
                            DiagKind::FieldCount,
                            format!("row has {} fields, the header has {n}", fields.len()),
                        );
                        return;
                    }
                    if self.header.is_repeated_in(&fields) {
                        out.reject(
                            at,
                            DiagKind::Syntax,
                            "the header row repeats here (files concatenated?); row skipped",
                        );
                        return;
                    }
                    if let Some(h) = self.handler.as_mut() {
                        let ctx = RowCtx { at, repaired_field, header: &self.header };
                        h.row(&fields, &ctx, out);
                    }
                }
                Stage::Stopped => {}
            },
        }
    }
}

impl PushParser for CsvParser {
    fn feed(&mut self, chunk: &[u8], out: &mut DatasetBuilder) {
        if matches!(self.rows.stage, Stage::Stopped) {
            return;
        }
        let rows = &mut self.rows;
        self.reader.feed(chunk, &mut |ev| rows.on_event(ev, out));
    }

    fn finish(&mut self, out: &mut DatasetBuilder) {
        if !matches!(self.rows.stage, Stage::Stopped) {
            let rows = &mut self.rows;
            self.reader.finish(&mut |ev| rows.on_event(ev, out));
        }
        if matches!(self.rows.stage, Stage::Header) {
            out.fatal("the file is empty: no header row");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Field helpers shared by the handlers.
// ---------------------------------------------------------------------------------------------

/// `s.trim()`, returning at once when `s` is empty or starts and ends with a char that is
/// surely not whitespace (most fields do; the general trim decodes a char at each end).
/// Inlined everywhere down to two byte checks (visible ASCII at both ends); the rest is
/// [`trim_rest`]. (In Wasm an out-of-line call returns the `&str` through memory: `fast_trim`
/// was 4.9% of the browser's reading worker.)
#[inline(always)]
pub fn fast_trim(s: &str) -> &str {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (None, _) => s,
        (Some(&f), Some(&l)) if f > b' ' && f < 0x7F && l > b' ' && l < 0x7F => s,
        _ => trim_rest(s),
    }
}

/// [`fast_trim`] of a non-empty `s` with a space, control or non-ASCII byte at one end.
#[inline(never)]
fn trim_rest(s: &str) -> &str {
    let b = s.as_bytes();
    match b {
        [first, ..] if not_space_lead(*first) && not_space_end(b) => s,
        _ => s.trim(),
    }
}

/// Whether a char starting with byte `b` is surely not whitespace: visible ASCII, or the lead
/// byte of a multibyte char other than C2 (U+0085, U+00A0), E1 (U+1680), E2 (U+2000–U+205F)
/// and E3 (U+3000), the lead bytes of every non-ASCII whitespace char.
#[inline]
fn not_space_lead(b: u8) -> bool {
    (b > b' ' && b < 0x7F) || (b >= 0xC0 && !matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3))
}

/// Whether the last char of the non-empty `b` (valid UTF-8) is surely not whitespace.
#[inline]
fn not_space_end(b: &[u8]) -> bool {
    let n = b.len();
    let last = b[n - 1];
    if last < 0x80 {
        return last > b' ' && last < 0x7F;
    }
    // A continuation byte: the char's lead byte is at most three bytes back.
    (2..=4).find(|&k| k <= n && b[n - k] >= 0xC0).is_some_and(|k| not_space_lead(b[n - k]))
}

/// A count (followers, following): blank, negative or non-numeric → None. Accepts `12.0`
/// (pandas float columns) and clamps to `u32::MAX - 1`.
pub fn parse_count(s: &str) -> Option<u32> {
    // Up to nine digits (below the cap): one pass.
    let b = s.as_bytes();
    if !b.is_empty() && b.len() <= 9 {
        let mut v = 0u32;
        for &c in b {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                return parse_count_general(s);
            }
            v = v * 10 + d as u32;
        }
        return Some(v);
    }
    parse_count_general(s)
}

/// [`parse_count`] of any cell.
fn parse_count_general(s: &str) -> Option<u32> {
    let s = fast_trim(s);
    let int = match s.bytes().position(|b| b == b'.') {
        Some(dot) if s.as_bytes()[dot + 1..].iter().all(|&b| b == b'0') => &s[..dot],
        Some(_) => return None,
        None => s,
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Up to 19 digits cannot overflow a u64: no checked steps.
    let v = match int.len() {
        ..=19 => int.bytes().fold(0u64, |v, d| v * 10 + (d - b'0') as u64),
        _ => int.parse::<u64>().unwrap_or(u64::MAX),
    };
    Some(v.min(u32::MAX as u64 - 1) as u32)
}

/// Whether a boolean cell is true (`true`, `True`, `TRUE`, `1`, `t`, `yes`).
pub fn parse_bool(s: &str) -> bool {
    let s = fast_trim(s);
    s.eq_ignore_ascii_case("true") || s == "1" || s.eq_ignore_ascii_case("t") || s.eq_ignore_ascii_case("yes")
}

/// Split a list cell into `out`: `[a, b]` (IO 2018), `['a', 'b']` / `["a"]` (Python repr),
/// `[]` or "" (empty), or a bare `a, b` / `a b` list. Empty items are dropped.
pub fn parse_list(cell: &str, out: &mut Vec<String>) {
    split_list(cell, &mut String::new(), |item| out.push(item.to_string()));
}

/// The items of a list cell (the forms [`parse_list`] reads), trimmed and non-empty, handed to
/// `item` in order without copying them: each is a slice of `cell`, except a quoted item with
/// backslash escapes (Python repr, e.g. `'it\'s'`), which is unescaped into `scratch`.
pub fn split_list(cell: &str, scratch: &mut String, mut item: impl FnMut(&str)) {
    let mut emit = |s: &str| {
        let s = fast_trim(s);
        if !s.is_empty() {
            item(s);
        }
    };
    // The commonest non-empty shape, one quoted item without escapes (`['abc']`, `["abc"]`):
    // what the loop below reads from it, without the loop.
    let c = cell.as_bytes();
    if c.len() >= 4 && c[0] == b'[' && c[c.len() - 1] == b']' && matches!(c[1], b'\'' | b'"') && c[c.len() - 2] == c[1]
    {
        let inner = &c[2..c.len() - 2];
        if find_either(inner, c[1], b'\\').is_none() {
            emit(&cell[2..cell.len() - 2]);
            return;
        }
    }
    let mut s = fast_trim(cell);
    if let Some(inner) = s.strip_prefix('[') {
        s = fast_trim(inner.strip_suffix(']').unwrap_or(inner));
    }
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b',' | b'\t' | b'\n' | b'\r' => i += 1,
            q @ (b'\'' | b'"') => {
                // A quoted item with backslash escapes (Python repr): `j` ends at the closing
                // quote, or at the end of the cell when there is none. An escape keeps the char
                // after the backslash (`\'` is `'`).
                let mut j = i + 1;
                let mut seg = j;
                let mut escaped = false;
                loop {
                    let Some(k) = find_either(&b[j..], q, b'\\') else {
                        j = b.len();
                        break;
                    };
                    j += k;
                    if b[j] == q {
                        break;
                    }
                    if j + 1 == b.len() {
                        // A backslash that ends the cell is kept as it is.
                        j = b.len();
                        break;
                    }
                    if !escaped {
                        escaped = true;
                        scratch.clear();
                    }
                    scratch.push_str(&s[seg..j]);
                    seg = j + 1;
                    j += 2;
                }
                let last = &s[seg..j];
                if escaped {
                    scratch.push_str(last);
                    emit(scratch);
                } else {
                    emit(last);
                }
                i = j + 1;
            }
            _ => {
                // An unquoted item ends at whitespace or a comma, except that a comma inside a
                // URL (`?a=1,2`) only ends it when the next item starts (`,http…`, `, `).
                let token_end =
                    b[i..].iter().position(|&c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')).map_or(b.len(), |k| i + k);
                let token = &s[i..token_end];
                if token.contains("://") {
                    let mut start = 0;
                    for (k, _) in token.match_indices(',') {
                        let next = &token[k + 1..];
                        if next.starts_with("http://") || next.starts_with("https://") || next.starts_with("www.") {
                            emit(&token[start..k]);
                            start = k + 1;
                        }
                    }
                    emit(token[start..].trim_end_matches(','));
                } else {
                    token.split(',').for_each(&mut emit);
                }
                i = token_end;
            }
        }
    }
}

/// The screen name in a leading `RT @name:` (the retweeted account), if any.
pub fn rt_target(text: &str) -> Option<&str> {
    let rest = text.trim_start().strip_prefix("RT @")?;
    // Byte by byte while the name is ASCII (it nearly always is), by char from the first
    // non-ASCII byte on; ASCII whitespace as `char::is_whitespace` has it: tab to CR, space.
    // Words of eight bytes without a candidate (`:`, space, a byte below 14, non-ASCII) are
    // skipped whole.
    let b = rest.as_bytes();
    let mut skip = 0;
    while skip + 8 <= b.len() {
        let x = load_word(&b[skip..]);
        if (bytes_equal(x, b':') | bytes_equal(x, b' ') | bytes_below(x, 14) | (x & HIGHS)) != 0 {
            break;
        }
        skip += 8;
    }
    let ascii =
        b[skip..].iter().position(|&c| c == b':' || matches!(c, b'\t'..=b'\r' | b' ') || c >= 0x80).map(|k| skip + k);
    let end = match ascii {
        Some(k) if rest.as_bytes()[k] >= 0x80 => {
            rest[k..].find(|c: char| c == ':' || c.is_whitespace()).map_or(rest.len(), |e| k + e)
        }
        Some(k) => k,
        None => rest.len(),
    };
    let name = &rest[..end];
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event of reading `input` in the given chunk sizes (cycled), rendered as text.
    fn read(input: &[u8], chunks: &[usize], max: usize) -> Vec<String> {
        let mut r = CsvReader::new(None).with_max_record_bytes(max);
        let mut got = Vec::new();
        let mut f = |ev: CsvEvent| {
            got.push(match ev {
                CsvEvent::Record { fields, at, repaired_field } => format!(
                    "{}:{}:{} {:?}{}",
                    at.record,
                    at.line,
                    at.byte,
                    fields.iter().collect::<Vec<_>>(),
                    repaired_field.map_or(String::new(), |i| format!(" repaired {i}"))
                ),
                CsvEvent::TooLong { at, bytes } => {
                    format!("{}:{}:{} too long {bytes}", at.record, at.line, at.byte)
                }
                CsvEvent::Truncated { at, fields } => {
                    format!("{}:{}:{} truncated {:?}", at.record, at.line, at.byte, fields.iter().collect::<Vec<_>>())
                }
                CsvEvent::Utf16 { big_endian } => format!("utf16 be={big_endian}"),
            })
        };
        let mut i = 0;
        let mut k = 0;
        while i < input.len() {
            let n = chunks[k % chunks.len()].max(1).min(input.len() - i);
            r.feed(&input[i..i + n], &mut f);
            i += n;
            k += 1;
        }
        r.finish(&mut f);
        got
    }

    fn check(input: &[u8], want: &[&str]) {
        check_max(input, MAX_RECORD_BYTES, want)
    }

    fn check_max(input: &[u8], max: usize, want: &[&str]) {
        for chunks in [&[usize::MAX][..], &[1], &[2], &[3, 1, 7], &[5, 11, 2, 64]] {
            let got = read(input, chunks, max);
            assert_eq!(got, want, "chunks {chunks:?} of {:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn reader_cases() {
        check(b"a,b\n1,2\n", &[r#"0:1:0 ["a", "b"]"#, r#"1:2:4 ["1", "2"]"#]);
        check(b"a,b\r\n1,2\r\n\r\n3,4", &[r#"0:1:0 ["a", "b"]"#, r#"1:2:5 ["1", "2"]"#, r#"2:4:12 ["3", "4"]"#]);
        check(b"a,b\r1,2\r3,4\r", &[r#"0:1:0 ["a", "b"]"#, r#"1:2:4 ["1", "2"]"#, r#"2:3:8 ["3", "4"]"#]);
        check(b"\xEF\xBB\xBFa,b\n1,2", &[r#"0:1:3 ["a", "b"]"#, r#"1:2:7 ["1", "2"]"#]);
        check(
            b"a,b\n\"x\r\ny \"\"q\"\"\",2\n3,4\n",
            &[r#"0:1:0 ["a", "b"]"#, r#"1:2:4 ["x\r\ny \"q\"", "2"]"#, r#"2:4:19 ["3", "4"]"#],
        );
        check(b"a;b;c\n1;2,5;3\n", &[r#"0:1:0 ["a", "b", "c"]"#, r#"1:2:6 ["1", "2,5", "3"]"#]);
        check(b"a\tb\n1\t2\n", &[r#"0:1:0 ["a", "b"]"#, r#"1:2:4 ["1", "2"]"#]);
        check(b"a,b\n1,\xFF\xFEx\n", &[r#"0:1:0 ["a", "b"]"#, "1:2:4 [\"1\", \"\u{fffd}\u{fffd}x\"] repaired 1"]);
        // A multi-byte character split across two fields is not valid in either.
        check(b"a,b\n\xC3,\xA9\n", &[r#"0:1:0 ["a", "b"]"#, "1:2:4 [\"\u{fffd}\", \"\u{fffd}\"] repaired 0"]);
        check(b"a,b\n1,\"unterminated\n", &[r#"0:1:0 ["a", "b"]"#, "1:2:4 truncated [\"1\", \"unterminated\\n\\n\"]"]);
        check(b"a,b\n1,\"closed\"", &[r#"0:1:0 ["a", "b"]"#, r#"1:2:4 ["1", "closed"]"#]);
        check(b"\xFF\xFEa\0,\0b\0", &["utf16 be=false"]);
        check(b"\xFE\xFF\0a\0,\0b", &["utf16 be=true"]);
        check(b"a\0,\0b\0\n\0", &["utf16 be=false"]);
        check(b"", &[]);
        check(b"\n\n", &[]);
        check(b"\xEF\xBB", &["0:1:0 [\"\u{fffd}\"] repaired 0"]);
        check(b"a,\"\xD9\x85\xD8\xB1\"\n", &["0:1:0 [\"a\", \"\u{0645}\u{0631}\"]"]);
    }

    /// The fast path (whole records in one chunk) against `csv-core` alone (one byte at a time
    /// never holds a whole record, so every record goes through `csv-core`), on random inputs
    /// made of the bytes that matter: delimiters, quotes, CR, LF, multi-byte and invalid UTF-8,
    /// with small size limits so records also hit them.
    #[test]
    fn fast_path_agrees_with_csv_core_on_random_inputs() {
        const PIECES: &[&[u8]] = &[
            b"a",
            b"bc",
            b",",
            b",",
            b";",
            b"\t",
            b"\"",
            b"\"\"",
            b"\n",
            b"\r",
            b"\r\n",
            b" ",
            b"\xC3\xA9",
            b"\xE4\xB8\xAD",
            b"\xFF",
            b"0123456789abcdef",
        ];
        let mut next = crate::core::test_rng(0x2545_F491_4F6C_DD1D);
        let (mut fast_records, mut in_place_records) = (0, 0);
        for case in 0..3000 {
            let mut input = Vec::new();
            if case % 3 == 0 {
                input.extend_from_slice(b"h1,h2,h3\n");
            }
            // Every tenth input long enough to span several 64-byte windows.
            for _ in 0..next(if case % 10 == 0 { 400 } else { 60 }) {
                input.extend_from_slice(PIECES[next(PIECES.len())]);
            }
            let max = [7, 20, MAX_RECORD_BYTES][next(3)];
            let want = read(&input, &[1], max);
            for chunks in [&[usize::MAX][..], &[3, 1, 7], &[next(40) + 1, next(40) + 1]] {
                let got = read(&input, chunks, max);
                assert_eq!(got, want, "chunks {chunks:?} max {max} of {:?}", String::from_utf8_lossy(&input));
            }
            // Count the records the fast path takes (whole input, one chunk).
            let mut r = CsvReader::new(None).with_max_record_bytes(max);
            r.feed(&input, &mut |_| {});
            fast_records += r.fast_records;
            in_place_records += r.in_place_records;
        }
        assert!(fast_records > 3000, "the fast path took only {fast_records} records");
        assert!(
            in_place_records > 1000 && in_place_records < fast_records,
            "in place: {in_place_records} of the fast path's {fast_records} records"
        );
    }

    /// The SIMD masks (SSE2 natively, simd128 in Wasm) and the portable ones against a byte
    /// loop, on random blocks of the bytes that matter.
    #[test]
    fn window_masks_are_the_bytes() {
        const BYTES: &[u8] = b",;\t\"\n\r a\x00\x80\xFF\x7F\xA2\x22\x2C";
        let mut next = crate::core::test_rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..20_000 {
            let mut block = [0u8; 64];
            for b in block.iter_mut() {
                *b = if round % 4 == 0 { next(256) as u8 } else { BYTES[next(BYTES.len())] };
            }
            let delim = [b',', b'\t', b';', b'|', 0, 0xFF][round % 6];
            let mut want = Masks::default();
            for (k, &b) in block.iter().enumerate() {
                want.quote |= ((b == b'"') as u64) << k;
                want.nl |= ((b == b'\n' || b == b'\r') as u64) << k;
                want.stop |= ((b == b'\n' || b == b'\r' || b == delim) as u64) << k;
            }
            assert_eq!(masks64(&block, delim), want, "{block:?} delim {delim}");
            let mut portable = Masks::default();
            for k in 0..4 {
                let mut w = [0u8; 16];
                w.copy_from_slice(&block[16 * k..16 * k + 16]);
                let p = masks16_portable(&w, delim);
                portable.quote |= p.quote << (16 * k);
                portable.stop |= p.stop << (16 * k);
                portable.nl |= p.nl << (16 * k);
            }
            assert_eq!(portable, want, "{block:?} delim {delim}");
        }
    }

    /// Records longer than the 64-byte windows of the field scan, quoted fields with CR, LF
    /// and `""` across windows, invalid UTF-8 between valid records: read in two chunks split
    /// at every position, and whole, as `csv-core` reads them (one byte at a time).
    #[test]
    fn long_records_split_at_every_position() {
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        let long = "x".repeat(70);
        inputs.push(format!("id,text,n\n1,\"{long}\",2\n2,\"a\nb{long}\r\nc\",3\r\n3,{long},\"\"\n").into_bytes());
        inputs.push(format!("id,text\r\"{long}\",\"q\"\"{long}\"\"\"\r\r\n,\"\"\r{long}\n").into_bytes());
        let mut bad = format!("a,b\n1,\"{long}\"\n2,\"{long}").into_bytes();
        bad.extend_from_slice(b"\xFF\xC3\",\"\xE4\xB8\xAD\"\n3,\xE4\xB8\n4,\"ok\"\"x\"y\n5,\"");
        bad.extend_from_slice(long.as_bytes());
        inputs.push(bad);
        inputs.push(format!("h\n\"{long}\n{long}\"\n\"{long}\"\"\"").into_bytes());
        for input in &inputs {
            let want = read(input, &[1], MAX_RECORD_BYTES);
            assert_eq!(read(input, &[usize::MAX], MAX_RECORD_BYTES), want);
            for max in [50, 100] {
                assert_eq!(read(input, &[usize::MAX], max), read(input, &[1], max), "max {max}");
            }
            for i in 1..input.len() {
                let got = read(input, &[i, usize::MAX], MAX_RECORD_BYTES);
                assert_eq!(got, want, "split at {i} of {:?}", String::from_utf8_lossy(input));
            }
        }
    }

    #[test]
    fn too_long_records_are_skipped_and_reading_resumes() {
        let mut big = b"h\nshort\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', 300));
        big.extend_from_slice(b"\n\"q");
        big.extend(std::iter::repeat_n(b'\n', 300));
        big.extend_from_slice(b"\"\nlast\n");
        check_max(
            &big,
            100,
            &[
                r#"0:1:0 ["h"]"#,
                r#"1:2:2 ["short"]"#,
                "2:3:8 too long 301",
                "3:4:309 too long 304",
                r#"4:305:613 ["last"]"#,
            ],
        );
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff_delimiter(b"a,b,c"), b',');
        assert_eq!(sniff_delimiter(b"a;b;c"), b';');
        assert_eq!(sniff_delimiter(b"\"a;x\",b,c"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\tc,d"), b'\t');
        assert_eq!(sniff_delimiter(b"abc"), b',');
    }

    #[test]
    fn lists() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("[]", &[]),
            ("[a, b]", &["a", "b"]),
            ("['a', 'b']", &["a", "b"]),
            ("[\"x, y\", 'it\\'s']", &["x, y", "it's"]),
            ("['http://a.b/c?d=1,2']", &["http://a.b/c?d=1,2"]),
            ("[#tag, other]", &["#tag", "other"]),
            ("['مرحبا', '中国']", &["مرحبا", "中国"]),
            ("a b  c", &["a", "b", "c"]),
            ("[0, 12345]", &["0", "12345"]),
            ("['unterminated", &["unterminated"]),
            ("[a,b]", &["a", "b"]),
            ("[http://a.com/x?a=1,2, http://b.com]", &["http://a.com/x?a=1,2", "http://b.com"]),
            ("[http://a.com/x,https://b.com/y,]", &["http://a.com/x", "https://b.com/y"]),
        ];
        let mut scratch = String::new();
        for (cell, want) in cases.iter().chain(cases.iter().rev()) {
            let mut got = Vec::new();
            parse_list(cell, &mut got);
            assert_eq!(got, *want, "{cell}");
            // The same items handed out one by one, with a scratch string used before.
            let mut split = Vec::new();
            split_list(cell, &mut scratch, |item| split.push(item.to_string()));
            assert_eq!(split, *want, "{cell} (split)");
        }
    }

    /// The list reader as it was before it handed items out without copying them (items pushed
    /// into a `Vec<String>`), kept as the reference `split_list` must agree with.
    fn parse_list_before(cell: &str) -> Vec<String> {
        let mut out = Vec::new();
        let push_item = |item: &str, out: &mut Vec<String>| {
            let item = fast_trim(item);
            if !item.is_empty() {
                out.push(item.to_string());
            }
        };
        let mut s = fast_trim(cell);
        if let Some(inner) = s.strip_prefix('[') {
            s = fast_trim(inner.strip_suffix(']').unwrap_or(inner));
        }
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b' ' | b',' | b'\t' | b'\n' | b'\r' => i += 1,
                q @ (b'\'' | b'"') => {
                    let mut item = String::new();
                    let mut j = i + 1;
                    let mut seg = j;
                    let mut closed = false;
                    while j < b.len() {
                        if b[j] == b'\\' && j + 1 < b.len() {
                            item.push_str(&s[seg..j]);
                            seg = j + 1;
                            j += 2;
                        } else if b[j] == q {
                            item.push_str(&s[seg..j]);
                            closed = true;
                            break;
                        } else {
                            j += 1;
                        }
                    }
                    if !closed {
                        item.push_str(&s[seg..]);
                    }
                    push_item(&item, &mut out);
                    i = j + 1;
                }
                _ => {
                    let token_end = s[i..].find([' ', '\t', '\n', '\r']).map_or(s.len(), |k| i + k);
                    let token = &s[i..token_end];
                    if token.contains("://") {
                        let mut start = 0;
                        for (k, _) in token.match_indices(',') {
                            let next = &token[k + 1..];
                            if next.starts_with("http://") || next.starts_with("https://") || next.starts_with("www.") {
                                push_item(&token[start..k], &mut out);
                                start = k + 1;
                            }
                        }
                        push_item(token[start..].trim_end_matches(','), &mut out);
                    } else {
                        token.split(',').for_each(|t| push_item(t, &mut out));
                    }
                    i = token_end;
                }
            }
        }
        out
    }

    /// The RT target as it was found before the byte-wise scan.
    fn rt_target_before(text: &str) -> Option<&str> {
        let rest = text.trim_start().strip_prefix("RT @")?;
        let end = rest.find(|c: char| c == ':' || c.is_whitespace()).unwrap_or(rest.len());
        let name = &rest[..end];
        (!name.is_empty()).then_some(name)
    }

    #[test]
    fn lists_and_rt_targets_as_before_on_random_cells() {
        // Cells built from the pieces that matter to the two readers: brackets, both quotes,
        // backslashes, separators, URL commas, whitespace of every kind, multibyte chars.
        const PIECES: &[&str] = &[
            "[",
            "]",
            "'",
            "\"",
            "\\",
            ",",
            ", ",
            " ",
            "\t",
            "\n",
            "\r",
            "\u{b}",
            "\u{c}",
            "a",
            "Zx",
            "0",
            "#tag",
            "http://a.b/c?d=1",
            ",http://e.f",
            ",https://g",
            ",www.h",
            "://",
            "é",
            "中国",
            "\u{a0}",
            "\u{3000}",
            "\u{85}",
            ":",
            "RT @",
            "@",
            "🙏",
        ];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut scratch = String::new();
        for _ in 0..20_000 {
            let mut cell = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = (x % 12) as usize;
            let mut y = x;
            for _ in 0..n {
                y = y.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                cell.push_str(PIECES[(y >> 33) as usize % PIECES.len()]);
            }
            let mut split = Vec::new();
            split_list(&cell, &mut scratch, |item| split.push(item.to_string()));
            assert_eq!(split, parse_list_before(&cell), "{cell:?}");
            // And as one quoted item (the shape `split_list` takes without its loop).
            for quoted in [format!("['{cell}']"), format!("[\"{cell}\"]")] {
                split.clear();
                split_list(&quoted, &mut scratch, |item| split.push(item.to_string()));
                assert_eq!(split, parse_list_before(&quoted), "{quoted:?}");
            }
            assert_eq!(rt_target(&cell), rt_target_before(&cell), "{cell:?}");
            let rt = format!("RT @{cell}");
            assert_eq!(rt_target(&rt), rt_target_before(&rt), "{rt:?}");
        }
    }

    #[test]
    fn fast_trim_is_trim() {
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\ta\n",
            "abc",
            "a b",
            "\u{a0}x",
            "x\u{3000}",
            "\u{1f}x\u{1f}",
            "é",
            " é ",
            "\u{7f}",
            "香港",
            " 香港",
            "香港\u{3000}",
            "\u{3000}香港",
            "مرحبا",
            "🙏",
            "a🙏",
            "🙏 ",
            "é\u{85}",
            "\u{85}é",
            "x\u{a0}",
            "x\u{1680}",
            "\u{2000}x",
            "x\u{200a}",
            "x\u{2028}",
            "x\u{2029}",
            "x\u{202f}",
            "x\u{205f}",
            "x\u{200b}",
            "x\u{2060}",
            "x\u{e000}",
            "\u{10ffff}",
            "x\u{80}",
            "\u{ff}",
        ] {
            assert_eq!(fast_trim(s), s.trim(), "{s:?}");
        }
        // Every char at either end, alone and beside ASCII and multibyte neighbours.
        let mut s = String::new();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            for (before, after) in [("", ""), ("x", ""), ("", "x"), ("é", "中"), ("中", "🙏")] {
                s.clear();
                s.push_str(before);
                s.push(c);
                s.push_str(after);
                assert_eq!(fast_trim(&s), s.trim(), "{s:?}");
            }
        }
    }

    /// The one-pass count reader against the general one on random short cells.
    #[test]
    fn counts_as_before_on_random_cells() {
        const BYTES: &[u8] = b"0123456789 .+-e\t/:x";
        let mut next = crate::core::test_rng(0x1234_5678_9ABC_DEF1);
        let mut some = 0;
        for _ in 0..200_000 {
            let mut s = String::new();
            for _ in 0..next(13) {
                let alphabet = if next(3) == 0 { BYTES.len() } else { 10 };
                s.push(BYTES[next(alphabet)] as char);
            }
            let got = parse_count(&s);
            assert_eq!(got, parse_count_general(&s), "{s:?}");
            some += got.is_some() as u32;
        }
        assert!(some > 50_000, "{some} counts");
    }

    #[test]
    fn scalars() {
        assert_eq!(parse_count(""), None);
        assert_eq!(parse_count("12"), Some(12));
        assert_eq!(parse_count("12.0"), Some(12));
        assert_eq!(parse_count("12.5"), None);
        assert_eq!(parse_count("-3"), None);
        assert_eq!(parse_count("99999999999999"), Some(u32::MAX - 1));
        assert_eq!(parse_count("4294967293"), Some(u32::MAX - 2));
        assert_eq!(parse_count("4294967294"), Some(u32::MAX - 1));
        assert_eq!(parse_count("9999999999999999999"), Some(u32::MAX - 1));
        assert_eq!(parse_count("99999999999999999999999"), Some(u32::MAX - 1));
        assert_eq!(parse_count(" 0012.00 "), Some(12));
        assert_eq!(parse_count("00000000000000000000012"), Some(12));
        assert_eq!(parse_count("1.0.0"), None);
        assert_eq!(parse_count("."), None);
        assert_eq!(parse_count("+5"), None);
        assert!(
            parse_bool("True") && parse_bool("true") && parse_bool("TRUE") && !parse_bool("False") && !parse_bool("")
        );
        assert_eq!(rt_target("RT @abc_1: hi"), Some("abc_1"));
        assert_eq!(rt_target("RT @abc"), Some("abc"));
        assert_eq!(rt_target("hello RT @abc:"), None);
        assert_eq!(rt_target("RT @: x"), None);
        assert_eq!(
            rt_target("RT @abcdefghijklmnopqrstuvwxyz_0123456789: x"),
            Some("abcdefghijklmnopqrstuvwxyz_0123456789")
        );
        assert_eq!(rt_target("RT @abcdefghijk\u{1}lmnop\u{b}q"), Some("abcdefghijk\u{1}lmnop"));
        assert_eq!(rt_target("RT @abcdefghijk香港\u{3000}x"), Some("abcdefghijk香港"));
        assert_eq!(rt_target("RT @abcdefghijklmnop"), Some("abcdefghijklmnop"));
    }
}
