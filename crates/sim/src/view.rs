//! Plain snapshots of the simulation for drawing; nothing here changes it.
use raftviz_raft::{Configuration, EntryData, Message, NodeId};

use crate::checker::INVARIANTS;
use crate::kv::{Command, Op};
use crate::{InFlight, Simulation};

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
    /// voter | learner | removed: what the server is in the cluster's
    /// configuration ([`Simulation::cluster_configuration`]), which a
    /// removed server may not know yet.
    pub member: &'static str,
    /// The configuration this server itself uses (its disk's while down).
    pub configuration: ConfigurationView,
}

/// A configuration as drawn: voters (C_new while joint), C_old while joint,
/// learners, and the index of the entry it comes from (0: the starting
/// cluster).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigurationView {
    pub index: u64,
    pub voters: Vec<NodeId>,
    /// Empty unless joint.
    pub outgoing: Vec<NodeId>,
    pub learners: Vec<NodeId>,
}

impl ConfigurationView {
    pub fn of(configuration: &Configuration, index: u64) -> ConfigurationView {
        ConfigurationView {
            index,
            voters: configuration.voters.iter().collect(),
            outgoing: configuration.outgoing.iter().collect(),
            learners: configuration.learners.iter().collect(),
        }
    }

    pub fn is_joint(&self) -> bool {
        !self.outgoing.is_empty()
    }

    /// The voters' ids for `data-config`: `0,1,2`, or C_old|C_new while
    /// joint: `0,1,2|0,1,3`. Learners are not listed (`data-member` says).
    pub fn data_config(&self) -> String {
        let ids = |ids: &[NodeId]| {
            ids.iter()
                .map(|id| id.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        if self.is_joint() {
            format!("{}|{}", ids(&self.outgoing), ids(&self.voters))
        } else {
            ids(&self.voters)
        }
    }
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
    /// What the verdict covers, when it is not the whole run.
    pub scope: Option<String>,
}

impl Simulation {
    pub fn server_view(&self, id: NodeId) -> ServerView {
        let storage = self.storage(id).cloned().unwrap_or_default();
        let member = self.membership_of(id).name();
        let (configuration, index) = self.configuration_of(id);
        let configuration = ConfigurationView::of(&configuration, index);
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
                member,
                configuration,
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
                member,
                configuration,
            },
        }
    }

    /// The cluster's configuration ([`Simulation::cluster_configuration`])
    /// as drawn: the voters, and while joint both C_old and C_new, each
    /// with its own majority.
    pub fn cluster_configuration_view(&self) -> ConfigurationView {
        let (configuration, index) = self.cluster_configuration();
        ConfigurationView::of(&configuration, index)
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

    /// Every invariant's state. Linearizability is judged on the client
    /// history so far, or its window (cached until the history changes).
    /// Committed-stays-committed is listed once the membership has changed
    /// (or should it ever break): in a fixed cluster it says nothing that
    /// Leader Completeness does not, and a projected page has no room to spare.
    pub fn invariants(&self) -> Vec<InvariantStatus> {
        let membership_changed = self.membership_changed();
        INVARIANTS
            .iter()
            .filter(|&&name| {
                name != crate::checker::COMMITTED_STAYS_COMMITTED
                    || membership_changed
                    || self
                        .violations()
                        .iter()
                        .any(|violation| violation.invariant == name)
            })
            .map(|&name| {
                if name == crate::checker::LINEARIZABILITY {
                    let detail = self.linearizability_problem();
                    return InvariantStatus {
                        name,
                        ok: detail.is_none(),
                        detail,
                        scope: self.linearizability_scope(),
                    };
                }
                let broken = self
                    .violations()
                    .iter()
                    .find(|violation| violation.invariant == name);
                InvariantStatus {
                    name,
                    ok: broken.is_none(),
                    detail: broken.map(|violation| violation.detail.clone()),
                    scope: None,
                }
            })
            .collect()
    }

    /// Whether any server joined or uses a configuration other than the
    /// starting one (a snapshot carries the starting one too).
    pub fn membership_changed(&self) -> bool {
        let starting = Configuration::bootstrap(self.initial_config().servers);
        self.server_count() > self.initial_config().servers
            || self.committed_configuration().1 != starting
            || (0..self.server_count()).any(|id| self.configuration_of(id).0 != starting)
    }
}

/// One server's log as drawn: the compacted prefix as a single base, then
/// every entry still held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogView {
    pub base_index: u64,
    pub base_term: u64,
    pub entries: Vec<EntryView>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryView {
    pub index: u64,
    pub term: u64,
    /// What the entry asks of the state machine, e.g. "put k3=v3" or
    /// "no-op", or the configuration it holds, e.g. "config S1 S2 S3 → S1
    /// S2 S4".
    pub command: String,
    /// A configuration entry's configuration, to draw it apart.
    pub configuration: Option<ConfigurationView>,
}

/// A leader's Figure 2 bookkeeping for one follower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgressView {
    pub peer: NodeId,
    pub next_index: u64,
    pub match_index: u64,
}

/// The election timer in virtual ms: how long it has run and when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerView {
    pub elapsed_ms: u64,
    pub timeout_ms: u64,
}

impl Simulation {
    /// The log `id` holds: the running node's, or the disk's while it is down.
    pub fn log_view(&self, id: NodeId) -> LogView {
        let log = match (self.node(id), self.storage(id)) {
            (Some(node), _) => node.log(),
            (None, Some(storage)) => &storage.log,
            (None, None) => {
                return LogView {
                    base_index: 0,
                    base_term: 0,
                    entries: Vec::new(),
                }
            }
        };
        LogView {
            base_index: log.base_index(),
            base_term: log.base_term(),
            entries: log
                .entries()
                .iter()
                .map(|entry| EntryView {
                    index: entry.index,
                    term: entry.term,
                    command: describe_entry(&entry.data),
                    configuration: match &entry.data {
                        EntryData::Configuration(configuration) => {
                            Some(ConfigurationView::of(configuration, entry.index))
                        }
                        _ => None,
                    },
                })
                .collect(),
        }
    }

    /// nextIndex[] and matchIndex[] of `id` when it leads; empty otherwise.
    pub fn progress_view(&self, id: NodeId) -> Vec<ProgressView> {
        let Some(node) = self.node(id) else {
            return Vec::new();
        };
        (0..self.server_count())
            .filter(|&peer| peer != id)
            .filter_map(|peer| {
                node.progress(peer).map(|progress| ProgressView {
                    peer,
                    next_index: progress.next_index,
                    match_index: progress.match_index,
                })
            })
            .collect()
    }

    /// The answer each server gave `id` while it is a (pre-)candidate, by
    /// server id: granted, refused, or not yet heard. `id` votes for itself.
    pub fn votes_view(&self, id: NodeId) -> Vec<Option<bool>> {
        let Some(node) = self.node(id) else {
            return Vec::new();
        };
        (0..self.server_count())
            .map(|peer| {
                if peer == id {
                    Some(true)
                } else {
                    node.vote_from(peer)
                }
            })
            .collect()
    }

    /// `None` while the server is down.
    pub fn timer_view(&self, id: NodeId) -> Option<TimerView> {
        let (elapsed, timeout) = self.node(id)?.election_timer();
        let tick_ms = self.config().tick_ms;
        Some(TimerView {
            elapsed_ms: u64::from(elapsed) * tick_ms,
            timeout_ms: u64::from(timeout) * tick_ms,
        })
    }

    /// The leader `id` currently follows, as far as it knows.
    pub fn leader_hint(&self, id: NodeId) -> Option<NodeId> {
        self.node(id)?.leader_id()
    }

    /// The key-value pairs `id` has applied, in key order.
    pub fn kv_view(&self, id: NodeId) -> Vec<(String, String)> {
        self.kv(id)
            .map(|kv| {
                kv.data
                    .iter()
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl InFlight {
    /// Every field of the message, for a tooltip or a detail box.
    pub fn describe(&self) -> String {
        describe_message(&self.message)
    }

    /// Every field of the message as (Figure 2 name, value) rows, for the
    /// page's message panel.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        message_fields(&self.message)
    }
}

fn message_fields(message: &Message) -> Vec<(&'static str, String)> {
    let entries = |entries: &[raftviz_raft::Entry]| {
        if entries.is_empty() {
            return "none (heartbeat)".to_owned();
        }
        entries
            .iter()
            .map(|entry| {
                format!(
                    "{} (term {}): {}",
                    entry.index,
                    entry.term,
                    describe_entry(&entry.data)
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let yes_no = |yes: bool| if yes { "yes" } else { "no" }.to_owned();
    let mut fields = vec![("term", message.term().to_string())];
    match message {
        Message::RequestVote {
            last_log_index,
            last_log_term,
            ..
        }
        | Message::PreVote {
            last_log_index,
            last_log_term,
            ..
        } => {
            fields.push(("lastLogIndex", last_log_index.to_string()));
            fields.push(("lastLogTerm", last_log_term.to_string()));
        }
        Message::RequestVoteReply { granted, .. } | Message::PreVoteReply { granted, .. } => {
            fields.push(("voteGranted", yes_no(*granted)));
        }
        Message::AppendEntries {
            prev_log_index,
            prev_log_term,
            entries: carried,
            leader_commit,
            round,
            ..
        } => {
            fields.push(("prevLogIndex", prev_log_index.to_string()));
            fields.push(("prevLogTerm", prev_log_term.to_string()));
            fields.push(("entries[]", entries(carried)));
            fields.push(("leaderCommit", leader_commit.to_string()));
            fields.push(("round", round.to_string()));
        }
        Message::AppendEntriesReply {
            success,
            prev_log_index,
            match_index,
            conflict,
            round,
            ..
        } => {
            fields.push(("success", yes_no(*success)));
            fields.push(("prevLogIndex", prev_log_index.to_string()));
            fields.push(("matchIndex", match_index.to_string()));
            if let Some(conflict) = conflict {
                let x_term = conflict
                    .x_term
                    .map_or_else(|| "none".to_owned(), |term| term.to_string());
                fields.push(("XTerm", x_term));
                fields.push(("XIndex", conflict.x_index.to_string()));
                fields.push(("XLen", conflict.x_len.to_string()));
            }
            fields.push(("round", round.to_string()));
        }
        Message::InstallSnapshot {
            last_included_index,
            last_included_term,
            offset,
            data,
            done,
            ..
        } => {
            fields.push(("lastIncludedIndex", last_included_index.to_string()));
            fields.push(("lastIncludedTerm", last_included_term.to_string()));
            fields.push(("offset", offset.to_string()));
            fields.push(("data", format!("{} bytes", data.len())));
            fields.push(("done", yes_no(*done)));
        }
        Message::InstallSnapshotReply {
            last_included_index,
            next_offset,
            installed,
            ..
        } => {
            fields.push(("lastIncludedIndex", last_included_index.to_string()));
            fields.push(("nextOffset", next_offset.to_string()));
            fields.push(("installed", yes_no(*installed)));
        }
        Message::TimeoutNow { .. } => {}
    }
    fields
}

fn describe_entry(data: &EntryData) -> String {
    match data {
        EntryData::Noop => "no-op".into(),
        EntryData::Command(bytes) => match Command::decode(bytes) {
            Some(command) => match command.op {
                Op::Put => format!("put {}={}", command.key, command.value),
                Op::Append => format!("append {}+={}", command.key, command.value),
                Op::Get => format!("get {}", command.key),
            },
            None => format!("{} bytes", bytes.len()),
        },
        EntryData::Configuration(configuration) => format!(
            "config {}",
            crate::membership::describe_configuration(configuration)
        ),
    }
}

/// The message on one line, `Kind { field: value, … }`, with the fields (and their
/// Figure 2 names) the message panel lists.
fn describe_message(message: &Message) -> String {
    let fields: Vec<String> = message_fields(message)
        .into_iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .collect();
    format!("{} {{ {} }}", message.kind().name(), fields.join(", "))
}
