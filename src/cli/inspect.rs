//! `chorus inspect FILE…`: read files and print what was read.
use std::path::PathBuf;

pub fn run(files: &[PathBuf]) -> i32 {
    use crate::core::ingest::{DatasetBuilder, FileIngest, IngestOptions};
    use std::io::Read;
    let opts = IngestOptions::default();
    let mut b = DatasetBuilder::new(opts.clone());
    for path in files {
        let name = path.display().to_string();
        let mut f = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("chorus: cannot open {name}: {e}");
                return 1;
            }
        };
        let mut ing = FileIngest::new(&name, &opts, &mut b);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => ing.feed(&buf[..n], &mut b),
                Err(e) => {
                    eprintln!("chorus: error reading {name}: {e}");
                    return 1;
                }
            }
        }
        ing.finish(&mut b);
    }
    let (ds, reports) = b.finish();
    for r in &reports {
        println!("{}: {} bytes, {} records ({} kept, {} duplicates, {} rejected)", r.name, r.bytes, r.records_read, r.records_kept, r.duplicates, r.records_rejected);
    }
    println!("{} posts, {} accounts", ds.n_posts(), ds.n_accounts());
    0
}
