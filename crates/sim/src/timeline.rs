//! Time travel. The run is its settings plus its actions, so any moment
//! can be rebuilt by replay. Periodic checkpoints keep every seek short:
//! copies of the simulation without its events, marks and actions (the
//! live run holds those; a seek takes back the part it needs). Thinning
//! them, by count and by size, keeps their memory bounded however long the
//! run, and the live run keeps only a window of recent events: a moment
//! older than the window gets its events back from the replay.
use std::rc::Rc;

use crate::{EventKind, RecordedAction, Simulation};

/// A moment of a run: after `processed` events and the first `actions`
/// actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub processed: u64,
    pub actions: usize,
}

/// What the timeline marks for people to jump between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    Leader,
    Crash,
    Restart,
    Cut,
    Commit,
    Snapshot,
    Violation,
}

impl MarkerKind {
    /// The mark an event deserves, if any.
    pub fn of(kind: &EventKind) -> Option<MarkerKind> {
        Some(match kind {
            EventKind::Role {
                role: raftviz_raft::Role::Leader,
                ..
            } => MarkerKind::Leader,
            EventKind::Crash => MarkerKind::Crash,
            EventKind::Restart => MarkerKind::Restart,
            EventKind::Cut { .. } => MarkerKind::Cut,
            EventKind::Commit { .. } => MarkerKind::Commit,
            EventKind::Compact { .. } | EventKind::InstallSnapshot { .. } => MarkerKind::Snapshot,
            EventKind::Violation { .. } => MarkerKind::Violation,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Marker {
    pub time: u64,
    pub step: u64,
    /// The number of the marked event in the run's trace.
    pub event: u64,
    pub kind: MarkerKind,
}

/// Marks beyond this many are thinned. The timeline bar draws at most a few
/// hundred, so thinning shows only in jumps between marks long ago.
pub const MAX_MARKERS: usize = 2_048;

/// A run's marks, at most one of each kind per bucket of virtual time; the
/// buckets widen (doubling) whenever the marks would pass [`MAX_MARKERS`].
/// Violations are never thinned (there is one per invariant at most).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Markers {
    pub(crate) kept: Vec<Marker>,
    bucket_ms: u64,
}

impl Default for Markers {
    fn default() -> Markers {
        Markers {
            kept: Vec::new(),
            bucket_ms: 1,
        }
    }
}

impl Markers {
    pub(crate) fn add(&mut self, marker: Marker) {
        let bucket = marker.time / self.bucket_ms;
        let repeats = marker.kind != MarkerKind::Violation
            && self
                .kept
                .iter()
                .rev()
                .take_while(|kept| kept.time / self.bucket_ms == bucket)
                .any(|kept| kept.kind == marker.kind);
        if repeats {
            return;
        }
        self.kept.push(marker);
        while self.kept.len() > MAX_MARKERS {
            self.widen();
        }
    }

    /// Doubles the buckets and keeps the first mark of each kind in each.
    fn widen(&mut self) {
        self.bucket_ms = self.bucket_ms.saturating_mul(2);
        let bucket_ms = self.bucket_ms;
        let mut thinned: Vec<Marker> = Vec::with_capacity(self.kept.len());
        for marker in self.kept.drain(..) {
            let bucket = marker.time / bucket_ms;
            let repeats = marker.kind != MarkerKind::Violation
                && thinned
                    .iter()
                    .rev()
                    .take_while(|kept| kept.time / bucket_ms == bucket)
                    .any(|kept| kept.kind == marker.kind);
            if !repeats {
                thinned.push(marker);
            }
        }
        self.kept = thinned;
    }

    /// The marks of the first `events` events.
    pub(crate) fn before(&self, events: u64) -> Markers {
        let end = self.kept.partition_point(|marker| marker.event < events);
        Markers {
            kept: self.kept[..end].to_vec(),
            bucket_ms: self.bucket_ms,
        }
    }
}

/// Checkpoints beyond this many are thinned (every other one dropped).
pub const MAX_CHECKPOINTS: usize = 256;
/// Checkpoints whose estimated size passes this are thinned too, so that a
/// run with long logs keeps fewer of them (and seeks replay further).
pub const CHECKPOINT_BUDGET_BYTES: usize = 16 << 20;
/// Virtual time between checkpoints before any thinning.
pub const FIRST_SPACING_MS: u64 = 500;
/// A rebuilt moment's trace holds at least this much virtual time before it
/// (when the run is that long): what the space-time diagram and the event log
/// show.
pub const CONTEXT_MS: u64 = 1_000;

/// A simulation to restart from, without the events, marks and actions that the
/// live run holds (it took the first `actions` of them).
#[derive(Debug)]
struct Checkpoint {
    sim: Simulation,
    actions: usize,
    bytes: usize,
}

impl Checkpoint {
    fn at_or_before(&self, target: Position) -> bool {
        self.sim.events_processed() <= target.processed && self.actions <= target.actions
    }

    /// The run as it was here, its trace and actions taken back from `live`.
    fn restore(&self, live: &Simulation) -> Simulation {
        let mut sim = self.sim.clone();
        sim.actions = live.first_actions(self.actions).to_vec();
        sim.trace.restore_from(&live.trace);
        sim
    }
}

#[derive(Clone, Debug)]
pub struct Timeline {
    /// Shared, so that forking (which copies the timeline) copies no simulation.
    checkpoints: Vec<Rc<Checkpoint>>,
    spacing_ms: u64,
}

impl Simulation {
    fn checkpoint(&mut self) -> Checkpoint {
        let stripped = self.trace.without_events();
        let trace = std::mem::replace(&mut self.trace, stripped);
        let actions = std::mem::take(&mut self.actions);
        let sim = self.clone();
        self.trace = trace;
        self.actions = actions;
        Checkpoint {
            bytes: sim.retained().approx_bytes(),
            actions: self.actions.len(),
            sim,
        }
    }

    pub fn position(&self) -> Position {
        Position {
            processed: self.events_processed(),
            actions: self.actions().len(),
        }
    }

    /// The moment each kept event became visible, newest first.
    fn event_moments(&self) -> impl Iterator<Item = Position> + '_ {
        self.trace
            .events()
            .rev()
            .map(|event| self.moment_after(event.step))
    }

    /// The moment after each action, in order.
    fn action_moments(&self) -> impl DoubleEndedIterator<Item = Position> + '_ {
        self.actions
            .iter()
            .enumerate()
            .map(|(index, action)| Position {
                processed: action.event,
                actions: index + 1,
            })
    }

    /// The first `count` actions taken (all of them, if fewer).
    fn first_actions(&self, count: usize) -> &[RecordedAction] {
        &self.actions[..count.min(self.actions.len())]
    }

    /// The moment after processing event `step`, before the actions taken there.
    fn moment_after(&self, step: u64) -> Position {
        Position {
            processed: step,
            actions: self.actions.partition_point(|action| action.event < step),
        }
    }
}

impl Timeline {
    pub fn new(start: &mut Simulation) -> Timeline {
        Timeline {
            checkpoints: vec![Rc::new(start.checkpoint())],
            spacing_ms: FIRST_SPACING_MS,
        }
    }

    /// Call as the live run advances: keeps a checkpoint every spacing.
    pub fn observe(&mut self, live: &mut Simulation) {
        let last = self.checkpoints.last().map_or(0, |c| c.sim.now());
        if live.now() < last.saturating_add(self.spacing_ms) {
            return;
        }
        self.checkpoints.push(Rc::new(live.checkpoint()));
        while self.checkpoints.len() > 2
            && (self.checkpoints.len() > MAX_CHECKPOINTS || self.bytes() > CHECKPOINT_BUDGET_BYTES)
        {
            let mut index = 0;
            self.checkpoints.retain(|_| {
                index += 1;
                index % 2 == 1
            });
            self.spacing_ms = self.spacing_ms.saturating_mul(2);
        }
    }

    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }

    /// The estimated bytes the checkpoints hold.
    pub fn bytes(&self) -> usize {
        self.checkpoints.iter().map(|c| c.bytes).sum()
    }

    /// The run as it was at `target`, which must not lie past `live`.
    pub fn seek(&self, live: &Simulation, target: Position) -> Simulation {
        let actions = live.first_actions(target.actions);
        self.rebuild(
            live,
            |c| c.at_or_before(target),
            |sim| sim.replay_to_position(actions, target.processed),
        )
    }

    /// The run at virtual time `time` (its last event at or before it).
    pub fn seek_time(&self, live: &Simulation, time: u64) -> Simulation {
        self.rebuild(
            live,
            |c| c.sim.now() <= time,
            |sim| sim.replay_from(live.actions(), time),
        )
    }

    /// Replays from the latest checkpoint that `fits`. Should the rebuilt trace
    /// then lack the last [`CONTEXT_MS`] before the moment (the live run no
    /// longer kept them and the checkpoint was just before), it replays again
    /// from a checkpoint that much earlier.
    fn rebuild(
        &self,
        live: &Simulation,
        fits: impl Fn(&Checkpoint) -> bool,
        replay: impl Fn(&mut Simulation),
    ) -> Simulation {
        let restore_latest = |earlier: &dyn Fn(&Checkpoint) -> bool| {
            let checkpoint = self
                .checkpoints
                .iter()
                .rev()
                .find(|c| fits(c) && earlier(c));
            match checkpoint {
                Some(checkpoint) => checkpoint.restore(live),
                None => Simulation::new(live.initial_config().clone()),
            }
        };
        let mut sim = restore_latest(&|_| true);
        replay(&mut sim);
        if sim.trace.holds_context(sim.now()) {
            return sim;
        }
        let time = sim.now();
        let mut sim = restore_latest(&|c| c.sim.now().saturating_add(CONTEXT_MS) <= time);
        replay(&mut sim);
        sim
    }

    /// The visible moment just before `at`: after the last event that recorded
    /// something, or the last action, before it.
    pub fn previous(&self, live: &Simulation, at: Position) -> Option<Position> {
        self.previous_from(live, at, None)
    }

    /// The run one visible moment before `shown` (a moment of `live`). The events
    /// `shown` keeps tell where that moment is, so it is rebuilt once.
    pub fn step_back(&self, live: &Simulation, shown: &Simulation) -> Option<Simulation> {
        let moment = self.previous_from(live, shown.position(), Some(shown))?;
        Some(self.seek(live, moment))
    }

    /// The run one visible moment after `shown`, short of the live run's own
    /// moment: `shown` runs on to it, with no rebuilding.
    pub fn step_forward(&self, live: &Simulation, shown: &Simulation) -> Option<Simulation> {
        let moment = self.next_from(live, shown.position(), Some(shown))?;
        if order(&moment) >= order(&live.position()) {
            return None;
        }
        let mut sim = shown.clone();
        let actions = live.first_actions(moment.actions);
        sim.replay_to_position(actions, moment.processed);
        Some(sim)
    }

    /// [`Timeline::previous`], with the run as it is at `at` when at hand.
    fn previous_from(
        &self,
        live: &Simulation,
        at: Position,
        shown: Option<&Simulation>,
    ) -> Option<Position> {
        let after_action = live
            .action_moments()
            .rev()
            .find(|moment| order(moment) < order(&at));
        let after_event = self.event_moment_before(live, at, shown);
        after_action
            .into_iter()
            .chain(after_event)
            .max_by_key(order)
    }

    fn event_moment_before(
        &self,
        live: &Simulation,
        at: Position,
        shown: Option<&Simulation>,
    ) -> Option<Position> {
        let before = |sim: &Simulation| sim.event_moments().find(|m| order(m) < order(&at));
        // The live run keeps its newest events, and the run shown at `at` those
        // just before it: when either has one before `at`, none later is missing.
        if let Some(moment) = before(live).or_else(|| shown.and_then(before)) {
            return Some(moment);
        }
        if live.trace.first_kept() == 0 {
            return None;
        }
        // The moment lies before the live run's window: replay up to `at` from
        // ever earlier checkpoints until an event before it turns up.
        let actions = live.first_actions(at.actions);
        for checkpoint in self.checkpoints.iter().rev().filter(|c| c.at_or_before(at)) {
            let mut sim = checkpoint.restore(live);
            sim.replay_to_position(actions, at.processed);
            if let Some(moment) = before(&sim) {
                return Some(moment);
            }
        }
        None
    }

    /// The visible moment just after `at`, within the live run.
    pub fn next(&self, live: &Simulation, at: Position) -> Option<Position> {
        self.next_from(live, at, None)
    }

    /// [`Timeline::next`], with the run as it is at `at` when at hand.
    fn next_from(
        &self,
        live: &Simulation,
        at: Position,
        shown: Option<&Simulation>,
    ) -> Option<Position> {
        let after_action = live
            .action_moments()
            .find(|moment| order(moment) > order(&at));
        let after_event = self.event_moment_after(live, at, shown);
        after_action
            .into_iter()
            .chain(after_event)
            .min_by_key(order)
    }

    fn event_moment_after(
        &self,
        live: &Simulation,
        at: Position,
        shown: Option<&Simulation>,
    ) -> Option<Position> {
        let oldest_kept = live
            .trace
            .events()
            .next()
            .map(|e| live.moment_after(e.step));
        if live.trace.first_kept() == 0 || oldest_kept.is_some_and(|m| order(&m) <= order(&at)) {
            // Every event after `at` is in the live run's window.
            let later = live.event_moments().take_while(|m| order(m) > order(&at));
            return later.last();
        }
        // Rebuild `at` (or copy it) and run on until something is recorded, up
        // to the next action: taken, it is a moment of its own, and events it
        // records are stamped with the moment just before it.
        let mut sim = shown.map_or_else(|| self.seek(live, at), Simulation::clone);
        let recorded = sim.trace.len();
        let next_action = live.actions().get(at.actions);
        let end = next_action.map_or(live.events_processed(), |action| action.event);
        while sim.trace.len() == recorded && sim.events_processed() < end && !sim.halted() {
            sim.process_next_event();
        }
        if let Some(action) = next_action.filter(|_| sim.trace.len() == recorded) {
            sim.advance_clock_to(action.time);
            sim.act(action.action.clone());
        }
        let newest = sim.trace.events().next_back()?;
        let moment = live.moment_after(newest.step);
        (sim.trace.len() > recorded && order(&moment) > order(&at)).then_some(moment)
    }

    /// Acting in the past forks the run: checkpoints after the fork are
    /// of a future that no longer happens.
    pub fn forget_after(&mut self, at: Position) {
        self.checkpoints.retain(|c| c.at_or_before(at));
        if self.checkpoints.is_empty() {
            self.spacing_ms = FIRST_SPACING_MS;
        }
    }
}

fn order(position: &Position) -> (u64, usize) {
    (position.processed, position.actions)
}

/// Elections, crashes, restarts, cuts, commits, snapshots and violations
/// of a run, in order, for the timeline's marks (thinned: see [`Markers`]).
pub fn markers(live: &Simulation) -> &[Marker] {
    live.trace().markers()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(time: u64, kind: MarkerKind) -> Marker {
        Marker {
            time,
            step: time,
            event: time,
            kind,
        }
    }

    #[test]
    fn marks_thin_to_a_bound_keeping_every_kind_and_violations() {
        let mut markers = Markers::default();
        for time in 0..200_000 {
            markers.add(marker(time, MarkerKind::Commit));
            if time % 1_000 == 0 {
                markers.add(marker(time, MarkerKind::Crash));
            }
            if time == 150_000 {
                markers.add(marker(time, MarkerKind::Violation));
                markers.add(marker(time, MarkerKind::Violation));
            }
        }
        let kept = &markers.kept;
        assert!(kept.len() <= MAX_MARKERS);
        assert!(kept.windows(2).all(|pair| pair[0].time <= pair[1].time));
        let count = |kind| kept.iter().filter(|m| m.kind == kind).count();
        assert_eq!(
            count(MarkerKind::Violation),
            2,
            "violations are never thinned"
        );
        // The rare kind keeps more of its marks than its share of the bound.
        assert!(
            count(MarkerKind::Crash) >= 150,
            "{}",
            count(MarkerKind::Crash)
        );
        assert!(count(MarkerKind::Commit) >= MAX_MARKERS / 4);
        // Marks of the first events are a prefix.
        let before = markers.before(100_000);
        assert!(before.kept.iter().all(|m| m.event < 100_000));
        assert_eq!(before.kept[..], kept[..before.kept.len()]);
    }
}
