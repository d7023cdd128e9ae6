//! `chorus eval --truth truth.csv --accounts accounts.csv [--json]`: score an analysis's
//! accounts.csv against a ground truth written by `chorus synth`.
use crate::core::synth::eval;
use std::path::Path;

pub fn run(truth: &Path, accounts: &Path, json: bool) -> i32 {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let result = read(truth)
        .and_then(|t| eval::parse_truth_csv(&t).map_err(|e| format!("{}: {e}", truth.display())))
        .and_then(|t| {
            let a = read(accounts)?;
            let p = eval::parse_roles_csv(&a).map_err(|e| format!("{}: {e}", accounts.display()))?;
            Ok(eval::evaluate(&t, &p))
        });
    match result {
        Ok(report) => {
            if json {
                match serde_json::to_string_pretty(&report) {
                    Ok(s) => println!("{s}"),
                    Err(e) => {
                        eprintln!("chorus eval: {e}");
                        return 1;
                    }
                }
            } else {
                print!("{}", report.to_text());
            }
            0
        }
        Err(e) => {
            eprintln!("chorus eval: {e}");
            1
        }
    }
}
