//! Snapshots end to end: the lab's 3D tests really install snapshots, and a
//! chunked transfer survives loss, duplication, reordering and crashes.
use raftviz_sim::kv::Op;
use raftviz_sim::{
    battery, Delivery, EventKind, NetworkConfig, Retention, SimConfig, Simulation, SnapshotPolicy,
};

#[test]
fn lab_install_tests_really_install_snapshots() {
    for name in ["snapshot_install", "snapshot_install_crash"] {
        let test = battery::find(name).unwrap();
        let installs: usize = (0..5)
            .map(|seed| {
                let mut lab = test.lab(seed, Delivery::AtArrival);
                lab.sim = Simulation::new(SimConfig {
                    retention: Retention::EVERYTHING,
                    ..lab.sim.config().clone()
                });
                (test.body)(&mut lab).unwrap();
                lab.sim
                    .trace()
                    .events()
                    .filter(|e| matches!(e.kind, EventKind::InstallSnapshot { .. }))
                    .count()
            })
            .sum();
        assert!(installs > 0, "{name} never installed a snapshot");
    }
}

/// A follower misses many large writes, the others compact, and it comes
/// back over a hostile network — crashing mid-transfer when `crash` is set.
fn catch_up_by_chunks(seed: u64, crash: bool) -> Simulation {
    let mut config = SimConfig::lab(3, seed);
    config.snapshot_chunk_bytes = 64;
    config.snapshot_policy = SnapshotPolicy::RaftStateBytes(1500);
    config.retention = Retention::EVERYTHING;
    let mut sim = Simulation::new(config);
    let client = sim.add_client();
    sim.run_for(2000);
    let lagging = (sim.leader().expect("a leader") + 1) % 3;
    sim.isolate(lagging, true);
    for n in 0..60 {
        sim.submit(
            client,
            Op::Put,
            &format!("key{}", n % 7),
            &"v".repeat(40 + n),
        );
        while !sim.client(client).unwrap().is_idle() {
            sim.run_for(10);
        }
    }
    sim.set_network(NetworkConfig {
        latency_ms: (0, 60),
        drop_probability: 0.2,
        duplicate_probability: 0.2,
        ..NetworkConfig::reliable()
    });
    sim.isolate(lagging, false);
    let mut crashed = false;
    for _ in 0..3000 {
        sim.run_for(5);
        let mid_transfer = sim
            .node(lagging)
            .is_some_and(|node| node.partial_snapshot().is_some());
        if crash && !crashed && mid_transfer {
            sim.crash(lagging);
            sim.run_for(300);
            sim.restart(lagging);
            crashed = true;
        }
    }
    assert!(
        !crash || crashed,
        "seed {seed}: the transfer was never caught mid-way"
    );
    // One more write in the current term lets every server commit and
    // apply all of the earlier ones (Figure 8's rule).
    sim.set_network(NetworkConfig::reliable());
    sim.submit(client, Op::Put, "last", "x");
    for _ in 0..1000 {
        if sim.client(client).unwrap().is_idle() {
            break;
        }
        sim.run_for(10);
    }
    sim.run_for(1000);
    sim
}

fn assert_caught_up(sim: &Simulation, seed: u64) {
    assert!(
        sim.violation().is_none(),
        "seed {seed}: {:?}",
        sim.violation()
    );
    let leader = sim.leader().expect("a leader");
    let reference = &sim.kv(leader).unwrap().data;
    for id in 0..3 {
        assert_eq!(
            &sim.kv(id).unwrap().data,
            reference,
            "seed {seed}: server {id} differs"
        );
    }
    let chunks = sim
        .trace()
        .events()
        .filter(|e| matches!(&e.kind, EventKind::Deliver { message, .. } if message.kind.name() == "InstallSnapshot"))
        .count();
    assert!(
        chunks > 3,
        "seed {seed}: the snapshot should travel in several chunks, saw {chunks}"
    );
}

#[test]
fn chunked_transfer_survives_loss_duplication_and_reordering() {
    for seed in 0..8 {
        let sim = catch_up_by_chunks(seed, false);
        assert_caught_up(&sim, seed);
    }
}

#[test]
fn chunked_transfer_survives_a_crash_mid_transfer() {
    for seed in 0..8 {
        let sim = catch_up_by_chunks(seed, true);
        assert_caught_up(&sim, seed);
    }
}
