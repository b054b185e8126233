//! Majorities: the one place that says what "a majority" means. Elections,
//! pre-vote, commitment, check-quorum, ReadIndex and leases all ask through
//! the two questions below, which take their voters from the configuration
//! the server is using (dissertation chapter 4), never from a cluster size.
//! In a joint configuration C_old,new a decision needs a majority of each
//! half (§4.3); learners never count.
use crate::configuration::{Configuration, ServerSet, MAX_SERVERS};
use crate::raft::Raft;
use crate::NodeId;

impl ServerSet {
    /// Do the members for which `agrees` holds form a majority of this set?
    /// An empty set has no majority.
    pub fn majority_agrees(self, agrees: impl Fn(NodeId) -> bool) -> bool {
        let count = self.iter().filter(|&id| agrees(id)).count();
        !self.is_empty() && count > self.len() / 2
    }

    /// The highest value a majority of the members have each reached; 0
    /// for an empty set.
    pub fn majority_reached(self, value_of: impl Fn(NodeId) -> u64) -> u64 {
        let mut values = [0u64; MAX_SERVERS];
        let mut count = 0;
        for id in self.iter() {
            values[count] = value_of(id);
            count += 1;
        }
        if count == 0 {
            return 0;
        }
        let values = &mut values[..count];
        values.sort_unstable_by(|a, b| b.cmp(a));
        // The (n/2 + 1)-th largest: a majority has reached it.
        values[count / 2]
    }
}

impl Configuration {
    /// A majority of the voters, and of C_old too while joint.
    pub fn majority_agrees(&self, agrees: impl Fn(NodeId) -> bool) -> bool {
        self.voters.majority_agrees(&agrees)
            && (!self.is_joint() || self.outgoing.majority_agrees(&agrees))
    }

    /// The highest value reached by a majority of the voters, and of C_old
    /// too while joint.
    pub fn majority_reached(&self, value_of: impl Fn(NodeId) -> u64) -> u64 {
        let new = self.voters.majority_reached(&value_of);
        if self.is_joint() {
            new.min(self.outgoing.majority_reached(&value_of))
        } else {
            new
        }
    }
}

impl Raft {
    /// Do the servers for which `agrees` holds form a majority of the
    /// configuration this server is using?
    pub(crate) fn majority_agrees(&self, agrees: impl Fn(NodeId) -> bool) -> bool {
        self.configuration.majority_agrees(agrees)
    }

    /// The highest value that a majority of the configuration's voters have
    /// each reached: the matchIndex a majority stores (Figure 2's commit
    /// rule), the heartbeat round a majority answered (ReadIndex, leases).
    pub(crate) fn majority_reached(&self, value_of: impl Fn(NodeId) -> u64) -> u64 {
        self.configuration.majority_reached(value_of)
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::*;
    use crate::{ConfChange, Configuration, ServerSet};

    #[test]
    fn a_majority_is_more_than_half_of_the_servers() {
        let five = node(0, 5);
        assert!(!five.majority_agrees(|id| id < 2));
        assert!(five.majority_agrees(|id| id < 3));
        let four = node(0, 4);
        assert!(!four.majority_agrees(|id| id < 2), "half is not a majority");
        assert!(four.majority_agrees(|id| id < 3));
    }

    #[test]
    fn majority_reached_is_the_value_a_majority_has_passed() {
        let five = node(0, 5);
        let values = [9, 1, 7, 3, 5];
        assert_eq!(five.majority_reached(|id| values[id]), 5);
        let three = node(0, 3);
        assert_eq!(three.majority_reached(|id| [4, 4, 0][id]), 4);
        let four = node(0, 4);
        assert_eq!(four.majority_reached(|id| [8, 6, 4, 2][id]), 4);
        let one = node(0, 1);
        assert_eq!(one.majority_reached(|_| 6), 6);
    }

    #[test]
    fn an_empty_set_has_no_majority() {
        assert!(!ServerSet::EMPTY.majority_agrees(|_| true));
        assert_eq!(ServerSet::EMPTY.majority_reached(|_| 9), 0);
    }

    #[test]
    fn learners_never_count() {
        let with_learners = Configuration::bootstrap(3)
            .apply(&[ConfChange::AddLearner(3), ConfChange::AddLearner(4)])
            .unwrap()
            .leave_joint();
        assert!(
            !with_learners.majority_agrees(|id| id == 0 || id >= 3),
            "one voter and two learners are no majority"
        );
        assert!(with_learners.majority_agrees(|id| id < 2));
        let values = [1, 1, 0, 9, 9];
        assert_eq!(with_learners.majority_reached(|id| values[id]), 1);
    }

    /// §4.3: C_old = {0, 1, 2}, C_new = {2, 3, 4}.
    #[test]
    fn a_joint_configuration_needs_a_majority_of_both_halves() {
        let joint = Configuration::bootstrap(3)
            .apply(&[
                ConfChange::AddVoter(3),
                ConfChange::AddVoter(4),
                ConfChange::Remove(0),
                ConfChange::Remove(1),
            ])
            .unwrap();
        assert!(
            !joint.majority_agrees(|id| id <= 2),
            "C_old alone is not enough"
        );
        assert!(
            !joint.majority_agrees(|id| id >= 2),
            "C_new alone is not enough"
        );
        assert!(joint.majority_agrees(|id| id == 1 || id == 2 || id == 3));
        let values = [7, 7, 7, 2, 2];
        assert_eq!(
            joint.majority_reached(|id| values[id]),
            2,
            "C_new has only reached 2"
        );
        let values = [1, 1, 5, 5, 5];
        assert_eq!(
            joint.majority_reached(|id| values[id]),
            1,
            "C_old has only reached 1"
        );
    }
}
