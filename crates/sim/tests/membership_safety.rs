//! The 2015 single-server bug (raft-dev, July 2015), click by click, and
//! the checkers that know configurations: with the bug switch on, two
//! leaders of diverging configurations commit conflicting entries — a
//! committed entry is lost (Leader Completeness, committed-stays-committed,
//! then State Machine Safety) and two leaders lead one term (Election
//! Safety across configurations); with the fix, the same clicks stay green.
use raftviz_sim::{
    ConfChange, EventKind, Joining, NetworkConfig, SimConfig, Simulation, UserAction,
};

const S1: usize = 0;
const S2: usize = 1;
const S3: usize = 2;
const S4: usize = 3;
const S5: usize = 4;

/// Four servers; elections happen only when a step forces a timeout.
fn config(bug: bool) -> SimConfig {
    let mut config = SimConfig {
        servers: 4,
        election_timeout_ms: (100_000, 100_000),
        heartbeat_ms: 50,
        network: NetworkConfig {
            latency_ms: (10, 10),
            ..NetworkConfig::visual()
        },
        stop_at_violation: false,
        ..SimConfig::visual(2015)
    };
    config.bugs.change_membership_before_term_commit = bug;
    config
}

fn act(sim: &mut Simulation, action: UserAction, then_ms: u64) {
    sim.act(action);
    sim.run_for(then_ms);
}

fn cut_both_ways(sim: &mut Simulation, a: usize, b: usize) {
    for (from, to) in [(a, b), (b, a)] {
        sim.act(UserAction::SetLink {
            from,
            to,
            cut: true,
        });
    }
}

/// The clicks of the 2015 bug, up to S1's election in term 3.
fn run_2015(bug: bool) -> Simulation {
    let mut sim = Simulation::new(config(bug));
    // S1 leads term 1 and commits a command everywhere.
    act(&mut sim, UserAction::Timeout { server: S1 }, 100);
    act(&mut sim, UserAction::Request { server: Some(S1) }, 200);
    assert_eq!(sim.leader(), Some(S1));
    assert_eq!(sim.node(S4).unwrap().commit_index(), 1);
    // Cut off from S2, S3 and S4, S1 adds S5 straight as a voter: C1 =
    // {S1..S5}, held by S1 and S5 only.
    cut_both_ways(&mut sim, S1, S2);
    cut_both_ways(&mut sim, S1, S3);
    sim.act(UserAction::SetLink {
        from: S1,
        to: S4,
        cut: true,
    });
    act(
        &mut sim,
        UserAction::AddServer {
            joining: Joining::Voter,
        },
        200,
    );
    assert_eq!(sim.server_view(S5).configuration.data_config(), "0,1,2,3,4");
    // S2 wins term 2 with S3 and S4 (a majority of C0 = {S1..S4}) and,
    // before it has committed anything of its term, removes S1: C2 =
    // {S2, S3, S4}, which S3 alone joins it in holding (S2 → S4 is cut
    // once S2 leads).
    act(&mut sim, UserAction::Timeout { server: S2 }, 100);
    assert_eq!(sim.leader(), Some(S2));
    sim.act(UserAction::SetLink {
        from: S2,
        to: S4,
        cut: true,
    });
    act(
        &mut sim,
        UserAction::ChangeMembership {
            changes: vec![ConfChange::Remove(S1)],
        },
        100,
    );
    act(&mut sim, UserAction::Request { server: Some(S2) }, 200);
    // S1, with C1, loses term 2 (S4 voted for S2) and wins term 3 with S4
    // and S5: a majority of C1.
    sim.act(UserAction::SetLink {
        from: S1,
        to: S4,
        cut: false,
    });
    act(&mut sim, UserAction::Timeout { server: S1 }, 100);
    act(&mut sim, UserAction::Timeout { server: S1 }, 100);
    sim
}

fn broken(sim: &Simulation) -> Vec<&'static str> {
    sim.violations().iter().map(|v| v.invariant).collect()
}

#[test]
fn with_the_2015_bug_a_committed_entry_is_lost() {
    let mut sim = run_2015(true);
    // S2 committed C2 and a command (indices 2 and 3) with S3.
    assert_eq!(sim.node(S3).unwrap().commit_index(), 3);
    assert_eq!(sim.node(S2).unwrap().configuration().voters.len(), 3);
    assert_eq!(sim.node(S1).unwrap().role(), raftviz_raft::Role::Leader);
    assert_eq!(sim.node(S1).unwrap().term(), 3);
    assert_eq!(
        broken(&sim),
        ["leader-completeness", "committed-stays-committed"],
        "both trip at S1's election"
    );
    // S1 writes its log over S2's and S3's: a committed entry is replaced.
    act(&mut sim, UserAction::HealAll, 100);
    act(&mut sim, UserAction::Request { server: Some(S1) }, 500);
    assert!(
        broken(&sim).contains(&"state-machine-safety"),
        "{:?}",
        broken(&sim)
    );
}

#[test]
fn with_the_2015_bug_two_leaders_of_two_configurations_share_a_term() {
    let mut sim = run_2015(true);
    // S2 (still cut off from S1) restarts and campaigns in term 3 under
    // C2 = {S2, S3, S4}: S3 is enough.
    act(&mut sim, UserAction::Crash { server: S2 }, 10);
    act(&mut sim, UserAction::Restart { server: S2 }, 10);
    act(&mut sim, UserAction::Timeout { server: S2 }, 100);
    assert_eq!(sim.node(S2).unwrap().role(), raftviz_raft::Role::Leader);
    assert_eq!(sim.node(S2).unwrap().term(), 3);
    assert!(
        broken(&sim).contains(&"election-safety"),
        "{:?}",
        broken(&sim)
    );
}

#[test]
fn with_the_fix_the_same_clicks_stay_green() {
    let mut sim = run_2015(false);
    let refused = sim.trace().events().any(|event| {
        matches!(event.kind, EventKind::MembershipRefused { .. }) && event.server == Some(S2)
    });
    assert!(
        refused,
        "S2 had not committed in term 2: its change is refused"
    );
    act(&mut sim, UserAction::HealAll, 100);
    act(&mut sim, UserAction::Request { server: Some(S1) }, 500);
    act(&mut sim, UserAction::Crash { server: S2 }, 10);
    act(&mut sim, UserAction::Restart { server: S2 }, 10);
    act(&mut sim, UserAction::Timeout { server: S2 }, 300);
    assert_eq!(broken(&sim), Vec::<&str>::new());
    assert!(sim.leader().is_some());
}
