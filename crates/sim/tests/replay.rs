//! A run is its settings plus its recorded actions: replaying them gives
//! the identical run, wherever the actions fell between events.
use raftviz_sim::{NetworkConfig, RaftOptions, SimConfig, Simulation, UserAction};
use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64;

/// A person clicking at random: actions at random moments, some between two
/// events of the same millisecond (single steps).
fn clicking_session(seed: u64) -> Simulation {
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut sim = Simulation::new(SimConfig::visual(seed));
    for _ in 0..150 {
        if rng.next_u64() % 3 == 0 {
            for _ in 0..rng.next_u64() % 5 {
                sim.step();
            }
        } else {
            sim.run_for(rng.next_u64() % 200);
        }
        let server = (rng.next_u64() % 5) as usize;
        let other = (server + 1 + (rng.next_u64() % 4) as usize) % 5;
        let action = match rng.next_u64() % 12 {
            0 => UserAction::Crash { server },
            1 => UserAction::Restart { server },
            2 => UserAction::Timeout { server },
            3 | 4 => UserAction::Request { server: None },
            5 => UserAction::SetLink {
                from: server,
                to: other,
                cut: rng.next_u64() % 2 == 0,
            },
            6 => UserAction::HealAll,
            7 => UserAction::HoldLink {
                from: server,
                to: other,
                hold: rng.next_u64() % 2 == 0,
            },
            8 => match sim.in_flight().next().map(|f| f.id) {
                Some(id) => UserAction::DropMessage { id },
                None => UserAction::HealAll,
            },
            9 => match sim.in_flight().last().map(|f| f.id) {
                Some(id) => UserAction::DeliverNow { id },
                None => UserAction::HealAll,
            },
            10 => UserAction::SetOptions(RaftOptions {
                pre_vote: true,
                check_quorum: rng.next_u64() % 2 == 0,
                noop_on_election: false,
                fast_backup: rng.next_u64() % 2 == 0,
                ..RaftOptions::default()
            }),
            _ => UserAction::SetNetwork(NetworkConfig {
                drop_probability: 0.05,
                ..NetworkConfig::visual()
            }),
        };
        sim.act(action);
    }
    sim.run_for(500);
    sim
}

#[test]
fn replaying_the_actions_reproduces_the_run_exactly() {
    for seed in 0..20 {
        let original = clicking_session(seed);
        let replayed = Simulation::replay(
            original.initial_config().clone(),
            original.actions(),
            original.now(),
        );
        assert_eq!(
            replayed.trace().hash(),
            original.trace().hash(),
            "seed {seed}"
        );
        assert_eq!(
            replayed.events_processed(),
            original.events_processed(),
            "seed {seed}"
        );
        assert_eq!(replayed.actions(), original.actions());
    }
}

#[test]
fn replaying_to_an_earlier_moment_stops_there() {
    let original = clicking_session(3);
    let halfway = original.now() / 2;
    let early = Simulation::replay(
        original.initial_config().clone(),
        original.actions(),
        halfway,
    );
    assert_eq!(early.now(), halfway);
    assert!(early.actions().iter().all(|a| a.time <= halfway));
    let mut resumed = early.clone();
    resumed.replay_from(original.actions(), original.now());
    assert_eq!(
        resumed.trace().hash(),
        original.trace().hash(),
        "a replay can continue from a copy"
    );
}

#[test]
fn a_held_link_keeps_messages_until_released() {
    let mut sim = Simulation::new(SimConfig::visual(5));
    for from in [0, 2, 3, 4] {
        sim.act(UserAction::HoldLink {
            from,
            to: 1,
            hold: true,
        });
    }
    sim.run_for(2000);
    let waiting: Vec<u64> = sim
        .in_flight()
        .filter(|f| f.to == 1 && f.held)
        .map(|f| f.id)
        .collect();
    assert!(
        !waiting.is_empty(),
        "messages to server 1 wait on the held links"
    );
    assert_eq!(
        sim.node(1).unwrap().leader_id(),
        None,
        "server 1 heard from no leader"
    );
    for from in [0, 2, 3, 4] {
        sim.act(UserAction::HoldLink {
            from,
            to: 1,
            hold: false,
        });
    }
    sim.run_for(1);
    assert!(
        sim.in_flight().all(|f| !waiting.contains(&f.id)),
        "released messages arrive"
    );
}

#[test]
fn deliver_now_delivers_a_chosen_message_first() {
    let mut sim = Simulation::new(SimConfig::visual(6));
    while sim.in_flight().count() < 2 {
        sim.step();
    }
    let last = sim.in_flight().max_by_key(|f| f.deliver_at).unwrap().id;
    sim.act(UserAction::DeliverNow { id: last });
    assert!(sim.in_flight().all(|f| f.id != last));
    let mut events = sim.trace().events();
    assert!(
        matches!(events.clone().last().map(|e| &e.kind), Some(raftviz_sim::EventKind::Deliver { id, .. }) if *id == last)
            || events.by_ref().rev().take(20).any(
                |e| matches!(e.kind, raftviz_sim::EventKind::Deliver { id, .. } if id == last)
            )
    );
}

/// Regression: replaying to a position took each action when its event count
/// came up, at the clock of that event, not at the time the action was taken
/// (later, when a person acts between events), so a rebuilt moment recorded
/// the action at another time and differed from the run.
#[test]
fn replaying_to_a_position_takes_each_action_at_its_time() {
    let mut live = Simulation::new(SimConfig::visual(11));
    live.run_for(1_000);
    live.act(UserAction::Request { server: None });
    live.run_for(37);
    live.act(UserAction::Crash { server: 1 });
    live.run_for(500);
    let mut replayed = Simulation::new(live.initial_config().clone());
    replayed.replay_to_position(live.actions(), live.events_processed());
    assert_eq!(replayed.position(), live.position());
    assert_eq!(replayed.trace().hash(), live.trace().hash());
}
