//! The `#run=` link decoder on arbitrary text: refusals only, no panic,
//! accepted runs re-encode to themselves, and short ones replay.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/sim/tests/fuzzing/bounded_replay.rs"]
mod bounded_replay;
#[path = "../../crates/sim/tests/fuzzing/decode_run.rs"]
mod decode_run;

fuzz_target!(|input: &[u8]| decode_run::check_run_link(input));
