//! `chorus synth --scenario NAME --seed S [--scale N] [--rows time|archive] --out DIR`: write a
//! synthetic IO archive (tweets and users files) with its ground truth.
use crate::core::synth;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// Writes one output file.
type Writer = fn(&synth::SynthOutput, synth::RowOrder, BufWriter<File>) -> std::io::Result<()>;

pub fn run(scenario: &str, seed: u64, scale: f64, out: &Path, rows: &str) -> i32 {
    if !(scale > 0.0 && scale.is_finite()) {
        eprintln!("chorus synth: --scale must be a positive number, got {scale}");
        return 2;
    }
    let Some(order) = synth::RowOrder::parse(rows) else {
        eprintln!("chorus synth: --rows must be `time` or `archive`, got `{rows}`");
        return 2;
    };
    let Some(params) = synth::scenario(scenario, seed, scale) else {
        let names: Vec<&str> = synth::scenarios().iter().map(|s| s.name).chain(["demo"]).collect();
        eprintln!("chorus synth: unknown scenario `{scenario}`; known: {}", names.join(", "));
        return 2;
    };
    let data = match synth::generate(&params) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("chorus synth: {e}");
            return 2;
        }
    };
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("chorus synth: cannot create {}: {e}", out.display());
        return 1;
    }
    let stem = format!("synth_{scenario}_{seed}");
    let files: [(String, Writer); 3] = [
        (format!("{stem}_tweets_csv_hashed.csv"), |d, o, w| synth::write_tweets_in(d, o, w)),
        (format!("{stem}_users_csv_hashed.csv"), |d, _, w| synth::write_users(d, w)),
        (format!("{stem}_truth.csv"), |d, _, w| synth::write_truth(d, w)),
    ];
    for (name, write) in files {
        let path = out.join(&name);
        let res = File::create(&path).and_then(|f| write(&data, order, BufWriter::with_capacity(1 << 20, f)));
        if let Err(e) = res {
            eprintln!("chorus synth: cannot write {}: {e}", path.display());
            return 1;
        }
        println!("wrote {}", path.display());
    }
    for (k, name) in data.operation_names.iter().enumerate() {
        let members = |role| data.accounts.iter().filter(|a| a.operation == Some(k as u16) && a.role == role).count();
        let posts = data.posts.iter().filter(|p| data.accounts[p.account as usize].operation == Some(k as u16)).count();
        println!(
            "operation {name}: {} core, {} amplifiers, {posts} posts",
            members(synth::TruthRole::Core),
            members(synth::TruthRole::Amplifier)
        );
    }
    let (c, a, o) = data.role_counts();
    println!(
        "{} posts, {} accounts ({c} core, {a} amplifiers, {o} organic), {} operations",
        data.posts.len(),
        data.accounts.len(),
        data.operation_names.len()
    );
    0
}
