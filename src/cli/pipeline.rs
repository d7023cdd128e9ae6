//! Native ingest on two threads: the calling thread parses (CSV/JSON reading, field decoding,
//! text fingerprints) into a recording [`DatasetBuilder`], and a second thread builds the dataset
//! from the recorded calls, batch by batch and in order, through a bounded channel. The core
//! starts no thread; the result is the one the single-threaded path gives (same calls, same
//! order, on one builder).

use crate::core::ingest::builder::RecordedCalls;
use crate::core::ingest::{DatasetBuilder, FileReport, IngestOptions};
use crate::core::model::Dataset;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Batches in flight between the two threads (each is about one input chunk of records).
const DEPTH: usize = 4;

/// What the building thread returns.
pub struct Built {
    pub dataset: Dataset,
    pub reports: Vec<FileReport>,
    /// CPU seconds the building thread used (Linux; None elsewhere).
    pub builder_cpu_secs: Option<f64>,
}

/// A recording builder whose batches a second thread applies (see the module docs).
pub struct PipelinedBuilder {
    recorder: DatasetBuilder,
    to_builder: Option<SyncSender<RecordedCalls>>,
    /// Applied (empty) batches coming back, to reuse their buffers.
    spare: Receiver<RecordedCalls>,
    posts: Arc<AtomicUsize>,
    worker: Option<JoinHandle<Built>>,
}

impl PipelinedBuilder {
    /// Start the building thread. Err when the system cannot start a thread.
    pub fn new(opts: &IngestOptions) -> Result<Self, String> {
        let (to_builder, batches) = sync_channel::<RecordedCalls>(DEPTH);
        let (give_back, spare) = channel();
        let posts = Arc::new(AtomicUsize::new(0));
        let (opts_b, posts_b) = (opts.clone(), posts.clone());
        let worker = std::thread::Builder::new()
            .name("chorus-build".into())
            .spawn(move || {
                let cpu0 = thread_cpu_secs();
                let mut b = DatasetBuilder::new(opts_b);
                for mut calls in batches {
                    b.apply(&mut calls);
                    posts_b.store(b.n_posts(), Ordering::Relaxed);
                    // The parsing side may be gone (finished): then the batch is simply dropped.
                    let _ = give_back.send(calls);
                }
                let (dataset, reports) = b.finish();
                let builder_cpu_secs = match (cpu0, thread_cpu_secs()) {
                    (Some(a), Some(b)) => Some(b - a),
                    _ => None,
                };
                Built { dataset, reports, builder_cpu_secs }
            })
            .map_err(|e| format!("cannot start the dataset-building thread: {e}"))?;
        Ok(PipelinedBuilder {
            recorder: DatasetBuilder::recording(opts.clone()),
            to_builder: Some(to_builder),
            spare,
            posts,
            worker: Some(worker),
        })
    }

    /// The builder to give the parsers (it records their calls).
    pub fn builder(&mut self) -> &mut DatasetBuilder {
        &mut self.recorder
    }

    /// Posts kept so far by the building thread (it may be a few batches behind).
    pub fn posts(&self) -> usize {
        self.posts.load(Ordering::Relaxed)
    }

    /// Hand the calls recorded so far to the building thread; waits while it is `DEPTH` batches
    /// behind.
    pub fn flush(&mut self) {
        let spare = self.spare.try_recv().unwrap_or_default();
        let batch = self.recorder.take_recorded(spare);
        if batch.is_empty() {
            return;
        }
        if let Some(tx) = &self.to_builder {
            // A send fails only when the building thread is gone (it panicked): `finish` says so.
            if tx.send(batch).is_err() {
                self.to_builder = None;
            }
        }
    }

    /// Flush, let the building thread finish, and return its dataset.
    pub fn finish(mut self) -> Result<Built, String> {
        self.flush();
        self.to_builder = None;
        let worker = self.worker.take().ok_or("the dataset-building thread is gone")?;
        worker.join().map_err(|_| "the dataset-building thread failed".to_string())
    }
}

impl Drop for PipelinedBuilder {
    fn drop(&mut self) {
        // Close the channel first so that the building thread ends, then wait for it.
        self.to_builder = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

/// CPU time of the calling thread in seconds (Linux `/proc/thread-self/schedstat`).
pub fn thread_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}
