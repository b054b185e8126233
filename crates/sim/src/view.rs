//! Plain snapshots of the simulation for drawing; nothing here changes it.
use raftviz_raft::NodeId;

use crate::checker::INVARIANTS;
use crate::Simulation;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerView {
    pub id: NodeId,
    pub up: bool,
    /// follower | precandidate | candidate | leader; a crashed server shows
    /// "follower", the role it restarts in.
    pub role: &'static str,
    pub term: u64,
    pub voted_for: Option<NodeId>,
    pub commit: u64,
    pub applied: u64,
    pub last_index: u64,
    pub snapshot_index: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageView {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: &'static str,
    pub label: String,
    pub sent_at: u64,
    pub deliver_at: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvariantStatus {
    pub name: &'static str,
    pub ok: bool,
    pub detail: Option<String>,
}

impl Simulation {
    pub fn server_view(&self, id: NodeId) -> ServerView {
        let storage = self.storage(id).cloned().unwrap_or_default();
        match self.node(id) {
            Some(node) => ServerView {
                id,
                up: true,
                role: node.role().name(),
                term: node.term(),
                voted_for: node.voted_for(),
                commit: node.commit_index(),
                applied: node.last_applied(),
                last_index: node.log().last_index(),
                snapshot_index: node.log().base_index(),
            },
            // Down: only what the disk kept is known.
            None => ServerView {
                id,
                up: false,
                role: "follower",
                term: storage.hard_state.term,
                voted_for: storage.hard_state.voted_for,
                commit: 0,
                applied: 0,
                last_index: storage.log.last_index(),
                snapshot_index: storage.log.base_index(),
            },
        }
    }

    pub fn messages_in_flight(&self) -> Vec<MessageView> {
        self.in_flight()
            .map(|flight| {
                let summary = crate::MessageSummary::of(&flight.message);
                MessageView {
                    id: flight.id,
                    from: flight.from,
                    to: flight.to,
                    kind: summary.kind.name(),
                    label: summary.to_string(),
                    sent_at: flight.sent_at,
                    deliver_at: flight.deliver_at,
                }
            })
            .collect()
    }

    pub fn invariants(&self) -> Vec<InvariantStatus> {
        INVARIANTS
            .iter()
            .map(|&name| {
                let broken = self
                    .violation()
                    .filter(|violation| violation.invariant == name);
                InvariantStatus {
                    name,
                    ok: broken.is_none(),
                    detail: broken.map(|violation| violation.detail.clone()),
                }
            })
            .collect()
    }
}
