use alloc::collections::VecDeque;
use alloc::vec::Vec;

use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg32;

use crate::catch_up::CatchUp;
use crate::config::{Config, ConfigError};
use crate::configuration::{Configuration, Membership, MAX_SERVERS};
use crate::log::Log;
use crate::message::{Entry, EntryData, Message, Snapshot};
use crate::read_index::PendingRead;
use crate::ready::{Envelope, HardState, LogChange, Ready};
use crate::snapshot::PartialSnapshot;
use crate::{Index, NodeId, Term};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Follower,
    PreCandidate,
    Candidate,
    Leader,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::PreCandidate => "precandidate",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        }
    }
}

/// What a leader knows about one follower (Figure 2's nextIndex[] and
/// matchIndex[]), plus flow control.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub next_index: Index,
    pub match_index: Index,
    /// An AppendEntries is out and unanswered. New proposals wait for its
    /// reply and then travel together, so a burst of proposals costs one
    /// message per follower, and reordering cannot make a follower refuse
    /// entries that are merely late. The heartbeat resends regardless, which
    /// recovers a lost message.
    pub awaiting_reply: bool,
    /// Heard from this follower since the last quorum check.
    pub recently_active: bool,
    /// The latest heartbeat round this follower has answered (ReadIndex).
    pub acked_round: u64,
    /// A snapshot transfer under way: the snapshot's index and the offset
    /// of the next chunk.
    pub snapshot_transfer: Option<(Index, u64)>,
}

/// Why [`Raft::propose`] refused a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProposeError {
    NotLeader {
        leader_hint: Option<NodeId>,
    },
    /// The leader is handing over to `target` and takes no new commands.
    TransferringLeadership {
        target: NodeId,
    },
}

/// One Raft server: the state of Figure 2 and the rules that change it.
#[derive(Clone, Debug)]
pub struct Raft {
    pub(crate) config: Config,
    rng: Pcg32,

    // Persistent state on all servers.
    pub(crate) term: Term,
    pub(crate) voted_for: Option<NodeId>,
    pub(crate) log: Log,
    /// The snapshot standing in for the compacted prefix of `log`.
    pub(crate) snapshot: Option<Snapshot>,

    // Volatile state on all servers.
    pub(crate) commit_index: Index,
    pub(crate) last_applied: Index,
    pub(crate) role: Role,
    pub(crate) leader_id: Option<NodeId>,
    /// The configuration in use: the latest in the log, committed or not,
    /// else the snapshot's, else the starting cluster (chapter 4).
    pub(crate) configuration: Configuration,
    /// The log index of that configuration's entry; the snapshot's index,
    /// or 0 for the starting cluster, when no entry holds it.
    pub(crate) configuration_index: Index,

    // Volatile state on candidates: the answer each server gave, if any,
    // by id (as many slots as the highest member id needs).
    pub(crate) votes: Vec<Option<bool>>,
    // Volatile state on leaders, by id like `votes`.
    pub(crate) progress: Vec<Progress>,
    pub(crate) round: u64,
    /// When recent rounds started, on this server's clock: the first round
    /// of each tick that started one, oldest first (leases).
    pub(crate) round_starts: VecDeque<(u64, u64)>,
    /// This leader has sent TimeoutNow in its term: it holds no lease.
    pub(crate) lease_forfeited: bool,
    pub(crate) pending_reads: Vec<PendingRead>,
    /// Leadership transfer under way: the target and ticks spent so far.
    pub(crate) transfer: Option<(NodeId, u32)>,
    /// A learner catching up before its promotion (§4.2.1).
    pub(crate) catch_up: Option<CatchUp>,
    // Volatile state on followers: a snapshot arriving in chunks.
    pub(crate) partial_snapshot: Option<PartialSnapshot>,

    pub(crate) election_elapsed: u32,
    pub(crate) election_timeout: u32,
    pub(crate) heartbeat_elapsed: u32,
    /// Ticks since this server started: its own clock.
    pub(crate) ticks: u64,
    /// This candidacy was started by TimeoutNow (§3.10).
    pub(crate) campaign_by_transfer: bool,

    pub(crate) ready: Ready,
}

impl Raft {
    /// A server that has never run: term 0, no vote, empty log.
    pub fn new(config: Config, seed: u64) -> Result<Raft, ConfigError> {
        Raft::restore(config, seed, HardState::default(), None, Log::default())
    }

    /// A server restarting from durable state. commitIndex and lastApplied
    /// are volatile: they restart from the snapshot, which is known
    /// committed and which the application restores itself from.
    pub fn restore(
        config: Config,
        seed: u64,
        hard_state: HardState,
        snapshot: Option<Snapshot>,
        log: Log,
    ) -> Result<Raft, ConfigError> {
        config.validate()?;
        let mut log = log;
        if let Some(snapshot) = &snapshot {
            log.compact(snapshot.index, snapshot.term);
        }
        let voted_for = hard_state
            .voted_for
            .filter(|&id| id < MAX_SERVERS && !config.bugs.forget_vote_on_restart);
        let mut raft = Raft {
            rng: Pcg32::seed_from_u64(seed),
            term: hard_state.term.max(log.last_term()),
            voted_for,
            commit_index: log.base_index(),
            last_applied: log.base_index(),
            log,
            snapshot,
            role: Role::Follower,
            leader_id: None,
            configuration: Configuration::bootstrap(config.cluster_size),
            configuration_index: 0,
            votes: Vec::new(),
            progress: Vec::new(),
            round: 0,
            round_starts: VecDeque::new(),
            lease_forfeited: false,
            pending_reads: Vec::new(),
            transfer: None,
            catch_up: None,
            partial_snapshot: None,
            election_elapsed: 0,
            election_timeout: 0,
            heartbeat_elapsed: 0,
            ticks: 0,
            campaign_by_transfer: false,
            ready: Ready::default(),
            config,
        };
        raft.find_configuration();
        raft.reset_election_timer();
        Ok(raft)
    }

    /// One logical tick of the host's clock.
    pub fn tick(&mut self) -> Ready {
        self.ticks = self.ticks.saturating_add(1);
        if self.role == Role::Leader {
            self.tick_leader();
        } else {
            self.tick_election();
        }
        self.take_ready()
    }

    /// The single entry point for messages. Figure 2, "Rules for Servers,
    /// All Servers": compare terms first, step down on a later term, answer
    /// an earlier one with our term; only then does the role matter.
    pub fn step(&mut self, from: NodeId, message: Message) -> Ready {
        if from >= MAX_SERVERS || from == self.config.id {
            return self.take_ready();
        }
        let term = message.term();
        if term > self.term {
            match message {
                // A pre-vote speaks of a term nobody has entered yet.
                Message::PreVote { .. } | Message::PreVoteReply { granted: true, .. } => {}
                Message::RequestVote {
                    leadership_transfer,
                    ..
                } if self.ignores_vote_request(leadership_transfer) => return self.take_ready(),
                // Who leads is learned only from a message that passes its
                // handler's checks: a malformed one names no leader.
                _ => self.become_follower(term, None),
            }
        } else if term < self.term {
            self.reject_stale(from, &message);
            return self.take_ready();
        }
        match self.role {
            Role::Leader => self.step_leader(from, message),
            Role::Candidate | Role::PreCandidate => self.step_candidate(from, message),
            Role::Follower => self.step_follower(from, message),
        }
        self.take_ready()
    }

    /// Requests from an earlier term get our term back, so their sender
    /// learns it is stale; replies from an earlier term answer requests
    /// we no longer care about and are dropped.
    fn reject_stale(&mut self, from: NodeId, message: &Message) {
        let reply = match message {
            Message::AppendEntries { prev_log_index, .. } => Message::AppendEntriesReply {
                term: self.term,
                prev_log_index: *prev_log_index,
                match_index: 0,
                conflict: None,
                success: false,
                round: 0,
            },
            Message::InstallSnapshot {
                last_included_index,
                ..
            } => Message::InstallSnapshotReply {
                term: self.term,
                last_included_index: *last_included_index,
                next_offset: 0,
                installed: false,
            },
            Message::RequestVote { .. } => Message::RequestVoteReply {
                term: self.term,
                granted: false,
            },
            Message::PreVote { .. } => Message::PreVoteReply {
                term: self.term,
                granted: false,
            },
            _ => return,
        };
        self.send(from, reply);
    }

    fn step_follower(&mut self, from: NodeId, message: Message) {
        match message {
            Message::AppendEntries { .. } => self.handle_append_entries(from, message),
            Message::InstallSnapshot { .. } => self.handle_install_snapshot(from, message),
            Message::TimeoutNow { .. } => self.handle_timeout_now(from),
            Message::RequestVote { .. } => self.handle_request_vote(from, message),
            Message::PreVote { .. } => self.handle_pre_vote(from, message),
            _ => {}
        }
    }

    fn step_candidate(&mut self, from: NodeId, message: Message) {
        match message {
            // The handlers turn a candidate into a follower once the
            // message proves to come from a leader (`heard_from_leader`).
            Message::AppendEntries { .. } => self.handle_append_entries(from, message),
            Message::InstallSnapshot { .. } => self.handle_install_snapshot(from, message),
            Message::RequestVote { .. } => self.handle_request_vote(from, message),
            Message::PreVote { .. } => self.handle_pre_vote(from, message),
            Message::RequestVoteReply { term, granted } => {
                self.handle_vote_reply(from, term, granted)
            }
            Message::PreVoteReply { term, granted } => {
                self.handle_pre_vote_reply(from, term, granted)
            }
            Message::AppendEntriesReply { .. }
            | Message::InstallSnapshotReply { .. }
            | Message::TimeoutNow { .. } => {}
        }
    }

    /// Replies from a server outside the configuration (one removed, or
    /// never added) are about nothing the leader tracks and are ignored.
    fn step_leader(&mut self, from: NodeId, message: Message) {
        let member = self.configuration.members().contains(from);
        if member {
            self.progress[from].recently_active = true;
        }
        match message {
            Message::AppendEntriesReply {
                prev_log_index,
                match_index,
                conflict,
                success,
                round,
                ..
            } if member => {
                self.handle_append_reply(from, prev_log_index, match_index, conflict, success);
                self.note_round_acked(from, round);
            }
            Message::InstallSnapshotReply {
                last_included_index,
                next_offset,
                installed,
                ..
            } if member => {
                self.handle_snapshot_reply(from, last_included_index, next_offset, installed)
            }
            Message::RequestVote { .. } => self.handle_request_vote(from, message),
            Message::PreVote { .. } => self.handle_pre_vote(from, message),
            // Two leaders in one term would break Election Safety; a
            // message claiming so is malformed and ignored.
            Message::AppendEntries { .. }
            | Message::AppendEntriesReply { .. }
            | Message::InstallSnapshot { .. }
            | Message::InstallSnapshotReply { .. }
            | Message::TimeoutNow { .. }
            | Message::RequestVoteReply { .. }
            | Message::PreVoteReply { .. } => {}
        }
    }

    /// Figure 2, All Servers: "If RPC request or response contains term T >
    /// currentTerm: set currentTerm = T, convert to follower". Also used to
    /// step down within a term (a candidate that meets the leader, a leader
    /// that lost its quorum).
    pub(crate) fn become_follower(&mut self, term: Term, leader: Option<NodeId>) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
            self.persist_hard_state();
        }
        // The timer restarts only on hearing from a leader or granting a
        // vote (Figure 2). A server that merely learns of a later term keeps
        // counting, or stale candidates could starve the one server whose
        // log can win. A leader's timer measured something else: restart it.
        if self.role == Role::Leader {
            self.reset_election_timer();
            // Reads waiting for this leader will never be confirmed: their
            // clients retry elsewhere.
            self.pending_reads.clear();
            self.transfer = None;
            self.abandon_catch_up();
        }
        self.role = Role::Follower;
        self.leader_id = leader;
    }

    /// A well-formed AppendEntries or InstallSnapshot of our term came
    /// from `leader`. Figure 2, Candidates: "If AppendEntries RPC received
    /// from new leader: convert to follower"; Followers: hearing from the
    /// leader restarts the election timer.
    pub(crate) fn heard_from_leader(&mut self, leader: NodeId) {
        if self.role != Role::Follower {
            self.become_follower(self.term, Some(leader));
        }
        self.leader_id = Some(leader);
        self.reset_election_timer();
    }

    pub(crate) fn reset_election_timer(&mut self) {
        self.election_elapsed = 0;
        let spread = self.config.election_timeout_max - self.config.election_timeout_min + 1;
        self.election_timeout = self.config.election_timeout_min + self.rng.next_u32() % spread;
    }

    pub(crate) fn persist_hard_state(&mut self) {
        self.ready.hard_state = Some(self.hard_state());
    }

    /// A configuration entry takes effect as it is appended (§4.1).
    pub(crate) fn append_to_log(&mut self, entry: Entry) {
        self.record_append(&entry);
        self.log.append(entry);
    }

    /// Appends entries that follow the log's last one, in order: a
    /// follower's block from one AppendEntries. A configuration among them
    /// is put in force before the block reaches the log, which only a
    /// leader's use of it would notice, and leaders append one at a time.
    pub(crate) fn append_all_to_log(&mut self, entries: Vec<Entry>) {
        for entry in &entries {
            self.record_append(entry);
        }
        self.log.extend(entries);
    }

    /// What appending `entry` means besides the log itself: the host is to
    /// persist it, and a configuration entry is in force at once (§4.1).
    fn record_append(&mut self, entry: &Entry) {
        self.ready
            .log_changes
            .push(LogChange::Append(entry.clone()));
        if let EntryData::Configuration(configuration) = entry.data {
            self.use_configuration(configuration, entry.index);
        }
    }

    /// Truncating the entry of the configuration in use falls back to the
    /// one before it (§4.1).
    pub(crate) fn truncate_log(&mut self, from: Index) {
        self.ready.log_changes.push(LogChange::TruncateFrom(from));
        self.log.truncate_from(from);
        if from <= self.configuration_index {
            self.find_configuration();
        }
    }

    pub(crate) fn send(&mut self, to: NodeId, message: Message) {
        self.ready.messages.push(Envelope { to, message });
    }

    /// The servers a leader replicates to: every other member, learners
    /// included.
    pub(crate) fn peers(&self) -> impl Iterator<Item = NodeId> {
        self.configuration.members().without(self.config.id).iter()
    }

    /// The servers whose votes count, besides this one.
    pub(crate) fn voting_peers(&self) -> impl Iterator<Item = NodeId> {
        self.configuration
            .all_voters()
            .without(self.config.id)
            .iter()
    }

    /// Is this server a voter of the configuration it uses? Only voters
    /// campaign (learners and removed servers never do).
    pub(crate) fn is_voter(&self) -> bool {
        self.configuration.all_voters().contains(self.config.id)
    }

    /// Figure 2, All Servers: "If commitIndex > lastApplied: increment
    /// lastApplied, apply log[lastApplied] to state machine".
    pub(crate) fn advance_commit(&mut self, commit: Index) {
        if commit <= self.commit_index {
            return;
        }
        self.commit_index = commit;
        let newly = self.log.range(self.last_applied + 1, commit);
        self.last_applied = commit;
        self.ready.committed.extend(newly);
        self.release_reads();
    }

    pub(crate) fn take_ready(&mut self) -> Ready {
        core::mem::take(&mut self.ready)
    }

    // Read-only views for hosts, tests and the visualiser.

    pub fn id(&self) -> NodeId {
        self.config.id
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn term(&self) -> Term {
        self.term
    }
    pub fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }
    pub fn hard_state(&self) -> HardState {
        HardState {
            term: self.term,
            voted_for: self.voted_for,
        }
    }
    pub fn leader_id(&self) -> Option<NodeId> {
        self.leader_id
    }
    pub fn log(&self) -> &Log {
        &self.log
    }
    pub fn latest_snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_ref()
    }
    /// Index and bytes received of a snapshot arriving in chunks.
    pub fn partial_snapshot(&self) -> Option<(Index, usize)> {
        self.partial_snapshot
            .as_ref()
            .map(|partial| (partial.index, partial.data.len()))
    }
    /// The follower a leader is handing over to, if any.
    pub fn transfer_target(&self) -> Option<NodeId> {
        self.transfer.map(|(target, _)| target)
    }
    pub fn commit_index(&self) -> Index {
        self.commit_index
    }
    pub fn last_applied(&self) -> Index {
        self.last_applied
    }
    /// A leader's view of `peer`; `None` on other roles and for servers
    /// outside its configuration.
    pub fn progress(&self, peer: NodeId) -> Option<&Progress> {
        (self.role == Role::Leader && self.configuration.members().contains(peer))
            .then(|| self.progress.get(peer))
            .flatten()
    }
    /// The configuration this server uses: the latest in its log,
    /// committed or not.
    pub fn configuration(&self) -> &Configuration {
        &self.configuration
    }
    /// The log index of that configuration's entry (the snapshot's index,
    /// or 0 for the starting cluster, when no entry in the log holds it).
    pub fn configuration_index(&self) -> Index {
        self.configuration_index
    }
    /// What this server is in the configuration it uses.
    pub fn membership(&self) -> Membership {
        self.configuration.membership(self.config.id)
    }
    /// The answer `peer` gave this (pre-)candidate, if any.
    pub fn vote_from(&self, peer: NodeId) -> Option<bool> {
        matches!(self.role, Role::Candidate | Role::PreCandidate)
            .then(|| self.votes.get(peer).copied().flatten())
            .flatten()
    }
    /// Ticks since the election timer was last reset, and its current length.
    pub fn election_timer(&self) -> (u32, u32) {
        (self.election_elapsed, self.election_timeout)
    }

    /// Adopts the settings of `config` on a running server: the optional
    /// behaviours at once, new timeouts from the next timer reset. Its id
    /// and starting cluster cannot change this way: membership changes go
    /// through the log ([`Raft::propose_membership`]).
    pub fn reconfigure(&mut self, config: Config) -> Result<(), ConfigError> {
        config.validate()?;
        if config.id != self.config.id || config.cluster_size != self.config.cluster_size {
            return Err(ConfigError::ChangesIdentity);
        }
        self.config = config;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::*;
    use crate::*;

    /// Traces and the page show these words.
    #[test]
    fn each_role_has_its_own_name() {
        let names = [
            Role::Follower,
            Role::PreCandidate,
            Role::Candidate,
            Role::Leader,
        ]
        .map(Role::name);
        assert_eq!(names, ["follower", "precandidate", "candidate", "leader"]);
    }

    /// Storage that names a vote for a server that cannot exist holds no
    /// vote: the restarted server may still vote in its term (Figure 2,
    /// votedFor is a candidate's id or null).
    #[test]
    fn a_stored_vote_for_an_impossible_server_is_no_vote() {
        for impossible in [MAX_SERVERS, usize::MAX] {
            let hard_state = HardState {
                term: 3,
                voted_for: Some(impossible),
            };
            let mut node =
                Raft::restore(Config::new(0, 3), 1, hard_state, None, Log::default()).unwrap();
            assert_eq!(granted(&node.step(1, request_vote(3, 0, 0))), Some(true));
        }
    }

    /// The page draws nextIndex/matchIndex from a leader only, and only
    /// for members.
    #[test]
    fn only_a_leader_shows_progress_and_only_for_members() {
        let mut node = leader(0, 3);
        assert_eq!(node.progress(1).map(|p| p.match_index), Some(0));
        assert_eq!(node.progress(3), None);
        node.step(1, heartbeat(2, 0, 0, 0));
        assert_eq!(node.role(), Role::Follower);
        assert_eq!(node.progress(1), None);
    }

    /// The page shows each answer a (pre-)candidate got, and none once it
    /// stops campaigning.
    #[test]
    fn a_candidate_shows_the_answers_it_got() {
        let mut node = candidate(0, 5);
        node.step(1, vote_reply(1, true));
        node.step(2, vote_reply(1, false));
        let answers: Vec<Option<bool>> = (1..5).map(|peer| node.vote_from(peer)).collect();
        assert_eq!(answers, [Some(true), Some(false), None, None]);
        node.step(3, heartbeat(1, 0, 0, 0));
        assert_eq!(node.role(), Role::Follower);
        assert_eq!(node.vote_from(1), None);
    }

    /// The leader counts itself among the servers holding its log: its own
    /// progress is always its whole log.
    #[test]
    fn a_leaders_own_progress_is_its_whole_log() {
        let mut node = leader(0, 3);
        let index = node.propose(payload(1)).unwrap().index;
        let own = node.progress(0).unwrap();
        assert_eq!((own.match_index, own.next_index), (index, index + 1));
    }
}
