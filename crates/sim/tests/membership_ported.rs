//! The membership and learner tests of etcd-io/raft and tikv/raft-rs,
//! read for what they check and written again against this simulator
//! (whole clusters over the simulated network rather than their in-memory
//! harnesses). Origins — etcd-io/raft `raft_test.go`, tikv/raft-rs
//! `harness/tests/integration_cases/test_raft.rs`:
//!
//! | here | etcd-io/raft | tikv/raft-rs |
//! |---|---|---|
//! | `a_learner_never_starts_an_election` | TestLearnerElectionTimeout | test_learner_election_timeout |
//! | `a_promoted_learner_can_lead` | TestLearnerPromotion | test_learner_promotion |
//! | `a_learner_gets_the_log_but_commitment_does_not_wait_for_it` | TestLearnerLogReplication | test_learner_log_replication |
//! | `adding_a_voter_puts_it_in_the_configuration` | TestAddNode | test_add_node |
//! | `a_learner_is_added_and_removed` | TestAddLearner, TestRemoveLearner | test_add_learner, test_remove_learner |
//! | `a_removed_voter_leaves_the_configuration_and_cannot_lead` | TestRemoveNode, TestPromotable | test_remove_node, test_promotable |
//! | `removing_a_down_voter_lets_the_rest_commit` | TestCommitAfterRemoveNode | test_commit_after_remove_node |
//! | `a_second_change_is_refused_while_the_first_is_pending` | TestNewLeaderPendingConfig, TestStepIgnoreConfig | test_new_leader_pending_config, test_step_ignore_config |
//! | `leadership_is_not_handed_to_a_learner` | TestLeaderTransferToLearner (in TestLearnerPromotion's spirit) | test_leader_transfer_to_learner |
//! | `a_learner_added_after_compaction_gets_a_snapshot` | TestLearnerReceiveSnapshot | test_learner_receive_snapshot |
//! | `a_restarted_server_keeps_its_learners` | TestRestoreWithLearner | test_restore_with_learner |
//! | `an_added_voter_raises_the_quorum_check_quorum_needs` | TestAddNodeCheckQuorum | test_add_node_check_quorum |
//! | `a_joint_change_is_entered_and_left_with_learners` | confchange/testdata joint_*, TestConfChangeV2 auto-leave | test_conf_change_v2 / joint_consensus cases |
use raftviz_raft::{ConfChange, MembershipError, Role};
use raftviz_sim::{
    ChangeError, Joining, RaftOptions, SimConfig, Simulation, SnapshotPolicy, TransferError,
};

/// `servers` voters on the visual timing with a leader that has committed
/// an entry of its term, so that it may change the configuration.
fn settled_with(config: SimConfig) -> Simulation {
    let mut sim = Simulation::new(config);
    sim.run_for(1_000);
    let leader = sim.leader().expect("a leader after a second");
    sim.client_request(Some(leader)).unwrap();
    sim.run_for(300);
    sim
}

fn settled(servers: usize, seed: u64) -> Simulation {
    settled_with(SimConfig {
        servers,
        ..SimConfig::visual(seed)
    })
}

/// Ids of the running servers other than `but`.
fn others(sim: &Simulation, but: &[usize]) -> Vec<usize> {
    (0..sim.server_count())
        .filter(|id| !but.contains(id))
        .collect()
}

fn commit(sim: &Simulation, id: usize) -> u64 {
    sim.node(id).unwrap().commit_index()
}

#[test]
fn a_learner_never_starts_an_election() {
    let mut sim = settled(3, 1);
    let learner = sim.add_server(Joining::Learner).unwrap();
    sim.run_for(500);
    let term = sim.node(learner).unwrap().term();
    // Its timer expires again and again: cut off, and forced.
    sim.isolate(learner, true);
    sim.run_for(3_000);
    sim.force_timeout(learner);
    sim.run_for(100);
    let node = sim.node(learner).unwrap();
    assert_eq!(node.term(), term);
    assert_eq!(node.role(), Role::Follower);
}

#[test]
fn a_promoted_learner_can_lead() {
    let mut sim = settled(3, 2);
    let learner = sim.add_server(Joining::Learner).unwrap();
    sim.run_for(500);
    sim.promote(learner).unwrap();
    sim.run_for(500);
    assert_eq!(sim.server_view(learner).member, "voter");
    let old = sim.leader().unwrap();
    sim.crash(old);
    sim.force_timeout(learner);
    sim.run_for(200);
    assert_eq!(sim.leader(), Some(learner));
}

#[test]
fn a_learner_gets_the_log_but_commitment_does_not_wait_for_it() {
    let mut sim = settled(3, 3);
    let leader = sim.leader().unwrap();
    let learner = sim.add_server(Joining::Learner).unwrap();
    sim.run_for(500);
    // Cut off, the learner holds nothing up.
    sim.isolate(learner, true);
    let before = commit(&sim, leader);
    for _ in 0..3 {
        sim.client_request(Some(leader)).unwrap();
    }
    sim.run_for(300);
    assert_eq!(commit(&sim, leader), before + 3);
    assert!(commit(&sim, learner) <= before);
    // Healed, it catches up: entries and commit index.
    sim.isolate(learner, false);
    sim.run_for(500);
    assert_eq!(commit(&sim, learner), commit(&sim, leader));
    assert_eq!(
        sim.node(learner).unwrap().log().last_index(),
        sim.node(leader).unwrap().log().last_index()
    );
}

#[test]
fn adding_a_voter_puts_it_in_the_configuration() {
    let mut sim = settled(3, 4);
    let added = sim.add_server(Joining::Voter).unwrap();
    sim.run_for(500);
    for id in 0..=added {
        let view = sim.server_view(id);
        assert_eq!(view.configuration.data_config(), "0,1,2,3", "S{}", id + 1);
        assert_eq!(view.member, "voter");
    }
    // Four voters: two down stop commitment, which three alone did not.
    let leader = sim.leader().unwrap();
    let down: Vec<usize> = others(&sim, &[leader]).into_iter().take(2).collect();
    for &id in &down {
        sim.crash(id);
    }
    let before = commit(&sim, leader);
    sim.client_request(Some(leader)).unwrap();
    sim.run_for(500);
    assert_eq!(commit(&sim, leader), before);
}

#[test]
fn a_learner_is_added_and_removed() {
    let mut sim = settled(3, 5);
    let learner = sim.add_server(Joining::Learner).unwrap();
    sim.run_for(500);
    let view = sim.server_view(sim.leader().unwrap());
    assert_eq!(view.configuration.learners, [learner]);
    assert_eq!(view.configuration.data_config(), "0,1,2");
    sim.remove_server(learner).unwrap();
    sim.run_for(500);
    let view = sim.server_view(sim.leader().unwrap());
    assert!(view.configuration.learners.is_empty());
    assert_eq!(sim.server_view(learner).member, "removed");
    // Entries go on without it.
    let leader = sim.leader().unwrap();
    let before = sim.node(learner).unwrap().log().last_index();
    sim.client_request(Some(leader)).unwrap();
    sim.run_for(300);
    assert_eq!(sim.node(learner).unwrap().log().last_index(), before);
}

#[test]
fn a_removed_voter_leaves_the_configuration_and_cannot_lead() {
    let mut config = SimConfig {
        servers: 4,
        ..SimConfig::visual(6)
    };
    config.options.leader_stickiness = true;
    let mut sim = settled_with(config);
    let leader = sim.leader().unwrap();
    let gone = others(&sim, &[leader])[0];
    sim.remove_server(gone).unwrap();
    sim.run_for(500);
    assert_eq!(sim.server_view(gone).member, "removed");
    assert_eq!(sim.cluster_configuration_view().voters.len(), 3);
    // Whether or not it heard of its removal, it is no longer promotable:
    // its elections win nothing, and with §4.2.3 they depose no one.
    for _ in 0..3 {
        sim.force_timeout(gone);
        sim.run_for(700);
        assert_ne!(sim.node(gone).unwrap().role(), Role::Leader);
    }
    assert_eq!(sim.leader(), Some(leader));
}

#[test]
fn removing_a_down_voter_lets_the_rest_commit() {
    // Four voters, one down for good and one about to go: removing the
    // one that goes leaves {leader, a, down} whose majority is two. (With
    // §4.2.3 on, so that the removed server, which never hears of its
    // removal, cannot depose the leader before it goes down.)
    let mut config = SimConfig {
        servers: 4,
        ..SimConfig::visual(7)
    };
    config.options.leader_stickiness = true;
    let mut sim = settled_with(config);
    let leader = sim.leader().unwrap();
    let rest = others(&sim, &[leader]);
    let (a, down, going) = (rest[0], rest[1], rest[2]);
    sim.crash(down);
    sim.remove_server(going).unwrap();
    sim.run_for(300);
    sim.crash(going);
    let before = commit(&sim, leader);
    sim.client_request(Some(leader)).unwrap();
    sim.run_for(300);
    assert_eq!(
        commit(&sim, leader),
        before + 1,
        "leader and S{} are a majority of the three voters left",
        a + 1
    );
}

#[test]
fn a_second_change_is_refused_while_the_first_is_pending() {
    let mut sim = settled(3, 8);
    let leader = sim.leader().unwrap();
    // The followers cannot hear: the first change cannot commit.
    for id in others(&sim, &[leader]) {
        sim.isolate(id, true);
    }
    assert_eq!(sim.add_server(Joining::Voter), Ok(3));
    let pending = sim.add_server(Joining::Learner);
    assert!(
        matches!(
            pending,
            Err(ChangeError::Refused(MembershipError::ChangePending { .. }))
        ),
        "{pending:?}"
    );
    assert_eq!(sim.server_count(), 4, "the refused server never booted");
    // Once it commits, the next change goes through.
    sim.heal_all();
    sim.run_for(1_000);
    let leader = sim.leader().unwrap();
    assert_eq!(
        sim.server_view(leader).configuration.data_config(),
        "0,1,2,3"
    );
    assert_eq!(sim.add_server(Joining::Learner), Ok(4));
}

#[test]
fn leadership_is_not_handed_to_a_learner() {
    let mut sim = settled(3, 9);
    let leader = sim.leader().unwrap();
    let learner = sim.add_server(Joining::Learner).unwrap();
    sim.run_for(500);
    assert_eq!(
        sim.transfer_leadership(leader, learner),
        Err(TransferError::NotAVoter { target: learner })
    );
    sim.run_for(1_000);
    assert_eq!(sim.leader(), Some(leader));
}

#[test]
fn a_learner_added_after_compaction_gets_a_snapshot() {
    let mut sim = settled_with(SimConfig {
        servers: 3,
        snapshot_policy: SnapshotPolicy::EveryEntries(5),
        ..SimConfig::visual(10)
    });
    let leader = sim.leader().unwrap();
    for _ in 0..12 {
        sim.client_request(Some(leader)).unwrap();
    }
    sim.run_for(500);
    assert!(
        sim.node(leader).unwrap().log().base_index() > 0,
        "compacted"
    );
    let learner = sim.add_server(Joining::Learner).unwrap();
    sim.run_for(1_500);
    let node = sim.node(learner).unwrap();
    assert!(node.log().base_index() > 0, "it started from a snapshot");
    assert_eq!(node.commit_index(), commit(&sim, leader));
    assert_eq!(sim.kv(learner), sim.kv(leader));
}

#[test]
fn a_restarted_server_keeps_its_learners() {
    let mut sim = settled_with(SimConfig {
        servers: 3,
        snapshot_policy: SnapshotPolicy::EveryEntries(3),
        ..SimConfig::visual(11)
    });
    let leader = sim.leader().unwrap();
    let learner = sim.add_server(Joining::Learner).unwrap();
    for _ in 0..6 {
        sim.client_request(Some(leader)).unwrap();
    }
    sim.run_for(800);
    let follower = others(&sim, &[leader, learner])[0];
    let node = sim.node(follower).unwrap();
    assert!(
        node.log().base_index() > 0 && node.log().base_index() >= node.configuration_index(),
        "the configuration entry is under the snapshot"
    );
    sim.crash(follower);
    sim.restart(follower);
    let view = sim.server_view(follower);
    assert_eq!(view.configuration.learners, [learner]);
    assert_eq!(view.configuration.data_config(), "0,1,2");
}

#[test]
fn an_added_voter_raises_the_quorum_check_quorum_needs() {
    let config = SimConfig {
        servers: 3,
        options: RaftOptions {
            check_quorum: true,
            ..RaftOptions::default()
        },
        ..SimConfig::visual(12)
    };
    let mut sim = settled_with(config);
    let leader = sim.leader().unwrap();
    let added = sim.add_server(Joining::Voter).unwrap();
    sim.run_for(500);
    sim.crash(added);
    // Three of four voters active: the leader stays.
    sim.run_for(1_500);
    assert_eq!(sim.node(leader).unwrap().role(), Role::Leader);
    // Two of four: it steps down (with three voters, two were enough).
    let other = others(&sim, &[leader, added])[0];
    sim.crash(other);
    sim.run_for(1_500);
    assert_ne!(sim.node(leader).unwrap().role(), Role::Leader);
}

#[test]
fn a_joint_change_is_entered_and_left_with_learners() {
    let mut sim = settled(3, 13);
    let leader = sim.leader().unwrap();
    let demoted = others(&sim, &[leader])[0];
    // Add S4 as a voter and S5 as a learner, demote a voter: one joint
    // change (etcd's ConfChangeV2 with auto-leave).
    let changes = [
        ConfChange::AddVoter(3),
        ConfChange::AddLearner(4),
        ConfChange::AddLearner(demoted),
    ];
    sim.change_membership(&changes).unwrap();
    let joint = sim.server_view(leader).configuration;
    assert!(joint.is_joint());
    assert_eq!(joint.outgoing, [0, 1, 2]);
    assert!(joint.voters.contains(&3) && !joint.voters.contains(&demoted));
    assert_eq!(sim.server_view(demoted).member, "voter", "until C_new");
    sim.run_for(1_000);
    let left = sim.server_view(leader).configuration;
    assert!(!left.is_joint(), "left automatically");
    let mut learners = vec![4, demoted];
    learners.sort();
    assert_eq!(left.learners, learners);
    assert_eq!(sim.server_view(demoted).member, "learner");
    assert_eq!(sim.server_view(4).member, "learner");
    assert_eq!(sim.server_view(3).member, "voter");
}
