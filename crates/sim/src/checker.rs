//! The safety properties of the Raft paper (Figure 3), checked after every
//! event. Each check is incremental so a long run stays fast.
use std::collections::HashMap;

use raftviz_raft::{Entry, Index, NodeId, Term};

use crate::storage::{payload_hash, Storage};

/// Names as the page shows them (CONTRACT.md).
pub const ELECTION_SAFETY: &str = "election-safety";
pub const LEADER_APPEND_ONLY: &str = "leader-append-only";
pub const LOG_MATCHING: &str = "log-matching";
pub const LEADER_COMPLETENESS: &str = "leader-completeness";
pub const STATE_MACHINE_SAFETY: &str = "state-machine-safety";
pub const LINEARIZABILITY: &str = "linearizability";

pub const INVARIANTS: [&str; 6] = [
    ELECTION_SAFETY,
    LEADER_APPEND_ONLY,
    LOG_MATCHING,
    LEADER_COMPLETENESS,
    STATE_MACHINE_SAFETY,
    LINEARIZABILITY,
];

/// The first broken invariant: which one, at which event, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub invariant: &'static str,
    pub time: u64,
    /// Position of the breaking event in the trace.
    pub event: u64,
    pub servers: Vec<NodeId>,
    pub indices: Vec<Index>,
    pub detail: String,
}

#[derive(Clone, Debug, Default)]
pub struct Checker {
    leader_of_term: HashMap<Term, NodeId>,
    /// For every (index, term) any log has held: the hash of the prefix
    /// through it, and who held it first.
    prefix_of: HashMap<(Index, Term), (u64, NodeId)>,
    /// Entries applied anywhere, by index: (payload hash, term, server).
    applied: Vec<Option<(u64, Term, NodeId)>>,
    /// The highest index known committed, with its prefix hash.
    committed: Option<(Index, u64)>,
}

/// A finding before it is stamped with time and event number.
pub(crate) struct Finding {
    pub invariant: &'static str,
    pub servers: Vec<NodeId>,
    pub indices: Vec<Index>,
    pub detail: String,
}

type Found = Result<(), Finding>;

impl Checker {
    /// Election Safety: at most one leader can be elected in a given term.
    pub(crate) fn on_leader(&mut self, server: NodeId, term: Term, storage: &Storage) -> Found {
        match self.leader_of_term.insert(term, server) {
            Some(other) if other != server => {
                return Err(Finding {
                    invariant: ELECTION_SAFETY,
                    servers: vec![other, server],
                    indices: vec![],
                    detail: format!("S{} and S{} both lead term {term}", other + 1, server + 1),
                })
            }
            _ => {}
        }
        // Leader Completeness: a leader's log holds every committed entry.
        if let Some((index, hash)) = self.committed {
            if index > storage.log.base_index() && storage.prefix_hash(index) != Some(hash) {
                return Err(Finding {
                    invariant: LEADER_COMPLETENESS,
                    servers: vec![server],
                    indices: vec![index],
                    detail: format!(
                        "S{} leads term {term} without committed entry {index}",
                        server + 1
                    ),
                });
            }
        }
        Ok(())
    }

    /// Leader Append-Only: a leader never overwrites or deletes entries.
    pub(crate) fn on_truncate(&self, server: NodeId, is_leader: bool, from: Index) -> Found {
        if is_leader {
            return Err(Finding {
                invariant: LEADER_APPEND_ONLY,
                servers: vec![server],
                indices: vec![from],
                detail: format!("leader S{} deleted its entries from {from}", server + 1),
            });
        }
        Ok(())
    }

    /// Log Matching: two logs with an entry of the same index and term are
    /// identical up to it.
    pub(crate) fn on_append(&mut self, server: NodeId, entry: &Entry, storage: &Storage) -> Found {
        let Some(hash) = storage.prefix_hash(entry.index) else {
            return Ok(());
        };
        let key = (entry.index, entry.term);
        match self.prefix_of.get(&key) {
            Some(&(known, holder)) if known != hash => Err(Finding {
                invariant: LOG_MATCHING,
                servers: vec![holder, server],
                indices: vec![entry.index],
                detail: format!(
                    "S{} and S{} both hold index {} of term {} but differ before it",
                    holder + 1,
                    server + 1,
                    entry.index,
                    entry.term
                ),
            }),
            Some(_) => Ok(()),
            None => {
                self.prefix_of.insert(key, (hash, server));
                Ok(())
            }
        }
    }

    /// The prefix hash of (index, term) as any server held it.
    pub(crate) fn prefix_hash(&self, index: Index, term: Term) -> Option<u64> {
        self.prefix_of.get(&(index, term)).map(|(hash, _)| *hash)
    }

    /// Records a commit, so later leaders can be checked for completeness.
    pub(crate) fn on_commit(&mut self, index: Index, storage: &Storage) {
        let newer = self.committed.is_none_or(|(known, _)| index > known);
        if let (true, Some(hash)) = (newer, storage.prefix_hash(index)) {
            self.committed = Some((index, hash));
        }
    }

    /// State Machine Safety: no two servers apply different commands at
    /// the same index.
    pub(crate) fn on_apply(&mut self, server: NodeId, entry: &Entry) -> Found {
        let slot = usize::try_from(entry.index).unwrap_or(usize::MAX);
        if self.applied.len() <= slot {
            self.applied.resize(slot + 1, None);
        }
        let hash = payload_hash(&entry.data);
        match self.applied[slot] {
            Some((known, term, holder)) if known != hash || term != entry.term => Err(Finding {
                invariant: STATE_MACHINE_SAFETY,
                servers: vec![holder, server],
                indices: vec![entry.index],
                detail: format!(
                    "S{} applied a term-{term} entry at index {} but S{} applied a term-{} one",
                    holder + 1,
                    entry.index,
                    server + 1,
                    entry.term
                ),
            }),
            Some(_) => Ok(()),
            None => {
                self.applied[slot] = Some((hash, entry.term, server));
                Ok(())
            }
        }
    }
}
