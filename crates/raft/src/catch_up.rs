//! Catching up a new server before it votes (dissertation §4.2.1). A server
//! added straight as a voter with an empty log can leave the cluster unable
//! to commit until it has the whole log. So the leader adds it as a learner
//! and replicates in rounds: each round ends when the learner holds every
//! entry the leader had when the round began. A round that ends within an
//! election timeout shows the learner is close enough: the leader promotes
//! it. After [`CATCH_UP_ROUNDS`] rounds without one, it gives up; the
//! server stays a learner. Each outcome is reported in
//! [`crate::Ready::catch_ups`].
use crate::configuration::{ConfChange, Membership, MembershipError};
use crate::raft::Raft;
use crate::ready::{CatchUpOutcome, CatchUpReport};
use crate::replication::Proposed;
use crate::{Index, NodeId};

/// How many rounds a learner gets to catch up (the dissertation's example).
pub const CATCH_UP_ROUNDS: u32 = 10;

/// A learner being caught up, on the leader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CatchUp {
    pub server: NodeId,
    /// Counting from 1.
    pub round: u32,
    /// The round ends when the learner's matchIndex reaches this.
    pub round_end: Index,
    /// When the round began, on the leader's clock (ticks).
    pub round_start: u64,
    /// A round ended in time: the promotion waits only for the leader to
    /// be free to propose it.
    pub caught_up: bool,
}

impl Raft {
    /// §4.2.1: adds the new server `server` as a learner (with the checks
    /// of [`Raft::propose_membership`]) and promotes it to voter once it
    /// has caught up. Adding a voter at once is
    /// `propose_membership(&[ConfChange::AddVoter(server)])`.
    pub fn add_server(&mut self, server: NodeId) -> Result<Proposed, MembershipError> {
        let index = self.append_membership_change(&[ConfChange::AddLearner(server)])?;
        // One server catches up at a time; a newer request wins.
        self.abandon_catch_up();
        self.catch_up = Some(CatchUp {
            server,
            round: 1,
            round_end: index,
            round_start: self.ticks,
            caught_up: false,
        });
        Ok(Proposed {
            index,
            term: self.term,
            ready: self.take_ready(),
        })
    }

    /// The learner being caught up, and the round it is in.
    pub fn catching_up(&self) -> Option<(NodeId, u32)> {
        self.catch_up
            .map(|catch_up| (catch_up.server, catch_up.round))
    }

    /// `peer`'s matchIndex rose: has it finished the round?
    pub(crate) fn note_catch_up_progress(&mut self, peer: NodeId) {
        let Some(catch_up) = self.catch_up else {
            return;
        };
        if catch_up.server != peer
            || catch_up.caught_up
            || self.progress[peer].match_index < catch_up.round_end
        {
            return;
        }
        let took = self.ticks.saturating_sub(catch_up.round_start);
        if took < u64::from(self.config.election_timeout_min) {
            self.catch_up = Some(CatchUp {
                caught_up: true,
                ..catch_up
            });
            self.try_promote();
        } else {
            self.next_catch_up_round(catch_up);
        }
    }

    /// Each leader tick: a round that has lasted an election timeout can
    /// no longer end in time, so the next one starts; a learner that left
    /// the configuration is no longer caught up.
    pub(crate) fn tick_catch_up(&mut self) {
        let Some(catch_up) = self.catch_up else {
            return;
        };
        if self.configuration.membership(catch_up.server) != Membership::Learner {
            self.end_catch_up(CatchUpOutcome::Abandoned);
        } else if catch_up.caught_up {
            self.try_promote();
        } else if self.ticks.saturating_sub(catch_up.round_start)
            >= u64::from(self.config.election_timeout_min)
        {
            self.next_catch_up_round(catch_up);
        }
    }

    fn next_catch_up_round(&mut self, catch_up: CatchUp) {
        if catch_up.round >= CATCH_UP_ROUNDS {
            self.end_catch_up(CatchUpOutcome::GaveUp);
            return;
        }
        self.catch_up = Some(CatchUp {
            round: catch_up.round + 1,
            round_end: self.log.last_index(),
            round_start: self.ticks,
            ..catch_up
        });
    }

    /// Proposes the promotion of a learner that has caught up, once the
    /// leader may propose a change; until then it tries again at each
    /// commit and tick.
    pub(crate) fn try_promote(&mut self) {
        let Some(catch_up) = self.catch_up.take() else {
            return;
        };
        if !catch_up.caught_up {
            self.catch_up = Some(catch_up);
            return;
        }
        match self.append_membership_change(&[ConfChange::AddVoter(catch_up.server)]) {
            Ok(_) => self.report_catch_up(catch_up, CatchUpOutcome::Promoted),
            Err(
                MembershipError::ChangePending { .. }
                | MembershipError::NotCommittedInTerm
                | MembershipError::TransferringLeadership { .. },
            ) => self.catch_up = Some(catch_up),
            Err(_) => self.report_catch_up(catch_up, CatchUpOutcome::Abandoned),
        }
    }

    /// A leader stepping down forgets the catch-up.
    pub(crate) fn abandon_catch_up(&mut self) {
        self.end_catch_up(CatchUpOutcome::Abandoned);
    }

    fn end_catch_up(&mut self, outcome: CatchUpOutcome) {
        if let Some(catch_up) = self.catch_up.take() {
            self.report_catch_up(catch_up, outcome);
        }
    }

    fn report_catch_up(&mut self, catch_up: CatchUp, outcome: CatchUpOutcome) {
        self.ready.catch_ups.push(CatchUpReport {
            server: catch_up.server,
            rounds: catch_up.round,
            outcome,
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::*;
    use crate::*;

    fn reports(readies: &[(NodeId, Ready)]) -> Vec<CatchUpReport> {
        readies
            .iter()
            .flat_map(|(_, ready)| ready.catch_ups.iter().copied())
            .collect()
    }

    /// Leader 0 of the three starting servers, able to change membership,
    /// with a new server booted, not yet a member.
    fn leader_and_newcomer(entries: u8) -> (Vec<Raft>, NodeId) {
        let mut nodes = cluster(|_| {});
        replicate(&mut nodes, entries, |_| true);
        let new = join(&mut nodes);
        (nodes, new)
    }

    #[test]
    fn a_learner_that_catches_up_within_an_election_timeout_is_promoted() {
        let (mut nodes, new) = leader_and_newcomer(5);
        let proposed = nodes[0].add_server(new).unwrap();
        assert_eq!(
            nodes[0].configuration().membership(new),
            Membership::Learner
        );
        assert_eq!(nodes[0].catching_up(), Some((new, 1)));
        let mut readies = exchange(&mut nodes, proposed.ready, 0, |_, _| true);
        for _ in 0..3 {
            let ready = nodes[0].tick_until_heartbeat();
            readies.extend(exchange(&mut nodes, ready, 0, |_, _| true));
        }
        assert_eq!(
            reports(&readies),
            [CatchUpReport {
                server: new,
                rounds: 1,
                outcome: CatchUpOutcome::Promoted
            }]
        );
        assert_eq!(voters(&nodes[0]), [0, 1, 2, new]);
        assert_eq!(nodes[new].membership(), Membership::Voter);
        assert_eq!(nodes[0].catching_up(), None);
    }

    #[test]
    fn an_unreachable_learner_is_given_up_after_the_last_round() {
        let (mut nodes, new) = leader_and_newcomer(1);
        let proposed = nodes[0].add_server(new).unwrap();
        let mut readies = exchange(&mut nodes, proposed.ready, 0, |_, e| e.to != new);
        let timeout = u64::from(nodes[0].config().election_timeout_min);
        for _ in 0..(timeout * u64::from(CATCH_UP_ROUNDS)) {
            let ready = nodes[0].tick();
            readies.extend(exchange(&mut nodes, ready, 0, |_, e| e.to != new));
        }
        assert_eq!(
            reports(&readies),
            [CatchUpReport {
                server: new,
                rounds: CATCH_UP_ROUNDS,
                outcome: CatchUpOutcome::GaveUp
            }]
        );
        assert_eq!(
            nodes[0].configuration().membership(new),
            Membership::Learner
        );
        assert_eq!(voters(&nodes[0]), [0, 1, 2], "the cluster is unchanged");
    }

    #[test]
    fn a_round_that_ends_too_late_starts_another() {
        let (mut nodes, new) = leader_and_newcomer(1);
        let proposed = nodes[0].add_server(new).unwrap();
        exchange(&mut nodes, proposed.ready, 0, |_, e| e.to != new);
        // The learner is silent for longer than an election timeout.
        let timeout = nodes[0].config().election_timeout_min;
        for _ in 0..timeout + 5 {
            let ready = nodes[0].tick();
            exchange(&mut nodes, ready, 0, |_, e| e.to != new);
        }
        assert_eq!(nodes[0].catching_up(), Some((new, 2)));
        let mut readies = Vec::new();
        for _ in 0..3 {
            let ready = nodes[0].tick_until_heartbeat();
            readies.extend(exchange(&mut nodes, ready, 0, |_, _| true));
        }
        assert_eq!(
            reports(&readies),
            [CatchUpReport {
                server: new,
                rounds: 2,
                outcome: CatchUpOutcome::Promoted
            }]
        );
    }

    /// §4.2.1: a round ends when the learner holds every entry the leader
    /// had when *that* round began. A learner that only reaches the end of
    /// an earlier round, while the leader's log has grown since, is not
    /// caught up and is not promoted.
    #[test]
    fn a_later_round_ends_at_the_leaders_log_when_it_began() {
        let mut nodes = cluster(|config| config.max_entries_per_append = 1);
        replicate(&mut nodes, 1, |_| true);
        let new = join(&mut nodes);
        let proposed = nodes[0].add_server(new).unwrap();
        let first_round_end = proposed.index;
        exchange(&mut nodes, proposed.ready, 0, |_, e| e.to != new);
        replicate(&mut nodes, 5, |id| id != new);
        let timeout = nodes[0].config().election_timeout_min;
        for _ in 0..timeout + 5 {
            let ready = nodes[0].tick();
            exchange(&mut nodes, ready, 0, |_, e| e.to != new);
        }
        assert_eq!(nodes[0].catching_up(), Some((new, 2)));
        // The learner gets a few one-entry messages: past the first
        // round's end, short of the second's.
        let mut delivered = 0;
        let ready = nodes[0].tick_until_heartbeat();
        let readies = exchange(&mut nodes, ready, 0, |_, e| {
            delivered += usize::from(e.to == new);
            e.to != new || delivered <= 4
        });
        let learner_last = nodes[new].log().last_index();
        assert!(first_round_end <= learner_last && learner_last < nodes[0].log().last_index());
        assert_eq!(reports(&readies), []);
        assert_eq!(nodes[0].catching_up(), Some((new, 2)));
        assert_eq!(voters(&nodes[0]), [0, 1, 2]);
    }

    #[test]
    fn a_leader_that_steps_down_abandons_the_catch_up() {
        let (mut nodes, new) = leader_and_newcomer(1);
        nodes[0].add_server(new).unwrap();
        let ready = nodes[0].step(1, vote_reply(5, false));
        assert_eq!(nodes[0].role(), Role::Follower);
        assert_eq!(
            ready.catch_ups,
            [CatchUpReport {
                server: new,
                rounds: 1,
                outcome: CatchUpOutcome::Abandoned
            }]
        );
        assert_eq!(nodes[0].catching_up(), None);
    }

    #[test]
    fn a_learner_removed_while_catching_up_is_abandoned() {
        let (mut nodes, new) = leader_and_newcomer(1);
        let proposed = nodes[0].add_server(new).unwrap();
        exchange(&mut nodes, proposed.ready, 0, |_, e| e.to != new);
        change(&mut nodes, 0, &[ConfChange::Remove(new)]);
        let ready = nodes[0].tick();
        assert_eq!(
            ready.catch_ups,
            [CatchUpReport {
                server: new,
                rounds: 1,
                outcome: CatchUpOutcome::Abandoned
            }]
        );
    }

    #[test]
    fn adding_a_server_is_refused_like_any_change() {
        let (mut nodes, new) = leader_and_newcomer(1);
        assert_eq!(
            nodes[1].add_server(new),
            Err(MembershipError::NotLeader {
                leader_hint: Some(0)
            })
        );
        nodes[0].add_server(new).unwrap();
        assert_eq!(
            nodes[0].add_server(new + 1),
            Err(MembershipError::ChangePending { index: 2 })
        );
        assert_eq!(nodes[0].catching_up(), Some((new, 1)), "unchanged");
    }
}
