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
/// The cargo-nextest installed when none is (the version this machine kind ships).
const CARGO_NEXTEST_VERSION: &str = "0.9.143";
/// Seeds per lab-battery test in the second phase, unless RAFT_SEEDS says otherwise.
const DEFAULT_SEEDS: &str = "3";
const SUMMARY: &str = "docs/mutants.md";
const EQUIVALENT: &str = "docs/mutants-equivalent.md";

/// How cargo-mutants judged one mutant, in the order its lists are read.
const OUTCOMES: [&str; 4] = ["caught", "timeout", "missed", "unviable"];

pub fn mutants(args: &[String]) -> Result<(), StepError> {
    let root = crate::repo_root();
    // --iterate retests only what the last run left undecided (its survivors and any
    // mutant new since), and keeps that run's verdicts for the rest: still the whole
    // crate, so its summary goes to docs/ like a full run's.
    let iterate = args.iter().any(|a| a == "--iterate");
    let extra: Vec<String> = args.iter().filter(|a| *a != "--iterate").cloned().collect();
    let extra = extra.as_slice();
    ensure_cargo_tools()?;
    let out = root.join("target").join("mutants");
    let core_dir = out.join("core");
    let sim_dir = out.join("sim");
    for dir in [&core_dir, &sim_dir] {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    }
    let earlier = if iterate {
        let core = Outcomes::read(&core_dir)?;
        if core.is_empty() {
            return Err(StepError::new(
                "mutants",
                "--iterate needs an earlier run's lists in target/mutants/".to_string(),
            ));
        }
        Some((core, Outcomes::read(&sim_dir)?))
    } else {
        None
    };
    let started = Instant::now();

    crate::announce(
        "mutants",
        if iterate {
            "phase 1: the last run's survivors against the core's tests"
        } else {
            "phase 1: every mutant of crates/raft against the core's tests"
        },
    );
    let mut phase_1 = vec!["--jobs", "2", "--test-package", "raftviz-raft"];
    if iterate {
        phase_1.push("--iterate");
    }
    run_cargo_mutants(&root, &core_dir, "dev", "20", extra, &phase_1, &[])?;
    let mut core = Outcomes::read(&core_dir)?;
    if let Some((earlier_core, _)) = &earlier {
        // Edits since the last run move mutants to new lines, under new names:
        // those were just tested, and the old names are gone.
        let current = list_mutants(&root)?;
        core = earlier_core.updated_by(core, |name| current.contains(name));
        core.write(&core_dir)?;
    }
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
        let earlier_sim = earlier.as_ref().map(|(_, sim)| sim);
        for outcome in ["caught", "timeout", "unviable"] {
            let from_sim = earlier_sim.map(|sim| &sim.lists[outcome]);
            for name in core.lists[outcome]
                .iter()
                .chain(from_sim.into_iter().flatten())
            {
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
            "mutants",
            "60",
            extra,
            &[
                "--jobs",
                "1",
                "--test-package",
                "raftviz-sim",
                "--iterate",
                "--test-tool",
                "nextest",
            ],
            // The retention soaks drive the page's bounded memory for ten virtual
            // hours (half the phase's time per mutant); the core paths they run
            // are the battery's.
            &["-E", "not binary(retention)"],
        )?;
        let mut sim = Outcomes::read(&sim_dir)?;
        if let Some(earlier_sim) = earlier_sim {
            let undecided = &core.lists["missed"];
            sim = earlier_sim.updated_by(sim, |name| undecided.iter().any(|m| m == name));
            sim.write(&sim_dir)?;
        }
        Some((seeds, sim))
    };

    let equivalent = read_equivalent(&root.join(EQUIVALENT))?;
    let summary = summarize(
        &core,
        sim.as_ref(),
        &equivalent,
        after_core,
        started.elapsed(),
        iterate,
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

/// Installs cargo-mutants at the version this summary format was written for, and
/// cargo-nextest (phase 2's test runner; any version will do) when missing.
fn ensure_cargo_tools() -> Result<(), StepError> {
    ensure_cargo_tool("cargo-mutants", "mutants", CARGO_MUTANTS_VERSION, true)?;
    ensure_cargo_tool("cargo-nextest", "nextest", CARGO_NEXTEST_VERSION, false)
}

fn ensure_cargo_tool(
    package: &str,
    subcommand: &str,
    version: &str,
    exact: bool,
) -> Result<(), StepError> {
    println!("==> [tools] {package} {version}");
    let found = probe_output(Command::new("cargo").args([subcommand, "--version"]));
    match crate::tools::version_word(found.as_deref()) {
        Some(installed) if installed == version || !exact => {
            println!("    {package} {installed}: installed");
            return Ok(());
        }
        _ => {}
    }
    crate::process::run_step(
        "tools",
        Command::new("cargo").args(["install", "--locked", package, "--version", version]),
    )
}

/// One cargo-mutants run over crates/raft at low priority (the machine is shared).
/// Phase 1 builds unoptimised: the core rebuilds in a third of the time opt-level 1
/// takes and its tests still take a second; the simulator's tests need the `mutants`
/// profile (see Cargo.toml). Phase 1's tests run on one core, so two mutants build
/// and test side by side; phase 2's run on both through nextest. A mutant that makes
/// a test loop is a timeout after `timeout` seconds at least, or five times the
/// unmutated tests' time (phase 1's take a second, phase 2's about fifteen).
/// cargo-mutants exits non-zero when a mutant survives, which is a finding here, not a
/// failure; its lists decide. `test_args` go to the test tool.
fn run_cargo_mutants(
    root: &Path,
    out: &Path,
    profile: &str,
    timeout: &str,
    extra: &[String],
    phase: &[&str],
    test_args: &[&str],
) -> Result<(), StepError> {
    let mut command = Command::new("nice");
    command
        .args(["-n", "10", "cargo", "mutants", "--package", "raftviz-raft"])
        .args(["--profile", profile, "--no-shuffle"])
        .args(["--minimum-test-timeout", timeout, "--build-timeout", "900"])
        .arg("--output")
        .arg(out)
        .args(phase)
        .args(extra)
        .arg("--")
        .args(test_args)
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

    fn is_empty(&self) -> bool {
        self.lists.values().all(Vec::is_empty)
    }

    /// These verdicts, with every mutant `newer` retested replaced by its new verdict,
    /// restricted to the mutants `keep` names (those of the crate as it is now; in
    /// phase 2, those phase 1 missed).
    fn updated_by(&self, newer: Outcomes, keep: impl Fn(&str) -> bool) -> Outcomes {
        let retested: std::collections::BTreeSet<&String> =
            newer.lists.values().flatten().collect();
        let mut lists = BTreeMap::new();
        for outcome in OUTCOMES {
            let kept = self.lists[outcome]
                .iter()
                .filter(|name| !retested.contains(name));
            let merged: Vec<String> = kept
                .chain(&newer.lists[outcome])
                .filter(|name| keep(name))
                .cloned()
                .collect();
            lists.insert(outcome, merged);
        }
        Outcomes { lists }
    }

    /// Writes the lists where cargo-mutants keeps them, so that the next --iterate
    /// reads these verdicts.
    fn write(&self, dir: &Path) -> Result<(), StepError> {
        for outcome in OUTCOMES {
            let path = dir.join("mutants.out").join(format!("{outcome}.txt"));
            let mut text = self.lists[outcome].join("\n");
            if !text.is_empty() {
                text.push('\n');
            }
            std::fs::write(&path, text).map_err(|e| io_error(&path, e))?;
        }
        Ok(())
    }
}

/// Every mutant of crates/raft as the tree stands, by cargo-mutants' name.
fn list_mutants(root: &Path) -> Result<std::collections::BTreeSet<String>, StepError> {
    let listed = probe_output(
        Command::new("cargo")
            .args(["mutants", "--list", "--package", "raftviz-raft"])
            .current_dir(root),
    )
    .ok_or_else(|| StepError::new("mutants", "`cargo mutants --list` failed".to_string()))?;
    Ok(listed.lines().map(str::to_string).collect())
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
    iterate: bool,
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
    if iterate {
        doc.push_str(
            "This run (`--iterate`) retested the previous run's survivors and kept its \
             other verdicts; the times are this run's.\n",
        );
    }
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
