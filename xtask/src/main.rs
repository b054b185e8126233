//! `cargo xtask <serve|test|bench>`: the one entry point for building, serving and
//! testing raftviz, so a fresh machine and CI run exactly the same steps.

mod bench_report;
mod browser;
mod mutants;
mod process;
mod size;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use browser::BrowserBench;
use process::{run_step, run_step_captured, StepError};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  serve          install missing tools, build the web app and serve it on http://127.0.0.1:8080
  test [STEP..]  run every test (or only the named steps: unit, nostd, web, size, browser)
  bench [ARGS..] run the simulator and core-vs-raft-rs benchmarks, print one table and
                 rewrite its section of docs/performance.md (extra ARGS go to each `cargo bench`)
  bench browser [--long | --frames] [--raftscope DIR]
                 build the page (release) and measure it in headless Chromium;
                 --long runs the memory sessions for 10 and 5 minutes, not 1 and 1;
                 --frames measures only the frame runs (a minute and a half);
                 --raftscope measures RaftScope's page in DIR (a checkout of
                 github.com/ongardie/raftscope with its submodules) beside raftviz's
  profile-split  rebuild the page instrumented, walk the lecture path in headless Chromium
                 and rewrite crates/web/hot_functions.txt, the functions the page opens
                 with (the rest loads on first use; run it when tests/split.test.mjs
                 says the lecture path needs the cold code)
  mutants [ARGS] cargo-mutants on crates/raft: the core's tests on every mutant, then the
                 simulator's tests (battery at RAFT_SEEDS, default 3) on the survivors;
                 writes docs/mutants.md (extra ARGS, e.g. --file or --re, go to cargo
                 mutants and keep the summary in target/mutants/)
  explore [ARGS] seed explorer: --seeds N --faults <preset>|all [--first-seed S] [--faulty-commit]
                 [--membership-bug] (presets: gentle drops duplication reordering partitions
                  one-way snapshot-crashes clock-skew lease-reads membership nasty)";

/// Gzipped .wasm + .js the browser loads when the page opens must stay under this
/// (issue 10's 200 KiB; the code the lecture path never runs loads on first use and is
/// listed apart, see docs/performance.md).
const SIZE_BUDGET_BYTES: u64 = 200 * 1024;

/// The steps of `cargo xtask test`, in the order they run.
const TEST_STEPS: [&str; 5] = ["unit", "nostd", "web", "size", "browser"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(),
        Some("test") => test(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("explore") => explore(&args[1..]),
        Some("mutants") => mutants::mutants(&args[1..]),
        Some("profile-split") => profile_split(),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!(
                "\nxtask: FAILED at step `{}`: {}",
                error.step, error.message
            );
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask lives one level below it.
pub(crate) fn repo_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .expect("xtask sits inside the workspace")
        .to_path_buf()
}

fn serve() -> Result<(), StepError> {
    let root = repo_root();
    tools::ensure_tools(&root)?;
    println!("\n==> serving on http://127.0.0.1:8080 (Ctrl-C to stop)");
    run_step(
        "serve",
        &mut tools::trunk(
            &root,
            &[
                "serve",
                "--release",
                "--offline",
                "--address",
                "127.0.0.1",
                "--port",
                "8080",
            ],
        ),
    )
}

/// An instrumented build (finish_page.mjs instruments instead of splitting when
/// RAFTVIZ_PROFILE is set) in its own folder, so dist/ keeps the real page.
fn profile_split() -> Result<(), StepError> {
    let root = repo_root();
    tools::ensure_tools(&root)?;
    browser::ensure_browser()?;
    let dist = root.join("target").join("profile-dist");
    let dist_arg = dist.to_string_lossy().into_owned();
    announce("profile-split", "instrumented page build");
    run_step(
        "profile-split",
        tools::trunk(
            &root,
            &["build", "--release", "--offline", "--dist", &dist_arg],
        )
        .env("RAFTVIZ_PROFILE", "1"),
    )?;
    announce("profile-split", "the lecture path in headless Chromium");
    run_step(
        "profile-split",
        Command::new("node")
            .arg("profile_split.mjs")
            .arg(&dist)
            .arg(root.join("crates").join("web").join("hot_functions.txt"))
            .current_dir(root.join(browser::E2E_DIR)),
    )?;
    println!("\nrebuild the page (cargo xtask test web) to split it by the new list");
    Ok(())
}

fn test(requested: &[String]) -> Result<(), StepError> {
    for name in requested {
        if !TEST_STEPS.contains(&name.as_str()) {
            return Err(StepError::new(
                "test",
                format!("unknown step `{name}`\n{USAGE}"),
            ));
        }
    }
    let wanted = |step: &str| requested.is_empty() || requested.iter().any(|r| r == step);
    let root = repo_root();
    if let Ok(seeds) = std::env::var("RAFT_SEEDS") {
        println!("==> RAFT_SEEDS={seeds} (passed through to the simulator battery)");
    }

    tools::ensure_tools(&root)?;
    if wanted("browser") {
        browser::ensure_browser()?;
    }

    let mut passed = Vec::new();
    if wanted("unit") {
        // Release mode: the simulator battery runs many seeded clusters and is far
        // too slow unoptimised. The bench crate holds no tests, only a benchmark
        // whose raft-rs dependency would add minutes of compiling.
        announce("unit", "unit tests and simulator battery");
        run_step(
            "unit",
            Command::new("cargo")
                .args([
                    "test",
                    "--workspace",
                    "--exclude",
                    "raftviz-web",
                    "--exclude",
                    "raftviz-bench",
                    "--release",
                ])
                .current_dir(&root),
        )?;
        passed.push("unit");
    }
    if wanted("nostd") {
        // A bare-metal target has no std at all, so this build proves the core is no_std.
        announce("nostd", "raft core builds for thumbv7em-none-eabihf");
        run_step(
            "nostd",
            Command::new("cargo")
                .args(["build", "-p", "raftviz-raft", "--release"])
                .args(["--target", "thumbv7em-none-eabihf"])
                .current_dir(&root),
        )?;
        passed.push("nostd");
    }
    if wanted("web") {
        announce("web", "trunk build of crates/web into dist/");
        run_step(
            "web",
            &mut tools::trunk(&root, &["build", "--release", "--offline"]),
        )?;
        passed.push("web");
    }
    if wanted("size") {
        announce("size", "gzip -9 size of dist/*.wasm + dist/*.js");
        let total = size::gzipped_bundle_size(&root.join("dist"))?;
        println!("    total gzipped: {total} bytes (budget {SIZE_BUDGET_BYTES})");
        size::report_language_files(&root.join("dist"))?;
        if total > SIZE_BUDGET_BYTES {
            return Err(StepError::new(
                "size",
                format!(
                    "bundle is {total} bytes gzipped, over the {SIZE_BUDGET_BYTES}-byte budget"
                ),
            ));
        }
        passed.push("size");
    }
    if wanted("browser") {
        announce("browser", "headless Chromium tests over dist/");
        browser::run_browser_tests(&root)?;
        passed.push("browser");
    }

    println!(
        "\nxtask test: all requested steps passed ({})",
        passed.join(", ")
    );
    println!("steps: {} passed, 0 failed", passed.len());
    Ok(())
}

/// The seed explorer runs in release mode: it simulates millions of events.
fn explore(args: &[String]) -> Result<(), StepError> {
    announce("explore", "random fault schedules over many seeds");
    run_step(
        "explore",
        Command::new("cargo")
            .args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "raftviz-sim",
                "--features",
                "explorer",
            ])
            .args(["--bin", "explore", "--"])
            .args(args)
            .current_dir(repo_root()),
    )
}

fn bench(extra: &[String]) -> Result<(), StepError> {
    if extra.first().map(String::as_str) == Some("browser") {
        let flag = |name: &str| extra[1..].iter().any(|arg| arg == name);
        let only = if flag("--frames") {
            BrowserBench::FramesOnly
        } else if flag("--long") {
            BrowserBench::Long
        } else {
            BrowserBench::Full
        };
        let raftscope = match extra.iter().position(|arg| arg == "--raftscope") {
            None => None,
            Some(at) => Some(raftscope_checkout(extra.get(at + 1))?),
        };
        return bench_browser(only, raftscope.as_deref()).map(|_| ());
    }
    let root = repo_root();
    announce("bench", "simulator benchmarks");
    let simulator = run_step_captured(
        "bench",
        Command::new("cargo")
            .args(["bench", "-p", "raftviz-sim"])
            .args(extra)
            .current_dir(&root),
    )?;
    announce("bench", "raft core vs tikv/raft-rs");
    let core_vs_raft_rs = run_step_captured(
        "bench",
        Command::new("cargo")
            .args(["bench", "-p", "raftviz-bench"])
            .args(extra)
            .current_dir(&root),
    )?;

    let browser = bench_browser(BrowserBench::Full, None)?;

    let rows: Vec<String> = [&core_vs_raft_rs, &simulator, &browser]
        .into_iter()
        .flat_map(|output| bench_report::figure_rows(output))
        .collect();
    let section = format!(
        "{}\n\n{}",
        bench_report::provenance(&root),
        bench_report::table(&rows)
    );
    println!("\n{section}");
    if let Some(ratio_line) = core_vs_raft_rs
        .lines()
        .find(|line| line.starts_with("core vs raft-rs:"))
    {
        println!("\n{ratio_line}");
    }
    let durations = bench_report::lab_durations(&simulator).ok_or_else(|| {
        StepError::new("bench", "the simulator bench printed no lab-test durations")
    })?;
    let durations = format!("{}\n\n{durations}", bench_report::provenance(&root));
    println!("\n{durations}");
    bench_report::rewrite_performance_doc(
        &root,
        &[
            (bench_report::FIGURES, &section),
            (bench_report::LAB_DURATIONS, &durations),
        ],
    )?;
    println!("\nxtask bench: tables written to docs/performance.md");
    Ok(())
}

/// The RaftScope page `--raftscope` names: a folder whose index.html loads script.js.
fn raftscope_checkout(dir: Option<&String>) -> Result<PathBuf, StepError> {
    let dir = dir.ok_or_else(|| StepError::new("bench", "--raftscope needs a folder"))?;
    let dir = std::fs::canonicalize(dir)
        .map_err(|e| StepError::new("bench", format!("--raftscope {dir}: {e}")))?;
    if !dir.join("index.html").is_file() || !dir.join("script.js").is_file() {
        return Err(StepError::new(
            "bench",
            format!(
                "--raftscope {}: no RaftScope here (index.html and script.js)",
                dir.display()
            ),
        ));
    }
    Ok(dir)
}

/// Frame times, simulator work per frame, time to the first leader and bundle size of
/// the release page, as docs/performance.md records them.
/// Builds the page and measures it; returns the bench's table.
fn bench_browser(what: BrowserBench, raftscope: Option<&Path>) -> Result<String, StepError> {
    let root = repo_root();
    tools::ensure_tools(&root)?;
    browser::ensure_browser()?;
    announce("bench", "trunk build of crates/web into dist/");
    run_step(
        "bench",
        &mut tools::trunk(&root, &["build", "--release", "--offline"]),
    )?;
    announce("bench", "the page in headless Chromium");
    browser::run_browser_bench(&root, what, raftscope)
}

pub(crate) fn announce(step: &str, what: &str) {
    println!("\n==> [{step}] {what}");
}
