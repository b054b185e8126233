use alloc::vec::Vec;

use crate::message::Entry;
use crate::{Index, Term};

/// No log reaches this index; peers' messages beyond it are malformed, which
/// keeps every `index + 1` in the core from overflowing.
pub(crate) const INDEX_LIMIT: Index = u64::MAX / 2;

/// The replicated log. Entries before `first_index()` have been compacted
/// away; their last index and term stay as the log's base, which plays the
/// part of the paper's dummy entry at index 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    base_index: Index,
    base_term: Term,
    /// `entries[k]` holds index `base_index + 1 + k`.
    entries: Vec<Entry>,
}

impl Log {
    /// Rebuilds a log from durable state. Entries must follow the base
    /// without gaps; anything else is cut at the first gap.
    pub fn restore(base_index: Index, base_term: Term, entries: Vec<Entry>) -> Log {
        let mut log = Log {
            base_index,
            base_term,
            entries,
        };
        let consecutive = log
            .entries
            .iter()
            .enumerate()
            .take_while(|(k, entry)| entry.index == base_index + 1 + *k as Index)
            .count();
        log.entries.truncate(consecutive);
        log
    }

    pub fn base_index(&self) -> Index {
        self.base_index
    }

    pub fn base_term(&self) -> Term {
        self.base_term
    }

    pub fn first_index(&self) -> Index {
        self.base_index + 1
    }

    pub fn last_index(&self) -> Index {
        self.base_index + self.entries.len() as Index
    }

    pub fn last_term(&self) -> Term {
        self.entries
            .last()
            .map_or(self.base_term, |entry| entry.term)
    }

    /// Term of the entry at `index`, if this log still knows it.
    pub fn term_at(&self, index: Index) -> Option<Term> {
        if index == self.base_index {
            return Some(self.base_term);
        }
        self.get(index).map(|entry| entry.term)
    }

    pub fn get(&self, index: Index) -> Option<&Entry> {
        let offset = index.checked_sub(self.first_index())?;
        self.entries.get(usize::try_from(offset).ok()?)
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Up to `max` entries starting at `from`, cloned for a message.
    pub fn slice_from(&self, from: Index, max: usize) -> Vec<Entry> {
        let Some(offset) = from.checked_sub(self.first_index()) else {
            return Vec::new();
        };
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.entries.len());
        let end = start.saturating_add(max).min(self.entries.len());
        self.entries[start..end].to_vec()
    }

    /// Entries in `from..=to`, cloned for the application.
    pub fn range(&self, from: Index, to: Index) -> Vec<Entry> {
        if to < from {
            return Vec::new();
        }
        let max = usize::try_from(to - from + 1).unwrap_or(usize::MAX);
        self.slice_from(from, max)
    }

    /// §5.4.1: a log is at least as up-to-date as ours if its last term is
    /// later, or the same with an index at least as large.
    pub fn is_up_to_date(&self, last_index: Index, last_term: Term) -> bool {
        (last_term, last_index) >= (self.last_term(), self.last_index())
    }

    pub fn append(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    /// Appends entries that follow the last one, in order.
    pub fn extend(&mut self, entries: Vec<Entry>) {
        self.entries.extend(entries);
    }

    /// Drops `from` and everything after it (never the compacted prefix).
    pub fn truncate_from(&mut self, from: Index) {
        let keep = from.saturating_sub(self.first_index());
        self.entries
            .truncate(usize::try_from(keep).unwrap_or(usize::MAX));
    }

    /// Fast backup, follower side: the first index holding `term`, searching
    /// back from `index` (whose entry has that term).
    pub fn first_index_of_term(&self, term: Term, index: Index) -> Index {
        let mut first = index;
        while first > self.first_index() && self.term_at(first - 1) == Some(term) {
            first -= 1;
        }
        first
    }

    /// Fast backup, leader side: the last index holding `term`, if any.
    pub fn last_index_of_term(&self, term: Term) -> Option<Index> {
        // Terms never decrease along the log, so search from the end.
        self.entries
            .iter()
            .rev()
            .skip_while(|entry| entry.term > term)
            .find(|entry| entry.term == term)
            .map(|entry| entry.index)
            .or((self.base_term == term && term > 0).then_some(self.base_index))
    }

    /// Discards everything up to and including `index`, which becomes the
    /// new base. Entries past it are kept when they agree with `term`.
    pub fn compact(&mut self, index: Index, term: Term) {
        if index <= self.base_index {
            return;
        }
        if self.term_at(index) == Some(term) {
            let drop = usize::try_from(index - self.base_index).unwrap_or(usize::MAX);
            self.entries.drain(..drop.min(self.entries.len()));
        } else {
            self.entries.clear();
        }
        self.base_index = index;
        self.base_term = term;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::EntryData;

    fn entry(index: Index, term: Term) -> Entry {
        Entry {
            index,
            term,
            data: EntryData::Noop,
        }
    }

    fn log_of(terms: &[Term]) -> Log {
        let entries = terms
            .iter()
            .enumerate()
            .map(|(k, &term)| entry(k as Index + 1, term))
            .collect();
        Log::restore(0, 0, entries)
    }

    #[test]
    fn empty_log_has_dummy_entry_at_zero() {
        let log = Log::default();
        assert_eq!((log.last_index(), log.last_term()), (0, 0));
        assert_eq!(log.term_at(0), Some(0));
        assert_eq!(log.term_at(1), None);
    }

    #[test]
    fn up_to_date_compares_term_then_index() {
        let log = log_of(&[1, 1, 2]);
        assert!(log.is_up_to_date(3, 2));
        assert!(
            log.is_up_to_date(1, 3),
            "a later last term wins even when shorter"
        );
        assert!(
            !log.is_up_to_date(9, 1),
            "an earlier last term loses even when longer"
        );
        assert!(!log.is_up_to_date(2, 2));
    }

    #[test]
    fn fast_backup_term_boundaries() {
        let log = log_of(&[1, 1, 2, 2, 2, 4]);
        assert_eq!(log.first_index_of_term(2, 5), 3);
        assert_eq!(log.last_index_of_term(2), Some(5));
        assert_eq!(log.last_index_of_term(3), None);
        assert_eq!(log.last_index_of_term(4), Some(6));
    }

    #[test]
    fn slices_never_panic_out_of_range() {
        let log = log_of(&[1, 1]);
        assert!(log.slice_from(0, 5).is_empty());
        assert!(log.slice_from(9, 5).is_empty());
        assert_eq!(log.slice_from(2, 5).len(), 1);
        assert_eq!(log.range(1, u64::MAX).len(), 2);
        assert!(log.range(2, 1).is_empty());
    }

    #[test]
    fn restore_cuts_at_first_gap() {
        let log = Log::restore(0, 0, alloc::vec![entry(1, 1), entry(3, 1)]);
        assert_eq!(log.last_index(), 1);
    }

    #[test]
    fn compaction_keeps_matching_suffix() {
        let mut log = log_of(&[1, 1, 2, 2]);
        log.compact(2, 1);
        assert_eq!((log.first_index(), log.last_index()), (3, 4));
        assert_eq!(log.term_at(2), Some(1));
        assert_eq!(log.term_at(1), None);
        log.compact(9, 5);
        assert_eq!((log.last_index(), log.last_term()), (9, 5));
    }

    /// Fast backup, follower side: the hint never points into the
    /// snapshot, whose entries the follower no longer holds (nor needs to
    /// be sent: they are committed).
    #[test]
    fn the_first_index_of_a_term_stops_at_the_snapshot() {
        let log = Log::restore(5, 3, alloc::vec![entry(6, 3), entry(7, 3), entry(8, 3)]);
        assert_eq!(log.first_index_of_term(3, 8), 6);
    }

    /// Fast backup, leader side: the snapshot's last entry counts as an
    /// entry of its term; the empty log's index 0 holds no term.
    #[test]
    fn the_last_index_of_a_term_may_be_the_snapshots() {
        let log = Log::restore(5, 3, alloc::vec![entry(6, 4)]);
        assert_eq!(log.last_index_of_term(3), Some(5));
        assert_eq!(log.last_index_of_term(4), Some(6));
        assert_eq!(log.last_index_of_term(2), None);
        assert_eq!(Log::default().last_index_of_term(0), None);
    }
}
