//! The `decode_run` fuzz target's body, shared with the test that replays
//! its checked-in corpus: the `#run=` decoder may refuse any text but
//! never panic, a run it accepts encodes back to the same run, and a
//! short one replays.
// The includer also declares `bounded_replay`, once, next to this module.
use super::bounded_replay::replay_if_short;
use raftviz_sim::share::decode_run;

pub fn check_run_link(input: &[u8]) {
    let Ok(fragment) = std::str::from_utf8(input) else {
        return;
    };
    if let Ok(run) = decode_run(fragment) {
        // Sharing an opened link again must give the same run.
        let reshared = decode_run(&run.to_fragment()).expect("a re-encoded run decodes");
        assert_eq!(reshared, run, "the run changed on re-encoding");
        replay_if_short(&run);
    }
}
