//! The safety properties of the Raft paper (Figure 3), checked after every
//! event. Each check is incremental so a long run stays fast.
use std::collections::HashMap;

use raftviz_raft::{Configuration, Entry, EntryData, Index, NodeId, ServerSet, Term};

use crate::linearizability::Deterministic;
use crate::sorted_map::SortedMap;
use crate::storage::Storage;

/// Names as the page shows them (CONTRACT.md).
pub const ELECTION_SAFETY: &str = "election-safety";
pub const LEADER_APPEND_ONLY: &str = "leader-append-only";
pub const LOG_MATCHING: &str = "log-matching";
pub const LEADER_COMPLETENESS: &str = "leader-completeness";
pub const STATE_MACHINE_SAFETY: &str = "state-machine-safety";
pub const LINEARIZABILITY: &str = "linearizability";
/// Membership change (dissertation chapter 4): every committed entry stays
/// committed under every configuration a leader uses later.
pub const COMMITTED_STAYS_COMMITTED: &str = "committed-stays-committed";

pub const INVARIANTS: [&str; 7] = [
    ELECTION_SAFETY,
    LEADER_APPEND_ONLY,
    LOG_MATCHING,
    LEADER_COMPLETENESS,
    STATE_MACHINE_SAFETY,
    COMMITTED_STAYS_COMMITTED,
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
    leader_of_term: HashMap<Term, NodeId, Deterministic>,
    /// For every (index, term) any log has held: the hash of the prefix
    /// through it, and who held it first.
    prefix_of: HashMap<(Index, Term), (u64, NodeId), Deterministic>,
    /// Entries applied anywhere, by index from `applied_from` on (indices
    /// below it were forgotten: see [`Checker::forget_below`]).
    applied: Vec<Option<AppliedRecord>>,
    applied_from: usize,
    /// By the term in which it was seen committed: the highest index
    /// committed then, with its prefix hash. Leader Completeness speaks of
    /// leaders of later terms only: a leader of an older term can still be
    /// elected late (its votes were in flight) and lack newer entries.
    committed_in: SortedMap<Term, (Index, u64)>,
}

/// The first application of an index anywhere: what, by whom, and the
/// digest of everything applied through it.
#[derive(Clone, Debug)]
struct AppliedRecord {
    data: EntryData,
    term: Term,
    server: NodeId,
    digest: u64,
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
    /// The record is one for the whole run, whatever configuration each
    /// leader was elected under: two leaders of one term elected by the
    /// majorities of two different configurations break it too.
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
        // Leader Completeness: a leader's log holds every entry committed
        // in an earlier term.
        let earlier = self
            .committed_in
            .iter()
            .take_while(|&(seen, _)| seen < term)
            .map(|(_, known)| *known)
            .max();
        if let Some((index, hash)) = earlier {
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

    /// Records a commit seen in `term`, so leaders of later terms can be
    /// checked for completeness.
    pub(crate) fn on_commit(&mut self, index: Index, term: Term, storage: &Storage) {
        let known = self.committed_in.get(term).map_or(0, |(known, _)| *known);
        if let (true, Some(hash)) = (index > known, storage.prefix_hash(index)) {
            self.committed_in.insert(term, (index, hash));
        }
    }

    /// State Machine Safety: no two servers apply different commands at
    /// the same index. `digest` covers everything the server applied
    /// through this entry, so a server whose earlier history differs is
    /// caught too.
    pub(crate) fn on_apply(&mut self, server: NodeId, entry: &Entry, digest: u64) -> Found {
        let Some(slot) = self.slot(entry.index) else {
            return Ok(());
        };
        if self.applied.len() <= slot {
            self.applied.resize(slot + 1, None);
        }
        match &self.applied[slot] {
            Some(known) if known.digest != digest || known.term != entry.term => Err(Finding {
                invariant: STATE_MACHINE_SAFETY,
                servers: vec![known.server, server],
                indices: vec![entry.index],
                detail: format!(
                    "S{} applied a term-{} entry at index {} but S{} applied a term-{} one{}",
                    known.server + 1,
                    known.term,
                    entry.index,
                    server + 1,
                    entry.term,
                    if known.data == entry.data {
                        " after a different history"
                    } else {
                        ""
                    }
                ),
            }),
            Some(_) => Ok(()),
            None => {
                self.applied[slot] = Some(AppliedRecord {
                    data: entry.data.clone(),
                    term: entry.term,
                    server,
                    digest,
                });
                Ok(())
            }
        }
    }

    /// A snapshot installed at `index` must stand for the same history
    /// every server applied through it.
    pub(crate) fn on_install(&mut self, server: NodeId, index: Index, digest: u64) -> Found {
        let known = self
            .slot(index)
            .and_then(|slot| self.applied.get(slot))
            .cloned()
            .flatten();
        match known {
            Some(known) if known.digest != digest => Err(Finding {
                invariant: STATE_MACHINE_SAFETY,
                servers: vec![known.server, server],
                indices: vec![index],
                detail: format!(
                    "S{} installed a snapshot at {index} that disagrees with what S{} applied",
                    server + 1,
                    known.server + 1
                ),
            }),
            _ => Ok(()),
        }
    }

    /// The indices and terms remembered: they grow with the log and with
    /// elections.
    pub(crate) fn records(&self) -> usize {
        self.leader_of_term.len()
            + self.prefix_of.len()
            + self.applied.len()
            + self.committed_in.len()
    }

    /// Where `index`'s record is kept, unless it was forgotten.
    fn slot(&self, index: Index) -> Option<usize> {
        usize::try_from(index).ok()?.checked_sub(self.applied_from)
    }

    /// Forgets what was applied and held below `index`: no server will apply,
    /// append or install there again (every server's snapshot is at or above
    /// it), so nothing there is left to compare.
    pub(crate) fn forget_below(&mut self, index: Index) {
        let Ok(index) = usize::try_from(index) else {
            return;
        };
        if index <= self.applied_from {
            return;
        }
        let forgotten = (index - self.applied_from).min(self.applied.len());
        self.applied.drain(..forgotten);
        self.applied_from = index;
        self.prefix_of
            .retain(|&(held, _), _| usize::try_from(held).is_ok_and(|held| held >= index));
    }

    /// The latest entry seen committed in `term` or before: its index and
    /// prefix hash. Like Leader Completeness, committed-stays-committed
    /// speaks of leaders of the same or later terms: a leader of an older
    /// term, elected late, commits nothing of the newer entries' quorums.
    pub(crate) fn latest_committed_through(&self, term: Term) -> Option<(Index, u64)> {
        self.committed_in
            .iter()
            .take_while(|&(seen, _)| seen <= term)
            .map(|(_, known)| *known)
            .max_by_key(|(index, _)| *index)
    }

    /// Committed stays committed under every later configuration: when
    /// `server` leads under `configuration` (elected, or appending it),
    /// every quorum of it must include one of `holders`, the servers that
    /// store the latest committed entry (`index`), or a leader it elects
    /// may lack the entry. A joint configuration's quorums need a majority
    /// of each half, so one half whose every majority meets the holders
    /// is enough.
    pub(crate) fn on_configuration_used(
        &self,
        server: NodeId,
        configuration: &Configuration,
        index: Index,
        holders: ServerSet,
    ) -> Found {
        // A set whose every majority contains a holder: its other servers
        // are too few to be a majority (an empty set has no majority).
        let covered = |set: ServerSet| set.minus(holders).len() <= set.len() / 2;
        let safe = if configuration.is_joint() {
            covered(configuration.voters) || covered(configuration.outgoing)
        } else {
            covered(configuration.voters)
        };
        if safe {
            return Ok(());
        }
        let names = |set: ServerSet| {
            set.iter()
                .map(|id| format!("S{}", id + 1))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let voters = configuration.all_voters();
        Err(Finding {
            invariant: COMMITTED_STAYS_COMMITTED,
            servers: std::iter::once(server)
                .chain(voters.minus(holders).iter())
                .collect(),
            indices: vec![index],
            detail: format!(
                "committed entry {index} is on {} only: a majority of S{}'s configuration \
                 ({}) can elect a leader without it",
                if holders.is_empty() {
                    "no server".to_string()
                } else {
                    names(holders)
                },
                server + 1,
                crate::membership::describe_configuration(configuration)
            ),
        })
    }

    /// What was applied at `index`, wherever it first was.
    pub(crate) fn applied_data(&self, index: Index) -> Option<EntryData> {
        let slot = self.slot(index)?;
        self.applied
            .get(slot)?
            .as_ref()
            .map(|record| record.data.clone())
    }
}

#[cfg(test)]
mod tests {
    use raftviz_raft::{Configuration, ServerSet};

    use super::{Checker, COMMITTED_STAYS_COMMITTED};

    fn set(ids: &[usize]) -> ServerSet {
        ids.iter().copied().collect()
    }

    fn kept(voters: &[usize], outgoing: &[usize], holders: &[usize]) -> bool {
        let configuration = Configuration {
            voters: set(voters),
            outgoing: set(outgoing),
            ..Configuration::default()
        };
        match Checker::default().on_configuration_used(0, &configuration, 7, set(holders)) {
            Ok(()) => true,
            Err(finding) => {
                assert_eq!(finding.invariant, COMMITTED_STAYS_COMMITTED);
                assert_eq!(finding.indices, [7]);
                false
            }
        }
    }

    #[test]
    fn every_majority_of_a_configuration_must_meet_the_holders() {
        // Three voters: two holders meet every majority, one does not.
        assert!(kept(&[0, 1, 2], &[], &[0, 1]));
        assert!(!kept(&[0, 1, 2], &[], &[0]));
        // Holders outside the configuration do not count.
        assert!(!kept(&[0, 1, 2], &[], &[0, 3, 4]));
        // Five voters (C_old plus S4, S5 in the 2015 bug): two holders are
        // not enough, three are.
        assert!(!kept(&[0, 1, 2, 3, 4], &[], &[1, 2]));
        assert!(kept(&[0, 1, 2, 3, 4], &[], &[1, 2, 3]));
        // Four voters: a majority is three, so two holders meet every one
        // (they need not be a majority themselves), one does not.
        assert!(kept(&[0, 1, 2, 3], &[], &[0, 1]));
        assert!(!kept(&[0, 1, 2, 3], &[], &[0]));
    }

    #[test]
    fn a_joint_configuration_is_safe_when_either_half_is() {
        // A quorum needs majorities of both halves: one covered half is
        // enough.
        assert!(kept(&[0, 1, 2], &[2, 3, 4], &[0, 1]));
        assert!(kept(&[0, 1, 2], &[2, 3, 4], &[3, 4]));
        assert!(!kept(&[0, 1, 2], &[2, 3, 4], &[0, 4]));
    }
}
