//! Lease-based reads (dissertation §6.4.1): once a majority has answered a
//! heartbeat round, no other leader can be elected for about an election
//! timeout, so until then the leader serves reads without a round of its
//! own. The promise behind it is the §4.2.3 rule (`leader_stickiness`):
//! a follower that has heard from the leader ignores RequestVote for the
//! minimum election timeout. Without the rule no lease holds.
//!
//! Clocks are the weak point: the lease is counted on the leader's clock,
//! the promise on each follower's. The lease is therefore shortened by the
//! clock-drift bound: it stays safe while every clock runs within
//! `clock_drift_bound_percent` of the true rate, and fails (stale reads)
//! beyond it. So does anything else that makes a follower campaign before
//! its promise runs out: [`Raft::force_election_timeout`] is such a fault.
use crate::raft::{ProposeError, Raft, Role};
use crate::ready::Ready;

impl Raft {
    /// §6.4.1: like [`Raft::read_index`], but while the leader's lease
    /// holds the read needs no heartbeat round (it is answered as soon as
    /// the state machine has applied the read index); without the lease it
    /// takes one, as ReadIndex does.
    pub fn read_with_lease(&mut self, request: u64) -> Result<Ready, ProposeError> {
        self.read(request, true)
    }

    /// Does this leader hold a lease now? It does from when a majority
    /// answered a round until `lease_ticks` after the round started, as the
    /// leader's clock counts; never with the §4.2.3 rule off, and not
    /// again in this term once it has sent TimeoutNow (§3.10: the target's
    /// election is exempt from the rule, so the promise is void).
    pub fn holds_lease(&self) -> bool {
        if self.role != Role::Leader || !self.config.leader_stickiness || self.lease_forfeited {
            return false;
        }
        let confirmed = self.confirmed_round();
        // Rounds that started in the same tick share the entry of the first.
        self.round_starts
            .iter()
            .rev()
            .find(|(first_round, _)| *first_round <= confirmed)
            .is_some_and(|&(_, started)| self.ticks < started.saturating_add(self.lease_ticks()))
    }

    /// How long a lease lasts on the leader's clock. A follower that
    /// answered a round heard it after it started and ignores votes until
    /// it has counted `election_timeout_min` ticks, the first of which may
    /// follow at once: it keeps its promise for at least `min − 1` of its
    /// ticks. A clock up to `b` % fast against one up to `b` % slow makes
    /// that `(min − 1)·(100 − b)/(100 + b)` of the leader's ticks.
    pub(crate) fn lease_ticks(&self) -> u64 {
        let promise = u64::from(self.config.election_timeout_min.saturating_sub(1));
        let drift = u64::from(self.config.clock_drift_bound_percent.min(100));
        promise * (100 - drift) / (100 + drift)
    }

    /// Starts a new heartbeat round (ReadIndex, leases) and notes on the
    /// leader's clock when it started, forgetting rounds too old to give a
    /// lease any more, so the record stays within one entry per tick of a
    /// lease.
    pub(crate) fn start_round(&mut self) {
        self.round += 1;
        if self.round_starts.back().map(|&(_, tick)| tick) != Some(self.ticks) {
            self.round_starts.push_back((self.round, self.ticks));
        }
        let lease = self.lease_ticks();
        let now = self.ticks;
        while self
            .round_starts
            .front()
            .is_some_and(|&(_, tick)| tick.saturating_add(lease) <= now)
        {
            self.round_starts.pop_front();
        }
    }

    /// A new leader's rounds and lease start from nothing.
    pub(crate) fn reset_lease(&mut self) {
        self.round_starts.clear();
        self.lease_forfeited = false;
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::*;
    use crate::*;

    fn reads(readies: &[(NodeId, Ready)]) -> Vec<u64> {
        readies
            .iter()
            .flat_map(|(_, r)| r.reads.iter().map(|read| read.request))
            .collect()
    }

    fn lease_cluster(drift: u32) -> Vec<Raft> {
        let mut nodes = cluster(|config| config.noop_on_election = true);
        reconfigure_all(&mut nodes, |config| {
            config.leader_stickiness = true;
            config.clock_drift_bound_percent = drift;
        });
        replicate(&mut nodes, 2, |_| true);
        nodes
    }

    #[test]
    fn a_lease_read_is_served_at_once_without_a_round() {
        let mut nodes = lease_cluster(10);
        assert!(nodes[0].holds_lease());
        let ready = nodes[0].read_with_lease(7).unwrap();
        assert_eq!(
            ready.reads,
            [ReadState {
                request: 7,
                index: 3
            }]
        );
        assert!(ready.messages.is_empty(), "§6.4.1: no messages for a read");
        assert!(ready.log_changes.is_empty());
    }

    #[test]
    fn the_lease_lasts_an_election_timeout_shortened_by_the_drift_bound() {
        for (drift, lease) in [(0, 29), (10, 23), (50, 9), (100, 0)] {
            let mut nodes = lease_cluster(drift);
            // The last round started on the heartbeat `replicate` ended with.
            let mut held = 0;
            while nodes[0].holds_lease() && held <= 30 {
                nodes[0].tick();
                held += 1;
            }
            assert_eq!(held, lease, "drift bound {drift} %");
            let ready = nodes[0].read_with_lease(1).unwrap();
            assert!(ready.reads.is_empty(), "no lease: a round first");
            let readies = exchange(&mut nodes, ready, 0, |_, _| true);
            assert_eq!(reads(&readies), [1]);
            assert!(nodes[0].holds_lease() == (lease > 0), "the round renews it");
        }
    }

    #[test]
    fn heartbeats_answered_by_a_majority_renew_the_lease() {
        let mut nodes = lease_cluster(10);
        for _ in 0..200 {
            let ready = nodes[0].tick();
            exchange(&mut nodes, ready, 0, |from, e| from != 2 && e.to != 2);
            assert!(nodes[0].holds_lease(), "one follower's answers suffice");
        }
    }

    #[test]
    fn a_leader_cut_off_from_the_majority_loses_its_lease() {
        let mut nodes = lease_cluster(10);
        for tick in 0..40 {
            let ready = nodes[0].tick();
            exchange(&mut nodes, ready, 0, |from, e| from != 0 && e.to != 0);
            assert_eq!(nodes[0].holds_lease(), tick < 22, "tick {tick}");
        }
        let ready = nodes[0].read_with_lease(5).unwrap();
        let readies = exchange(&mut nodes, ready, 0, |from, e| from != 0 && e.to != 0);
        assert!(
            reads(&readies).is_empty(),
            "and then reads wait for a round"
        );
    }

    #[test]
    fn without_leader_stickiness_there_is_no_lease() {
        let mut nodes = cluster(|config| config.noop_on_election = true);
        replicate(&mut nodes, 2, |_| true);
        assert!(!nodes[0].holds_lease());
        let ready = nodes[0].read_with_lease(3).unwrap();
        assert!(ready.reads.is_empty());
        let readies = exchange(&mut nodes, ready, 0, |_, _| true);
        assert_eq!(reads(&readies), [3], "the read takes a round instead");
    }

    #[test]
    fn a_leader_gives_up_its_lease_when_it_sends_timeout_now() {
        let mut nodes = lease_cluster(10);
        let ready = nodes[0].transfer_leadership(1).unwrap();
        assert!(!nodes[0].holds_lease());
        // The target never hears of it: the transfer is abandoned, yet the
        // target may still campaign past the followers' promise.
        assert!(ready
            .messages
            .iter()
            .any(|e| e.message.kind() == MessageKind::TimeoutNow));
        for _ in 0..40 {
            let ready = nodes[0].tick();
            exchange(&mut nodes, ready, 0, |_, e| {
                e.message.kind() != MessageKind::TimeoutNow
            });
        }
        assert_eq!(nodes[0].transfer_target(), None);
        assert_eq!(nodes[0].role(), Role::Leader);
        assert!(!nodes[0].holds_lease(), "not again in this term");
    }

    /// The forfeit is for the term of the TimeoutNow: leading again in a
    /// later term, the server earns a lease from its first answered round.
    #[test]
    fn a_leader_that_gave_up_its_lease_earns_one_again_in_a_later_term() {
        let mut nodes = lease_cluster(10);
        let ready = nodes[0].transfer_leadership(1).unwrap();
        exchange(&mut nodes, ready, 0, |_, _| true);
        assert_eq!((nodes[1].role(), nodes[1].term()), (Role::Leader, 2));
        let ready = nodes[1].transfer_leadership(0).unwrap();
        exchange(&mut nodes, ready, 1, |_, _| true);
        assert_eq!((nodes[0].role(), nodes[0].term()), (Role::Leader, 3));
        let ready = nodes[0].tick_until_heartbeat();
        exchange(&mut nodes, ready, 0, |_, _| true);
        assert!(nodes[0].holds_lease());
    }

    #[test]
    fn a_lease_read_waits_for_the_leaders_first_entry_to_commit() {
        let mut nodes = cluster(|_| {});
        reconfigure_all(&mut nodes, |config| config.leader_stickiness = true);
        let ready = nodes[0].tick_until_heartbeat();
        exchange(&mut nodes, ready, 0, |_, _| true);
        assert!(nodes[0].holds_lease());
        // No entry of its term yet: the read index is the no-op's.
        let ready = nodes[0].read_with_lease(9).unwrap();
        assert!(ready.reads.is_empty());
        let readies = exchange(&mut nodes, ready, 0, |_, _| true);
        assert_eq!(reads(&readies), [9]);
        assert_eq!(nodes[0].commit_index(), 1);
    }

    #[test]
    fn a_follower_has_no_lease_and_refuses_lease_reads() {
        let mut nodes = lease_cluster(10);
        assert!(!nodes[1].holds_lease());
        assert_eq!(
            nodes[1].read_with_lease(1),
            Err(ProposeError::NotLeader {
                leader_hint: Some(0)
            })
        );
    }

    #[test]
    fn round_start_records_stay_within_a_lease() {
        let mut nodes = lease_cluster(0);
        for request in 0..500 {
            let ready = nodes[0].read_with_lease(request).unwrap();
            exchange(&mut nodes, ready, 0, |_, _| false);
            nodes[0].tick();
        }
        assert!(nodes[0].round_starts.len() <= 30);
    }
}
