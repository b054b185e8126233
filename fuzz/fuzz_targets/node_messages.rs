//! A Raft node fed arbitrary operations and messages: no panic, and the
//! node stays coherent after each step.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/raft/tests/fuzzing/node_messages.rs"]
mod node_messages;

fuzz_target!(|input: &[u8]| node_messages::run_operations(input));
