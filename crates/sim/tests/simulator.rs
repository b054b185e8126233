//! The simulator's own promises: determinism, the network model, crashes,
//! the key-value state machine, persist-before-send and the event log.
use raftviz_raft::{Message, MessageKind, Role};
use raftviz_sim::kv::Command;
use raftviz_sim::{
    Delivery, DropReason, EventKind, LinkCut, MessageSummary, NetworkConfig, Retention, SimConfig,
    Simulation,
};

/// A busy run: lossy, duplicating network, crashes, cuts and requests.
fn busy_run(seed: u64, retention: Retention) -> Simulation {
    let mut config = SimConfig::visual(seed);
    config.retention = retention;
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
    // Keeping events, or a window of them, never changes the run.
    let first = busy_run(7, Retention::HASH_ONLY);
    let second = busy_run(7, Retention::EVERYTHING);
    let windowed = busy_run(
        7,
        Retention {
            events: 100,
            operations: 10,
            applied_commands: false,
        },
    );
    assert_eq!(first.trace().hash(), windowed.trace().hash());
    assert_eq!(first.trace().hash(), second.trace().hash());
    assert_eq!(first.trace().len(), second.trace().len());
    assert!(first.trace().len() > 1000, "the run should be busy");
    assert_ne!(
        busy_run(8, Retention::HASH_ONLY).trace().hash(),
        first.trace().hash()
    );
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
    let mut events = sim.trace().events();
    let lost_forward = events.clone().any(|e| {
        matches!(e.kind, EventKind::Drop { from, to, reason: DropReason::LinkCut, .. } if from == leader && to == follower)
    });
    assert!(lost_forward, "messages leader → follower are lost");
    let recent_delivery_back = events.by_ref().rev().take(500).any(|e| {
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
    let last = sim.trace().events().last().unwrap().clone();
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

// ---- Delivery: when a message's fate is decided ----

/// Five servers with a slow network, so a message stays in flight long
/// enough to cut its link behind it.
fn slow_network(seed: u64, delivery: Delivery) -> Simulation {
    let mut config = SimConfig::visual(seed);
    config.network.latency_ms = (40, 40);
    config.network.delivery = delivery;
    config.retention = Retention::EVERYTHING;
    let mut sim = Simulation::new(config);
    elect(&mut sim);
    sim
}

/// Runs until a message `from → to` of `kind` is in flight; its id.
fn in_flight_id(sim: &mut Simulation, from: usize, to: usize, kind: MessageKind) -> u64 {
    for _ in 0..2000 {
        let found = sim
            .in_flight()
            .find(|f| f.from == from && f.to == to && f.message.kind() == kind)
            .map(|f| f.id);
        if let Some(id) = found {
            return id;
        }
        sim.step();
    }
    panic!("no {kind:?} from S{} to S{}", from + 1, to + 1);
}

fn event_count(sim: &Simulation) -> usize {
    sim.trace().kept()
}

/// Every event of a run that keeps them all.
fn all_events(sim: &Simulation) -> Vec<&raftviz_sim::Event> {
    assert_eq!(sim.trace().first_kept(), 0, "the run keeps every event");
    sim.trace().events().collect()
}

fn fate(sim: &Simulation, id: u64) -> Option<Result<u64, DropReason>> {
    all_events(sim).iter().find_map(|e| match e.kind {
        EventKind::Deliver { id: delivered, .. } if delivered == id => Some(Ok(e.time)),
        EventKind::Drop {
            id: dropped,
            reason,
            ..
        } if dropped == id => Some(Err(reason)),
        _ => None,
    })
}

fn assert_delivered(sim: &Simulation, id: u64) {
    let fate = fate(sim, id);
    assert!(matches!(fate, Some(Ok(_))), "{fate:?}");
}

/// A heartbeat on its way when both directions of its link are cut.
fn heartbeat_cut_in_flight(delivery: Delivery) -> (Simulation, u64) {
    let mut sim = slow_network(21, delivery);
    let leader = sim.leader().unwrap();
    let follower = (leader + 1) % 5;
    let id = in_flight_id(&mut sim, leader, follower, MessageKind::AppendEntries);
    sim.set_link(leader, follower, true);
    sim.set_link(follower, leader, true);
    sim.run_for(100);
    (sim, id)
}

#[test]
fn at_arrival_a_request_is_lost_if_its_link_is_cut_while_it_travels() {
    let (sim, id) = heartbeat_cut_in_flight(Delivery::AtArrival);
    assert_eq!(fate(&sim, id), Some(Err(DropReason::LinkCut)));
}

#[test]
fn under_labrpc_a_request_let_through_is_executed_though_its_link_is_cut_meanwhile() {
    let (sim, id) = heartbeat_cut_in_flight(Delivery::Labrpc);
    assert_delivered(&sim, id);
    // Its reply is produced with the link cut: lost then.
    let events = all_events(&sim);
    let delivered = events
        .iter()
        .position(|e| matches!(e.kind, EventKind::Deliver { id: d, .. } if d == id))
        .unwrap();
    let reply_lost = events[delivered..].iter().any(|e| {
        matches!(
            e.kind,
            EventKind::Drop {
                reason: DropReason::LinkCut,
                message: MessageSummary {
                    kind: MessageKind::AppendEntriesReply,
                    ..
                },
                ..
            }
        )
    });
    assert!(reply_lost);
}

/// A reply held back by long reordering, then its link cut both ways.
fn late_reply_cut(delivery: Delivery) -> (Simulation, u64) {
    let mut config = SimConfig::lab(5, 3);
    config.retention = Retention::EVERYTHING;
    config.network.long_reordering = true;
    config.network.delivery = delivery;
    config.retention = Retention::EVERYTHING;
    let mut sim = Simulation::new(config);
    elect(&mut sim);
    let mut late = None;
    for _ in 0..5000 {
        late = sim
            .in_flight()
            .find(|f| !f.message.kind().is_request() && f.deliver_at >= f.sent_at + 200)
            .map(|f| (f.id, f.from, f.to, f.deliver_at));
        if late.is_some() {
            break;
        }
        sim.step();
    }
    let (id, from, to, deliver_at) = late.expect("a long-reordered reply");
    sim.set_link(from, to, true);
    sim.set_link(to, from, true);
    sim.run_until(deliver_at + 1);
    (sim, id)
}

#[test]
fn at_arrival_a_long_reordered_reply_is_lost_to_a_later_cut() {
    let (sim, id) = late_reply_cut(Delivery::AtArrival);
    assert_eq!(fate(&sim, id), Some(Err(DropReason::LinkCut)));
}

#[test]
fn under_labrpc_a_long_reordered_reply_arrives_across_a_later_cut() {
    let (sim, id) = late_reply_cut(Delivery::Labrpc);
    assert_delivered(&sim, id);
}

#[test]
fn under_labrpc_a_request_to_a_down_server_is_lost_when_sent() {
    for delivery in [Delivery::AtArrival, Delivery::Labrpc] {
        let mut sim = slow_network(22, delivery);
        let leader = sim.leader().unwrap();
        let follower = (leader + 1) % 5;
        let executed = sim.rpc_count(follower);
        sim.crash(follower);
        let sent = event_count(&sim);
        let first_send = |sim: &Simulation| {
            all_events(sim)[sent..].iter().find_map(|e| match e.kind {
                EventKind::Send { id, to, .. } if to == follower => Some(id),
                _ => None,
            })
        };
        while first_send(&sim).is_none() {
            sim.step();
        }
        // Back before the message would arrive.
        sim.restart(follower);
        sim.run_for(45);
        let id = first_send(&sim).unwrap();
        let expected = match delivery {
            Delivery::AtArrival => {
                assert!(sim.rpc_count(follower) > executed, "counted when sent");
                Ok(())
            }
            Delivery::Labrpc => {
                assert_eq!(sim.rpc_count(follower), executed, "counted when executed");
                Err(DropReason::ServerDown)
            }
        };
        assert_eq!(fate(&sim, id).map(|r| r.map(|_| ())), Some(expected));
    }
}

#[test]
fn under_labrpc_a_reply_to_a_requester_that_crashed_since_is_lost() {
    for delivery in [Delivery::AtArrival, Delivery::Labrpc] {
        let mut sim = slow_network(23, delivery);
        let leader = sim.leader().unwrap();
        let follower = (leader + 1) % 5;
        in_flight_id(&mut sim, leader, follower, MessageKind::AppendEntries);
        // The leader crashes and comes back while its heartbeat travels.
        sim.crash(leader);
        sim.restart(leader);
        let from = event_count(&sim);
        sim.run_for(41);
        let events = &all_events(&sim)[from..];
        let reply = events.iter().find_map(|e| match e.kind {
            EventKind::Send {
                id,
                to,
                message:
                    MessageSummary {
                        kind: MessageKind::AppendEntriesReply,
                        ..
                    },
            } if to == leader && e.server == Some(follower) => Some(id),
            _ => None,
        });
        let reply = reply.expect("the follower answers the old heartbeat");
        sim.run_for(50);
        match delivery {
            Delivery::AtArrival => assert_delivered(&sim, reply),
            Delivery::Labrpc => assert_eq!(fate(&sim, reply), Some(Err(DropReason::ServerDown))),
        }
    }
}

#[test]
fn under_labrpc_only_long_reordering_delays_a_reply() {
    let mut config = SimConfig::lab(5, 4);
    config.retention = Retention::EVERYTHING;
    config.network = NetworkConfig::unreliable();
    config.network.long_reordering = true;
    config.network.delivery = Delivery::Labrpc;
    let mut sim = Simulation::new(config);
    sim.run_for(3000);
    let mut sent_at = std::collections::BTreeMap::new();
    let (mut quick, mut late) = (0, 0);
    for event in all_events(&sim) {
        match event.kind {
            EventKind::Send { id, message, .. } if !message.kind.is_request() => {
                sent_at.insert(id, event.time);
            }
            EventKind::Deliver { id, .. } => {
                if let Some(sent) = sent_at.get(&id) {
                    match event.time - sent {
                        0 => quick += 1,
                        200..=2199 => late += 1,
                        other => panic!("a reply delayed {other} ms"),
                    }
                }
            }
            _ => {}
        }
    }
    assert!(late > 0 && quick > 0, "{quick} quick, {late} late");
}

#[test]
fn rpc_bytes_count_requests_sent_and_replies_delivered() {
    let mut sim = Simulation::new(SimConfig {
        retention: Retention::EVERYTHING,
        ..SimConfig::visual(24)
    });
    elect(&mut sim);
    sim.run_for(1000);
    while sim.in_flight().next().is_some() {
        sim.step();
    }
    let (bytes, from) = (sim.rpc_bytes(), event_count(&sim));
    sim.run_for(500);
    while sim.in_flight().next().is_some() {
        sim.step();
    }
    let events = &all_events(&sim)[from..];
    let heartbeats = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Send { message, .. } if message.kind == MessageKind::AppendEntries))
        .count() as u64;
    let replies = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Deliver { message, .. } if message.kind == MessageKind::AppendEntriesReply))
        .count() as u64;
    assert!(
        heartbeats >= 8 && replies == heartbeats,
        "{heartbeats} / {replies}"
    );
    // An empty AppendEntries is 49 bytes and a plain reply 34.
    assert_eq!(sim.rpc_bytes() - bytes, 49 * heartbeats + 34 * replies);
}

#[test]
fn a_trace_keeps_a_window_of_the_latest_events_numbered_in_the_run() {
    let whole = busy_run(9, Retention::EVERYTHING);
    let windowed = busy_run(
        9,
        Retention {
            events: 100,
            ..Retention::EVERYTHING
        },
    );
    let trace = windowed.trace();
    assert_eq!(trace.len(), whole.trace().len());
    assert_eq!(trace.kept(), 100);
    assert_eq!(trace.first_kept(), trace.len() - 100);
    let latest = whole.trace().numbered().skip(whole.trace().kept() - 100);
    assert!(trace.numbered().eq(latest));
    // The marks are the whole run's: the window is for events only.
    assert_eq!(trace.markers(), whole.trace().markers());
}
