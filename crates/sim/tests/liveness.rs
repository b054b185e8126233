//! The liveness gauge: a leader that a majority follows, leader changes
//! per virtual minute and completed operations per second, judged against
//! thresholds; it reads what the cluster does and never changes it.
use raftviz_sim::{LivenessState, LivenessThresholds, SimConfig, Simulation, UserAction};

fn gauge(sim: &Simulation) -> raftviz_sim::LivenessView {
    sim.liveness(&LivenessThresholds::default())
}

fn elected(seed: u64) -> Simulation {
    let mut sim = Simulation::new(SimConfig::visual(seed));
    sim.run_for(1000);
    assert!(sim.leader().is_some());
    sim
}

#[test]
fn a_healthy_cluster_is_ok_with_one_leader_change() {
    let sim = elected(3);
    let view = gauge(&sim);
    assert_eq!(view.state, LivenessState::Ok);
    assert_eq!(view.ms_without_leader, 0);
    assert_eq!(view.leader_changes_per_min, 1);
    assert_eq!(view.leader, sim.leader());
    assert_eq!(view.completed_per_s_tenths, 0, "nobody asked for anything");
}

#[test]
fn clients_served_show_as_operations_per_second() {
    let mut sim = elected(4);
    sim.act(UserAction::StartClients { count: 3 });
    sim.run_for(6000);
    let view = gauge(&sim);
    assert!(view.completed_per_s_tenths >= 100, "{view:?}");
    sim.act(UserAction::StopClients);
    sim.run_for(6000);
    assert_eq!(
        gauge(&sim).completed_per_s_tenths,
        0,
        "the window forgot them"
    );
}

#[test]
fn a_lost_majority_turns_the_gauge_amber_then_red() {
    let mut sim = elected(5);
    let leader = sim.leader().unwrap();
    let others: Vec<usize> = (0..5).filter(|&id| id != leader).take(2).collect();
    sim.crash(leader);
    for id in others {
        sim.crash(id);
    }
    sim.run_for(500);
    assert_eq!(
        gauge(&sim).state,
        LivenessState::Ok,
        "a short gap is an election"
    );
    sim.run_for(700);
    let view = gauge(&sim);
    assert_eq!(view.state, LivenessState::Degraded, "{view:?}");
    assert!((1000..1300).contains(&view.ms_without_leader), "{view:?}");
    sim.run_for(2000);
    assert_eq!(gauge(&sim).state, LivenessState::Down);
    assert_eq!(gauge(&sim).leader, None);
}

/// A leader cut off from everyone still believes it leads (check-quorum is
/// off), but nobody follows it: the gauge does not count it.
#[test]
fn a_leader_nobody_follows_is_not_counted() {
    let mut sim = elected(6);
    let leader = sim.leader().unwrap();
    let others: Vec<usize> = (0..5).filter(|&id| id != leader).take(2).collect();
    sim.isolate(leader, true);
    for id in others {
        sim.crash(id);
    }
    sim.run_for(1500);
    assert_eq!(sim.leader(), Some(leader), "it still calls itself leader");
    let view = gauge(&sim);
    assert_eq!(view.leader, None, "{view:?}");
    assert!(view.ms_without_leader >= 1000, "{view:?}");
    assert_ne!(view.state, LivenessState::Ok);
}

#[test]
fn leader_changes_count_over_the_last_minute_only() {
    let mut sim = elected(7);
    for _ in 0..12 {
        let leader = sim.leader().unwrap();
        sim.crash(leader);
        sim.run_for(800);
        sim.restart(leader);
        sim.run_for(200);
    }
    let view = gauge(&sim);
    assert!(view.leader_changes_per_min >= 13, "{view:?}");
    assert_eq!(view.state, LivenessState::Degraded, "churn, though served");
    sim.run_for(61_000);
    assert_eq!(gauge(&sim).leader_changes_per_min, 0);
    assert_eq!(gauge(&sim).state, LivenessState::Ok);
}

#[test]
fn thresholds_judge_the_same_run_differently() {
    let mut sim = elected(8);
    for id in 0..5 {
        sim.crash(id);
    }
    sim.run_for(1500);
    let strict = LivenessThresholds {
        degraded_after_ms: 100,
        down_after_ms: 1000,
        ..LivenessThresholds::default()
    };
    assert_eq!(gauge(&sim).state, LivenessState::Degraded);
    assert_eq!(sim.liveness(&strict).state, LivenessState::Down);
}
