//! Leader election (§5.2), the up-to-date check (§5.4.1) and pre-vote
//! (dissertation §9.6).
use crate::message::Message;
use crate::raft::{Raft, Role};
use crate::ready::Ready;
use crate::{NodeId, Term};

impl Raft {
    /// Figure 2, Followers and Candidates: "If election timeout elapses
    /// without receiving AppendEntries RPC from current leader or granting
    /// vote to candidate: convert to candidate".
    pub(crate) fn tick_election(&mut self) {
        self.election_elapsed += 1;
        if self.election_elapsed >= self.election_timeout {
            self.campaign();
            return;
        }
        if matches!(self.role, Role::Candidate | Role::PreCandidate) {
            self.heartbeat_elapsed += 1;
            if self.heartbeat_elapsed >= self.config.heartbeat_interval {
                self.heartbeat_elapsed = 0;
                self.ask_again();
            }
        }
    }

    /// §5.1: "Servers retry RPCs if they do not receive a response in a
    /// timely manner." A candidate asks the servers that have not answered
    /// again, once per heartbeat interval; votes are idempotent, so a
    /// repeated grant is harmless and a late or lost reply costs less.
    fn ask_again(&mut self) {
        let request = self.vote_request();
        let silent: alloc::vec::Vec<NodeId> = self
            .voting_peers()
            .filter(|&peer| self.votes[peer].is_none())
            .collect();
        for peer in silent {
            self.send(peer, request.clone());
        }
    }

    fn vote_request(&self) -> Message {
        let (last_log_index, last_log_term) = (self.log.last_index(), self.log.last_term());
        if self.role == Role::PreCandidate {
            Message::PreVote {
                term: self.term + 1,
                last_log_index,
                last_log_term,
            }
        } else {
            Message::RequestVote {
                term: self.term,
                last_log_index,
                last_log_term,
                leadership_transfer: self.campaign_by_transfer,
            }
        }
    }

    /// Lets a person (or a scenario) expire this server's election timer now.
    pub fn force_election_timeout(&mut self) -> Ready {
        if self.role != Role::Leader {
            self.campaign();
        }
        self.take_ready()
    }

    /// Only a server that may be needed campaigns ([`Raft::may_campaign`]):
    /// a learner, a server not yet added and one that knows its removal
    /// committed wait (§4.2).
    fn campaign(&mut self) {
        // A peer may have pushed our term to the very end of the range;
        // there is no next term to campaign in, so wait for a leader.
        if self.term == Term::MAX || !self.may_campaign() {
            self.reset_election_timer();
        } else if self.config.pre_vote {
            self.become_pre_candidate();
        } else {
            self.become_candidate(false);
        }
    }

    /// Asks every server whether it would vote for us in the next term,
    /// without touching our own term or vote.
    fn become_pre_candidate(&mut self) {
        self.role = Role::PreCandidate;
        self.leader_id = None;
        self.start_counting_votes();
        self.ask_for_votes();
        self.check_pre_vote_outcome();
    }

    /// Figure 2, Candidates: "On conversion to candidate, start election:
    /// increment currentTerm, vote for self, reset election timer, send
    /// RequestVote RPCs to all other servers". `by_transfer`: the leader
    /// asked for this election (TimeoutNow).
    pub(crate) fn become_candidate(&mut self, by_transfer: bool) {
        self.campaign_by_transfer = by_transfer;
        self.term += 1;
        self.voted_for = Some(self.config.id);
        self.persist_hard_state();
        self.role = Role::Candidate;
        self.leader_id = None;
        self.start_counting_votes();
        self.ask_for_votes();
        self.check_vote_outcome();
    }

    fn start_counting_votes(&mut self) {
        self.reset_election_timer();
        self.heartbeat_elapsed = 0;
        self.votes.iter_mut().for_each(|vote| *vote = None);
        self.votes[self.config.id] = Some(true);
    }

    /// Votes are asked of the voters only (both halves of a joint
    /// configuration); learners are never asked and never counted.
    fn ask_for_votes(&mut self) {
        let request = self.vote_request();
        let voters: alloc::vec::Vec<NodeId> = self.voting_peers().collect();
        for peer in voters {
            self.send(peer, request.clone());
        }
    }

    fn won_majority(&self) -> bool {
        self.majority_agrees(|id| self.votes[id] == Some(true))
    }

    /// RequestVote receiver: "1. Reply false if term < currentTerm (done in
    /// `step`). 2. If votedFor is null or candidateId, and candidate's log is
    /// at least as up-to-date as receiver's log, grant vote." Asking twice
    /// gets the same answer.
    ///
    /// The answer does not depend on the receiver's own membership, as the
    /// dissertation (§4.1) and etcd (`TestLearnerCanVote`) have it: a server
    /// that still believes it is a learner may be a voter in the candidate's
    /// newer configuration, and a candidate whose log is up to date may need
    /// its vote. Learners still never count: a candidate asks and counts
    /// only the voters of its own configuration.
    pub(crate) fn handle_request_vote(&mut self, from: NodeId, message: Message) {
        let Message::RequestVote {
            last_log_index,
            last_log_term,
            ..
        } = message
        else {
            return;
        };
        let free_to_vote = self.voted_for.is_none_or(|id| id == from);
        let up_to_date = self.config.bugs.skip_up_to_date_check
            || self.log.is_up_to_date(last_log_index, last_log_term);
        let granted = free_to_vote && up_to_date;
        if granted && self.voted_for.is_none() {
            self.voted_for = Some(from);
            self.persist_hard_state();
        }
        if granted {
            // Granting a vote counts as hearing from a would-be leader.
            self.reset_election_timer();
        }
        let reply = Message::RequestVoteReply {
            term: self.term,
            granted,
        };
        self.send(from, reply);
    }

    /// Has this server heard from a current leader within the minimum
    /// election timeout? A leader hears itself.
    pub(crate) fn leader_recently_heard(&self) -> bool {
        match self.role {
            Role::Leader => true,
            _ => {
                self.leader_id.is_some() && self.election_elapsed < self.config.election_timeout_min
            }
        }
    }

    /// Dissertation §4.2.3, checked in `step` before a later term is
    /// adopted: while a current leader is heard from (or the server has
    /// only just started), a RequestVote is ignored — unless the leader
    /// itself asked for the election.
    pub(crate) fn ignores_vote_request(&self, leadership_transfer: bool) -> bool {
        let just_started = self.ticks < u64::from(self.config.election_timeout_min);
        self.config.leader_stickiness
            && !leadership_transfer
            && (self.leader_recently_heard() || just_started)
    }

    /// Pre-vote receiver: grant when the candidate's next term is ahead of
    /// ours, its log is up-to-date, and we have not heard from a leader
    /// within the minimum election timeout (so a server that was cut off
    /// cannot depose a healthy leader when it returns).
    pub(crate) fn handle_pre_vote(&mut self, from: NodeId, message: Message) {
        let Message::PreVote {
            term,
            last_log_index,
            last_log_term,
        } = message
        else {
            return;
        };
        let granted = term > self.term
            && !self.leader_recently_heard()
            && (self.config.bugs.skip_up_to_date_check
                || self.log.is_up_to_date(last_log_index, last_log_term));
        let reply = Message::PreVoteReply {
            term: if granted { term } else { self.term },
            granted,
        };
        self.send(from, reply);
    }

    /// Figure 2, Candidates: "If votes received from majority of servers:
    /// become leader". Replies to an earlier election were dropped in `step`.
    pub(crate) fn handle_vote_reply(&mut self, from: NodeId, term: Term, granted: bool) {
        if self.role != Role::Candidate || term != self.term {
            return;
        }
        self.record_vote(from, granted);
        self.check_vote_outcome();
    }

    pub(crate) fn handle_pre_vote_reply(&mut self, from: NodeId, term: Term, granted: bool) {
        if self.role != Role::PreCandidate || (granted && Some(term) != self.term.checked_add(1)) {
            return;
        }
        self.record_vote(from, granted);
        self.check_pre_vote_outcome();
    }

    /// Answers from servers that are not voters of our configuration do
    /// not count.
    fn record_vote(&mut self, from: NodeId, granted: bool) {
        if self.configuration.all_voters().contains(from) {
            self.votes[from] = Some(granted);
        }
    }

    fn check_vote_outcome(&mut self) {
        if self.won_majority() {
            self.become_leader();
        }
    }

    fn check_pre_vote_outcome(&mut self) {
        if self.won_majority() {
            self.become_candidate(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::*;
    use crate::*;

    #[test]
    fn follower_campaigns_after_its_randomized_timeout() {
        let mut node = node(0, 3);
        let (_, timeout) = node.election_timer();
        for _ in 1..timeout {
            assert!(node.tick().messages.is_empty());
        }
        let ready = node.tick();
        assert_eq!(node.role(), Role::Candidate);
        assert_eq!(node.term(), 1);
        assert_eq!(
            ready.hard_state,
            Some(HardState {
                term: 1,
                voted_for: Some(0)
            })
        );
        let kinds: Vec<_> = ready
            .messages
            .iter()
            .map(|e| (e.to, e.message.kind()))
            .collect();
        assert_eq!(
            kinds,
            [(1, MessageKind::RequestVote), (2, MessageKind::RequestVote)]
        );
    }

    /// §5.2: timeouts are randomized per seed, drawn from the whole
    /// interval, both ends included.
    #[test]
    fn timeouts_are_randomized_per_seed_over_the_whole_interval() {
        let timeouts: alloc::collections::BTreeSet<u32> = (0..2000)
            .map(|seed| {
                Raft::new(Config::new(0, 3), seed)
                    .unwrap()
                    .election_timer()
                    .1
            })
            .collect();
        let config = Config::new(0, 3);
        let interval = config.election_timeout_min..=config.election_timeout_max;
        assert_eq!(timeouts, interval.collect());
    }

    #[test]
    fn candidate_asks_silent_servers_again_each_heartbeat() {
        let mut node = candidate(0, 3);
        node.step(1, vote_reply(1, false));
        let again: Vec<_> = (0..10).flat_map(|_| node.tick().messages).collect();
        assert_eq!(
            again.len(),
            1,
            "only the server that did not answer is asked again"
        );
        assert_eq!(
            (again[0].to, again[0].message.kind()),
            (2, MessageKind::RequestVote)
        );
    }

    #[test]
    fn majority_of_votes_makes_a_leader() {
        let mut node = candidate(0, 5);
        node.step(1, vote_reply(1, true));
        assert_eq!(node.role(), Role::Candidate);
        node.step(2, vote_reply(1, true));
        assert_eq!(node.role(), Role::Leader);
    }

    #[test]
    fn duplicate_votes_from_one_server_count_once() {
        let mut node = candidate(0, 5);
        node.step(1, vote_reply(1, true));
        node.step(1, vote_reply(1, true));
        assert_eq!(node.role(), Role::Candidate);
    }

    #[test]
    fn vote_granted_once_per_term_and_repeated_identically() {
        let mut node = node(0, 3);
        let first = node.step(1, request_vote(1, 0, 0));
        assert_eq!(
            first.hard_state,
            Some(HardState {
                term: 1,
                voted_for: Some(1)
            })
        );
        assert_eq!(granted(&first), Some(true));
        let again = node.step(1, request_vote(1, 0, 0));
        assert_eq!(
            granted(&again),
            Some(true),
            "idempotent for the same candidate"
        );
        let other = node.step(2, request_vote(1, 0, 0));
        assert_eq!(granted(&other), Some(false), "one vote per term");
    }

    #[test]
    fn vote_refused_to_a_stale_log() {
        let mut node = follower_with_log(0, 3, &[1, 2]);
        let shorter_same_term = node.step(1, request_vote(3, 1, 2));
        assert_eq!(granted(&shorter_same_term), Some(false));
        let older_term_longer = node.step(2, request_vote(3, 9, 1));
        assert_eq!(granted(&older_term_longer), Some(false));
        assert_eq!(node.voted_for(), None);
    }

    #[test]
    fn stale_vote_request_is_answered_with_our_term() {
        let mut node = follower_with_log(0, 3, &[4]);
        let ready = node.step(1, request_vote(2, 5, 5));
        assert_eq!(
            ready.messages[0].message,
            Message::RequestVoteReply {
                term: 4,
                granted: false
            }
        );
    }

    #[test]
    fn refusing_a_later_candidate_does_not_restart_the_timer() {
        let mut node = follower_with_log(0, 3, &[1, 2]);
        for _ in 0..20 {
            node.tick();
        }
        let ready = node.step(1, request_vote(5, 1, 1));
        assert_eq!(granted(&ready), Some(false));
        assert_eq!(node.term(), 5);
        assert_eq!(
            node.election_timer().0,
            20,
            "a stale candidate must not keep us from campaigning"
        );
        node.step(2, request_vote(6, 2, 2));
        assert_eq!(
            node.election_timer().0,
            0,
            "granting a vote restarts the timer"
        );
    }

    #[test]
    fn higher_term_reply_makes_candidate_step_down() {
        let mut node = candidate(0, 3);
        let ready = node.step(1, vote_reply(7, false));
        assert_eq!(
            (node.role(), node.term(), node.voted_for()),
            (Role::Follower, 7, None)
        );
        assert_eq!(
            ready.hard_state,
            Some(HardState {
                term: 7,
                voted_for: None
            })
        );
    }

    #[test]
    fn vote_reply_from_an_earlier_election_is_ignored() {
        let mut node = candidate(0, 3);
        node.force_election_timeout(); // now campaigning in term 2
        node.step(1, vote_reply(1, true));
        assert_eq!(
            node.role(),
            Role::Candidate,
            "a term-1 grant does not elect in term 2"
        );
    }

    #[test]
    fn pre_vote_does_not_touch_terms() {
        let mut config = Config::new(0, 3);
        config.pre_vote = true;
        let mut node = Raft::new(config, 1).unwrap();
        let ready = node.force_election_timeout();
        assert_eq!((node.role(), node.term()), (Role::PreCandidate, 0));
        assert!(ready.hard_state.is_none());
        assert_eq!(ready.messages[0].message.kind(), MessageKind::PreVote);
        node.step(1, pre_vote_reply(1, true));
        assert_eq!((node.role(), node.term()), (Role::Candidate, 1));
    }

    #[test]
    fn pre_vote_refused_while_leader_is_heard() {
        let mut node = node(0, 3);
        node.step(1, heartbeat(1, 0, 0, 0));
        let ready = node.step(2, pre_vote(2, 0, 0));
        assert_eq!(ready.messages[0].message, pre_vote_reply(1, false));
        assert_eq!(
            node.term(),
            1,
            "a pre-vote never raises the receiver's term"
        );
        for _ in 0..60 {
            node.tick();
        }
        // The leader went quiet; the server is campaigning itself by now,
        // but a pre-vote for a later term with an up-to-date log is granted.
        let ready = node.step(2, pre_vote(9, 0, 0));
        assert!(matches!(
            ready.messages.last().unwrap().message,
            Message::PreVoteReply { granted: true, .. }
        ));
    }

    fn sticky(id: NodeId, size: usize) -> Raft {
        let mut config = Config::new(id, size);
        config.leader_stickiness = true;
        Raft::new(config, id as u64 + 1).unwrap()
    }

    /// A sticky follower of leader 1 in term 1, past its start-up period.
    fn sticky_follower() -> Raft {
        let mut node = sticky(0, 3);
        for _ in 0..29 {
            node.tick();
        }
        node.step(1, heartbeat(1, 0, 0, 0));
        node.tick();
        assert_eq!(node.leader_id(), Some(1));
        node
    }

    #[test]
    fn leader_stickiness_ignores_vote_requests_while_the_leader_is_heard() {
        let mut node = sticky_follower();
        let ready = node.step(2, request_vote(2, 5, 1));
        assert!(ready.is_empty(), "§4.2.3: no reply, no new term, no vote");
        assert_eq!(
            (node.term(), node.voted_for(), node.leader_id()),
            (1, None, Some(1))
        );
    }

    #[test]
    fn leader_stickiness_lets_votes_through_once_the_leader_is_silent() {
        let mut node = sticky_follower();
        for _ in 1..30 {
            node.tick();
        }
        assert_eq!(granted(&node.step(2, request_vote(2, 5, 1))), Some(true));
        assert_eq!((node.term(), node.voted_for()), (2, Some(2)));
    }

    #[test]
    fn without_leader_stickiness_a_heard_leader_does_not_stop_a_vote() {
        let mut node = node(0, 3);
        node.step(1, heartbeat(1, 0, 0, 0));
        assert_eq!(granted(&node.step(2, request_vote(2, 5, 1))), Some(true));
        assert_eq!(node.term(), 2);
    }

    #[test]
    fn leader_stickiness_yields_to_an_election_the_leader_asked_for() {
        let mut node = sticky_follower();
        let transfer = Message::RequestVote {
            term: 2,
            last_log_index: 5,
            last_log_term: 1,
            leadership_transfer: true,
        };
        assert_eq!(granted(&node.step(2, transfer)), Some(true));
        assert_eq!(node.term(), 2);
    }

    #[test]
    fn leader_stickiness_keeps_a_leader_from_stepping_down_for_a_vote_request() {
        let mut config = Config::new(0, 3);
        config.leader_stickiness = true;
        let mut node = leader(0, 3);
        node.reconfigure(config).unwrap();
        assert!(node.step(2, request_vote(5, 9, 1)).is_empty());
        assert_eq!((node.role(), node.term()), (Role::Leader, 1));
    }

    #[test]
    fn leader_stickiness_covers_a_server_that_has_just_started() {
        let mut node = sticky(0, 3);
        for _ in 0..29 {
            node.tick();
        }
        assert!(
            node.step(2, request_vote(1, 0, 0)).is_empty(),
            "it may have heard from a leader just before it stopped"
        );
        node.tick();
        assert_eq!(granted(&node.step(2, request_vote(2, 0, 0))), Some(true));
    }

    #[test]
    fn leader_stickiness_leaves_requests_of_the_current_term_alone() {
        let mut node = sticky_follower();
        // The leader's own term: at most one vote in it, as always.
        assert_eq!(granted(&node.step(2, request_vote(1, 5, 1))), Some(true));
        assert_eq!(granted(&node.step(1, request_vote(1, 5, 1))), Some(false));
    }

    /// Election Safety (§5.2): at most one vote per term. A candidate that
    /// meets its term's leader steps down within the term and must keep
    /// its vote for itself, so a second candidate of the term is refused.
    #[test]
    fn a_candidate_that_meets_its_leader_keeps_its_vote() {
        let mut node = candidate(1, 3);
        let ready = node.step(0, heartbeat(1, 0, 0, 0));
        assert_eq!(
            (node.role(), node.term(), node.voted_for()),
            (Role::Follower, 1, Some(1))
        );
        assert_eq!(ready.hard_state, None, "nothing durable changed");
        assert_eq!(granted(&node.step(2, request_vote(1, 0, 0))), Some(false));
        assert_eq!(node.voted_for(), Some(1));
    }

    /// Election Safety (§5.2): a leader that steps down on check-quorum
    /// (§6.2) stays in its term with its vote, and refuses a second
    /// candidate of that term.
    #[test]
    fn a_leader_that_loses_its_quorum_keeps_its_vote() {
        let mut config = Config::new(0, 3);
        config.check_quorum = true;
        let mut node = leader(0, 3);
        node.reconfigure(config).unwrap();
        for _ in 0..200 {
            if node.role() != Role::Leader {
                break;
            }
            node.tick();
        }
        assert_eq!(
            (node.role(), node.term(), node.voted_for()),
            (Role::Follower, 1, Some(0))
        );
        assert_eq!(granted(&node.step(2, request_vote(1, 0, 0))), Some(false));
        assert_eq!(node.voted_for(), Some(0));
    }

    /// §9.6 with check-quorum off: a leader refuses pre-votes however long
    /// it has led, so a server rejoining after a partition cannot gather
    /// pre-votes from it and depose a healthy leader.
    #[test]
    fn a_leader_never_grants_a_pre_vote() {
        let mut node = leader(0, 3);
        for _ in 0..3 * 60 {
            node.tick();
        }
        let ready = node.step(2, pre_vote(2, 9, 1));
        assert_eq!(granted(&ready), Some(false));
        assert_eq!((node.role(), node.term()), (Role::Leader, 1));
    }

    /// §9.6 and Figure 2 (All Servers): a pre-vote from an earlier term is
    /// answered with our term, so a pre-candidate that was cut off learns
    /// it is behind and stops campaigning in a term that has passed.
    #[test]
    fn a_stale_pre_vote_is_answered_with_our_term() {
        let mut config = Config::new(2, 3);
        config.pre_vote = true;
        let mut behind = Raft::new(config, 5).unwrap();
        let mut ahead = follower_with_log(0, 3, &[4]);
        let request = behind.force_election_timeout();
        assert_eq!(behind.role(), Role::PreCandidate);
        let ready = ahead.step(2, request.messages[0].message.clone());
        assert_eq!(ready.messages[0].message, pre_vote_reply(4, false));
        behind.step(0, ready.messages[0].message.clone());
        assert_eq!((behind.role(), behind.term()), (Role::Follower, 4));
    }

    /// §9.6: the pre-vote asks whether the candidate could win a term
    /// ahead of ours; the term we are in is not one it could start, so the
    /// pre-vote is refused with our term, even with no leader heard.
    #[test]
    fn a_pre_vote_for_the_term_we_are_in_is_refused() {
        let mut node = follower_with_log(0, 3, &[2]);
        let ready = node.step(2, pre_vote(2, 1, 2));
        assert_eq!(ready.messages[0].message, pre_vote_reply(2, false));
    }

    /// Server 0 of three, with pre-vote, asking for pre-votes for term 1.
    fn pre_candidate() -> Raft {
        let mut config = Config::new(0, 3);
        config.pre_vote = true;
        let mut node = Raft::new(config, 1).unwrap();
        node.force_election_timeout();
        node
    }

    /// Figure 2, Candidates: votes elect only the candidate of their term.
    /// A server whose election timed out and is asking for pre-votes again
    /// (§9.6) does not count late votes from the election it gave up.
    #[test]
    fn a_pre_candidate_ignores_late_votes_from_its_last_election() {
        let mut node = pre_candidate();
        node.step(1, pre_vote_reply(1, true));
        assert_eq!((node.role(), node.term()), (Role::Candidate, 1));
        node.force_election_timeout();
        assert_eq!((node.role(), node.term()), (Role::PreCandidate, 1));
        node.step(2, vote_reply(1, true));
        assert_eq!((node.role(), node.term()), (Role::PreCandidate, 1));
    }

    /// §9.6: a pre-vote counts only for the term the pre-candidate would
    /// campaign in, and only while it is asking for pre-votes.
    #[test]
    fn pre_votes_count_only_for_the_next_term_of_a_pre_candidate() {
        let mut node = pre_candidate();
        node.step(1, pre_vote_reply(3, true));
        assert_eq!((node.role(), node.term()), (Role::PreCandidate, 0));
        node.step(1, pre_vote_reply(1, true));
        assert_eq!((node.role(), node.term()), (Role::Candidate, 1));
        node.step(2, pre_vote_reply(2, true));
        assert_eq!((node.role(), node.term()), (Role::Candidate, 1));
    }

    #[test]
    fn single_server_elects_itself() {
        let mut node = Raft::new(Config::new(0, 1), 3).unwrap();
        node.force_election_timeout();
        assert_eq!(node.role(), Role::Leader);
    }
}
