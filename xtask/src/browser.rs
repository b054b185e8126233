//! The headless-browser side: Debian's Chromium, the Node packages of the browser
//! tests, and running them with Node's own test runner.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{probe_output, run_step, run_step_captured, StepError};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// A Chinese font for the page in 简体中文 (Debian's Chromium ships none; without one
/// every character is a box). WenQuanYi Micro Hei is small: about 5 MB installed.
const CJK_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
/// Where the browser tests and their package.json live, relative to the repo root.
pub const E2E_DIR: &str = "crates/web/e2e";

/// Installs Chromium and chromedriver from the system package manager when missing;
/// the tests drive this system browser so no tool ever downloads its own.
pub fn ensure_browser() -> Result<(), StepError> {
    println!("==> [tools] chromium + chromedriver + a Chinese font");
    let mut missing = Vec::new();
    if !Path::new(CHROMIUM).exists() {
        missing.push("chromium");
    }
    if !Path::new(CHROMEDRIVER).exists() {
        missing.push("chromium-driver");
    }
    if !Path::new(CJK_FONT).exists() {
        missing.push("fonts-wqy-microhei");
    }
    if probe_output(Command::new("node").arg("--version")).is_none() {
        missing.extend(["nodejs", "npm"]);
    }
    if missing.is_empty() {
        println!("    installed");
        return Ok(());
    }
    apt_get(&["update"])?;
    let mut install = vec!["install", "-y"];
    install.extend(missing);
    apt_get(&install)
}

fn apt_get(args: &[&str]) -> Result<(), StepError> {
    let mut command = if is_root() {
        Command::new("apt-get")
    } else {
        let mut sudo = Command::new("sudo");
        sudo.arg("apt-get");
        sudo
    };
    command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    run_step("tools", &mut command)
}

fn is_root() -> bool {
    probe_output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

/// `npm ci` when the lockfile is committed (reproducible), `npm install` otherwise.
pub fn ensure_node_deps(root: &Path) -> Result<(), StepError> {
    let e2e = root.join(E2E_DIR);
    println!("==> [tools] node packages in {E2E_DIR}");
    if node_modules_current(&e2e) {
        println!("    installed");
        return Ok(());
    }
    let verb = if e2e.join("package-lock.json").exists() {
        "ci"
    } else {
        "install"
    };
    run_step(
        "tools",
        Command::new("npm")
            .args([verb, "--no-audit", "--no-fund"])
            // playwright-core never downloads browsers; this guards against a stray
            // `playwright` package doing so.
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
            .current_dir(&e2e),
    )
}

/// npm records what it installed in node_modules/.package-lock.json; when the committed
/// lockfile is newer, the dependencies changed since the last install.
fn node_modules_current(e2e: &Path) -> bool {
    let modified = |path: PathBuf| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    match (
        modified(e2e.join("node_modules/.package-lock.json")),
        modified(e2e.join("package-lock.json")),
    ) {
        (Some(installed), Some(wanted)) => installed >= wanted,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Runs `node --test` over every `*.test.mjs` in the e2e tests folder. The test helper
/// serves `dist/` itself on a free loopback port, so nothing here rebuilds the app.
pub fn run_browser_tests(root: &Path) -> Result<(), StepError> {
    let e2e = root.join(E2E_DIR);
    let test_files = test_files(&e2e.join("tests"))?;
    let screenshots = root.join("target").join("screenshots");
    std::fs::create_dir_all(&screenshots).map_err(|e| {
        StepError::new(
            "browser",
            format!("creating {}: {e}", screenshots.display()),
        )
    })?;
    run_step(
        "browser",
        Command::new("node")
            .arg("--test")
            // One browser at a time: the machine has two cores.
            .arg("--test-concurrency=1")
            .args(&test_files)
            .env("RAFTVIZ_DIST", root.join("dist"))
            .env("RAFTVIZ_SCREENSHOTS", &screenshots)
            .current_dir(&e2e),
    )?;
    println!("    screenshots in {}", screenshots.display());
    Ok(())
}

/// How much of the browser benchmark to run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BrowserBench {
    /// Everything, with the memory sessions a minute each.
    Full,
    /// Everything, with the memory sessions as long as issue 10 asks (10 and 5 minutes).
    Long,
    /// The frame runs alone.
    FramesOnly,
}

/// Runs the browser benchmark script over the built `dist/` (and RaftScope's page, when
/// given, beside it); returns what it printed (its table).
pub fn run_browser_bench(
    root: &Path,
    what: BrowserBench,
    raftscope: Option<&Path>,
) -> Result<String, StepError> {
    let mut bench = Command::new("node");
    if let Some(dir) = raftscope {
        bench.env("RAFTVIZ_BENCH_RAFTSCOPE", dir);
    }
    run_step_captured(
        "bench",
        bench
            .arg("bench.mjs")
            .env("RAFTVIZ_DIST", root.join("dist"))
            .env(
                "RAFTVIZ_BENCH_LONG",
                if what == BrowserBench::Long { "1" } else { "0" },
            )
            .env(
                "RAFTVIZ_BENCH_ONLY",
                if what == BrowserBench::FramesOnly {
                    "frames"
                } else {
                    ""
                },
            )
            .current_dir(root.join(E2E_DIR)),
    )
}

/// Node 20's runner does not expand globs, so the files are listed here.
fn test_files(dir: &Path) -> Result<Vec<PathBuf>, StepError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| StepError::new("browser", format!("reading {}: {e}", dir.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(StepError::new(
            "browser",
            format!("no *.test.mjs files in {}", dir.display()),
        ));
    }
    Ok(files)
}
