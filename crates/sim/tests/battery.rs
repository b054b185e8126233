//! The lab battery, one test per lab test and network delivery, each over
//! `RAFT_SEEDS` seeds and within the lab's 120 s.
use raftviz_sim::{battery, lab, Delivery};

/// Seeds per test in a plain `cargo test`; deep runs raise `RAFT_SEEDS`,
/// which sets both deliveries.
const SEEDS: u64 = 1000;

fn run(name: &str, delivery: Delivery) {
    let test = battery::find(name).expect("a lab test of that name");
    let path = match delivery {
        Delivery::AtArrival => name.to_string(),
        Delivery::Labrpc => format!("labrpc::{name}"),
    };
    let longest = lab::battery(&path, SEEDS, |seed| test.lab(seed, delivery), test.body);
    println!(
        "{path}: longest {:.1} s virtual (seed {})",
        longest.ms as f64 / 1000.0,
        longest.seed
    );
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
    snapshot_init,
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
