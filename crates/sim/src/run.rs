//! A run as data: seed and settings plus the list of things a person (or a
//! scenario) did, each stamped with how many events had been processed
//! when it happened. Replaying that list on a fresh simulation reproduces
//! the run exactly; this is what sharing, traces and time travel rest on.
use raftviz_raft::{ConfChange, NodeId};

use crate::kv::Op;
use crate::{Joining, NetworkConfig, RaftOptions, SimConfig, Simulation};

/// Everything a person or a scenario can do to a running cluster.
#[derive(Clone, Debug, PartialEq)]
pub enum UserAction {
    Crash {
        server: NodeId,
    },
    Restart {
        server: NodeId,
    },
    /// Expire the server's election timer now.
    Timeout {
        server: NodeId,
    },
    /// A client request to `server`, or to the leader when `None`.
    Request {
        server: Option<NodeId>,
    },
    /// Cut or heal the one-way link `from → to`.
    SetLink {
        from: NodeId,
        to: NodeId,
        cut: bool,
    },
    /// Cut or heal every link of `server`, both ways.
    Isolate {
        server: NodeId,
        cut: bool,
    },
    HealAll,
    /// Hold messages on `from → to` (they wait in flight) or release them.
    HoldLink {
        from: NodeId,
        to: NodeId,
        hold: bool,
    },
    /// Lose the message in flight with this id.
    DropMessage {
        id: u64,
    },
    /// Deliver the message in flight with this id now.
    DeliverNow {
        id: u64,
    },
    Transfer {
        from: NodeId,
        to: NodeId,
    },
    SetNetwork(NetworkConfig),
    SetOptions(RaftOptions),
    /// Clients that keep issuing key-value operations (the default
    /// workload) until stopped.
    StartClients {
        count: usize,
    },
    /// The clients issue nothing new; what is under way completes.
    StopClients,
    /// One key-value operation from a client of its own that tries
    /// `server` first, then follows hints and retries like every client
    /// (`value` is empty for Get).
    Submit {
        server: NodeId,
        op: Op,
        key: String,
        value: String,
    },
    /// Boot a new server with the next free id and ask the leader to add
    /// it (dissertation §4.2.1 when `joining` is `CaughtUp`).
    AddServer {
        joining: Joining,
    },
    /// Ask the leader for membership changes: one is a single-server change
    /// (remove, promote, demote, add), several a joint one (§4.3). New
    /// servers named here take the next free ids and boot once accepted.
    ChangeMembership {
        changes: Vec<ConfChange>,
    },
}

/// An action and the moment it happened: after `event` events had been
/// processed, at virtual time `time`.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedAction {
    pub event: u64,
    pub time: u64,
    pub action: UserAction,
}

impl Simulation {
    /// Does `action` now and records it, so the run can be replayed.
    pub fn act(&mut self, action: UserAction) {
        self.actions.push(RecordedAction {
            event: self.events_processed(),
            time: self.now(),
            action: action.clone(),
        });
        self.perform(&action);
    }

    fn perform(&mut self, action: &UserAction) {
        match *action {
            UserAction::Crash { server } => self.crash(server),
            UserAction::Restart { server } => self.restart(server),
            UserAction::Timeout { server } => self.force_timeout(server),
            UserAction::Request { server } => {
                // A refused request is part of the run too (it is traced).
                let _ = self.client_request(server);
            }
            UserAction::SetLink { from, to, cut } => self.set_link(from, to, cut),
            UserAction::Isolate { server, cut } => self.isolate(server, cut),
            UserAction::HealAll => self.heal_all(),
            UserAction::HoldLink { from, to, hold } => self.hold_link(from, to, hold),
            UserAction::DropMessage { id } => {
                self.drop_message(id);
            }
            UserAction::DeliverNow { id } => self.deliver_now(id),
            UserAction::Transfer { from, to } => {
                // A refused request is part of the run too (it is traced).
                let _ = self.transfer_leadership(from, to);
            }
            UserAction::SetNetwork(ref network) => self.set_network(network.clone()),
            UserAction::SetOptions(options) => self.set_options(options),
            UserAction::StartClients { count } => {
                self.start_workload(count, crate::Workload::default());
            }
            UserAction::StopClients => self.stop_workload(),
            UserAction::Submit {
                server,
                op,
                ref key,
                ref value,
            } => {
                self.submit_to(server, op, key, value);
            }
            // A refused change is part of the run too (it is traced).
            UserAction::AddServer { joining } => {
                let _ = self.add_server(joining);
            }
            UserAction::ChangeMembership { ref changes } => {
                let _ = self.change_membership(changes);
            }
        }
    }

    /// The actions taken so far, in order.
    pub fn actions(&self) -> &[RecordedAction] {
        &self.actions
    }

    /// Rebuilds a run from its settings and actions, up to `until_time`
    /// (the actions after it are ignored). Same inputs, same run.
    pub fn replay(config: SimConfig, actions: &[RecordedAction], until_time: u64) -> Simulation {
        let mut sim = Simulation::new(config);
        sim.replay_from(actions, until_time);
        sim
    }

    /// Continues a replay from this simulation's current point.
    pub fn replay_from(&mut self, actions: &[RecordedAction], until_time: u64) {
        // This simulation has already taken the first actions of the list.
        let taken = self.actions.len().min(actions.len());
        for recorded in &actions[taken..] {
            if recorded.time > until_time {
                break;
            }
            self.run_events_until(recorded.event, recorded.time);
            self.act(recorded.action.clone());
        }
        self.run_until(until_time);
    }

    /// Continues a replay to the moment after exactly `processed` events
    /// and the first `actions` actions of the list. Each action is taken at
    /// the time it was, which may lie after its last event: an action's
    /// effects (timers, the times it records) depend on the clock.
    pub fn replay_to_position(&mut self, actions: &[RecordedAction], processed: u64) {
        let taken = self.actions.len().min(actions.len());
        for recorded in &actions[taken..] {
            if recorded.event > processed {
                break;
            }
            self.process_until(recorded.event);
            self.advance_clock_to(recorded.time);
            self.act(recorded.action.clone());
        }
        self.process_until(processed);
    }

    fn process_until(&mut self, processed: u64) {
        while self.events_processed() < processed
            && !self.halted()
            && self.next_event_time().is_some()
        {
            self.process_next_event();
        }
    }

    /// Processes events until exactly `event` have been processed (or the
    /// clock would pass `time`), then sets the clock to `time`.
    fn run_events_until(&mut self, event: u64, time: u64) {
        while self.events_processed() < event
            && !self.halted()
            && self.next_event_time().is_some_and(|t| t <= time)
        {
            self.process_next_event();
        }
        self.advance_clock_to(time);
    }
}
