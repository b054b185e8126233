//! Property: whatever peers send — wrong terms, indices past the log,
//! replies never asked for, duplicates, malformed entries — a node never
//! panics and its own state stays coherent. Random bytes drive the same
//! decoder and checks as the `node_messages` fuzz target, so the two can
//! never drift apart.
use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64;

#[path = "fuzzing/node_messages.rs"]
mod node_messages;

/// Bytes per run: several thousand operations.
const INPUT_BYTES: usize = 16_000;

#[test]
fn arbitrary_message_sequences_never_break_a_node() {
    let seeds: u64 = std::env::var("RAFT_FUZZ_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    for seed in 0..seeds {
        let mut input = vec![0u8; INPUT_BYTES];
        Pcg64::seed_from_u64(seed).fill_bytes(&mut input);
        node_messages::run_operations(&input);
    }
}
