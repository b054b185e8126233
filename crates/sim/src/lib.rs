//! The deterministic simulator: a virtual clock in ms, an event queue, a
//! network with faults, servers that crash and restart, a key-value state
//! machine, and the safety checkers after every event. Same seed, same
//! settings, same actions ⇒ the same run, natively and in the browser.

pub mod battery;
mod checker;
mod config;
pub mod decimal;
pub mod explore;
mod json;
pub mod kv;
pub mod lab;
pub mod linearizability;
mod liveness;
pub mod membership;
mod network;
mod retained;
mod run;
pub mod scenario;
mod service;
pub mod share;
mod sorted_map;
mod storage;
pub mod timeline;
mod trace;
mod view;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

pub use raftviz_raft::{ConfChange, Configuration, Membership, MembershipError, TransferError};
use raftviz_raft::{
    Entry, EntryData, Envelope, Index, LogChange, NodeId, Payload, Raft, Ready, Role, Term,
};
use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64;

pub use checker::{Violation, COMMITTED_STAYS_COMMITTED, INVARIANTS};
pub use config::{Delivery, NetworkConfig, RaftOptions, Retention, SimConfig, SnapshotPolicy};
pub use liveness::{LivenessState, LivenessThresholds, LivenessView};
pub use membership::{ChangeError, Joining, SERVER_SLOTS};
pub use network::{InFlight, LinkCut};
pub use retained::Retained;
pub use run::{RecordedAction, UserAction};
pub use service::{Client, ClientId, ReadMode, Reply, Workload, CLIENT_TIMEOUT_MS};
pub use storage::Fnv;
pub use storage::Storage;
pub use trace::{DropReason, Event, EventKind, MessageSummary, Trace};
pub use view::{
    ConfigurationView, EntryView, InvariantStatus, LogView, MessageView, ProgressView, ServerView,
    TimerView,
};

use checker::{Checker, Finding};
use kv::{Command, KvStore};
use linearizability::History;
use liveness::LivenessTracker;
use network::Network;
use service::ServiceState;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    Tick {
        server: NodeId,
        incarnation: u32,
    },
    Deliver {
        message: u64,
    },
    ClientRequest {
        client: ClientId,
        server: NodeId,
        seq: u64,
        attempt: u32,
    },
    ClientReply {
        client: ClientId,
    },
    ClientTimeout {
        client: ClientId,
        seq: u64,
        attempt: u32,
    },
    ClientThink {
        client: ClientId,
    },
}

/// The server whose request a `Ready` answers, in the life that sent it.
#[derive(Clone, Copy, Debug)]
struct Requester {
    id: NodeId,
    incarnation: u32,
}

/// Why a proposal did not enter a log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProposeError {
    ServerDown,
    NotLeader { leader_hint: Option<NodeId> },
    TransferringLeadership { target: NodeId },
}

#[derive(Clone, Debug)]
struct Server {
    /// `None` while crashed: its volatile state is gone.
    node: Option<Raft>,
    storage: Storage,
    /// Bumped at each crash so the dead incarnation's timers are ignored.
    incarnation: u32,
    kv: KvStore,
    service: ServiceState,
    /// Every command this server has applied, by index, when the retention
    /// says so: kept across restarts, as the lab's tester keeps them, until
    /// [`Simulation::restart_applied_record`].
    applied: Vec<EntryData>,
    seen_role: (Role, Term),
    seen_commit: Index,
    /// The configuration in use when last looked at, and its index.
    seen_configuration: (raftviz_raft::Configuration, Index),
}

impl Server {
    /// A server with an empty disk, before its first boot; `configuration`
    /// is what it is taken to use until then.
    fn unbooted(configuration: raftviz_raft::Configuration) -> Server {
        Server {
            node: None,
            storage: Storage::default(),
            incarnation: 0,
            kv: KvStore::default(),
            service: ServiceState::default(),
            applied: Vec::new(),
            seen_role: (Role::Follower, 0),
            seen_commit: 0,
            seen_configuration: (configuration, 0),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Simulation {
    config: SimConfig,
    rng: Pcg64,
    now: u64,
    queue: BinaryHeap<Reverse<(u64, u64, Action)>>,
    next_sequence: u64,
    servers: Vec<Server>,
    network: Network,
    checker: Checker,
    /// The first violation of each invariant, in the order found.
    violations: Vec<Violation>,
    trace: Trace,
    rpc_counts: Vec<u64>,
    rpc_bytes: u64,
    events_processed: u64,
    next_client_key: u64,
    clients: Vec<service::Client>,
    history: History,
    pending_replies: Vec<(u64, ClientId, u64, u32, Reply)>,
    next_read: u64,
    lease_reads: u64,
    read_mode: ReadMode,
    workload: Option<service::Workload>,
    /// The last linearizability verdict, by the history's (calls, returns).
    linearizability_verdict: std::cell::RefCell<((usize, usize), Option<String>)>,
    actions: Vec<RecordedAction>,
    /// The settings the run started with (`config` follows live changes).
    initial_config: SimConfig,
    liveness: LivenessTracker,
    /// The latest configuration committed anywhere, with its index.
    committed_configuration: (Index, raftviz_raft::Configuration),
}

impl Simulation {
    /// Starts `config.servers` fresh servers at time 0. Settings are
    /// clamped to what the simulator can run; use [`SimConfig::validate`]
    /// first to tell a person what was wrong.
    pub fn new(config: SimConfig) -> Simulation {
        let mut rng = Pcg64::seed_from_u64(config.seed);
        let servers = config.servers.clamp(1, 64);
        let mut sim = Simulation {
            network: Network::new(servers, config.network.clone()),
            trace: Trace::new(config.retention.events),
            rng: Pcg64::seed_from_u64(rng.next_u64()),
            now: 0,
            queue: BinaryHeap::new(),
            next_sequence: 0,
            servers: Vec::with_capacity(servers),
            checker: Checker::default(),
            violations: Vec::new(),
            rpc_counts: vec![0; servers],
            rpc_bytes: 0,
            events_processed: 0,
            next_client_key: 0,
            clients: Vec::new(),
            history: History::keeping(config.retention.operations),
            pending_replies: Vec::new(),
            next_read: 0,
            lease_reads: 0,
            read_mode: config.read_mode,
            workload: None,
            linearizability_verdict: Default::default(),
            actions: Vec::new(),
            liveness: LivenessTracker::default(),
            committed_configuration: (0, raftviz_raft::Configuration::bootstrap(servers)),
            initial_config: SimConfig {
                servers,
                ..config.clone()
            },
            config: SimConfig { servers, ..config },
        };
        for id in 0..servers {
            let configuration = raftviz_raft::Configuration::bootstrap(servers);
            sim.servers.push(Server::unbooted(configuration));
            sim.boot(id);
        }
        sim
    }

    fn boot(&mut self, id: NodeId) {
        let mut config = self.config.raft_config(id);
        if config.validate().is_err() {
            // Unusable timing from outside falls back to the lab's.
            config = SimConfig::lab(self.config.servers, 0).raft_config(id);
        }
        let storage = &self.servers[id].storage;
        let seed = self.rng.next_u64();
        let snapshot = storage.snapshot.clone();
        let Ok(node) = Raft::restore(
            config,
            seed,
            storage.hard_state,
            snapshot,
            storage.log.clone(),
        ) else {
            return;
        };
        let server = &mut self.servers[id];
        server.seen_role = (node.role(), node.term());
        server.seen_commit = node.commit_index();
        server.seen_configuration = (*node.configuration(), node.configuration_index());
        server.node = Some(node);
        // The state machine restarts from the snapshot on disk, if any.
        server.kv = server
            .storage
            .snapshot
            .as_ref()
            .and_then(|snapshot| KvStore::decode(&snapshot.data))
            .unwrap_or_default();
        server.service = ServiceState::default();
        let incarnation = server.incarnation;
        // Servers' clocks tick out of phase, as real ones do.
        let phase = 1 + self.rng.next_u64() % self.config.tick_ms.max(1);
        self.schedule(
            self.now + phase,
            Action::Tick {
                server: id,
                incarnation,
            },
        );
    }

    /// How long `server`'s tick lasts, in ms: its clock may run fast or
    /// slow (`clock_skew_percent`).
    pub fn tick_interval(&self, server: NodeId) -> u64 {
        let skew = self.config.clock_skew_percent;
        if skew == 0 {
            return self.config.tick_ms.max(1);
        }
        // A fixed rate per server, from the seed alone.
        let mut hash = storage::Fnv(self.config.seed ^ 0xc10c);
        hash.write(&(server as u64).to_le_bytes());
        let offset = hash.0 % (2 * skew + 1);
        (self.config.tick_ms * (100 + offset) / (100 + skew)).max(1)
    }

    fn schedule(&mut self, time: u64, action: Action) {
        self.next_sequence += 1;
        self.queue.push(Reverse((time, self.next_sequence, action)));
    }

    // ---- Running ----

    pub fn now(&self) -> u64 {
        self.now
    }

    /// Processes every event up to `time` (stopping at a violation) and
    /// moves the clock there.
    pub fn run_until(&mut self, time: u64) {
        while !self.halted() {
            match self.queue.peek() {
                Some(Reverse((at, _, _))) if *at <= time => self.process_next(),
                _ => break,
            }
        }
        if !self.halted() {
            self.now = self.now.max(time);
        }
    }

    pub fn run_for(&mut self, ms: u64) {
        self.run_until(self.now.saturating_add(ms));
    }

    /// Runs until something worth recording happens (a message, a role
    /// change, a commit…) and returns whether it did.
    pub fn step(&mut self) -> bool {
        let before = self.trace.len();
        while !self.halted() && !self.queue.is_empty() && self.trace.len() == before {
            self.process_next();
        }
        self.trace.len() > before
    }

    pub(crate) fn next_event_time(&self) -> Option<u64> {
        self.queue.peek().map(|Reverse((time, _, _))| *time)
    }

    pub(crate) fn process_next_event(&mut self) {
        self.process_next();
    }

    pub(crate) fn advance_clock_to(&mut self, time: u64) {
        if !self.halted() {
            self.now = self.now.max(time);
        }
    }

    fn process_next(&mut self) {
        let Some(Reverse((time, _, action))) = self.queue.pop() else {
            return;
        };
        self.now = time;
        self.events_processed += 1;
        self.trace.set_step(self.events_processed);
        match action {
            Action::Tick {
                server,
                incarnation,
            } => {
                if self.servers[server].incarnation != incarnation {
                    return;
                }
                if let Some(node) = &mut self.servers[server].node {
                    let ready = node.tick();
                    self.after(server, ready);
                }
                let next = self.now + self.tick_interval(server);
                self.schedule(
                    next,
                    Action::Tick {
                        server,
                        incarnation,
                    },
                );
            }
            Action::Deliver { message } => self.deliver(message),
            Action::ClientRequest {
                client,
                server,
                seq,
                attempt,
            } => self.serve_request(client, server, seq, attempt),
            Action::ClientReply { client } => self.deliver_replies(client),
            Action::ClientTimeout {
                client,
                seq,
                attempt,
            } => self.client_timeout(client, seq, attempt),
            Action::ClientThink { client } => self.client_think(client),
        }
    }

    fn deliver(&mut self, id: u64) {
        let link = self
            .network
            .get_mut(id)
            .map(|flight| (flight.from, flight.to));
        if let Some((from, to)) = link {
            if self.network.is_held(from, to) {
                // It waits, in flight, for the link's release.
                if let Some(flight) = self.network.get_mut(id) {
                    flight.held = true;
                }
                return;
            }
        }
        self.arrive(id);
    }

    /// The message reaches its destination (if the link and server allow).
    fn arrive(&mut self, id: u64) {
        let Some(flight) = self.network.take(id) else {
            return;
        };
        let summary = MessageSummary::of(&flight.message);
        // Under labrpc a message's link was judged when it left.
        let judged_at_arrival = self.network.config.delivery == Delivery::AtArrival;
        let reason = if judged_at_arrival && self.network.is_cut(flight.from, flight.to) {
            Some(DropReason::LinkCut)
        } else if self.servers[flight.to].node.is_none() {
            Some(DropReason::ServerDown)
        } else {
            None
        };
        if let Some(reason) = reason {
            self.record_drop(&flight, reason);
            return;
        }
        let kind = flight.message.kind();
        let requester = if kind.is_request() {
            if !judged_at_arrival {
                // labrpc counts the RPCs a server executes.
                self.rpc_counts[flight.to] += 1;
            }
            Some(Requester {
                id: flight.from,
                incarnation: flight.sender_incarnation,
            })
        } else {
            // labrpc counts a reply's bytes when it hands it over.
            self.rpc_bytes += flight.message.wire_size() as u64;
            None
        };
        self.trace.record(
            self.now,
            Some(flight.to),
            EventKind::Deliver {
                id,
                from: flight.from,
                message: summary,
            },
        );
        if let Some(node) = &mut self.servers[flight.to].node {
            let ready = node.step(flight.from, flight.message);
            self.after_answering(flight.to, ready, requester);
        }
    }

    fn record_drop(&mut self, flight: &InFlight, reason: DropReason) {
        let kind = EventKind::Drop {
            id: flight.id,
            from: flight.from,
            to: flight.to,
            reason,
            message: MessageSummary::of(&flight.message),
        };
        self.trace.record(self.now, Some(flight.to), kind);
    }

    /// Carries out a `Ready` in the order the core's contract demands:
    /// persist, then send, then apply. Checks the invariants as it goes.
    fn after(&mut self, id: NodeId, ready: Ready) {
        self.after_answering(id, ready, None);
    }

    /// [`Simulation::after`] for a `Ready` that handles `requester`'s
    /// request: what it sends back to the requester are the replies.
    fn after_answering(&mut self, id: NodeId, ready: Ready, requester: Option<Requester>) {
        if let Err(finding) = self.persist(id, &ready) {
            self.report(finding);
        }
        for Envelope { to, message } in ready.messages {
            let answering = requester.filter(|requester| requester.id == to);
            self.send(id, to, message, answering);
        }
        if let Some(snapshot) = &ready.install_snapshot {
            if let Err(finding) = self.install(id, snapshot) {
                self.report(finding);
            }
        }
        for entry in &ready.committed {
            if let Err(finding) = self.apply(id, entry) {
                self.report(finding);
            }
        }
        for &report in &ready.catch_ups {
            self.note_catch_up(id, report);
        }
        for read in &ready.reads {
            self.trace.record(
                self.now,
                Some(id),
                EventKind::Read {
                    request: read.request,
                    index: read.index,
                },
            );
            self.on_read(id, read.request);
        }
        if let Err(finding) = self.observe(id) {
            self.report(finding);
        }
        self.observe_liveness();
    }

    /// The state machine restarts from a snapshot sent by the leader. Its
    /// digest must match the entries every other server applied up to it.
    fn install(&mut self, id: NodeId, snapshot: &raftviz_raft::Snapshot) -> Result<(), Finding> {
        self.trace.record(
            self.now,
            Some(id),
            EventKind::InstallSnapshot {
                index: snapshot.index,
            },
        );
        let store = KvStore::decode(&snapshot.data).unwrap_or_default();
        self.note_committed_configuration(id, snapshot.index, snapshot.configuration);
        self.checker.on_install(id, snapshot.index, store.digest)?;
        let server = &mut self.servers[id];
        server.kv = store;
        if !self.config.retention.applied_commands {
            return Ok(());
        }
        // The lab's tester reads what each server applied; a snapshot
        // stands for everything through its index.
        let through = usize::try_from(snapshot.index).unwrap_or(usize::MAX);
        for index in 1..=through {
            let data = self
                .checker
                .applied_data(index as Index)
                .unwrap_or(EntryData::Noop);
            if index <= server.applied.len() {
                server.applied[index - 1] = data;
            } else {
                server.applied.push(data);
            }
        }
        Ok(())
    }

    /// The application snapshots when its policy says so.
    fn maybe_snapshot(&mut self, id: NodeId, index: Index) {
        let server = &self.servers[id];
        let due = match self.config.snapshot_policy {
            SnapshotPolicy::Never => false,
            SnapshotPolicy::EveryEntries(every) => every > 0 && index.is_multiple_of(every),
            SnapshotPolicy::RaftStateBytes(limit) => server.storage.raft_state_size() >= limit,
        };
        if !due {
            return;
        }
        let image = server.kv.encode();
        if let Some(node) = self.servers[id].node.as_mut() {
            let ready = node.snapshot(index, image);
            if let Err(finding) = self.persist(id, &ready) {
                self.report(finding);
            }
        }
    }

    fn persist(&mut self, id: NodeId, ready: &Ready) -> Result<(), Finding> {
        let server = &mut self.servers[id];
        if let Some(hard_state) = ready.hard_state {
            let before = server.storage.hard_state;
            server.storage.hard_state = hard_state;
            if let Some(voted_for) = hard_state.voted_for {
                if before.voted_for != Some(voted_for) || before.term != hard_state.term {
                    let kind = EventKind::Vote {
                        term: hard_state.term,
                        voted_for,
                    };
                    self.trace.record(self.now, Some(id), kind);
                }
            }
        }
        let is_leader = server
            .node
            .as_ref()
            .is_some_and(|node| node.role() == Role::Leader);
        let mut appended: Option<(Index, Index, Term)> = None;
        if let Some(snapshot) = &ready.snapshot {
            self.servers[id].storage.snapshot = Some(snapshot.clone());
        }
        for change in &ready.log_changes {
            let storage = &mut self.servers[id].storage;
            if let LogChange::Compact { index, term } = *change {
                // A snapshot from the leader may cover entries this disk
                // never held: its prefix hash comes from whoever did.
                let own = storage.log.term_at(index) == Some(term);
                let hash = own
                    .then(|| storage.prefix_hash(index))
                    .flatten()
                    .or_else(|| self.checker.prefix_hash(index, term));
                storage.compact(index, term, hash.unwrap_or_default());
                self.trace
                    .record(self.now, Some(id), EventKind::Compact { index });
                self.forget_below_snapshots();
                continue;
            }
            storage.persist(change);
            match change {
                LogChange::Compact { .. } => {}
                LogChange::TruncateFrom(from) => {
                    self.flush_append(id, &mut appended);
                    self.trace
                        .record(self.now, Some(id), EventKind::Truncate { from: *from });
                    self.checker.on_truncate(id, is_leader, *from)?;
                }
                LogChange::Append(entry) => {
                    self.checker
                        .on_append(id, entry, &self.servers[id].storage)?;
                    if let (true, EntryData::Configuration(configuration)) =
                        (is_leader, &entry.data)
                    {
                        // Reported at once: the rest of the Ready must still
                        // reach the disk.
                        if let Err(finding) = self.check_configuration_used(id, configuration) {
                            self.report(finding);
                        }
                    }
                    appended = match appended {
                        Some((first, _, term)) if term == entry.term => {
                            Some((first, entry.index, term))
                        }
                        Some(_) => {
                            self.flush_append(id, &mut appended);
                            Some((entry.index, entry.index, entry.term))
                        }
                        None => Some((entry.index, entry.index, entry.term)),
                    };
                }
            }
        }
        self.flush_append(id, &mut appended);
        Ok(())
    }

    /// No running server applies, appends or installs at or below its own
    /// snapshot again, so below every running server's snapshot the checker
    /// has nothing left to compare. A crashed server may, once restarted,
    /// apply from its older snapshot again: those indices go unchecked, but the
    /// digest compared at the first index still remembered covers them.
    fn forget_below_snapshots(&mut self) {
        if self.config.retention.applied_commands {
            return;
        }
        let lowest = self
            .servers
            .iter()
            .filter(|server| server.node.is_some())
            .map(|server| server.storage.log.base_index())
            .min();
        if let Some(lowest) = lowest {
            self.checker.forget_below(lowest);
        }
    }

    fn flush_append(&mut self, id: NodeId, appended: &mut Option<(Index, Index, Term)>) {
        if let Some((first, last, term)) = appended.take() {
            self.trace
                .record(self.now, Some(id), EventKind::Append { first, last, term });
        }
    }

    fn apply(&mut self, id: NodeId, entry: &Entry) -> Result<(), Finding> {
        let server = &mut self.servers[id];
        let applied = server.kv.apply(entry);
        // A run that goes on after a violation still applies the entry.
        let verdict = self.checker.on_apply(id, entry, server.kv.digest);
        if self.config.retention.applied_commands {
            let server = &mut self.servers[id];
            let slot = usize::try_from(entry.index)
                .unwrap_or(usize::MAX)
                .saturating_sub(1);
            if slot < server.applied.len() {
                server.applied[slot] = entry.data.clone();
            } else {
                server.applied.resize(slot, EntryData::Noop);
                server.applied.push(entry.data.clone());
            }
        }
        if let EntryData::Configuration(configuration) = &entry.data {
            self.note_committed_configuration(id, entry.index, *configuration);
        }
        self.on_applied(id, entry.index, applied.as_ref());
        self.maybe_snapshot(id, entry.index);
        verdict
    }

    /// Notices role and commit changes after a call into the core.
    fn observe(&mut self, id: NodeId) -> Result<(), Finding> {
        let server = &mut self.servers[id];
        let Some(node) = &server.node else {
            return Ok(());
        };
        let role = (node.role(), node.term());
        let commit = node.commit_index();
        let configuration = (*node.configuration(), node.configuration_index());
        let role_changed = role != server.seen_role;
        let committed = commit > server.seen_commit;
        // The index alone moves when a snapshot swallows the entry.
        let reconfigured = configuration.0 != server.seen_configuration.0;
        server.seen_role = role;
        server.seen_commit = commit;
        server.seen_configuration = configuration;
        if reconfigured {
            let kind = EventKind::ConfigurationInUse {
                index: configuration.1,
                configuration: configuration.0,
            };
            self.trace.record(self.now, Some(id), kind);
        }
        if committed {
            self.trace
                .record(self.now, Some(id), EventKind::Commit { index: commit });
            self.checker
                .on_commit(commit, role.1, &self.servers[id].storage);
        }
        if role_changed {
            if role.0 == Role::Leader {
                self.liveness.on_new_leader(self.now);
            }
            self.on_leadership_change(id, role.1, role.0 == Role::Leader);
            self.trace.record(
                self.now,
                Some(id),
                EventKind::Role {
                    role: role.0,
                    term: role.1,
                },
            );
            if role.0 == Role::Leader {
                // Both checks of a new leader are reported: a lost entry
                // breaks Leader Completeness and, across configurations,
                // committed-stays-committed at the same election.
                let completeness = self
                    .checker
                    .on_leader(id, role.1, &self.servers[id].storage);
                let kept = self.check_configuration_used(id, &configuration.0);
                match (completeness, kept) {
                    (Err(lost), Err(not_kept)) => {
                        self.report(lost);
                        return Err(not_kept);
                    }
                    (completeness, kept) => completeness.and(kept)?,
                }
            }
        }
        Ok(())
    }

    /// The latest entry committed in the leader's term or before must be
    /// on enough servers of the configuration the leader `id` now uses (see
    /// [`Checker::on_configuration_used`]).
    fn check_configuration_used(
        &self,
        id: NodeId,
        configuration: &raftviz_raft::Configuration,
    ) -> Result<(), Finding> {
        let term = self.node(id).map_or(0, |node| node.term());
        let Some((index, hash)) = self.checker.latest_committed_through(term) else {
            return Ok(());
        };
        let holders = (0..self.servers.len())
            .filter(|&server| {
                let storage = &self.servers[server].storage;
                storage.log.base_index() >= index || storage.prefix_hash(index) == Some(hash)
            })
            .collect();
        self.checker
            .on_configuration_used(id, configuration, index, holders)
    }

    fn report(&mut self, finding: Finding) {
        if self
            .violations
            .iter()
            .any(|v| v.invariant == finding.invariant)
        {
            return;
        }
        let kind = EventKind::Violation {
            invariant: finding.invariant,
            detail: finding.detail.clone(),
        };
        let server = finding.servers.last().copied();
        self.trace.record(self.now, server, kind);
        self.violations.push(Violation {
            invariant: finding.invariant,
            time: self.now,
            event: self.trace.len(),
            servers: finding.servers,
            indices: finding.indices,
            detail: finding.detail,
        });
    }

    fn send(
        &mut self,
        from: NodeId,
        to: NodeId,
        message: raftviz_raft::Message,
        answering: Option<Requester>,
    ) {
        let kind = message.kind();
        let labrpc = self.network.config.delivery == Delivery::Labrpc;
        if kind.is_request() {
            if !labrpc {
                self.rpc_counts[to] += 1;
            }
            self.rpc_bytes += message.wire_size() as u64;
        }
        let fate = if self.network.is_cut(from, to) {
            Some(DropReason::LinkCut)
        } else if labrpc && !self.reaches_life(to, kind.is_request(), answering) {
            Some(DropReason::ServerDown)
        } else {
            None
        };
        let sender = (from, self.servers[from].incarnation);
        for flight in self
            .network
            .launch(&mut self.rng, self.now, sender, to, message)
        {
            let summary = MessageSummary::of(&flight.message);
            self.trace.record(
                self.now,
                Some(from),
                EventKind::Send {
                    id: flight.id,
                    to,
                    message: summary,
                },
            );
            if let Some(reason) = fate {
                self.record_drop(&flight, reason);
            } else if flight.lost {
                self.record_drop(&flight, DropReason::Random);
            } else {
                let (deliver_at, id) = (flight.deliver_at, flight.id);
                self.network.put_in_flight(flight);
                self.schedule(deliver_at, Action::Deliver { message: id });
            }
        }
    }

    /// Whether the life of `to` a message is meant for runs now: the
    /// current one for a request, the one that sent the request for a reply.
    fn reaches_life(&self, to: NodeId, is_request: bool, answering: Option<Requester>) -> bool {
        let server = &self.servers[to];
        let meant_for = match answering {
            Some(requester) if !is_request => requester.incarnation,
            _ => server.incarnation,
        };
        server.node.is_some() && server.incarnation == meant_for
    }

    // ---- Actions a person, a scenario or a test takes ----

    /// Proposes a command at `server`, as a client talking to it would.
    pub fn propose(
        &mut self,
        server: NodeId,
        command: Payload,
    ) -> Result<(Index, Term), ProposeError> {
        let Some(node) = self.servers.get_mut(server).and_then(|s| s.node.as_mut()) else {
            return Err(ProposeError::ServerDown);
        };
        match node.propose(command) {
            Ok(proposed) => {
                let kind = EventKind::Propose {
                    index: proposed.index,
                    term: proposed.term,
                };
                self.trace.record(self.now, Some(server), kind);
                self.after(server, proposed.ready);
                Ok((proposed.index, proposed.term))
            }
            Err(refusal) => {
                let (error, leader_hint) = match refusal {
                    raftviz_raft::ProposeError::NotLeader { leader_hint } => {
                        (ProposeError::NotLeader { leader_hint }, leader_hint)
                    }
                    raftviz_raft::ProposeError::TransferringLeadership { target } => (
                        ProposeError::TransferringLeadership { target },
                        Some(target),
                    ),
                };
                self.trace.record(
                    self.now,
                    Some(server),
                    EventKind::ProposeRefused { leader_hint },
                );
                Err(error)
            }
        }
    }

    /// A client request with a fresh key, sent to `server` or, when `None`,
    /// to the leader of the highest term among running servers.
    pub fn client_request(
        &mut self,
        server: Option<NodeId>,
    ) -> Result<(Index, Term), ProposeError> {
        let target = server.or_else(|| self.leader()).unwrap_or(0);
        self.next_client_key += 1;
        // Apart from the workload's keys: these writes have no client to record them.
        let key = format!("r{}", self.next_client_key);
        let command = Command::put(&key, &format!("v{}", self.next_client_key));
        self.propose(target, command.encode())
    }

    pub fn crash(&mut self, id: NodeId) {
        let Some(server) = self.servers.get_mut(id) else {
            return;
        };
        if server.node.take().is_none() {
            return;
        }
        server.incarnation += 1;
        self.trace.record(self.now, Some(id), EventKind::Crash);
        for flight in self.network.take_all_to(id) {
            self.record_drop(&flight, DropReason::ServerDown);
        }
        self.observe_liveness();
    }

    pub fn restart(&mut self, id: NodeId) {
        if self
            .servers
            .get(id)
            .is_none_or(|server| server.node.is_some())
        {
            return;
        }
        self.trace.record(self.now, Some(id), EventKind::Restart);
        self.boot(id);
        self.observe_liveness();
    }

    /// Asks the leader `from` to hand leadership to `to` (§3.10). The
    /// request is traced whether or not `from` takes it up.
    pub fn transfer_leadership(&mut self, from: NodeId, to: NodeId) -> Result<(), TransferError> {
        let Some(node) = self.servers.get_mut(from).and_then(|s| s.node.as_mut()) else {
            return Err(TransferError::NotLeader { leader_hint: None });
        };
        let outcome = node.transfer_leadership(to);
        self.trace
            .record(self.now, Some(from), EventKind::Transfer { to });
        let ready = outcome?;
        self.after(from, ready);
        Ok(())
    }

    /// Expires `id`'s election timer now.
    pub fn force_timeout(&mut self, id: NodeId) {
        let Some(node) = self.servers.get_mut(id).and_then(|s| s.node.as_mut()) else {
            return;
        };
        let ready = node.force_election_timeout();
        self.trace.record(self.now, Some(id), EventKind::Timeout);
        self.after(id, ready);
    }

    /// Cuts or heals the one-way link `from → to`.
    pub fn set_link(&mut self, from: NodeId, to: NodeId, cut: bool) {
        if from == to || from >= self.servers.len() || to >= self.servers.len() {
            return;
        }
        if self.network.is_cut(from, to) == cut {
            return;
        }
        self.network.set_cut(from, to, cut);
        let kind = if cut {
            EventKind::Cut { to }
        } else {
            EventKind::Heal { to }
        };
        self.trace.record(self.now, Some(from), kind);
    }

    /// Cuts (or heals) every link between `id` and the others, both ways.
    pub fn isolate(&mut self, id: NodeId, cut: bool) {
        for other in 0..self.servers.len() {
            self.set_link(id, other, cut);
            self.set_link(other, id, cut);
        }
    }

    pub fn heal_all(&mut self) {
        for from in 0..self.servers.len() {
            for to in 0..self.servers.len() {
                self.set_link(from, to, false);
            }
        }
    }

    /// Holds the link `from → to` (messages wait in flight) or releases it
    /// (the waiting messages arrive now, oldest first).
    pub fn hold_link(&mut self, from: NodeId, to: NodeId, hold: bool) {
        for id in self.network.set_held(from, to, hold) {
            self.schedule(self.now, Action::Deliver { message: id });
        }
    }

    /// Delivers one message in flight now, ahead of its time.
    pub fn deliver_now(&mut self, id: u64) {
        self.arrive(id);
    }

    /// Loses one message in flight, as a person clicking it does.
    pub fn drop_message(&mut self, id: u64) -> bool {
        match self.network.take(id) {
            Some(flight) => {
                self.record_drop(&flight, DropReason::ByHand);
                true
            }
            None => false,
        }
    }

    pub fn set_network(&mut self, network: NetworkConfig) {
        self.config.network = network.clone();
        self.network.config = network;
    }

    /// Switches Raft's optional behaviours on every server, running or not.
    pub fn set_options(&mut self, options: RaftOptions) {
        self.config.options = options;
        for id in 0..self.servers.len() {
            let config = self.config.raft_config(id);
            if let Some(node) = &mut self.servers[id].node {
                // Timing a person could not have changed stays valid; a
                // server keeps its settings should it not.
                let _ = node.reconfigure(config);
            }
        }
    }

    // ---- What there is to see ----

    /// The settings in force now.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }
    /// The settings the run started with: with [`Simulation::actions`],
    /// everything needed to replay it.
    pub fn initial_config(&self) -> &SimConfig {
        &self.initial_config
    }
    pub fn server_count(&self) -> usize {
        self.servers.len()
    }
    pub fn node(&self, id: NodeId) -> Option<&Raft> {
        self.servers.get(id)?.node.as_ref()
    }
    pub fn is_up(&self, id: NodeId) -> bool {
        self.node(id).is_some()
    }
    pub fn storage(&self, id: NodeId) -> Option<&Storage> {
        self.servers.get(id).map(|server| &server.storage)
    }
    pub fn kv(&self, id: NodeId) -> Option<&KvStore> {
        self.servers.get(id).map(|server| &server.kv)
    }
    /// What `id` has applied at `index` in any of its lives.
    pub fn applied(&self, id: NodeId, index: Index) -> Option<&EntryData> {
        let slot = usize::try_from(index.checked_sub(1)?).ok()?;
        self.servers.get(id)?.applied.get(slot)
    }
    /// Makes the record of what `id` applied start over after `index`, as
    /// the lab's tester does when a server restarts (keeping what its
    /// snapshot holds).
    pub fn restart_applied_record(&mut self, id: NodeId, index: Index) {
        if let Some(server) = self.servers.get_mut(id) {
            server
                .applied
                .truncate(usize::try_from(index).unwrap_or(usize::MAX));
        }
    }
    /// The leader of the highest term among running servers.
    pub fn leader(&self) -> Option<NodeId> {
        (0..self.servers.len())
            .filter_map(|id| self.node(id).map(|node| (node, id)))
            .filter(|(node, _)| node.role() == Role::Leader)
            .max_by_key(|(node, _)| node.term())
            .map(|(_, id)| id)
    }
    pub fn link(&self, a: NodeId, b: NodeId) -> LinkCut {
        LinkCut::of(self.network.is_cut(a, b), self.network.is_cut(b, a))
    }
    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight> {
        self.network.in_flight()
    }
    /// The first violation found.
    pub fn violation(&self) -> Option<&Violation> {
        self.violations.first()
    }
    /// The first violation of each broken invariant.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
    /// A violation stopped the run (unless the settings let it go on).
    pub fn halted(&self) -> bool {
        self.config.stop_at_violation && !self.violations.is_empty()
    }
    pub fn trace(&self) -> &Trace {
        &self.trace
    }
    /// Requests (the lab's RPCs) addressed to `id` so far; under
    /// [`Delivery::Labrpc`], those `id` executed, as labrpc counts them.
    pub fn rpc_count(&self, id: NodeId) -> u64 {
        self.rpc_counts.get(id).copied().unwrap_or(0)
    }
    /// Bytes of every request sent and every reply delivered so far, as
    /// labrpc counts them (in [`raftviz_raft::Message::wire_size`]'s
    /// compact encoding, where labrpc counts gob bytes).
    pub fn rpc_bytes(&self) -> u64 {
        self.rpc_bytes
    }
    /// Every event processed, timer ticks included.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }
}
