//! The seed explorer finds no failure on a correct build, and finds and
//! shrinks a Figure 8 violation when the faulty commit rule is on, and a
//! lost committed entry when the 2015 single-server membership bug is.
use raftviz_sim::explore::{self, FaultPreset};
use raftviz_sim::share::{decode_run, encode_run, export_trace, import_trace};
use raftviz_sim::SimConfig;

#[test]
fn a_correct_build_survives_every_preset() {
    let base = SimConfig::lab(5, 0);
    for preset in FaultPreset::ALL {
        for seed in 0..8 {
            let schedule = explore::schedule(seed, preset, &base);
            let (_, failure) = explore::run(&schedule);
            assert_eq!(failure, None, "{} seed {seed}", preset.name());
        }
    }
}

#[test]
fn the_shrinker_finds_and_shrinks_the_figure8_bug() {
    let mut base = SimConfig::lab(5, 0);
    base.bugs.commit_earlier_terms = true;
    let found = (0..400).find_map(|seed| {
        let schedule = explore::schedule(seed, FaultPreset::Nasty, &base);
        let (_, failure) = explore::run(&schedule);
        failure.map(|failure| (schedule, failure))
    });
    let (schedule, failure) = found.expect("the faulty commit rule is caught within 400 seeds");
    assert!(matches!(failure, explore::Failure::Safety(_)), "{failure}");
    let (shrunk, shrunk_failure) = explore::shrink(&schedule, &failure);
    assert!(
        shrunk.actions.len() < schedule.actions.len(),
        "{} → {}",
        schedule.actions.len(),
        shrunk.actions.len()
    );
    assert!(matches!(shrunk_failure, explore::Failure::Safety(_)));
    // The shrunk run travels as a trace and a link that replay it exactly.
    let (sim, again) = explore::run(&shrunk);
    assert!(again.is_some());
    let replayed = import_trace(&export_trace(&sim)).unwrap().replay().unwrap();
    assert_eq!(replayed.trace().hash(), sim.trace().hash());
    let linked = decode_run(&encode_run(&sim)).unwrap().replay().unwrap();
    assert_eq!(linked.trace().hash(), sim.trace().hash());
    println!(
        "shrunk {} actions to {}: {shrunk_failure}",
        schedule.actions.len(),
        shrunk.actions.len()
    );
}

/// The shrunk run of the 2015 bug that
/// `the_shrinker_finds_and_shrinks_the_2015_membership_bug` finds, saved
/// as a trace for the classroom scenario (`WRITE_SHRUNK_RUNS=1` rewrites it).
const SHRUNK_2015_RUN: &str = "tests/data/membership-2015-bug-shrunk.json";

#[test]
fn the_shrinker_finds_and_shrinks_the_2015_membership_bug() {
    let mut base = SimConfig::lab(5, 0);
    base.bugs.change_membership_before_term_commit = true;
    // Seeds 0–1299 miss it; 1306 is the first to catch it (a rare
    // interleaving: two leaders' single-server changes in flight at once).
    let found = (1300..1340).find_map(|seed| {
        let schedule = explore::schedule(seed, FaultPreset::Membership, &base);
        let (_, failure) = explore::run(&schedule);
        failure.map(|failure| (seed, schedule, failure))
    });
    let (seed, schedule, failure) = found.expect("the 2015 bug is caught by seed 1306");
    let lost_entry = |failure: &explore::Failure| {
        matches!(failure, explore::Failure::Safety(what)
            if ["leader-completeness", "committed-stays-committed", "state-machine-safety"]
                .iter()
                .any(|invariant| what.starts_with(invariant)))
    };
    assert!(lost_entry(&failure), "seed {seed}: {failure}");
    let (shrunk, shrunk_failure) = explore::shrink(&schedule, &failure);
    assert!(shrunk.actions.len() < schedule.actions.len());
    assert!(lost_entry(&shrunk_failure), "{shrunk_failure}");
    // The same faults on the fixed build lose nothing.
    let mut fixed = shrunk.clone();
    fixed.config.bugs.change_membership_before_term_commit = false;
    assert!(!matches!(
        explore::run(&fixed).1,
        Some(explore::Failure::Safety(_))
    ));
    let (sim, _) = explore::run(&shrunk);
    let trace = export_trace(&sim);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SHRUNK_2015_RUN);
    if std::env::var_os("WRITE_SHRUNK_RUNS").is_some() {
        std::fs::write(&path, &trace).unwrap();
    }
    let saved = import_trace(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        saved.actions,
        import_trace(&trace).unwrap().actions,
        "the saved run is this one (WRITE_SHRUNK_RUNS=1 rewrites it)"
    );
    let replayed = saved.replay().unwrap();
    assert!(replayed.violation().is_some());
    println!(
        "seed {seed}: shrunk {} actions to {}: {shrunk_failure}",
        schedule.actions.len(),
        shrunk.actions.len()
    );
}

/// Seeds the explorer once flagged on a correct build, replayed exactly.
#[test]
fn regression_seeds() {
    let base = SimConfig::lab(5, 0);
    // A leader of term 27 was elected after term 28 had committed entry
    // 19 (its votes had been held back by long reordering). Raft promises
    // committed entries only to leaders of later terms; the checker now
    // asks exactly that.
    let schedule = explore::schedule(9674, FaultPreset::Nasty, &base);
    assert_eq!(explore::run(&schedule).1, None);
    // A leader of an older term, elected late, appended a configuration
    // whose majorities missed an entry committed in a later term: like
    // Leader Completeness, committed-stays-committed now asks this of
    // leaders of the entry's term or later only.
    // A client bounced for ever between two servers that were no longer
    // members (one's leader hint named the other, which had none, and the
    // next server was the first again): clients now try the cluster's
    // voters.
    for seed in [2828, 11345, 683] {
        let schedule = explore::schedule(seed, FaultPreset::Membership, &base);
        assert_eq!(explore::run(&schedule).1, None, "membership seed {seed}");
    }
}
