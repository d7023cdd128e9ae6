//! `chorus eval --truth truth.csv --accounts accounts.csv [--json]`: score an analysis's
//! accounts.csv against a ground truth written by `chorus synth`.
use crate::core::synth::eval;
use std::io::Write;
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
            let text = if json {
                match serde_json::to_string_pretty(&report) {
                    Ok(s) => s + "\n",
                    Err(e) => {
                        eprintln!("chorus eval: {e}");
                        return 1;
                    }
                }
            } else {
                report.to_text()
            };
            // a closed pipe (`| head`) is not an error worth a panic
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            0
        }
        Err(e) => {
            eprintln!("chorus eval: {e}");
            1
        }
    }
}
