//! Each deliberate protocol bug must be caught by the safety checkers
//! within a bounded number of seeds: a checker that catches nothing is
//! broken. The correct build passes the same scenarios (the battery).
use raftviz_raft::Bugs;
use raftviz_sim::lab::{Check, Lab};
use raftviz_sim::{battery, NetworkConfig, SimConfig};

/// Seeds tried before declaring a bug missed.
const BOUND: u64 = 50;

/// Runs a lab test with `bugs` switched on until a safety invariant
/// breaks; returns the seed and the report.
fn first_violation(
    servers: usize,
    unreliable: bool,
    bugs: Bugs,
    scenario: fn(&mut Lab) -> Check,
) -> Option<(u64, String)> {
    (0..BOUND).find_map(|seed| {
        let mut config = SimConfig::lab(servers, seed);
        config.bugs = bugs;
        if unreliable {
            config.network = NetworkConfig::unreliable();
        }
        let mut lab = Lab::with_config(config);
        let _ = scenario(&mut lab);
        let violation = lab.sim.violation()?.clone();
        assert!(
            !violation.servers.is_empty(),
            "a violation names the servers"
        );
        let stopped_at = lab.sim.now();
        lab.sim.run_for(1000);
        assert_eq!(lab.sim.now(), stopped_at, "nothing runs after a violation");
        Some((
            seed,
            format!(
                "{}: {} (event {}, indices {:?})",
                violation.invariant, violation.detail, violation.event, violation.indices
            ),
        ))
    })
}

fn assert_caught(test_name: &str, bugs: Bugs, expected: &[&str]) {
    let test = battery::find(test_name).expect("a lab test of that name");
    let found = first_violation(test.servers, test.unreliable, bugs, test.body);
    assert_found(test_name, bugs, found, expected);
}

fn assert_found(scenario: &str, bugs: Bugs, found: Option<(u64, String)>, expected: &[&str]) {
    let Some((seed, report)) = found else {
        panic!("{bugs:?} went unnoticed for {BOUND} seeds of {scenario}");
    };
    println!("{bugs:?} caught by {scenario} seed {seed}: {report}");
    assert!(
        expected.iter().any(|name| report.starts_with(name)),
        "caught, but as {report}"
    );
}

#[test]
fn committing_earlier_term_entries_by_counting_is_caught() {
    let bugs = Bugs {
        commit_earlier_terms: true,
        ..Bugs::default()
    };
    assert_caught(
        "figure8_unreliable",
        bugs,
        &["leader-completeness", "state-machine-safety"],
    );
}

/// Two servers campaign at once while the third crashes and restarts in
/// the middle of the election: a server that forgets its vote can vote
/// again in the same term and make a second leader.
fn vote_storm(lab: &mut Lab) -> Check {
    for _ in 0..200 {
        let first = (lab.rand() % 3) as usize;
        let second = (first + 1) % 3;
        let voter = (first + 2) % 3;
        lab.sim.force_timeout(first);
        lab.sim.force_timeout(second);
        let pause = lab.rand() % 20;
        lab.sleep(pause)?;
        lab.sim.crash(voter);
        lab.sim.restart(voter);
        lab.sleep(100)?;
    }
    Ok(())
}

#[test]
fn forgetting_the_vote_on_restart_is_caught() {
    let bugs = Bugs {
        forget_vote_on_restart: true,
        ..Bugs::default()
    };
    let found = first_violation(3, true, bugs, vote_storm);
    assert_found("vote_storm", bugs, found, &["election-safety"]);
}

#[test]
fn vote_storm_is_safe_without_the_bug() {
    assert_eq!(first_violation(3, true, Bugs::default(), vote_storm), None);
}

#[test]
fn voting_without_the_up_to_date_check_is_caught() {
    let bugs = Bugs {
        skip_up_to_date_check: true,
        ..Bugs::default()
    };
    assert_caught(
        "figure8",
        bugs,
        &["leader-completeness", "state-machine-safety"],
    );
}

#[test]
fn keeping_conflicting_entries_is_caught() {
    let bugs = Bugs {
        keep_conflicting_entries: true,
        ..Bugs::default()
    };
    assert_caught(
        "figure8",
        bugs,
        &[
            "log-matching",
            "state-machine-safety",
            "leader-completeness",
        ],
    );
}
