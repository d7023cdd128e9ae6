//! Reading input files for every subcommand: streams each file through the core's push parsers
//! (the same code the web worker runs) and fingerprints it with SHA-256 on the way.
use super::pipeline::{build_pipelined, Recorder};
use crate::core::ingest::{DatasetBuilder, FileIngest, FileReport, IngestOptions};
use crate::core::model::Dataset;
use std::io::Read;
use std::path::PathBuf;
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::sync::Arc;

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
/// parsing thread reads and parses the files, and this thread builds the dataset and calls
/// `progress`; a third computes the fingerprints (SHA-256, [`Hashing`]). The result is the same as on one thread, which is what happens
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
                read_files(paths, opts, &mut feed, true)
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
            let fingerprints = read_files(paths, opts, &mut feed, false)?;
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

/// Stream every file through `FileIngest` into `feed`, fingerprinting each (on this thread, or
/// with `hash_thread` on a thread of its own, see [`HashThread`]).
fn read_files(
    paths: &[PathBuf],
    opts: &IngestOptions,
    feed: &mut dyn Feed,
    hash_thread: bool,
) -> Result<Vec<InputFingerprint>, String> {
    let inline = |feed: &mut dyn Feed| {
        let mut hashing = Hashing::Inline(Vec::new(), None);
        read_files_hashing(paths, opts, feed, &mut hashing)?;
        match hashing {
            Hashing::Inline(done, _) => Ok(done),
            Hashing::Thread { .. } => unreachable!("hashing inline"),
        }
    };
    if !hash_thread {
        return inline(feed);
    }
    std::thread::scope(|scope| {
        let (to_hasher, chunks) = sync_channel::<HashMsg>(HASH_BUFFERS);
        let (give_back, back) = channel::<Vec<u8>>();
        let hasher = std::thread::Builder::new().name("chorus-sha256".into()).spawn_scoped(scope, move || {
            let mut done = Vec::new();
            let mut current = None;
            for msg in chunks {
                match msg {
                    HashMsg::Start(name) => current = Some(Fingerprinter::new(&name)),
                    HashMsg::Chunk(buf, n) => {
                        if let Some(f) = current.as_mut() {
                            f.update(&buf[..n]);
                        }
                        // the reading side may have stopped (an error): then the buffer is dropped
                        let _ = give_back.send(buf);
                    }
                    HashMsg::Mapped(map, range) => {
                        if let Some(f) = current.as_mut() {
                            f.update(&map[range.clone()]);
                        }
                        release(&map, range);
                    }
                    HashMsg::End => done.extend(current.take().map(Fingerprinter::finish)),
                }
            }
            done
        });
        let Ok(hasher) = hasher else {
            // no thread to be had: hash on this one
            return inline(feed);
        };
        let mut hashing = Hashing::Thread { to: to_hasher, back, buffers: 0 };
        let read = read_files_hashing(paths, opts, feed, &mut hashing);
        drop(hashing); // closes the channel: the hash thread ends
        let fingerprints = hasher.join().map_err(|_| "the SHA-256 thread failed".to_string())?;
        read.map(|()| fingerprints)
    })
}

/// Buffers of the two-thread read in flight to the hash thread (each one read chunk).
const HASH_BUFFERS: usize = 4;

/// What the reading side tells the hash thread: a file starts, a chunk of it (the buffer and how
/// many bytes of it were read), the file ended.
enum HashMsg {
    Start(String),
    Chunk(Vec<u8>, usize),
    /// A chunk of a mapped file (see [`mapped`]): the map and the chunk's byte range.
    Mapped(Arc<memmap2::Mmap>, std::ops::Range<usize>),
    End,
}

/// Where the input fingerprints (SHA-256) are computed. On the two-thread read the parsing
/// thread is the slower of the two (BENCHMARKS.md, "Ingest (native)"), and SHA-256 is a fifth of
/// its time: a third thread takes it, given each chunk after it is parsed (the buffer itself,
/// which comes back to be read into again), so the two cores share three threads' work.
enum Hashing {
    /// On the reading thread: the fingerprints so far and the file's.
    Inline(Vec<InputFingerprint>, Option<Fingerprinter>),
    /// On the hash thread; `buffers` allocated so far (at most [`HASH_BUFFERS`] + 1).
    Thread { to: SyncSender<HashMsg>, back: Receiver<Vec<u8>>, buffers: usize },
}

impl Hashing {
    fn start(&mut self, name: &str) {
        match self {
            Hashing::Inline(_, f) => *f = Some(Fingerprinter::new(name)),
            Hashing::Thread { to, .. } => {
                let _ = to.send(HashMsg::Start(name.to_string()));
            }
        }
    }
    /// A buffer to read the next chunk into.
    fn buffer(&mut self, spare: &mut Option<Vec<u8>>) -> Vec<u8> {
        if let Some(b) = spare.take() {
            return b;
        }
        match self {
            Hashing::Inline(..) => vec![0u8; READ_CHUNK],
            Hashing::Thread { back, buffers, .. } => {
                if let Ok(b) = back.try_recv() {
                    return b;
                }
                if *buffers <= HASH_BUFFERS {
                    *buffers += 1;
                    return vec![0u8; READ_CHUNK];
                }
                back.recv().unwrap_or_else(|_| vec![0u8; READ_CHUNK])
            }
        }
    }
    /// The chunk `buf[..n]` was parsed: fingerprint it (the buffer comes back in `spare` when
    /// hashed here).
    fn chunk(&mut self, buf: Vec<u8>, n: usize, spare: &mut Option<Vec<u8>>) {
        match self {
            Hashing::Inline(_, f) => {
                if let Some(f) = f.as_mut() {
                    f.update(&buf[..n]);
                }
                *spare = Some(buf);
            }
            Hashing::Thread { to, .. } => {
                let _ = to.send(HashMsg::Chunk(buf, n));
            }
        }
    }
    /// The chunk `map[range]` of a mapped file was parsed: fingerprint it.
    fn mapped_chunk(&mut self, map: &Arc<memmap2::Mmap>, range: std::ops::Range<usize>) {
        match self {
            Hashing::Inline(_, f) => {
                if let Some(f) = f.as_mut() {
                    f.update(&map[range.clone()]);
                }
                release(map, range);
            }
            Hashing::Thread { to, .. } => {
                let _ = to.send(HashMsg::Mapped(map.clone(), range));
            }
        }
    }
    fn end(&mut self) {
        match self {
            Hashing::Inline(done, f) => done.extend(f.take().map(Fingerprinter::finish)),
            Hashing::Thread { to, .. } => {
                let _ = to.send(HashMsg::End);
            }
        }
    }
}

/// Bytes read at a time.
const READ_CHUNK: usize = 1 << 20;

/// Files of more than one read chunk are mapped into memory rather than read (see [`mapped`]).
const MAP_FROM: u64 = READ_CHUNK as u64 + 1;

/// `f` mapped into memory, when it is a regular file of [`MAP_FROM`] bytes or more and the
/// system maps it; None otherwise (it is then read with `read`).
///
/// Why: `read` copies every byte from the page cache into the buffer, and that copy was 6% of
/// `chorus inspect`'s CPU on two cores whose sum bounds the wall time; mapped, the wall time is
/// 2-5% lower and steadier (BENCHMARKS.md, "Mapped input files"). The parsers and the hash read
/// the mapped pages in place, in the same chunks.
///
/// The risk mapping takes: a file cut short by another program while it is read ends the
/// process with SIGBUS instead of an error message (a file changed in place is read as it is
/// at each moment, as with `read`). `CHORUS_NO_MMAP=1` reads every file with `read`.
fn mapped(f: &std::fs::File) -> Option<memmap2::Mmap> {
    let meta = f.metadata().ok()?;
    if !meta.is_file() || meta.len() < MAP_FROM || std::env::var_os("CHORUS_NO_MMAP").is_some_and(|v| v == "1") {
        return None;
    }
    // SAFETY: the map is only read, and only while `f`'s data stays in place; a file truncated
    // meanwhile by another process is the documented SIGBUS risk above (memmap2 cannot prevent
    // it, no reader of a mapped file can).
    let map = unsafe { memmap2::Mmap::map(f) }.ok()?;
    // read ahead further, drop pages behind sooner: the file is read once from start to end
    let _ = map.advise(memmap2::Advice::Sequential);
    Some(map)
}

/// Unmap the pages of `map[range]`, parsed and hashed: they stay in the page cache, but no
/// longer count in the process's resident memory, which thus stays what the analysis holds
/// (the peak memory BENCHMARKS.md reports) rather than growing by the whole file.
fn release(map: &memmap2::Mmap, range: std::ops::Range<usize>) {
    // SAFETY: nothing borrows `map[range]` any more (the parser copies what it keeps of a chunk
    // and the hash is updated), and a later read of a read-only file mapping after
    // MADV_DONTNEED would fault the page in again from the file, not see zeroes.
    let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, range.start, range.len()) };
}

fn read_files_hashing(
    paths: &[PathBuf],
    opts: &IngestOptions,
    feed: &mut dyn Feed,
    hashing: &mut Hashing,
) -> Result<(), String> {
    let mut spare = None;
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
        hashing.start(&name);
        if let Some(map) = mapped(&f) {
            // the same chunks as read() gives, straight from the page cache
            let map = Arc::new(map);
            let mut at = 0;
            while at < map.len() {
                let end = map.len().min(at + READ_CHUNK);
                bytes_done += (end - at) as u64;
                ing.feed(&map[at..end], feed.builder());
                hashing.mapped_chunk(&map, at..end);
                feed.chunk_done(&name, bytes_done);
                at = end;
            }
            ing.finish(feed.builder());
            hashing.end();
            continue;
        }
        loop {
            let mut buf = hashing.buffer(&mut spare);
            match f.read(&mut buf) {
                Ok(0) => {
                    spare = Some(buf);
                    break;
                }
                Ok(n) => {
                    bytes_done += n as u64;
                    ing.feed(&buf[..n], feed.builder());
                    hashing.chunk(buf, n, &mut spare);
                    feed.chunk_done(&name, bytes_done);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => spare = Some(buf),
                Err(e) => return Err(format!("error reading {name}: {e}")),
            }
        }
        ing.finish(feed.builder());
        hashing.end();
    }
    Ok(())
}
