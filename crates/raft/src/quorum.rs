//! Majorities: the one place that says what "a majority of the servers"
//! means. Elections, commitment, check-quorum, ReadIndex and leases all ask
//! through these two questions, so a change of configuration (dissertation
//! chapter 4) has a single room to change.
use alloc::vec::Vec;

use crate::raft::Raft;
use crate::NodeId;

impl Raft {
    /// Do the servers for which `agrees` holds form a majority?
    pub(crate) fn majority_agrees(&self, agrees: impl Fn(NodeId) -> bool) -> bool {
        let count = (0..self.config.cluster_size)
            .filter(|&id| agrees(id))
            .count();
        count >= self.config.quorum()
    }

    /// The highest value that a majority of servers have each reached:
    /// the matchIndex a majority stores (Figure 2's commit rule), the
    /// heartbeat round a majority answered (ReadIndex, leases).
    pub(crate) fn majority_reached(&self, value_of: impl Fn(NodeId) -> u64) -> u64 {
        let mut values: Vec<u64> = (0..self.config.cluster_size).map(value_of).collect();
        values.sort_unstable_by(|a, b| b.cmp(a));
        values
            .get(self.config.quorum().saturating_sub(1))
            .copied()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::*;

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
        let one = node(0, 1);
        assert_eq!(one.majority_reached(|_| 6), 6);
    }
}
