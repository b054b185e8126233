//! Property: whatever peers send — wrong terms, indices past the log,
//! replies never asked for, duplicates, malformed entries — a node never
//! panics and its own state stays coherent.
use std::sync::Arc;

use raftviz_raft::*;
use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64;

#[path = "fuzzing/node_checks.rs"]
mod node_checks;

use node_checks::{assert_coherent, check_ready};

const CLUSTER: usize = 5;

struct Fuzz {
    rng: Pcg64,
}

impl Fuzz {
    fn below(&mut self, bound: u64) -> u64 {
        self.rng.next_u64() % bound.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    /// Small numbers most of the time, extremes sometimes.
    fn number(&mut self, around: u64) -> u64 {
        match self.below(10) {
            0 => u64::MAX - self.below(3),
            1 => 0,
            _ => around.saturating_add(self.below(6)).saturating_sub(3),
        }
    }
    fn entries(&mut self, prev: Index, term: Term) -> Vec<Entry> {
        let count = self.below(5);
        let mut next = prev.wrapping_add(1);
        let mut entry_term = term.saturating_sub(self.below(2));
        (0..count)
            .map(|_| {
                let index = if self.chance(90) {
                    next
                } else {
                    self.number(next)
                };
                if self.chance(10) {
                    entry_term = self.number(entry_term);
                }
                next = index.wrapping_add(1);
                let data = if self.chance(20) {
                    EntryData::Noop
                } else {
                    EntryData::Command(Arc::from(vec![self.below(256) as u8; 3]))
                };
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
        let other = self.number(node.log().last_term());
        match self.below(9) {
            0 => Message::RequestVote {
                term,
                last_log_index: index,
                last_log_term: other,
            },
            1 => Message::RequestVoteReply {
                term,
                granted: self.chance(70),
            },
            2 => Message::PreVote {
                term,
                last_log_index: index,
                last_log_term: other,
            },
            3 => Message::PreVoteReply {
                term,
                granted: self.chance(70),
            },
            4 => Message::AppendEntries {
                term,
                prev_log_index: index,
                prev_log_term: other,
                entries: self.entries(index, term),
                leader_commit: self.number(index),
                round: self.number(3),
            },
            5 => Message::InstallSnapshot {
                term,
                last_included_index: index,
                last_included_term: other,
                offset: self.number(3),
                data: Arc::from(vec![7u8; self.below(5) as usize]),
                done: self.chance(50),
            },
            6 => Message::InstallSnapshotReply {
                term,
                last_included_index: index,
                next_offset: self.number(3),
                installed: self.chance(50),
            },
            7 => Message::TimeoutNow { term },
            _ => Message::AppendEntriesReply {
                term,
                success: self.chance(50),
                prev_log_index: index,
                match_index: self.number(index),
                conflict: self.chance(50).then(|| Conflict {
                    x_term: self.chance(50).then(|| self.number(other)),
                    x_index: self.number(index),
                    x_len: self.number(index),
                }),
                round: self.number(3),
            },
        }
    }
}

fn run(seed: u64, steps: usize) {
    let mut fuzz = Fuzz {
        rng: Pcg64::seed_from_u64(seed),
    };
    let mut config = Config::new(seed as usize % CLUSTER, CLUSTER);
    config.pre_vote = fuzz.chance(50);
    config.check_quorum = fuzz.chance(50);
    config.noop_on_election = fuzz.chance(50);
    let mut node = Raft::new(config, seed).unwrap();
    let mut applied = 0;
    let mut previous: Option<(NodeId, Message)> = None;
    for _ in 0..steps {
        let ready = match fuzz.below(13) {
            0 | 1 => node.tick(),
            10 => {
                let index = fuzz.number(node.last_applied());
                node.snapshot(index, Arc::from(vec![3u8; 4]))
            }
            11 => node.read_index(fuzz.below(100)).unwrap_or_default(),
            12 => node.transfer_leadership(fuzz.below(CLUSTER as u64 + 1) as NodeId),
            2 => match node.propose(Arc::from(vec![1u8, 2])) {
                Ok(proposed) => proposed.ready,
                Err(_) => Ready::default(),
            },
            3 if previous.is_some() => {
                let (from, message) = previous.clone().unwrap();
                node.step(from, message)
            }
            _ => {
                let from = fuzz.below(CLUSTER as u64 + 1) as NodeId;
                let message = fuzz.message(&node);
                previous = Some((from, message.clone()));
                node.step(from, message)
            }
        };
        check_ready(&node, &ready, &mut applied);
        assert_coherent(&node, applied);
    }
}

#[test]
fn arbitrary_message_sequences_never_break_a_node() {
    let seeds: u64 = std::env::var("RAFT_FUZZ_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    for seed in 0..seeds {
        run(seed, 2_000);
    }
}
