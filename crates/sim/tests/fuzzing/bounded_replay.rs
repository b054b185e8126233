//! The replay step the decoder fuzz targets share: a run a decoder
//! accepts must replay without panicking.
use raftviz_sim::share::SharedRun;

/// Longer runs are not replayed, to keep each fuzz execution fast: the
/// replay's cost grows with the simulated time, not with the input.
const MAX_REPLAY_MS: u64 = 2_000;

pub fn replay_if_short(run: &SharedRun) {
    if run.time <= MAX_REPLAY_MS {
        // A replay that does not reproduce the hash is an expected refusal
        // for a fuzzed input; only a panic is a finding.
        let _ = run.replay();
    }
}
