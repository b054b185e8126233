//! The `import_trace` fuzz target's body, shared with the test that
//! replays its checked-in corpus: the JSON trace decoder may refuse any
//! text but never panic, and a short run it accepts replays.
// The includer also declares `bounded_replay`, once, next to this module.
use super::bounded_replay::replay_if_short;
use raftviz_sim::share::import_trace;

pub fn check_trace(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    if let Ok(run) = import_trace(text) {
        replay_if_short(&run);
    }
}
