//! The tables `cargo xtask bench` prints and keeps in docs/performance.md: the
//! rows every benchmark printed, under one header, with the machine, date and
//! commit they were measured on; and the lab tests' virtual durations.

use std::path::Path;
use std::process::Command;

use crate::process::{probe_output, StepError};

/// Where a section of docs/performance.md begins and ends.
pub type Markers = (&'static str, &'static str);

pub const FIGURES: Markers = ("<!-- bench:begin -->", "<!-- bench:end -->");
pub const LAB_DURATIONS: Markers = ("<!-- lab-durations:begin -->", "<!-- lab-durations:end -->");

/// How the simulator bench's table of lab-test durations begins.
const LAB_DURATIONS_HEADER: &str = "| lab test |";

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

/// The lab-test durations table in a benchmark's output, header and all.
pub fn lab_durations(output: &str) -> Option<String> {
    let lines: Vec<&str> = output
        .lines()
        .map(str::trim)
        .skip_while(|line| !line.starts_with(LAB_DURATIONS_HEADER))
        .take_while(|line| line.starts_with('|'))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Replaces what lies between the markers of `document` with `section`,
/// leaving everything else as it was.
pub fn replace_marked_section(
    document: &str,
    (begin_marker, end_marker): Markers,
    section: &str,
) -> Result<String, String> {
    let (Some(begin), Some(end)) = (document.find(begin_marker), document.find(end_marker)) else {
        return Err(format!(
            "docs/performance.md needs a `{begin_marker}` line and an `{end_marker}` line"
        ));
    };
    if end < begin {
        return Err(format!("`{end_marker}` comes before `{begin_marker}`"));
    }
    let before = &document[..begin + begin_marker.len()];
    let after = &document[end..];
    Ok(format!("{before}\n{section}\n{after}"))
}

/// Writes each `(markers, section)` into docs/performance.md.
pub fn rewrite_performance_doc(root: &Path, sections: &[(Markers, &str)]) -> Result<(), StepError> {
    let path = root.join("docs/performance.md");
    let mut updated = std::fs::read_to_string(&path)
        .map_err(|e| StepError::new("bench", format!("cannot read {}: {e}", path.display())))?;
    for (markers, section) in sections {
        updated = replace_marked_section(&updated, *markers, section)
            .map_err(|e| StepError::new("bench", e))?;
    }
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
        let (begin, end) = FIGURES;
        let (other_begin, other_end) = LAB_DURATIONS;
        let document =
            format!("intro\n{begin}\nold\n{end}\nmiddle\n{other_begin}\nkept\n{other_end}\n");
        let updated = replace_marked_section(&document, FIGURES, "new").unwrap();
        assert_eq!(
            updated,
            format!("intro\n{begin}\nnew\n{end}\nmiddle\n{other_begin}\nkept\n{other_end}\n")
        );
    }

    #[test]
    fn missing_markers_are_an_error() {
        assert!(replace_marked_section("no markers", LAB_DURATIONS, "new").is_err());
    }

    #[test]
    fn the_lab_durations_table_is_taken_whole() {
        let output = "| measure | value | goal |\n|---|---|---|\n| a | 1 | — |\n\n\
            | lab test | servers |\n|---|---|\n| count | 3 |\nafter\n";
        assert_eq!(
            lab_durations(output).as_deref(),
            Some("| lab test | servers |\n|---|---|\n| count | 3 |")
        );
        assert_eq!(lab_durations("no table"), None);
    }
}
