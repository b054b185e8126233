//! The table `cargo xtask bench` prints and keeps in docs/performance.md: the
//! rows every benchmark printed, under one header, with the machine, date and
//! commit they were measured on.

use std::path::Path;
use std::process::Command;

use crate::process::{probe_output, StepError};

pub const BEGIN_MARKER: &str = "<!-- bench:begin -->";
pub const END_MARKER: &str = "<!-- bench:end -->";

const TABLE_HEADER: &str = "| measure | value | goal |\n|---|---|---|";

/// The rows of every `| measure | value | goal |` table in a benchmark's
/// output. Each bench prints its own header, which the combined table
/// replaces; tables of another shape stay in that bench's own output.
pub fn figure_rows(output: &str) -> Vec<String> {
    let header = TABLE_HEADER.lines().next().expect("the header has a line");
    let mut rows = Vec::new();
    let mut in_figure_table = false;
    for line in output.lines().map(str::trim) {
        if !line.starts_with('|') {
            in_figure_table = false;
        } else if line == header {
            in_figure_table = true;
        } else if in_figure_table && !line.starts_with("|---") {
            rows.push(line.to_string());
        }
    }
    rows
}

pub fn table(rows: &[String]) -> String {
    let mut text = String::from(TABLE_HEADER);
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text
}

/// Where and when the figures were taken, as one sentence.
pub fn provenance(root: &Path) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = command_line(&mut Command::new("nproc"));
    let date = command_line(Command::new("date").args(["-u", "+%F"]));
    let commit = command_line(
        Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .current_dir(root),
    );
    // Uncommitted changes mean the figures may not belong to that commit.
    let tree_is_clean = Command::new("git")
        .args(["diff", "--quiet", "HEAD"])
        .current_dir(root)
        .status()
        .is_ok_and(|status| status.success());
    let modified = if tree_is_clean {
        ""
    } else {
        " with uncommitted changes"
    };
    format!("Measured {date} at commit `{commit}`{modified} on {cpu} × {cores} cores.")
}

fn command_line(command: &mut Command) -> String {
    probe_output(command)
        .map(|text| text.trim().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Replaces what lies between the markers of `document` with `section`,
/// leaving everything else as it was.
pub fn replace_marked_section(document: &str, section: &str) -> Result<String, String> {
    let (Some(begin), Some(end)) = (document.find(BEGIN_MARKER), document.find(END_MARKER)) else {
        return Err(format!(
            "docs/performance.md needs a `{BEGIN_MARKER}` line and an `{END_MARKER}` line"
        ));
    };
    if end < begin {
        return Err(format!("`{END_MARKER}` comes before `{BEGIN_MARKER}`"));
    }
    let before = &document[..begin + BEGIN_MARKER.len()];
    let after = &document[end..];
    Ok(format!("{before}\n{section}\n{after}"))
}

pub fn rewrite_performance_doc(root: &Path, section: &str) -> Result<(), StepError> {
    let path = root.join("docs/performance.md");
    let document = std::fs::read_to_string(&path)
        .map_err(|e| StepError::new("bench", format!("cannot read {}: {e}", path.display())))?;
    let updated =
        replace_marked_section(&document, section).map_err(|e| StepError::new("bench", e))?;
    std::fs::write(&path, updated)
        .map_err(|e| StepError::new("bench", format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_only_from_figure_tables() {
        let output = "core vs raft-rs: 3.00x\n\
            | measure | value | goal |\n|---|---|---|\n| a | 1 | — |\n\
            \n| clients | time |\n|---|---|\n| 8 | 9 ms |\n";
        assert_eq!(figure_rows(output), ["| a | 1 | — |"]);
    }

    #[test]
    fn only_the_marked_section_changes() {
        let document = format!("intro\n{BEGIN_MARKER}\nold\n{END_MARKER}\noutro\n");
        let updated = replace_marked_section(&document, "new").unwrap();
        assert_eq!(
            updated,
            format!("intro\n{BEGIN_MARKER}\nnew\n{END_MARKER}\noutro\n")
        );
    }

    #[test]
    fn missing_markers_are_an_error() {
        assert!(replace_marked_section("no markers", "new").is_err());
    }
}
