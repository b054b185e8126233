//! Measures what the browser downloads: each .wasm and .js in dist/, gzipped at -9.

use std::path::Path;
use std::process::Command;

use crate::process::StepError;

/// The trace reader's worker (`trace_reader.js`, `_bg.wasm`, `_loader.js`): the page
/// starts it only when a trace is imported or exported.
const WORKER_PREFIX: &str = "trace_reader";

/// The page's cold code (crates/web/e2e/split_page.mjs): what the lecture path never
/// runs, loaded the first time something needs it.
const COLD_SUFFIX: &str = "_cold.wasm";

/// Sum of `gzip -9` sizes of every .wasm and .js file directly in `dist` that the page
/// loads when it opens (the trace reader's worker and the cold code are listed apart).
pub fn gzipped_bundle_size(dist: &Path) -> Result<u64, StepError> {
    let entries = std::fs::read_dir(dist).map_err(|e| {
        StepError::new(
            "size",
            format!(
                "cannot read {} (did the web build run?): {e}",
                dist.display()
            ),
        )
    })?;
    let mut shipped: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("wasm" | "js")
            )
        })
        .collect();
    shipped.sort();
    if !shipped
        .iter()
        .any(|p| p.extension().is_some_and(|e| e == "wasm"))
    {
        return Err(StepError::new(
            "size",
            format!("no .wasm file in {}", dist.display()),
        ));
    }
    let mut total = 0;
    let mut worker = 0;
    let mut cold = 0;
    for path in &shipped {
        let size = gzipped_size(path)?;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.ends_with(COLD_SUFFIX) {
            println!("    {size:>8} bytes gz  {name} (the cold code, on first use: not counted)");
            cold += size;
        } else if name.starts_with(WORKER_PREFIX) {
            println!("    {size:>8} bytes gz  {name} (the trace reader, when needed: not counted)");
            worker += size;
        } else {
            println!("    {size:>8} bytes gz  {name}");
            total += size;
        }
    }
    if worker > 0 {
        println!("    {worker:>8} bytes gz  the trace reader in all");
    }
    if cold > 0 {
        println!(
            "    {:>8} bytes gz  the page with its cold code",
            total + cold
        );
    }
    Ok(total)
}

/// Prints the language files the page fetches only when someone picks that language:
/// beside the total, not in it (scenario files are fetched the same way, and the trace
/// reader is started the same way).
pub fn report_language_files(dist: &Path) -> Result<(), StepError> {
    let Ok(entries) = std::fs::read_dir(dist.join("i18n")) else {
        return Ok(());
    };
    let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    files.sort();
    for path in &files {
        println!(
            "    {:>8} bytes gz  i18n/{} (fetched when chosen, not counted)",
            gzipped_size(path)?,
            path.file_name().unwrap_or_default().to_string_lossy()
        );
    }
    Ok(())
}

/// Shells out to gzip (present on every Debian) rather than pulling a compression crate
/// into a tool that must build before anything else is installed.
fn gzipped_size(path: &Path) -> Result<u64, StepError> {
    let output = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .map_err(|e| StepError::new("size", format!("could not run gzip: {e}")))?;
    if !output.status.success() {
        return Err(StepError::new(
            "size",
            format!("gzip failed on {}", path.display()),
        ));
    }
    Ok(output.stdout.len() as u64)
}
