//! Leadership transfer (dissertation §3.10).
use crate::configuration::Membership;
use crate::message::Message;
use crate::raft::{Raft, Role};
use crate::ready::Ready;
use crate::NodeId;

/// Why [`Raft::transfer_leadership`] refused a request.
///
/// A follower does not forward the request to its leader (etcd does, with
/// a message of its own): the core sends only the RPCs of the paper, and
/// the host already routes requests by the `leader_hint` that proposals
/// and reads return, so it can ask the leader itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferError {
    NotLeader {
        leader_hint: Option<NodeId>,
    },
    /// The leader was asked to hand over to itself.
    TargetIsLeader,
    /// No server of the configuration has this id.
    NoSuchServer {
        target: NodeId,
    },
    /// The target is a learner: only a voter can lead.
    NotAVoter {
        target: NodeId,
    },
}

impl Raft {
    /// §3.10: the leader stops accepting commands, brings `target` up to
    /// date, then tells it to start an election at once (TimeoutNow). If no
    /// election follows within an election timeout of the request, it gives
    /// up and takes commands again. Asking again for the same target
    /// resends what the transfer needs but keeps the first request's
    /// deadline, or a host that keeps asking would keep the leader from
    /// taking commands forever; asking for another target starts over.
    pub fn transfer_leadership(&mut self, target: NodeId) -> Result<Ready, TransferError> {
        if self.role != Role::Leader {
            return Err(TransferError::NotLeader {
                leader_hint: self.leader_id,
            });
        }
        if target == self.config.id {
            return Err(TransferError::TargetIsLeader);
        }
        match self.configuration.membership(target) {
            Membership::Voter => {}
            Membership::Learner => return Err(TransferError::NotAVoter { target }),
            Membership::Removed | Membership::Stranger => {
                return Err(TransferError::NoSuchServer { target })
            }
        }
        match self.transfer {
            Some((pending, _)) if pending == target => {}
            _ => self.transfer = Some((target, 0)),
        }
        self.continue_transfer(target);
        Ok(self.take_ready())
    }

    /// Abandons a transfer under way, so the leader takes commands again;
    /// returns its target. A TimeoutNow already sent cannot be recalled:
    /// the target may still win an election.
    pub fn cancel_transfer(&mut self) -> Option<NodeId> {
        self.transfer.take().map(|(target, _)| target)
    }

    /// Sends TimeoutNow once `peer`, the transfer target, has our whole
    /// log; until then replication catches it up.
    pub(crate) fn continue_transfer(&mut self, peer: NodeId) {
        if self.transfer.map(|(target, _)| target) != Some(peer) {
            return;
        }
        if self.progress[peer].match_index == self.log.last_index() {
            // The target's election will not wait for the followers'
            // §4.2.3 promise, which the lease rests on.
            self.lease_forfeited = true;
            self.send(peer, Message::TimeoutNow { term: self.term });
        } else {
            self.send_append(peer);
        }
    }

    pub(crate) fn tick_transfer(&mut self) {
        if let Some((target, elapsed)) = self.transfer {
            let elapsed = elapsed + 1;
            self.transfer =
                (elapsed < self.config.election_timeout_min).then_some((target, elapsed));
        }
    }

    /// TimeoutNow receiver: campaign now, skipping pre-vote — the leader
    /// itself asked, so there is no leader to protect. Only a voter of its
    /// own configuration can campaign.
    pub(crate) fn handle_timeout_now(&mut self, from: NodeId) {
        if self.leader_id == Some(from) && self.term < crate::Term::MAX && self.is_voter() {
            self.become_candidate(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::*;
    use crate::*;

    #[test]
    fn transfer_catches_the_target_up_then_hands_over() {
        let mut nodes = cluster(|_| {});
        replicate(&mut nodes, 3, |id| id != 2);
        let ready = nodes[0].transfer_leadership(2).unwrap();
        assert_eq!(
            nodes[0].propose(payload(1)),
            Err(ProposeError::TransferringLeadership { target: 2 }),
            "no new commands while handing over"
        );
        let readies = exchange(&mut nodes, ready, 0, |_, _| true);
        let timeout_now = readies
            .iter()
            .flat_map(|(_, r)| r.messages.iter())
            .any(|e| e.to == 2 && e.message.kind() == MessageKind::TimeoutNow);
        assert!(timeout_now);
        assert_eq!((nodes[2].role(), nodes[2].term()), (Role::Leader, 2));
        assert_eq!(
            nodes[2].log().last_index(),
            3,
            "the target had the whole log"
        );
        assert_eq!(nodes[0].role(), Role::Follower);
    }

    #[test]
    fn an_unreachable_target_is_given_up_after_an_election_timeout() {
        let mut nodes = cluster(|_| {});
        let ready = nodes[0].transfer_leadership(2).unwrap();
        exchange(&mut nodes, ready, 0, |from, e| from != 2 && e.to != 2);
        assert_eq!(nodes[0].transfer_target(), Some(2));
        for _ in 0..30 {
            nodes[0].tick();
        }
        assert_eq!(nodes[0].transfer_target(), None);
        assert!(nodes[0].propose(payload(1)).is_ok(), "takes commands again");
    }

    #[test]
    fn timeout_now_skips_pre_vote() {
        let mut nodes = cluster(|config| config.pre_vote = true);
        let ready = nodes[0].transfer_leadership(1).unwrap();
        exchange(&mut nodes, ready, 0, |_, _| true);
        assert_eq!(nodes[1].role(), Role::Leader);
    }
    /// §4.2.3 exempts elections started by TimeoutNow: with the rule on
    /// everywhere, the transfer still goes through, and the target keeps
    /// saying so when it asks again.
    #[test]
    fn transfer_works_with_leader_stickiness_on() {
        let mut nodes = cluster(|_| {});
        reconfigure_all(&mut nodes, |config| config.leader_stickiness = true);
        replicate(&mut nodes, 2, |_| true);
        let ready = nodes[0].transfer_leadership(2).unwrap();
        let readies = exchange(&mut nodes, ready, 0, |from, e| {
            !(from == 2 && e.message.kind() == MessageKind::RequestVote && e.to == 1)
        });
        let first_ask = readies
            .iter()
            .filter(|(from, _)| *from == 2)
            .flat_map(|(_, r)| r.messages.iter())
            .find(|e| e.message.kind() == MessageKind::RequestVote);
        assert!(matches!(
            first_ask.map(|e| &e.message),
            Some(Message::RequestVote {
                leadership_transfer: true,
                ..
            })
        ));
        assert_eq!(
            nodes[2].role(),
            Role::Leader,
            "the old leader's vote suffices"
        );
        assert_eq!(nodes[0].role(), Role::Follower);
    }

    #[test]
    fn a_transfer_candidate_asks_again_as_one() {
        let mut nodes = cluster(|_| {});
        let ready = nodes[0].transfer_leadership(1).unwrap();
        exchange(&mut nodes, ready, 0, |from, e| {
            from != 1 || e.message.kind() != MessageKind::RequestVote
        });
        assert_eq!(nodes[1].role(), Role::Candidate);
        let again = nodes[1].tick_until_heartbeat();
        assert!(!again.messages.is_empty());
        assert!(again.messages.iter().all(|e| matches!(
            e.message,
            Message::RequestVote {
                leadership_transfer: true,
                ..
            }
        )));
    }

    #[test]
    fn a_timeout_now_of_a_later_term_names_no_leader_and_starts_nothing() {
        let mut node = node(1, 3);
        node.step(0, heartbeat(1, 0, 0, 0));
        let ready = node.step(2, Message::TimeoutNow { term: 4 });
        assert_eq!(
            (node.role(), node.term(), node.leader_id()),
            (Role::Follower, 4, None)
        );
        assert!(
            ready.messages.is_empty(),
            "only the leader may say when to campaign"
        );
    }

    /// Server 2 hears nothing and says nothing.
    fn without_2(from: NodeId, envelope: &Envelope) -> bool {
        from != 2 && envelope.to != 2
    }

    fn short_timeouts(config: &mut Config) {
        config.election_timeout_min = 10;
        config.election_timeout_max = 20;
        config.heartbeat_interval = 3;
    }

    /// Issue 12 (found by etcd-io/raft's tests): asking again restarted the
    /// give-up timer, so a host asking every 9 ticks kept the leader from
    /// taking commands forever. §3.10: a transfer that has not completed
    /// within an election timeout is aborted.
    #[test]
    fn a_repeated_transfer_request_keeps_the_first_deadline() {
        let mut nodes = cluster(short_timeouts);
        let mut refused_in_a_row = 0;
        let mut longest_refusal = 0;
        for tick in 0..200 {
            if tick % 9 == 0 {
                let ready = nodes[0].transfer_leadership(2).unwrap();
                exchange(&mut nodes, ready, 0, without_2);
            }
            match nodes[0].propose(payload(tick as u8)) {
                Ok(proposed) => {
                    assert!(
                        tick >= 10,
                        "accepted at tick {tick}, inside the first transfer"
                    );
                    refused_in_a_row = 0;
                    exchange(&mut nodes, proposed.ready, 0, without_2);
                }
                Err(refusal) => {
                    assert_eq!(refusal, ProposeError::TransferringLeadership { target: 2 });
                    refused_in_a_row += 1;
                    longest_refusal = longest_refusal.max(refused_in_a_row);
                }
            }
            if tick == 10 {
                assert_eq!(
                    nodes[0].transfer_target(),
                    None,
                    "one election timeout after the first request, not the latest"
                );
            }
            let ready = nodes[0].tick();
            exchange(&mut nodes, ready, 0, without_2);
        }
        assert_eq!(
            longest_refusal, 10,
            "never refuses commands for longer than an election timeout"
        );
        assert_eq!(nodes[0].role(), Role::Leader);
    }

    #[test]
    fn asking_for_another_target_starts_the_deadline_over() {
        let mut nodes = cluster(short_timeouts);
        nodes[0].transfer_leadership(2).unwrap();
        for _ in 0..9 {
            nodes[0].tick();
        }
        // Nothing is delivered: server 1 cannot be caught up either.
        nodes[0].transfer_leadership(1).unwrap();
        for _ in 0..9 {
            nodes[0].tick();
        }
        assert_eq!(nodes[0].transfer_target(), Some(1));
        nodes[0].tick();
        assert_eq!(nodes[0].transfer_target(), None);
    }

    #[test]
    fn a_follower_refuses_a_transfer_and_names_its_leader() {
        let mut nodes = cluster(|_| {});
        assert_eq!(
            nodes[1].transfer_leadership(2),
            Err(TransferError::NotLeader {
                leader_hint: Some(0)
            })
        );
        assert_eq!(nodes[1].transfer_target(), None);
    }

    #[test]
    fn a_transfer_to_the_leader_itself_or_to_no_server_is_refused() {
        let mut nodes = cluster(|_| {});
        assert_eq!(
            nodes[0].transfer_leadership(0),
            Err(TransferError::TargetIsLeader)
        );
        assert_eq!(
            nodes[0].transfer_leadership(3),
            Err(TransferError::NoSuchServer { target: 3 })
        );
        assert_eq!(
            nodes[0].transfer_leadership(usize::MAX),
            Err(TransferError::NoSuchServer { target: usize::MAX })
        );
        assert_eq!(nodes[0].transfer_target(), None);
        assert!(nodes[0].propose(payload(1)).is_ok(), "still takes commands");
    }

    #[test]
    fn cancelling_a_transfer_lets_the_leader_take_commands_again() {
        let mut nodes = cluster(|_| {});
        let ready = nodes[0].transfer_leadership(2).unwrap();
        exchange(&mut nodes, ready, 0, without_2);
        assert!(nodes[0].propose(payload(1)).is_err());
        assert_eq!(nodes[0].cancel_transfer(), Some(2));
        assert_eq!(nodes[0].transfer_target(), None);
        assert!(nodes[0].propose(payload(1)).is_ok());
        assert_eq!(nodes[0].cancel_transfer(), None, "nothing left to cancel");
        assert_eq!(nodes[1].cancel_transfer(), None, "a follower has none");
    }
}
