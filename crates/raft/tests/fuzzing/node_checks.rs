//! A node's local coherence, checked after every call by the randomised
//! message tests and by the `node_messages` fuzz target.
use raftviz_raft::*;

/// What a single node can vouch for by itself after any call: a log with
/// consecutive indices and non-decreasing terms resting on its snapshot,
/// a commit index within the log and fully applied, an applied index that
/// never moves back, and a vote for a server that exists.
pub fn assert_coherent(node: &Raft, last_applied_seen: Index) {
    let log = node.log();
    let mut previous_term = log.base_term();
    for (offset, entry) in log.entries().iter().enumerate() {
        assert_eq!(
            entry.index,
            log.first_index() + offset as Index,
            "log indices have a gap"
        );
        assert!(entry.term >= previous_term, "log terms decrease");
        previous_term = entry.term;
    }
    assert!(
        node.term() >= log.last_term(),
        "an entry from a future term"
    );
    assert!(node.commit_index() <= log.last_index());
    assert_eq!(
        node.latest_snapshot().map_or(0, |s| s.index),
        log.base_index()
    );
    assert_eq!(node.last_applied(), node.commit_index());
    assert!(
        node.last_applied() >= last_applied_seen,
        "applied index went back"
    );
    assert!(node
        .voted_for()
        .is_none_or(|id| id < node.config().cluster_size));
    if node.role() == Role::Leader {
        assert_eq!(node.leader_id(), Some(node.id()));
    } else {
        assert_eq!(node.transfer_target(), None, "only a leader hands over");
    }
    if node.holds_lease() {
        assert_eq!(node.role(), Role::Leader, "only a leader holds a lease");
        assert!(node.config().leader_stickiness, "a lease needs §4.2.3");
    }
    assert!(
        node.config().validate().is_ok(),
        "reconfigure kept a valid config"
    );
}

/// Checks what one call asks of the host — messages to real servers,
/// snapshots that only move forward, entries applied in order — and
/// advances `applied` the way the host's state machine would.
pub fn check_ready(node: &Raft, ready: &Ready, applied: &mut Index) {
    for envelope in &ready.messages {
        assert!(envelope.to < node.config().cluster_size);
    }
    if let Some(snapshot) = &ready.install_snapshot {
        assert!(
            snapshot.index > *applied,
            "an installed snapshot never rolls back"
        );
        *applied = snapshot.index;
    }
    for entry in &ready.committed {
        assert_eq!(entry.index, *applied + 1, "applied out of order");
        *applied = entry.index;
    }
}
