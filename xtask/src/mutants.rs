//! `cargo xtask mutants`: mutation testing of the Raft core with cargo-mutants, in
//! two phases. The core's own tests (seconds per mutant) run on every mutant; the
//! simulator's tests, with the lab battery at a few seeds, then run only on the
//! mutants the core's tests missed. The summary, per file, goes to docs/mutants.md,
//! and the survivors docs/mutants-equivalent.md explains are marked as equivalent.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::process::{probe_output, StepError};

const CARGO_MUTANTS_VERSION: &str = "27.1.0";
/// Seeds per lab-battery test in the second phase, unless RAFT_SEEDS says otherwise.
const DEFAULT_SEEDS: &str = "3";
const SUMMARY: &str = "docs/mutants.md";
const EQUIVALENT: &str = "docs/mutants-equivalent.md";

/// How cargo-mutants judged one mutant, in the order its lists are read.
const OUTCOMES: [&str; 4] = ["caught", "timeout", "missed", "unviable"];

pub fn mutants(extra: &[String]) -> Result<(), StepError> {
    let root = crate::repo_root();
    ensure_cargo_mutants()?;
    let out = root.join("target").join("mutants");
    let core_dir = out.join("core");
    let sim_dir = out.join("sim");
    let started = Instant::now();

    crate::announce(
        "mutants",
        "phase 1: every mutant of crates/raft against the core's tests",
    );
    run_cargo_mutants(&root, &core_dir, extra, &["--test-package", "raftviz-raft"])?;
    let core = Outcomes::read(&core_dir)?;
    let after_core = started.elapsed();

    let sim = if core.lists["missed"].is_empty() {
        None
    } else {
        let seeds = std::env::var("RAFT_SEEDS").unwrap_or_else(|_| DEFAULT_SEEDS.to_string());
        crate::announce(
            "mutants",
            &format!(
                "phase 2: the {} survivors against the simulator's tests (RAFT_SEEDS={seeds})",
                core.lists["missed"].len()
            ),
        );
        // --iterate skips what the output directory lists as already decided:
        // everything phase 1 did not miss.
        let decided = sim_dir.join("mutants.out");
        std::fs::create_dir_all(&decided).map_err(|e| io_error(&decided, e))?;
        let _ = std::fs::remove_file(decided.join("caught.txt"));
        let _ = std::fs::remove_file(decided.join("unviable.txt"));
        let mut lines = String::new();
        for outcome in ["caught", "timeout", "unviable"] {
            for name in &core.lists[outcome] {
                lines.push_str(name);
                lines.push('\n');
            }
        }
        let previously = decided.join("previously_caught.txt");
        std::fs::write(&previously, lines).map_err(|e| io_error(&previously, e))?;
        std::env::set_var("RAFT_SEEDS", &seeds);
        run_cargo_mutants(
            &root,
            &sim_dir,
            extra,
            &["--test-package", "raftviz-sim", "--iterate"],
        )?;
        Some((seeds, Outcomes::read(&sim_dir)?))
    };

    let equivalent = read_equivalent(&root.join(EQUIVALENT))?;
    let summary = summarize(
        &core,
        sim.as_ref(),
        &equivalent,
        after_core,
        started.elapsed(),
    );
    // A run narrowed by extra arguments (--file, --re, …) covers part of the crate:
    // its summary stays out of docs/.
    let shown = if extra.is_empty() {
        SUMMARY.to_string()
    } else {
        "target/mutants/summary.md".to_string()
    };
    let path = root.join(&shown);
    std::fs::write(&path, &summary).map_err(|e| io_error(&path, e))?;
    println!("\n{summary}");
    println!("xtask mutants: summary written to {shown}");
    Ok(())
}

fn ensure_cargo_mutants() -> Result<(), StepError> {
    println!("==> [tools] cargo-mutants {CARGO_MUTANTS_VERSION}");
    let found = probe_output(Command::new("cargo").args(["mutants", "--version"]));
    if crate::tools::version_word(found.as_deref()) == Some(CARGO_MUTANTS_VERSION) {
        println!("    cargo-mutants {CARGO_MUTANTS_VERSION}: installed");
        return Ok(());
    }
    crate::process::run_step(
        "tools",
        Command::new("cargo").args([
            "install",
            "--locked",
            "cargo-mutants",
            "--version",
            CARGO_MUTANTS_VERSION,
        ]),
    )
}

/// One cargo-mutants run over crates/raft, one mutant at a time at low priority (the
/// machine is shared), built with the `mutants` profile: optimised like the test
/// step, incremental so each mutant rebuilds only what it touched, and with the
/// overflow checks a plain `cargo test` has. cargo-mutants exits non-zero when a
/// mutant survives, which is a finding here, not a failure; its lists decide.
fn run_cargo_mutants(
    root: &Path,
    out: &Path,
    extra: &[String],
    phase: &[&str],
) -> Result<(), StepError> {
    let mut command = Command::new("nice");
    command
        .args(["-n", "10", "cargo", "mutants", "--package", "raftviz-raft"])
        .args(["--jobs", "1", "--profile", "mutants", "--no-shuffle"])
        .args(["--minimum-test-timeout", "60", "--build-timeout", "900"])
        .arg("--output")
        .arg(out)
        .args(phase)
        .args(extra)
        .current_dir(root);
    let shown = format!("{command:?}");
    println!("    $ {shown}");
    let status = command
        .status()
        .map_err(|e| StepError::new("mutants", format!("could not start cargo mutants: {e}")))?;
    // 0: all caught; 2: some missed; 3: some timed out. Anything else is a broken run
    // (4: the unmutated tree fails its tests).
    match status.code() {
        Some(0 | 2 | 3) => Ok(()),
        _ => Err(StepError::new(
            "mutants",
            format!("`{shown}` exited with {status}"),
        )),
    }
}

/// The mutants of one run, by outcome, as cargo-mutants lists them
/// (`path:line:column: description`).
struct Outcomes {
    lists: BTreeMap<&'static str, Vec<String>>,
}

impl Outcomes {
    fn read(dir: &Path) -> Result<Outcomes, StepError> {
        let mut lists = BTreeMap::new();
        for outcome in OUTCOMES {
            let path = dir.join("mutants.out").join(format!("{outcome}.txt"));
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => return Err(io_error(&path, e)),
            };
            lists.insert(outcome, text.lines().map(str::to_string).collect());
        }
        Ok(Outcomes { lists })
    }
}

/// `crates/raft/src/log.rs:45:9: replace … with …` -> (`crates/raft/src/log.rs`,
/// `replace … with …`): line numbers move with every edit, so survivors are
/// matched to their explanations by file and description.
fn file_and_description(name: &str) -> (&str, &str) {
    let mut parts = name.splitn(4, ':');
    let file = parts.next().unwrap_or(name);
    let description = parts.nth(2).map_or(name, str::trim);
    (file, description)
}

/// The survivors docs/mutants-equivalent.md explains: lines of the form
/// "- `path: description` — reason".
fn read_equivalent(path: &Path) -> Result<BTreeMap<(String, String), String>, StepError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io_error(path, e)),
    };
    let mut explained = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("- `") else {
            continue;
        };
        let Some((name, reason)) = rest.split_once('`') else {
            continue;
        };
        let Some((file, description)) = name.split_once(": ") else {
            continue;
        };
        let reason = reason.trim_start_matches([' ', '—', '-']).trim();
        explained.insert(
            (file.to_string(), description.to_string()),
            reason.to_string(),
        );
    }
    Ok(explained)
}

#[derive(Default)]
struct Counts {
    caught: usize,
    timeout: usize,
    missed: usize,
    equivalent: usize,
    unviable: usize,
}

impl Counts {
    fn viable(&self) -> usize {
        self.caught + self.timeout + self.missed
    }

    /// Caught ÷ viable, timeouts counted as caught, in whole percent rounded down.
    fn score(&self) -> usize {
        (self.caught + self.timeout) * 100 / self.viable().max(1)
    }

    fn row(&self, label: &str) -> String {
        format!(
            "| {label} | {} | {} | {} | {} | {} | {} % |\n",
            self.caught,
            self.timeout,
            self.missed,
            self.equivalent,
            self.unviable,
            self.score()
        )
    }
}

fn summarize(
    core: &Outcomes,
    sim: Option<&(String, Outcomes)>,
    equivalent: &BTreeMap<(String, String), String>,
    core_time: std::time::Duration,
    total_time: std::time::Duration,
) -> String {
    let mut per_file: BTreeMap<String, Counts> = BTreeMap::new();
    let mut total = Counts::default();
    let mut by_core = Counts::default();
    let mut survivors = Vec::new();
    let mut count = |name: &str, outcome: &str, per_file: &mut BTreeMap<String, Counts>| {
        let (file, description) = file_and_description(name);
        let counts = per_file.entry(file.to_string()).or_default();
        for c in [counts, &mut total] {
            match outcome {
                "caught" => c.caught += 1,
                "timeout" => c.timeout += 1,
                "missed" => c.missed += 1,
                _ => c.unviable += 1,
            }
        }
        if outcome == "missed" {
            let key = (file.to_string(), description.to_string());
            if equivalent.contains_key(&key) {
                if let Some(counts) = per_file.get_mut(file) {
                    counts.equivalent += 1;
                }
                total.equivalent += 1;
            } else {
                survivors.push(name.to_string());
            }
        }
    };
    for outcome in OUTCOMES {
        for name in &core.lists[outcome] {
            let decided_later = outcome == "missed" && sim.is_some();
            if !decided_later {
                count(name, outcome, &mut per_file);
            }
        }
    }
    if let Some((_, sim)) = sim {
        for outcome in OUTCOMES {
            for name in &sim.lists[outcome] {
                count(name, outcome, &mut per_file);
            }
        }
    }
    for outcome in OUTCOMES {
        for _ in &core.lists[outcome] {
            match outcome {
                "caught" => by_core.caught += 1,
                "timeout" => by_core.timeout += 1,
                "missed" => by_core.missed += 1,
                _ => by_core.unviable += 1,
            }
        }
    }

    let mut doc = String::new();
    doc.push_str("# Mutation testing of the Raft core\n\n");
    doc.push_str(
        "Written by `cargo xtask mutants` (cargo-mutants on crates/raft; do not edit by \
         hand). Phase 1 runs the core's own tests on every mutant; phase 2 runs the \
         simulator's tests, lab battery included, on the mutants phase 1 missed. Score = \
         caught ÷ viable, timeouts counted as caught. Survivors explained as equivalent \
         (no behaviour change) are in [mutants-equivalent.md](mutants-equivalent.md); \
         they still count as missed in the score.\n\n",
    );
    let _ = writeln!(doc, "mutation score {} %\n", total.score());
    let detectable = Counts {
        caught: total.caught,
        timeout: total.timeout,
        missed: total.missed - total.equivalent,
        ..Counts::default()
    };
    let _ = writeln!(
        doc,
        "Setting the {} explained equivalents aside: {} %.\n",
        total.equivalent,
        detectable.score()
    );
    let _ = writeln!(
        doc,
        "Phase 1 (core tests): {} caught, {} timeout, {} missed, {} unviable ({} %), {} s.",
        by_core.caught,
        by_core.timeout,
        by_core.missed,
        by_core.unviable,
        by_core.score(),
        core_time.as_secs()
    );
    match sim {
        Some((seeds, _)) => {
            let _ = writeln!(
                doc,
                "Phase 2 (simulator tests, RAFT_SEEDS={seeds}) on phase 1's survivors; \
                 both phases {} s.\n",
                total_time.as_secs()
            );
        }
        None => doc.push_str("Phase 2 had no survivors to run on.\n\n"),
    }
    doc.push_str("| file | caught | timeout | missed | of which equivalent | unviable | score |\n");
    doc.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (file, counts) in &per_file {
        doc.push_str(&counts.row(&format!("`{file}`")));
    }
    doc.push_str(&total.row("**all**"));
    doc.push_str("\n## Survivors not yet explained\n\n");
    if survivors.is_empty() {
        doc.push_str("None: every survivor is explained in mutants-equivalent.md.\n");
    }
    for name in survivors {
        let _ = writeln!(doc, "- `{name}`");
    }
    doc
}

fn io_error(path: &Path, error: std::io::Error) -> StepError {
    StepError::new(
        "mutants",
        format!("{}: {error}", PathBuf::from(path).display()),
    )
}
