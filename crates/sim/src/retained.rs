//! What a run holds in memory, counted by kind: the trace's window, the
//! servers' logs and state machines, the checkers' records, the client
//! history, the actions. Tests assert these counts stay bounded over long
//! runs; time travel sizes its checkpoints by them, and the page watches them
//! so that no run can grow until an allocation fails.
use std::mem::size_of;

use raftviz_raft::{Entry, EntryData, Message};

use crate::linearizability::Operation;
use crate::timeline::Marker;
use crate::{Event, InFlight, RecordedAction, Simulation};

/// Counts of everything a run keeps that can grow while it runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retained {
    /// Events in the trace's window, and timeline marks.
    pub events: usize,
    pub markers: usize,
    /// What a person or a scenario did: the run itself, kept whole.
    pub actions: usize,
    /// Client operations in the linearizability history.
    pub operations: usize,
    /// Log entries over every server, in memory and on disk, and in messages
    /// in flight.
    pub log_entries: usize,
    /// Commands the servers applied, as the lab's tester records them.
    pub applied: usize,
    /// Indices and terms the safety checker remembers.
    pub checker_records: usize,
    /// Key-value pairs over every server's state machine, and their bytes.
    pub kv_pairs: usize,
    pub kv_bytes: usize,
    /// Messages in flight, timers and replies waiting, clients.
    pub pending: usize,
}

impl Retained {
    /// An estimate of the heap bytes behind the counts (allocator overhead and
    /// spare capacity aside), for budgets rather than for accounting.
    pub fn approx_bytes(&self) -> usize {
        const MAP_ENTRY: usize = 48;
        const PENDING: usize = 128;
        let items = [
            (self.events, size_of::<Event>()),
            (self.markers, size_of::<Marker>()),
            (self.actions, size_of::<RecordedAction>()),
            // The key and the value each take a small string of their own.
            (self.operations, size_of::<Operation>() + 32),
            // An entry's payload is shared between logs; the disk keeps a prefix hash.
            (self.log_entries, size_of::<Entry>() + size_of::<u64>()),
            (self.applied, size_of::<EntryData>()),
            (self.checker_records, MAP_ENTRY),
            (self.kv_pairs, MAP_ENTRY),
            (self.kv_bytes, 1),
            (self.pending, PENDING),
        ];
        items
            .iter()
            .map(|(count, bytes)| count.saturating_mul(*bytes))
            .fold(0, usize::saturating_add)
    }
}

impl Simulation {
    /// What this run holds in memory now, by kind.
    pub fn retained(&self) -> Retained {
        let mut retained = Retained {
            events: self.trace.kept(),
            markers: self.trace.markers().len(),
            actions: self.actions.len(),
            operations: self.history.retained(),
            checker_records: self.checker.records(),
            pending: self.queue.len()
                + self.pending_replies.len()
                + self.network.in_flight().count()
                + self.clients.len(),
            log_entries: self.network.in_flight().map(carried_entries).sum(),
            ..Retained::default()
        };
        for server in &self.servers {
            let in_memory = server
                .node
                .as_ref()
                .map_or(0, |node| node.log().entries().len());
            retained.log_entries += in_memory + server.storage.log.entries().len();
            retained.applied += server.applied.len();
            retained.kv_pairs += server.kv.data.len() + server.kv.sessions.len();
            retained.kv_bytes += server
                .kv
                .data
                .iter()
                .map(|(key, value)| key.len() + value.len())
                .sum::<usize>();
        }
        retained
    }
}

fn carried_entries(flight: &InFlight) -> usize {
    match &flight.message {
        Message::AppendEntries { entries, .. } => entries.len(),
        _ => 0,
    }
}
