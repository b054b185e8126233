use alloc::vec::Vec;

use crate::message::{Entry, Message, Snapshot};
use crate::{Index, NodeId, Term};

/// The durable fields of Figure 2 besides the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HardState {
    pub term: Term,
    pub voted_for: Option<NodeId>,
}

/// A change to the durable log, in the order it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogChange {
    /// Remove `from` and every later entry.
    TruncateFrom(Index),
    Append(Entry),
    /// Drop every entry through `index` (kept in the snapshot persisted
    /// alongside); later entries stay when `index` held `term`.
    Compact {
        index: Index,
        term: Term,
    },
}

/// A linearizable read the leader may now serve: its state machine has
/// applied everything up to `index`, and it was still leader after the
/// read arrived (dissertation §6.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadState {
    pub request: u64,
    pub index: Index,
}

/// How catching up a learner before its promotion ended (§4.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CatchUpOutcome {
    /// A round ended within an election timeout: the promotion to voter
    /// has been proposed.
    Promoted,
    /// No round ended in time within the rounds allowed; it stays a learner.
    GaveUp,
    /// The leader stepped down, another server was to be caught up, or
    /// the learner left the configuration.
    Abandoned,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatchUpReport {
    pub server: NodeId,
    /// Rounds of replication it took (counting the last).
    pub rounds: u32,
    pub outcome: CatchUpOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub to: NodeId,
    pub message: Message,
}

/// What one call into the core asks of its host, in the order the host must
/// carry it out: persist `hard_state`, `snapshot` and `log_changes`, then
/// send `messages`, then install `install_snapshot` in the state machine,
/// apply `committed`, and serve `reads`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ready {
    pub hard_state: Option<HardState>,
    /// The latest snapshot, to keep in place of the compacted log prefix.
    pub snapshot: Option<Snapshot>,
    pub log_changes: Vec<LogChange>,
    pub messages: Vec<Envelope>,
    /// A snapshot received from the leader: the state machine restarts from it.
    pub install_snapshot: Option<Snapshot>,
    pub committed: Vec<Entry>,
    pub reads: Vec<ReadState>,
    /// Learners whose catching up ended, on the leader.
    pub catch_ups: Vec<CatchUpReport>,
}

impl Ready {
    pub fn must_persist(&self) -> bool {
        self.hard_state.is_some() || self.snapshot.is_some() || !self.log_changes.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        !self.must_persist()
            && self.messages.is_empty()
            && self.install_snapshot.is_none()
            && self.committed.is_empty()
            && self.reads.is_empty()
            && self.catch_ups.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::EntryData;
    use crate::Configuration;
    use alloc::vec;

    fn entry() -> Entry {
        Entry {
            index: 1,
            term: 1,
            data: EntryData::Noop,
        }
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            index: 1,
            term: 1,
            configuration: Configuration::default(),
            data: vec![].into(),
        }
    }

    /// Each Ready that asks exactly one thing of its host, named.
    fn asking_one_thing() -> Vec<(&'static str, Ready)> {
        let only = |set: fn(&mut Ready)| {
            let mut ready = Ready::default();
            set(&mut ready);
            ready
        };
        vec![
            (
                "hard state",
                only(|r| r.hard_state = Some(HardState::default())),
            ),
            ("snapshot", only(|r| r.snapshot = Some(snapshot()))),
            (
                "log change",
                only(|r| r.log_changes.push(LogChange::TruncateFrom(1))),
            ),
            (
                "message",
                only(|r| {
                    r.messages.push(Envelope {
                        to: 1,
                        message: Message::TimeoutNow { term: 1 },
                    })
                }),
            ),
            ("install", only(|r| r.install_snapshot = Some(snapshot()))),
            ("commit", only(|r| r.committed.push(entry()))),
            (
                "read",
                only(|r| {
                    r.reads.push(ReadState {
                        request: 1,
                        index: 1,
                    })
                }),
            ),
            (
                "catch-up",
                only(|r| {
                    r.catch_ups.push(CatchUpReport {
                        server: 1,
                        rounds: 1,
                        outcome: CatchUpOutcome::Promoted,
                    })
                }),
            ),
        ]
    }

    /// Figure 2, "Persistent state on all servers: updated on stable storage
    /// before responding to RPCs": a host that skips its write when
    /// `must_persist` says so may only skip it when no durable field changed.
    #[test]
    fn a_ready_must_be_persisted_exactly_when_a_durable_field_changed() {
        assert!(!Ready::default().must_persist());
        for (what, ready) in asking_one_thing() {
            let durable = matches!(what, "hard state" | "snapshot" | "log change");
            assert_eq!(ready.must_persist(), durable, "{what}");
        }
    }

    /// A host may drop a Ready that `is_empty` only when it asks nothing.
    #[test]
    fn a_ready_is_empty_only_when_it_asks_nothing() {
        assert!(Ready::default().is_empty());
        for (what, ready) in asking_one_thing() {
            assert!(!ready.is_empty(), "{what}");
        }
    }
}
