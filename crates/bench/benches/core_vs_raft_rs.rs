//! `cargo xtask bench` (or `cargo bench -p raftviz-bench`): our core against
//! tikv/raft-rs on one workload. Five nodes in one thread, storage in memory,
//! messages handed over at once; after an untimed election the leader takes
//! 100,000 proposals of 64 bytes, in chunks, and every chunk is replicated
//! until nothing is left to do. Both libraries run with their default
//! configuration, so each batches the way it does out of the box.
//!
//! The figure is committed entries per CPU second of that proposal phase
//! (single-threaded, so wall time on an idle core is CPU time). Each library
//! runs several times, interleaved, and keeps its best run: on a shared
//! machine the slowest runs measure the neighbours.
use std::collections::VecDeque;
use std::time::{Duration, Instant};

const NODES: usize = 5;
const PROPOSALS: u64 = 100_000;
const PAYLOAD_BYTES: usize = 64;
/// Proposals made back to back before the cluster catches up. Below raft-rs's
/// 256 in-flight appends, so neither library stalls a chunk on flow control.
const CHUNK: u64 = 100;
const ROUNDS: usize = 5;
/// Guards the untimed election loop against a cluster that never elects.
const MAX_ELECTION_TICKS: usize = 1_000;

/// A 64-byte command whose bytes differ per proposal.
fn command_bytes(number: u64) -> [u8; PAYLOAD_BYTES] {
    let mut bytes = [0u8; PAYLOAD_BYTES];
    for (chunk, word) in bytes.chunks_exact_mut(8).zip(0u64..) {
        chunk.copy_from_slice(&(number ^ word).to_le_bytes());
    }
    bytes
}

mod ours {
    use super::*;
    use raftviz_raft::{Config, Entry, HardState, LogChange, Message, NodeId, Raft, Ready, Role};

    /// A cluster of our cores and what each host keeps: the durable log and
    /// hard state, and how many commands its state machine applied.
    pub struct Cluster {
        nodes: Vec<Raft>,
        durable_logs: Vec<Vec<Entry>>,
        hard_states: Vec<HardState>,
        applied_commands: Vec<u64>,
        in_flight: VecDeque<(NodeId, NodeId, Message)>,
    }

    impl Cluster {
        pub fn new() -> Cluster {
            let nodes = (0..NODES)
                .map(|id| Raft::new(Config::new(id, NODES), id as u64).expect("valid config"))
                .collect();
            Cluster {
                nodes,
                durable_logs: vec![Vec::new(); NODES],
                hard_states: vec![HardState::default(); NODES],
                applied_commands: vec![0; NODES],
                in_flight: VecDeque::new(),
            }
        }

        /// Ticks server 0 alone until it wins, so the others only vote.
        pub fn elect_first_server(&mut self) -> NodeId {
            for _ in 0..MAX_ELECTION_TICKS {
                let ready = self.nodes[0].tick();
                self.carry_out(0, ready);
                self.deliver_everything();
                if self.nodes[0].role() == Role::Leader {
                    return 0;
                }
            }
            panic!("no leader after {MAX_ELECTION_TICKS} ticks");
        }

        /// The timed phase: proposes every command and replicates until the
        /// leader has applied all of them.
        pub fn propose_all(&mut self, leader: NodeId) -> Duration {
            let started = Instant::now();
            let mut proposed = 0;
            while proposed < PROPOSALS {
                for _ in 0..CHUNK.min(PROPOSALS - proposed) {
                    let command = command_bytes(proposed);
                    let accepted = self.nodes[leader]
                        .propose(command[..].into())
                        .expect("the leader accepts every proposal");
                    self.carry_out(leader, accepted.ready);
                    proposed += 1;
                }
                self.deliver_everything();
            }
            let elapsed = started.elapsed();
            assert_eq!(self.applied_commands[leader], PROPOSALS);
            assert_eq!(self.nodes[leader].commit_index(), PROPOSALS);
            // Every follower stores every command.
            for durable_log in &self.durable_logs {
                assert_eq!(durable_log.len() as u64, PROPOSALS);
            }
            elapsed
        }

        fn deliver_everything(&mut self) {
            while let Some((from, to, message)) = self.in_flight.pop_front() {
                let ready = self.nodes[to].step(from, message);
                self.carry_out(to, ready);
            }
        }

        /// The host's duties, in the order `Ready` prescribes: persist, send, apply.
        fn carry_out(&mut self, node: NodeId, ready: Ready) {
            assert!(
                ready.snapshot.is_none() && ready.install_snapshot.is_none(),
                "the workload never compacts its log"
            );
            if let Some(hard_state) = ready.hard_state {
                self.hard_states[node] = hard_state;
            }
            let durable_log = &mut self.durable_logs[node];
            for change in ready.log_changes {
                match change {
                    LogChange::Append(entry) => durable_log.push(entry),
                    LogChange::TruncateFrom(index) => {
                        durable_log.retain(|entry| entry.index < index)
                    }
                    LogChange::Compact { .. } => unreachable!("the workload never compacts"),
                }
            }
            for envelope in ready.messages {
                self.in_flight
                    .push_back((node, envelope.to, envelope.message));
            }
            self.applied_commands[node] += ready
                .committed
                .iter()
                .filter(|entry| entry.payload_len() == PAYLOAD_BYTES)
                .count() as u64;
        }
    }
}

mod theirs {
    use super::*;
    use raft::eraftpb::Message;
    use raft::storage::MemStorage;
    use raft::{Config, RawNode, StateRole, Storage};
    use slog::{o, Discard, Logger};

    /// raft-rs numbers servers from 1.
    const FIRST_ID: u64 = 1;

    /// How raft-rs is configured.
    #[derive(Clone, Copy)]
    pub enum Tuning {
        /// `Config::default()`: at most one entry per append message.
        Default,
        /// What TiKV sets: appends up to 1 MiB, and new entries merged into
        /// an append still waiting to be sent.
        Batching,
    }

    /// A cluster of raft-rs nodes on its own in-memory storage, and how many
    /// commands each state machine applied.
    pub struct Cluster {
        nodes: Vec<RawNode<MemStorage>>,
        applied_commands: Vec<u64>,
        in_flight: VecDeque<Message>,
    }

    impl Cluster {
        pub fn new(tuning: Tuning) -> Cluster {
            let logger = Logger::root(Discard, o!());
            let voters: Vec<u64> = (FIRST_ID..FIRST_ID + NODES as u64).collect();
            let nodes = voters
                .iter()
                .map(|&id| {
                    let config = match tuning {
                        Tuning::Default => Config {
                            id,
                            ..Config::default()
                        },
                        Tuning::Batching => Config {
                            id,
                            max_size_per_msg: 1024 * 1024,
                            batch_append: true,
                            ..Config::default()
                        },
                    };
                    let storage = MemStorage::new_with_conf_state((voters.clone(), vec![]));
                    RawNode::new(&config, storage, &logger).expect("valid config")
                })
                .collect();
            Cluster {
                nodes,
                applied_commands: vec![0; NODES],
                in_flight: VecDeque::new(),
            }
        }

        /// Server 1 campaigns at once, so no timer is involved.
        pub fn elect_first_server(&mut self) -> usize {
            self.nodes[0].campaign().expect("server 1 campaigns");
            self.run_until_quiet();
            assert_eq!(self.nodes[0].raft.state, StateRole::Leader);
            0
        }

        /// The timed phase: proposes every command and replicates until the
        /// leader has applied all of them.
        pub fn propose_all(&mut self, leader: usize) -> Duration {
            let started = Instant::now();
            let mut proposed = 0;
            while proposed < PROPOSALS {
                for _ in 0..CHUNK.min(PROPOSALS - proposed) {
                    let command = command_bytes(proposed);
                    self.nodes[leader]
                        .propose(Vec::new(), command.to_vec())
                        .expect("the leader accepts every proposal");
                    proposed += 1;
                }
                self.run_until_quiet();
            }
            let elapsed = started.elapsed();
            assert_eq!(self.applied_commands[leader], PROPOSALS);
            // Every follower stores every command, after the election's empty entry.
            for node in &self.nodes {
                assert_eq!(node.store().last_index().unwrap(), PROPOSALS + 1);
            }
            elapsed
        }

        /// Delivers every message and handles every node's Ready until no
        /// node has anything left to do.
        fn run_until_quiet(&mut self) {
            loop {
                let mut busy = false;
                while let Some(message) = self.in_flight.pop_front() {
                    let to = (message.to - FIRST_ID) as usize;
                    self.nodes[to].step(message).expect("a peer's message");
                    busy = true;
                }
                for node in 0..NODES {
                    if self.nodes[node].has_ready() {
                        self.handle_ready(node);
                        busy = true;
                    }
                }
                if !busy {
                    return;
                }
            }
        }

        /// raft-rs's documented order: send what needs no persistence,
        /// apply what is committed, persist entries and hard state, send the
        /// messages that waited for persistence, then advance and carry out
        /// the light ready it returns.
        fn handle_ready(&mut self, node: usize) {
            let mut ready = self.nodes[node].ready();
            assert!(
                ready.snapshot().data.is_empty(),
                "the workload never compacts its log"
            );
            self.in_flight.extend(ready.take_messages());
            self.apply(node, ready.take_committed_entries());
            {
                let mut store = self.nodes[node].mut_store().wl();
                store.append(ready.entries()).expect("in-memory append");
                if let Some(hard_state) = ready.hs() {
                    store.set_hardstate(hard_state.clone());
                }
            }
            self.in_flight.extend(ready.take_persisted_messages());
            let mut light = self.nodes[node].advance(ready);
            if let Some(commit) = light.commit_index() {
                self.nodes[node].mut_store().wl().mut_hard_state().commit = commit;
            }
            self.in_flight.extend(light.take_messages());
            self.apply(node, light.take_committed_entries());
            self.nodes[node].advance_apply();
        }

        fn apply(&mut self, node: usize, entries: Vec<raft::eraftpb::Entry>) {
            self.applied_commands[node] += entries
                .iter()
                .filter(|entry| entry.data.len() == PAYLOAD_BYTES)
                .count() as u64;
        }
    }
}

/// 100000 → "100,000", as the docs write counts.
fn with_thousands_commas(number: u64) -> String {
    let digits = number.to_string();
    let mut text = String::new();
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

fn main() {
    let mut ours_best = Duration::MAX;
    let mut theirs_best = Duration::MAX;
    let mut theirs_batching_best = Duration::MAX;
    for _ in 0..ROUNDS {
        let mut cluster = ours::Cluster::new();
        let leader = cluster.elect_first_server();
        ours_best = ours_best.min(cluster.propose_all(leader));

        let mut cluster = theirs::Cluster::new(theirs::Tuning::Default);
        let leader = cluster.elect_first_server();
        theirs_best = theirs_best.min(cluster.propose_all(leader));

        let mut cluster = theirs::Cluster::new(theirs::Tuning::Batching);
        let leader = cluster.elect_first_server();
        theirs_batching_best = theirs_batching_best.min(cluster.propose_all(leader));
    }
    let rate = |best: Duration| PROPOSALS as f64 / best.as_secs_f64();
    let ratio = rate(ours_best) / rate(theirs_best);
    let ratio_to_batching = rate(ours_best) / rate(theirs_batching_best);
    let workload = format!(
        "5 nodes in memory, {} × {PAYLOAD_BYTES} B, best of {ROUNDS}",
        with_thousands_commas(PROPOSALS)
    );
    println!("core vs raft-rs: {ratio:.2}x");
    println!("| measure | value | goal |");
    println!("|---|---|---|");
    let row = |measure: &str, best: Duration| {
        println!(
            "| {measure} | {:.2} M ({:.3} s) | — |",
            rate(best) / 1e6,
            best.as_secs_f64()
        )
    };
    row(
        &format!("core: committed entries per CPU second ({workload})"),
        ours_best,
    );
    row(
        "tikv/raft-rs 0.7, default config: committed entries per CPU second (same workload)",
        theirs_best,
    );
    row(
        "tikv/raft-rs 0.7, 1 MiB appends + batch_append: committed entries per CPU second",
        theirs_batching_best,
    );
    println!(
        "| core vs raft-rs, both default | {ratio:.2}× | ≥ 2× {} |",
        if ratio >= 2.0 { "✔" } else { "✘" }
    );
    println!("| core vs raft-rs with batching turned on | {ratio_to_batching:.2}× | — |");
}
