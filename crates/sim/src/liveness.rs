//! Liveness, beside safety: is the cluster serving? Three measures, kept in
//! constant memory however long a run lasts: how long since a leader that a
//! majority follows was last in place, how many times a server became leader
//! in the last virtual minute, and how many client operations completed per
//! virtual second over the last few seconds. A cluster can keep every safety
//! invariant and still serve nobody (a partial partition, a half-failed
//! switch); this is what shows it.
use raftviz_raft::{NodeId, Role};

use crate::Simulation;

/// Counts events over a sliding window of fixed buckets: old buckets are
/// reused, so memory stays the same however many events there are. The
/// window ends now and starts at the beginning of its oldest bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
struct WindowCounter {
    bucket_ms: u64,
    counts: Vec<u32>,
    /// The bucket (time / bucket_ms) that `counts[newest % len]` holds.
    newest: u64,
}

impl WindowCounter {
    fn new(bucket_ms: u64, buckets: usize) -> WindowCounter {
        WindowCounter {
            bucket_ms: bucket_ms.max(1),
            counts: vec![0; buckets.max(1)],
            newest: 0,
        }
    }

    /// Moves the window so it ends at `now`, emptying the buckets it leaves.
    fn advance(&mut self, now: u64) {
        let bucket = now / self.bucket_ms;
        let len = self.counts.len() as u64;
        if bucket <= self.newest {
            return;
        }
        if bucket - self.newest >= len {
            self.counts.iter_mut().for_each(|count| *count = 0);
        } else {
            for passed in self.newest + 1..=bucket {
                self.counts[(passed % len) as usize] = 0;
            }
        }
        self.newest = bucket;
    }

    fn record(&mut self, now: u64) {
        self.advance(now);
        let len = self.counts.len() as u64;
        let slot = &mut self.counts[(self.newest % len) as usize];
        *slot = slot.saturating_add(1);
    }

    /// Events in the window ending at `now` (which is never before the
    /// last event recorded: virtual time only moves on). A slot holds the
    /// newest bucket of its residue; it counts while that bucket is still
    /// inside the window.
    fn total(&self, now: u64) -> u32 {
        let len = self.counts.len() as u64;
        let first_inside = (now / self.bucket_ms + 1).saturating_sub(len);
        (0..len)
            .filter(|slot| {
                self.newest
                    .checked_sub((self.newest + len - slot) % len)
                    .is_some_and(|bucket| bucket >= first_inside)
            })
            .map(|slot| self.counts[slot as usize])
            .fold(0, u32::saturating_add)
    }

    /// How many ms the window ending at `now` covers (at least 1).
    fn span_ms(&self, now: u64) -> u64 {
        let buckets = self.counts.len() as u64;
        let oldest = (now / self.bucket_ms + 1).saturating_sub(buckets);
        (now - oldest * self.bucket_ms).max(1)
    }
}

/// Leader changes are counted over the last virtual minute.
const LEADER_CHANGE_WINDOW: (u64, usize) = (1000, 60);
/// Completed client operations are counted over the last five virtual seconds.
const COMPLETION_WINDOW: (u64, usize) = (500, 10);

/// What the simulator keeps between events for the liveness gauge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LivenessTracker {
    leader_changes: WindowCounter,
    completed: WindowCounter,
    /// The last moment a leader that a majority follows was in place.
    last_led_at: u64,
    /// The server leading with a majority behind it, as of the last event.
    led_by: Option<NodeId>,
}

impl Default for LivenessTracker {
    fn default() -> LivenessTracker {
        LivenessTracker {
            leader_changes: WindowCounter::new(LEADER_CHANGE_WINDOW.0, LEADER_CHANGE_WINDOW.1),
            completed: WindowCounter::new(COMPLETION_WINDOW.0, COMPLETION_WINDOW.1),
            last_led_at: 0,
            led_by: None,
        }
    }
}

impl LivenessTracker {
    pub(crate) fn on_new_leader(&mut self, now: u64) {
        self.leader_changes.record(now);
    }

    pub(crate) fn on_completed(&mut self, now: u64) {
        self.completed.record(now);
    }
}

/// Whether the cluster is serving, in three words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LivenessState {
    Ok,
    Degraded,
    Down,
}

impl LivenessState {
    /// The `data-state` name: `ok`, `degraded` or `down`.
    pub fn name(self) -> &'static str {
        match self {
            LivenessState::Ok => "ok",
            LivenessState::Degraded => "degraded",
            LivenessState::Down => "down",
        }
    }
}

/// When the gauge turns amber (degraded) or red (down). These judge a run;
/// they never change it, so they are not part of its settings or its link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LivenessThresholds {
    /// Amber after this long without a leader that a majority follows.
    pub degraded_after_ms: u64,
    /// Red after this long without one.
    pub down_after_ms: u64,
    /// Amber from this many leader changes in the last virtual minute.
    pub degraded_leader_changes: u32,
    /// Red from this many.
    pub down_leader_changes: u32,
}

impl Default for LivenessThresholds {
    /// A healthy election at RaftScope's timing takes under 300 ms, and a
    /// crashed leader is replaced within two election timeouts; a leader
    /// every six seconds or more often is churn, every two seconds is a storm
    /// that leaves clients little time to be served.
    fn default() -> LivenessThresholds {
        LivenessThresholds {
            degraded_after_ms: 1000,
            down_after_ms: 3000,
            degraded_leader_changes: 10,
            down_leader_changes: 30,
        }
    }
}

impl LivenessThresholds {
    /// The thresholds make sense together: each red one lies beyond its amber one.
    pub fn validate(&self) -> Result<(), String> {
        if self.degraded_after_ms == 0 || self.degraded_leader_changes == 0 {
            return Err("an amber threshold of 0 would keep the gauge amber forever".into());
        }
        if self.down_after_ms < self.degraded_after_ms {
            return Err(format!(
                "red after {} ms without a leader comes before amber after {} ms",
                self.down_after_ms, self.degraded_after_ms
            ));
        }
        if self.down_leader_changes < self.degraded_leader_changes {
            return Err(format!(
                "red from {} leader changes a minute comes before amber from {}",
                self.down_leader_changes, self.degraded_leader_changes
            ));
        }
        Ok(())
    }
}

/// The gauge as drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LivenessView {
    pub state: LivenessState,
    /// Virtual ms since a leader that a majority follows was last in place
    /// (0 while one is).
    pub ms_without_leader: u64,
    /// Times a server became leader in the last virtual minute.
    pub leader_changes_per_min: u32,
    /// Client operations completed per virtual second over the last five
    /// seconds, in tenths (12 is 1.2 a second): no floats on the page's
    /// hot path.
    pub completed_per_s_tenths: u32,
    /// The leader a majority follows, if there is one.
    pub leader: Option<NodeId>,
}

impl Simulation {
    /// Notes whether a leader that a majority follows is in place, after
    /// anything that can change it (a call into a core, a crash, a restart).
    pub(crate) fn observe_liveness(&mut self) {
        let led_by = self.majority_followed_leader();
        if led_by.is_some() {
            self.liveness.last_led_at = self.now;
        }
        self.liveness.led_by = led_by;
    }

    /// A running leader whose term a majority of the voters of its
    /// configuration (itself included, if a voter) is in, naming it as their
    /// leader; both halves of a joint configuration (in a fixed cluster:
    /// a majority of the servers).
    fn majority_followed_leader(&self) -> Option<NodeId> {
        (0..self.server_count()).find(|&id| {
            let Some(leader) = self.node(id).filter(|node| node.role() == Role::Leader) else {
                return false;
            };
            let follows = |other: NodeId| {
                other == id
                    || self.node(other).is_some_and(|node| {
                        node.term() == leader.term() && node.leader_id() == Some(id)
                    })
            };
            let configuration = leader.configuration();
            [configuration.voters, configuration.outgoing]
                .into_iter()
                .filter(|half| !half.is_empty())
                .all(|half| 2 * half.iter().filter(|&other| follows(other)).count() > half.len())
        })
    }

    /// The liveness gauge now, judged by `thresholds`.
    pub fn liveness(&self, thresholds: &LivenessThresholds) -> LivenessView {
        let tracker = &self.liveness;
        let now = self.now;
        let ms_without_leader = match tracker.led_by {
            Some(_) => 0,
            None => now.saturating_sub(tracker.last_led_at),
        };
        let leader_changes_per_min = tracker.leader_changes.total(now);
        let completed = u64::from(tracker.completed.total(now));
        let span = tracker.completed.span_ms(now);
        let completed_per_s_tenths = u32::try_from(completed * 10_000 / span).unwrap_or(u32::MAX);
        let state = if ms_without_leader >= thresholds.down_after_ms
            || leader_changes_per_min >= thresholds.down_leader_changes
        {
            LivenessState::Down
        } else if ms_without_leader >= thresholds.degraded_after_ms
            || leader_changes_per_min >= thresholds.degraded_leader_changes
        {
            LivenessState::Degraded
        } else {
            LivenessState::Ok
        };
        LivenessView {
            state,
            ms_without_leader,
            leader_changes_per_min,
            completed_per_s_tenths,
            leader: tracker.led_by,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_forgets_what_slid_out_of_it() {
        let mut window = WindowCounter::new(1000, 60);
        window.record(0);
        window.record(500);
        window.record(59_999);
        assert_eq!(window.total(59_999), 3);
        assert_eq!(window.total(60_000), 1, "the first second slid out");
        window.record(61_000);
        assert_eq!(window.total(61_000), 2);
        assert_eq!(window.total(200_000), 0, "long quiet empties it");
    }

    #[test]
    fn a_window_spans_from_its_oldest_bucket() {
        let window = WindowCounter::new(500, 10);
        assert_eq!(window.span_ms(0), 1);
        assert_eq!(
            window.span_ms(1200),
            1200,
            "the run is younger than the window"
        );
        assert_eq!(
            window.span_ms(10_250),
            4750,
            "nine whole buckets and a quarter"
        );
    }

    #[test]
    fn counts_never_overflow() {
        let mut window = WindowCounter::new(1000, 2);
        window.counts[0] = u32::MAX;
        window.record(0);
        assert_eq!(window.total(0), u32::MAX);
    }

    #[test]
    fn red_thresholds_below_amber_ones_are_refused() {
        assert!(LivenessThresholds::default().validate().is_ok());
        let backwards = LivenessThresholds {
            down_after_ms: 10,
            ..LivenessThresholds::default()
        };
        assert!(backwards.validate().is_err());
        let never_green = LivenessThresholds {
            degraded_leader_changes: 0,
            ..LivenessThresholds::default()
        };
        assert!(never_green.validate().is_err());
    }
}
