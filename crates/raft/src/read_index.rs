//! Linearizable reads without writing to the log (dissertation §6.4).
use crate::message::EntryData;
use crate::raft::{ProposeError, Raft, Role};
use crate::ready::{ReadState, Ready};
use crate::{Index, NodeId};

/// A read waiting for a heartbeat round to confirm leadership and for the
/// state machine to catch up with its index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PendingRead {
    request: u64,
    index: Index,
    /// The round a majority must answer; 0 when the leader's lease
    /// vouched for it on arrival (rounds count from 1).
    round: u64,
}

impl Raft {
    /// §6.4: 1. the read index is the commit index, once the leader has
    /// committed an entry of its own term (a no-op is appended if it has
    /// none); 2. a heartbeat round confirms it still leads; 3–4. the read is
    /// served once the state machine has applied the read index. The
    /// answer arrives in a later [`Ready::reads`] with `request`.
    pub fn read_index(&mut self, request: u64) -> Result<Ready, ProposeError> {
        self.read(request, false)
    }

    /// §6.4 with step 2 taken by the lease (§6.4.1) when it holds, or by a
    /// heartbeat round when it does not.
    pub(crate) fn read(&mut self, request: u64, by_lease: bool) -> Result<Ready, ProposeError> {
        self.check_accepting()?;
        let needs_noop = self.log.last_term() != self.term;
        if needs_noop {
            self.append_as_leader(EntryData::Noop);
            self.mark_self_matched();
        }
        let first_of_term = self
            .log
            .first_index_of_term(self.term, self.log.last_index());
        let round = if by_lease && self.holds_lease() {
            0
        } else {
            self.start_round();
            self.round
        };
        self.pending_reads.push(PendingRead {
            request,
            index: self.commit_index.max(first_of_term),
            round,
        });
        if round != 0 || needs_noop {
            self.broadcast_append();
        }
        self.maybe_commit();
        self.release_reads();
        Ok(self.take_ready())
    }

    pub(crate) fn note_round_acked(&mut self, from: NodeId, round: u64) {
        if round > self.progress[from].acked_round {
            self.progress[from].acked_round = round;
            self.release_reads();
        }
    }

    /// The latest heartbeat round a majority has answered (the leader
    /// answers every round it starts).
    pub(crate) fn confirmed_round(&self) -> u64 {
        let me = self.config.id;
        self.majority_reached(|id| {
            if id == me {
                u64::MAX
            } else {
                self.progress[id].acked_round
            }
        })
    }

    /// Hands out every read that a majority has confirmed and the state
    /// machine has caught up with.
    pub(crate) fn release_reads(&mut self) {
        if self.role != Role::Leader || self.pending_reads.is_empty() {
            return;
        }
        let confirmed = self.confirmed_round();
        let applied = self.last_applied;
        let ready = &mut self.ready;
        self.pending_reads.retain(|read| {
            let servable = read.round <= confirmed && read.index <= applied;
            if servable {
                ready.reads.push(ReadState {
                    request: read.request,
                    index: read.index,
                });
            }
            !servable
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::*;
    use crate::*;

    fn reads(readies: &[(NodeId, Ready)]) -> Vec<ReadState> {
        readies
            .iter()
            .flat_map(|(_, r)| r.reads.iter().copied())
            .collect()
    }

    #[test]
    fn a_read_is_served_after_a_heartbeat_round_at_the_commit_index() {
        let mut nodes = cluster(|config| config.noop_on_election = true);
        replicate(&mut nodes, 3, |_| true);
        let ready = nodes[0].read_index(42).unwrap();
        assert!(
            ready.reads.is_empty(),
            "not before a majority confirms leadership"
        );
        assert!(
            ready.log_changes.is_empty(),
            "a read writes nothing to the log"
        );
        let readies = exchange(&mut nodes, ready, 0, |_, _| true);
        assert_eq!(
            reads(&readies),
            [ReadState {
                request: 42,
                index: 4
            }]
        );
    }

    #[test]
    fn a_cut_off_leader_never_serves_the_read() {
        let mut nodes = cluster(|config| config.noop_on_election = true);
        replicate(&mut nodes, 1, |_| true);
        let ready = nodes[0].read_index(7).unwrap();
        let readies = exchange(&mut nodes, ready, 0, |from, e| from != 0 && e.to != 0);
        assert!(reads(&readies).is_empty());
        for _ in 0..100 {
            assert!(nodes[0].tick().reads.is_empty());
        }
    }

    #[test]
    fn a_new_leader_first_commits_an_entry_of_its_term() {
        let mut nodes = cluster(|_| {});
        let ready = nodes[0].read_index(1).unwrap();
        assert!(matches!(
            &ready.log_changes[..],
            [LogChange::Append(Entry {
                data: EntryData::Noop,
                ..
            })]
        ));
        let readies = exchange(&mut nodes, ready, 0, |_, _| true);
        assert_eq!(
            reads(&readies),
            [ReadState {
                request: 1,
                index: 1
            }]
        );
    }

    #[test]
    fn followers_refuse_reads_with_a_hint() {
        let mut nodes = cluster(|_| {});
        assert_eq!(
            nodes[1].read_index(1),
            Err(ProposeError::NotLeader {
                leader_hint: Some(0)
            })
        );
    }

    /// §6.4 with chapter 4: a read waits for a majority of the
    /// configuration the leader uses; when a change makes the answers it
    /// has a majority, the read is served then, not at the next answer.
    #[test]
    fn a_smaller_configuration_serves_a_read_its_majority_answered() {
        let mut nodes: Vec<Raft> = (0..4)
            .map(|id| Raft::new(Config::new(id, 4), id as u64 + 11).unwrap())
            .collect();
        let ready = nodes[0].force_election_timeout();
        exchange(&mut nodes, ready, 0, |_, _| true);
        replicate(&mut nodes, 1, |_| true);
        let ready = nodes[0].read_index(9).unwrap();
        let readies = exchange(&mut nodes, ready, 0, |from, e| from == 1 || e.to == 1);
        assert!(reads(&readies).is_empty(), "two of four answered");
        let proposed = nodes[0]
            .propose_membership(&[ConfChange::Remove(3)])
            .unwrap();
        assert_eq!(
            proposed
                .ready
                .reads
                .iter()
                .map(|r| r.request)
                .collect::<Vec<_>>(),
            [9],
            "two of three"
        );
    }
}
