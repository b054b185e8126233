//! Leadership transfer (dissertation §3.10).
use crate::message::Message;
use crate::raft::{Raft, Role};
use crate::ready::Ready;
use crate::NodeId;

impl Raft {
    /// §3.10: the leader stops accepting commands, brings `target` up to
    /// date, then tells it to start an election at once (TimeoutNow). If no
    /// election follows within an election timeout, it gives up and takes
    /// commands again.
    pub fn transfer_leadership(&mut self, target: NodeId) -> Ready {
        let valid = self.role == Role::Leader
            && target != self.config.id
            && target < self.config.cluster_size;
        if valid {
            self.transfer = Some((target, 0));
            self.continue_transfer(target);
        }
        self.take_ready()
    }

    /// Sends TimeoutNow once `peer`, the transfer target, has our whole
    /// log; until then replication catches it up.
    pub(crate) fn continue_transfer(&mut self, peer: NodeId) {
        if self.transfer.map(|(target, _)| target) != Some(peer) {
            return;
        }
        if self.progress[peer].match_index == self.log.last_index() {
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
    /// itself asked, so there is no leader to protect.
    pub(crate) fn handle_timeout_now(&mut self, from: NodeId) {
        if self.leader_id == Some(from) && self.term < crate::Term::MAX {
            self.become_candidate();
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
        let ready = nodes[0].transfer_leadership(2);
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
        let ready = nodes[0].transfer_leadership(2);
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
        let ready = nodes[0].transfer_leadership(1);
        exchange(&mut nodes, ready, 0, |_, _| true);
        assert_eq!(nodes[1].role(), Role::Leader);
    }
}
