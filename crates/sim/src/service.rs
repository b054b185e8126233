//! The key-value service above Raft, and its clients. Clients reach servers
//! over the simulated network (latency, loss, cuts); a server answers once
//! the command is applied (writes, and reads through the log) or once a
//! ReadIndex round confirms it (reads). Clients retry on timeout or "not
//! leader", following leader hints, with the same sequence number, so a
//! command applies once however often it is sent. Every client operation
//! is recorded, with its call and return times, for the linearizability
//! checker.

use raftviz_raft::{Index, NodeId, Term};
use rand_core::RngCore;

use crate::kv::{Command, Op};
use crate::linearizability::{History, OpKind};
use crate::sorted_map::SortedMap;
use crate::{Action, Simulation};

pub type ClientId = usize;

/// How long a client waits for an answer before trying another server.
pub const CLIENT_TIMEOUT_MS: u64 = 400;

/// How the service serves Get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadMode {
    /// ReadIndex (dissertation §6.4): no log entry per read.
    ReadIndex,
    /// Through the log, like writes.
    Log,
    /// Leases (dissertation §6.4.1): no round per read while the leader's
    /// lease holds, ReadIndex otherwise. Safe while the clocks keep within
    /// [`crate::RaftOptions::clock_drift_bound_percent`]; it switches the
    /// §4.2.3 rule on.
    Lease,
}

/// Clients that keep issuing random operations on a few keys: Append of a
/// unique value, Put, or Get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Workload {
    pub keys: u64,
    /// Pause between a client's operations.
    pub think_ms: u64,
    pub get_percent: u64,
    pub put_percent: u64,
}

impl Default for Workload {
    fn default() -> Workload {
        Workload {
            keys: 5,
            think_ms: 10,
            get_percent: 40,
            put_percent: 10,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Done(Option<String>),
    NotLeader(Option<NodeId>),
}

#[derive(Clone, Debug)]
pub struct Client {
    pub id: ClientId,
    seq: u64,
    leader_guess: NodeId,
    pending: Option<PendingOp>,
    /// Servers this client cannot reach (its side of a partition).
    pub cut_from: Vec<bool>,
    pub completed: u64,
    pub last_result: Option<Option<String>>,
}

#[derive(Clone, Debug)]
struct PendingOp {
    command: Command,
    history_id: usize,
    attempt: u32,
}

impl Client {
    pub fn is_idle(&self) -> bool {
        self.pending.is_none()
    }
}

/// A server's volatile service state: requests waiting to be answered.
#[derive(Clone, Debug, Default)]
pub(crate) struct ServiceState {
    /// Writes (and log reads) by the index they were proposed at.
    waiting: SortedMap<Index, Waiter>,
    /// ReadIndex requests by request id.
    reads: SortedMap<u64, Waiter>,
}

#[derive(Clone, Debug)]
struct Waiter {
    client: ClientId,
    seq: u64,
    attempt: u32,
    key: String,
    term: Term,
}

impl Simulation {
    pub fn add_client(&mut self) -> ClientId {
        let id = self.clients.len();
        let servers = self.servers.len();
        self.clients.push(Client {
            id,
            seq: 0,
            leader_guess: id % servers,
            pending: None,
            cut_from: vec![false; servers],
            completed: 0,
            last_result: None,
        });
        id
    }

    pub fn client(&self, id: ClientId) -> Option<&Client> {
        self.clients.get(id)
    }

    pub fn clients(&self) -> &[Client] {
        &self.clients
    }

    /// Cuts (or heals) the link between a client and a server, both ways.
    pub fn set_client_link(&mut self, client: ClientId, server: NodeId, cut: bool) {
        if let Some(link) = self
            .clients
            .get_mut(client)
            .and_then(|c| c.cut_from.get_mut(server))
        {
            *link = cut;
        }
    }

    /// A client of its own sends one operation, to `server` first.
    pub fn submit_to(&mut self, server: NodeId, op: Op, key: &str, value: &str) -> ClientId {
        let client = self.add_client();
        let servers = self.servers.len();
        self.clients[client].leader_guess = server % servers;
        self.submit(client, op, key, value);
        client
    }

    /// Starts a client operation; ignored while the client has one pending.
    pub fn submit(&mut self, client: ClientId, op: Op, key: &str, value: &str) {
        let now = self.now;
        let Some(state) = self.clients.get_mut(client) else {
            return;
        };
        if state.pending.is_some() {
            return;
        }
        state.seq += 1;
        let kind = match op {
            Op::Get => OpKind::Get,
            Op::Put => OpKind::Put,
            Op::Append => OpKind::Append,
        };
        let history_id = self.history.call(client as u64, kind, key, value, now);
        let command = Command {
            client: client as u64 + 1,
            seq: state.seq,
            op,
            key: key.into(),
            value: value.into(),
        };
        state.pending = Some(PendingOp {
            command,
            history_id,
            attempt: 0,
        });
        self.send_attempt(client);
    }

    fn send_attempt(&mut self, client: ClientId) {
        let state = &mut self.clients[client];
        let Some(pending) = &mut state.pending else {
            return;
        };
        pending.attempt += 1;
        let (seq, attempt, server) = (state.seq, pending.attempt, state.leader_guess);
        let timeout = self.now + CLIENT_TIMEOUT_MS;
        self.schedule(
            timeout,
            Action::ClientTimeout {
                client,
                seq,
                attempt,
            },
        );
        if let Some(arrival) = self.client_hop(client, server) {
            self.schedule(
                arrival,
                Action::ClientRequest {
                    client,
                    server,
                    seq,
                    attempt,
                },
            );
        }
    }

    /// When a message between `client` and `server` arrives, if it does.
    fn client_hop(&mut self, client: ClientId, server: NodeId) -> Option<u64> {
        if self.clients[client]
            .cut_from
            .get(server)
            .copied()
            .unwrap_or(true)
        {
            return None;
        }
        let network = &self.config.network;
        let unit = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        if unit < network.drop_probability {
            return None;
        }
        let (low, high) = network.latency_ms;
        Some(self.now + low + self.rng.next_u64() % (high.saturating_sub(low) + 1))
    }

    pub(crate) fn client_timeout(&mut self, client: ClientId, seq: u64, attempt: u32) {
        let next = self.server_after(self.clients[client].leader_guess);
        let state = &mut self.clients[client];
        let current =
            state.seq == seq && state.pending.as_ref().is_some_and(|p| p.attempt == attempt);
        if current {
            state.leader_guess = next;
            self.send_attempt(client);
        }
    }

    /// The server a client tries after `server`: the next voter of the
    /// cluster's configuration, as a client told of membership changes
    /// would (in a fixed cluster simply the next server). Removed servers
    /// and learners cannot lead, and a removed server that never heard of
    /// its removal may keep pointing at another such server.
    fn server_after(&self, server: NodeId) -> NodeId {
        let voters = self.cluster_configuration().0.all_voters();
        let count = self.servers.len();
        (1..=count)
            .map(|step| (server + step) % count)
            .find(|&id| voters.contains(id))
            .unwrap_or((server + 1) % count)
    }

    pub(crate) fn client_reply(&mut self, client: ClientId, seq: u64, attempt: u32, reply: Reply) {
        let now = self.now;
        let next = self.server_after(self.clients[client].leader_guess);
        let state = &mut self.clients[client];
        let current =
            state.seq == seq && state.pending.as_ref().is_some_and(|p| p.attempt == attempt);
        if !current {
            return;
        }
        match reply {
            Reply::Done(read) => {
                if let Some(pending) = state.pending.take() {
                    self.history.ret(pending.history_id, read.clone(), now);
                }
                state.completed += 1;
                state.last_result = Some(read);
                self.liveness.on_completed(now);
            }
            Reply::NotLeader(hint) => {
                state.leader_guess = hint.unwrap_or(next);
                self.send_attempt(client);
            }
        }
    }

    /// A request reaches `server`'s service.
    pub(crate) fn serve_request(
        &mut self,
        client: ClientId,
        server: NodeId,
        seq: u64,
        attempt: u32,
    ) {
        let Some(command) = self.clients[client]
            .pending
            .as_ref()
            .map(|p| p.command.clone())
        else {
            return;
        };
        if command.seq != seq {
            return;
        }
        let Some(node) = self.servers[server].node.as_mut() else {
            return; // a crashed server answers nothing
        };
        let term = node.term();
        let key = command.key.clone();
        let waiter = Waiter {
            client,
            seq,
            attempt,
            key: key.clone(),
            term,
        };
        if command.op == Op::Get && self.read_mode != ReadMode::Log {
            if self.config.stale_read_bug && node.role() == raftviz_raft::Role::Leader {
                // The bug: trust our own belief that we lead.
                let value = self.servers[server].kv.get(&key);
                return self.answer(server, waiter, Reply::Done(Some(value)));
            }
            self.next_read += 1;
            let request = self.next_read;
            let read = if self.read_mode == ReadMode::Lease {
                if node.holds_lease() {
                    self.lease_reads += 1;
                }
                node.read_with_lease(request)
            } else {
                node.read_index(request)
            };
            match read {
                Ok(ready) => {
                    self.servers[server].service.reads.insert(request, waiter);
                    self.after(server, ready);
                }
                Err(refusal) => self.answer(server, waiter, Reply::NotLeader(hint_of(refusal))),
            }
            return;
        }
        match node.propose(command.encode()) {
            Ok(proposed) => {
                self.trace.record(
                    self.now,
                    Some(server),
                    crate::EventKind::Propose {
                        index: proposed.index,
                        term: proposed.term,
                    },
                );
                self.servers[server]
                    .service
                    .waiting
                    .insert(proposed.index, waiter);
                self.after(server, proposed.ready);
            }
            Err(refusal) => self.answer(server, waiter, Reply::NotLeader(hint_of(refusal))),
        }
    }

    /// Answers whoever waits for the entry just applied at `index`.
    pub(crate) fn on_applied(
        &mut self,
        server: NodeId,
        index: Index,
        applied: Option<&crate::kv::Applied>,
    ) {
        let Some(waiter) = self.servers[server].service.waiting.remove(index) else {
            return;
        };
        let ours =
            applied.is_some_and(|a| a.client == waiter.client as u64 + 1 && a.seq == waiter.seq);
        let reply = match applied {
            Some(applied) if ours => Reply::Done(applied.read.clone()),
            // Another leader's entry took the index: ours was lost.
            _ => Reply::NotLeader(None),
        };
        self.answer(server, waiter, reply);
    }

    pub(crate) fn on_read(&mut self, server: NodeId, request: u64) {
        let Some(waiter) = self.servers[server].service.reads.remove(request) else {
            return;
        };
        let value = self.servers[server].kv.get(&waiter.key);
        self.answer(server, waiter, Reply::Done(Some(value)));
    }

    /// A server that stopped leading (or moved to a later term) tells its
    /// waiting clients to look elsewhere.
    pub(crate) fn on_leadership_change(&mut self, server: NodeId, term: Term, leading: bool) {
        let service = &mut self.servers[server].service;
        let lost = |waiter: &Waiter| !leading || waiter.term != term;
        let failed: Vec<Waiter> = service
            .waiting
            .values()
            .chain(service.reads.values())
            .filter(|waiter| lost(waiter))
            .cloned()
            .collect();
        service.waiting.retain(|_, waiter| !lost(waiter));
        service.reads.retain(|_, waiter| !lost(waiter));
        let hint = self.servers[server]
            .node
            .as_ref()
            .and_then(|node| node.leader_id());
        for waiter in failed {
            self.answer(server, waiter, Reply::NotLeader(hint));
        }
    }

    fn answer(&mut self, server: NodeId, waiter: Waiter, reply: Reply) {
        if let Some(arrival) = self.client_hop(waiter.client, server) {
            self.pending_replies
                .push((arrival, waiter.client, waiter.seq, waiter.attempt, reply));
            self.schedule(
                arrival,
                Action::ClientReply {
                    client: waiter.client,
                },
            );
        }
    }

    /// Delivers the replies due for `client` now.
    pub(crate) fn deliver_replies(&mut self, client: ClientId) {
        let now = self.now;
        let (due, later): (Vec<_>, Vec<_>) = self
            .pending_replies
            .drain(..)
            .partition(|(at, to, ..)| *at <= now && *to == client);
        self.pending_replies = later;
        for (_, client, seq, attempt, reply) in due {
            self.client_reply(client, seq, attempt, reply);
        }
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    /// Gets a leader took on the strength of its lease, without a round.
    pub fn lease_reads(&self) -> u64 {
        self.lease_reads
    }

    /// Adds `clients` clients that keep issuing operations until
    /// [`Simulation::stop_workload`].
    pub fn start_workload(&mut self, clients: usize, workload: Workload) -> Vec<ClientId> {
        self.workload = Some(workload);
        (0..clients)
            .map(|_| {
                let client = self.add_client();
                let first = self.now + 1 + self.rng.next_u64() % workload.think_ms.max(1);
                self.schedule(first, Action::ClientThink { client });
                client
            })
            .collect()
    }

    /// Clients issue no new operations; those under way still finish.
    pub fn stop_workload(&mut self) {
        self.workload = None;
    }

    /// Every client has its answer.
    pub fn clients_idle(&self) -> bool {
        self.clients.iter().all(Client::is_idle)
    }

    pub(crate) fn client_think(&mut self, client: ClientId) {
        let Some(workload) = self.workload else {
            return;
        };
        if self.clients[client].is_idle() {
            let key = format!("k{}", self.rng.next_u64() % workload.keys.max(1));
            let roll = self.rng.next_u64() % 100;
            let seq = self.clients[client].seq + 1;
            if roll < workload.get_percent {
                self.submit(client, Op::Get, &key, "");
            } else if roll < workload.get_percent + workload.put_percent {
                self.submit(client, Op::Put, &key, &format!("c{client}.{seq};"));
            } else {
                self.submit(client, Op::Append, &key, &format!("c{client}.{seq};"));
            }
        }
        let next = self.now + workload.think_ms.max(1);
        self.schedule(next, Action::ClientThink { client });
    }

    /// Checks the client operations against a linearizable key-value store:
    /// every one so far, or the history's window when it keeps one.
    pub fn check_linearizable(&self) -> crate::linearizability::Verdict {
        self.history.check()
    }

    /// Why the client history is not linearizable, if it is not. Drawn
    /// every frame, so the verdict is kept until the history changes; once
    /// found, a violation stays (the window that showed it may move on, but
    /// the whole history has it).
    pub fn linearizability_problem(&self) -> Option<String> {
        let changes = self.history.changes();
        let mut cache = self.linearizability_verdict.borrow_mut();
        if cache.0 != changes && cache.1.is_none() {
            let problem = match self.check_linearizable() {
                crate::linearizability::Verdict::Linearizable => None,
                crate::linearizability::Verdict::Violation { key, operations } => Some(format!(
                    "the client history on key \"{key}\" ({} operations) has no linearization",
                    operations.len()
                )),
            };
            *cache = (changes, problem);
        }
        cache.1.clone()
    }

    /// What the linearizability verdict covers, when not the whole history.
    pub fn linearizability_scope(&self) -> Option<String> {
        let start = self.history.window_start()?;
        Some(format!(
            "checked over the last {} operations (since {start} ms)",
            self.history.operations().len()
        ))
    }
}

fn hint_of(refusal: raftviz_raft::ProposeError) -> Option<NodeId> {
    match refusal {
        raftviz_raft::ProposeError::NotLeader { leader_hint } => leader_hint,
        raftviz_raft::ProposeError::TransferringLeadership { target } => Some(target),
    }
}
