use alloc::vec::Vec;

use crate::message::{Entry, Message};
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
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub to: NodeId,
    pub message: Message,
}

/// What one call into the core asks of its host, in the order the host must
/// carry it out: persist `hard_state` and `log_changes`, then send
/// `messages`, then apply `committed` to the state machine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ready {
    pub hard_state: Option<HardState>,
    pub log_changes: Vec<LogChange>,
    pub messages: Vec<Envelope>,
    pub committed: Vec<Entry>,
}

impl Ready {
    pub fn must_persist(&self) -> bool {
        self.hard_state.is_some() || !self.log_changes.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        !self.must_persist() && self.messages.is_empty() && self.committed.is_empty()
    }
}
