//! The simulator's own promises: determinism, the network model, crashes,
//! the key-value state machine, persist-before-send and the event log.
use raftviz_raft::{Message, Role};
use raftviz_sim::kv::Command;
use raftviz_sim::{DropReason, EventKind, LinkCut, NetworkConfig, SimConfig, Simulation};

/// A busy run: lossy, duplicating network, crashes, cuts and requests.
fn busy_run(seed: u64, record_events: bool) -> Simulation {
    let mut config = SimConfig::visual(seed);
    config.record_events = record_events;
    config.network.drop_probability = 0.1;
    config.network.duplicate_probability = 0.1;
    let mut sim = Simulation::new(config);
    for round in 0..40u64 {
        sim.run_for(250);
        let _ = sim.client_request(None);
        match round % 10 {
            3 => sim.crash((round % 5) as usize),
            5 => sim.restart(((round - 2) % 5) as usize),
            7 => sim.set_link(1, 2, true),
            9 => sim.heal_all(),
            _ => {}
        }
    }
    sim.run_for(2000);
    sim
}

#[test]
fn same_seed_same_settings_same_actions_same_run() {
    let first = busy_run(7, false);
    let second = busy_run(7, true);
    assert_eq!(first.trace().hash(), second.trace().hash());
    assert_eq!(first.trace().len(), second.trace().len());
    assert!(first.trace().len() > 1000, "the run should be busy");
    assert_ne!(busy_run(8, false).trace().hash(), first.trace().hash());
    assert!(first.violation().is_none());
}

fn elect(sim: &mut Simulation) -> usize {
    for _ in 0..100 {
        sim.run_for(100);
        if let Some(leader) = sim.leader() {
            return leader;
        }
    }
    panic!("no leader within 10 s");
}

#[test]
fn one_way_cut_loses_only_one_direction() {
    let mut sim = Simulation::new(SimConfig::visual(3));
    let leader = elect(&mut sim);
    let follower = (leader + 1) % 5;
    sim.set_link(leader, follower, true);
    let (low, high) = (leader.min(follower), leader.max(follower));
    let expected = if leader == low {
        LinkCut::Forward
    } else {
        LinkCut::Backward
    };
    assert_eq!(sim.link(low, high), expected);
    sim.run_for(1000);
    let events = sim.trace().events.as_ref().unwrap();
    let lost_forward = events.iter().any(|e| {
        matches!(e.kind, EventKind::Drop { from, to, reason: DropReason::LinkCut, .. } if from == leader && to == follower)
    });
    assert!(lost_forward, "messages leader → follower are lost");
    let recent_delivery_back = events.iter().rev().take(500).any(|e| {
        e.server == Some(leader)
            && matches!(e.kind, EventKind::Deliver { from, .. } if from == follower)
    });
    assert!(
        recent_delivery_back,
        "messages follower → leader still arrive"
    );
}

#[test]
fn a_message_can_be_dropped_by_id() {
    let mut sim = Simulation::new(SimConfig::visual(4));
    elect(&mut sim);
    while sim.in_flight().next().is_none() {
        sim.run_for(1);
    }
    let id = sim.in_flight().next().unwrap().id;
    assert!(sim.drop_message(id));
    assert!(sim.in_flight().all(|flight| flight.id != id));
    assert!(!sim.drop_message(id), "a message is dropped once");
    let last = sim.trace().events.as_ref().unwrap().last().unwrap().clone();
    assert!(matches!(
        last.kind,
        EventKind::Drop {
            reason: DropReason::ByHand,
            ..
        }
    ));
}

#[test]
fn crash_keeps_durable_state_and_loses_the_rest() {
    let mut sim = Simulation::new(SimConfig::visual(5));
    let leader = elect(&mut sim);
    for _ in 0..3 {
        sim.client_request(Some(leader)).unwrap();
    }
    sim.run_for(500);
    let before = sim.node(leader).unwrap().clone();
    assert_eq!(before.commit_index(), 3);
    sim.crash(leader);
    assert!(
        sim.in_flight().all(|flight| flight.to != leader),
        "messages to it are lost"
    );
    let view = sim.server_view(leader);
    assert!(!view.up);
    assert_eq!(
        (view.term, view.last_index, view.commit),
        (before.term(), 3, 0)
    );
    sim.restart(leader);
    let node = sim.node(leader).unwrap();
    assert_eq!(
        (node.role(), node.term(), node.voted_for()),
        (Role::Follower, before.term(), before.voted_for())
    );
    assert_eq!(
        (node.log().last_index(), node.commit_index()),
        (3, 0),
        "commitIndex is rebuilt, not kept"
    );
    sim.run_for(1000);
    assert_eq!(sim.node(leader).unwrap().commit_index(), 3);
    assert_eq!(
        sim.kv(leader).unwrap().data.len(),
        3,
        "the state machine is rebuilt by re-applying"
    );
}

#[test]
fn every_server_applies_the_same_key_value_state() {
    let mut sim = Simulation::new(SimConfig::visual(6));
    let leader = elect(&mut sim);
    let commands = [
        Command::put("x", "1"),
        Command::append("x", "2"),
        Command::put("y", "3"),
    ];
    for command in &commands {
        sim.propose(leader, command.encode()).unwrap();
    }
    sim.run_for(1000);
    for id in 0..5 {
        let kv = &sim.kv(id).unwrap().data;
        assert_eq!(kv.get("x").map(String::as_str), Some("12"), "server {id}");
        assert_eq!(kv.get("y").map(String::as_str), Some("3"), "server {id}");
    }
}

#[test]
fn a_follower_refuses_requests_with_a_leader_hint() {
    let mut sim = Simulation::new(SimConfig::visual(9));
    let leader = elect(&mut sim);
    sim.run_for(200);
    let follower = (leader + 1) % 5;
    let refused = sim.client_request(Some(follower));
    assert_eq!(
        refused,
        Err(raftviz_sim::ProposeError::NotLeader {
            leader_hint: Some(leader)
        })
    );
}

#[test]
fn votes_are_persisted_before_the_reply_is_sent() {
    let mut sim = Simulation::new(SimConfig::visual(11));
    let mut checked = 0;
    for _ in 0..3000 {
        sim.run_for(1);
        for flight in sim.in_flight() {
            if let Message::RequestVoteReply {
                term,
                granted: true,
            } = flight.message
            {
                let disk = sim.storage(flight.from).unwrap().hard_state;
                assert_eq!(disk.term, term);
                assert_eq!(disk.voted_for, Some(flight.to));
                checked += 1;
            }
        }
    }
    assert!(checked > 0);
}

#[test]
fn the_lab_network_presets_keep_the_labs_numbers() {
    let unreliable = NetworkConfig::unreliable();
    assert_eq!(
        (unreliable.latency_ms, unreliable.drop_probability),
        ((0, 26), 0.1)
    );
    let mut sim = Simulation::new(SimConfig::lab(5, 1));
    let mut long = NetworkConfig::unreliable();
    long.long_reordering = true;
    sim.set_network(long);
    sim.run_for(5000);
    let late = sim
        .in_flight()
        .filter(|flight| flight.deliver_at - flight.sent_at >= 200)
        .count();
    let replies_late = sim
        .in_flight()
        .filter(|flight| flight.deliver_at - flight.sent_at >= 200)
        .all(|flight| !flight.message.kind().is_request());
    assert!(
        late > 0 && replies_late,
        "replies, and only replies, are held back"
    );
}

#[test]
fn dslog_puts_each_server_in_its_column_and_filters() {
    let mut sim = Simulation::new(SimConfig::visual(12));
    elect(&mut sim);
    let all = sim.trace().dslog(5, &[]);
    let elections = sim.trace().dslog(5, &["elect"]);
    assert!(all.lines().next().unwrap().contains("S5"));
    assert!(elections.lines().count() < all.lines().count());
    assert!(elections.contains("leader in term"));
    assert!(!elections.contains("→S"), "network events are filtered out");
}

/// A server cut off for a while comes back. Without pre-vote its inflated
/// term deposes the healthy leader; with pre-vote it never raised its term.
fn returning_server_disrupts(pre_vote: bool) -> bool {
    let mut config = SimConfig::visual(21);
    config.options.pre_vote = pre_vote;
    let mut sim = Simulation::new(config);
    let leader = elect(&mut sim);
    let loner = (leader + 2) % 5;
    sim.isolate(loner, true);
    sim.run_for(3000);
    let leader_term = sim.node(leader).unwrap().term();
    sim.isolate(loner, false);
    sim.run_for(3000);
    sim.node(leader).unwrap().term() != leader_term || sim.leader() != Some(leader)
}

#[test]
fn pre_vote_stops_a_returning_server_from_deposing_the_leader() {
    assert!(returning_server_disrupts(false));
    assert!(!returning_server_disrupts(true));
}

#[test]
fn check_quorum_makes_a_cut_off_leader_step_down() {
    for check_quorum in [false, true] {
        let mut config = SimConfig::visual(22);
        config.options.check_quorum = check_quorum;
        let mut sim = Simulation::new(config);
        let leader = elect(&mut sim);
        sim.isolate(leader, true);
        sim.run_for(2000);
        let role = sim.node(leader).unwrap().role();
        assert_eq!(
            role == Role::Leader,
            !check_quorum,
            "check_quorum = {check_quorum}"
        );
    }
}

#[test]
fn options_switch_live_on_running_servers() {
    let mut sim = Simulation::new(SimConfig::visual(23));
    let leader = elect(&mut sim);
    sim.set_options(raftviz_sim::RaftOptions {
        pre_vote: true,
        check_quorum: true,
        noop_on_election: true,
        fast_backup: true,
        leader_stickiness: true,
        clock_drift_bound_percent: 20,
    });
    assert!((0..5).all(|id| sim.node(id).unwrap().config().leader_stickiness));
    assert!((0..5).all(|id| sim.node(id).unwrap().config().check_quorum));
    sim.crash(leader);
    let next = elect(&mut sim);
    sim.run_for(500);
    let log = sim.node(next).unwrap().log();
    let last = log.get(log.last_index()).unwrap();
    assert_eq!(
        last.data,
        raftviz_raft::EntryData::Noop,
        "the new leader opened its term with a no-op"
    );
}

#[test]
fn leadership_transfer_hands_over_to_an_up_to_date_follower() {
    for seed in 0..10 {
        let mut sim = Simulation::new(SimConfig::visual(seed));
        let leader = elect(&mut sim);
        for _ in 0..5 {
            sim.client_request(Some(leader)).unwrap();
        }
        let target = (leader + 2) % 5;
        let term = sim.node(leader).unwrap().term();
        sim.transfer_leadership(leader, target).unwrap();
        sim.run_for(200);
        assert_eq!(sim.leader(), Some(target), "seed {seed}");
        let node = sim.node(target).unwrap();
        assert_eq!(
            node.term(),
            term + 1,
            "seed {seed}: one election, no split vote"
        );
        assert!(
            node.log().last_index() >= 5,
            "seed {seed}: the target had every entry"
        );
    }
}

#[test]
fn a_transfer_to_a_cut_off_target_is_abandoned() {
    let mut sim = Simulation::new(SimConfig::visual(31));
    let leader = elect(&mut sim);
    let target = (leader + 1) % 5;
    sim.isolate(target, true);
    sim.client_request(Some(leader)).unwrap();
    sim.transfer_leadership(leader, target).unwrap();
    assert_eq!(
        sim.client_request(Some(leader)),
        Err(raftviz_sim::ProposeError::TransferringLeadership { target })
    );
    sim.run_for(400);
    assert_eq!(sim.leader(), Some(leader), "the leader keeps leading");
    assert!(
        sim.client_request(Some(leader)).is_ok(),
        "and takes requests again after giving up"
    );
}

/// The page's message panel lists every field of a message in flight.
#[test]
fn a_message_in_flight_lists_every_field() {
    let mut sim = Simulation::new(SimConfig::visual(3));
    let leader = elect(&mut sim);
    let _ = sim.client_request(Some(leader));
    let carries_entries = |message: &Message| matches!(message, Message::AppendEntries { entries, .. } if !entries.is_empty());
    for _ in 0..200 {
        if sim
            .in_flight()
            .any(|flight| carries_entries(&flight.message))
        {
            break;
        }
        sim.step();
    }
    let flight = sim
        .in_flight()
        .find(|flight| carries_entries(&flight.message))
        .expect("the request travels in an AppendEntries");
    let fields = flight.fields();
    let names: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        [
            "term",
            "prevLogIndex",
            "prevLogTerm",
            "entries[]",
            "leaderCommit",
            "round"
        ]
    );
    assert!(fields[3].1.starts_with("1 (term "), "{fields:?}");
}
