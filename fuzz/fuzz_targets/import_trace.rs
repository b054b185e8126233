//! The JSON trace decoder on arbitrary text: refusals only, no panic, and
//! accepted short runs replay.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/sim/tests/fuzzing/bounded_replay.rs"]
mod bounded_replay;
#[path = "../../crates/sim/tests/fuzzing/import_trace.rs"]
mod import_trace;

fuzz_target!(|input: &[u8]| import_trace::check_trace(input));
