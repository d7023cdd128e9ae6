//! Push gzip decompression (RFC 1952) over `flate2::Decompress` (raw deflate, pure-Rust backend).
//!
//! flate2's `GzDecoder` is a pull (`Read`) or `Write` adapter; we need a push decoder that accepts
//! any chunking, reads multi-member files (`cat a.gz b.gz`, bgzip), parses the optional header
//! fields (FEXTRA, FNAME, FCOMMENT, FHCRC), checks every member's CRC-32 and length, and tells a
//! truncated stream apart from a corrupt one — so the header/trailer framing is written here and
//! the inflating is flate2's.

use flate2::{Crc, Decompress, FlushDecompress, Status};

/// What the decoder hands to its sink, in stream order.
pub enum GzOut<'a> {
    /// Decompressed bytes.
    Data(&'a [u8]),
    /// A problem that did not stop decoding (a member's CRC or length mismatch).
    Warning(GzError),
}

/// A problem in the gzip stream. Decompressed bytes produced before it were already delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GzError {
    /// Not a gzip header (bad magic or compression method).
    BadHeader(String),
    /// The deflate data is corrupt.
    Corrupt(String),
    /// A member's stored CRC-32 or length differs from what was decompressed.
    Checksum(String),
    /// The stream ended inside a member.
    Truncated(String),
}

impl GzError {
    pub fn message(&self) -> &str {
        match self {
            GzError::BadHeader(m) | GzError::Corrupt(m) | GzError::Checksum(m) | GzError::Truncated(m) => m,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum St {
    /// Reading the fixed 10-byte header.
    Header,
    /// FEXTRA: reading the 2-byte length, then skipping `n` bytes.
    ExtraLen,
    ExtraData(usize),
    /// FNAME / FCOMMENT: zero-terminated strings.
    Name,
    Comment,
    /// FHCRC: 2 bytes.
    HeaderCrc,
    Data,
    /// 8-byte trailer: CRC-32, ISIZE.
    Trailer,
    /// Between members: a new member may start, or trailing padding follows.
    Between,
    /// Not gzip after the last member: counted in `trailing_ignored`.
    Garbage,
    /// Unrecoverable error (already reported): ignore the rest.
    Stopped,
}

/// A push gzip decoder.
pub struct GzDecoder {
    st: St,
    flags: u8,
    /// Bytes of a fixed-size field being assembled (header, lengths, trailer).
    small: Vec<u8>,
    inflate: Decompress,
    crc: Crc,
    out: Vec<u8>,
    /// 1-based number of the member being read.
    member: u32,
    /// Bytes of trailing data after the last member that were ignored.
    pub trailing_ignored: u64,
    /// Total decompressed bytes delivered.
    pub total_out: u64,
}

impl Default for GzDecoder {
    fn default() -> Self {
        Self::new()
    }
}

const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;

impl GzDecoder {
    pub fn new() -> Self {
        GzDecoder {
            st: St::Header,
            flags: 0,
            small: Vec::with_capacity(10),
            inflate: Decompress::new(false),
            crc: Crc::new(),
            out: vec![0; 64 << 10],
            member: 1,
            trailing_ignored: 0,
            total_out: 0,
        }
    }

    /// Whether the decoder stopped on an error (the rest of the input is ignored).
    pub fn stopped(&self) -> bool {
        self.st == St::Stopped
    }

    /// Take `need - small.len()` bytes from `input` into `small`; true when complete.
    fn fill(&mut self, input: &mut &[u8], need: usize) -> bool {
        let take = (need - self.small.len()).min(input.len());
        self.small.extend_from_slice(&input[..take]);
        *input = &input[take..];
        self.small.len() == need
    }

    fn after_flags(&mut self) -> St {
        if self.flags & FEXTRA != 0 {
            St::ExtraLen
        } else if self.flags & FNAME != 0 {
            St::Name
        } else if self.flags & FCOMMENT != 0 {
            St::Comment
        } else if self.flags & FHCRC != 0 {
            St::HeaderCrc
        } else {
            St::Data
        }
    }

    fn next_after(&mut self, done: u8) -> St {
        // clear the flag just handled and pick the next field
        self.flags &= !done;
        self.after_flags()
    }

    /// Decompress `input`, delivering output to `sink`. On an error that stops decoding, returns
    /// it and ignores the rest of the stream (output already delivered stays delivered); checksum
    /// mismatches do not stop decoding and go to the sink as warnings.
    pub fn feed(&mut self, mut input: &[u8], sink: &mut dyn FnMut(GzOut)) -> Result<(), GzError> {
        while !input.is_empty() {
            match self.st {
                St::Stopped => return Ok(()),
                St::Garbage => {
                    self.trailing_ignored += input.len() as u64;
                    return Ok(());
                }
                St::Between => {
                    // padding with zeros after the last member is common; anything else that is
                    // not a new member is ignored and counted
                    if input[0] == 0 && self.small.is_empty() {
                        // zero padding (tape blocks, some writers): harmless
                        input = &input[1..];
                        continue;
                    }
                    if !self.fill(&mut input, 2) {
                        return Ok(());
                    }
                    if self.small[..] == [0x1f, 0x8b] {
                        self.member += 1;
                        self.st = St::Header;
                    } else {
                        self.trailing_ignored += 2 + input.len() as u64;
                        self.small.clear();
                        self.st = St::Garbage;
                        return Ok(());
                    }
                }
                St::Header => {
                    if !self.fill(&mut input, 10) {
                        return Ok(());
                    }
                    let h = std::mem::take(&mut self.small);
                    if h[0] != 0x1f || h[1] != 0x8b {
                        self.st = St::Stopped;
                        return Err(GzError::BadHeader("not a gzip file (bad magic bytes)".into()));
                    }
                    if h[2] != 8 {
                        self.st = St::Stopped;
                        return Err(GzError::BadHeader(format!(
                            "gzip member {} uses compression method {} (only deflate, 8, exists)",
                            self.member, h[2]
                        )));
                    }
                    self.flags = h[3];
                    self.small = h;
                    self.small.clear();
                    self.st = self.after_flags();
                    self.inflate.reset(false);
                    self.crc = Crc::new();
                }
                St::ExtraLen => {
                    if !self.fill(&mut input, 2) {
                        return Ok(());
                    }
                    let n = u16::from_le_bytes([self.small[0], self.small[1]]) as usize;
                    self.small.clear();
                    self.st = St::ExtraData(n);
                }
                St::ExtraData(n) => {
                    let take = n.min(input.len());
                    input = &input[take..];
                    self.st = if n == take { self.next_after(FEXTRA) } else { St::ExtraData(n - take) };
                }
                St::Name | St::Comment => match memchr::memchr(0, input) {
                    Some(i) => {
                        input = &input[i + 1..];
                        let flag = if self.st == St::Name { FNAME } else { FCOMMENT };
                        self.st = self.next_after(flag);
                    }
                    None => input = &[],
                },
                St::HeaderCrc => {
                    if !self.fill(&mut input, 2) {
                        return Ok(());
                    }
                    self.small.clear();
                    self.st = self.next_after(FHCRC);
                }
                St::Data => {
                    let before_in = self.inflate.total_in();
                    let before_out = self.inflate.total_out();
                    let status = self.inflate.decompress(input, &mut self.out, FlushDecompress::None);
                    let used = (self.inflate.total_in() - before_in) as usize;
                    let made = (self.inflate.total_out() - before_out) as usize;
                    input = &input[used..];
                    if made > 0 {
                        self.crc.update(&self.out[..made]);
                        self.total_out += made as u64;
                        sink(GzOut::Data(&self.out[..made]));
                    }
                    match status {
                        Ok(Status::StreamEnd) => self.st = St::Trailer,
                        Ok(_) if used > 0 || made > 0 => {}
                        other => {
                            // a decompressor that neither reads nor writes would spin: corrupt
                            let e = match other {
                                Err(e) => e.to_string(),
                                _ => "no progress".to_string(),
                            };
                            self.st = St::Stopped;
                            return Err(GzError::Corrupt(format!(
                                "gzip member {}: the compressed data is corrupt after {} decompressed bytes ({e})",
                                self.member, self.total_out
                            )));
                        }
                    }
                }
                St::Trailer => {
                    if !self.fill(&mut input, 8) {
                        return Ok(());
                    }
                    let t = &self.small;
                    let crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
                    let isize = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
                    self.small.clear();
                    self.st = St::Between;
                    if crc != self.crc.sum() {
                        sink(GzOut::Warning(GzError::Checksum(format!(
                            "gzip member {}: CRC-32 mismatch (stored {crc:08x}, computed {:08x}): the data is damaged; records read from it are kept but may be wrong",
                            self.member,
                            self.crc.sum()
                        ))));
                    } else if isize != self.crc.amount() {
                        sink(GzOut::Warning(GzError::Checksum(format!(
                            "gzip member {}: length mismatch (stored {isize}, decompressed {} mod 2^32)",
                            self.member,
                            self.crc.amount()
                        ))));
                    }
                }
            }
        }
        Ok(())
    }

    /// The input ended. Err(Truncated) when it ended inside a member.
    pub fn finish(&mut self) -> Result<(), GzError> {
        if self.st == St::Between && !self.small.is_empty() {
            // one stray byte after the last member
            self.trailing_ignored += self.small.len() as u64;
            self.small.clear();
        }
        match self.st {
            St::Between | St::Garbage | St::Stopped => Ok(()),
            St::Header if self.small.is_empty() && self.member == 1 => {
                Err(GzError::Truncated("the gzip file is empty".into()))
            }
            St::Data => Err(GzError::Truncated(format!(
                "the gzip file is truncated: it ends inside the compressed data of member {} (after {} decompressed bytes); what was read is kept",
                self.member, self.total_out
            ))),
            St::Trailer => Err(GzError::Truncated(format!(
                "the gzip file is truncated: it ends inside the trailer of member {} (its CRC could not be checked)",
                self.member
            ))),
            _ => Err(GzError::Truncated(format!(
                "the gzip file is truncated: it ends inside the header of member {}",
                self.member
            ))),
        }
    }
}
