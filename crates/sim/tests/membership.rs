//! Membership change in the simulator: servers added while the run goes
//! on (booted empty), removed, promoted, changed together through a joint
//! configuration; what the views show of it; what is traced; and that
//! traces and links carry it.
use raftviz_sim::share::{decode_run, encode_run, export_trace, import_trace};
use raftviz_sim::{
    ChangeError, ConfChange, EventKind, Joining, MembershipError, SimConfig, Simulation,
    UserAction, SERVER_SLOTS,
};

/// Three servers on the visual timing with a leader that has committed a
/// command of its term, so that it may change the configuration.
fn settled(seed: u64) -> Simulation {
    let mut sim = Simulation::new(SimConfig {
        servers: 3,
        ..SimConfig::visual(seed)
    });
    sim.run_for(1_000);
    assert!(sim.leader().is_some(), "a leader after a second");
    // An action, so that the run replays from its actions.
    sim.act(UserAction::Request { server: None });
    sim.run_for(300);
    sim
}

fn events(sim: &Simulation) -> Vec<&EventKind> {
    sim.trace().events().map(|event| &event.kind).collect()
}

#[test]
fn a_learner_boots_empty_gets_the_whole_log_and_never_votes() {
    let mut sim = settled(1);
    let leader = sim.leader().unwrap();
    assert_eq!(sim.add_server(Joining::Learner), Ok(3));
    assert_eq!(sim.server_count(), 4);
    assert_eq!(sim.server_view(3).member, "learner");
    sim.run_for(1_000);
    let view = sim.server_view(3);
    assert_eq!(view.last_index, sim.server_view(leader).last_index);
    assert_eq!(view.commit, sim.server_view(leader).commit);
    assert_eq!(view.configuration.data_config(), "0,1,2");
    assert_eq!(view.configuration.learners, [3]);
    assert_eq!(view.role, "follower");
    let log = sim.log_view(3);
    let entry = log
        .entries
        .iter()
        .find(|entry| entry.configuration.is_some())
        .expect("the configuration entry stands out in the log");
    assert_eq!(entry.command, "config S1 S2 S3, learners S4");
    assert_eq!(
        events(&sim)
            .iter()
            .filter(|kind| matches!(kind, EventKind::ServerAdded { .. }))
            .count(),
        1
    );
    assert!(events(&sim).iter().any(|kind| matches!(
        kind,
        EventKind::ConfigurationCommitted { configuration, .. }
            if configuration.learners.contains(3)
    )));
    // The learner takes no part in elections.
    sim.crash(leader);
    sim.run_for(2_000);
    let leader = sim.leader().unwrap();
    assert_ne!(leader, 3);
    assert_eq!(
        sim.node(3).unwrap().term(),
        sim.node(leader).unwrap().term()
    );
    assert_eq!(sim.server_view(3).voted_for, None, "asked by nobody");
}

#[test]
fn a_server_caught_up_in_rounds_is_promoted_by_the_leader() {
    let mut sim = settled(2);
    for _ in 0..20 {
        sim.client_request(None).unwrap();
    }
    sim.run_for(200);
    assert_eq!(sim.add_server(Joining::CaughtUp), Ok(3));
    assert_eq!(sim.server_view(3).member, "learner");
    sim.run_for(1_500);
    assert_eq!(sim.server_view(3).member, "voter");
    assert_eq!(sim.server_view(3).configuration.data_config(), "0,1,2,3");
    let outcome = events(&sim).into_iter().find_map(|kind| match kind {
        EventKind::CatchUp {
            server, outcome, ..
        } => Some((*server, *outcome)),
        _ => None,
    });
    assert_eq!(outcome, Some((3, raftviz_raft::CatchUpOutcome::Promoted)));
}

#[test]
fn a_voter_added_straight_counts_at_once() {
    let mut sim = settled(3);
    assert_eq!(sim.add_server(Joining::Voter), Ok(3));
    assert_eq!(sim.server_view(3).member, "voter");
    assert_eq!(
        sim.cluster_configuration_view().voters.len(),
        4,
        "in force from the moment it is appended"
    );
    sim.run_for(1_000);
    assert_eq!(sim.server_view(3).configuration.data_config(), "0,1,2,3");
}

#[test]
fn a_removed_leader_steps_down_once_c_new_commits() {
    let mut sim = settled(4);
    let leader = sim.leader().unwrap();
    sim.remove_server(leader).unwrap();
    assert_eq!(sim.server_view(leader).member, "removed");
    assert_eq!(
        sim.server_view(leader).role,
        "leader",
        "§4.2.2: it leads until C_new commits"
    );
    sim.run_for(2_000);
    let new_leader = sim.leader().expect("the others elect a leader");
    assert_ne!(new_leader, leader);
    assert_eq!(sim.server_view(leader).role, "follower");
    assert_eq!(sim.cluster_configuration_view().voters.len(), 2);
    // The removed server knows (it had C_new) and stays quiet.
    let term = sim.node(leader).unwrap().term();
    sim.run_for(5_000);
    assert_eq!(sim.node(leader).unwrap().term(), term);
}

#[test]
fn a_joint_change_shows_both_configurations_then_c_new() {
    let mut sim = settled(5);
    let leader = sim.leader().unwrap();
    let gone = (leader + 1) % 3;
    let changes = [ConfChange::AddVoter(3), ConfChange::Remove(gone)];
    sim.change_membership(&changes).unwrap();
    let mut c_new: Vec<usize> = (0..4).filter(|&id| id != gone).collect();
    c_new.sort();
    let c_new = c_new
        .iter()
        .map(|id| id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(
        sim.server_view(leader).configuration.data_config(),
        format!("0,1,2|{c_new}")
    );
    assert_eq!(sim.server_view(gone).member, "voter", "still in C_old");
    sim.run_for(1_500);
    assert_eq!(sim.server_view(leader).configuration.data_config(), c_new);
    assert_eq!(sim.server_view(3).configuration.data_config(), c_new);
    assert_eq!(sim.server_view(gone).member, "removed");
}

#[test]
fn requests_that_cannot_be_carried_out_are_refused_and_traced() {
    let mut sim = Simulation::new(SimConfig {
        servers: 3,
        ..SimConfig::visual(6)
    });
    assert_eq!(sim.add_server(Joining::Learner), Err(ChangeError::NoLeader));
    assert_eq!(sim.server_count(), 3, "nothing booted");
    sim.run_for(1_000);
    assert_eq!(
        sim.add_server(Joining::Learner),
        Err(ChangeError::Refused(MembershipError::NotCommittedInTerm))
    );
    sim.run_for(300);
    assert_eq!(sim.add_server(Joining::Learner), Ok(3));
    let pending = sim.promote(3);
    assert!(
        matches!(
            pending,
            Err(ChangeError::Refused(MembershipError::ChangePending { .. }))
        ),
        "{pending:?}"
    );
    sim.run_for(500);
    assert_eq!(
        sim.change_membership(&[ConfChange::AddLearner(5)]),
        Err(ChangeError::NotNextId { server: 5 })
    );
    let refusals = events(&sim)
        .iter()
        .filter(|kind| matches!(kind, EventKind::MembershipRefused { .. }))
        .count();
    assert_eq!(refusals, 4);
    assert!(sim.trace().dslog(4, &["member"]).contains("refused"));
}

#[test]
fn ids_run_out_after_nine_servers() {
    let mut sim = settled(7);
    for id in 3..SERVER_SLOTS {
        assert_eq!(sim.add_server(Joining::Learner), Ok(id));
        sim.run_for(500);
    }
    assert_eq!(
        sim.add_server(Joining::Learner),
        Err(ChangeError::NoFreeSlot)
    );
    // Each new server's links are there to cut.
    sim.isolate(8, true);
    assert_eq!(sim.link(0, 8), raftviz_sim::LinkCut::Both);
}

#[test]
fn membership_actions_travel_in_traces_and_links() {
    let mut sim = settled(8);
    sim.act(UserAction::AddServer {
        joining: Joining::CaughtUp,
    });
    sim.run_for(1_500);
    sim.act(UserAction::ChangeMembership {
        changes: vec![ConfChange::AddLearner(4), ConfChange::Remove(0)],
    });
    sim.run_for(1_000);
    sim.act(UserAction::ChangeMembership {
        changes: vec![ConfChange::AddVoter(4)],
    });
    sim.run_for(1_000);
    sim.act(UserAction::AddServer {
        joining: Joining::Voter,
    });
    sim.run_for(500);
    assert_eq!(sim.server_count(), 6);
    let from_trace = import_trace(&export_trace(&sim)).unwrap().replay().unwrap();
    let from_link = decode_run(&encode_run(&sim)).unwrap().replay().unwrap();
    for replayed in [from_trace, from_link] {
        assert_eq!(replayed.trace().hash(), sim.trace().hash());
        assert_eq!(replayed.server_count(), 6);
        assert_eq!(replayed.server_view(4), sim.server_view(4));
    }
}

/// The page lists committed-stays-committed only once the membership has
/// changed: a fixed cluster shows the six invariants of the paper.
#[test]
fn committed_stays_committed_is_listed_once_a_server_joins() {
    let listed = |sim: &Simulation| {
        sim.invariants()
            .iter()
            .any(|status| status.name == raftviz_sim::COMMITTED_STAYS_COMMITTED)
    };
    let mut sim = settled(1);
    assert!(!listed(&sim), "a fixed cluster");
    assert_eq!(sim.add_server(Joining::Learner), Ok(3));
    sim.run_for(300);
    assert!(listed(&sim), "after a server joined");
}

/// The liveness gauge counts the majority of the leader's configuration:
/// three voters following their leader serve, however many learners are down.
#[test]
fn the_liveness_gauge_counts_voters_not_learners() {
    let mut sim = settled(2);
    for expected in 3..6 {
        assert_eq!(sim.add_server(Joining::Learner), Ok(expected));
        sim.run_for(300);
    }
    for learner in 3..6 {
        sim.crash(learner);
    }
    sim.run_for(2_000);
    let gauge = sim.liveness(&raftviz_sim::LivenessThresholds::default());
    assert_eq!(gauge.leader, sim.leader(), "{gauge:?}");
    assert_eq!(gauge.ms_without_leader, 0, "{gauge:?}");
}

/// A snapshot carries the starting configuration: compaction alone does not
/// list committed-stays-committed.
#[test]
fn a_snapshot_of_a_fixed_cluster_lists_the_six_invariants() {
    let mut sim = Simulation::new(SimConfig {
        servers: 3,
        snapshot_policy: raftviz_sim::SnapshotPolicy::EveryEntries(5),
        ..SimConfig::visual(3)
    });
    sim.run_for(1_000);
    for _ in 0..20 {
        sim.act(UserAction::Request { server: None });
        sim.run_for(100);
    }
    assert!((0..3).all(|id| sim.server_view(id).snapshot_index > 0));
    assert_eq!(sim.invariants().len(), 6);
}
