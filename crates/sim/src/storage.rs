//! What a server keeps across crashes: the persisted half of Figure 2.
use raftviz_raft::{
    Configuration, Entry, EntryData, HardState, Index, Log, LogChange, Snapshot, Term,
};

/// One server's disk. It mirrors the core's log by applying the
/// [`LogChange`]s of each `Ready`, and keeps a running hash of every log
/// prefix so the checkers can compare logs in O(1).
#[derive(Clone, Debug, Default)]
pub struct Storage {
    pub hard_state: HardState,
    pub snapshot: Option<Snapshot>,
    pub log: Log,
    base_hash: u64,
    /// `prefix_hashes[k]` covers the log through `log.first_index() + k`.
    prefix_hashes: Vec<u64>,
}

impl Storage {
    /// Writes one log change, keeping the prefix hashes in step.
    /// Compaction needs the prefix hash at its index: see [`Storage::compact`].
    pub fn persist(&mut self, change: &LogChange) {
        match change {
            LogChange::Compact { index, term } => {
                let hash = self.prefix_hash(*index).unwrap_or_default();
                self.compact(*index, *term, hash);
            }
            LogChange::TruncateFrom(from) => {
                self.log.truncate_from(*from);
                self.prefix_hashes.truncate(self.log.entries().len());
            }
            LogChange::Append(entry) => {
                let previous = self.prefix_hashes.last().copied().unwrap_or(self.base_hash);
                self.prefix_hashes.push(chain(previous, entry));
                self.log.append(entry.clone());
            }
        }
    }

    /// Drops entries through `index`; `hash` is the prefix hash there.
    pub fn compact(&mut self, index: Index, term: Term, hash: u64) {
        if index <= self.log.base_index() {
            return;
        }
        let keep_from = if self.log.term_at(index) == Some(term) {
            usize::try_from(index - self.log.base_index()).unwrap_or(usize::MAX)
        } else {
            usize::MAX
        };
        self.log.compact(index, term);
        self.prefix_hashes
            .drain(..keep_from.min(self.prefix_hashes.len()));
        self.prefix_hashes.truncate(self.log.entries().len());
        self.base_hash = hash;
    }

    /// Hash of the log prefix ending at `index`, if this disk still has it.
    pub fn prefix_hash(&self, index: Index) -> Option<u64> {
        if index == self.log.base_index() {
            return Some(self.base_hash);
        }
        let offset = index.checked_sub(self.log.first_index())?;
        self.prefix_hashes
            .get(usize::try_from(offset).ok()?)
            .copied()
    }

    pub fn last_term(&self) -> Term {
        self.log.last_term()
    }

    /// Bytes this disk holds for Raft besides the snapshot: term, vote, and
    /// each entry's index, term, length and payload (the lab's
    /// RaftStateSize).
    pub fn raft_state_size(&self) -> usize {
        16 + self
            .log
            .entries()
            .iter()
            .map(|entry| 24 + entry.payload_len())
            .sum::<usize>()
    }
}

/// FNV-1a over the previous prefix hash, the entry's position and content.
pub fn chain(previous: u64, entry: &Entry) -> u64 {
    let mut hash = Fnv(previous ^ 0xcbf2_9ce4_8422_2325);
    hash.write(&entry.index.to_le_bytes());
    hash.write(&entry.term.to_le_bytes());
    hash.data(&entry.data);
    hash.0
}

/// Content hash of one entry's payload, for comparing applied commands.
pub fn payload_hash(data: &EntryData) -> u64 {
    let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
    hash.data(data);
    hash.0
}

/// FNV-1a, 64 bits: the hash of traces, logs and state machines. `write` is a
/// `const fn`, so the page can also fingerprint its text keys while compiling.
pub struct Fnv(pub u64);

impl Fnv {
    /// An entry's content: a tag, then the command's bytes or the
    /// configuration's sets.
    fn data(&mut self, data: &EntryData) {
        match data {
            EntryData::Command(bytes) => {
                self.write(&[1]);
                self.write(bytes);
            }
            EntryData::Noop => self.write(&[0]),
            EntryData::Configuration(configuration) => {
                self.write(&[2]);
                self.configuration(configuration);
            }
        }
    }

    pub fn configuration(&mut self, configuration: &Configuration) {
        for set in [
            configuration.voters,
            configuration.outgoing,
            configuration.learners,
            configuration.learners_next,
            configuration.removed,
        ] {
            self.write(&set.bits().to_le_bytes());
        }
    }

    pub const fn write(&mut self, bytes: &[u8]) {
        let mut at = 0;
        while at < bytes.len() {
            self.0 ^= bytes[at] as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
            at += 1;
        }
    }
}
