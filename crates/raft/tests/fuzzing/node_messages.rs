//! The `node_messages` fuzz target's body, shared with the tests that
//! replay its checked-in corpus: fuzz input bytes decoded into operations
//! on one node — ticks, proposals, every kind of message from any sender,
//! snapshots, reads (ReadIndex and lease), transfers and their
//! cancellation, forced elections, live reconfiguration, configuration
//! entries and membership proposals (single, joint, catch-up) — with the
//! node's own coherence checked after each operation.
//!
//! Every byte string decodes to some run: a reader past the end yields
//! zeros, so libFuzzer's mutations never waste an input on a parse error.
use std::sync::Arc;

use raftviz_raft::*;

#[path = "node_checks.rs"]
mod node_checks;

use node_checks::{assert_coherent, check_ready};

const CLUSTER: usize = 5;
/// Peers that may talk to the node: the starting cluster and servers that
/// membership changes may add.
const PEERS: usize = 8;

/// Hands out the fuzz input byte by byte.
struct ByteReader<'a> {
    bytes: &'a [u8],
}

impl ByteReader<'_> {
    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn byte(&mut self) -> u8 {
        match self.bytes.split_first() {
            Some((&first, rest)) => {
                self.bytes = rest;
                first
            }
            None => 0,
        }
    }

    fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    fn below(&mut self, bound: usize) -> usize {
        usize::from(self.byte()) % bound
    }

    /// A term, index or offset near `around` most of the time, since
    /// values near the node's own state reach the interesting branches;
    /// sometimes zero, the top of the range, or any 64-bit value.
    fn number(&mut self, around: u64) -> u64 {
        let tag = self.byte();
        let spread = u64::from(tag >> 3);
        match tag % 8 {
            0 => 0,
            1 => u64::MAX - spread,
            2 => u64::from_le_bytes(core::array::from_fn(|_| self.byte())),
            _ => around.saturating_add(spread).saturating_sub(16),
        }
    }

    fn payload(&mut self) -> Payload {
        let length = self.below(8);
        let bytes: Vec<u8> = (0..length).map(|_| self.byte()).collect();
        Arc::from(bytes)
    }

    /// Entries following `prev`, mostly consecutive and in non-decreasing
    /// terms as a leader sends them, with gaps and term jumps mixed in.
    fn entries(&mut self, prev: Index, term: Term) -> Vec<Entry> {
        let mut next = prev.wrapping_add(1);
        let mut entry_term = term;
        (0..self.below(6))
            .map(|_| {
                let shape = self.byte();
                let index = if shape & 0b001 == 0 {
                    next
                } else {
                    self.number(next)
                };
                if shape & 0b010 != 0 {
                    entry_term = self.number(entry_term);
                }
                let data = match (shape >> 2) % 4 {
                    0 => EntryData::Noop,
                    1 => EntryData::Configuration(self.configuration()),
                    _ => EntryData::Command(self.payload()),
                };
                next = index.wrapping_add(1);
                Entry {
                    index,
                    term: entry_term,
                    data,
                }
            })
            .collect()
    }

    /// A server id: mostly one of the peers, sometimes past every limit.
    fn server(&mut self) -> NodeId {
        match self.byte() {
            250 => MAX_SERVERS,
            251 => MAX_SERVERS - 1,
            249 => 64,
            252 => usize::MAX,
            byte => usize::from(byte) % (PEERS + 2),
        }
    }

    /// A set of servers: mostly among the peers, sometimes any bits.
    fn servers(&mut self) -> ServerSet {
        if self.byte().is_multiple_of(8) {
            ServerSet::from_bits(u16::from_le_bytes([self.byte(), self.byte()]))
        } else {
            ServerSet::from_bits(u16::from(self.byte()))
        }
    }

    /// A configuration as a peer might send it: mostly sensible, and
    /// sometimes with overlapping, empty or out-of-range sets.
    fn configuration(&mut self) -> Configuration {
        let voters = self.servers();
        let shape = self.byte();
        let maybe = |reader: &mut Self, bit: u8| {
            if shape & bit != 0 {
                reader.servers()
            } else {
                ServerSet::EMPTY
            }
        };
        Configuration {
            voters,
            outgoing: maybe(self, 1),
            learners: maybe(self, 2),
            learners_next: maybe(self, 4),
            removed: maybe(self, 8),
        }
    }

    /// One to three changes, as a person picking servers would ask for.
    fn changes(&mut self) -> Vec<ConfChange> {
        (0..1 + self.below(3))
            .map(|_| {
                let server = self.server();
                match self.below(3) {
                    0 => ConfChange::AddVoter(server),
                    1 => ConfChange::AddLearner(server),
                    _ => ConfChange::Remove(server),
                }
            })
            .collect()
    }

    fn message(&mut self, node: &Raft) -> Message {
        let term = self.number(node.term());
        let index = self.number(node.log().last_index());
        let log_term = self.number(node.log().last_term());
        match self.below(9) {
            0 => Message::RequestVote {
                term,
                last_log_index: index,
                last_log_term: log_term,
                leadership_transfer: self.flag(),
            },
            1 => Message::RequestVoteReply {
                term,
                granted: self.flag(),
            },
            2 => Message::PreVote {
                term,
                last_log_index: index,
                last_log_term: log_term,
            },
            3 => Message::PreVoteReply {
                term,
                granted: self.flag(),
            },
            4 => Message::AppendEntries {
                term,
                prev_log_index: index,
                prev_log_term: log_term,
                entries: self.entries(index, term),
                leader_commit: self.number(index),
                round: self.number(0),
            },
            5 => Message::AppendEntriesReply {
                term,
                success: self.flag(),
                prev_log_index: index,
                match_index: self.number(index),
                conflict: self.flag().then(|| Conflict {
                    x_term: self.flag().then(|| self.number(log_term)),
                    x_index: self.number(index),
                    x_len: self.number(index),
                }),
                round: self.number(0),
            },
            6 => Message::InstallSnapshot {
                term,
                last_included_index: index,
                last_included_term: log_term,
                configuration: self.configuration(),
                offset: self.number(0),
                data: self.payload(),
                done: self.flag(),
            },
            7 => Message::InstallSnapshotReply {
                term,
                last_included_index: index,
                next_offset: self.number(0),
                installed: self.flag(),
            },
            _ => Message::TimeoutNow { term },
        }
    }

    /// The optional behaviours, from one byte, on top of `config`; and a
    /// clock-drift bound from another (sometimes past the valid 100 %).
    fn options(&mut self, mut config: Config) -> Config {
        let switches = self.byte();
        config.pre_vote = switches & 0b0000_0001 != 0;
        config.check_quorum = switches & 0b0000_0010 != 0;
        config.noop_on_election = switches & 0b0000_0100 != 0;
        config.fast_backup = switches & 0b0000_1000 != 0;
        config.leader_stickiness = switches & 0b0001_0000 != 0;
        config.clock_drift_bound_percent = u32::from(self.byte());
        config
    }
}

/// The last message the node sent each peer, so a peer can answer it as a
/// correct server would: random messages alone almost never elect the node
/// (two grants of exactly its term), and leaders, commits, reads, leases
/// and transfers would go untested.
struct Peers {
    last_sent: Vec<Option<Message>>,
}

impl Peers {
    fn note(&mut self, ready: &Ready) {
        for envelope in &ready.messages {
            if let Some(slot) = self.last_sent.get_mut(envelope.to) {
                *slot = Some(envelope.message.clone());
            }
        }
    }

    /// What a cooperative, up-to-date peer answers to the last message it
    /// got: votes granted, entries and snapshot chunks accepted, rounds
    /// echoed.
    fn answer(&self, peer: NodeId) -> Option<Message> {
        Some(match self.last_sent.get(peer)?.as_ref()? {
            Message::RequestVote { term, .. } => Message::RequestVoteReply {
                term: *term,
                granted: true,
            },
            Message::PreVote { term, .. } => Message::PreVoteReply {
                term: *term,
                granted: true,
            },
            Message::AppendEntries {
                term,
                prev_log_index,
                entries,
                round,
                ..
            } => Message::AppendEntriesReply {
                term: *term,
                success: true,
                prev_log_index: *prev_log_index,
                match_index: prev_log_index.saturating_add(entries.len() as Index),
                conflict: None,
                round: *round,
            },
            Message::InstallSnapshot {
                term,
                last_included_index,
                offset,
                data,
                done,
                ..
            } => Message::InstallSnapshotReply {
                term: *term,
                last_included_index: *last_included_index,
                next_offset: offset.saturating_add(data.len() as u64),
                installed: *done,
            },
            _ => return None,
        })
    }
}

/// Decodes `input` into a node's settings and a sequence of operations,
/// runs them, and panics if the node ever stops being coherent.
pub fn run_operations(input: &[u8]) {
    let mut reader = ByteReader { bytes: input };
    let id = reader.below(CLUSTER);
    let mut config = reader.options(Config::new(id, CLUSTER));
    config.clock_drift_bound_percent %= 101;
    let seed = u64::from(reader.byte());
    let mut node = Raft::new(config, seed).expect("the lab's settings are valid");
    let mut applied = 0;
    let mut last_message: Option<(NodeId, Message)> = None;
    let mut peers = Peers {
        last_sent: vec![None; PEERS],
    };
    while !reader.is_empty() {
        let ready = match reader.below(16) {
            0 => node.tick(),
            // Elections need 30 to 60 ticks: one byte for many keeps
            // timer-driven behaviour within reach of short inputs. Ticks
            // start elections and send heartbeats; with four silent peers
            // they win no election, so they never touch the log, and
            // one coherence check after the batch keeps long inputs fast.
            1 => {
                for _ in 0..reader.below(64) {
                    let ready = node.tick();
                    check_ready(&node, &ready, &mut applied);
                    peers.note(&ready);
                }
                Ready::default()
            }
            2 => node
                .propose(reader.payload())
                .map_or_else(|_| Ready::default(), |proposed| proposed.ready),
            3 => {
                let index = reader.number(node.last_applied());
                node.snapshot(index, reader.payload())
            }
            4 => node
                .read_index(u64::from(reader.byte()))
                .unwrap_or_default(),
            // One past the last id: a sender or target that does not exist.
            5 => node
                .transfer_leadership(reader.below(CLUSTER + 1))
                .unwrap_or_default(),
            6 => node.force_election_timeout(),
            7 => node
                .read_with_lease(u64::from(reader.byte()))
                .unwrap_or_default(),
            8 => {
                node.cancel_transfer();
                Ready::default()
            }
            // Options switched live; now and then another server's id,
            // which must be refused.
            9 => {
                let id = if reader.flag() {
                    node.id()
                } else {
                    reader.below(CLUSTER)
                };
                let config = reader.options(Config::new(id, CLUSTER));
                let _ = node.reconfigure(config);
                Ready::default()
            }
            // Membership changes, sensible or not: one is a single-server
            // step, several a joint change.
            12 => {
                let changes = reader.changes();
                node.propose_membership(&changes)
                    .map_or_else(|_| Ready::default(), |proposed| proposed.ready)
            }
            13 => node
                .add_server(reader.server())
                .map_or_else(|_| Ready::default(), |proposed| proposed.ready),
            // A duplicated delivery, which real networks produce.
            10 if last_message.is_some() => {
                let (from, message) = last_message.clone().expect("checked above");
                node.step(from, message)
            }
            // The peers a byte picks answer the node as correct servers.
            11 => {
                let answering = reader.byte();
                for peer in (0..PEERS).filter(|peer| answering & (1 << peer) != 0) {
                    if let Some(answer) = peers.answer(peer) {
                        let ready = node.step(peer, answer);
                        check_ready(&node, &ready, &mut applied);
                        peers.note(&ready);
                    }
                }
                Ready::default()
            }
            _ => {
                let from = reader.server();
                let message = reader.message(&node);
                last_message = Some((from, message.clone()));
                node.step(from, message)
            }
        };
        check_ready(&node, &ready, &mut applied);
        peers.note(&ready);
        assert_coherent(&node, applied);
    }
}
