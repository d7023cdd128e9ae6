//! `chorus link A… -- B… [-- C…] --out DIR [--names a,b,c]`: read each group of files as one
//! dataset, analyze each, link them and write links.csv, link_accounts.csv, overlap.csv,
//! joint.gexf, joint.graphml and link_report.json.
use super::input::read_inputs;
use crate::core::detect::{self, DetectParams};
use crate::core::ingest::IngestOptions;
use crate::core::link::{self, export as lx, LinkParams};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug, Clone)]
pub struct LinkArgs {
    /// Files of each dataset, groups separated by `--`, e.g. `a1.csv a2.csv -- b.csv`; the options
    /// --out DIR, --names a,b, --quiet, --all-accounts (count the content of every account, not
    /// only of flagged ones: for takedown archives) and --param NAME=VALUE (a detection parameter
    /// for every dataset, as in `chorus analyze`; repeatable) may come anywhere
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0.., value_name = "FILES")]
    pub args: Vec<String>,
}

/// The validated command line.
#[derive(Debug)]
struct Plan {
    groups: Vec<Vec<PathBuf>>,
    names: Vec<String>,
    out: PathBuf,
    quiet: bool,
    all_accounts: bool,
    /// Detection parameters for every dataset (`--param`, else the defaults).
    detect: DetectParams,
}

fn plan(args: &[String]) -> Result<Plan, String> {
    let mut groups: Vec<Vec<PathBuf>> = vec![Vec::new()];
    let (mut out, mut names, mut quiet, mut all_accounts) = (None, None, false, false);
    let mut settings = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--" => groups.push(Vec::new()),
            "--out" | "-o" => out = Some(it.next().ok_or("--out needs a directory")?.clone()),
            "--names" => names = Some(it.next().ok_or("--names needs a comma-separated list")?.clone()),
            "--quiet" | "-q" => quiet = true,
            "--all-accounts" => all_accounts = true,
            "--param" => settings.push(it.next().ok_or("--param needs NAME=VALUE, e.g. resolution=1.2")?.clone()),
            s if s.starts_with("--param=") => settings.push(s["--param=".len()..].to_string()),
            s if s.starts_with("--out=") => out = Some(s["--out=".len()..].to_string()),
            s if s.starts_with("--names=") => names = Some(s["--names=".len()..].to_string()),
            s if s.starts_with("--") => return Err(format!("unknown option `{s}`")),
            s => groups.last_mut().map_or((), |g| g.push(PathBuf::from(s))),
        }
    }
    groups.retain(|g| !g.is_empty());
    if groups.len() < 2 {
        return Err("give at least two datasets: FILES… -- FILES… (groups separated by `--`)".into());
    }
    let out = PathBuf::from(out.ok_or("--out DIR is required")?);
    let names: Vec<String> = match names {
        Some(n) => {
            let v: Vec<String> = n.split(',').map(|s| s.trim().to_string()).collect();
            if v.len() != groups.len() || v.iter().any(|s| s.is_empty()) {
                return Err(format!("--names gives {} names for {} datasets", v.len(), groups.len()));
            }
            v
        }
        None => groups
            .iter()
            .map(|g| g[0].file_stem().map_or_else(|| g[0].display().to_string(), |s| s.to_string_lossy().into_owned()))
            .collect(),
    };
    let mut seen = names.clone();
    seen.sort();
    seen.dedup();
    if seen.len() != names.len() {
        return Err(format!("dataset names must differ, got {}; give --names", names.join(", ")));
    }
    let detect = if settings.is_empty() {
        DetectParams::default()
    } else {
        super::analyze::set_params(DetectParams::default(), &settings)?
    };
    Ok(Plan { groups, names, out, quiet, all_accounts, detect })
}

pub fn run(args: &LinkArgs) -> i32 {
    let plan = match plan(&args.args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("chorus link: {e}");
            return 2;
        }
    };
    match run_plan(&plan) {
        Ok(summary) => {
            print!("{summary}");
            0
        }
        Err(e) => {
            eprintln!("chorus link: {e}");
            1
        }
    }
}

fn run_plan(plan: &Plan) -> Result<String, String> {
    let opts = IngestOptions::default();
    let mut read = Vec::new();
    for (name, files) in plan.names.iter().zip(&plan.groups) {
        if !plan.quiet {
            eprintln!("chorus link: reading {name} ({} files)", files.len());
        }
        let inputs = read_inputs(files, &opts)?;
        if inputs.dataset.n_posts() == 0 {
            return Err(format!("no posts were read for dataset {name} (`chorus inspect` shows why)"));
        }
        read.push(inputs);
    }
    let detect_params = &plan.detect;
    let mut analyses = Vec::new();
    for (name, inputs) in plan.names.iter().zip(&read) {
        if !plan.quiet {
            eprintln!("chorus link: analysing {name}");
        }
        let an = detect::analyze(&inputs.dataset, detect_params, &mut |_, _| {}, &|| false)
            .map_err(|e| format!("analysis of {name} stopped: {e}"))?;
        analyses.push(an);
    }
    let inputs: Vec<link::Input<'_>> =
        plan.names.iter().zip(&read).zip(&analyses).map(|((n, i), an)| (n.as_str(), &i.dataset, an)).collect();
    let params = LinkParams { content_from_all_accounts: plan.all_accounts, ..LinkParams::default() };
    let result = link::link(&inputs, &params);
    let files: Vec<_> = read.iter().map(|i| i.fingerprints.clone()).collect();
    std::fs::create_dir_all(&plan.out).map_err(|e| format!("cannot create {}: {e}", plan.out.display()))?;
    for f in lx::export_link_all(&inputs, &result, &files, detect_params).map_err(|e| e.to_string())? {
        write_file(&plan.out.join(f.name), &f.bytes)?;
    }
    let mut s = String::new();
    for l in result.links.iter().filter(|l| l.cluster_a == crate::core::model::NONE) {
        s.push_str(&format!(
            "{} – {}: strength {:.1}, normalised {:.2}{}\n",
            plan.names[l.dataset_a as usize],
            plan.names[l.dataset_b as usize],
            l.strength,
            l.normalised,
            if l.linked { " (linked)" } else { "" }
        ));
        for e in l.evidence.iter().take(4) {
            s.push_str(&format!("  {e}\n"));
        }
    }
    let re = result.accounts.iter().filter(|t| t.re_emergent).count();
    s.push_str(&format!("{} account ties, {re} re-emergent; files in {}\n", result.accounts.len(), plan.out.display()));
    Ok(s)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::plan;

    fn args(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn groups_names_and_options() {
        let p = plan(&args("a1.csv a2.csv -- b.csv --out dir -- c.json --names x,y,z")).unwrap();
        assert_eq!(p.groups.len(), 3);
        assert_eq!(p.groups[0].len(), 2);
        assert_eq!(p.names, vec!["x", "y", "z"]);
        assert_eq!(p.out.to_str(), Some("dir"));
        assert!(!p.all_accounts);
        assert!(plan(&args("a -- b --out d --all-accounts")).unwrap().all_accounts);
        let p = plan(&args("dump2019.csv -- dump2020.csv --out d")).unwrap();
        assert_eq!(p.names, vec!["dump2019", "dump2020"]);
        assert_eq!(p.detect, crate::core::detect::DetectParams::default());
        let p = plan(&args("a -- b --param min_repetitions=4 --out d --param=resolution=1.5")).unwrap();
        assert_eq!((p.detect.min_repetitions, p.detect.resolution), (4, 1.5));
    }

    #[test]
    fn bad_command_lines() {
        assert!(plan(&args("a.csv --out d")).unwrap_err().contains("at least two"));
        assert!(plan(&args("a.csv -- b.csv")).unwrap_err().contains("--out"));
        assert!(plan(&args("a.csv -- b.csv --out d --names x")).unwrap_err().contains("names"));
        assert!(plan(&args("x/a.csv -- y/a.csv --out d")).unwrap_err().contains("differ"));
        assert!(plan(&args("a.csv -- b.csv --out d --bogus")).unwrap_err().contains("bogus"));
        assert!(plan(&args("a -- b --out d --param bogus=1")).unwrap_err().contains("unknown parameter \"bogus\""));
        assert!(plan(&args("a -- b --out d --param")).unwrap_err().contains("NAME=VALUE"));
    }
}
