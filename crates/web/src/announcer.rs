//! What a screen reader hears: the run's events turned into short sentences ("S3
//! became leader of term 4", "S1 crashed", "index 7 committed"), coalesced and let out
//! at most once every [`PACE_MS`], so a person can follow them. It keeps a handful of
//! sentences at most, however fast the run goes.

use std::cell::RefCell;
use std::rc::Weak;

use raftviz_sim::{ChangeError, ConfChange, EventKind, Simulation};

use crate::i18n::{Lang, T};
use crate::names::{changes_words, invariant_title, server_name};
use crate::state::{NodeId, SimHandle};

/// Real ms between two updates of the live region.
const PACE_MS: f64 = 1500.0;
/// Sentences waiting at most; older ones give way (a broken invariant never does).
const MAX_PENDING: usize = 6;

#[derive(Clone, Debug, PartialEq)]
enum Sentence {
    Leader(NodeId, u64),
    Crashed(NodeId),
    Restarted(NodeId),
    Committed(u64, u64),
    Broken(&'static str, Option<u64>),
    /// A leader accepted membership changes: its entry's index.
    ChangeProposed(NodeId, u64, Vec<ConfChange>),
    ChangeRefused(ChangeError),
}

impl Sentence {
    fn words(&self, lang: Lang) -> String {
        match self {
            Sentence::Leader(id, term) => lang.fill(T::SaidLeader, &[&server_name(*id), term]),
            Sentence::Crashed(id) => lang.fill(T::SaidCrashed, &[&server_name(*id)]),
            Sentence::Restarted(id) => lang.fill(T::SaidRestarted, &[&server_name(*id)]),
            Sentence::Committed(first, last) if first == last => {
                lang.fill(T::SaidCommittedOne, &[last])
            }
            Sentence::Committed(first, last) => lang.fill(T::SaidCommitted, &[first, last]),
            Sentence::Broken(name, Some(index)) => {
                lang.fill(T::SaidBrokenAt, &[&invariant_title(lang, name), index])
            }
            Sentence::Broken(name, None) => {
                lang.fill(T::SaidBroken, &[&invariant_title(lang, name)])
            }
            Sentence::ChangeProposed(leader, index, changes) => lang.fill(
                T::SaidChangeProposed,
                &[&server_name(*leader), index, &changes_words(lang, changes)],
            ),
            Sentence::ChangeRefused(reason) => lang.fill(T::SaidChangeRefused, &[reason]),
        }
    }
}

#[derive(Default)]
pub struct Announcer {
    /// The simulation read last, and how many of its events were read.
    watching: Option<(Weak<RefCell<Simulation>>, u64)>,
    /// The highest index announced as committed.
    committed: u64,
    pending: Vec<Sentence>,
    last_said_ms: f64,
    pub muted: bool,
}

impl Announcer {
    /// Whether sentences wait to be said (the page must keep ticking for them).
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Reads the events `shown` recorded since the last call; returns the new text of
    /// the live region when it is time to change it. A different simulation on screen
    /// (a jump in time, another step) is taken as it is, without announcing its past.
    pub fn observe(&mut self, shown: &SimHandle, now_ms: f64, lang: Lang) -> Option<String> {
        let sim = shown.borrow();
        let total = sim.trace().len();
        let same = self.watching.as_ref().is_some_and(|(watched, read)| {
            Weak::ptr_eq(watched, &shown.downgrade()) && *read <= total
        });
        if !same {
            self.committed = (0..sim.server_count())
                .map(|id| sim.server_view(id).commit)
                .max()
                .unwrap_or(0);
        } else {
            let read = self.watching.as_ref().map_or(total, |(_, read)| *read);
            let new = usize::try_from(total - read).unwrap_or(usize::MAX);
            let events = sim.trace().events();
            let start = events.len().saturating_sub(new);
            for event in events.skip(start) {
                self.hear(&sim, event.server, &event.kind);
            }
        }
        self.watching = Some((shown.downgrade(), total));
        drop(sim);
        if self.muted {
            self.pending.clear();
            return None;
        }
        if self.pending.is_empty() || now_ms - self.last_said_ms < PACE_MS {
            return None;
        }
        self.last_said_ms = now_ms;
        let text = self
            .pending
            .drain(..)
            .map(|sentence| sentence.words(lang))
            .collect::<Vec<_>>()
            .join(lang.sentence_gap());
        Some(text)
    }

    fn hear(&mut self, sim: &Simulation, server: Option<NodeId>, kind: &EventKind) {
        let sentence = match (kind, server) {
            (EventKind::Role { role, term }, Some(id)) if role.name() == "leader" => {
                // Only the latest leader is news.
                self.pending.retain(|s| !matches!(s, Sentence::Leader(..)));
                Sentence::Leader(id, *term)
            }
            (EventKind::Crash, Some(id)) => Sentence::Crashed(id),
            (EventKind::Restart, Some(id)) => Sentence::Restarted(id),
            (EventKind::Commit { index }, _) if *index > self.committed => {
                let first = self.committed + 1;
                self.committed = *index;
                if let Some(Sentence::Committed(_, last)) = self
                    .pending
                    .iter_mut()
                    .find(|s| matches!(s, Sentence::Committed(..)))
                {
                    *last = *index;
                    return;
                }
                Sentence::Committed(first, *index)
            }
            (EventKind::Violation { invariant, .. }, _) => {
                let index = sim
                    .violations()
                    .iter()
                    .find(|violation| violation.invariant == *invariant)
                    .and_then(|violation| violation.indices.first().copied());
                Sentence::Broken(invariant, index)
            }
            _ => match membership(server, kind) {
                Some(sentence) => sentence,
                None => return,
            },
        };
        if self.pending.len() >= MAX_PENDING {
            if let Some(oldest) = self
                .pending
                .iter()
                .position(|s| !matches!(s, Sentence::Broken(..)))
            {
                self.pending.remove(oldest);
            } else {
                return;
            }
        }
        self.pending.push(sentence);
    }
}

/// A membership event as the announcer says it.
fn membership(server: Option<NodeId>, kind: &EventKind) -> Option<Sentence> {
    Some(match (kind, server) {
        (EventKind::MembershipProposed { index, changes }, Some(leader)) => {
            Sentence::ChangeProposed(leader, *index, changes.clone())
        }
        (EventKind::MembershipRefused { reason }, _) => Sentence::ChangeRefused(*reason),
        _ => return None,
    })
}

/// What a person is told about a membership request: accepted or refused.
pub fn membership_sentence(lang: Lang, server: Option<NodeId>, kind: &EventKind) -> Option<String> {
    membership(server, kind).map(|sentence| sentence.words(lang))
}
