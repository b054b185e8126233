//! Builders for unit tests: nodes in a given state, and messages.
extern crate std;

pub use alloc::vec::Vec;

use crate::*;

pub fn node(id: NodeId, size: usize) -> Raft {
    Raft::new(Config::new(id, size), id as u64 + 1).unwrap()
}

/// A follower whose log holds entries of the given terms, at the last one.
pub fn follower_with_log(id: NodeId, size: usize, terms: &[Term]) -> Raft {
    let log = Log::restore(0, 0, entries(1, terms));
    let term = terms.last().copied().unwrap_or(0);
    let hard_state = HardState {
        term,
        voted_for: None,
    };
    Raft::restore(Config::new(id, size), 7, hard_state, None, log).unwrap()
}

pub fn entries(first: Index, terms: &[Term]) -> Vec<Entry> {
    terms
        .iter()
        .enumerate()
        .map(|(k, &term)| Entry {
            index: first + k as Index,
            term,
            data: EntryData::Command(alloc::sync::Arc::from(&[k as u8][..])),
        })
        .collect()
}

pub fn candidate(id: NodeId, size: usize) -> Raft {
    let mut raft = node(id, size);
    raft.force_election_timeout();
    assert_eq!(raft.role(), Role::Candidate);
    raft
}

/// A leader of term 1 whose followers have all answered its first heartbeat.
pub fn leader(id: NodeId, size: usize) -> Raft {
    let mut raft = candidate(id, size);
    for peer in 0..size {
        if peer != id {
            raft.step(peer, vote_reply(1, true));
        }
    }
    assert_eq!(raft.role(), Role::Leader);
    for peer in 0..size {
        if peer != id {
            raft.step(
                peer,
                Message::AppendEntriesReply {
                    term: 1,
                    success: true,
                    prev_log_index: 0,
                    match_index: 0,
                    conflict: None,
                    round: 0,
                },
            );
        }
    }
    raft
}

pub fn request_vote(term: Term, last_log_index: Index, last_log_term: Term) -> Message {
    Message::RequestVote {
        term,
        last_log_index,
        last_log_term,
        leadership_transfer: false,
    }
}

pub fn vote_reply(term: Term, granted: bool) -> Message {
    Message::RequestVoteReply { term, granted }
}

pub fn pre_vote(term: Term, last_log_index: Index, last_log_term: Term) -> Message {
    Message::PreVote {
        term,
        last_log_index,
        last_log_term,
    }
}

pub fn pre_vote_reply(term: Term, granted: bool) -> Message {
    Message::PreVoteReply { term, granted }
}

pub fn heartbeat(term: Term, prev_log_index: Index, prev_log_term: Term, commit: Index) -> Message {
    append(term, prev_log_index, prev_log_term, Vec::new(), commit)
}

pub fn append(
    term: Term,
    prev_log_index: Index,
    prev_log_term: Term,
    entries: Vec<Entry>,
    leader_commit: Index,
) -> Message {
    Message::AppendEntries {
        term,
        prev_log_index,
        prev_log_term,
        entries,
        leader_commit,
        round: 0,
    }
}

/// A follower's success reply holding the leader's log through `match_index`.
pub fn acknowledgement(term: Term, match_index: Index) -> Message {
    Message::AppendEntriesReply {
        term,
        success: true,
        prev_log_index: 0,
        match_index,
        conflict: None,
        round: 0,
    }
}

/// A follower's refusal at `prev_log_index`: its log ends before index `x_len`.
pub fn short_log_refusal(term: Term, prev_log_index: Index, x_len: Index) -> Message {
    Message::AppendEntriesReply {
        term,
        success: false,
        prev_log_index,
        match_index: 0,
        conflict: Some(Conflict {
            x_term: None,
            x_index: x_len,
            x_len,
        }),
        round: 0,
    }
}

pub fn granted(ready: &Ready) -> Option<bool> {
    ready
        .messages
        .iter()
        .rev()
        .find_map(|envelope| match envelope.message {
            Message::RequestVoteReply { granted, .. } | Message::PreVoteReply { granted, .. } => {
                Some(granted)
            }
            _ => None,
        })
}

pub fn terms_of(raft: &Raft) -> Vec<Term> {
    raft.log()
        .entries()
        .iter()
        .map(|entry| entry.term)
        .collect()
}

pub fn payload(byte: u8) -> Payload {
    alloc::sync::Arc::from(&[byte][..])
}

/// Delivers messages among `nodes` (indexed by id) until none are left,
/// passing each through `filter` (return false to lose it). Returns every
/// ready produced, in order.
pub fn exchange(
    nodes: &mut [Raft],
    first: Ready,
    from: NodeId,
    mut filter: impl FnMut(NodeId, &Envelope) -> bool,
) -> Vec<(NodeId, Ready)> {
    let mut queue: std::collections::VecDeque<(NodeId, Envelope)> =
        first.messages.iter().cloned().map(|e| (from, e)).collect();
    let mut readies = alloc::vec![(from, first)];
    while let Some((sender, envelope)) = queue.pop_front() {
        if !filter(sender, &envelope) {
            continue;
        }
        let to = envelope.to;
        let ready = nodes[to].step(sender, envelope.message);
        queue.extend(ready.messages.iter().cloned().map(|e| (to, e)));
        readies.push((to, ready));
    }
    readies
}

/// Three fresh nodes with node 0 elected leader of term 1 and in contact.
pub fn cluster(configure: impl Fn(&mut Config)) -> Vec<Raft> {
    let mut nodes: Vec<Raft> = (0..3)
        .map(|id| {
            let mut config = Config::new(id, 3);
            configure(&mut config);
            Raft::new(config, id as u64 + 11).unwrap()
        })
        .collect();
    let ready = nodes[0].force_election_timeout();
    exchange(&mut nodes, ready, 0, |_, _| true);
    let ready = nodes[0].tick();
    exchange(&mut nodes, ready, 0, |_, _| true);
    assert_eq!(nodes[0].role(), Role::Leader);
    nodes
}

/// Changes the settings of every running node alike.
pub fn reconfigure_all(nodes: &mut [Raft], change: impl Fn(&mut Config)) {
    for node in nodes {
        let mut config = node.config().clone();
        change(&mut config);
        node.reconfigure(config).unwrap();
    }
}

/// Proposes `count` commands at the leader and lets them replicate to
/// the nodes `reachable` allows.
pub fn replicate(nodes: &mut [Raft], count: u8, reachable: impl Fn(NodeId) -> bool) {
    for k in 0..count {
        let ready = nodes[0].propose(payload(k)).unwrap().ready;
        exchange(nodes, ready, 0, |from, e| {
            reachable(from) && reachable(e.to)
        });
    }
    let ready = nodes[0].tick_until_heartbeat();
    exchange(nodes, ready, 0, |from, e| {
        reachable(from) && reachable(e.to)
    });
}

impl Raft {
    pub fn tick_until_heartbeat(&mut self) -> Ready {
        loop {
            let ready = self.tick();
            if !ready.messages.is_empty() {
                return ready;
            }
        }
    }
}

/// Boots a server that is not yet a member: the next id, knowing only the
/// cluster the run started with.
pub fn join(nodes: &mut Vec<Raft>) -> NodeId {
    let id = nodes.len();
    let mut config = nodes[0].config().clone();
    config.id = id;
    nodes.push(Raft::new(config, id as u64 + 11).unwrap());
    id
}

/// A few heartbeat intervals of the leader `leader`, every message
/// delivered that `reachable` allows (by sender and receiver).
pub fn heartbeats(
    nodes: &mut [Raft],
    leader: NodeId,
    rounds: usize,
    reachable: impl Fn(NodeId) -> bool,
) {
    for _ in 0..rounds {
        let ready = nodes[leader].tick_until_heartbeat();
        exchange(nodes, ready, leader, |from, e| {
            reachable(from) && reachable(e.to)
        });
    }
}

/// Proposes `changes` at `leader` and delivers what follows.
pub fn change(nodes: &mut [Raft], leader: NodeId, changes: &[ConfChange]) -> Vec<(NodeId, Ready)> {
    let proposed = nodes[leader].propose_membership(changes).unwrap();
    exchange(nodes, proposed.ready, leader, |_, _| true)
}

pub fn voters(raft: &Raft) -> Vec<NodeId> {
    raft.configuration().voters.iter().collect()
}

/// A configuration entry at `index` of `term`.
pub fn configuration_entry(index: Index, term: Term, configuration: Configuration) -> Entry {
    Entry {
        index,
        term,
        data: EntryData::Configuration(configuration),
    }
}
