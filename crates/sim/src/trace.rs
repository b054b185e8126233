//! The record of a run: a running hash of every event (two runs are identical
//! exactly when their hashes are), the latest events with their time and
//! server, and a per-server text log in the style of the lab's dslog.py.
use std::collections::{vec_deque, VecDeque};
use std::fmt::{self, Write as _};

use raftviz_raft::{
    CatchUpOutcome, ConfChange, Configuration, Index, MembershipError, Message, MessageKind,
    NodeId, Role, Term,
};

use crate::membership::{describe_catch_up, describe_change, describe_configuration};
use crate::membership::{ChangeError, Joining};
use crate::storage::Fnv;
use crate::timeline::{Marker, MarkerKind, Markers, CONTEXT_MS};

/// The fields of a message worth showing in one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageSummary {
    pub kind: MessageKind,
    pub term: Term,
    /// AppendEntries: prevLogIndex. Votes: last log index. Replies to
    /// AppendEntries: the matched index (or the XLen hint when refused).
    pub index: Index,
    /// AppendEntries: number of entries carried.
    pub count: u32,
    /// Replies: granted / success.
    pub ok: bool,
}

impl MessageSummary {
    pub fn of(message: &Message) -> MessageSummary {
        let (index, count, ok) = match message {
            Message::RequestVote { last_log_index, .. }
            | Message::PreVote { last_log_index, .. } => (*last_log_index, 0, true),
            Message::RequestVoteReply { granted, .. } | Message::PreVoteReply { granted, .. } => {
                (0, 0, *granted)
            }
            Message::AppendEntries {
                prev_log_index,
                entries,
                ..
            } => (*prev_log_index, entries.len() as u32, true),
            Message::AppendEntriesReply {
                success,
                match_index,
                conflict,
                ..
            } => {
                let index = conflict.map_or(*match_index, |c| c.x_len);
                (index, 0, *success)
            }
            // For snapshot chunks, `count` is the byte offset reached.
            Message::InstallSnapshot {
                last_included_index,
                offset,
                data,
                done,
                ..
            } => {
                let end = offset.saturating_add(data.len() as u64);
                (
                    *last_included_index,
                    u32::try_from(end).unwrap_or(u32::MAX),
                    *done,
                )
            }
            Message::InstallSnapshotReply {
                last_included_index,
                next_offset,
                installed,
                ..
            } => {
                let offset = u32::try_from(*next_offset).unwrap_or(u32::MAX);
                (*last_included_index, offset, *installed)
            }
            Message::TimeoutNow { .. } => (0, 0, true),
        };
        MessageSummary {
            kind: message.kind(),
            term: message.term(),
            index,
            count,
            ok,
        }
    }
}

impl fmt::Display for MessageSummary {
    /// Short labels as drawn on the page: "AE t3 [4..6]", "RV t5", "ok", "✗".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.term;
        match self.kind {
            MessageKind::AppendEntries if self.count == 0 => write!(f, "AE t{t} ♥ @{}", self.index),
            MessageKind::AppendEntries => write!(
                f,
                "AE t{t} [{}..{}]",
                self.index + 1,
                self.index + u64::from(self.count)
            ),
            MessageKind::RequestVote => write!(f, "RV t{t}"),
            MessageKind::PreVote => write!(f, "PV t{t}"),
            MessageKind::RequestVoteReply | MessageKind::PreVoteReply => {
                write!(f, "{} t{t}", if self.ok { "ok" } else { "✗" })
            }
            MessageKind::AppendEntriesReply if self.ok => write!(f, "ok t{t} @{}", self.index),
            MessageKind::AppendEntriesReply => write!(f, "✗ t{t} len {}", self.index),
            MessageKind::InstallSnapshot => {
                write!(
                    f,
                    "IS t{t} @{} ..{}B{}",
                    self.index,
                    self.count,
                    if self.ok { " done" } else { "" }
                )
            }
            MessageKind::InstallSnapshotReply if self.ok => {
                write!(f, "ok t{t} snap @{}", self.index)
            }
            MessageKind::InstallSnapshotReply => {
                write!(f, "need t{t} @{} from {}B", self.index, self.count)
            }
            MessageKind::TimeoutNow => write!(f, "TN t{t}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    LinkCut,
    Random,
    ServerDown,
    ByHand,
}

impl DropReason {
    /// As event texts have always written it.
    pub fn name(self) -> &'static str {
        match self {
            DropReason::LinkCut => "LinkCut",
            DropReason::Random => "Random",
            DropReason::ServerDown => "ServerDown",
            DropReason::ByHand => "ByHand",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    Send {
        id: u64,
        to: NodeId,
        message: MessageSummary,
    },
    Deliver {
        id: u64,
        from: NodeId,
        message: MessageSummary,
    },
    Drop {
        id: u64,
        from: NodeId,
        to: NodeId,
        reason: DropReason,
        message: MessageSummary,
    },
    Role {
        role: Role,
        term: Term,
    },
    Vote {
        term: Term,
        voted_for: NodeId,
    },
    Append {
        first: Index,
        last: Index,
        term: Term,
    },
    Truncate {
        from: Index,
    },
    /// The log through `index` was replaced by a snapshot.
    Compact {
        index: Index,
    },
    /// The state machine restarted from a snapshot received from the leader.
    InstallSnapshot {
        index: Index,
    },
    /// A linearizable read was confirmed at `index`.
    Read {
        request: u64,
        index: Index,
    },
    Transfer {
        to: NodeId,
    },
    Commit {
        index: Index,
    },
    Propose {
        index: Index,
        term: Term,
    },
    ProposeRefused {
        leader_hint: Option<NodeId>,
    },
    Timeout,
    Crash,
    Restart,
    Cut {
        to: NodeId,
    },
    Heal {
        to: NodeId,
    },
    Violation {
        invariant: &'static str,
        detail: String,
    },
    /// A new server starts, empty, to join as `joining` says.
    ServerAdded {
        joining: Joining,
    },
    /// The leader accepted a membership change: its entry is at `index`.
    MembershipProposed {
        index: Index,
        changes: Vec<ConfChange>,
    },
    /// A membership request was refused (at the leader, or for want of one).
    MembershipRefused {
        reason: ChangeError,
    },
    /// The configuration this server uses changed: an entry appended or
    /// truncated away, a snapshot installed.
    ConfigurationInUse {
        index: Index,
        configuration: Configuration,
    },
    /// A configuration entry is committed (the first server applied it).
    ConfigurationCommitted {
        index: Index,
        configuration: Configuration,
    },
    /// The leader's catching up of learner `server` ended.
    CatchUp {
        server: NodeId,
        rounds: u32,
        outcome: CatchUpOutcome,
    },
}

impl EventKind {
    /// The filter name used by the text log and the page's event pane.
    pub fn topic(&self) -> &'static str {
        match self {
            EventKind::Send { .. } | EventKind::Deliver { .. } | EventKind::Drop { .. } => "net",
            EventKind::Role { .. } | EventKind::Vote { .. } | EventKind::Timeout => "elect",
            EventKind::Append { .. } | EventKind::Truncate { .. } => "log",
            EventKind::Compact { .. } | EventKind::InstallSnapshot { .. } => "snapshot",
            EventKind::Read { .. } => "client",
            EventKind::Transfer { .. } => "elect",
            EventKind::Commit { .. } => "commit",
            EventKind::Propose { .. } | EventKind::ProposeRefused { .. } => "client",
            EventKind::Crash
            | EventKind::Restart
            | EventKind::Cut { .. }
            | EventKind::Heal { .. } => "fault",
            EventKind::Violation { .. } => "violation",
            EventKind::ServerAdded { .. }
            | EventKind::MembershipProposed { .. }
            | EventKind::MembershipRefused { .. }
            | EventKind::ConfigurationInUse { .. }
            | EventKind::ConfigurationCommitted { .. }
            | EventKind::CatchUp { .. } => "member",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventKind::Send { id, to, message } => write!(f, "→S{} {message} #{id}", to + 1),
            EventKind::Deliver { id, from, message } => write!(f, "←S{} {message} #{id}", from + 1),
            EventKind::Drop {
                id,
                from,
                to,
                reason,
                message,
            } => {
                write!(
                    f,
                    "lost S{}→S{} {message} #{id} ({})",
                    from + 1,
                    to + 1,
                    reason.name()
                )
            }
            EventKind::Role { role, term } => write!(f, "{} in term {term}", role.name()),
            EventKind::Vote { term, voted_for } => {
                write!(f, "votes S{} in term {term}", voted_for + 1)
            }
            EventKind::Append { first, last, term } => write!(f, "log +[{first}..{last}] t{term}"),
            EventKind::Truncate { from } => write!(f, "log cut from {from}"),
            EventKind::Compact { index } => write!(f, "snapshot through {index}"),
            EventKind::InstallSnapshot { index } => write!(f, "installs snapshot @{index}"),
            EventKind::Read { request, index } => write!(f, "read #{request} at {index}"),
            EventKind::Transfer { to } => write!(f, "hands leadership to S{}", to + 1),
            EventKind::Commit { index } => write!(f, "commit {index}"),
            EventKind::Propose { index, term } => write!(f, "propose @{index} t{term}"),
            EventKind::ProposeRefused { leader_hint } => match leader_hint {
                Some(leader) => write!(f, "refuses request: leader is S{}", leader + 1),
                None => write!(f, "refuses request: no leader known"),
            },
            EventKind::Timeout => write!(f, "election timer forced"),
            EventKind::Crash => write!(f, "CRASH"),
            EventKind::Restart => write!(f, "RESTART"),
            EventKind::Cut { to } => write!(f, "link →S{} cut", to + 1),
            EventKind::Heal { to } => write!(f, "link →S{} healed", to + 1),
            EventKind::Violation { invariant, detail } => {
                write!(f, "VIOLATION {invariant}: {detail}")
            }
            EventKind::ServerAdded { joining } => match joining {
                Joining::Learner => write!(f, "starts, to join as a learner"),
                Joining::CaughtUp => write!(f, "starts, to join as a learner and catch up"),
                Joining::Voter => write!(f, "starts, to join straight as a voter"),
            },
            EventKind::MembershipProposed { index, changes } => {
                let changes: Vec<String> = changes.iter().map(describe_change).collect();
                write!(f, "proposes at {index}: {}", changes.join(", "))
            }
            EventKind::MembershipRefused { reason } => {
                write!(f, "membership change refused: {reason}")
            }
            EventKind::ConfigurationInUse {
                index,
                configuration,
            } => write!(
                f,
                "uses configuration {} (entry {index})",
                describe_configuration(configuration)
            ),
            EventKind::ConfigurationCommitted {
                index,
                configuration,
            } => write!(
                f,
                "configuration {} committed at {index}",
                describe_configuration(configuration)
            ),
            EventKind::CatchUp {
                server,
                rounds,
                outcome,
            } => write!(
                f,
                "S{} after {rounds} round{}: {}",
                server + 1,
                if *rounds == 1 { "" } else { "s" },
                describe_catch_up(*outcome)
            ),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// How many events the simulator had processed when this was recorded
    /// (the time-travel position of the moment).
    pub step: u64,
    pub time: u64,
    /// `None` for events of the whole cluster.
    pub server: Option<NodeId>,
    pub kind: EventKind,
}

/// The hash and count of every event, the latest events themselves (as many as
/// the run's [`crate::Retention`] says) and the timeline's marks. A long run keeps
/// a window, not its whole past: a `Vec` of every event once reached 2²⁴ events
/// of 72 bytes after an hour in the browser at the fastest speed, and doubling it
/// passed wasm32's `isize::MAX` (a `capacity overflow` panic).
#[derive(Clone, Debug)]
pub struct Trace {
    events: VecDeque<Event>,
    keep: usize,
    markers: Markers,
    hash: u64,
    count: u64,
    step: u64,
}

impl Trace {
    /// A trace keeping the latest `keep` events (0: only the hash and count).
    pub fn new(keep: usize) -> Trace {
        Trace {
            events: VecDeque::new(),
            keep,
            markers: Markers::default(),
            hash: 0xcbf2_9ce4_8422_2325,
            count: 0,
            step: 0,
        }
    }

    pub fn record(&mut self, time: u64, server: Option<NodeId>, kind: EventKind) {
        let mut hash = Fnv(self.hash);
        hash.write(&time.to_le_bytes());
        hash.write(&[server.map_or(0xff, |s| s as u8)]);
        hash_kind(&mut hash, &kind);
        self.hash = hash.0;
        let number = self.count;
        self.count += 1;
        if self.keep == 0 {
            return;
        }
        if let Some(kind) = MarkerKind::of(&kind) {
            self.markers.add(Marker {
                time,
                step: self.step,
                event: number,
                kind,
            });
        }
        if self.events.len() >= self.keep {
            self.events.pop_front();
        }
        self.events.push_back(Event {
            step: self.step,
            time,
            server,
            kind,
        });
    }

    /// Stamps the events recorded from now on with the processing step.
    pub(crate) fn set_step(&mut self, step: u64) {
        self.step = step;
    }

    /// The events kept, oldest first: the latest [`Trace::kept`] of the run's
    /// [`Trace::len`]. Event `n` of the run is `events().nth(n - first_kept())`.
    pub fn events(&self) -> vec_deque::Iter<'_, Event> {
        self.events.iter()
    }

    /// The events kept, each with its number in the run (counting from 0).
    pub fn numbered(
        &self,
    ) -> impl DoubleEndedIterator<Item = (u64, &Event)> + ExactSizeIterator + '_ {
        let first = self.first_kept();
        self.events
            .iter()
            .enumerate()
            .map(move |(offset, event)| (first + offset as u64, event))
    }

    /// How many events are kept.
    pub fn kept(&self) -> usize {
        self.events.len()
    }

    /// The number of the oldest event kept (the run's length when none is).
    pub fn first_kept(&self) -> u64 {
        self.count - self.events.len() as u64
    }

    /// Whether this trace keeps any events at all.
    pub fn keeps_events(&self) -> bool {
        self.keep > 0
    }

    /// The largest number of events kept.
    pub fn capacity(&self) -> usize {
        self.keep
    }

    /// Elections, crashes, cuts, commits… of the whole run, thinned to a bounded
    /// number (see [`Markers`]).
    pub fn markers(&self) -> &[Marker] {
        &self.markers.kept
    }

    /// Whether the events kept reach [`CONTEXT_MS`] back from `now`, or back to
    /// the start of the run (or none are kept at all).
    pub(crate) fn holds_context(&self, now: u64) -> bool {
        let reaches = |event: &Event| event.time.saturating_add(CONTEXT_MS) <= now;
        self.keep == 0 || self.first_kept() == 0 || self.events.front().is_some_and(reaches)
    }

    /// Without events or marks, as a checkpoint keeps it: the live run has them.
    pub(crate) fn without_events(&self) -> Trace {
        Trace {
            events: VecDeque::new(),
            markers: Markers::default(),
            ..*self
        }
    }

    /// Takes back, from a trace of the same run that went further, the events
    /// and marks this one counted, as far as that one still keeps them.
    pub(crate) fn restore_from(&mut self, longer: &Trace) {
        let counted = self.count.saturating_sub(longer.first_kept());
        let end = usize::try_from(counted).map_or(longer.kept(), |end| end.min(longer.kept()));
        let start = end.saturating_sub(self.keep);
        self.events = longer.events.range(start..end).cloned().collect();
        self.markers = longer.markers.before(self.count);
    }

    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// Every event of the run so far, kept or not.
    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Columns per server, one event a line, like the lab's dslog.py.
    /// `topics` filters by [`EventKind::topic`]; empty keeps everything.
    pub fn dslog(&self, servers: usize, topics: &[&str]) -> String {
        const WIDTH: usize = 34;
        let mut out = String::new();
        let _ = write!(out, "{:>9} ", "ms");
        for id in 0..servers {
            let _ = write!(out, "{:<WIDTH$}", format!("S{}", id + 1));
        }
        out.push('\n');
        for event in &self.events {
            if !topics.is_empty() && !topics.contains(&event.kind.topic()) {
                continue;
            }
            let text = event.kind.to_string();
            let column = event.server.unwrap_or(0);
            let _ = write!(
                out,
                "{:>9} {:width$}",
                event.time,
                "",
                width = column * WIDTH
            );
            let _ = writeln!(out, "{text}");
        }
        out
    }
}

/// Hashes the structure of an event (not its display text, which is slow).
fn hash_kind(hash: &mut Fnv, kind: &EventKind) {
    let numbers: [u64; 4] = match kind {
        EventKind::Send { id, to, message } => [1, *id, *to as u64, summary_bits(message)],
        EventKind::Deliver { id, from, message } => [2, *id, *from as u64, summary_bits(message)],
        EventKind::Drop {
            id,
            from,
            to,
            message,
            ..
        } => [
            3,
            *id,
            (*from as u64) << 8 | *to as u64,
            summary_bits(message),
        ],
        EventKind::Role { role, term } => [4, *role as u64, *term, 0],
        EventKind::Vote { term, voted_for } => [5, *term, *voted_for as u64, 0],
        EventKind::Append { first, last, term } => [6, *first, *last, *term],
        EventKind::Truncate { from } => [7, *from, 0, 0],
        EventKind::Commit { index } => [8, *index, 0, 0],
        EventKind::Propose { index, term } => [9, *index, *term, 0],
        EventKind::ProposeRefused { leader_hint } => {
            [10, leader_hint.map_or(99, |l| l as u64), 0, 0]
        }
        EventKind::Timeout => [11, 0, 0, 0],
        EventKind::Crash => [12, 0, 0, 0],
        EventKind::Restart => [13, 0, 0, 0],
        EventKind::Cut { to } => [14, *to as u64, 0, 0],
        EventKind::Heal { to } => [15, *to as u64, 0, 0],
        EventKind::Violation { .. } => [16, 0, 0, 0],
        EventKind::Compact { index } => [17, *index, 0, 0],
        EventKind::InstallSnapshot { index } => [18, *index, 0, 0],
        EventKind::Read { request, index } => [19, *request, *index, 0],
        EventKind::Transfer { to } => [20, *to as u64, 0, 0],
        EventKind::ServerAdded { joining } => [21, *joining as u64, 0, 0],
        EventKind::MembershipProposed { index, changes } => {
            let mut bits = Fnv(0);
            for change in changes {
                let (op, server) = match *change {
                    ConfChange::AddVoter(server) => (0u8, server),
                    ConfChange::AddLearner(server) => (1, server),
                    ConfChange::Remove(server) => (2, server),
                };
                bits.write(&[op]);
                bits.write(&(server as u64).to_le_bytes());
            }
            [22, *index, bits.0, changes.len() as u64]
        }
        EventKind::MembershipRefused { reason } => [23, refusal_code(reason), 0, 0],
        EventKind::ConfigurationInUse {
            index,
            configuration,
        } => [24, *index, configuration_bits(configuration), 0],
        EventKind::ConfigurationCommitted {
            index,
            configuration,
        } => [25, *index, configuration_bits(configuration), 0],
        EventKind::CatchUp {
            server,
            rounds,
            outcome,
        } => [26, *server as u64, u64::from(*rounds), *outcome as u64],
    };
    for number in numbers {
        hash.write(&number.to_le_bytes());
    }
}

fn configuration_bits(configuration: &Configuration) -> u64 {
    let mut bits = Fnv(0);
    bits.configuration(configuration);
    bits.0
}

/// A refusal as a number: its kind and the server it names, hashed from
/// the text derived Debug gives it, which traces were first hashed over.
fn refusal_code(reason: &ChangeError) -> u64 {
    let mut bits = Fnv(0);
    bits.write(refusal_text(reason).as_bytes());
    bits.0
}

/// Derived Debug's text for a refusal, written out: the page is built
/// without Debug text, and its hashes must be the native ones.
fn refusal_text(reason: &ChangeError) -> String {
    let field = |variant: &str, name: &str, value: &dyn fmt::Display| {
        format!("{variant} {{ {name}: {value} }}")
    };
    let refused = match reason {
        ChangeError::NoLeader => return "NoLeader".into(),
        ChangeError::NoFreeSlot => return "NoFreeSlot".into(),
        ChangeError::NotNextId { server } => return field("NotNextId", "server", server),
        ChangeError::Refused(refused) => refused,
    };
    let inner = match *refused {
        MembershipError::NotLeader { leader_hint: None } => {
            "NotLeader { leader_hint: None }".into()
        }
        MembershipError::NotLeader {
            leader_hint: Some(hint),
        } => format!("NotLeader {{ leader_hint: Some({hint}) }}"),
        MembershipError::TransferringLeadership { target } => {
            field("TransferringLeadership", "target", &target)
        }
        MembershipError::ChangePending { index } => field("ChangePending", "index", &index),
        MembershipError::NotCommittedInTerm => "NotCommittedInTerm".into(),
        MembershipError::NoChange => "NoChange".into(),
        MembershipError::IdOutOfRange { server } => field("IdOutOfRange", "server", &server),
        MembershipError::IdReused { server } => field("IdReused", "server", &server),
        MembershipError::AlreadyMember { server } => field("AlreadyMember", "server", &server),
        MembershipError::UnknownServer { server } => field("UnknownServer", "server", &server),
        MembershipError::StillJoint => "StillJoint".into(),
        MembershipError::ServerNamedTwice { server } => {
            field("ServerNamedTwice", "server", &server)
        }
        MembershipError::NoVoters => "NoVoters".into(),
    };
    format!("Refused({inner})")
}

fn summary_bits(message: &MessageSummary) -> u64 {
    (message.kind as u64) << 56
        ^ message.term << 40
        ^ message.index << 16
        ^ u64::from(message.count) << 1
        ^ u64::from(message.ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Natively Debug text exists, so each written-out refusal is checked
    /// against it: the hash of a run with refusals is the same everywhere.
    #[test]
    fn refusal_text_is_derived_debug_text() {
        let refused = [
            MembershipError::NotLeader { leader_hint: None },
            MembershipError::NotLeader {
                leader_hint: Some(2),
            },
            MembershipError::TransferringLeadership { target: 4 },
            MembershipError::ChangePending { index: 17 },
            MembershipError::NotCommittedInTerm,
            MembershipError::NoChange,
            MembershipError::IdOutOfRange { server: 9 },
            MembershipError::IdReused { server: 1 },
            MembershipError::AlreadyMember { server: 3 },
            MembershipError::UnknownServer { server: 5 },
            MembershipError::StillJoint,
            MembershipError::ServerNamedTwice { server: 6 },
            MembershipError::NoVoters,
        ];
        let reasons = [
            ChangeError::NoLeader,
            ChangeError::NoFreeSlot,
            ChangeError::NotNextId { server: 7 },
        ]
        .into_iter()
        .chain(refused.map(ChangeError::Refused));
        for reason in reasons {
            assert_eq!(refusal_text(&reason), format!("{reason:?}"));
        }
    }
}
