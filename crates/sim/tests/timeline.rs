//! Time travel: any moment of a run, reached from checkpoints by replay,
//! is exactly the moment the run went through.
use std::collections::BTreeSet;

use raftviz_sim::timeline::{self, MarkerKind, Timeline, MAX_CHECKPOINTS};
use raftviz_sim::{Retention, SimConfig, Simulation, UserAction};

/// A minute of a lively run, with the timeline observing as the page would.
fn lively_minute(seed: u64) -> (Simulation, Timeline) {
    let mut sim = Simulation::new(SimConfig::visual(seed));
    let mut timeline = Timeline::new(&mut sim);
    for second in 0..60u64 {
        for _ in 0..10 {
            sim.run_for(100);
            timeline.observe(&mut sim);
        }
        let server = (second % 5) as usize;
        let action = match second % 6 {
            0 => UserAction::Request { server: None },
            1 => UserAction::Crash { server },
            2 => UserAction::Restart {
                server: (server + 4) % 5,
            },
            3 => UserAction::SetLink {
                from: server,
                to: (server + 1) % 5,
                cut: true,
            },
            4 => UserAction::HealAll,
            _ => UserAction::Timeout { server },
        };
        sim.act(action);
    }
    (sim, timeline)
}

#[test]
fn seeking_a_time_gives_the_run_as_it_was_then() {
    let (live, timeline) = lively_minute(1);
    for time in [0, 1, 499, 5_000, 17_777, 30_000, 59_999, live.now()] {
        let sought = timeline.seek_time(&live, time);
        let everything = SimConfig {
            retention: Retention::EVERYTHING,
            ..live.initial_config().clone()
        };
        let fresh = Simulation::replay(everything, live.actions(), time);
        assert_eq!(sought.trace().hash(), fresh.trace().hash(), "time {time}");
        assert_eq!(sought.now(), fresh.now());
        // The trace ends at the moment with the very events of the run, and
        // holds at least the second before it (more when the live run kept them).
        let kept = sought.trace().kept();
        let suffix = fresh.trace().numbered().skip(fresh.trace().kept() - kept);
        assert!(sought.trace().numbered().eq(suffix), "time {time}");
        let oldest = sought.trace().events().next().map_or(0, |event| event.time);
        assert!(
            sought.trace().first_kept() == 0 || oldest + timeline::CONTEXT_MS <= time,
            "time {time}: events from {oldest} ms"
        );
    }
}

#[test]
fn stepping_back_and_forward_retraces_the_same_moments() {
    let (live, timeline) = lively_minute(2);
    let mut at = live.position();
    let mut visited = vec![at];
    for _ in 0..40 {
        at = timeline.previous(&live, at).expect("an earlier moment");
        visited.push(at);
    }
    let back = timeline.seek(&live, at);
    let mut forward = at;
    for expected in visited.iter().rev().skip(1) {
        forward = timeline.next(&live, forward).expect("a later moment");
        assert_eq!(forward, *expected);
    }
    assert_eq!(
        timeline.seek(&live, forward).trace().hash(),
        live.trace().hash()
    );
    assert!(back.trace().len() < live.trace().len());
}

/// Every visible moment of a run whose trace kept every event: after each event
/// that recorded something, and after each action.
fn every_moment(whole: &Simulation) -> BTreeSet<(u64, usize)> {
    let actions = whole.actions();
    let after_events = whole.trace().events().map(|event| {
        let before = actions.partition_point(|action| action.event < event.step);
        (event.step, before)
    });
    let after_actions = (0..actions.len()).map(|index| (actions[index].event, index + 1));
    after_events.chain(after_actions).collect()
}

#[test]
fn stepping_works_before_the_window_of_kept_events() {
    let (live, timeline) = lively_minute(6);
    assert!(live.trace().first_kept() > 0, "the live run dropped events");
    let everything = SimConfig {
        retention: Retention::EVERYTHING,
        ..live.initial_config().clone()
    };
    let whole = Simulation::replay(everything, live.actions(), live.now());
    assert_eq!(whole.trace().hash(), live.trace().hash());
    let moments = every_moment(&whole);
    let first_kept_time = live.trace().events().next().unwrap().time;
    // From long before the window, and from just after its start, back across it.
    for time in [20_000, first_kept_time + 30] {
        let mut at = timeline.seek_time(&live, time).position();
        let mut visited = Vec::new();
        for _ in 0..60 {
            let expected = moments
                .range(..(at.processed, at.actions))
                .next_back()
                .copied();
            let previous = timeline.previous(&live, at).expect("an earlier moment");
            assert_eq!(Some((previous.processed, previous.actions)), expected);
            visited.push(previous);
            at = previous;
        }
        let rebuilt = timeline.seek(&live, at);
        let fresh = {
            let mut sim = Simulation::new(live.initial_config().clone());
            sim.replay_to_position(&live.actions()[..at.actions], at.processed);
            sim
        };
        assert_eq!(rebuilt.trace().hash(), fresh.trace().hash());
        for retraced in visited.iter().rev().skip(1) {
            let expected = moments
                .range((at.processed, at.actions + 1)..)
                .next()
                .copied();
            let next = timeline.next(&live, at).expect("a later moment");
            assert_eq!(Some((next.processed, next.actions)), expected);
            assert_eq!(next, *retraced);
            at = next;
        }
    }
}

#[test]
fn the_run_shown_steps_back_and_forward_through_the_same_moments() {
    let (live, timeline) = lively_minute(7);
    let mut shown = timeline.seek_time(&live, 25_000);
    let mut visited = Vec::new();
    for _ in 0..40 {
        let previous = timeline.previous(&live, shown.position());
        shown = timeline
            .step_back(&live, &shown)
            .expect("an earlier moment");
        assert_eq!(Some(shown.position()), previous);
        visited.push(shown.position());
    }
    let rebuilt = timeline.seek(&live, shown.position());
    assert_eq!(shown.trace().hash(), rebuilt.trace().hash());
    for retraced in visited.iter().rev().skip(1) {
        let next = timeline.next(&live, shown.position());
        shown = timeline
            .step_forward(&live, &shown)
            .expect("a later moment");
        assert_eq!(Some(shown.position()), next);
        assert_eq!(shown.position(), *retraced);
    }
    let rebuilt = timeline.seek(&live, shown.position());
    assert_eq!(shown.trace().hash(), rebuilt.trace().hash());
    // From the moment before the live run's own, a step forward is the live run.
    let before_live = timeline.step_back(&live, &live).expect("an earlier moment");
    assert!(timeline.step_forward(&live, &before_live).is_none());
}

#[test]
fn acting_in_the_past_forks_and_the_old_future_can_be_restored() {
    let (live, mut timeline) = lively_minute(3);
    let fork_at = timeline.seek_time(&live, 20_000).position();
    let mut fork = timeline.seek(&live, fork_at);
    timeline.forget_after(fork_at);
    fork.act(UserAction::Crash { server: 0 });
    fork.run_for(1000);
    assert_ne!(
        fork.trace().hash(),
        timeline.seek_time(&live, fork.now()).trace().hash()
    );
    // Undo: the discarded future is the old live run, kept aside.
    let restored = Simulation::replay(live.initial_config().clone(), live.actions(), live.now());
    assert_eq!(restored.trace().hash(), live.trace().hash());
}

#[test]
fn checkpoints_stay_bounded_over_a_long_run() {
    let mut sim = Simulation::new(SimConfig::visual(4));
    let mut timeline = Timeline::new(&mut sim);
    for _ in 0..6000 {
        sim.run_for(100);
        timeline.observe(&mut sim);
    }
    assert!(timeline.checkpoints() <= MAX_CHECKPOINTS);
    assert!(timeline.checkpoints() >= MAX_CHECKPOINTS / 2);
}

#[test]
fn markers_name_elections_crashes_and_cuts() {
    let (live, _) = lively_minute(5);
    let markers = timeline::markers(&live);
    for kind in [
        MarkerKind::Leader,
        MarkerKind::Crash,
        MarkerKind::Restart,
        MarkerKind::Cut,
        MarkerKind::Commit,
    ] {
        assert!(markers.iter().any(|m| m.kind == kind), "{kind:?}");
    }
    assert!(markers.windows(2).all(|pair| pair[0].time <= pair[1].time));
}
