//! Log compaction and InstallSnapshot in chunks (paper §7, Figure 13).
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::message::{Message, Payload, Snapshot};
use crate::raft::{Raft, Role};
use crate::ready::{LogChange, Ready};
use crate::{Index, NodeId};

/// A snapshot arriving from the leader, bytes received in order so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PartialSnapshot {
    pub index: Index,
    pub term: crate::Term,
    pub data: Vec<u8>,
}

impl Raft {
    /// The application has applied everything through `index` and captured
    /// its state in `data`: the log up to `index` can go. Ignored unless
    /// `index` is applied and not already compacted.
    pub fn snapshot(&mut self, index: Index, data: Payload) -> Ready {
        if index > self.log.base_index() && index <= self.last_applied {
            if let Some(term) = self.log.term_at(index) {
                let (configuration, _) = self.configuration_as_of(index);
                self.compact(Snapshot {
                    index,
                    term,
                    configuration,
                    data,
                });
            }
        }
        self.take_ready()
    }

    fn compact(&mut self, snapshot: Snapshot) {
        self.log.compact(snapshot.index, snapshot.term);
        self.ready.log_changes.push(LogChange::Compact {
            index: snapshot.index,
            term: snapshot.term,
        });
        self.ready.snapshot = Some(snapshot.clone());
        self.snapshot = Some(snapshot);
        // The configuration entry in use may be among those compacted, or
        // (a snapshot from the leader) the log may be gone.
        self.find_configuration();
    }

    /// The follower needs entries we compacted: send it the next chunk of
    /// our snapshot, resuming a transfer of the same snapshot or starting
    /// over when the snapshot has changed.
    pub(crate) fn send_snapshot_chunk(&mut self, peer: NodeId) {
        let Some(snapshot) = &self.snapshot else {
            return;
        };
        let progress = &mut self.progress[peer];
        let offset = match progress.snapshot_transfer {
            Some((index, offset)) if index == snapshot.index => offset,
            _ => 0,
        };
        progress.snapshot_transfer = Some((snapshot.index, offset));
        progress.awaiting_reply = true;
        let length = snapshot.data.len();
        let start = usize::try_from(offset).unwrap_or(length).min(length);
        let end = start
            .saturating_add(self.config.snapshot_chunk_bytes)
            .min(length);
        let message = Message::InstallSnapshot {
            term: self.term,
            last_included_index: snapshot.index,
            last_included_term: snapshot.term,
            configuration: snapshot.configuration,
            offset: start as u64,
            data: Arc::from(&snapshot.data[start..end]),
            done: end == length,
        };
        self.send(peer, message);
    }

    /// Leader: a follower reports how much of a snapshot it holds.
    pub(crate) fn handle_snapshot_reply(
        &mut self,
        from: NodeId,
        index: Index,
        next_offset: u64,
        installed: bool,
    ) {
        let progress = &mut self.progress[from];
        if progress.snapshot_transfer.map(|(transfer, _)| transfer) != Some(index) {
            return; // about a transfer that is over or was superseded
        }
        progress.awaiting_reply = false;
        if !installed {
            progress.snapshot_transfer = Some((index, next_offset));
            self.send_snapshot_chunk(from);
            return;
        }
        progress.snapshot_transfer = None;
        progress.match_index = progress.match_index.max(index);
        progress.next_index = progress.next_index.max(progress.match_index + 1);
        self.maybe_commit();
        if self.role != Role::Leader {
            return; // §4.2.2: the commit removed it, and it stepped down
        }
        self.note_catch_up_progress(from);
        self.continue_transfer(from);
        let progress = &self.progress[from];
        if progress.next_index <= self.log.last_index() && !progress.awaiting_reply {
            self.send_append(from);
        }
    }

    /// InstallSnapshot receiver (Figure 13):
    /// 1. Reply immediately if term < currentTerm (done in `step`).
    /// 2. Create a new snapshot file if first chunk (offset is 0).
    /// 3. Write data into the snapshot file at given offset.
    /// 4. Reply and wait for more data chunks if done is false.
    /// 5. Save snapshot file, discard any existing or partial snapshot with
    ///    a smaller index.
    /// 6. If existing log entry has same index and term as snapshot's last
    ///    included entry, retain log entries following it and reply.
    /// 7. Discard the entire log.
    /// 8. Reset state machine using snapshot contents.
    pub(crate) fn handle_install_snapshot(&mut self, from: NodeId, message: Message) {
        let Message::InstallSnapshot {
            term,
            last_included_index: index,
            last_included_term,
            configuration,
            offset,
            data,
            done,
        } = message
        else {
            return;
        };
        if index == 0 || index >= crate::log::INDEX_LIMIT || last_included_term > term {
            return; // no real leader sends this
        }
        self.heard_from_leader(from);
        // A snapshot we are already past would roll us back: keep our state.
        if index <= self.commit_index {
            return self.reply_snapshot(from, index, 0, true);
        }
        let mut partial = match self.partial_snapshot.take() {
            Some(partial) if partial.index == index && partial.term == last_included_term => {
                partial
            }
            // A late chunk of an older snapshot never disturbs a newer one.
            Some(partial) if partial.index > index => {
                self.partial_snapshot = Some(partial);
                return;
            }
            _ => PartialSnapshot {
                index,
                term: last_included_term,
                data: Vec::new(),
            },
        };
        // Chunks fit only at the end of what we hold: an earlier offset is
        // a duplicate, a later one follows a lost chunk.
        let fits = offset == partial.data.len() as u64;
        if fits {
            partial.data.extend_from_slice(&data);
        }
        if !(fits && done) {
            let next_offset = partial.data.len() as u64;
            self.partial_snapshot = Some(partial);
            return self.reply_snapshot(from, index, next_offset, false);
        }
        let snapshot = Snapshot {
            index,
            term: last_included_term,
            configuration,
            data: Arc::from(partial.data),
        };
        self.compact(snapshot.clone());
        // Past our commit index (checked above), so past what we applied.
        self.commit_index = index;
        self.last_applied = index;
        self.ready.install_snapshot = Some(snapshot);
        self.reply_snapshot(from, index, 0, true);
    }

    fn reply_snapshot(&mut self, to: NodeId, index: Index, next_offset: u64, installed: bool) {
        let reply = Message::InstallSnapshotReply {
            term: self.term,
            last_included_index: index,
            next_offset,
            installed,
        };
        self.send(to, reply);
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::*;
    use crate::*;
    use alloc::sync::Arc;

    fn image(bytes: usize) -> Payload {
        Arc::from(alloc::vec![9u8; bytes])
    }

    #[test]
    fn compaction_drops_applied_prefix_and_persists_the_snapshot() {
        let mut nodes = cluster(|_| {});
        replicate(&mut nodes, 5, |_| true);
        assert_eq!(nodes[0].last_applied(), 5);
        let ready = nodes[0].snapshot(3, image(4));
        assert_eq!(
            ready.log_changes,
            [LogChange::Compact { index: 3, term: 1 }]
        );
        assert_eq!(ready.snapshot.as_ref().map(|s| s.index), Some(3));
        assert_eq!(
            (nodes[0].log().first_index(), nodes[0].log().last_index()),
            (4, 5)
        );
        assert!(
            nodes[0].snapshot(9, image(4)).is_empty(),
            "cannot compact past what is applied"
        );
        assert!(
            nodes[0].snapshot(2, image(4)).is_empty(),
            "already compacted"
        );
        assert!(
            nodes[0].snapshot(3, image(4)).is_empty(),
            "already the snapshot's index"
        );
    }

    /// Node 2 misses five entries the leader then compacts: it can only
    /// catch up from the snapshot, which travels in chunks.
    fn lagging_follower(chunk: usize, snapshot_bytes: usize) -> (Vec<Raft>, Ready) {
        let mut nodes = cluster(|config| config.snapshot_chunk_bytes = chunk);
        replicate(&mut nodes, 5, |id| id != 2);
        nodes[0].snapshot(5, image(snapshot_bytes));
        let heartbeat = nodes[0].tick_until_heartbeat();
        (nodes, heartbeat)
    }

    fn chunks_to_2(readies: &[(NodeId, Ready)]) -> Vec<(u64, usize, bool)> {
        readies
            .iter()
            .flat_map(|(_, r)| r.messages.iter())
            .filter(|e| e.to == 2)
            .filter_map(|e| match &e.message {
                Message::InstallSnapshot {
                    offset, data, done, ..
                } => Some((*offset, data.len(), *done)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn snapshot_travels_in_chunks_and_is_installed_once_complete() {
        let (mut nodes, heartbeat) = lagging_follower(4, 10);
        let readies = exchange(&mut nodes, heartbeat, 0, |_, _| true);
        assert_eq!(
            chunks_to_2(&readies),
            [(0, 4, false), (4, 4, false), (8, 2, true)]
        );
        let installs: Vec<_> = readies
            .iter()
            .filter_map(|(id, r)| r.install_snapshot.as_ref().map(|s| (*id, s.index)))
            .collect();
        assert_eq!(installs, [(2, 5)]);
        assert_eq!((nodes[2].commit_index(), nodes[2].last_applied()), (5, 5));
        assert_eq!(nodes[0].progress(2).unwrap().match_index, 5);
    }

    #[test]
    fn a_lost_chunk_is_resent_from_where_the_follower_stopped() {
        let (mut nodes, heartbeat) = lagging_follower(4, 10);
        let mut lost = false;
        let readies = exchange(&mut nodes, heartbeat, 0, |_, e| {
            let second_chunk = matches!(e.message, Message::InstallSnapshot { offset: 4, .. });
            let drop = second_chunk && !lost;
            lost |= drop;
            !drop
        });
        assert!(
            nodes[2].last_applied() < 5,
            "the transfer stalls without the chunk"
        );
        assert_eq!(nodes[2].partial_snapshot(), Some((5, 4)));
        let retry = nodes[0].tick_until_heartbeat();
        let more = exchange(&mut nodes, retry, 0, |_, _| true);
        assert_eq!(chunks_to_2(&more)[0].0, 4, "resumes at the lost chunk");
        assert_eq!(nodes[2].last_applied(), 5);
        let _ = readies;
    }

    #[test]
    fn chunks_out_of_order_or_duplicated_do_not_corrupt_the_snapshot() {
        let mut follower = node(2, 3);
        let chunk = |offset: u64, bytes: &[u8], done| Message::InstallSnapshot {
            term: 1,
            last_included_index: 5,
            last_included_term: 1,
            configuration: Configuration::bootstrap(3),
            offset,
            data: Arc::from(bytes),
            done,
        };
        let gap = follower.step(0, chunk(4, &[5, 6], true));
        assert!(matches!(
            gap.messages[0].message,
            Message::InstallSnapshotReply {
                next_offset: 0,
                installed: false,
                ..
            }
        ));
        follower.step(0, chunk(0, &[1, 2, 3, 4], false));
        let duplicate = follower.step(0, chunk(0, &[1, 2, 3, 4], false));
        assert!(matches!(
            duplicate.messages[0].message,
            Message::InstallSnapshotReply { next_offset: 4, .. }
        ));
        let done = follower.step(0, chunk(4, &[5, 6], true));
        assert_eq!(
            done.install_snapshot.unwrap().data.as_ref(),
            &[1, 2, 3, 4, 5, 6]
        );
    }

    #[test]
    fn a_newer_snapshot_supersedes_a_partial_one_and_old_chunks_are_ignored() {
        let mut follower = node(2, 3);
        let chunk = |index: u64, offset: u64, done| Message::InstallSnapshot {
            term: 1,
            last_included_index: index,
            last_included_term: 1,
            configuration: Configuration::bootstrap(3),
            offset,
            data: Arc::from(&[index as u8][..]),
            done,
        };
        follower.step(0, chunk(5, 0, false));
        follower.step(0, chunk(8, 0, false));
        assert_eq!(follower.partial_snapshot(), Some((8, 1)));
        assert!(
            follower.step(0, chunk(5, 1, true)).is_empty(),
            "a late chunk of the older snapshot"
        );
        let done = follower.step(0, chunk(8, 1, true));
        assert_eq!(done.install_snapshot.map(|s| s.index), Some(8));
    }

    #[test]
    fn a_stale_snapshot_never_rolls_a_follower_back() {
        let mut nodes = cluster(|_| {});
        replicate(&mut nodes, 5, |_| true);
        let stale = Message::InstallSnapshot {
            term: 1,
            last_included_index: 3,
            last_included_term: 1,
            configuration: Configuration::bootstrap(3),
            offset: 0,
            data: image(2),
            done: true,
        };
        let ready = nodes[1].step(0, stale);
        assert!(ready.install_snapshot.is_none() && ready.log_changes.is_empty());
        assert_eq!(
            (nodes[1].log().last_index(), nodes[1].last_applied()),
            (5, 5)
        );
        assert!(matches!(
            ready.messages[0].message,
            Message::InstallSnapshotReply {
                installed: true,
                ..
            }
        ));
    }

    #[test]
    fn a_malformed_snapshot_of_a_later_term_names_no_leader() {
        let mut follower = node(2, 3);
        follower.step(0, heartbeat(1, 0, 0, 0));
        let from_the_future = Message::InstallSnapshot {
            term: 3,
            last_included_index: 4,
            last_included_term: 9,
            configuration: Configuration::bootstrap(3),
            offset: 0,
            data: image(1),
            done: true,
        };
        assert!(follower.step(1, from_the_future).messages.is_empty());
        assert_eq!((follower.term(), follower.leader_id()), (3, None));
    }

    /// Figure 13, InstallSnapshot receiver rule 1: "Reply immediately if
    /// term < currentTerm", with our term, so a deposed leader still
    /// sending its snapshot learns of the newer term and steps down.
    #[test]
    fn a_stale_snapshot_sender_is_told_the_newer_term_and_steps_down() {
        let mut stale = leader(0, 3);
        let mut ahead = follower_with_log(1, 3, &[4]);
        let chunk = Message::InstallSnapshot {
            term: 1,
            last_included_index: 3,
            last_included_term: 1,
            configuration: Configuration::bootstrap(3),
            offset: 0,
            data: image(4),
            done: true,
        };
        let ready = ahead.step(0, chunk);
        assert_eq!(
            ready.messages[0].message,
            Message::InstallSnapshotReply {
                term: 4,
                last_included_index: 3,
                next_offset: 0,
                installed: false,
            }
        );
        assert_eq!(ready.messages[0].to, 0);
        assert_eq!(ahead.latest_snapshot(), None, "nothing installed");
        stale.step(1, ready.messages[0].message.clone());
        assert_eq!((stale.role(), stale.term()), (Role::Follower, 4));
    }

    #[test]
    fn restore_from_snapshot_and_remaining_log() {
        let log = Log::restore(0, 0, entries(1, &[1, 1, 2]));
        let snapshot = Snapshot {
            index: 2,
            term: 1,
            configuration: Configuration::bootstrap(3),
            data: image(3),
        };
        let node = Raft::restore(
            Config::new(0, 3),
            1,
            HardState {
                term: 2,
                voted_for: None,
            },
            Some(snapshot),
            log,
        )
        .unwrap();
        assert_eq!((node.log().first_index(), node.log().last_index()), (3, 3));
        assert_eq!((node.commit_index(), node.last_applied()), (2, 2));
    }

    /// Figure 13: a transfer resumes at the follower's offset only for the
    /// same snapshot; a newer snapshot is sent from its first byte.
    #[test]
    fn a_newer_snapshot_is_sent_from_its_start() {
        let (mut nodes, heartbeat) = lagging_follower(4, 10);
        // Node 2 gets the first chunk and answers; the second is lost.
        exchange(
            &mut nodes,
            heartbeat,
            0,
            |_, e| !matches!(e.message, Message::InstallSnapshot { offset, .. } if offset > 0),
        );
        assert_eq!(nodes[2].partial_snapshot(), Some((5, 4)));
        replicate(&mut nodes, 2, |id| id != 2);
        nodes[0].snapshot(7, image(10));
        let ready = nodes[0].tick_until_heartbeat();
        let to_2: Vec<(Index, u64)> = ready
            .messages
            .iter()
            .filter(|e| e.to == 2)
            .filter_map(|e| match e.message {
                Message::InstallSnapshot {
                    last_included_index,
                    offset,
                    ..
                } => Some((last_included_index, offset)),
                _ => None,
            })
            .collect();
        assert_eq!(to_2, [(7, 0)]);
    }

    /// Once the follower has installed the snapshot, the leader sends at
    /// once what follows it, and nothing when nothing does.
    #[test]
    fn after_an_install_the_entries_that_follow_go_at_once() {
        for later_entries in [0, 1] {
            let (mut nodes, heartbeat) = lagging_follower(4, 10);
            drop(heartbeat);
            for k in 0..later_entries {
                let ready = nodes[0].propose(payload(k)).unwrap().ready;
                exchange(&mut nodes, ready, 0, |from, e| from != 2 && e.to != 2);
            }
            let mut installed = None;
            let heartbeat = nodes[0].tick_until_heartbeat();
            exchange(&mut nodes, heartbeat, 0, |_, e| match e.message {
                Message::InstallSnapshotReply {
                    installed: true, ..
                } => {
                    installed = Some(e.message.clone());
                    false
                }
                _ => true,
            });
            let reply = installed.expect("node 2 installs the snapshot");
            let sent: Vec<usize> = nodes[0]
                .step(2, reply)
                .messages
                .iter()
                .filter_map(|e| match &e.message {
                    Message::AppendEntries { entries, .. } if e.to == 2 => Some(entries.len()),
                    _ => None,
                })
                .collect();
            let expected: &[usize] = if later_entries == 0 { &[] } else { &[1] };
            assert_eq!(sent, expected, "{later_entries} entries after the snapshot");
        }
    }

    /// A chunk of another snapshot at the same index (from a leader of
    /// another term) does not extend the partial one: the transfer starts
    /// afresh and is answered.
    #[test]
    fn a_snapshot_of_another_term_at_the_same_index_starts_afresh() {
        let mut follower = node(2, 3);
        let chunk = |term, offset: u64, bytes: &[u8]| Message::InstallSnapshot {
            term: 2,
            last_included_index: 5,
            last_included_term: term,
            configuration: Configuration::bootstrap(3),
            offset,
            data: Arc::from(bytes),
            done: false,
        };
        follower.step(0, chunk(1, 0, &[1, 2]));
        assert_eq!(follower.partial_snapshot(), Some((5, 2)));
        let ready = follower.step(0, chunk(2, 0, &[7]));
        assert!(matches!(
            ready.messages[0].message,
            Message::InstallSnapshotReply {
                next_offset: 1,
                installed: false,
                ..
            }
        ));
        assert_eq!(follower.partial_snapshot(), Some((5, 1)));
    }
}
