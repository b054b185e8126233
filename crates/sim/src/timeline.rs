//! Time travel. The run is its settings plus its actions, so any moment
//! can be rebuilt by replay; periodic checkpoints (copies of the
//! simulation without their event lists, which the live run already
//! holds) keep every seek short, and thinning them keeps memory bounded.
use crate::{EventKind, Simulation};

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Marker {
    pub time: u64,
    pub step: u64,
    pub kind: MarkerKind,
}

/// Checkpoints beyond this many are thinned (every other one dropped).
pub const MAX_CHECKPOINTS: usize = 64;
/// Virtual time between checkpoints before any thinning.
pub const FIRST_SPACING_MS: u64 = 500;

#[derive(Clone, Debug)]
pub struct Timeline {
    checkpoints: Vec<Simulation>,
    spacing_ms: u64,
}

impl Simulation {
    /// A copy to restart from, without the event list (the live run keeps
    /// the whole list; a seek copies back the part it needs).
    pub fn checkpoint(&mut self) -> Simulation {
        let events = self.trace.events.take();
        let mut copy = self.clone();
        self.trace.events = events;
        copy.trace.events = self.trace.events.as_ref().map(|_| Vec::new());
        copy
    }

    pub fn position(&self) -> Position {
        Position {
            processed: self.events_processed(),
            actions: self.actions().len(),
        }
    }
}

impl Timeline {
    pub fn new(start: &mut Simulation) -> Timeline {
        Timeline {
            checkpoints: vec![start.checkpoint()],
            spacing_ms: FIRST_SPACING_MS,
        }
    }

    /// Call as the live run advances: keeps a checkpoint every spacing.
    pub fn observe(&mut self, live: &mut Simulation) {
        let last = self.checkpoints.last().map_or(0, Simulation::now);
        if live.now() < last + self.spacing_ms {
            return;
        }
        self.checkpoints.push(live.checkpoint());
        if self.checkpoints.len() > MAX_CHECKPOINTS {
            let mut index = 0;
            self.checkpoints.retain(|_| {
                index += 1;
                index % 2 == 1
            });
            self.spacing_ms *= 2;
        }
    }

    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }

    /// The run as it was at `target`, which must not lie past `live`.
    pub fn seek(&self, live: &Simulation, target: Position) -> Simulation {
        let mut sim = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| {
                c.events_processed() <= target.processed && c.actions().len() <= target.actions
            })
            .cloned()
            .unwrap_or_else(|| Simulation::new(live.initial_config().clone()));
        sim.trace.restore_events_from(&live.trace);
        let actions = &live.actions()[..target.actions.min(live.actions().len())];
        sim.replay_to_position(actions, target.processed);
        sim
    }

    /// The run at virtual time `time` (its last event at or before it).
    pub fn seek_time(&self, live: &Simulation, time: u64) -> Simulation {
        let base = self.checkpoints.iter().rev().find(|c| c.now() <= time);
        let mut sim = match base {
            Some(checkpoint) => checkpoint.clone(),
            None => Simulation::new(live.initial_config().clone()),
        };
        sim.trace.restore_events_from(&live.trace);
        sim.replay_from(live.actions(), time);
        sim
    }

    /// Every visible moment of the live run, in order: after each event
    /// that recorded something, and after each action. Positions compare
    /// in the order the moments happened.
    fn moments(live: &Simulation) -> impl Iterator<Item = Position> + '_ {
        let actions = live.actions();
        let steps = live.trace().events.iter().flatten().map(|event| event.step);
        let after_events = steps.map(move |step| Position {
            processed: step,
            actions: actions.iter().take_while(|a| a.event < step).count(),
        });
        let after_actions = actions.iter().enumerate().map(|(index, action)| Position {
            processed: action.event,
            actions: index + 1,
        });
        after_events.chain(after_actions)
    }

    /// The visible moment just before `at`.
    pub fn previous(live: &Simulation, at: Position) -> Option<Position> {
        Timeline::moments(live)
            .filter(|m| order(m) < order(&at))
            .max_by_key(order)
    }

    /// The visible moment just after `at`, within the live run.
    pub fn next(live: &Simulation, at: Position) -> Option<Position> {
        Timeline::moments(live)
            .filter(|m| order(m) > order(&at))
            .min_by_key(order)
    }

    /// Acting in the past forks the run: checkpoints after the fork are
    /// of a future that no longer happens.
    pub fn forget_after(&mut self, at: Position) {
        self.checkpoints
            .retain(|c| c.events_processed() <= at.processed && c.actions().len() <= at.actions);
        if self.checkpoints.is_empty() {
            self.spacing_ms = FIRST_SPACING_MS;
        }
    }
}

fn order(position: &Position) -> (u64, usize) {
    (position.processed, position.actions)
}

/// Elections, crashes, restarts, cuts, commits, snapshots and violations
/// of a run, in order, for the timeline's marks.
pub fn markers(live: &Simulation) -> Vec<Marker> {
    let Some(events) = live.trace().events.as_ref() else {
        return Vec::new();
    };
    events
        .iter()
        .filter_map(|event| {
            let kind = match &event.kind {
                EventKind::Role {
                    role: raftviz_raft::Role::Leader,
                    ..
                } => MarkerKind::Leader,
                EventKind::Crash => MarkerKind::Crash,
                EventKind::Restart => MarkerKind::Restart,
                EventKind::Cut { .. } => MarkerKind::Cut,
                EventKind::Commit { .. } => MarkerKind::Commit,
                EventKind::Compact { .. } | EventKind::InstallSnapshot { .. } => {
                    MarkerKind::Snapshot
                }
                EventKind::Violation { .. } => MarkerKind::Violation,
                _ => return None,
            };
            Some(Marker {
                time: event.time,
                step: event.step,
                kind,
            })
        })
        .collect()
}
