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
    Raft::restore(Config::new(id, size), 7, hard_state, log).unwrap()
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
    }
}

pub fn vote_reply(term: Term, granted: bool) -> Message {
    Message::RequestVoteReply { term, granted }
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
