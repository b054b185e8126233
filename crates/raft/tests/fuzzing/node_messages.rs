//! The `node_messages` fuzz target's body, shared with the tests that
//! replay its checked-in corpus: fuzz input bytes decoded into operations
//! on one node — ticks, proposals, every kind of message from any sender,
//! snapshots, reads, transfers, forced elections — with the node's own
//! coherence checked after each operation.
//!
//! Every byte string decodes to some run: a reader past the end yields
//! zeros, so libFuzzer's mutations never waste an input on a parse error.
use std::sync::Arc;

use raftviz_raft::*;

#[path = "node_checks.rs"]
mod node_checks;

use node_checks::{assert_coherent, check_ready};

const CLUSTER: usize = 5;

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
                let data = if shape & 0b100 != 0 {
                    EntryData::Noop
                } else {
                    EntryData::Command(self.payload())
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
}

/// Decodes `input` into a node's settings and a sequence of operations,
/// runs them, and panics if the node ever stops being coherent.
pub fn run_operations(input: &[u8]) {
    let mut reader = ByteReader { bytes: input };
    let settings = reader.byte();
    let mut config = Config::new(usize::from(settings) % CLUSTER, CLUSTER);
    config.pre_vote = settings & 0b0000_1000 != 0;
    config.check_quorum = settings & 0b0001_0000 != 0;
    config.noop_on_election = settings & 0b0010_0000 != 0;
    config.fast_backup = settings & 0b0100_0000 != 0;
    let seed = u64::from(reader.byte());
    let mut node = Raft::new(config, seed).expect("the lab's settings are valid");
    let mut applied = 0;
    let mut last_message: Option<(NodeId, Message)> = None;
    while !reader.is_empty() {
        let ready = match reader.below(10) {
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
            // A duplicated delivery, which real networks produce.
            7 if last_message.is_some() => {
                let (from, message) = last_message.clone().expect("checked above");
                node.step(from, message)
            }
            _ => {
                let from = reader.below(CLUSTER + 1);
                let message = reader.message(&node);
                last_message = Some((from, message.clone()));
                node.step(from, message)
            }
        };
        check_ready(&node, &ready, &mut applied);
        assert_coherent(&node, applied);
    }
}
