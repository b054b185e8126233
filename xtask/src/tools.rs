//! Installs the tools a fresh machine lacks: compile targets, std's source and the
//! crates it depends on, trunk, the wasm-bindgen CLI, and wasm-opt (Binaryen's npm
//! build, beside the browser tests' packages and the terser of Trunk's post-build
//! hook). Trunk runs with `--offline`, so everything it needs must already be on PATH
//! or in cargo's cache, with the exact versions it will ask for.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{probe_output, run_step, StepError};

const TRUNK_VERSION: &str = "0.21.14";
const TARGETS: [&str; 2] = ["wasm32-unknown-unknown", "thumbv7em-none-eabihf"];

pub fn ensure_tools(root: &Path) -> Result<(), StepError> {
    put_cargo_bin_on_path();
    ensure_targets()?;
    ensure_std_source()?;
    ensure_trunk()?;
    ensure_wasm_bindgen(root)?;
    ensure_wasm_opt(root)
}

/// Trunk, set to build the page as small as it can be: the standard library is
/// rebuilt with the page (with `opt-level = "z"` and LTO across it, and std's own
/// smaller-code choices), `{:?}` writes nothing (`-Zfmt-debug=none`: nothing the page
/// shows or hashes goes through Debug; the simulator's trace writes refusals' Debug
/// text out, checked natively), and a panic is a bare trap (`-Cpanic=immediate-abort`:
/// no message, location or hook; `panic_panel.js` shows the panel); LLVM inlines only
/// what costs nothing to inline (`-inline-threshold=0`; wasm-opt -Oz still inlines tiny
/// functions and those called once: 724 B less gzipped, frames unchanged). All but the
/// last are unstable cargo and rustc options, allowed on the stable toolchain by
/// RUSTC_BOOTSTRAP for this build only; a plain `trunk build` still works and gives a larger page (docs/performance.md).
/// Nothing it changes is observable in a run: the simulator's only unstable sorts order
/// plain integers and tuples of them, which any algorithm orders alike.
pub fn trunk(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("trunk");
    command
        .args(args)
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
        .env("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size")
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            "-Zlocation-detail=none -Zfmt-debug=none -Zunstable-options -Cpanic=immediate-abort -Cllvm-args=-inline-threshold=0",
        );
    command
}

/// `cargo install` puts binaries in ~/.cargo/bin, which a bare CI shell may not have on
/// PATH; children (trunk looking up wasm-bindgen) inherit this process's PATH.
fn put_cargo_bin_on_path() {
    let Some(home) = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
    else {
        return;
    };
    put_on_path(home.join("bin"));
}

/// Trunk shrinks the release wasm with wasm-opt (the page must stay under its size
/// budget). Debian's Binaryen is too old to read what current Rust emits, so the npm
/// build pinned in the browser tests' package.json provides it; trunk asks for exactly
/// that version (Trunk.toml).
fn ensure_wasm_opt(root: &Path) -> Result<(), StepError> {
    crate::browser::ensure_node_deps(root)?;
    put_on_path(
        root.join(crate::browser::E2E_DIR)
            .join("node_modules")
            .join(".bin"),
    );
    Ok(())
}

fn put_on_path(bin: PathBuf) {
    let current = std::env::var_os("PATH").unwrap_or_default();
    let mut entries: Vec<_> = std::env::split_paths(&current).collect();
    if !entries.contains(&bin) {
        entries.insert(0, bin);
        let joined = std::env::join_paths(entries).expect("PATH entries contain no separator");
        // Single-threaded at this point, so changing the environment is sound.
        std::env::set_var("PATH", joined);
    }
}

fn ensure_targets() -> Result<(), StepError> {
    println!("==> [tools] rust targets: {}", TARGETS.join(", "));
    ensure_rustup_installed("target", &TARGETS)
}

/// Rebuilding std for the page (see [`trunk`]) needs its source and the crates std
/// depends on. Trunk's cargo runs offline, so those crates are fetched here, from the
/// lock file that ships with the source, into cargo's cache.
fn ensure_std_source() -> Result<(), StepError> {
    println!("==> [tools] rust components: rust-src");
    ensure_rustup_installed("component", &["rust-src"])?;
    let sysroot = probe_output(Command::new("rustc").args(["--print", "sysroot"]))
        .ok_or_else(|| StepError::new("tools", "`rustc --print sysroot` failed"))?;
    let std_workspace = Path::new(sysroot.trim()).join("lib/rustlib/src/rust/library/Cargo.toml");
    println!("==> [tools] crates the standard library depends on");
    run_step(
        "tools",
        Command::new("cargo")
            .args(["fetch", "--locked", "--manifest-path"])
            .arg(&std_workspace)
            // The std workspace's manifest asks for an unstable cargo feature.
            .env("RUSTC_BOOTSTRAP", "1"),
    )
}

/// `rustup <kind> add` for each name that `rustup <kind> list --installed` lacks.
fn ensure_rustup_installed(kind: &str, names: &[&str]) -> Result<(), StepError> {
    let installed = probe_output(Command::new("rustup").args([kind, "list", "--installed"]))
        .ok_or_else(|| {
            StepError::new("tools", format!("`rustup {kind} list --installed` failed"))
        })?;
    for name in names {
        if installed.lines().any(|line| line.trim() == *name) {
            println!("    {name}: installed");
        } else {
            run_step("tools", Command::new("rustup").args([kind, "add", name]))?;
        }
    }
    Ok(())
}

fn ensure_trunk() -> Result<(), StepError> {
    println!("==> [tools] trunk {TRUNK_VERSION}");
    let found = probe_output(Command::new("trunk").arg("--version"));
    if version_word(found.as_deref()) == Some(TRUNK_VERSION) {
        println!("    trunk {TRUNK_VERSION}: installed");
        return Ok(());
    }
    run_step(
        "tools",
        Command::new("cargo").args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]),
    )
}

fn ensure_wasm_bindgen(root: &Path) -> Result<(), StepError> {
    let lock_path = root.join("Cargo.lock");
    if !lock_path.exists() {
        run_step(
            "tools",
            Command::new("cargo")
                .arg("generate-lockfile")
                .current_dir(root),
        )?;
    }
    let lock = std::fs::read_to_string(&lock_path)
        .map_err(|e| StepError::new("tools", format!("reading {}: {e}", lock_path.display())))?;
    let wanted = locked_version(&lock, "wasm-bindgen").ok_or_else(|| {
        StepError::new(
            "tools",
            "Cargo.lock has no `wasm-bindgen` package; is crates/web in the workspace?",
        )
    })?;
    println!("==> [tools] wasm-bindgen CLI {wanted} (the version Cargo.lock pins)");
    let found = probe_output(Command::new("wasm-bindgen").arg("--version"));
    if version_word(found.as_deref()) == Some(wanted.as_str()) {
        println!("    wasm-bindgen {wanted}: installed");
        return Ok(());
    }
    // Not --locked: the CLI's own lockfile has pinned crates that no longer build on
    // current Rust, while fresh resolution does.
    run_step(
        "tools",
        Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wanted]),
    )
}

/// "trunk 0.21.14\n" -> "0.21.14": the version is the second word of `--version` output.
pub(crate) fn version_word(output: Option<&str>) -> Option<&str> {
    output?.split_whitespace().nth(1)
}

/// The version of `package` recorded in a Cargo.lock text, if it appears there.
fn locked_version(lock: &str, package: &str) -> Option<String> {
    let wanted_name = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted_name {
            let version_line = lines.next()?.trim();
            let quoted = version_line.strip_prefix("version = ")?;
            return Some(quoted.trim_matches('"').to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_locked_version_of_a_package_and_not_of_its_prefix_siblings() {
        let lock = "[[package]]\nname = \"wasm-bindgen-macro\"\nversion = \"9.9.9\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(lock, "yew"), None);
    }

    #[test]
    fn reads_the_version_word_of_tool_banners() {
        assert_eq!(version_word(Some("trunk 0.21.14\n")), Some("0.21.14"));
        assert_eq!(version_word(Some("wasm-bindgen 0.2.130")), Some("0.2.130"));
        assert_eq!(version_word(None), None);
    }
}
