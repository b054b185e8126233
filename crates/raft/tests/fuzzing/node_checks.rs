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
    assert!(node.voted_for().is_none_or(|id| id < MAX_SERVERS));
    assert_membership_coherent(node);
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
        assert!(envelope.to < MAX_SERVERS && envelope.to != node.id());
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

/// Chapter 4, as one node can vouch for it: the configuration in use is
/// the latest in its log, else its snapshot's, else the starting cluster's;
/// a server outside its voters campaigns, and leads, only until that
/// configuration commits (§4.2.2); a joint configuration is only left by
/// its own committed entry.
fn assert_membership_coherent(node: &Raft) {
    let log = node.log();
    let expected = log
        .entries()
        .iter()
        .rev()
        .find_map(|entry| match entry.data {
            EntryData::Configuration(configuration) => Some((configuration, entry.index)),
            _ => None,
        })
        .or_else(|| {
            node.latest_snapshot()
                .map(|snapshot| (snapshot.configuration, snapshot.index))
        })
        .unwrap_or((Configuration::bootstrap(node.config().cluster_size), 0));
    assert_eq!(
        (*node.configuration(), node.configuration_index()),
        expected,
        "the configuration in use is the latest the log and snapshot hold"
    );
    let voter = node.membership() == Membership::Voter;
    if matches!(node.role(), Role::Candidate | Role::PreCandidate) && !voter {
        assert!(
            node.configuration_index() > node.commit_index(),
            "a server outside its configuration campaigns only until that configuration commits"
        );
    }
    if node.role() == Role::Leader && !voter {
        assert!(
            node.configuration_index() > node.commit_index(),
            "a leader outside its configuration steps down once it commits"
        );
    }
    if let Some((server, round)) = node.catching_up() {
        assert_eq!(node.role(), Role::Leader, "only a leader catches up");
        assert!((1..=CATCH_UP_ROUNDS).contains(&round));
        assert!(server < MAX_SERVERS);
    }
}
