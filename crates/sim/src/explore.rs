//! The seed explorer: random fault schedules under every combination of
//! Raft settings, checked for safety, linearizability and liveness, and a
//! shrinker that cuts a failing schedule down while it still fails.
use raftviz_raft::NodeId;
use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64;

use crate::linearizability::Verdict;
use crate::{
    ConfChange, Joining, NetworkConfig, RaftOptions, ReadMode, SimConfig, Simulation,
    SnapshotPolicy, UserAction, SERVER_SLOTS,
};

/// Faults from gentle to nasty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultPreset {
    Gentle,
    Drops,
    Duplication,
    Reordering,
    Partitions,
    OneWay,
    SnapshotCrashes,
    ClockSkew,
    /// Lease reads (§6.4.1) with clocks 20 % off and leases that allow for
    /// it, under partitions and crashes: reads must stay linearizable.
    LeaseReads,
    /// Membership change (dissertation chapter 4): servers added (as
    /// learners, caught up, or straight as voters), removed, promoted and
    /// changed together through joint configurations, among crashes,
    /// partitions and drops.
    Membership,
    Nasty,
}

impl FaultPreset {
    pub const ALL: [FaultPreset; 11] = [
        FaultPreset::Gentle,
        FaultPreset::Drops,
        FaultPreset::Duplication,
        FaultPreset::Reordering,
        FaultPreset::Partitions,
        FaultPreset::OneWay,
        FaultPreset::SnapshotCrashes,
        FaultPreset::ClockSkew,
        FaultPreset::LeaseReads,
        FaultPreset::Membership,
        FaultPreset::Nasty,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FaultPreset::Gentle => "gentle",
            FaultPreset::Drops => "drops",
            FaultPreset::Duplication => "duplication",
            FaultPreset::Reordering => "reordering",
            FaultPreset::Partitions => "partitions",
            FaultPreset::OneWay => "one-way",
            FaultPreset::SnapshotCrashes => "snapshot-crashes",
            FaultPreset::ClockSkew => "clock-skew",
            FaultPreset::LeaseReads => "lease-reads",
            FaultPreset::Membership => "membership",
            FaultPreset::Nasty => "nasty",
        }
    }

    pub fn parse(name: &str) -> Option<FaultPreset> {
        FaultPreset::ALL
            .into_iter()
            .find(|preset| preset.name() == name)
    }

    fn has(self, fault: FaultPreset) -> bool {
        self == fault || self == FaultPreset::Nasty
    }
}

/// How long faults go on, and how long the healed cluster gets to recover.
pub const FAULT_PHASE_MS: u64 = 20_000;
pub const RECOVERY_MS: u64 = 10_000;
/// After healing, a leader must appear within this.
pub const LEADER_WITHIN_MS: u64 = 5_000;
const CLIENTS: usize = 3;

/// A fault to inject: an action, or one aimed at whoever leads when it
/// fires (resolved then, and recorded as the concrete action).
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    Do(UserAction),
    CrashLeader,
    IsolateLeader,
    /// Restart one of the crashed servers, if any.
    RestartOne,
    /// Ask the leader to remove one of the cluster's members.
    RemoveMember,
    /// Ask the leader to promote one of the cluster's learners, if any.
    PromoteLearner,
    /// Ask the leader for a joint change (§4.3): a learner promoted (or a
    /// new server added as a voter) and a voter removed or demoted at once.
    JointChange,
}

/// A run to try: settings and timed faults. The faults end with
/// everything healed and every server up.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub config: SimConfig,
    pub actions: Vec<(u64, Fault)>,
    /// When the faults are over (the recovery phase starts).
    pub heal_at: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    Safety(String),
    NotLinearizable(String),
    NoLeader,
    ClientsStuck(usize),
}

impl Failure {
    /// Failures of the same kind count as the same bug while shrinking.
    fn same_kind(&self, other: &Failure) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Safety(what) => write!(f, "safety: {what}"),
            Failure::NotLinearizable(what) => write!(f, "not linearizable: {what}"),
            Failure::NoLeader => write!(
                f,
                "liveness: no leader within {LEADER_WITHIN_MS} ms of healing"
            ),
            Failure::ClientsStuck(count) => {
                write!(f, "liveness: {count} client operations still pending {RECOVERY_MS} ms after healing")
            }
        }
    }
}

/// The schedule for `seed`: settings (one of the eight combinations of
/// pre-vote, check-quorum and no-op, by seed) and random faults.
pub fn schedule(seed: u64, preset: FaultPreset, base: &SimConfig) -> Schedule {
    let mut rng = Pcg64::seed_from_u64(seed ^ 0xe491_03e5);
    let mut config = SimConfig {
        seed,
        ..base.clone()
    };
    let combination = seed % 8;
    config.options = RaftOptions {
        pre_vote: combination & 1 != 0,
        check_quorum: combination & 2 != 0,
        noop_on_election: combination & 4 != 0,
        ..config.options
    };
    if preset.has(FaultPreset::Drops) {
        config.network.drop_probability = 0.1;
    }
    if preset.has(FaultPreset::Duplication) {
        config.network.duplicate_probability = 0.1;
    }
    if preset.has(FaultPreset::Reordering) {
        config.network.latency_ms = (0, 26);
        config.network.long_reordering = true;
    }
    if preset.has(FaultPreset::SnapshotCrashes) {
        config.snapshot_policy = SnapshotPolicy::RaftStateBytes(1500);
        config.snapshot_chunk_bytes = 64;
    }
    if preset.has(FaultPreset::ClockSkew) {
        config.clock_skew_percent = 30;
    }
    if preset == FaultPreset::LeaseReads {
        config.read_mode = ReadMode::Lease;
        config.clock_skew_percent = 20;
        config.options.clock_drift_bound_percent = 20;
    }
    if preset == FaultPreset::Membership {
        config.network.drop_probability = 0.05;
        // §4.2.3: a removed server that never learns it was removed would
        // otherwise depose every leader after healing (a liveness matter
        // the membership scenarios show; safety is what is explored here).
        config.options.leader_stickiness = true;
    }
    let servers = config.servers;
    let mut actions = vec![(0, Fault::Do(UserAction::StartClients { count: CLIENTS }))];
    let mut time = 0;
    loop {
        // Nasty faults come fast, like the lab's Figure 8 test, so leaders
        // die with entries only partly replicated; membership changes as
        // fast, so that new leaders change the configuration early in
        // their terms while an old leader's change is still about.
        time += if preset.has(FaultPreset::SnapshotCrashes) || preset == FaultPreset::Membership {
            10 + rng.next_u64() % 140
        } else {
            200 + rng.next_u64() % 800
        };
        if time >= FAULT_PHASE_MS {
            break;
        }
        // Like the lab's Figure 8 test: offer a command to whoever may
        // think it leads, so stale leaders grow logs of their own.
        for _ in 0..rng.next_u64() % 3 {
            let target = (rng.next_u64() % servers as u64) as NodeId;
            actions.push((
                time,
                Fault::Do(UserAction::Request {
                    server: Some(target),
                }),
            ));
        }
        actions.push((time, pick_fault(preset, &mut rng, servers)));
    }
    let heal_at = FAULT_PHASE_MS;
    let calm = NetworkConfig {
        long_reordering: false,
        ..config.network.clone()
    };
    let healing = [
        UserAction::HealAll,
        UserAction::SetNetwork(calm),
        UserAction::StopClients,
    ];
    actions.extend(
        healing
            .into_iter()
            .map(|action| (heal_at, Fault::Do(action))),
    );
    actions.extend((0..servers).map(|server| (heal_at, Fault::Do(UserAction::Restart { server }))));
    if preset == FaultPreset::Membership {
        // Servers added during the run come back up too.
        actions.extend((servers..SERVER_SLOTS).map(|_| (heal_at, Fault::RestartOne)));
    }
    Schedule {
        config,
        actions,
        heal_at,
    }
}

/// One fault from the preset's menu: healing and restarts always; crashes
/// unless gentle; the preset's own kinds of trouble on top.
fn pick_fault(preset: FaultPreset, rng: &mut Pcg64, servers: usize) -> Fault {
    let server = (rng.next_u64() % servers as u64) as NodeId;
    let other = (server + 1 + (rng.next_u64() % (servers as u64 - 1)) as usize) % servers;
    let mut menu = vec![Fault::Do(UserAction::HealAll), Fault::RestartOne];
    if preset != FaultPreset::Gentle {
        menu.extend([Fault::CrashLeader, Fault::Do(UserAction::Crash { server })]);
    }
    if preset.has(FaultPreset::Partitions) || preset == FaultPreset::LeaseReads {
        menu.extend([
            Fault::IsolateLeader,
            Fault::Do(UserAction::Isolate { server, cut: true }),
        ]);
    }
    if preset.has(FaultPreset::OneWay) {
        let cut = UserAction::SetLink {
            from: server,
            to: other,
            cut: true,
        };
        menu.extend([Fault::Do(cut.clone()), Fault::Do(cut)]);
    }
    if preset.has(FaultPreset::SnapshotCrashes) {
        // Crash leaders often and bring servers back as often, so leaders
        // keep dying with entries only partly replicated or sent.
        menu.extend([
            Fault::CrashLeader,
            Fault::RestartOne,
            Fault::CrashLeader,
            Fault::RestartOne,
        ]);
    }
    if preset == FaultPreset::Membership {
        menu.extend([
            Fault::IsolateLeader,
            Fault::Do(UserAction::Isolate { server, cut: true }),
            Fault::RemoveMember,
            Fault::PromoteLearner,
            Fault::PromoteLearner,
            Fault::JointChange,
        ]);
        menu.extend(Joining::ALL.map(|joining| Fault::Do(UserAction::AddServer { joining })));
    }
    let choice = (rng.next_u64() % menu.len() as u64) as usize;
    menu.swap_remove(choice)
}

/// A deterministic pick among `choices` for a fault at `time`.
fn pick_at<T: Copy>(time: u64, choices: &[T]) -> Option<T> {
    let pick = time.wrapping_mul(0x9e37_79b9) as usize;
    (!choices.is_empty()).then(|| choices[pick % choices.len()])
}

/// The membership change a fault asks for at `time`, from the
/// configuration the cluster uses then.
fn reconfiguration(sim: &Simulation, fault: &Fault, time: u64) -> Option<UserAction> {
    let configuration = sim.cluster_configuration().0;
    let voters: Vec<NodeId> = configuration.all_voters().iter().collect();
    let learners: Vec<NodeId> = configuration.learners.iter().collect();
    let members: Vec<NodeId> = voters.iter().chain(&learners).copied().collect();
    let changes = match fault {
        Fault::RemoveMember => vec![ConfChange::Remove(pick_at(time, &members)?)],
        Fault::PromoteLearner => vec![ConfChange::AddVoter(pick_at(time, &learners)?)],
        Fault::JointChange => {
            let next = sim.server_count();
            let joining = pick_at(time, &learners).or((next < SERVER_SLOTS).then_some(next))?;
            let leaving = pick_at(time / 7, &voters)?;
            let leave = if time.is_multiple_of(2) {
                ConfChange::Remove(leaving)
            } else {
                ConfChange::AddLearner(leaving)
            };
            vec![ConfChange::AddVoter(joining), leave]
        }
        _ => return None,
    };
    Some(UserAction::ChangeMembership { changes })
}

/// Runs a schedule; the simulation is returned for its trace and link.
pub fn run(schedule: &Schedule) -> (Simulation, Option<Failure>) {
    let mut sim = Simulation::new(schedule.config.clone());
    for (time, fault) in &schedule.actions {
        sim.run_until(*time);
        let action = match fault {
            Fault::Do(action) => Some(action.clone()),
            Fault::CrashLeader => sim.leader().map(|server| UserAction::Crash { server }),
            Fault::IsolateLeader => sim
                .leader()
                .map(|server| UserAction::Isolate { server, cut: true }),
            Fault::RestartOne => {
                let down: Vec<NodeId> = (0..sim.server_count())
                    .filter(|&id| !sim.is_up(id))
                    .collect();
                pick_at(*time, &down).map(|server| UserAction::Restart { server })
            }
            Fault::RemoveMember | Fault::PromoteLearner | Fault::JointChange => {
                reconfiguration(&sim, fault, *time)
            }
        };
        if let Some(action) = action {
            sim.act(action);
        }
    }
    sim.run_until(schedule.heal_at);
    let failure = recover_and_check(&mut sim, schedule.heal_at);
    (sim, failure)
}

fn recover_and_check(sim: &mut Simulation, heal_at: u64) -> Option<Failure> {
    let mut leader_seen = false;
    while sim.now() < heal_at + RECOVERY_MS && sim.violation().is_none() {
        sim.run_for(50);
        leader_seen |= sim.leader().is_some();
        if !leader_seen && sim.now() >= heal_at + LEADER_WITHIN_MS {
            break;
        }
        if leader_seen && sim.clients_idle() {
            break;
        }
    }
    if let Some(violation) = sim.violation() {
        return Some(Failure::Safety(format!(
            "{} at {} ms: {}",
            violation.invariant, violation.time, violation.detail
        )));
    }
    if let Verdict::Violation { key, .. } = sim.check_linearizable() {
        return Some(Failure::NotLinearizable(format!("key {key}")));
    }
    if !leader_seen {
        return Some(Failure::NoLeader);
    }
    let pending = sim
        .clients()
        .iter()
        .filter(|client| !client.is_idle())
        .count();
    (pending > 0).then_some(Failure::ClientsStuck(pending))
}

/// Cuts a failing schedule down — fewer faults, an earlier end — while it
/// still fails the same way. Returns the smallest schedule found.
pub fn shrink(schedule: &Schedule, failure: &Failure) -> (Schedule, Failure) {
    let mut best = schedule.clone();
    let mut best_failure = failure.clone();
    let still_fails = |candidate: &Schedule| match run(candidate).1 {
        Some(found) if found.same_kind(failure) => Some(found),
        _ => None,
    };
    // Drop faults: halves, quarters, … then single ones (delta debugging).
    let mut chunk = best.actions.len() / 2;
    while chunk >= 1 {
        let mut start = 0;
        while start < best.actions.len() {
            let mut candidate = best.clone();
            let end = (start + chunk).min(candidate.actions.len());
            let removable: Vec<usize> = (start..end)
                .filter(|&i| removable(&candidate.actions[i].1))
                .collect();
            if removable.is_empty() {
                start += chunk;
                continue;
            }
            for index in removable.into_iter().rev() {
                candidate.actions.remove(index);
            }
            match still_fails(&candidate) {
                Some(found) => {
                    best = candidate;
                    best_failure = found;
                }
                None => start += chunk,
            }
        }
        chunk /= 2;
    }
    // End the faults earlier: the healing moves forward with them.
    let mut heal_at = best.heal_at;
    while heal_at > 1000 {
        let earlier = heal_at / 2;
        let candidate = with_heal_at(&best, earlier);
        match still_fails(&candidate) {
            Some(found) => {
                best = candidate;
                best_failure = found;
                heal_at = earlier;
            }
            None => break,
        }
    }
    (best, best_failure)
}

/// The clients and the final healing are the frame of every schedule.
fn removable(fault: &Fault) -> bool {
    !matches!(
        fault,
        Fault::Do(UserAction::StartClients { .. } | UserAction::StopClients)
    )
}

fn with_heal_at(schedule: &Schedule, heal_at: u64) -> Schedule {
    let old = schedule.heal_at;
    let actions = schedule
        .actions
        .iter()
        .filter(|(time, _)| *time < heal_at || *time == old)
        .map(|(time, action)| (if *time == old { heal_at } else { *time }, action.clone()))
        .collect();
    Schedule {
        config: schedule.config.clone(),
        actions,
        heal_at,
    }
}
