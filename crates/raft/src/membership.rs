//! Membership change on a running server (dissertation chapter 4): which
//! configuration a server uses, when a leader may propose a change, and
//! what a leader does once a change commits — leave a joint configuration
//! (§4.3) or step down when it is no longer a voter (§4.2.2). What a change
//! does to a configuration is in `configuration.rs`; majorities are in
//! `quorum.rs`; catching a new server up before it votes in `catch_up.rs`.
use crate::configuration::{ConfChange, Configuration, MembershipError};
use crate::message::EntryData;
use crate::raft::{Progress, ProposeError, Raft, Role};
use crate::replication::Proposed;
use crate::Index;

impl Raft {
    /// Proposes a change of membership. One change is a single-server step
    /// (§4.1: the voters change by at most one, so old and new majorities
    /// overlap); several at once go through the joint configuration
    /// C_old,new (§4.3), which the leader leaves by itself, with a second
    /// entry, once the first has committed. The new configuration is in
    /// force on each server as soon as it reaches its log.
    ///
    /// Refused (see [`MembershipError`]) unless this server leads and is not
    /// handing over, has committed an entry of its own term (the 2015 fix;
    /// a no-op of its term is appended when there is none), and the
    /// previous change has committed (and any joint configuration is left);
    /// and unless the change itself makes sense: known ids, ids never used
    /// before for a new server, at least one voter left.
    pub fn propose_membership(
        &mut self,
        changes: &[ConfChange],
    ) -> Result<Proposed, MembershipError> {
        let index = self.append_membership_change(changes)?;
        Ok(Proposed {
            index,
            term: self.term,
            ready: self.take_ready(),
        })
    }

    /// Appends the configuration `changes` lead to, after the checks of
    /// [`Raft::propose_membership`]; returns its index.
    pub(crate) fn append_membership_change(
        &mut self,
        changes: &[ConfChange],
    ) -> Result<Index, MembershipError> {
        self.check_accepting().map_err(|refusal| match refusal {
            ProposeError::NotLeader { leader_hint } => MembershipError::NotLeader { leader_hint },
            ProposeError::TransferringLeadership { target } => {
                MembershipError::TransferringLeadership { target }
            }
        })?;
        // The 2015 fix (raft-dev, July 2015): until this leader has
        // committed an entry of its own term, an uncommitted configuration
        // of an earlier leader may still be in force elsewhere, and a
        // second single-server step from it need not overlap ours.
        if !self.config.bugs.change_membership_before_term_commit && !self.committed_in_term() {
            if self.log.last_term() != self.term {
                self.append_as_leader(EntryData::Noop);
                self.replicate_appended();
            }
            return Err(MembershipError::NotCommittedInTerm);
        }
        // §4.1: one change at a time.
        if self.configuration_index > self.commit_index {
            return Err(MembershipError::ChangePending {
                index: self.configuration_index,
            });
        }
        let next = self.configuration.apply(changes)?;
        Ok(self.append_configuration(next))
    }

    fn append_configuration(&mut self, configuration: Configuration) -> Index {
        let index = self.append_as_leader(EntryData::Configuration(configuration));
        self.replicate_appended();
        index
    }

    /// Has this leader committed an entry of its own term?
    pub(crate) fn committed_in_term(&self) -> bool {
        self.log.term_at(self.commit_index) == Some(self.term)
    }

    /// What a leader does once its configuration has committed: §4.2.2, a
    /// leader that is no longer a voter has led without counting itself
    /// until now, and steps down (after telling the followers the new
    /// commit index); §4.3, a joint configuration is left with C_new; and
    /// a learner that has caught up is promoted.
    pub(crate) fn after_leader_commit(&mut self) {
        if self.role != Role::Leader || self.configuration_index > self.commit_index {
            return;
        }
        if !self.is_voter() {
            self.broadcast_append();
            let term = self.term;
            self.become_follower(term, None);
            return;
        }
        if self.configuration.is_joint() {
            if self.committed_in_term() {
                let next = self.configuration.leave_joint();
                self.append_configuration(next);
            }
            return;
        }
        self.try_promote();
    }

    /// Starts using `configuration`, found at `index`. A leader starts
    /// replicating to new members from the end of its log, and serves the
    /// reads whose round the new majority has already answered (removing
    /// one of four voters makes two answers a majority).
    pub(crate) fn use_configuration(&mut self, configuration: Configuration, index: Index) {
        let before = self.configuration.members();
        self.configuration = configuration;
        self.configuration_index = index;
        self.size_tables();
        if self.role == Role::Leader {
            let next_index = self.log.last_index() + 1;
            for joined in configuration.members().minus(before).iter() {
                self.progress[joined] = Progress {
                    next_index,
                    ..Progress::default()
                };
            }
            self.release_reads();
        }
    }

    /// The per-server tables hold a slot for every member and for this
    /// server, so that indexing them by a member's id is always in range.
    /// They never shrink: a configuration that is truncated away may come
    /// back.
    fn size_tables(&mut self) {
        let members = self.configuration.members().bits();
        let highest = (u16::BITS - members.leading_zeros()) as usize;
        let needed = highest.max(self.config.id + 1);
        if self.progress.len() < needed {
            self.progress.resize(needed, Progress::default());
            self.votes.resize(needed, None);
        }
    }

    /// The configuration as of `index`: the latest configuration entry at
    /// or before it, else the snapshot's, else the starting cluster's; and
    /// the index it is found at.
    pub(crate) fn configuration_as_of(&self, index: Index) -> (Configuration, Index) {
        if self.configuration_index <= index && self.configuration_index >= self.log.first_index() {
            return (self.configuration, self.configuration_index);
        }
        let held = self
            .log
            .entries()
            .iter()
            .rev()
            .skip_while(|entry| entry.index > index)
            .find_map(|entry| match entry.data {
                EntryData::Configuration(configuration) => Some((configuration, entry.index)),
                _ => None,
            });
        held.or_else(|| {
            self.snapshot
                .as_ref()
                .map(|snapshot| (snapshot.configuration, snapshot.index))
        })
        .unwrap_or((Configuration::bootstrap(self.config.cluster_size), 0))
    }

    /// Voters of their own configuration campaign, and so does a voter of
    /// the configuration before an uncommitted C_new that leaves it out:
    /// §4.2.2, "a server that is not part of its own latest configuration
    /// should still start new elections, as it might still be needed until
    /// the C_new entry is committed" (a leader that removed itself and lost
    /// its leadership may hold the only copy of C_new a majority of C_old
    /// would elect). It does not count its own vote: elections count the
    /// voters of its configuration only.
    pub(crate) fn may_campaign(&self) -> bool {
        if self.is_voter() {
            return true;
        }
        self.configuration_index > self.commit_index
            && self
                .configuration_as_of(self.configuration_index - 1)
                .0
                .all_voters()
                .contains(self.config.id)
    }

    /// Finds the configuration in use anew from the log and snapshot
    /// (after a restart, a truncation or a snapshot).
    pub(crate) fn find_configuration(&mut self) {
        let (configuration, index) = self.configuration_as_of(self.log.last_index());
        self.use_configuration(configuration, index);
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::*;
    use crate::*;

    /// Node 0 leads the three starting servers and has committed an entry
    /// of its term: it may change the configuration.
    fn ready_to_change() -> Vec<Raft> {
        let mut nodes = cluster(|_| {});
        replicate(&mut nodes, 1, |_| true);
        nodes
    }

    /// The starting three and learner 3.
    fn learner_added() -> Configuration {
        Configuration::bootstrap(3)
            .apply(&[ConfChange::AddLearner(3)])
            .unwrap()
    }

    /// Figure 2, Leaders: nextIndex of a server is initialised to the
    /// leader's last log index + 1, for a server that joins the
    /// configuration as for the starting ones: the leader's first message
    /// to it carries only the new entry, after the leader's log.
    #[test]
    fn a_new_member_starts_at_the_end_of_the_leaders_log() {
        let mut nodes = ready_to_change();
        replicate(&mut nodes, 2, |_| true);
        let new = join(&mut nodes);
        let last = nodes[0].log().last_index();
        let proposed = nodes[0].add_server(new).unwrap();
        assert_eq!(proposed.index, last + 1);
        assert_eq!(nodes[0].progress(new).map(|p| p.next_index), Some(last + 1));
        let first = proposed
            .ready
            .messages
            .iter()
            .find(|envelope| envelope.to == new)
            .map(|envelope| &envelope.message);
        assert!(matches!(
            first,
            Some(Message::AppendEntries { prev_log_index, entries, .. })
                if *prev_log_index == last && entries.len() == 1
        ));
    }

    #[test]
    fn a_configuration_takes_effect_when_appended_not_when_committed() {
        let mut follower = follower_with_log(1, 3, &[1]);
        let added = learner_added();
        let ready = follower.step(
            0,
            append(1, 1, 1, [configuration_entry(2, 1, added)].into(), 0),
        );
        assert!(ready.committed.is_empty(), "nothing is committed yet");
        assert_eq!(
            (*follower.configuration(), follower.configuration_index()),
            (added, 2)
        );
    }

    #[test]
    fn a_truncated_configuration_falls_back_to_the_one_before() {
        let mut follower = follower_with_log(1, 3, &[1]);
        let added = learner_added();
        follower.step(
            0,
            append(1, 1, 1, [configuration_entry(2, 1, added)].into(), 0),
        );
        // A leader of term 2 never had that entry: it overwrites index 2.
        follower.step(2, append(2, 1, 1, entries(2, &[2]), 0));
        assert_eq!(
            (*follower.configuration(), follower.configuration_index()),
            (Configuration::bootstrap(3), 0),
            "§4.1: back to the starting cluster"
        );
    }

    #[test]
    fn quorums_come_from_the_configuration_not_the_cluster_size() {
        let mut nodes = ready_to_change();
        join(&mut nodes);
        // Straight to voter: four voters, so a commit needs three.
        change(&mut nodes, 0, &[ConfChange::AddVoter(3)]);
        assert_eq!(voters(&nodes[0]), [0, 1, 2, 3]);
        let proposed = nodes[0].propose(payload(7)).unwrap();
        let index = proposed.index;
        exchange(&mut nodes, proposed.ready, 0, |from, e| {
            from != 2 && e.to != 2 && from != 3 && e.to != 3
        });
        assert!(
            nodes[0].commit_index() < index,
            "two of four is no majority"
        );
        heartbeats(&mut nodes, 0, 1, |id| id != 2);
        assert!(nodes[0].commit_index() >= index, "three of four is");
    }

    #[test]
    fn a_new_server_learns_the_whole_log_and_its_configuration() {
        let mut nodes = ready_to_change();
        replicate(&mut nodes, 3, |_| true);
        let new = join(&mut nodes);
        assert_eq!(nodes[new].membership(), Membership::Stranger);
        change(&mut nodes, 0, &[ConfChange::AddLearner(new)]);
        heartbeats(&mut nodes, 0, 2, |_| true);
        assert_eq!(nodes[new].log().entries(), nodes[0].log().entries());
        assert_eq!(nodes[new].membership(), Membership::Learner);
        assert_eq!(nodes[new].commit_index(), nodes[0].commit_index());
        assert_eq!(
            nodes[0].progress(new).unwrap().match_index,
            nodes[0].log().last_index()
        );
    }

    #[test]
    fn learners_receive_the_log_but_never_count_toward_commitment() {
        let mut nodes = ready_to_change();
        join(&mut nodes);
        join(&mut nodes);
        change(&mut nodes, 0, &[ConfChange::AddLearner(3)]);
        change(&mut nodes, 0, &[ConfChange::AddLearner(4)]);
        let proposed = nodes[0].propose(payload(9)).unwrap();
        let index = proposed.index;
        // Only the two learners hear of it.
        exchange(&mut nodes, proposed.ready, 0, |from, e| {
            ![1, 2].contains(&from) && ![1, 2].contains(&e.to)
        });
        assert_eq!(nodes[3].log().last_index(), index);
        assert_eq!(nodes[4].log().last_index(), index);
        assert!(
            nodes[0].commit_index() < index,
            "two learners and the leader are not a majority of three voters"
        );
    }

    #[test]
    fn learners_never_campaign() {
        let mut nodes = ready_to_change();
        let learner = join(&mut nodes);
        change(&mut nodes, 0, &[ConfChange::AddLearner(learner)]);
        for _ in 0..200 {
            let ready = nodes[learner].tick();
            assert!(ready.messages.is_empty(), "a learner asks for no votes");
        }
        assert!(nodes[learner].force_election_timeout().is_empty());
        nodes[learner].step(0, Message::TimeoutNow { term: 1 });
        assert_eq!(nodes[learner].role(), Role::Follower);
        assert_eq!(nodes[learner].term(), 1);
        assert_eq!(
            nodes[0].transfer_leadership(learner),
            Err(TransferError::NotAVoter { target: learner })
        );
    }

    #[test]
    fn candidates_ask_and_count_only_voters() {
        let mut nodes = ready_to_change();
        let learner = join(&mut nodes);
        change(&mut nodes, 0, &[ConfChange::AddLearner(learner)]);
        let ready = nodes[1].force_election_timeout();
        let asked: Vec<NodeId> = ready.messages.iter().map(|e| e.to).collect();
        assert_eq!(asked, [0, 2], "the learner is not asked");
        nodes[1].step(learner, vote_reply(2, true));
        assert_eq!(nodes[1].role(), Role::Candidate, "its grant does not count");
        nodes[1].step(2, vote_reply(2, true));
        assert_eq!(nodes[1].role(), Role::Leader);
    }

    /// etcd's TestLearnerCanVote: a server that believes it is a learner
    /// may be a voter in the candidate's newer configuration.
    #[test]
    fn a_learner_answers_a_vote_request_like_any_server() {
        let mut nodes = ready_to_change();
        let learner = join(&mut nodes);
        change(&mut nodes, 0, &[ConfChange::AddLearner(learner)]);
        let last = nodes[learner].log().last_index();
        let ready = nodes[learner].step(1, request_vote(2, last, 1));
        assert_eq!(granted(&ready), Some(true));
    }

    #[test]
    fn a_second_change_waits_for_the_first_to_commit() {
        let mut nodes = ready_to_change();
        join(&mut nodes);
        join(&mut nodes);
        let first = nodes[0]
            .propose_membership(&[ConfChange::AddLearner(3)])
            .unwrap();
        assert_eq!(
            nodes[0].propose_membership(&[ConfChange::AddLearner(4)]),
            Err(MembershipError::ChangePending { index: first.index })
        );
        exchange(&mut nodes, first.ready, 0, |_, _| true);
        assert!(nodes[0].commit_index() >= first.index);
        assert!(nodes[0]
            .propose_membership(&[ConfChange::AddLearner(4)])
            .is_ok());
    }

    /// The 2015 fix: a new leader (no no-op setting) first commits an
    /// entry of its own term, a no-op it appends when asked.
    #[test]
    fn a_leader_changes_nothing_before_it_has_committed_in_its_term() {
        let mut nodes = cluster(|_| {});
        join(&mut nodes);
        assert_eq!(
            nodes[0].propose_membership(&[ConfChange::AddLearner(3)]),
            Err(MembershipError::NotCommittedInTerm)
        );
        // The refusal appended a no-op of term 1; it comes with the next
        // Ready, and commits.
        assert_eq!(nodes[0].log().last_term(), 1);
        assert_eq!(nodes[0].log().get(1).unwrap().data, EntryData::Noop);
        assert_eq!(
            nodes[0].propose_membership(&[ConfChange::AddLearner(3)]),
            Err(MembershipError::NotCommittedInTerm),
            "asking again adds no second no-op"
        );
        assert_eq!(nodes[0].log().last_index(), 1);
        heartbeats(&mut nodes, 0, 1, |_| true);
        assert_eq!(nodes[0].commit_index(), 1);
        assert!(nodes[0]
            .propose_membership(&[ConfChange::AddLearner(3)])
            .is_ok());
    }

    #[test]
    fn the_2015_bug_switch_removes_exactly_that_guard() {
        let mut nodes = cluster(|config| config.bugs.change_membership_before_term_commit = true);
        join(&mut nodes);
        let proposed = nodes[0]
            .propose_membership(&[ConfChange::AddLearner(3)])
            .unwrap();
        assert_eq!(proposed.index, 1, "no no-op first");
        assert_eq!(
            nodes[0].propose_membership(&[ConfChange::AddLearner(4)]),
            Err(MembershipError::ChangePending { index: 1 }),
            "one change at a time still"
        );
    }

    #[test]
    fn refusals_are_typed() {
        let mut nodes = ready_to_change();
        assert_eq!(
            nodes[1].propose_membership(&[ConfChange::AddLearner(3)]),
            Err(MembershipError::NotLeader {
                leader_hint: Some(0)
            })
        );
        assert_eq!(
            nodes[0].propose_membership(&[ConfChange::Remove(5)]),
            Err(MembershipError::UnknownServer { server: 5 })
        );
        assert_eq!(
            nodes[0].propose_membership(&[ConfChange::AddVoter(usize::MAX)]),
            Err(MembershipError::IdOutOfRange { server: usize::MAX })
        );
        change(&mut nodes, 0, &[ConfChange::Remove(2)]);
        assert_eq!(
            nodes[0].propose_membership(&[ConfChange::AddLearner(2)]),
            Err(MembershipError::IdReused { server: 2 })
        );
        nodes[0].transfer_leadership(1).unwrap();
        assert_eq!(
            nodes[0].propose_membership(&[ConfChange::AddLearner(3)]),
            Err(MembershipError::TransferringLeadership { target: 1 })
        );
        let mut single = Raft::new(Config::new(0, 1), 1).unwrap();
        single.force_election_timeout();
        single.propose(payload(1)).unwrap();
        assert_eq!(
            single.propose_membership(&[ConfChange::Remove(0)]),
            Err(MembershipError::NoVoters)
        );
        assert_eq!(single.configuration_index(), 0, "a refusal changes nothing");
    }

    #[test]
    fn a_leader_ignores_replies_from_servers_outside_its_configuration() {
        let mut nodes = ready_to_change();
        let reply = Message::AppendEntriesReply {
            term: 1,
            success: true,
            prev_log_index: 0,
            match_index: 1,
            conflict: None,
            round: 9,
        };
        assert!(nodes[0].step(7, reply).is_empty());
        assert_eq!(nodes[0].progress(7), None);
        let snapshot_reply = Message::InstallSnapshotReply {
            term: 1,
            last_included_index: 1,
            next_offset: 0,
            installed: true,
        };
        assert!(nodes[0].step(7, snapshot_reply).is_empty());
    }

    /// §4.2.3: the leader stops sending to a removed server as soon as it
    /// appends C_new, so only a removed server that got C_new and its
    /// commitment some other way (here by hand) knows, and it goes quiet;
    /// one that does not know keeps campaigning, which `leader_stickiness`
    /// is for.
    #[test]
    fn a_server_that_knows_it_was_removed_stops_campaigning() {
        let mut nodes = ready_to_change();
        let proposed = nodes[0]
            .propose_membership(&[ConfChange::Remove(2)])
            .unwrap();
        let to_2: Vec<_> = proposed.ready.messages.iter().map(|e| e.to).collect();
        assert_eq!(to_2, [1], "nothing more goes to the removed server");
        let c_new = nodes[0].log().get(proposed.index).unwrap().clone();
        let index = proposed.index;
        nodes[2].step(0, append(1, index - 1, 1, [c_new].into(), index));
        assert_eq!(nodes[2].membership(), Membership::Removed);
        assert_eq!(nodes[2].commit_index(), index);
        for _ in 0..200 {
            assert!(nodes[2].tick().messages.is_empty());
        }
        assert_eq!(nodes[2].term(), 1);
    }

    /// §4.2.2: C_new without the leader commits on the other two alone,
    /// then the leader steps down and stays quiet.
    #[test]
    fn a_leader_that_removes_itself_leads_until_c_new_commits_then_steps_down() {
        let mut nodes = ready_to_change();
        let proposed = nodes[0]
            .propose_membership(&[ConfChange::Remove(0)])
            .unwrap();
        assert_eq!(nodes[0].role(), Role::Leader, "still leading");
        assert_eq!(voters(&nodes[0]), [1, 2]);
        // Only node 1 answers: the leader does not count itself, so C_new
        // ({1, 2}) has no majority yet.
        exchange(&mut nodes, proposed.ready, 0, |from, e| {
            from != 2 && e.to != 2
        });
        assert_eq!(nodes[0].role(), Role::Leader);
        assert!(nodes[0].commit_index() < proposed.index);
        let proposed_while_removed = nodes[0].propose(payload(5)).unwrap();
        exchange(&mut nodes, proposed_while_removed.ready, 0, |_, _| true);
        heartbeats(&mut nodes, 0, 1, |_| true);
        assert!(nodes[0].commit_index() >= proposed_while_removed.index);
        assert_eq!(
            nodes[0].role(),
            Role::Follower,
            "stepped down at the commit"
        );
        assert_eq!(
            nodes[1].commit_index(),
            nodes[0].commit_index(),
            "told first"
        );
        for _ in 0..200 {
            assert!(nodes[0].tick().messages.is_empty(), "never campaigns again");
        }
    }

    /// §4.2.2: the leader removes itself, gets C_new to no one and loses
    /// its leadership. The others cannot win (the old leader's log is
    /// ahead of theirs); the old leader, left out of its own latest
    /// configuration but needed until C_new commits, campaigns without
    /// counting itself, wins both votes of C_new, commits it with an entry
    /// of its term and steps down for good.
    #[test]
    fn a_removed_server_campaigns_until_its_removal_commits() {
        let mut nodes = ready_to_change();
        let proposed = nodes[0]
            .propose_membership(&[ConfChange::Remove(0)])
            .unwrap();
        assert_eq!(voters(&nodes[0]), [1, 2]);
        // Node 1 leads term 2 for a moment: node 0 follows, C_new unsent.
        nodes[0].step(1, append(2, 0, 0, Vec::new(), 0));
        assert_eq!(nodes[0].role(), Role::Follower);
        assert_eq!(nodes[0].membership(), Membership::Removed);
        let request = nodes[0].force_election_timeout();
        let mut asked: Vec<_> = request.messages.iter().map(|e| e.to).collect();
        asked.sort();
        assert_eq!(asked, [1, 2], "it asks C_new's voters");
        assert_eq!(nodes[0].role(), Role::Candidate, "its own vote is not one");
        exchange(&mut nodes, request, 0, |_, _| true);
        assert_eq!(nodes[0].role(), Role::Leader, "elected by C_new");
        // An entry of its term commits C_new with it (Figure 2's rule).
        let entry = nodes[0].propose(payload(9)).unwrap();
        exchange(&mut nodes, entry.ready, 0, |_, _| true);
        assert!(nodes[0].commit_index() >= proposed.index, "C_new committed");
        assert_eq!(voters(&nodes[1]), [1, 2]);
        assert_eq!(nodes[0].role(), Role::Follower, "then it steps down");
        for _ in 0..200 {
            assert!(nodes[0].tick().messages.is_empty(), "and stays quiet");
        }
    }

    #[test]
    fn a_snapshot_carries_the_configuration_as_of_its_index() {
        let mut nodes = ready_to_change();
        let learner = join(&mut nodes);
        change(&mut nodes, 0, &[ConfChange::AddLearner(learner)]);
        replicate(&mut nodes, 2, |_| true);
        let ready = nodes[0].snapshot(1, payload(1));
        assert_eq!(
            ready.snapshot.unwrap().configuration,
            Configuration::bootstrap(3),
            "index 1 comes before the change"
        );
        let ready = nodes[0].snapshot(3, payload(3));
        assert_eq!(
            ready.snapshot.unwrap().configuration.learners,
            ServerSet::from_bits(1 << learner)
        );
        assert_eq!(nodes[0].membership(), Membership::Voter);
        assert_eq!(
            nodes[0].configuration().membership(learner),
            Membership::Learner
        );
    }

    #[test]
    fn install_snapshot_brings_the_configuration_to_a_new_server() {
        let mut nodes = ready_to_change();
        replicate(&mut nodes, 2, |_| true);
        nodes[0].snapshot(3, payload(3));
        let learner = join(&mut nodes);
        change(&mut nodes, 0, &[ConfChange::AddLearner(learner)]);
        heartbeats(&mut nodes, 0, 2, |_| true);
        assert_eq!(nodes[learner].log().base_index(), 3, "from the snapshot");
        assert_eq!(nodes[learner].membership(), Membership::Learner);
        assert_eq!(
            nodes[learner].log().last_index(),
            nodes[0].log().last_index()
        );
    }

    #[test]
    fn restore_finds_the_latest_configuration_in_the_log() {
        let added = learner_added();
        let log = Log::restore(
            0,
            0,
            [
                entries(1, &[1]).remove(0),
                configuration_entry(2, 1, added),
                entries(3, &[1]).remove(0),
            ]
            .into(),
        );
        let hard_state = HardState {
            term: 1,
            voted_for: None,
        };
        let node = Raft::restore(Config::new(3, 3), 1, hard_state, None, log).unwrap();
        assert_eq!(
            (*node.configuration(), node.configuration_index()),
            (added, 2)
        );
        assert_eq!(node.membership(), Membership::Learner);
    }

    /// §4.3 with C_old = {0, 1, 2} and C_new = {0, 3, 4}.
    fn joint_changes() -> [ConfChange; 4] {
        [
            ConfChange::AddVoter(3),
            ConfChange::AddVoter(4),
            ConfChange::Remove(1),
            ConfChange::Remove(2),
        ]
    }

    fn joint() -> Configuration {
        Configuration::bootstrap(3).apply(&joint_changes()).unwrap()
    }

    #[test]
    fn a_joint_configuration_commits_with_both_majorities_then_is_left() {
        let mut nodes = ready_to_change();
        join(&mut nodes);
        join(&mut nodes);
        let proposed = nodes[0].propose_membership(&joint_changes()).unwrap();
        assert!(nodes[0].configuration().is_joint());
        // C_old's majority {0, 1} holds it, C_new's only {0}.
        exchange(&mut nodes, proposed.ready, 0, |from, e| {
            from <= 1 && e.to <= 1
        });
        assert!(nodes[0].commit_index() < proposed.index);
        assert_eq!(
            nodes[0].propose_membership(&[ConfChange::Remove(4)]),
            Err(MembershipError::ChangePending {
                index: proposed.index
            })
        );
        // Now {0, 3} of C_new too: the joint entry commits, and the leader
        // leaves with C_new at once.
        heartbeats(&mut nodes, 0, 2, |id| id != 2 && id != 4);
        assert!(nodes[0].commit_index() > proposed.index);
        let leave = nodes[0].log().get(proposed.index + 1).unwrap();
        assert_eq!(
            leave.data,
            EntryData::Configuration(joint().leave_joint()),
            "the second entry is C_new"
        );
        assert_eq!(nodes[0].configuration_index(), proposed.index + 1);
        let settled = nodes[0].configuration();
        assert!(!settled.is_joint());
        assert_eq!(voters(&nodes[0]), [0, 3, 4]);
        assert_eq!(settled.removed.iter().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(nodes[3].configuration(), settled);
        assert!(
            nodes[0]
                .propose_membership(&[ConfChange::Remove(4)])
                .is_ok(),
            "free to change again once C_new commits"
        );
    }

    /// A server campaigning under C_old,new = {0, 1, 2} / {2, 3, 4}.
    fn joint_candidate() -> Raft {
        let configuration = Configuration::bootstrap(3)
            .apply(&[
                ConfChange::AddVoter(3),
                ConfChange::AddVoter(4),
                ConfChange::Remove(0),
                ConfChange::Remove(1),
            ])
            .unwrap();
        let log = Log::restore(0, 0, [configuration_entry(1, 1, configuration)].into());
        let hard_state = HardState {
            term: 1,
            voted_for: None,
        };
        let mut node = Raft::restore(Config::new(3, 3), 1, hard_state, None, log).unwrap();
        let ready = node.force_election_timeout();
        let asked: Vec<NodeId> = ready.messages.iter().map(|e| e.to).collect();
        assert_eq!(asked, [0, 1, 2, 4], "both halves are asked");
        node
    }

    #[test]
    fn an_election_in_a_joint_configuration_needs_both_majorities() {
        let mut node = joint_candidate();
        node.step(4, vote_reply(2, true));
        assert_eq!(
            node.role(),
            Role::Candidate,
            "C_new {{3, 4}} alone is not enough"
        );
        node.step(0, vote_reply(2, true));
        assert_eq!(
            node.role(),
            Role::Candidate,
            "C_old {{0}} is not a majority"
        );
        node.step(1, vote_reply(2, true));
        assert_eq!(
            node.role(),
            Role::Leader,
            "{{0, 1}} of C_old and {{3, 4}} of C_new"
        );
    }

    #[test]
    fn a_new_leader_leaves_the_joint_configuration_it_inherited() {
        let mut node = joint_candidate();
        for voter in [0, 1, 4] {
            node.step(voter, vote_reply(2, true));
        }
        assert_eq!(node.role(), Role::Leader);
        assert_eq!(
            node.log().get(2).unwrap().data,
            EntryData::Noop,
            "it first needs an entry of its term"
        );
        for voter in [0, 1, 4] {
            node.step(
                voter,
                Message::AppendEntriesReply {
                    term: 2,
                    success: true,
                    prev_log_index: 1,
                    match_index: 2,
                    conflict: None,
                    round: 0,
                },
            );
        }
        assert_eq!(node.commit_index(), 2);
        let leave = &node.log().get(3).unwrap().data;
        assert!(matches!(leave, EntryData::Configuration(c) if !c.is_joint()));
        assert_eq!(voters(&node), [2, 3, 4]);
    }

    #[test]
    fn a_joint_change_adds_and_demotes_learners() {
        let mut nodes = ready_to_change();
        join(&mut nodes);
        let demote_and_add = [ConfChange::AddLearner(2), ConfChange::AddLearner(3)];
        change(&mut nodes, 0, &demote_and_add);
        heartbeats(&mut nodes, 0, 2, |_| true);
        let settled = *nodes[0].configuration();
        assert!(!settled.is_joint());
        assert_eq!(voters(&nodes[0]), [0, 1]);
        assert_eq!(settled.learners.iter().collect::<Vec<_>>(), [2, 3]);
        assert_eq!(nodes[2].membership(), Membership::Learner);
        assert_eq!(nodes[3].membership(), Membership::Learner);
    }

    /// §4.2.3 with membership: server 2 is removed without learning it
    /// (the leader stops writing to it) and times out again and again.
    fn removed_server_campaigns(sticky: bool) -> Vec<Raft> {
        let mut nodes = ready_to_change();
        reconfigure_all(&mut nodes, |config| config.leader_stickiness = sticky);
        // Every server ticks past its start-up period, hearing the leader.
        for _ in 0..40 {
            for id in 0..nodes.len() {
                let ready = nodes[id].tick();
                exchange(&mut nodes, ready, id, |_, _| true);
            }
        }
        assert_eq!(nodes[0].role(), Role::Leader);
        change(&mut nodes, 0, &[ConfChange::Remove(2)]);
        assert_eq!(nodes[2].membership(), Membership::Voter, "it does not know");
        let ready = nodes[2].force_election_timeout();
        assert_eq!(nodes[2].role(), Role::Candidate);
        exchange(&mut nodes, ready, 2, |_, _| true);
        nodes
    }

    #[test]
    fn leader_stickiness_keeps_a_removed_server_from_deposing_the_leader() {
        let nodes = removed_server_campaigns(true);
        assert_eq!((nodes[0].role(), nodes[0].term()), (Role::Leader, 1));
        assert_eq!(nodes[1].term(), 1, "the vote request was ignored");
    }

    #[test]
    fn without_leader_stickiness_a_removed_server_deposes_the_leader() {
        let nodes = removed_server_campaigns(false);
        assert_eq!((nodes[0].role(), nodes[0].term()), (Role::Follower, 2));
        assert_eq!(nodes[2].role(), Role::Candidate, "but it cannot win");
    }

    #[test]
    fn a_transfer_to_a_promoted_voter_bypasses_leader_stickiness() {
        let mut nodes = ready_to_change();
        reconfigure_all(&mut nodes, |config| config.leader_stickiness = true);
        let new = join(&mut nodes);
        change(&mut nodes, 0, &[ConfChange::AddVoter(new)]);
        heartbeats(&mut nodes, 0, 2, |_| true);
        let ready = nodes[0].transfer_leadership(new).unwrap();
        exchange(&mut nodes, ready, 0, |_, _| true);
        assert_eq!((nodes[new].role(), nodes[new].term()), (Role::Leader, 2));
    }

    /// §4.2.2: a leader that removed itself keeps leading until C_new
    /// commits, even when earlier entries commit in the meantime.
    #[test]
    fn a_leader_that_removes_itself_leads_on_while_earlier_entries_commit() {
        let mut nodes = ready_to_change();
        let command = nodes[0].propose(payload(7)).unwrap();
        let removal = nodes[0]
            .propose_membership(&[ConfChange::Remove(0)])
            .unwrap();
        // The followers get the command's AppendEntries, never C_new.
        let carries_configuration = |e: &Envelope| match &e.message {
            Message::AppendEntries { entries, .. } => entries
                .iter()
                .any(|entry| matches!(entry.data, EntryData::Configuration(_))),
            _ => false,
        };
        drop(removal.ready);
        exchange(&mut nodes, command.ready, 0, |_, e| {
            !carries_configuration(e)
        });
        assert_eq!(nodes[0].commit_index(), command.index);
        assert!(nodes[0].commit_index() < removal.index);
        assert_eq!(nodes[0].role(), Role::Leader);
    }

    /// §4.2.2: a leader that removed itself and restarted before C_new
    /// committed is still needed, and campaigns (its id is past every
    /// member's).
    #[test]
    fn a_restarted_server_outside_its_latest_configuration_can_campaign() {
        let c_new = Configuration::bootstrap(4)
            .apply(&[ConfChange::Remove(3)])
            .unwrap();
        let log = Log::restore(0, 0, [configuration_entry(1, 1, c_new)].into());
        let hard_state = HardState {
            term: 1,
            voted_for: None,
        };
        let mut node = Raft::restore(Config::new(3, 4), 1, hard_state, None, log).unwrap();
        let ready = node.force_election_timeout();
        assert_eq!((node.role(), node.term()), (Role::Candidate, 2));
        let asked: Vec<NodeId> = ready.messages.iter().map(|e| e.to).collect();
        assert_eq!(asked, [0, 1, 2]);
    }
}
