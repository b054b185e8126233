//! Running child processes, with failures that name the step they broke.

use std::fmt::Write as _;
use std::process::{Command, Stdio};

/// A failed step: which one, and why, so the final message tells a reader where to look.
#[derive(Debug)]
pub struct StepError {
    pub step: String,
    pub message: String,
}

impl StepError {
    pub fn new(step: &str, message: impl Into<String>) -> StepError {
        StepError {
            step: step.to_string(),
            message: message.into(),
        }
    }
}

/// Runs `command` with inherited stdio; any non-zero exit fails `step`.
pub fn run_step(step: &str, command: &mut Command) -> Result<(), StepError> {
    let shown = describe(command);
    println!("    $ {shown}");
    let status = command
        .status()
        .map_err(|e| StepError::new(step, format!("could not start `{shown}`: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(StepError::new(
            step,
            format!("`{shown}` exited with {status}"),
        ))
    }
}

/// Runs `command` like [`run_step`] but keeps its stdout, echoing it once the
/// command ends, for steps whose output is read afterwards (benchmark tables).
pub fn run_step_captured(step: &str, command: &mut Command) -> Result<String, StepError> {
    let shown = describe(command);
    println!("    $ {shown}");
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| StepError::new(step, format!("could not start `{shown}`: {e}")))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    print!("{stdout}");
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(StepError::new(
            step,
            format!("`{shown}` exited with {}", output.status),
        ))
    }
}

/// Runs `command` quietly and returns its stdout, or None when it cannot run or fails.
/// Used for probes such as `trunk --version`, where failure just means "missing".
pub fn probe_output(command: &mut Command) -> Option<String> {
    let output = command.stderr(Stdio::null()).output().ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        let _ = write!(text, " {}", arg.to_string_lossy());
    }
    text
}
