//! The MIT 6.5840 Raft tests (3A election, 3B agreement, 3C persistence),
//! ported to the simulator in virtual time. Same server counts, network
//! settings, timeouts and checks. They live in the library so the test
//! suite, the benchmarks and the seed explorer run the very same code.
use crate::lab::{command, value_of, Check, Lab, Tester, ELECTION_TIMEOUT_MS as ELECTION};
use crate::linearizability::Verdict;
use crate::{Delivery, NetworkConfig, Retention, SimConfig, SnapshotPolicy, Workload};

/// One lab test: its name, the cluster and tester it needs, and its body.
pub struct LabTest {
    pub name: &'static str,
    pub servers: usize,
    pub unreliable: bool,
    /// The 3D tests' applier snapshots every `SNAPSHOT_INTERVAL` entries.
    pub snapshots: bool,
    pub tester: Tester,
    pub body: fn(&mut Lab) -> Check,
}

/// The lab's SnapShotInterval.
pub const SNAPSHOT_INTERVAL: u64 = 10;
/// The lab's MAXLOGSIZE: persisted Raft state must stay below it.
pub const MAX_LOG_SIZE: usize = 2000;

impl LabTest {
    /// A 2024 test on the reliable network, without snapshots.
    const fn new(name: &'static str, servers: usize, body: fn(&mut Lab) -> Check) -> LabTest {
        LabTest {
            name,
            servers,
            unreliable: false,
            snapshots: false,
            tester: Tester::Lab2024,
            body,
        }
    }

    const fn unreliable(self) -> LabTest {
        LabTest {
            unreliable: true,
            ..self
        }
    }

    const fn snapshots(self) -> LabTest {
        LabTest {
            snapshots: true,
            ..self
        }
    }

    const fn tester(self, tester: Tester) -> LabTest {
        LabTest { tester, ..self }
    }

    /// A fresh lab for `seed`, its network deciding fates as `delivery` says.
    pub fn lab(&self, seed: u64, delivery: Delivery) -> Lab {
        let mut config = SimConfig::lab(self.servers, seed);
        config.retention = Retention::lab_from_env();
        if self.unreliable {
            config.network = NetworkConfig::unreliable();
        }
        config.network.delivery = delivery;
        if self.snapshots {
            config.snapshot_policy = SnapshotPolicy::EveryEntries(SNAPSHOT_INTERVAL);
        }
        let mut lab = Lab::with_config(config);
        lab.tester = self.tester;
        lab
    }
}

/// Every lab test: the 2024 lab's, and beside them the 2025 lab's where its
/// tests differ (`_2025`: Persist2 crashes servers where 2024 cuts them off;
/// SnapshotAllCrash and SnapshotInit run on the unreliable network; and
/// every restart starts a fresh applied record).
pub const TESTS: &[LabTest] = &[
    LabTest::new("initial_election", 3, initial_election),
    LabTest::new("re_election", 3, re_election),
    LabTest::new("many_elections", 7, many_elections),
    LabTest::new("basic_agree", 3, basic_agree),
    LabTest::new("rpc_bytes", 3, rpc_bytes),
    LabTest::new("follower_failure", 3, follower_failure),
    LabTest::new("leader_failure", 3, leader_failure),
    LabTest::new("fail_agree", 3, fail_agree),
    LabTest::new("fail_no_agree", 5, fail_no_agree),
    LabTest::new("concurrent_starts", 3, concurrent_starts),
    LabTest::new("rejoin", 3, rejoin),
    LabTest::new("backup", 5, backup),
    LabTest::new("count", 3, count),
    LabTest::new("persist1", 3, persist1),
    LabTest::new("persist2", 5, persist2),
    LabTest::new("persist2_2025", 5, persist2_2025).tester(Tester::Lab2025),
    LabTest::new("persist3", 3, persist3),
    LabTest::new("figure8", 5, figure8),
    LabTest::new("unreliable_agree", 5, unreliable_agree).unreliable(),
    LabTest::new("figure8_unreliable", 5, figure8_unreliable).unreliable(),
    LabTest::new("reliable_churn", 5, reliable_churn),
    LabTest::new("unreliable_churn", 5, unreliable_churn).unreliable(),
    LabTest::new("snapshot_basic", 3, snapshot_basic).snapshots(),
    LabTest::new("snapshot_install", 3, snapshot_install).snapshots(),
    LabTest::new(
        "snapshot_install_unreliable",
        3,
        snapshot_install_unreliable,
    )
    .unreliable()
    .snapshots(),
    LabTest::new("snapshot_install_crash", 3, snapshot_install_crash).snapshots(),
    LabTest::new("snapshot_install_uncrash", 3, snapshot_install_uncrash)
        .unreliable()
        .snapshots(),
    LabTest::new("snapshot_all_crash", 3, snapshot_all_crash).snapshots(),
    LabTest::new("snapshot_all_crash_2025", 3, snapshot_all_crash)
        .unreliable()
        .snapshots()
        .tester(Tester::Lab2025),
    LabTest::new("snapshot_init", 3, snapshot_init).snapshots(),
    LabTest::new("snapshot_init_2025", 3, snapshot_init)
        .unreliable()
        .snapshots()
        .tester(Tester::Lab2025),
];

pub fn find(name: &str) -> Option<&'static LabTest> {
    TESTS.iter().find(|test| test.name == name)
}

// ---- 3A: election ----

fn initial_election(lab: &mut Lab) -> Check {
    lab.check_one_leader()?;
    lab.sleep(50)?;
    let term1 = lab.check_terms()?;
    if term1 < 1 {
        return Err(format!("term is {term1}, but should be at least 1"));
    }
    lab.sleep(2 * ELECTION)?;
    let term2 = lab.check_terms()?;
    if term1 != term2 {
        // The lab only warns here; a stable cluster must not churn.
        return Err(format!(
            "term changed from {term1} to {term2} with no failures"
        ));
    }
    lab.check_one_leader()?;
    Ok(())
}

fn re_election(lab: &mut Lab) -> Check {
    let servers = lab.servers();
    let leader1 = lab.check_one_leader()?;
    // If the leader disconnects, a new one should be elected.
    lab.disconnect(leader1);
    lab.check_one_leader()?;
    // The old leader rejoining should not disturb the new leader.
    lab.connect(leader1);
    let leader2 = lab.check_one_leader()?;
    // No quorum: no new leader.
    lab.disconnect(leader2);
    lab.disconnect((leader2 + 1) % servers);
    lab.sleep(2 * ELECTION)?;
    lab.check_no_leader()?;
    // A quorum arises: it should elect a leader.
    lab.connect((leader2 + 1) % servers);
    lab.check_one_leader()?;
    // Re-joining the last node shouldn't prevent a leader from existing.
    lab.connect(leader2);
    lab.check_one_leader()?;
    Ok(())
}

fn many_elections(lab: &mut Lab) -> Check {
    let servers = lab.servers() as u64;
    lab.check_one_leader()?;
    for _ in 1..10 {
        let cut: Vec<usize> = (0..3).map(|_| (lab.rand() % servers) as usize).collect();
        for &i in &cut {
            lab.disconnect(i);
        }
        // Either the current leader should still be alive, or the
        // remaining four should elect a new one.
        lab.check_one_leader()?;
        for &i in &cut {
            lab.connect(i);
        }
    }
    lab.check_one_leader()?;
    Ok(())
}

// ---- 3B: agreement ----

fn basic_agree(lab: &mut Lab) -> Check {
    for index in 1..=3 {
        let (count, _) = lab.n_committed(index)?;
        if count > 0 {
            return Err("some have committed before Start()".into());
        }
        let got = lab.one_value(index * 100, 3, false)?;
        if got != index {
            return Err(format!("got index {got} but expected {index}"));
        }
    }
    Ok(())
}

fn rpc_bytes(lab: &mut Lab) -> Check {
    lab.one_value(99, 3, false)?;
    let bytes0 = lab.bytes_total();
    let mut sent = 0u64;
    for index in 2..12 {
        let payload: Vec<u8> = (0..5000).map(|_| b'a' + (lab.rand() % 26) as u8).collect();
        sent += payload.len() as u64;
        let got = lab.one(payload.into(), 3, false)?;
        if got != index {
            return Err(format!("got index {got} but expected {index}"));
        }
    }
    let got = lab.bytes_total() - bytes0;
    let expected = 3 * sent;
    if got > expected + 50_000 {
        return Err(format!(
            "too many RPC bytes; got {got}, expected {expected}"
        ));
    }
    Ok(())
}

fn follower_failure(lab: &mut Lab) -> Check {
    lab.one_value(101, 3, false)?;
    // Disconnect one follower from the network.
    let leader1 = lab.check_one_leader()?;
    lab.disconnect((leader1 + 1) % 3);
    // The leader and remaining follower should be able to agree.
    lab.one_value(102, 2, false)?;
    lab.sleep(ELECTION)?;
    lab.one_value(103, 2, false)?;
    // Disconnect the remaining follower.
    let leader2 = lab.check_one_leader()?;
    lab.disconnect((leader2 + 1) % 3);
    lab.disconnect((leader2 + 2) % 3);
    let Some((index, _)) = lab.start_command(leader2, command(104)) else {
        return Err("leader rejected Start()".into());
    };
    if index != 4 {
        return Err(format!("expected index 4, got {index}"));
    }
    lab.sleep(2 * ELECTION)?;
    let (count, _) = lab.n_committed(index)?;
    if count > 0 {
        return Err(format!("{count} committed but no majority"));
    }
    Ok(())
}

fn leader_failure(lab: &mut Lab) -> Check {
    lab.one_value(101, 3, false)?;
    let leader1 = lab.check_one_leader()?;
    lab.disconnect(leader1);
    // The remaining followers should elect a new leader.
    lab.one_value(102, 2, false)?;
    lab.sleep(ELECTION)?;
    lab.one_value(103, 2, false)?;
    // Disconnect the new leader too.
    let leader2 = lab.check_one_leader()?;
    lab.disconnect(leader2);
    for i in 0..3 {
        lab.start_command(i, command(104));
    }
    lab.sleep(2 * ELECTION)?;
    let (count, _) = lab.n_committed(4)?;
    if count > 0 {
        return Err(format!("{count} committed but no majority"));
    }
    Ok(())
}

fn fail_agree(lab: &mut Lab) -> Check {
    lab.one_value(101, 3, false)?;
    // A follower is cut off; the rest agree.
    let leader = lab.check_one_leader()?;
    lab.disconnect((leader + 1) % 3);
    lab.one_value(102, 2, false)?;
    lab.one_value(103, 2, false)?;
    lab.sleep(ELECTION)?;
    lab.one_value(104, 2, false)?;
    lab.one_value(105, 2, false)?;
    // It rejoins and catches up.
    lab.connect((leader + 1) % 3);
    lab.one_value(106, 3, true)?;
    lab.sleep(ELECTION)?;
    lab.one_value(107, 3, true)?;
    Ok(())
}

fn fail_no_agree(lab: &mut Lab) -> Check {
    lab.one_value(10, 5, false)?;
    // Three of five followers disconnect.
    let leader = lab.check_one_leader()?;
    for k in 1..=3 {
        lab.disconnect((leader + k) % 5);
    }
    let Some((index, _)) = lab.start_command(leader, command(20)) else {
        return Err("leader rejected Start()".into());
    };
    if index != 2 {
        return Err(format!("expected index 2, got {index}"));
    }
    lab.sleep(2 * ELECTION)?;
    let (count, _) = lab.n_committed(index)?;
    if count > 0 {
        return Err(format!("{count} committed but no majority"));
    }
    // Repair.
    for k in 1..=3 {
        lab.connect((leader + k) % 5);
    }
    // The disconnected majority may have chosen a leader from among
    // their own ranks, forgetting index 2.
    let leader2 = lab.check_one_leader()?;
    let Some((index2, _)) = lab.start_command(leader2, command(30)) else {
        return Err("leader2 rejected Start()".into());
    };
    if !(2..=3).contains(&index2) {
        return Err(format!("unexpected index {index2}"));
    }
    lab.one_value(1000, 5, true)?;
    Ok(())
}

fn concurrent_starts(lab: &mut Lab) -> Check {
    'tries: for attempt in 0..5 {
        if attempt > 0 {
            // Give the solution some time to settle.
            lab.sleep(3000)?;
        }
        let leader = lab.check_one_leader()?;
        let Some((_, term)) = lab.start_command(leader, command(1)) else {
            continue; // leader moved on really quickly
        };
        // Five Start() calls at the same instant: the lab's goroutines.
        let mut indices = Vec::new();
        for i in 0..5 {
            if let Some((index, term1)) = lab.start_command(leader, command(100 + i)) {
                if term1 == term {
                    indices.push(index);
                }
            }
        }
        for j in 0..3 {
            if lab.get_state(j).is_some_and(|(t, _)| t != term) {
                continue 'tries; // term changed: can't expect all to succeed
            }
        }
        let mut values = Vec::new();
        for index in indices {
            match lab.wait(index, 3, Some(term))? {
                None => continue 'tries, // peers have moved on to later terms
                Some(data) => values.push(value_of(&data).ok_or("value is not an int")?),
            }
        }
        for i in 0..5 {
            if !values.contains(&(100 + i)) {
                return Err(format!("cmd {} missing in {values:?}", 100 + i));
            }
        }
        return Ok(());
    }
    Err("term changed too often".into())
}

fn rejoin(lab: &mut Lab) -> Check {
    lab.one_value(101, 3, true)?;
    // The leader is partitioned off and accepts commands that go nowhere.
    let leader1 = lab.check_one_leader()?;
    lab.disconnect(leader1);
    for value in [102, 103, 104] {
        lab.start_command(leader1, command(value));
    }
    // The new leader commits, also for index 2.
    lab.one_value(103, 2, true)?;
    // The new leader leaves; the old one returns.
    let leader2 = lab.check_one_leader()?;
    lab.disconnect(leader2);
    lab.connect(leader1);
    lab.one_value(104, 2, true)?;
    // Everyone back.
    lab.connect(leader2);
    lab.one_value(105, 3, true)?;
    Ok(())
}

fn backup(lab: &mut Lab) -> Check {
    let value = lab.rand();
    lab.one_value(value, 5, true)?;
    // Put the leader and one follower in a partition.
    let leader1 = lab.check_one_leader()?;
    for k in 2..=4 {
        lab.disconnect((leader1 + k) % 5);
    }
    // Submit lots of commands that won't commit.
    for _ in 0..50 {
        let value = lab.rand();
        lab.start_command(leader1, command(value));
    }
    lab.sleep(ELECTION / 2)?;
    lab.disconnect(leader1);
    lab.disconnect((leader1 + 1) % 5);
    // Allow the other partition to recover.
    for k in 2..=4 {
        lab.connect((leader1 + k) % 5);
    }
    // Lots of successful commands to the new group.
    for _ in 0..50 {
        let value = lab.rand();
        lab.one_value(value, 3, true)?;
    }
    // Now another partitioned leader and one follower.
    let leader2 = lab.check_one_leader()?;
    let mut other = (leader1 + 2) % 5;
    if leader2 == other {
        other = (leader2 + 1) % 5;
    }
    lab.disconnect(other);
    // Lots more commands that won't commit.
    for _ in 0..50 {
        let value = lab.rand();
        lab.start_command(leader2, command(value));
    }
    lab.sleep(ELECTION / 2)?;
    // Bring the original leader back to life.
    for i in 0..5 {
        lab.disconnect(i);
    }
    lab.connect(leader1);
    lab.connect((leader1 + 1) % 5);
    lab.connect(other);
    // Lots of successful commands to the new group.
    for _ in 0..50 {
        let value = lab.rand();
        lab.one_value(value, 3, true)?;
    }
    // Now everyone.
    for i in 0..5 {
        lab.connect(i);
    }
    let value = lab.rand();
    lab.one_value(value, 5, true)?;
    Ok(())
}

fn count(lab: &mut Lab) -> Check {
    let rpcs = |lab: &Lab| (0..3).map(|j| lab.rpc_count(j)).sum::<u64>();
    lab.check_one_leader()?;
    let total1 = rpcs(lab);
    if !(1..=30).contains(&total1) {
        return Err(format!(
            "too many or few RPCs ({total1}) to elect initial leader"
        ));
    }
    let mut total2 = 0;
    let mut success = false;
    'tries: for attempt in 0..5 {
        if attempt > 0 {
            lab.sleep(3000)?;
        }
        let leader = lab.check_one_leader()?;
        let total1 = rpcs(lab);
        let iters = 10;
        let Some((start, term)) = lab.start_command(leader, command(1)) else {
            continue; // leader moved on really quickly
        };
        let mut values = Vec::new();
        for i in 1..iters + 2 {
            let value = lab.rand() >> 32;
            values.push(value);
            match lab.start_command(leader, command(value)) {
                Some((index, term1)) if term1 == term => {
                    if index != start + i {
                        return Err("Start() failed".into());
                    }
                }
                _ => continue 'tries,
            }
        }
        for i in 1..iters + 1 {
            match lab.wait(start + i, 3, Some(term))? {
                None => continue 'tries,
                Some(data) if value_of(&data) == Some(values[i as usize - 1]) => {}
                Some(_) => return Err(format!("wrong value committed for index {}", start + i)),
            }
        }
        if (0..3).any(|j| lab.get_state(j).is_some_and(|(t, _)| t != term)) {
            continue; // term changed: can't expect low RPC counts
        }
        total2 = rpcs(lab);
        if total2 - total1 > (iters + 1 + 3) * 3 {
            return Err(format!(
                "too many RPCs ({}) for {iters} entries",
                total2 - total1
            ));
        }
        success = true;
        break;
    }
    if !success {
        return Err("term changed too often".into());
    }
    lab.sleep(ELECTION)?;
    let total3 = rpcs(lab);
    if total3 - total2 > 3 * 20 {
        return Err(format!(
            "too many RPCs ({}) for 1 second of idleness",
            total3 - total2
        ));
    }
    Ok(())
}

// ---- 3C: persistence ----

fn persist1(lab: &mut Lab) -> Check {
    lab.one_value(11, 3, true)?;
    // Crash and restart all.
    for i in 0..3 {
        lab.start(i);
    }
    for i in 0..3 {
        lab.disconnect(i);
        lab.connect(i);
    }
    lab.one_value(12, 3, true)?;
    let leader1 = lab.check_one_leader()?;
    lab.disconnect(leader1);
    lab.start(leader1);
    lab.connect(leader1);
    lab.one_value(13, 3, true)?;
    let leader2 = lab.check_one_leader()?;
    lab.disconnect(leader2);
    lab.one_value(14, 2, true)?;
    lab.start(leader2);
    lab.connect(leader2);
    lab.wait(4, 3, None)?; // wait for leader2 to join before killing i3
    let i3 = (lab.check_one_leader()? + 1) % 3;
    lab.disconnect(i3);
    lab.one_value(15, 2, true)?;
    lab.start(i3);
    lab.connect(i3);
    lab.one_value(16, 3, true)?;
    Ok(())
}

fn persist2(lab: &mut Lab) -> Check {
    let mut index = 1;
    for _ in 0..5 {
        lab.one_value(10 + index, 5, true)?;
        index += 1;
        let leader1 = lab.check_one_leader()?;
        lab.disconnect((leader1 + 1) % 5);
        lab.disconnect((leader1 + 2) % 5);
        lab.one_value(10 + index, 3, true)?;
        index += 1;
        lab.disconnect(leader1);
        lab.disconnect((leader1 + 3) % 5);
        lab.disconnect((leader1 + 4) % 5);
        lab.start((leader1 + 1) % 5);
        lab.start((leader1 + 2) % 5);
        lab.connect((leader1 + 1) % 5);
        lab.connect((leader1 + 2) % 5);
        lab.sleep(ELECTION)?;
        lab.start((leader1 + 3) % 5);
        lab.connect((leader1 + 3) % 5);
        lab.one_value(10 + index, 3, true)?;
        index += 1;
        lab.connect((leader1 + 4) % 5);
        lab.connect(leader1);
    }
    lab.one_value(1000, 5, true)?;
    Ok(())
}

/// Persist2 as the 2025 lab has it: the servers the 2024 test cuts off are
/// shut down, so every server restarts from its disk, and each restart
/// reconnects everyone.
fn persist2_2025(lab: &mut Lab) -> Check {
    let mut index = 1;
    for _ in 0..5 {
        lab.one_value(10 + index, 5, true)?;
        index += 1;
        let leader1 = lab.check_one_leader()?;
        lab.crash((leader1 + 1) % 5);
        lab.crash((leader1 + 2) % 5);
        lab.one_value(10 + index, 3, true)?;
        index += 1;
        lab.crash(leader1);
        lab.crash((leader1 + 3) % 5);
        lab.crash((leader1 + 4) % 5);
        lab.restart_and_connect_all((leader1 + 1) % 5);
        lab.restart_and_connect_all((leader1 + 2) % 5);
        lab.sleep(ELECTION)?;
        lab.restart_and_connect_all((leader1 + 3) % 5);
        lab.one_value(10 + index, 3, true)?;
        index += 1;
        lab.restart_and_connect_all((leader1 + 4) % 5);
        lab.restart_and_connect_all(leader1);
    }
    lab.one_value(1000, 5, true)?;
    Ok(())
}

fn persist3(lab: &mut Lab) -> Check {
    lab.one_value(101, 3, true)?;
    let leader = lab.check_one_leader()?;
    lab.disconnect((leader + 2) % 3);
    lab.one_value(102, 2, true)?;
    lab.crash(leader);
    lab.crash((leader + 1) % 3);
    lab.connect((leader + 2) % 3);
    lab.start(leader);
    lab.connect(leader);
    lab.one_value(103, 2, true)?;
    lab.start((leader + 1) % 3);
    lab.connect((leader + 1) % 3);
    lab.one_value(104, 3, true)?;
    Ok(())
}

/// Leaders crash at random moments, so logs diverge the way Figure 8
/// shows, over and over.
fn figure8(lab: &mut Lab) -> Check {
    let value = lab.rand();
    lab.one_value(value, 1, true)?;
    let mut up = 5;
    for _ in 0..1000 {
        let mut leader = None;
        for i in 0..5 {
            let value = lab.rand();
            if lab.is_up(i) && lab.start_command(i, command(value)).is_some() {
                leader = Some(i);
            }
        }
        let pause = if lab.rand() % 1000 < 100 {
            lab.rand() % (ELECTION / 2)
        } else {
            lab.rand() % 13
        };
        lab.sleep(pause)?;
        if let Some(leader) = leader {
            lab.crash(leader);
            up -= 1;
        }
        if up < 3 {
            let s = (lab.rand() % 5) as usize;
            if !lab.is_up(s) {
                lab.start(s);
                lab.connect(s);
                up += 1;
            }
        }
    }
    for i in 0..5 {
        if !lab.is_up(i) {
            lab.start(i);
            lab.connect(i);
        }
    }
    let value = lab.rand();
    lab.one_value(value, 5, true)?;
    Ok(())
}

fn unreliable_agree(lab: &mut Lab) -> Check {
    for iters in 1..50u64 {
        for j in 0..4 {
            lab.spawn_one(command(100 * iters + j), 1, true);
        }
        lab.one_value(iters, 1, true)?;
    }
    lab.set_unreliable(false);
    lab.join_ones()?;
    lab.one_value(100, 5, true)?;
    Ok(())
}

fn figure8_unreliable(lab: &mut Lab) -> Check {
    let value = lab.rand() % 10_000;
    lab.one_value(value, 1, true)?;
    let mut up = 5;
    for iters in 0..1000 {
        if iters == 200 {
            lab.set_long_reordering(true);
        }
        let mut leader = None;
        for i in 0..5 {
            let value = lab.rand() % 10_000;
            if lab.start_command(i, command(value)).is_some() && lab.is_connected(i) {
                leader = Some(i);
            }
        }
        let pause = if lab.rand() % 1000 < 100 {
            lab.rand() % (ELECTION / 2)
        } else {
            lab.rand() % 13
        };
        lab.sleep(pause)?;
        if let Some(leader) = leader {
            if lab.rand() % 1000 < ELECTION / 2 {
                lab.disconnect(leader);
                up -= 1;
            }
        }
        if up < 3 {
            let s = (lab.rand() % 5) as usize;
            if !lab.is_connected(s) {
                lab.connect(s);
                up += 1;
            }
        }
    }
    for i in 0..5 {
        if !lab.is_connected(i) {
            lab.connect(i);
        }
    }
    let value = lab.rand() % 10_000;
    lab.one_value(value, 5, true)?;
    Ok(())
}

/// Key-value clients beside churn's: they reach every server, cut off or
/// not, so a deposed leader that still believes it leads gets their reads.
/// One key and mostly reads, so a stale read meets the write it missed.
const CHURN_KV_CLIENTS: usize = 2;
const CHURN_WORKLOAD: Workload = Workload {
    keys: 1,
    think_ms: 100,
    get_percent: 70,
    put_percent: 10,
};

/// internalChurn: three clients propose while servers are cut, crashed and
/// restarted; every value a client saw committed must be in the final log.
/// Beyond the lab: key-value clients work throughout, and their history
/// must be linearizable.
fn churn(lab: &mut Lab, unreliable: bool) -> Check {
    let servers = 5;
    for me in 0..3 {
        lab.spawn_churn_client(me);
    }
    lab.sim.start_workload(CHURN_KV_CLIENTS, CHURN_WORKLOAD);
    for _ in 0..20 {
        if lab.rand() % 1000 < 200 {
            let i = (lab.rand() % servers) as usize;
            lab.disconnect(i);
        }
        if lab.rand() % 1000 < 500 {
            let i = (lab.rand() % servers) as usize;
            if !lab.is_up(i) {
                lab.start(i);
            }
            lab.connect(i);
        }
        if lab.rand() % 1000 < 200 {
            let i = (lab.rand() % servers) as usize;
            if lab.is_up(i) {
                lab.crash(i);
            }
        }
        lab.sleep(ELECTION * 7 / 10)?;
    }
    lab.sleep(ELECTION)?;
    if unreliable {
        lab.set_unreliable(false);
    }
    for i in 0..servers as usize {
        if !lab.is_up(i) {
            lab.start(i);
        }
        lab.connect(i);
    }
    let values = lab.stop_churn_clients()?;
    lab.sleep(ELECTION)?;
    let value = lab.rand();
    let last_index = lab.one_value(value, 5, true)?;
    let mut really = Vec::new();
    for index in 1..=last_index {
        let data = lab.wait(index, 5, None)?.ok_or("nothing applied")?;
        if let Some(value) = value_of(&data) {
            really.push(value);
        }
    }
    for value in values {
        if !really.contains(&value) {
            return Err(format!(
                "didn't find a value ({value}) a client saw committed"
            ));
        }
    }
    lab.sim.stop_workload();
    let deadline = lab.sim.now() + 30_000;
    while !lab.sim.clients_idle() {
        if lab.sim.now() > deadline {
            return Err("key-value clients still waiting 30 s after the churn".into());
        }
        lab.sleep(100)?;
    }
    let completed = lab
        .sim
        .history()
        .operations()
        .iter()
        .filter(|op| op.ret.is_some())
        .count();
    // Churn can leave the cluster without a quorum for seconds on end:
    // over 2,400 seeds of each churn test the fewest completed was 17.
    if completed < 10 {
        return Err(format!(
            "key-value clients completed only {completed} operations"
        ));
    }
    match lab.sim.check_linearizable() {
        Verdict::Linearizable => Ok(()),
        Verdict::Violation { key, operations } => Err(format!(
            "key-value history not linearizable on key {key:?} ({} operations)",
            operations.len()
        )),
    }
}

fn reliable_churn(lab: &mut Lab) -> Check {
    churn(lab, false)
}

fn unreliable_churn(lab: &mut Lab) -> Check {
    churn(lab, true)
}

// ---- 3D: snapshots ----

/// snapcommon: 30 rounds of cutting or crashing a follower (or the
/// leader), sending enough commands to snapshot, and bringing it back —
/// often behind the leader's snapshot, so it needs InstallSnapshot.
fn snapshot_rounds(lab: &mut Lab, disconnect: bool, crash: bool) -> Check {
    let servers = lab.servers();
    let value = lab.rand();
    lab.one_value(value, servers, true)?;
    let mut leader1 = lab.check_one_leader()?;
    for i in 0..30 {
        let (mut victim, mut sender) = ((leader1 + 1) % servers, leader1);
        if i % 3 == 1 {
            sender = (leader1 + 1) % servers;
            victim = leader1;
        }
        if disconnect {
            lab.disconnect(victim);
            let value = lab.rand();
            lab.one_value(value, servers - 1, true)?;
        }
        if crash {
            lab.crash(victim);
            let value = lab.rand();
            lab.one_value(value, servers - 1, true)?;
        }
        // Perhaps send enough to get a snapshot.
        let count = SNAPSHOT_INTERVAL / 2 + lab.rand() % SNAPSHOT_INTERVAL;
        for _ in 0..count {
            let value = lab.rand();
            lab.start_command(sender, command(value));
        }
        let value = lab.rand();
        if !disconnect && !crash {
            // Everyone caught up: no InstallSnapshot needed for the basic test.
            lab.one_value(value, servers, true)?;
        } else {
            lab.one_value(value, servers - 1, true)?;
        }
        let size = lab.log_size();
        if size >= MAX_LOG_SIZE {
            return Err(format!("log size too large: {size} bytes"));
        }
        if disconnect {
            // The follower may be behind and need a snapshot to catch up.
            lab.connect(victim);
            let value = lab.rand();
            lab.one_value(value, servers, true)?;
            leader1 = lab.check_one_leader()?;
        }
        if crash {
            lab.start(victim);
            lab.connect(victim);
            let value = lab.rand();
            lab.one_value(value, servers, true)?;
            leader1 = lab.check_one_leader()?;
        }
    }
    Ok(())
}

fn snapshot_basic(lab: &mut Lab) -> Check {
    snapshot_rounds(lab, false, false)
}

fn snapshot_install(lab: &mut Lab) -> Check {
    snapshot_rounds(lab, true, false)
}

fn snapshot_install_unreliable(lab: &mut Lab) -> Check {
    snapshot_rounds(lab, true, false)
}

fn snapshot_install_crash(lab: &mut Lab) -> Check {
    snapshot_rounds(lab, false, true)
}

fn snapshot_install_uncrash(lab: &mut Lab) -> Check {
    snapshot_rounds(lab, false, true)
}

fn crash_and_revive_all(lab: &mut Lab) {
    for i in 0..lab.servers() {
        lab.crash(i);
    }
    for i in 0..lab.servers() {
        lab.start(i);
        lab.connect(i);
    }
}

/// Crash and restart every server, five times; the index keeps growing.
fn snapshot_all_crash(lab: &mut Lab) -> Check {
    let servers = lab.servers();
    let value = lab.rand();
    lab.one_value(value, servers, true)?;
    for _ in 0..5 {
        // Perhaps enough to get a snapshot.
        let count = SNAPSHOT_INTERVAL / 2 + lab.rand() % SNAPSHOT_INTERVAL;
        for _ in 0..count {
            let value = lab.rand();
            lab.one_value(value, servers, true)?;
        }
        let value = lab.rand();
        let index1 = lab.one_value(value, servers, true)?;
        crash_and_revive_all(lab);
        let value = lab.rand();
        let index2 = lab.one_value(value, servers, true)?;
        if index2 < index1 + 1 {
            return Err(format!("index decreased from {index1} to {index2}"));
        }
    }
    Ok(())
}

/// Restart from a snapshot, write once, restart again: a server must not
/// lose the snapshot when it persists state after restarting.
fn snapshot_init(lab: &mut Lab) -> Check {
    let servers = lab.servers();
    let value = lab.rand();
    lab.one_value(value, servers, true)?;
    // Enough operations to make a snapshot.
    for _ in 0..=SNAPSHOT_INTERVAL {
        let value = lab.rand();
        lab.one_value(value, servers, true)?;
    }
    crash_and_revive_all(lab);
    // A single op, to get something written back to persistent storage.
    let value = lab.rand();
    lab.one_value(value, servers, true)?;
    crash_and_revive_all(lab);
    // Another op to trigger a potential bug.
    let value = lab.rand();
    lab.one_value(value, servers, true)?;
    Ok(())
}
