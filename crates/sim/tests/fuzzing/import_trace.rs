//! The `import_trace` fuzz target's body, shared with the test that
//! replays its checked-in corpus: the JSON trace decoder may refuse any
//! text but never panic, a run it accepts comes whole through the handover
//! from the page's trace-reading worker, and a short one replays.
// The includer also declares `bounded_replay`, once, next to this module.
use super::bounded_replay::replay_if_short;
use raftviz_sim::share::{import_trace, SharedRun};

pub fn check_trace(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    if let Ok(run) = import_trace(text) {
        let (fragment, hash_known) = run.to_handover();
        let handed =
            SharedRun::from_handover(&fragment, hash_known).expect("a handed-over run decodes");
        assert_eq!(handed, run, "the run changed in the handover");
        replay_if_short(&run);
    }
}
