//! Log replication (§5.3), the commitment rule (§5.4.2, Figure 8), fast
//! backup, heartbeats and check-quorum.
use alloc::vec::Vec;

use crate::log::INDEX_LIMIT;
use crate::message::{Conflict, Entry, EntryData, Message, Payload};
use crate::raft::{Progress, ProposeError, Raft, Role};
use crate::ready::Ready;
use crate::{Index, NodeId, Term};

/// A proposal the leader accepted: where it sits in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposed {
    pub index: Index,
    pub term: Term,
    pub ready: Ready,
}

impl Raft {
    /// Figure 2, Candidates: "If votes received from majority of servers:
    /// become leader". Leaders: "Upon election: send initial empty
    /// AppendEntries RPCs (heartbeat) to each server".
    pub(crate) fn become_leader(&mut self) {
        self.role = Role::Leader;
        self.leader_id = Some(self.config.id);
        self.heartbeat_elapsed = 0;
        self.election_elapsed = 0;
        let next_index = self.log.last_index() + 1;
        for progress in &mut self.progress {
            *progress = Progress {
                next_index,
                match_index: 0,
                awaiting_reply: false,
                recently_active: false,
                acked_round: 0,
                snapshot_transfer: None,
            };
        }
        // A joint configuration is left only once the leader has committed
        // an entry of its term; without the no-op setting nothing else
        // would bring one.
        if self.config.noop_on_election || self.configuration.is_joint() {
            self.append_as_leader(EntryData::Noop);
        }
        self.mark_self_matched();
        self.reset_lease();
        self.start_round();
        self.broadcast_append();
        self.maybe_commit();
    }

    /// Leaders: "If command received from client: append entry to local
    /// log, respond after entry applied to state machine".
    pub fn propose(&mut self, command: Payload) -> Result<Proposed, ProposeError> {
        self.check_accepting()?;
        let index = self.append_as_leader(EntryData::Command(command));
        self.replicate_appended();
        Ok(Proposed {
            index,
            term: self.term,
            ready: self.take_ready(),
        })
    }

    /// Only a leader that is not handing over takes commands.
    pub(crate) fn check_accepting(&self) -> Result<(), ProposeError> {
        if self.role != Role::Leader {
            return Err(ProposeError::NotLeader {
                leader_hint: self.leader_id,
            });
        }
        if let Some((target, _)) = self.transfer {
            return Err(ProposeError::TransferringLeadership { target });
        }
        Ok(())
    }

    pub(crate) fn append_as_leader(&mut self, data: EntryData) -> Index {
        let index = self.log.last_index() + 1;
        let entry = Entry {
            index,
            term: self.term,
            data,
        };
        self.append_to_log(entry);
        index
    }

    /// After the leader appended entries: sends them to every follower not
    /// waiting for a reply, and commits what a majority now holds.
    pub(crate) fn replicate_appended(&mut self) {
        self.mark_self_matched();
        let idle: Vec<NodeId> = self
            .peers()
            .filter(|&peer| !self.progress[peer].awaiting_reply)
            .collect();
        for peer in idle {
            self.send_append(peer);
        }
        self.maybe_commit();
    }

    /// The leader counts itself among the servers that store its log
    /// (a majority counts it only while it is a voter).
    pub(crate) fn mark_self_matched(&mut self) {
        let last = self.log.last_index();
        let me = &mut self.progress[self.config.id];
        me.match_index = last;
        me.next_index = last + 1;
    }

    pub(crate) fn tick_leader(&mut self) {
        self.heartbeat_elapsed += 1;
        self.election_elapsed += 1;
        self.tick_transfer();
        if self.config.check_quorum && self.election_elapsed >= self.config.election_timeout_min {
            self.election_elapsed = 0;
            if !self.quorum_recently_active() {
                let term = self.term;
                self.become_follower(term, None);
                return;
            }
        }
        self.tick_catch_up();
        // Leaders: "repeat during idle periods to prevent election timeouts".
        if self.heartbeat_elapsed >= self.config.heartbeat_interval {
            self.heartbeat_elapsed = 0;
            self.start_round();
            self.broadcast_append();
        }
    }

    /// Check-quorum: has a majority (counting us) been heard from since the
    /// last check? Resets the marks for the next period.
    fn quorum_recently_active(&mut self) -> bool {
        let me = self.config.id;
        let active = self.majority_agrees(|id| id == me || self.progress[id].recently_active);
        for progress in &mut self.progress {
            progress.recently_active = false;
        }
        active
    }

    pub(crate) fn broadcast_append(&mut self) {
        let peers: Vec<NodeId> = self.peers().collect();
        for peer in peers {
            self.send_append(peer);
        }
    }

    /// Sends `peer` the entries from its nextIndex on (none for a
    /// heartbeat to a follower that has everything), or our snapshot when
    /// those entries are compacted away.
    pub(crate) fn send_append(&mut self, peer: NodeId) {
        let next_index = self.progress[peer].next_index;
        let prev_log_index = next_index.saturating_sub(1);
        let Some(prev_log_term) = self.log.term_at(prev_log_index) else {
            return self.send_snapshot_chunk(peer);
        };
        let entries = self
            .log
            .slice_from(next_index, self.config.max_entries_per_append);
        self.progress[peer].awaiting_reply = true;
        let message = Message::AppendEntries {
            term: self.term,
            prev_log_index,
            prev_log_term,
            entries,
            leader_commit: self.commit_index,
            round: self.round,
        };
        self.send(peer, message);
    }

    /// AppendEntries receiver (Figure 2):
    /// 1. Reply false if term < currentTerm (done in `step`).
    /// 2. Reply false if log doesn't contain an entry at prevLogIndex whose
    ///    term matches prevLogTerm.
    /// 3. If an existing entry conflicts with a new one (same index but
    ///    different terms), delete the existing entry and all that follow it.
    /// 4. Append any new entries not already in the log.
    /// 5. If leaderCommit > commitIndex, set commitIndex =
    ///    min(leaderCommit, index of last new entry).
    pub(crate) fn handle_append_entries(&mut self, from: NodeId, message: Message) {
        let Message::AppendEntries {
            term,
            prev_log_index,
            prev_log_term,
            entries,
            leader_commit,
            round,
        } = message
        else {
            return;
        };
        if !well_formed(term, prev_log_index, prev_log_term, &entries) {
            return;
        }
        self.heard_from_leader(from);

        if let Some(conflict) = self.find_conflict(prev_log_index, prev_log_term) {
            let reply = Message::AppendEntriesReply {
                term: self.term,
                success: false,
                prev_log_index,
                match_index: 0,
                conflict: Some(conflict),
                round,
            };
            self.send(from, reply);
            return;
        }

        let last_new = prev_log_index + entries.len() as Index;
        // Rules 3 and 4: entries already held are skipped, the log is cut at
        // the first conflict, and everything from there on is new.
        let mut entries = entries;
        let mut first_new = entries.len();
        for (position, entry) in entries.iter().enumerate() {
            // Entries inside the compacted prefix are committed, so they
            // match; one contradicting our snapshot cannot come from a
            // legitimate leader.
            if entry.index <= self.log.base_index() {
                if entry.index == self.log.base_index() && entry.term != self.log.base_term() {
                    return;
                }
                continue;
            }
            match self.log.term_at(entry.index) {
                Some(existing) if existing == entry.term => continue,
                Some(_) if self.config.bugs.keep_conflicting_entries => continue,
                // Committed entries are never replaced (State Machine
                // Safety); a message asking for it cannot come from a
                // legitimate leader.
                Some(_) if entry.index <= self.commit_index => return,
                Some(_) => self.truncate_log(entry.index),
                None => {}
            }
            first_new = position;
            break;
        }
        // The entries are contiguous (`well_formed`), so once one is new, so
        // is every one after it; appending them as a block keeps a long
        // append from moving entries one by one.
        self.append_all_to_log(entries.split_off(first_new));

        if leader_commit > self.commit_index {
            self.advance_commit(leader_commit.min(last_new));
        }
        let reply = Message::AppendEntriesReply {
            term: self.term,
            success: true,
            prev_log_index,
            match_index: last_new,
            conflict: None,
            round,
        };
        self.send(from, reply);
    }

    /// Rule 2's check, and the fast-backup hints when it fails.
    fn find_conflict(&self, prev_log_index: Index, prev_log_term: Term) -> Option<Conflict> {
        let x_len = self.log.last_index() + 1;
        if prev_log_index < self.log.base_index() {
            // Older than our snapshot: that prefix is committed and matches.
            return None;
        }
        match self.log.term_at(prev_log_index) {
            Some(term) if term == prev_log_term => None,
            Some(term) => Some(Conflict {
                x_term: Some(term),
                x_index: self.log.first_index_of_term(term, prev_log_index),
                x_len,
            }),
            None => Some(Conflict {
                x_term: None,
                x_index: x_len,
                x_len,
            }),
        }
    }

    /// Leaders: "If successful: update nextIndex and matchIndex for follower.
    /// If AppendEntries fails because of log inconsistency: decrement
    /// nextIndex and retry" — by whole terms, using the follower's hints.
    pub(crate) fn handle_append_reply(
        &mut self,
        from: NodeId,
        prev_log_index: Index,
        match_index: Index,
        conflict: Option<Conflict>,
        success: bool,
    ) {
        let last_index = self.log.last_index();
        let progress = &mut self.progress[from];
        if success {
            if match_index > last_index {
                return; // claims entries we never had: malformed
            }
            progress.match_index = progress.match_index.max(match_index);
            progress.next_index = progress.next_index.max(progress.match_index + 1);
            progress.awaiting_reply = false;
            self.maybe_commit();
            if self.role != Role::Leader {
                return; // §4.2.2: the commit removed it, and it stepped down
            }
            self.note_catch_up_progress(from);
            self.continue_transfer(from);
            if self.progress[from].next_index <= last_index && !self.progress[from].awaiting_reply {
                self.send_append(from);
            }
            return;
        }
        let Some(conflict) = conflict else {
            return; // a refusal on term grounds, handled in `step`
        };
        // Only a refusal of the request we would send now is news; one for
        // an older nextIndex, or of an entry the follower has confirmed
        // holding, is stale.
        if prev_log_index.checked_add(1) != Some(progress.next_index)
            || prev_log_index <= progress.match_index
        {
            return;
        }
        let next = match conflict.x_term {
            _ if !self.config.fast_backup => progress.next_index - 1,
            None => conflict.x_len,
            Some(x_term) => match self.log.last_index_of_term(x_term) {
                Some(last_of_term) => last_of_term + 1,
                None => conflict.x_index,
            },
        };
        progress.next_index = next.clamp(progress.match_index + 1, last_index + 1);
        self.send_append(from);
    }

    /// Leaders: "If there exists an N such that N > commitIndex, a majority
    /// of matchIndex[i] ≥ N, and log[N].term == currentTerm: set
    /// commitIndex = N". Entries of earlier terms commit only indirectly,
    /// which is what Figure 8 is about.
    pub(crate) fn maybe_commit(&mut self) {
        let majority_match = self.majority_reached(|id| self.progress[id].match_index);
        if majority_match <= self.commit_index {
            return;
        }
        let current_term = self.log.term_at(majority_match) == Some(self.term);
        if current_term || self.config.bugs.commit_earlier_terms {
            self.advance_commit(majority_match);
            self.after_leader_commit();
        }
    }
}

/// An AppendEntries a real leader could have sent: entries numbered on from
/// prevLogIndex, terms never decreasing and never past the leader's term.
fn well_formed(term: Term, prev_log_index: Index, prev_log_term: Term, entries: &[Entry]) -> bool {
    let mut last_term = prev_log_term;
    if last_term > term {
        return false;
    }
    for (offset, entry) in entries.iter().enumerate() {
        let expected = prev_log_index
            .checked_add(1 + offset as Index)
            .filter(|&index| index == entry.index);
        if expected.is_none_or(|index| index >= INDEX_LIMIT)
            || entry.term < last_term
            || entry.term > term
        {
            return false;
        }
        last_term = entry.term;
    }
    true
}

#[cfg(test)]
mod tests {
    use crate::test_support::*;
    use crate::*;

    fn reply_of(ready: &Ready) -> &Message {
        &ready.messages.last().expect("a reply").message
    }

    #[test]
    fn new_leader_sends_heartbeats_to_everyone() {
        let mut node = candidate(0, 3);
        let ready = node.step(1, vote_reply(1, true));
        assert_eq!(node.role(), Role::Leader);
        let heartbeats: Vec<_> = ready.messages.iter().map(|e| e.to).collect();
        assert_eq!(heartbeats, [1, 2]);
        assert!(ready.messages.iter().all(|e| matches!(
            &e.message,
            Message::AppendEntries { entries, .. } if entries.is_empty()
        )));
    }

    #[test]
    fn leader_heartbeats_each_interval() {
        let mut node = leader(0, 3);
        let sent: usize = (0..10).map(|_| node.tick().messages.len()).sum();
        assert_eq!(sent, 2);
    }

    #[test]
    fn proposal_on_follower_names_the_leader() {
        let mut node = node(0, 3);
        node.step(2, heartbeat(1, 0, 0, 0));
        assert_eq!(
            node.propose(payload(1)),
            Err(ProposeError::NotLeader {
                leader_hint: Some(2)
            })
        );
    }

    #[test]
    fn proposal_is_persisted_then_sent() {
        let mut node = leader(0, 3);
        let proposed = node.propose(payload(9)).unwrap();
        assert_eq!((proposed.index, proposed.term), (1, 1));
        assert!(matches!(&proposed.ready.log_changes[..], [LogChange::Append(e)] if e.index == 1));
        assert_eq!(proposed.ready.messages.len(), 2);
    }

    #[test]
    fn proposals_wait_for_the_reply_then_travel_together() {
        let mut node = leader(0, 3);
        let first = node.propose(payload(1)).unwrap();
        assert_eq!(first.ready.messages.len(), 2);
        let second = node.propose(payload(2)).unwrap();
        let third = node.propose(payload(3)).unwrap();
        assert!(second.ready.messages.is_empty() && third.ready.messages.is_empty());
        let ready = node.step(1, acknowledgement(1, 1));
        let Message::AppendEntries {
            prev_log_index,
            entries,
            ..
        } = &ready.messages[0].message
        else {
            panic!("expected the batched entries");
        };
        assert_eq!((*prev_log_index, entries.len()), (1, 2));
    }

    #[test]
    fn heartbeat_resends_unanswered_entries() {
        let mut node = leader(0, 3);
        node.propose(payload(1)).unwrap();
        let resent = (0..10)
            .flat_map(|_| node.tick().messages)
            .filter(|e| matches!(&e.message, Message::AppendEntries { entries, .. } if entries.len() == 1))
            .count();
        assert_eq!(resent, 2);
    }

    #[test]
    fn follower_rejects_missing_prev_with_its_length() {
        let mut node = follower_with_log(0, 3, &[1]);
        let ready = node.step(1, append(1, 5, 1, entries(6, &[1]), 0));
        assert_eq!(
            reply_of(&ready),
            &Message::AppendEntriesReply {
                term: 1,
                success: false,
                prev_log_index: 5,
                match_index: 0,
                conflict: Some(Conflict {
                    x_term: None,
                    x_index: 2,
                    x_len: 2
                }),
                round: 0
            }
        );
    }

    #[test]
    fn follower_rejects_term_mismatch_with_first_index_of_that_term() {
        let mut node = follower_with_log(0, 3, &[1, 2, 2, 2]);
        let ready = node.step(1, append(3, 4, 3, Vec::new(), 0));
        let Message::AppendEntriesReply {
            conflict: Some(conflict),
            ..
        } = reply_of(&ready)
        else {
            panic!("expected a conflict");
        };
        assert_eq!(
            *conflict,
            Conflict {
                x_term: Some(2),
                x_index: 2,
                x_len: 5
            }
        );
    }

    #[test]
    fn follower_truncates_conflicting_suffix_and_appends() {
        let mut node = follower_with_log(0, 3, &[1, 1, 2, 2]);
        let ready = node.step(1, append(3, 2, 1, entries(3, &[3]), 0));
        assert_eq!(terms_of(&node), [1, 1, 3]);
        assert!(matches!(ready.log_changes[0], LogChange::TruncateFrom(3)));
    }

    #[test]
    fn stale_shorter_append_never_truncates() {
        let mut node = follower_with_log(0, 3, &[1, 1, 1]);
        let ready = node.step(1, append(1, 0, 0, entries(1, &[1]), 0));
        assert_eq!(terms_of(&node), [1, 1, 1]);
        assert!(ready.log_changes.is_empty());
    }

    #[test]
    fn follower_commit_is_bounded_by_the_last_new_entry() {
        let mut node = follower_with_log(0, 3, &[1, 1, 1, 1]);
        let ready = node.step(1, append(1, 2, 1, Vec::new(), 4));
        assert_eq!(
            node.commit_index(),
            2,
            "entries past prevLogIndex are not verified"
        );
        assert_eq!(
            ready.committed.iter().map(|e| e.index).collect::<Vec<_>>(),
            [1, 2]
        );
    }

    #[test]
    fn malformed_append_is_ignored() {
        let mut node = follower_with_log(0, 3, &[1]);
        let gap = entries(3, &[1]);
        assert!(node.step(1, append(1, 1, 1, gap, 0)).is_empty());
        let future_term = entries(2, &[5]);
        assert!(node.step(1, append(1, 1, 1, future_term, 0)).is_empty());
        assert_eq!(terms_of(&node), [1]);
    }

    /// Issue 12: `step` used to name the sender leader on seeing a later
    /// term, before the handler found the message malformed.
    #[test]
    fn a_malformed_append_of_a_later_term_names_no_leader() {
        let mut node = follower_with_log(0, 3, &[1]);
        node.step(1, heartbeat(1, 1, 1, 0));
        assert_eq!(node.leader_id(), Some(1));
        let gap = entries(3, &[5]);
        let ready = node.step(2, append(5, 1, 1, gap, 0));
        assert!(ready.messages.is_empty(), "no reply to a malformed append");
        assert_eq!(
            node.term(),
            5,
            "Figure 2: a later term is adopted all the same"
        );
        assert_eq!(node.leader_id(), None);
        assert_eq!(
            node.propose(payload(1)),
            Err(ProposeError::NotLeader { leader_hint: None })
        );
        node.step(2, heartbeat(5, 1, 1, 0));
        assert_eq!(node.leader_id(), Some(2), "a well-formed one does");
    }

    #[test]
    fn a_candidate_stays_one_on_a_malformed_append_of_its_term() {
        let mut node = candidate(0, 3);
        let future_term = entries(1, &[7]);
        node.step(1, append(1, 0, 0, future_term, 0));
        assert_eq!((node.role(), node.leader_id()), (Role::Candidate, None));
        node.step(1, heartbeat(1, 0, 0, 0));
        assert_eq!((node.role(), node.leader_id()), (Role::Follower, Some(1)));
    }

    #[test]
    fn leader_commits_with_a_majority_of_current_term_entries() {
        let mut node = leader(0, 3);
        let proposed = node.propose(payload(1)).unwrap();
        assert!(proposed.ready.committed.is_empty());
        let ready = node.step(1, acknowledgement(1, 1));
        assert_eq!(node.commit_index(), 1);
        assert_eq!(ready.committed.len(), 1);
    }

    /// Figure 8: an entry of an earlier term on a majority is not committed
    /// by counting; with the faulty rule it is.
    fn figure8_leader(faulty: bool) -> Raft {
        let mut config = Config::new(0, 3);
        config.bugs.commit_earlier_terms = faulty;
        let log = Log::restore(0, 0, entries(1, &[2]));
        let hard_state = HardState {
            term: 3,
            voted_for: None,
        };
        let mut node = Raft::restore(config, 1, hard_state, None, log).unwrap();
        node.force_election_timeout();
        node.step(1, vote_reply(4, true));
        assert_eq!((node.role(), node.term()), (Role::Leader, 4));
        node.step(
            1,
            Message::AppendEntriesReply {
                term: 4,
                success: true,
                prev_log_index: 1,
                match_index: 1,
                conflict: None,
                round: 0,
            },
        );
        node
    }

    #[test]
    fn earlier_term_entry_on_majority_is_not_committed() {
        assert_eq!(figure8_leader(false).commit_index(), 0);
        assert_eq!(figure8_leader(true).commit_index(), 1);
    }

    #[test]
    fn current_term_entry_commits_earlier_ones_indirectly() {
        let mut node = figure8_leader(false);
        node.propose(payload(4)).unwrap();
        node.step(
            1,
            Message::AppendEntriesReply {
                term: 4,
                success: true,
                prev_log_index: 1,
                match_index: 2,
                conflict: None,
                round: 0,
            },
        );
        assert_eq!(node.commit_index(), 2);
    }

    #[test]
    fn noop_on_election_commits_earlier_entries_at_once() {
        let mut config = Config::new(0, 3);
        config.noop_on_election = true;
        let log = Log::restore(0, 0, entries(1, &[2]));
        let mut node = Raft::restore(
            config,
            1,
            HardState {
                term: 3,
                voted_for: None,
            },
            None,
            log,
        )
        .unwrap();
        node.force_election_timeout();
        node.step(1, vote_reply(4, true));
        assert_eq!(terms_of(&node), [2, 4]);
        assert_eq!(node.log().get(2).unwrap().data, EntryData::Noop);
        node.step(1, acknowledgement(4, 2));
        assert_eq!(node.commit_index(), 2);
    }

    #[test]
    fn fast_backup_skips_a_whole_term() {
        // Leader log: terms [1, 1, 4, 4]; follower holds [1, 1, 2, 2, 2, 2].
        let log = Log::restore(0, 0, entries(1, &[1, 1, 4, 4]));
        let mut node = Raft::restore(
            Config::new(0, 3),
            1,
            HardState {
                term: 4,
                voted_for: None,
            },
            None,
            log,
        )
        .unwrap();
        node.force_election_timeout();
        node.step(1, vote_reply(5, true));
        // Follower has term 2 at index 4 starting at index 3; the leader has no term 2.
        let ready = node.step(
            1,
            Message::AppendEntriesReply {
                term: 5,
                success: false,
                prev_log_index: 4,
                match_index: 0,
                conflict: Some(Conflict {
                    x_term: Some(2),
                    x_index: 3,
                    x_len: 7,
                }),
                round: 0,
            },
        );
        assert_eq!(node.progress(1).unwrap().next_index, 3);
        let Message::AppendEntries {
            prev_log_index,
            entries,
            ..
        } = &ready.messages[0].message
        else {
            panic!("expected a retry");
        };
        assert_eq!((*prev_log_index, entries.len()), (2, 2));
    }

    #[test]
    fn without_fast_backup_next_index_steps_back_one_entry() {
        let log = Log::restore(0, 0, entries(1, &[1, 1, 4, 4]));
        let mut config = Config::new(0, 3);
        config.fast_backup = false;
        let hard_state = HardState {
            term: 4,
            voted_for: None,
        };
        let mut node = Raft::restore(config, 1, hard_state, None, log).unwrap();
        node.force_election_timeout();
        node.step(1, vote_reply(5, true));
        let refusal = Conflict {
            x_term: Some(2),
            x_index: 3,
            x_len: 7,
        };
        node.step(
            1,
            Message::AppendEntriesReply {
                term: 5,
                success: false,
                prev_log_index: 4,
                match_index: 0,
                conflict: Some(refusal),
                round: 0,
            },
        );
        assert_eq!(node.progress(1).unwrap().next_index, 4);
    }

    #[test]
    fn fast_backup_uses_leaders_last_entry_of_the_term() {
        let log = Log::restore(0, 0, entries(1, &[1, 1, 2, 2, 4]));
        let mut node = Raft::restore(
            Config::new(0, 3),
            1,
            HardState {
                term: 4,
                voted_for: None,
            },
            None,
            log,
        )
        .unwrap();
        node.force_election_timeout();
        node.step(1, vote_reply(5, true));
        node.step(
            1,
            Message::AppendEntriesReply {
                term: 5,
                success: false,
                prev_log_index: 5,
                match_index: 0,
                conflict: Some(Conflict {
                    x_term: Some(2),
                    x_index: 3,
                    x_len: 9,
                }),
                round: 0,
            },
        );
        assert_eq!(node.progress(1).unwrap().next_index, 5);
    }

    #[test]
    fn stale_refusal_is_ignored() {
        let mut node = leader(0, 3);
        node.propose(payload(1)).unwrap();
        node.step(1, acknowledgement(1, 1));
        node.step(1, short_log_refusal(1, 0, 1));
        assert_eq!(node.progress(1).unwrap().next_index, 2);
        assert_eq!(node.progress(1).unwrap().match_index, 1);
    }

    #[test]
    fn check_quorum_deposes_an_unheard_leader() {
        let mut config = Config::new(0, 3);
        config.check_quorum = true;
        let mut node = Raft::new(config, 1).unwrap();
        node.force_election_timeout();
        node.step(1, vote_reply(1, true));
        for _ in 0..29 {
            node.tick();
        }
        assert_eq!(node.role(), Role::Leader);
        node.tick();
        assert_eq!((node.role(), node.term()), (Role::Follower, 1));
    }

    #[test]
    fn check_quorum_keeps_a_heard_leader() {
        let mut config = Config::new(0, 3);
        config.check_quorum = true;
        let mut node = Raft::new(config, 1).unwrap();
        node.force_election_timeout();
        node.step(1, vote_reply(1, true));
        for round in 0..90 {
            if round % 10 == 0 {
                node.step(2, acknowledgement(1, 0));
            }
            node.tick();
        }
        assert_eq!(node.role(), Role::Leader);
    }

    #[test]
    fn leader_ignores_foreign_append_in_its_own_term() {
        let mut node = leader(0, 3);
        assert!(node.step(1, heartbeat(1, 0, 0, 0)).is_empty());
        assert_eq!(node.role(), Role::Leader);
    }

    #[test]
    fn candidate_yields_to_a_leader_of_its_term() {
        let mut node = candidate(0, 3);
        node.step(1, heartbeat(1, 0, 0, 0));
        assert_eq!((node.role(), node.leader_id()), (Role::Follower, Some(1)));
    }

    /// Figure 2, AppendEntries receiver rule 1: "Reply false if term <
    /// currentTerm", with our term, so a deposed leader learns of the newer
    /// term and steps down instead of leading a term that has passed.
    #[test]
    fn a_stale_leader_is_told_the_newer_term_and_steps_down() {
        let mut stale = leader(0, 3);
        let mut ahead = follower_with_log(1, 3, &[4]);
        let ready = ahead.step(0, heartbeat(1, 0, 0, 0));
        assert_eq!(
            ready.messages[0].message,
            Message::AppendEntriesReply {
                term: 4,
                success: false,
                prev_log_index: 0,
                match_index: 0,
                conflict: None,
                round: 0,
            }
        );
        assert_eq!(ready.messages[0].to, 0);
        stale.step(1, ready.messages[0].message.clone());
        assert_eq!((stale.role(), stale.term()), (Role::Follower, 4));
    }

    /// Figure 2, AppendEntries receiver rules 2–4 over a compacted prefix
    /// (§7): entries the follower's snapshot already covers are committed
    /// and match, so a legitimate AppendEntries that overlaps the snapshot
    /// (its prefix before the snapshot index, one entry at it, new ones
    /// after) is acknowledged and its new entries are appended.
    #[test]
    fn an_append_overlapping_the_snapshot_is_acknowledged_and_appended() {
        let snapshot = Snapshot {
            index: 5,
            term: 2,
            configuration: Configuration::bootstrap(3),
            data: payload(5),
        };
        let hard_state = HardState {
            term: 2,
            voted_for: None,
        };
        let log = Log::restore(0, 0, entries(1, &[1, 1, 1, 1, 2]));
        let mut node =
            Raft::restore(Config::new(1, 3), 3, hard_state, Some(snapshot), log).unwrap();
        assert_eq!((node.log().base_index(), node.log().base_term()), (5, 2));
        let overlapping = entries(4, &[1, 2, 2, 2]);
        let ready = node.step(0, append(2, 3, 1, overlapping, 7));
        assert_eq!(
            reply_of(&ready),
            &Message::AppendEntriesReply {
                term: 2,
                success: true,
                prev_log_index: 3,
                match_index: 7,
                conflict: None,
                round: 0,
            }
        );
        assert_eq!(terms_of(&node), [2, 2]);
        assert_eq!((node.log().first_index(), node.log().last_index()), (6, 7));
        assert_eq!(node.commit_index(), 7);
        // One that contradicts the snapshot's own entry cannot come from a
        // legitimate leader: dropped, unanswered.
        let contradicting = entries(5, &[1, 1, 1]);
        assert!(node
            .step(0, append(2, 4, 1, contradicting, 7))
            .messages
            .is_empty());
        assert_eq!(node.log().last_index(), 7);
    }

    #[test]
    fn restart_keeps_durable_state_and_rebuilds_volatile() {
        let log = Log::restore(0, 0, entries(1, &[1, 2]));
        let hard_state = HardState {
            term: 2,
            voted_for: Some(1),
        };
        let node = Raft::restore(Config::new(0, 3), 5, hard_state, None, log.clone()).unwrap();
        assert_eq!(
            (node.term(), node.voted_for(), node.log().last_index()),
            (2, Some(1), 2)
        );
        assert_eq!((node.commit_index(), node.last_applied()), (0, 0));
        let mut forgetful = Config::new(0, 3);
        forgetful.bugs.forget_vote_on_restart = true;
        let node = Raft::restore(forgetful, 5, hard_state, None, log).unwrap();
        assert_eq!(node.voted_for(), None);
    }

    /// The bug switch (`keep_conflicting_entries`) breaks exactly Figure 2's
    /// AppendEntries rule 3: the conflicting entries stay.
    #[test]
    fn the_keep_conflicting_entries_switch_skips_exactly_the_truncation() {
        for keep in [false, true] {
            let mut config = Config::new(1, 3);
            config.bugs.keep_conflicting_entries = keep;
            let log = Log::restore(0, 0, entries(1, &[1, 1]));
            let hard_state = HardState {
                term: 1,
                voted_for: None,
            };
            let mut node = Raft::restore(config, 7, hard_state, None, log).unwrap();
            node.step(0, append(2, 0, 0, entries(1, &[2, 2]), 0));
            let expected: &[Term] = if keep { &[1, 1] } else { &[2, 2] };
            assert_eq!(terms_of(&node), expected, "keep {keep}");
        }
    }

    /// State Machine Safety: a committed entry is never replaced; an
    /// AppendEntries that would replace one is malformed and gets no reply.
    #[test]
    fn a_committed_entry_is_never_replaced() {
        let mut node = follower_with_log(1, 3, &[1, 1]);
        node.step(0, heartbeat(1, 2, 1, 2));
        assert_eq!(node.commit_index(), 2);
        let ready = node.step(0, append(2, 0, 0, entries(1, &[2]), 2));
        assert!(ready.messages.is_empty());
        assert_eq!(terms_of(&node), [1, 1]);
    }

    /// A refusal is news only for the request the leader would send now,
    /// and never for an entry the follower has confirmed holding: stale or
    /// reordered refusals neither move nextIndex nor cost a message.
    #[test]
    fn refusals_of_another_request_or_of_a_confirmed_entry_are_ignored() {
        let refusal = |prev_log_index| short_log_refusal(1, prev_log_index, 1);
        let mut node = leader(0, 3);
        node.propose(payload(1)).unwrap();
        let progress = *node.progress(1).unwrap();
        assert!(node.step(1, refusal(7)).messages.is_empty());
        assert_eq!(node.progress(1), Some(&progress));
        node.step(1, acknowledgement(1, 1));
        let progress = *node.progress(1).unwrap();
        assert_eq!((progress.match_index, progress.next_index), (1, 2));
        assert!(node.step(1, refusal(1)).messages.is_empty());
        assert_eq!(node.progress(1), Some(&progress));
    }

    /// Whatever the hint says, nextIndex stays above what the follower has
    /// confirmed and no further than just past the leader's log.
    #[test]
    fn a_hint_never_moves_next_index_out_of_bounds() {
        let log = Log::restore(0, 0, entries(1, &[1, 1, 1]));
        let hard_state = HardState {
            term: 1,
            voted_for: None,
        };
        let mut node = Raft::restore(Config::new(0, 3), 1, hard_state, None, log).unwrap();
        node.force_election_timeout();
        node.step(1, vote_reply(2, true));
        assert_eq!(node.role(), Role::Leader);
        let refusal = |prev_log_index, x_len| short_log_refusal(2, prev_log_index, x_len);
        let next = node.progress(1).unwrap().next_index;
        assert_eq!(next, 4);
        node.step(1, refusal(next - 1, 99));
        assert_eq!(node.progress(1).unwrap().next_index, 4, "not past our log");
        node.step(1, acknowledgement(2, 1));
        node.step(1, refusal(3, 1));
        assert_eq!(node.progress(1).unwrap().next_index, 2, "above matchIndex");
    }
}
