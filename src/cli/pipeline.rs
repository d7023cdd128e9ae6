//! Native ingest on two threads: a parsing thread (file reading, CSV/JSON parsing, field
//! decoding, text fingerprints) feeds a recording [`DatasetBuilder`], and the calling thread
//! builds the dataset from the recorded calls, batch by batch and in order, through a bounded
//! channel. The core starts no thread; the result is the one the single-threaded path gives
//! (the same calls in the same order on one builder).
//!
//! A batch ([`RecordedCalls`]) is one string buffer, a `u32` array of string lengths and
//! fixed-size call descriptors; the building side reads its records in place (borrowed `&str`
//! views), and applied batches come back to the parsing side to be refilled, so that once warm
//! neither side allocates or frees per record, and no block is freed on another thread than the
//! one that allocated it.
//!
//! The building side stays on the calling thread because it is the one that allocates (text
//! samples, vocabularies, columns): the main thread's allocator arena grows more cheaply than a
//! spawned thread's.
//!
//! `input::read_inputs` (every `chorus` subcommand) and `examples/bench_ingest.rs` use it.

use crate::core::ingest::builder::RecordedCalls;
use crate::core::ingest::{DatasetBuilder, FileReport, IngestOptions};
use crate::core::model::Dataset;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::sync::Arc;

/// Batches in flight between the two threads (each is about one input chunk of records).
const DEPTH: usize = 16;

/// The parsing side: give [`Recorder::builder`] to the parsers, call [`Recorder::flush`] after
/// each chunk.
pub struct Recorder {
    recorder: DatasetBuilder,
    to_builder: SyncSender<RecordedCalls>,
    /// Applied batches coming back, to reuse their buffers.
    spare: Receiver<RecordedCalls>,
    /// Set by the building side once it needs no more post texts
    /// ([`DatasetBuilder::texts_unneeded`]): the posts recorded after that go without them.
    texts_unneeded: Arc<AtomicBool>,
}

impl Recorder {
    /// The builder to give the parsers (it records their calls).
    pub fn builder(&mut self) -> &mut DatasetBuilder {
        &mut self.recorder
    }

    /// Hand the calls recorded so far to the building side; waits while it is `DEPTH` batches
    /// behind.
    pub fn flush(&mut self) {
        if self.texts_unneeded.load(Ordering::Relaxed) {
            self.recorder.drop_texts();
        }
        let spare = self.spare.try_recv().unwrap_or_default();
        let batch = self.recorder.take_recorded(spare);
        if !batch.is_empty() {
            // Fails only when the building side is gone, which happens only after this side ended.
            let _ = self.to_builder.send(batch);
        }
    }
}

/// What [`build_pipelined`] returns.
pub struct Built<R> {
    pub dataset: Dataset,
    pub reports: Vec<FileReport>,
    /// What the parsing closure returned.
    pub parsed: R,
    /// CPU seconds of the parsing thread and of the building (calling) thread, from the start of
    /// the pipeline to the end of `finish` (Linux; None elsewhere).
    pub parse_cpu_secs: Option<f64>,
    pub build_cpu_secs: Option<f64>,
}

/// Run `parse` on a new thread with a [`Recorder`], and build the dataset from what it records
/// on this thread, calling `after_batch` with the builder after each batch (for progress). Err
/// when no thread can be started (the caller can then read on one thread).
pub fn build_pipelined<R: Send>(
    opts: &IngestOptions,
    parse: impl FnOnce(&mut Recorder) -> R + Send,
    mut after_batch: impl FnMut(&DatasetBuilder),
) -> Result<Built<R>, String> {
    let (to_builder, batches) = sync_channel::<RecordedCalls>(DEPTH);
    let (give_back, spare) = channel();
    let texts_unneeded = Arc::new(AtomicBool::new(false));
    let mut recorder = Recorder {
        recorder: DatasetBuilder::recording(opts.clone()),
        to_builder,
        spare,
        texts_unneeded: texts_unneeded.clone(),
    };
    let build_cpu0 = thread_cpu_secs();
    std::thread::scope(|scope| {
        let parsing = std::thread::Builder::new()
            .name("chorus-parse".into())
            .spawn_scoped(scope, move || {
                let cpu0 = thread_cpu_secs();
                let parsed = parse(&mut recorder);
                recorder.flush();
                // Dropping the recorder closes the channel: the building loop below ends.
                drop(recorder);
                (parsed, diff(cpu0, thread_cpu_secs()))
            })
            .map_err(|e| format!("cannot start the parsing thread: {e}"))?;
        let mut b = DatasetBuilder::new(opts.clone());
        for mut calls in batches {
            b.apply(&mut calls);
            if b.texts_unneeded() {
                // every batch recorded after this is applied after this one
                texts_unneeded.store(true, Ordering::Relaxed);
            }
            after_batch(&b);
            // The parsing side may be gone (finished): then the batch is simply dropped.
            let _ = give_back.send(calls);
        }
        let (parsed, parse_cpu_secs) = parsing.join().map_err(|_| "the parsing thread failed".to_string())?;
        let (dataset, reports) = b.finish();
        let build_cpu_secs = diff(build_cpu0, thread_cpu_secs());
        Ok(Built { dataset, reports, parsed, parse_cpu_secs, build_cpu_secs })
    })
}

fn diff(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(b? - a?)
}

/// CPU time of the calling thread in seconds (Linux `/proc/thread-self/schedstat`).
pub fn thread_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}
