//! Peer tools reproduced exactly, so that networks published with them can be checked with Chorus.
//!
//! - [`toolkit`]: coordination-network-toolkit 1.5.2 (QUT Digital Media Research Centre):
//!   `co_retweet`, `co_tweet`, `co_reply`, `co_link`, `co_similar_tweet`, `co_post`, with the
//!   edges, weights and CSV bytes of its `output_gephi_csv`.
//! - [`light`]: the toolkit's CSV read straight into the columns one network needs (the fast
//!   path of `chorus network`).
//!
//! Pure and deterministic like the rest of `core`: sorting and sliding windows, no hash map
//! iteration reaches an output.

pub mod light;
pub mod toolkit;
