//! Membership change in a running simulation (dissertation chapter 4):
//! servers join the run booted empty and are added through the leader's
//! configuration entries; servers leave the configuration the same way
//! (their process keeps running, as a removed server's does until someone
//! stops it). Every request goes to the leader of the highest term and is
//! traced, accepted or refused.
use std::fmt;

use raftviz_raft::{
    CatchUpOutcome, ConfChange, Configuration, EntryData, Index, Membership, MembershipError,
    NodeId, Proposed, Raft,
};

use crate::{EventKind, Server, Simulation};

/// Server ids a run may use, counting those of servers added later: the
/// page has nine places. Ids are never reused.
pub const SERVER_SLOTS: usize = 9;

/// How a new server is to join.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Joining {
    /// As a learner, until someone promotes it.
    Learner,
    /// As a learner the leader promotes once it has caught up (§4.2.1).
    CaughtUp,
    /// Straight as a voter, however far behind (the way that can stall a
    /// cluster).
    Voter,
}

impl Joining {
    pub const ALL: [Joining; 3] = [Joining::Learner, Joining::CaughtUp, Joining::Voter];

    /// As traces and links name it.
    pub fn name(self) -> &'static str {
        match self {
            Joining::Learner => "learner",
            Joining::CaughtUp => "caught_up",
            Joining::Voter => "voter",
        }
    }

    pub fn parse(name: &str) -> Option<Joining> {
        Joining::ALL
            .into_iter()
            .find(|joining| joining.name() == name)
    }
}

/// Why a membership request did not reach a log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeError {
    /// No running server leads.
    NoLeader,
    /// All [`SERVER_SLOTS`] ids have been used.
    NoFreeSlot,
    /// A new server must take the next unused id.
    NotNextId { server: NodeId },
    /// The leader refused it.
    Refused(MembershipError),
}

impl fmt::Display for ChangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChangeError::NoLeader => write!(f, "there is no leader to ask"),
            ChangeError::NoFreeSlot => write!(f, "all {SERVER_SLOTS} server ids are used"),
            ChangeError::NotNextId { server } => {
                write!(
                    f,
                    "a new server takes the next free id, not S{}",
                    server + 1
                )
            }
            ChangeError::Refused(refusal) => match refusal {
                MembershipError::NotLeader { .. } => write!(f, "it is not the leader"),
                MembershipError::TransferringLeadership { target } => {
                    write!(f, "it is handing leadership to S{}", target + 1)
                }
                MembershipError::ChangePending { index } => {
                    write!(f, "the change at {index} is not committed yet")
                }
                MembershipError::NotCommittedInTerm => write!(
                    f,
                    "it has not committed an entry of its term yet (a no-op is on its way)"
                ),
                MembershipError::NoChange => write!(f, "nothing would change"),
                MembershipError::IdOutOfRange { server } => {
                    write!(f, "there is no server id {server}")
                }
                MembershipError::IdReused { server } => {
                    write!(f, "S{} was removed and its id is never reused", server + 1)
                }
                MembershipError::AlreadyMember { server } => {
                    write!(f, "S{} already is that", server + 1)
                }
                MembershipError::UnknownServer { server } => {
                    write!(f, "S{} is not a member", server + 1)
                }
                MembershipError::StillJoint => {
                    write!(f, "the joint configuration has not been left yet")
                }
                MembershipError::ServerNamedTwice { server } => {
                    write!(f, "S{} is named twice", server + 1)
                }
                MembershipError::NoVoters => write!(f, "no voter would be left"),
            },
        }
    }
}

impl Simulation {
    /// Boots a new server with the next free id and asks the leader to add
    /// it as `joining` says. The server only starts when the leader
    /// accepts; either way the request is traced.
    pub fn add_server(&mut self, joining: Joining) -> Result<NodeId, ChangeError> {
        let id = self.servers.len();
        if id >= SERVER_SLOTS {
            return Err(self.refuse(None, ChangeError::NoFreeSlot));
        }
        let change = match joining {
            Joining::Voter => ConfChange::AddVoter(id),
            Joining::Learner | Joining::CaughtUp => ConfChange::AddLearner(id),
        };
        self.propose_change(&[change], &[(id, joining)], |node| match joining {
            Joining::CaughtUp => node.add_server(id),
            Joining::Learner | Joining::Voter => node.propose_membership(&[change]),
        })?;
        Ok(id)
    }

    /// Asks the leader for `changes`: one is a single-server change, several
    /// a joint one (§4.3). An added server that does not exist yet must
    /// take the next free ids, in order; it boots once the leader accepts.
    /// Returns the index of the configuration entry.
    pub fn change_membership(&mut self, changes: &[ConfChange]) -> Result<Index, ChangeError> {
        let mut joining = Vec::new();
        for change in changes {
            let (server, how) = match *change {
                ConfChange::AddVoter(server) => (server, Joining::Voter),
                ConfChange::AddLearner(server) => (server, Joining::Learner),
                ConfChange::Remove(_) => continue,
            };
            if server < self.servers.len() {
                continue;
            }
            if server >= SERVER_SLOTS {
                return Err(self.refuse(None, ChangeError::NoFreeSlot));
            }
            if server != self.servers.len() + joining.len() {
                return Err(self.refuse(None, ChangeError::NotNextId { server }));
            }
            joining.push((server, how));
        }
        self.propose_change(changes, &joining, |node| node.propose_membership(changes))
    }

    /// Asks the leader to remove `server` from the configuration.
    pub fn remove_server(&mut self, server: NodeId) -> Result<Index, ChangeError> {
        self.change_membership(&[ConfChange::Remove(server)])
    }

    /// Asks the leader to make the learner `server` a voter.
    pub fn promote(&mut self, server: NodeId) -> Result<Index, ChangeError> {
        self.change_membership(&[ConfChange::AddVoter(server)])
    }

    /// Proposes at the leader; boots the new servers `joining` once it
    /// accepts, before its messages to them leave.
    fn propose_change(
        &mut self,
        changes: &[ConfChange],
        joining: &[(NodeId, Joining)],
        propose: impl FnOnce(&mut Raft) -> Result<Proposed, MembershipError>,
    ) -> Result<Index, ChangeError> {
        let Some(leader) = self.leader() else {
            return Err(self.refuse(None, ChangeError::NoLeader));
        };
        let Some(node) = self.servers[leader].node.as_mut() else {
            return Err(self.refuse(None, ChangeError::NoLeader));
        };
        let proposed = match propose(node) {
            Ok(proposed) => proposed,
            Err(refusal) => return Err(self.refuse(Some(leader), ChangeError::Refused(refusal))),
        };
        self.trace.record(
            self.now,
            Some(leader),
            EventKind::MembershipProposed {
                index: proposed.index,
                changes: changes.to_vec(),
            },
        );
        for &(id, how) in joining {
            self.boot_new_server(id, how);
        }
        self.after(leader, proposed.ready);
        Ok(proposed.index)
    }

    fn refuse(&mut self, at: Option<NodeId>, reason: ChangeError) -> ChangeError {
        self.trace
            .record(self.now, at, EventKind::MembershipRefused { reason });
        reason
    }

    fn boot_new_server(&mut self, id: NodeId, joining: Joining) {
        self.servers
            .push(Server::unbooted(Configuration::default()));
        self.network.add_server();
        self.rpc_counts.push(0);
        for client in &mut self.clients {
            client.cut_from.push(false);
        }
        self.trace
            .record(self.now, Some(id), EventKind::ServerAdded { joining });
        self.boot(id);
    }

    /// The configuration of the cluster as the page shows it, and the
    /// index of its entry: the one the leader of the highest term uses, or
    /// while there is none, the latest one committed.
    pub fn cluster_configuration(&self) -> (Configuration, Index) {
        match self.leader().and_then(|leader| self.node(leader)) {
            Some(leader) => (*leader.configuration(), leader.configuration_index()),
            None => (
                self.committed_configuration.1,
                self.committed_configuration.0,
            ),
        }
    }

    /// The latest configuration committed anywhere, and its index.
    pub fn committed_configuration(&self) -> (Index, Configuration) {
        self.committed_configuration
    }

    /// The configuration `id` uses, and the index of its entry: the running
    /// node's, or what its disk holds while it is down.
    pub fn configuration_of(&self, id: NodeId) -> (Configuration, Index) {
        if let Some(node) = self.node(id) {
            return (*node.configuration(), node.configuration_index());
        }
        let Some(storage) = self.storage(id) else {
            return (Configuration::default(), 0);
        };
        storage
            .log
            .entries()
            .iter()
            .rev()
            .find_map(|entry| match &entry.data {
                EntryData::Configuration(configuration) => Some((*configuration, entry.index)),
                _ => None,
            })
            .or_else(|| {
                storage
                    .snapshot
                    .as_ref()
                    .map(|snapshot| (snapshot.configuration, snapshot.index))
            })
            .unwrap_or((Configuration::bootstrap(self.config.servers), 0))
    }

    /// `id` in the cluster's configuration: a server that is neither voter
    /// nor learner there (removed, or never added) counts as removed.
    pub fn membership_of(&self, id: NodeId) -> Membership {
        match self.cluster_configuration().0.membership(id) {
            Membership::Stranger => Membership::Removed,
            membership => membership,
        }
    }

    /// Notes a committed configuration entry (applied, or under a snapshot)
    /// the first time any server gets that far. A snapshot of a run whose
    /// configuration never changed says nothing new, and is not traced
    /// (runs without membership change replay as they always did).
    pub(crate) fn note_committed_configuration(
        &mut self,
        id: NodeId,
        index: Index,
        configuration: Configuration,
    ) {
        let (known_index, known) = self.committed_configuration;
        if index > known_index && configuration != known {
            self.committed_configuration = (index, configuration);
            self.trace.record(
                self.now,
                Some(id),
                EventKind::ConfigurationCommitted {
                    index,
                    configuration,
                },
            );
        }
    }

    /// Traces what a leader reports about catching up a learner.
    pub(crate) fn note_catch_up(&mut self, leader: NodeId, report: raftviz_raft::CatchUpReport) {
        let kind = EventKind::CatchUp {
            server: report.server,
            rounds: report.rounds,
            outcome: report.outcome,
        };
        self.trace.record(self.now, Some(leader), kind);
    }
}

/// Sentences for the trace and the page, e.g. "S1 S2 S3 → S1 S2 S4,
/// learners S5".
pub fn describe_configuration(configuration: &Configuration) -> String {
    let names = |set: raftviz_raft::ServerSet| {
        set.iter()
            .map(|id| format!("S{}", id + 1))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut text = if configuration.is_joint() {
        format!(
            "{} → {}",
            names(configuration.outgoing),
            names(configuration.voters)
        )
    } else {
        names(configuration.voters)
    };
    if !configuration.learners.is_empty() {
        text.push_str(&format!(", learners {}", names(configuration.learners)));
    }
    text
}

/// One change in words: "add S6 as a learner", "remove S2".
pub fn describe_change(change: &ConfChange) -> String {
    match change {
        ConfChange::AddVoter(id) => format!("S{} as a voter", id + 1),
        ConfChange::AddLearner(id) => format!("S{} as a learner", id + 1),
        ConfChange::Remove(id) => format!("remove S{}", id + 1),
    }
}

/// How catching a learner up ended, in words.
pub fn describe_catch_up(outcome: CatchUpOutcome) -> &'static str {
    match outcome {
        CatchUpOutcome::Promoted => "caught up: promotion proposed",
        CatchUpOutcome::GaveUp => "did not catch up in time: stays a learner",
        CatchUpOutcome::Abandoned => "catching up abandoned",
    }
}
