//! The lab battery, one test per lab test and network delivery, each over
//! `RAFT_SEEDS` seeds and within the lab's 120 s.
use raftviz_sim::lab::{Lab, Tester};
use std::collections::BTreeMap;

use raftviz_sim::{
    battery, lab, Delivery, DropReason, Event, EventKind, MessageSummary, NetworkConfig, Retention,
    SimConfig, Simulation,
};

/// Seeds per test in a plain `cargo test`; deep runs raise `RAFT_SEEDS`,
/// which sets both deliveries.
const SEEDS: u64 = 1000;
/// Fewer on labrpc's delivery, which doubles the battery: its first 300
/// seeds keep the default run in check on two shared cores
/// (`RAFT_SEEDS=1000` runs both in full).
const LABRPC_SEEDS: u64 = 300;

fn run(name: &str, delivery: Delivery) {
    let test = battery::find(name).expect("a lab test of that name");
    let (path, seeds) = match delivery {
        Delivery::AtArrival => (name.to_string(), SEEDS),
        Delivery::Labrpc => (format!("labrpc::{name}"), LABRPC_SEEDS),
    };
    let longest = lab::battery(&path, seeds, |seed| test.lab(seed, delivery), test.body);
    println!(
        "{path}: longest {:.1} s virtual (seed {})",
        longest.ms as f64 / 1000.0,
        longest.seed
    );
}

#[test]
fn the_replay_command_names_this_file() {
    assert!(lab::replay_command("labrpc::basic_agree", 3)
        .ends_with("--test battery -- --exact labrpc::basic_agree"));
}

macro_rules! lab_tests {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { run(stringify!($name), Delivery::AtArrival); } )*

        /// The same tests on labrpc's delivery: fates decided when a
        /// message is sent (requests) or produced (replies).
        mod labrpc {
            use super::*;
            $( #[test] fn $name() { run(stringify!($name), Delivery::Labrpc); } )*
        }

        #[test]
        fn every_lab_test_has_a_test() {
            let listed = [$(stringify!($name)),*];
            let registered: Vec<&str> = battery::TESTS.iter().map(|test| test.name).collect();
            assert_eq!(listed.as_slice(), registered.as_slice());
        }
    };
}

lab_tests!(
    initial_election,
    re_election,
    many_elections,
    basic_agree,
    rpc_bytes,
    follower_failure,
    leader_failure,
    fail_agree,
    fail_no_agree,
    concurrent_starts,
    rejoin,
    backup,
    count,
    persist1,
    persist2,
    persist2_2025,
    persist3,
    figure8,
    unreliable_agree,
    figure8_unreliable,
    reliable_churn,
    unreliable_churn,
    snapshot_basic,
    snapshot_install,
    snapshot_install_unreliable,
    snapshot_install_crash,
    snapshot_install_uncrash,
    snapshot_all_crash,
    snapshot_all_crash_2025,
    snapshot_init,
    snapshot_init_2025,
);

#[test]
fn a_test_past_the_labs_120_virtual_seconds_fails() {
    let test = battery::find("initial_election").expect("a lab test of that name");
    let mut lab = test.lab(0, Delivery::AtArrival);
    assert_eq!(lab::timed(&mut lab, |lab| lab.sleep(120_000)), Ok(120_000));
    let failure = lab::timed(&mut lab, |lab| lab.sleep(1)).unwrap_err();
    assert_eq!(
        failure,
        "test took 120001 ms of virtual time, longer than the lab's 120 s"
    );
}

/// Twelve commands committed everywhere, then a follower crashes and
/// starts again, not yet reconnected: what has it applied, to the tester?
fn restarted_follower(tester: Tester, snapshots: bool) -> (Lab, usize) {
    let name = if snapshots {
        "snapshot_basic"
    } else {
        "basic_agree"
    };
    let mut lab = battery::find(name)
        .expect("a lab test of that name")
        .lab(1, Delivery::AtArrival);
    lab.tester = tester;
    for value in 0..12 {
        lab.one_value(100 + value, 3, false).unwrap();
    }
    let follower = (lab.check_one_leader().unwrap() + 1) % 3;
    lab.crash(follower);
    lab.start(follower);
    (lab, follower)
}

fn applied_by(lab: &Lab, index: u64) -> usize {
    lab.n_committed(index).unwrap().0
}

#[test]
fn the_2024_tester_keeps_a_restarted_servers_applied_record() {
    let (lab, _) = restarted_follower(Tester::Lab2024, false);
    assert_eq!(applied_by(&lab, 12), 3);
}

#[test]
fn the_2025_tester_starts_a_restarted_servers_record_afresh() {
    let (mut lab, follower) = restarted_follower(Tester::Lab2025, false);
    assert_eq!(applied_by(&lab, 1), 2);
    lab.connect(follower);
    lab.sleep(1000).unwrap();
    assert_eq!(applied_by(&lab, 12), 3, "counted again once re-applied");
}

#[test]
fn both_testers_take_a_restarted_servers_record_from_its_snapshot() {
    for tester in [Tester::Lab2024, Tester::Lab2025] {
        let (mut lab, follower) = restarted_follower(tester, true);
        assert_eq!(
            applied_by(&lab, 10),
            3,
            "{tester:?}: the snapshot holds 1–10"
        );
        assert_eq!(applied_by(&lab, 11), 2, "{tester:?}: 11 is not applied yet");
        lab.connect(follower);
        lab.sleep(1000).unwrap();
        assert_eq!(applied_by(&lab, 12), 3, "{tester:?}");
    }
}

/// Churn's linearizability check has a history to judge, and judges it: a
/// server that answers reads on its belief that it leads is caught.
#[test]
fn churns_linearizability_check_catches_stale_reads() {
    for name in ["reliable_churn", "unreliable_churn"] {
        let test = battery::find(name).expect("a lab test of that name");
        let caught = (0..20).find_map(|seed| {
            let mut config = SimConfig::lab(test.servers, seed);
            config.stale_read_bug = true;
            if test.unreliable {
                config.network = NetworkConfig::unreliable();
            }
            let failure = (test.body)(&mut Lab::with_config(config)).err()?;
            Some((seed, failure))
        });
        let (seed, failure) = caught.expect("stale reads went unnoticed for 20 seeds");
        println!("{name}: stale reads caught at seed {seed}: {failure}");
        assert!(failure.contains("not linearizable"), "{failure}");
    }
}

/// Messages of a run: requests (`[0]`) and replies (`[1]`).
#[derive(Debug, Default)]
struct Tally {
    delivered: [u64; 2],
    /// Lost to a cut made while they travelled (at-arrival's loss).
    lost_in_flight: [u64; 2],
    /// Delivered over a link cut by then (what labrpc delivers instead).
    delivered_over_cuts: [u64; 2],
}

fn tally<'a>(events: impl IntoIterator<Item = &'a Event>, servers: usize) -> Tally {
    let mut cut = vec![false; servers * servers];
    let mut sent_at = BTreeMap::new();
    let mut tally = Tally::default();
    let slot = |message: &MessageSummary| usize::from(!message.kind.is_request());
    for event in events {
        let Some(at) = event.server else { continue };
        match &event.kind {
            EventKind::Cut { to } => cut[at * servers + to] = true,
            EventKind::Heal { to } => cut[at * servers + to] = false,
            EventKind::Send { id, .. } => {
                sent_at.insert(*id, event.time);
            }
            EventKind::Deliver { from, message, .. } => {
                tally.delivered[slot(message)] += 1;
                if cut[from * servers + at] {
                    tally.delivered_over_cuts[slot(message)] += 1;
                }
            }
            EventKind::Drop {
                id,
                reason: DropReason::LinkCut,
                message,
                ..
            } if sent_at.get(id) != Some(&event.time) => tally.lost_in_flight[slot(message)] += 1,
            _ => {}
        }
    }
    tally
}

/// The measurement behind the labrpc delivery: on Figure 8 (unreliable),
/// at-arrival loses messages labrpc would deliver, and labrpc delivers them.
#[test]
fn labrpc_delivers_what_arrival_loses_on_figure8_unreliable() {
    let test = battery::find("figure8_unreliable").expect("a lab test of that name");
    for delivery in [Delivery::AtArrival, Delivery::Labrpc] {
        let mut total = Tally::default();
        for seed in 0..5 {
            let mut lab = test.lab(seed, delivery);
            lab.sim = Simulation::new(SimConfig {
                retention: Retention::EVERYTHING,
                ..lab.sim.config().clone()
            });
            (test.body)(&mut lab).unwrap();
            let run = tally(lab.sim.trace().events(), test.servers);
            for kind in 0..2 {
                total.delivered[kind] += run.delivered[kind];
                total.lost_in_flight[kind] += run.lost_in_flight[kind];
                total.delivered_over_cuts[kind] += run.delivered_over_cuts[kind];
            }
        }
        let delivered: u64 = total.delivered.iter().sum();
        let (what, [requests, replies], of) = match delivery {
            Delivery::AtArrival => {
                assert_eq!(total.delivered_over_cuts, [0, 0]);
                let [requests, replies] = total.lost_in_flight;
                (
                    "lost to a cut made while they travelled",
                    total.lost_in_flight,
                    delivered + requests + replies,
                )
            }
            Delivery::Labrpc => {
                assert_eq!(total.lost_in_flight, [0, 0]);
                (
                    "delivered over a link cut by then",
                    total.delivered_over_cuts,
                    delivered,
                )
            }
        };
        println!(
            "{delivery:?}, seeds 0-4: {} requests and {} replies delivered; {requests} requests \
             and {replies} replies {what}: {:.1} % of {of}",
            total.delivered[0],
            total.delivered[1],
            (requests + replies) as f64 * 100.0 / of as f64,
        );
        assert!(requests > 0 && replies > 0, "{delivery:?}: {total:?}");
    }
}

/// Seeds that once failed, each replayed exactly (a bug fixed is a seed kept).
#[test]
fn regression_seeds() {
    use Delivery::AtArrival;
    let fixed = [
        // A burst of proposals, reordered, cost more RPCs than the lab allows:
        // proposals now wait for the follower's reply and travel together.
        ("count", AtArrival, 824),
        // Long reordering held vote replies until the election was over:
        // candidates now ask silent servers again each heartbeat (§5.1).
        ("figure8_unreliable", AtArrival, 98),
        ("figure8_unreliable", AtArrival, 224),
        // Stale candidates reset the timer of the only server whose log could
        // win: stepping down to a later term no longer restarts the timer.
        ("persist2", AtArrival, 1443),
        ("persist2", AtArrival, 1755),
        ("persist2", AtArrival, 6716),
    ];
    for (name, delivery, seed) in fixed {
        let test = battery::find(name).expect("a lab test of that name");
        let mut lab = test.lab(seed, delivery);
        if let Err(failure) = lab::timed(&mut lab, test.body) {
            panic!("{name} ({delivery:?}) seed {seed} fails again: {failure}");
        }
    }
}
