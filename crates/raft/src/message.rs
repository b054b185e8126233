use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::configuration::Configuration;
use crate::{Index, Term};

/// An application command: opaque bytes, shared so that resending an entry
/// never copies it.
pub type Payload = Arc<[u8]>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryData {
    Command(Payload),
    /// Appended by a new leader when `noop_on_election` is set.
    Noop,
    /// Dissertation chapter 4: a server uses the latest configuration in
    /// its log from the moment it appends it, committed or not.
    Configuration(Configuration),
}

/// Bytes a configuration takes on the wire and on disk: its five sets.
pub const CONFIGURATION_BYTES: usize = 5 * 2;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub index: Index,
    pub term: Term,
    pub data: EntryData,
}

impl Entry {
    pub fn payload_len(&self) -> usize {
        match &self.data {
            EntryData::Command(bytes) => bytes.len(),
            EntryData::Noop => 0,
            EntryData::Configuration(_) => CONFIGURATION_BYTES,
        }
    }
}

/// A state machine image covering the log through `index`, and the
/// configuration in force at `index` (the latest one in the log up to it),
/// which the compacted entries no longer show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub index: Index,
    pub term: Term,
    pub configuration: Configuration,
    pub data: Payload,
}

/// Why an AppendEntries was refused, so the leader can skip a whole term
/// at a time (the lab's fast backup).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// Term of the follower's entry at `prev_log_index`; `None` when its log
    /// is too short to have one.
    pub x_term: Option<Term>,
    /// First index the follower holds with `x_term`.
    pub x_index: Index,
    /// Follower's last index + 1: where the leader should resume when the
    /// follower's log is too short.
    pub x_len: Index,
}

/// One variant per RPC and per reply; each carries the sender's term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    RequestVote {
        term: Term,
        last_log_index: Index,
        last_log_term: Term,
        /// The candidate campaigns because the leader sent it TimeoutNow
        /// (§3.10), so the §4.2.3 rule, which protects that very leader,
        /// does not apply.
        leadership_transfer: bool,
    },
    RequestVoteReply {
        term: Term,
        granted: bool,
    },
    /// Dissertation §9.6: "would you vote for me in `term`?" The receiver
    /// changes nothing.
    PreVote {
        term: Term,
        last_log_index: Index,
        last_log_term: Term,
    },
    PreVoteReply {
        term: Term,
        granted: bool,
    },
    AppendEntries {
        term: Term,
        prev_log_index: Index,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: Index,
        /// The leader's heartbeat round, echoed in the reply, so a leader can
        /// tell replies that prove it still leads *now* (ReadIndex).
        round: u64,
    },
    AppendEntriesReply {
        term: Term,
        success: bool,
        /// Echoes the request's `prev_log_index`, so the leader can tell a
        /// reply to an old request from a reply to the newest one.
        prev_log_index: Index,
        /// On success: the last index now known to match the leader's log.
        match_index: Index,
        /// Fast-backup hints when the follower's log did not match.
        conflict: Option<Conflict>,
        round: u64,
    },
    /// Figure 13: one chunk of the leader's snapshot.
    InstallSnapshot {
        term: Term,
        last_included_index: Index,
        last_included_term: Term,
        /// The configuration as of `last_included_index`.
        configuration: Configuration,
        /// Byte offset of this chunk in the snapshot.
        offset: u64,
        data: Payload,
        /// This chunk is the last.
        done: bool,
    },
    InstallSnapshotReply {
        term: Term,
        last_included_index: Index,
        /// How many bytes of that snapshot the follower holds in order: where
        /// the next chunk should start.
        next_offset: u64,
        /// The follower has the snapshot (or a later state) installed.
        installed: bool,
    },
    /// Dissertation §3.10: "start an election now", sent by a leader handing
    /// over to an up-to-date follower.
    TimeoutNow {
        term: Term,
    },
}

/// The name of a message's variant, as the page and traces show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    RequestVote,
    RequestVoteReply,
    PreVote,
    PreVoteReply,
    AppendEntries,
    AppendEntriesReply,
    InstallSnapshot,
    InstallSnapshotReply,
    TimeoutNow,
}

impl MessageKind {
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::RequestVote => "RequestVote",
            MessageKind::RequestVoteReply => "RequestVoteReply",
            MessageKind::PreVote => "PreVote",
            MessageKind::PreVoteReply => "PreVoteReply",
            MessageKind::AppendEntries => "AppendEntries",
            MessageKind::AppendEntriesReply => "AppendEntriesReply",
            MessageKind::InstallSnapshot => "InstallSnapshot",
            MessageKind::InstallSnapshotReply => "InstallSnapshotReply",
            MessageKind::TimeoutNow => "TimeoutNow",
        }
    }

    /// Requests are what the lab counts as RPCs; replies ride on them.
    pub fn is_request(self) -> bool {
        matches!(
            self,
            MessageKind::RequestVote
                | MessageKind::PreVote
                | MessageKind::AppendEntries
                | MessageKind::InstallSnapshot
                | MessageKind::TimeoutNow
        )
    }
}

/// Fixed-width fields on the wire: a term or index is 8 bytes.
const WORD: usize = 8;

impl Message {
    pub fn term(&self) -> Term {
        match self {
            Message::RequestVote { term, .. }
            | Message::RequestVoteReply { term, .. }
            | Message::PreVote { term, .. }
            | Message::PreVoteReply { term, .. }
            | Message::AppendEntries { term, .. }
            | Message::AppendEntriesReply { term, .. }
            | Message::InstallSnapshot { term, .. }
            | Message::InstallSnapshotReply { term, .. }
            | Message::TimeoutNow { term } => *term,
        }
    }

    pub fn kind(&self) -> MessageKind {
        match self {
            Message::RequestVote { .. } => MessageKind::RequestVote,
            Message::RequestVoteReply { .. } => MessageKind::RequestVoteReply,
            Message::PreVote { .. } => MessageKind::PreVote,
            Message::PreVoteReply { .. } => MessageKind::PreVoteReply,
            Message::AppendEntries { .. } => MessageKind::AppendEntries,
            Message::AppendEntriesReply { .. } => MessageKind::AppendEntriesReply,
            Message::InstallSnapshot { .. } => MessageKind::InstallSnapshot,
            Message::InstallSnapshotReply { .. } => MessageKind::InstallSnapshotReply,
            Message::TimeoutNow { .. } => MessageKind::TimeoutNow,
        }
    }

    /// Size of the message in a plain binary encoding: one tag byte, fixed
    /// 8-byte numbers, and each entry's index, term, length and payload.
    /// The lab's RPC byte budget is checked against this.
    pub fn wire_size(&self) -> usize {
        let body = match self {
            Message::RequestVote { .. } => 3 * WORD + 1,
            Message::PreVote { .. } => 3 * WORD,
            Message::RequestVoteReply { .. } | Message::PreVoteReply { .. } => WORD + 1,
            Message::AppendEntries { entries, .. } => {
                5 * WORD
                    + WORD
                    + entries
                        .iter()
                        .map(|entry| 3 * WORD + entry.payload_len())
                        .sum::<usize>()
            }
            Message::AppendEntriesReply { conflict, .. } => {
                4 * WORD + 1 + if conflict.is_some() { 3 * WORD } else { 0 }
            }
            Message::InstallSnapshot { data, .. } => {
                5 * WORD + CONFIGURATION_BYTES + 1 + data.len()
            }
            Message::InstallSnapshotReply { .. } => 3 * WORD + 1,
            Message::TimeoutNow { .. } => WORD,
        };
        1 + body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::entries;

    /// The lab's RPC byte count (labrpc counts what it encodes) rests on
    /// these exact sizes: a tag byte, 8 bytes per term, index or offset,
    /// one per flag, and each entry's index, term, length and payload.
    #[test]
    fn wire_size_is_exact_for_every_message() {
        let configuration = Configuration::bootstrap(3);
        let request_vote = Message::RequestVote {
            term: 1,
            last_log_index: 2,
            last_log_term: 1,
            leadership_transfer: false,
        };
        let pre_vote = Message::PreVote {
            term: 1,
            last_log_index: 2,
            last_log_term: 1,
        };
        let vote_reply = Message::RequestVoteReply {
            term: 1,
            granted: true,
        };
        let pre_vote_reply = Message::PreVoteReply {
            term: 1,
            granted: true,
        };
        let heartbeat = Message::AppendEntries {
            term: 1,
            prev_log_index: 0,
            prev_log_term: 0,
            entries: Vec::new(),
            leader_commit: 0,
            round: 0,
        };
        let mut carrying = entries(1, &[1, 1]);
        carrying.push(Entry {
            index: 3,
            term: 1,
            data: EntryData::Noop,
        });
        carrying.push(Entry {
            index: 4,
            term: 1,
            data: EntryData::Configuration(configuration),
        });
        carrying.push(Entry {
            index: 5,
            term: 1,
            data: EntryData::Command(Arc::from(&[7u8; 5][..])),
        });
        let append = Message::AppendEntries {
            term: 1,
            prev_log_index: 0,
            prev_log_term: 0,
            entries: carrying,
            leader_commit: 0,
            round: 0,
        };
        let reply = |conflict| Message::AppendEntriesReply {
            term: 1,
            success: false,
            prev_log_index: 0,
            match_index: 0,
            conflict,
            round: 0,
        };
        let conflict = Conflict {
            x_term: Some(1),
            x_index: 1,
            x_len: 2,
        };
        let snapshot = Message::InstallSnapshot {
            term: 1,
            last_included_index: 3,
            last_included_term: 1,
            configuration,
            offset: 0,
            data: Arc::from(&[0u8; 100][..]),
            done: true,
        };
        let snapshot_reply = Message::InstallSnapshotReply {
            term: 1,
            last_included_index: 3,
            next_offset: 100,
            installed: true,
        };
        let sizes = [
            (request_vote, 1 + 3 * 8 + 1),
            (pre_vote, 1 + 3 * 8),
            (vote_reply, 1 + 8 + 1),
            (pre_vote_reply, 1 + 8 + 1),
            (heartbeat, 1 + 6 * 8),
            // Five entries of 24 bytes each, payloads of 1, 1, none (the
            // no-op), 10 (a configuration) and 5.
            (append, 1 + 6 * 8 + 5 * 24 + 1 + 1 + 10 + 5),
            (reply(None), 1 + 4 * 8 + 1),
            (reply(Some(conflict)), 1 + 4 * 8 + 1 + 3 * 8),
            (snapshot, 1 + 5 * 8 + 10 + 1 + 100),
            (snapshot_reply, 1 + 3 * 8 + 1),
            (Message::TimeoutNow { term: 1 }, 1 + 8),
        ];
        for (message, size) in sizes {
            assert_eq!(message.wire_size(), size, "{:?}", message.kind());
        }
    }

    const KINDS: [MessageKind; 9] = [
        MessageKind::RequestVote,
        MessageKind::RequestVoteReply,
        MessageKind::PreVote,
        MessageKind::PreVoteReply,
        MessageKind::AppendEntries,
        MessageKind::AppendEntriesReply,
        MessageKind::InstallSnapshot,
        MessageKind::InstallSnapshotReply,
        MessageKind::TimeoutNow,
    ];

    /// Traces and the page name messages by the paper's RPC names.
    #[test]
    fn each_kind_is_named_as_the_paper_names_it() {
        assert_eq!(
            KINDS.map(MessageKind::name),
            [
                "RequestVote",
                "RequestVoteReply",
                "PreVote",
                "PreVoteReply",
                "AppendEntries",
                "AppendEntriesReply",
                "InstallSnapshot",
                "InstallSnapshotReply",
                "TimeoutNow",
            ]
        );
    }

    /// The lab counts requests as RPCs: every kind but the replies.
    #[test]
    fn requests_are_the_kinds_that_are_not_replies() {
        for kind in KINDS {
            assert_eq!(
                kind.is_request(),
                !kind.name().ends_with("Reply"),
                "{kind:?}"
            );
        }
    }
}
