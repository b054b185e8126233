//! Configurations (dissertation chapter 4) as plain data: who votes, who
//! only learns the log, and how a list of changes turns one configuration
//! into the next — a single-server step (§4.1) or the joint configuration
//! C_old,new (§4.3), as etcd's `confchange` package does it. Nothing here
//! knows about a running server; `membership.rs` decides when a change may
//! be proposed and `quorum.rs` what counts as a majority.
use crate::NodeId;

/// Server ids are small integers below this (a classroom page shows nine
/// servers): a configuration is five sets of bits, ten bytes copied freely
/// and never allocated.
pub const MAX_SERVERS: usize = 16;

/// A set of server ids, each below [`MAX_SERVERS`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ServerSet(u16);

impl ServerSet {
    pub const EMPTY: ServerSet = ServerSet(0);

    /// The servers `0..count` (all of them past [`MAX_SERVERS`]).
    pub fn first(count: usize) -> ServerSet {
        match count {
            0 => ServerSet::EMPTY,
            n if n >= MAX_SERVERS => ServerSet(u16::MAX),
            n => ServerSet((1u16 << n) - 1),
        }
    }

    /// The set whose members are the set bits of `bits`.
    pub fn from_bits(bits: u16) -> ServerSet {
        ServerSet(bits)
    }

    pub fn bits(self) -> u16 {
        self.0
    }

    pub fn contains(self, id: NodeId) -> bool {
        id < MAX_SERVERS && self.0 & (1 << id) != 0
    }

    /// Adds `id`; ids at or past [`MAX_SERVERS`] cannot be members.
    pub fn with(self, id: NodeId) -> ServerSet {
        if id < MAX_SERVERS {
            ServerSet(self.0 | 1 << id)
        } else {
            self
        }
    }

    pub fn without(self, id: NodeId) -> ServerSet {
        if id < MAX_SERVERS {
            ServerSet(self.0 & !(1 << id))
        } else {
            self
        }
    }

    pub fn union(self, other: ServerSet) -> ServerSet {
        ServerSet(self.0 | other.0)
    }

    pub fn minus(self, other: ServerSet) -> ServerSet {
        ServerSet(self.0 & !other.0)
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The members in increasing order.
    pub fn iter(self) -> impl Iterator<Item = NodeId> {
        let mut rest = self.0;
        core::iter::from_fn(move || {
            if rest == 0 {
                return None;
            }
            let id = rest.trailing_zeros() as NodeId;
            rest &= rest - 1;
            Some(id)
        })
    }
}

impl FromIterator<NodeId> for ServerSet {
    fn from_iter<I: IntoIterator<Item = NodeId>>(ids: I) -> ServerSet {
        ids.into_iter().fold(ServerSet::EMPTY, ServerSet::with)
    }
}

/// What one server is in a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Membership {
    /// Votes and counts toward majorities (in either half of a joint
    /// configuration).
    Voter,
    /// Receives the log, never campaigns, never counts (§4.2.1).
    Learner,
    /// Was a member and has been taken out; its id is never used again.
    Removed,
    /// Has never been a member.
    Stranger,
}

impl Membership {
    pub fn name(self) -> &'static str {
        match self {
            Membership::Voter => "voter",
            Membership::Learner => "learner",
            Membership::Removed => "removed",
            Membership::Stranger => "stranger",
        }
    }
}

/// A cluster configuration, as a configuration entry or a snapshot carries
/// it. Outside a joint configuration `outgoing` is empty; inside one,
/// `voters` is C_new and `outgoing` is C_old, and elections and commitment
/// need a majority of each (§4.3). The core only builds configurations in
/// which the sets below are disjoint as documented, but it accepts any bits
/// from a peer without panicking (an empty `voters` simply never forms a
/// majority).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Configuration {
    /// The voters (C_new while joint).
    pub voters: ServerSet,
    /// C_old while joint; empty otherwise.
    pub outgoing: ServerSet,
    /// Members that receive the log without voting; never voters.
    pub learners: ServerSet,
    /// Voters of C_old demoted by the joint change: they keep voting in
    /// C_old until the joint configuration is left, then become learners
    /// (etcd's `LearnersNext`).
    pub learners_next: ServerSet,
    /// Every id that has left the cluster, so that none is used again.
    pub removed: ServerSet,
}

/// One change to a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfChange {
    /// A new server as a voter at once, or a learner promoted to voter.
    AddVoter(NodeId),
    /// A new server as a learner, or a voter demoted to learner.
    AddLearner(NodeId),
    /// A voter or learner leaves the cluster.
    Remove(NodeId),
}

impl ConfChange {
    pub fn server(self) -> NodeId {
        match self {
            ConfChange::AddVoter(id) | ConfChange::AddLearner(id) | ConfChange::Remove(id) => id,
        }
    }
}

/// Why a membership change was refused. No refusal changes anything, but
/// [`MembershipError::NotCommittedInTerm`] may have appended the no-op
/// that ends it (its effects come with the next [`crate::Ready`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MembershipError {
    NotLeader {
        leader_hint: Option<NodeId>,
    },
    /// The leader is handing over to `target` and takes no proposals.
    TransferringLeadership {
        target: NodeId,
    },
    /// §4.1: the previous change (entry `index`) is not committed yet, or
    /// the joint configuration it entered has not been left yet.
    ChangePending {
        index: crate::Index,
    },
    /// The 2015 fix: a leader changes the configuration only after it has
    /// committed an entry of its own term. A no-op of its term is on its
    /// way when there was none.
    NotCommittedInTerm,
    /// No change was asked for.
    NoChange,
    /// The id is at or past [`MAX_SERVERS`].
    IdOutOfRange {
        server: NodeId,
    },
    /// The id belonged to a server that was removed: ids are never reused.
    IdReused {
        server: NodeId,
    },
    /// The server already is what the change would make it.
    AlreadyMember {
        server: NodeId,
    },
    /// The server is not a member (or not a learner, for a promotion).
    UnknownServer {
        server: NodeId,
    },
    /// The configuration is joint: it must be left (which the leader does
    /// by itself once it has committed it) before another change.
    StillJoint,
    /// The same server is named twice in one change.
    ServerNamedTwice {
        server: NodeId,
    },
    /// The change would leave no voter.
    NoVoters,
}

impl Configuration {
    /// The configuration every server of a fresh cluster starts from:
    /// voters `0..cluster_size`, no learners.
    pub fn bootstrap(cluster_size: usize) -> Configuration {
        Configuration {
            voters: ServerSet::first(cluster_size),
            ..Configuration::default()
        }
    }

    pub fn is_joint(&self) -> bool {
        !self.outgoing.is_empty()
    }

    /// Servers whose votes count: C_new and, while joint, C_old.
    pub fn all_voters(&self) -> ServerSet {
        self.voters.union(self.outgoing)
    }

    /// Every server the leader replicates to: voters and learners.
    pub fn members(&self) -> ServerSet {
        self.all_voters()
            .union(self.learners)
            .union(self.learners_next)
    }

    pub fn membership(&self, id: NodeId) -> Membership {
        if self.all_voters().contains(id) {
            Membership::Voter
        } else if self.learners.contains(id) || self.learners_next.contains(id) {
            Membership::Learner
        } else if self.removed.contains(id) {
            Membership::Removed
        } else {
            Membership::Stranger
        }
    }

    /// Applies `changes`: one change is a §4.1 single-server step (the
    /// voters change by at most one server), several enter the joint
    /// configuration C_old,new (§4.3). Refused while joint: the joint
    /// configuration must be left first ([`Configuration::leave_joint`]).
    pub fn apply(&self, changes: &[ConfChange]) -> Result<Configuration, MembershipError> {
        if changes.is_empty() {
            return Err(MembershipError::NoChange);
        }
        if self.is_joint() {
            return Err(MembershipError::StillJoint);
        }
        for (position, change) in changes.iter().enumerate() {
            let server = change.server();
            if server >= MAX_SERVERS {
                return Err(MembershipError::IdOutOfRange { server });
            }
            if changes[..position].iter().any(|c| c.server() == server) {
                return Err(MembershipError::ServerNamedTwice { server });
            }
        }
        let joint = changes.len() > 1;
        let mut next = *self;
        if joint {
            next.outgoing = self.voters;
        }
        for &change in changes {
            next = next.step(change, joint)?;
        }
        if next.voters.is_empty() {
            return Err(MembershipError::NoVoters);
        }
        Ok(next)
    }

    /// One change; in a joint change C_old (`outgoing`) stays as it was.
    fn step(mut self, change: ConfChange, joint: bool) -> Result<Configuration, MembershipError> {
        let server = change.server();
        if self.removed.contains(server) {
            return Err(MembershipError::IdReused { server });
        }
        let member = self.voters.contains(server)
            || self.learners.contains(server)
            || self.learners_next.contains(server);
        match change {
            ConfChange::AddVoter(_) if self.voters.contains(server) => {
                return Err(MembershipError::AlreadyMember { server })
            }
            ConfChange::AddVoter(_) => {
                self.voters = self.voters.with(server);
                self.learners = self.learners.without(server);
                self.learners_next = self.learners_next.without(server);
            }
            ConfChange::AddLearner(_)
                if self.learners.contains(server) || self.learners_next.contains(server) =>
            {
                return Err(MembershipError::AlreadyMember { server })
            }
            ConfChange::AddLearner(_) => {
                self.voters = self.voters.without(server);
                // A voter of C_old keeps its vote there until the joint
                // configuration is left.
                if joint && self.outgoing.contains(server) {
                    self.learners_next = self.learners_next.with(server);
                } else {
                    self.learners = self.learners.with(server);
                }
            }
            ConfChange::Remove(_) if !member => {
                return Err(MembershipError::UnknownServer { server })
            }
            ConfChange::Remove(_) => {
                self.voters = self.voters.without(server);
                self.learners = self.learners.without(server);
                self.learners_next = self.learners_next.without(server);
                // A voter of C_old is removed once the joint configuration
                // is left; any other server at once.
                if !(joint && self.outgoing.contains(server)) {
                    self.removed = self.removed.with(server);
                }
            }
        }
        Ok(self)
    }

    /// C_new, the configuration that ends a joint one: C_old's voters that
    /// are in neither C_new nor the learners are removed for good.
    pub fn leave_joint(&self) -> Configuration {
        let learners = self.learners.union(self.learners_next);
        let gone = self.outgoing.minus(self.voters).minus(learners);
        Configuration {
            voters: self.voters,
            outgoing: ServerSet::EMPTY,
            learners,
            learners_next: ServerSet::EMPTY,
            removed: self.removed.union(gone),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn set(ids: &[NodeId]) -> ServerSet {
        ids.iter().copied().collect()
    }

    fn ids(set: ServerSet) -> Vec<NodeId> {
        set.iter().collect()
    }

    #[test]
    fn server_sets_hold_small_ids_only() {
        let s = set(&[0, 3, 15]);
        assert_eq!(ids(s), [0, 3, 15]);
        assert_eq!(s.len(), 3);
        assert!(!s.contains(16) && !s.with(16).contains(16));
        assert_eq!(s.with(16), s, "an id past the range is no member");
        assert_eq!(s.with(usize::MAX), s);
        assert_eq!(ids(ServerSet::first(3)), [0, 1, 2]);
        assert_eq!(ServerSet::first(16).len(), 16);
        assert_eq!(ServerSet::first(99).len(), 16);
        assert!(ServerSet::first(0).is_empty());
        assert_eq!(ids(s.minus(set(&[3]))), [0, 15]);
        assert_eq!(s.with(3), s, "adding a member again keeps it");
        assert_eq!(ids(s.without(3)), [0, 15]);
        assert_eq!(s.without(16), s, "an id past the range was never a member");
    }

    #[test]
    fn a_single_change_moves_one_server() {
        let three = Configuration::bootstrap(3);
        let added = three.apply(&[ConfChange::AddLearner(3)]).unwrap();
        assert_eq!(
            (ids(added.voters), ids(added.learners)),
            ([0, 1, 2].to_vec(), [3].to_vec())
        );
        assert!(!added.is_joint());
        let promoted = added.apply(&[ConfChange::AddVoter(3)]).unwrap();
        assert_eq!(ids(promoted.voters), [0, 1, 2, 3]);
        assert!(promoted.learners.is_empty());
        let removed = promoted.apply(&[ConfChange::Remove(0)]).unwrap();
        assert_eq!(ids(removed.voters), [1, 2, 3]);
        assert_eq!(removed.membership(0), Membership::Removed);
        let demoted = removed.apply(&[ConfChange::AddLearner(1)]).unwrap();
        assert_eq!(
            (ids(demoted.voters), ids(demoted.learners)),
            ([2, 3].to_vec(), [1].to_vec())
        );
    }

    #[test]
    fn refusals_name_the_server() {
        let three = Configuration::bootstrap(3);
        let gone = three.apply(&[ConfChange::Remove(2)]).unwrap();
        assert_eq!(
            gone.apply(&[ConfChange::AddLearner(2)]),
            Err(MembershipError::IdReused { server: 2 })
        );
        assert_eq!(
            three.apply(&[ConfChange::AddVoter(1)]),
            Err(MembershipError::AlreadyMember { server: 1 })
        );
        assert_eq!(
            three.apply(&[ConfChange::Remove(7)]),
            Err(MembershipError::UnknownServer { server: 7 })
        );
        assert_eq!(
            three.apply(&[ConfChange::AddVoter(16)]),
            Err(MembershipError::IdOutOfRange { server: 16 })
        );
        assert_eq!(three.apply(&[]), Err(MembershipError::NoChange));
        assert_eq!(
            three.apply(&[ConfChange::AddVoter(4), ConfChange::Remove(4)]),
            Err(MembershipError::ServerNamedTwice { server: 4 })
        );
        let one = Configuration::bootstrap(1);
        assert_eq!(
            one.apply(&[ConfChange::Remove(0)]),
            Err(MembershipError::NoVoters)
        );
        assert_eq!(
            one.apply(&[ConfChange::AddLearner(0)]),
            Err(MembershipError::NoVoters),
            "demoting the last voter leaves none"
        );
        let learner = three.apply(&[ConfChange::AddLearner(3)]).unwrap();
        assert_eq!(
            learner.apply(&[ConfChange::AddLearner(3)]),
            Err(MembershipError::AlreadyMember { server: 3 })
        );
    }

    #[test]
    fn several_changes_enter_and_leave_a_joint_configuration() {
        let three = Configuration::bootstrap(3);
        let joint = three
            .apply(&[
                ConfChange::AddVoter(3),
                ConfChange::Remove(0),
                ConfChange::AddLearner(1),
                ConfChange::AddLearner(4),
            ])
            .unwrap();
        assert!(joint.is_joint());
        assert_eq!(ids(joint.outgoing), [0, 1, 2], "C_old");
        assert_eq!(ids(joint.voters), [2, 3], "C_new");
        assert_eq!(ids(joint.learners), [4]);
        assert_eq!(ids(joint.learners_next), [1], "demoted, votes in C_old");
        assert_eq!(joint.membership(0), Membership::Voter, "still in C_old");
        assert_eq!(joint.membership(1), Membership::Voter);
        assert_eq!(ids(joint.members()), [0, 1, 2, 3, 4]);
        assert!(joint.removed.is_empty());
        let new = joint.leave_joint();
        assert!(!new.is_joint());
        assert_eq!(ids(new.voters), [2, 3]);
        assert_eq!(ids(new.learners), [1, 4]);
        assert_eq!(ids(new.removed), [0]);
        assert_eq!(new.membership(0), Membership::Removed);
        assert_eq!(new.membership(9), Membership::Stranger);
    }

    /// Only C_old's voters keep a part until the joint configuration is
    /// left (§4.3); a learner removed in a joint change is gone at once, and
    /// its id is never used again.
    #[test]
    fn a_joint_change_removes_a_learner_at_once() {
        let with_learner = Configuration::bootstrap(3)
            .apply(&[ConfChange::AddLearner(3)])
            .unwrap();
        let joint = with_learner
            .apply(&[ConfChange::Remove(3), ConfChange::AddVoter(4)])
            .unwrap();
        assert!(joint.is_joint());
        assert_eq!(joint.membership(3), Membership::Removed);
        assert_eq!(
            joint.leave_joint().apply(&[ConfChange::AddLearner(3)]),
            Err(MembershipError::IdReused { server: 3 })
        );
    }

    /// The page and traces show these words (`data-member`).
    #[test]
    fn each_membership_has_its_own_name() {
        let names = [
            Membership::Voter,
            Membership::Learner,
            Membership::Removed,
            Membership::Stranger,
        ]
        .map(Membership::name);
        assert_eq!(names, ["voter", "learner", "removed", "stranger"]);
    }

    #[test]
    fn a_joint_change_of_learners_alone_keeps_the_voters() {
        let three = Configuration::bootstrap(3);
        let joint = three
            .apply(&[ConfChange::AddLearner(3), ConfChange::AddLearner(4)])
            .unwrap();
        assert_eq!(joint.voters, joint.outgoing);
        assert_eq!(ids(joint.leave_joint().learners), [3, 4]);
    }

    #[test]
    fn no_change_starts_from_a_joint_configuration() {
        let joint = Configuration::bootstrap(3)
            .apply(&[ConfChange::AddVoter(3), ConfChange::AddVoter(4)])
            .unwrap();
        assert_eq!(
            joint.apply(&[ConfChange::Remove(0)]),
            Err(MembershipError::StillJoint)
        );
    }

    #[test]
    fn a_joint_change_must_keep_a_voter_in_c_new() {
        let two = Configuration::bootstrap(2);
        assert_eq!(
            two.apply(&[ConfChange::Remove(0), ConfChange::Remove(1)]),
            Err(MembershipError::NoVoters)
        );
    }
}
