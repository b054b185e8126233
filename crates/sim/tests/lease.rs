//! Lease reads (dissertation §6.4.1) against the clocks they trust. The
//! pattern that tests a lease: a leader is cut off from the other servers
//! (its clients still reach it), they elect a new leader, a client writes
//! through it, and then another client reads from the old leader. Beyond
//! the clock-drift bound, the old leader's slow clock keeps its lease alive
//! after the new leader has committed, and the read returns the old value;
//! within the bound the lease has run out and the read waits for a round,
//! times out and finds the new leader.
use raftviz_raft::{NodeId, Role};
use raftviz_sim::kv::Op;
use raftviz_sim::lab;
use raftviz_sim::linearizability::Verdict;
use raftviz_sim::{ReadMode, SimConfig, Simulation, UserAction};

/// Seeds per setting in a plain `cargo test`; `RAFT_SEEDS` raises it.
const SEEDS: u64 = 200;

struct Outcome {
    sim: Simulation,
    /// What the read from the old leader returned, if it returned.
    read: Option<String>,
    linearizable: bool,
}

/// Runs one millisecond at a time until `done` holds, for at most `limit`.
fn run_until(sim: &mut Simulation, limit: u64, done: impl Fn(&Simulation) -> bool) -> bool {
    let end = sim.now() + limit;
    while !done(sim) && sim.now() < end {
        sim.run_for(1);
    }
    done(sim)
}

fn leads(sim: &Simulation, id: NodeId) -> bool {
    sim.node(id).is_some_and(|node| node.role() == Role::Leader)
}

fn submit(sim: &mut Simulation, server: NodeId, op: Op, value: &str) {
    sim.act(UserAction::Submit {
        server,
        op,
        key: "x".into(),
        value: value.into(),
    });
}

fn isolate_the_leader_then_read_from_it(
    seed: u64,
    read_mode: ReadMode,
    skew: u64,
    bound: u32,
) -> Outcome {
    let mut config = SimConfig::lab(3, seed);
    config.read_mode = read_mode;
    config.clock_skew_percent = skew;
    config.options.clock_drift_bound_percent = bound;
    let mut sim = Simulation::new(config);
    // The slowest clock leads: its lease lasts longest in real time. With
    // §4.2.3 on, a forced timeout would be ignored; a transfer is not.
    let slow = (0..3)
        .max_by_key(|&id| (sim.tick_interval(id), id))
        .unwrap();
    assert!(run_until(&mut sim, 3000, |sim| sim.leader().is_some()));
    let first = sim.leader().unwrap();
    if first != slow {
        sim.act(UserAction::Transfer {
            from: first,
            to: slow,
        });
    }
    assert!(
        run_until(&mut sim, 1000, |sim| leads(sim, slow)),
        "seed {seed}"
    );
    submit(&mut sim, slow, Op::Put, "1");
    assert!(run_until(&mut sim, 1000, Simulation::clients_idle));
    sim.run_for(200);
    sim.act(UserAction::Isolate {
        server: slow,
        cut: true,
    });
    let successor = |sim: &Simulation| (0..3).find(|&id| id != slow && leads(sim, id));
    assert!(run_until(&mut sim, 3000, |sim| successor(sim).is_some()));
    let successor = successor(&sim).unwrap();
    submit(&mut sim, successor, Op::Put, "2");
    assert!(run_until(&mut sim, 1000, Simulation::clients_idle));
    // A millisecond later, so that the write returned strictly before the
    // read is sent: the checker orders only what real time orders.
    sim.run_for(1);
    submit(&mut sim, slow, Op::Get, "");
    run_until(&mut sim, 3000, Simulation::clients_idle);
    let read = sim
        .clients()
        .last()
        .and_then(|client| client.last_result.clone())
        .flatten();
    let linearizable = sim.check_linearizable() == Verdict::Linearizable;
    Outcome {
        sim,
        read,
        linearizable,
    }
}

/// Seeds 97 and 582 give the old leader a tick of 12 or 13 ms and the two
/// others ticks of 6 or 7: clocks 50 % off, against leases that trust
/// them to 10 % and to 0 %.
#[test]
fn beyond_the_drift_bound_a_lease_read_goes_stale_and_the_checker_catches_it() {
    for (seed, bound) in [(97, 10), (582, 0)] {
        let stale = isolate_the_leader_then_read_from_it(seed, ReadMode::Lease, 50, bound);
        assert_eq!(
            stale.read.as_deref(),
            Some("1"),
            "seed {seed}: the old value"
        );
        assert!(!stale.linearizable, "seed {seed}: the checker notices");
        let badge = stale
            .sim
            .invariants()
            .into_iter()
            .find(|status| status.name == "linearizability")
            .unwrap();
        assert!(!badge.ok, "seed {seed}: the page's badge turns red");
        assert!(stale.sim.lease_reads() >= 1);

        // The same run with the bound the clocks keep, or with ReadIndex.
        for (mode, bound) in [(ReadMode::Lease, 50), (ReadMode::ReadIndex, bound)] {
            let safe = isolate_the_leader_then_read_from_it(seed, mode, 50, bound);
            assert_eq!(
                safe.read.as_deref(),
                Some("2"),
                "seed {seed}, {mode:?} {bound} %"
            );
            assert!(safe.linearizable, "seed {seed}, {mode:?} {bound} %");
        }
    }
}

#[test]
fn within_the_drift_bound_lease_reads_stay_linearizable() {
    let seeds = lab::seeds(SEEDS);
    for skew in [10, 30, 50] {
        let mut lease_reads = 0;
        for &seed in &seeds {
            let outcome =
                isolate_the_leader_then_read_from_it(seed, ReadMode::Lease, skew, skew as u32);
            assert!(outcome.linearizable, "seed {seed}, clocks {skew} % off");
            assert_eq!(outcome.read.as_deref(), Some("2"), "seed {seed}");
            lease_reads += outcome.sim.lease_reads();
        }
        println!(
            "clocks {skew} % off, bound {skew} %: {} seeds linearizable, {lease_reads} reads served by a lease",
            seeds.len()
        );
        // A 50 % bound leaves a lease of 9 ticks, shorter than the
        // heartbeat interval: then only some reads find one (778 of 1,000
        // seeds), too few to ask of the handful of seeds a mutation run uses.
        if skew < 50 {
            assert_eq!(
                lease_reads,
                seeds.len() as u64,
                "clocks {skew} % off: a read missed its lease"
            );
        }
    }
}

/// The pattern has teeth: over the same seeds, leases that trust the
/// clocks more than they deserve go stale, and the checker says so.
#[test]
fn the_same_pattern_catches_leases_that_trust_skewed_clocks() {
    let seeds = lab::seeds(SEEDS);
    let stale: Vec<u64> = seeds
        .iter()
        .copied()
        .filter(|&seed| {
            let outcome = isolate_the_leader_then_read_from_it(seed, ReadMode::Lease, 50, 0);
            if !outcome.linearizable {
                assert_eq!(outcome.read.as_deref(), Some("1"), "seed {seed}");
            }
            !outcome.linearizable
        })
        .collect();
    println!(
        "clocks 50 % off, bound 0 %: {} stale of {} seeds",
        stale.len(),
        seeds.len()
    );
    assert!(
        seeds.len() < 20 || stale.len() * 10 >= seeds.len(),
        "only {} of {} seeds went stale",
        stale.len(),
        seeds.len()
    );
}
