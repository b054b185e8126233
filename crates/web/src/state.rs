//! The one reducer of the page. It owns the simulation and the view state (playback,
//! selection, open menus); every click, key and animation frame becomes an [`Action`]
//! here, and each action turns into calls on the simulator's public actions. Nothing
//! here decides protocol behaviour.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use raftviz_sim::{
    LinkCut, NetworkConfig, ProposeError, RaftOptions, SimConfig, Simulation, SnapshotPolicy,
};
use yew::prelude::*;

use crate::names::server_name;

/// People pick speeds on a log scale between these (virtual ms per real ms).
pub const SLOWEST_SPEED: f64 = 1.0 / 1000.0;
pub const FASTEST_SPEED: f64 = 10.0;

/// Real ms between event-log refreshes while playing.
const EVENT_LOG_REFRESH_MS: f64 = 200.0;

pub type NodeId = usize;
pub type Dispatch = UseReducerDispatcher<AppState>;

/// The simulation behind a cheap handle. Views borrow it while rendering; two handles
/// are equal when they share one simulation, so a prop holding it never forces a render
/// on its own — the `revision` props do that.
#[derive(Clone)]
pub struct SimHandle(Rc<RefCell<Simulation>>);

impl SimHandle {
    pub fn borrow(&self) -> std::cell::Ref<'_, Simulation> {
        self.0.borrow()
    }
}

impl PartialEq for SimHandle {
    fn eq(&self, other: &SimHandle) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Clone)]
pub struct AppState {
    pub sim: SimHandle,
    pub playing: bool,
    /// Virtual ms per real ms.
    pub speed: f64,
    /// The virtual time on screen. Fractional, because at slow speeds a frame is worth
    /// less than a virtual millisecond and messages must still glide between frames.
    pub shown_ms: f64,
    /// Real ms the simulator took in the last animation frame (read by the benchmark).
    pub sim_ms_last_frame: f64,
    /// The server whose Figure 2 state the inspector shows; `None` follows the leader.
    pub selected: Option<NodeId>,
    /// The link whose cut menu is open (touch, right click or keyboard).
    pub link_menu: Option<(NodeId, NodeId)>,
    pub help_open: bool,
    /// The answer to the last thing a person asked for, e.g. a refused request.
    pub notice: Option<String>,
    /// The trace length the event log shows. While playing it catches up at most
    /// [`EVENT_LOG_REFRESH_MS`] apart: laying out the table every frame would cost more
    /// than the rest of the page, and nobody reads sixty updates a second.
    pub event_log_revision: u64,
    event_log_shown_at: f64,
    /// Event-log topics a person switched off.
    pub hidden_topics: Rc<BTreeSet<&'static str>>,
}

#[derive(Clone)]
pub enum Action {
    /// An animation frame happened this many real ms after the previous one.
    Frame(f64),
    Play,
    Pause,
    TogglePlay,
    /// Pause and run the simulation to its next recorded event.
    Step,
    SetSpeed(f64),
    /// Multiplies the speed (keyboard + and −).
    ScaleSpeed(f64),
    /// Start over with the same seed and settings.
    Reset,
    /// Start over with another seed and the same settings.
    Seed(u64),
    /// A client request to this server, or to the leader when `None`.
    Request(Option<NodeId>),
    Crash(NodeId),
    Restart(NodeId),
    Timeout(NodeId),
    Select(Option<NodeId>),
    /// Crash the inspected server, or restart it when it is down.
    TogglePowerInspected,
    TimeoutInspected,
    /// Puts the link between `a < b` into state `cut`.
    SetLink(NodeId, NodeId, LinkCut),
    OpenLinkMenu(Option<(NodeId, NodeId)>),
    IsolateLeader,
    /// Cuts the cluster into a minority of two (holding the leader, if any) and the rest.
    SplitTwoThree,
    HealAll,
    DropMessage(u64),
    /// Drops the message due to arrive first (the keyboard's way to drop one).
    DropNextMessage,
    SetNetwork(NetworkConfig),
    SetOptions(RaftOptions),
    /// Snapshot every this many applied entries (0: never). The policy is part of a
    /// run's settings, so the run starts again under it.
    SetSnapshotEvery(u64),
    ToggleHelp,
    /// Escape: close whatever overlay is open.
    CloseOverlays,
    ToggleTopic(&'static str),
}

impl AppState {
    pub fn new(seed: u64, speed: f64) -> AppState {
        AppState::over(Simulation::new(SimConfig::visual(seed)), speed)
    }

    fn over(sim: Simulation, speed: f64) -> AppState {
        AppState {
            shown_ms: sim.now() as f64,
            sim: SimHandle(Rc::new(RefCell::new(sim))),
            playing: true,
            speed,
            sim_ms_last_frame: 0.0,
            selected: None,
            link_menu: None,
            help_open: false,
            notice: None,
            event_log_revision: 0,
            event_log_shown_at: 0.0,
            hidden_topics: Rc::default(),
        }
    }

    /// The server the inspector shows: the chosen one, else the leader, else S1.
    pub fn inspected(&self) -> NodeId {
        self.selected
            .or_else(|| self.sim.borrow().leader())
            .unwrap_or(0)
    }

    fn sim_mut(&self) -> std::cell::RefMut<'_, Simulation> {
        self.sim.0.borrow_mut()
    }

    /// A fresh simulation under `config`, keeping how the page is being watched.
    fn restart_with(&self, config: SimConfig) -> AppState {
        AppState {
            selected: self.selected,
            hidden_topics: self.hidden_topics.clone(),
            ..AppState::over(Simulation::new(config), self.speed)
        }
    }

    /// The state after a simulator action: the screen jumps to the simulator's time.
    fn after_sim_change(mut self) -> AppState {
        self.shown_ms = self.shown_ms.max(self.sim.borrow().now() as f64);
        self
    }

    fn advance(mut self, real_ms: f64) -> AppState {
        let target = self.shown_ms + real_ms * self.speed;
        let started = now_ms();
        self.sim_mut().run_until(target as u64);
        self.sim_ms_last_frame = now_ms() - started;
        let sim = self.sim.borrow();
        // The simulator stops at a broken invariant; so does the page, to show it.
        let stopped = sim.halted();
        let now = sim.now() as f64;
        drop(sim);
        self.shown_ms = if stopped { now } else { target };
        self.playing &= !stopped;
        if stopped || started - self.event_log_shown_at >= EVENT_LOG_REFRESH_MS {
            self.show_latest_events(started);
        }
        self
    }

    fn show_latest_events(&mut self, at: f64) {
        self.event_log_revision = self.sim.borrow().trace().len();
        self.event_log_shown_at = at;
    }

    fn request(mut self, target: Option<NodeId>) -> AppState {
        let result = self.sim_mut().client_request(target);
        let sim = self.sim.borrow();
        let asked = target.or_else(|| sim.leader()).unwrap_or(0);
        let notice = match result {
            Ok((index, term)) => format!(
                "{} accepted the request as entry {index} of term {term}.",
                server_name(asked)
            ),
            Err(ProposeError::ServerDown) => format!("{} is down.", server_name(asked)),
            Err(ProposeError::NotLeader {
                leader_hint: Some(leader),
            }) => format!(
                "{} is not the leader and refused; it says the leader is {}.",
                server_name(asked),
                server_name(leader)
            ),
            Err(ProposeError::NotLeader { leader_hint: None }) => format!(
                "{} is not the leader and knows of none: no leader right now.",
                server_name(asked)
            ),
            Err(ProposeError::TransferringLeadership { target }) => format!(
                "{} is handing leadership to {} and takes no requests meanwhile.",
                server_name(asked),
                server_name(target)
            ),
        };
        drop(sim);
        self.notice = Some(notice);
        self.after_sim_change()
    }

    fn split_two_three(&self) {
        let mut sim = self.sim_mut();
        let servers = sim.server_count();
        let first = sim.leader().unwrap_or(0);
        let minority = [first, (first + 1) % servers];
        sim.heal_all();
        for a in minority {
            for b in (0..servers).filter(|b| !minority.contains(b)) {
                sim.set_link(a, b, true);
                sim.set_link(b, a, true);
            }
        }
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        let is_frame = matches!(action, Action::Frame(_));
        next = match action {
            // Returning the same Rc tells Yew nothing changed, so a paused page stays idle.
            Action::Frame(_) if !self.playing => return self,
            Action::Frame(real_ms) => next.advance(real_ms),
            Action::Play => AppState {
                playing: !self.sim.borrow().halted(),
                ..next
            },
            Action::Pause => AppState {
                playing: false,
                ..next
            },
            Action::TogglePlay if self.playing => AppState {
                playing: false,
                ..next
            },
            Action::TogglePlay => AppState {
                playing: !self.sim.borrow().halted(),
                ..next
            },
            Action::Step => {
                next.sim_mut().step();
                next.playing = false;
                // Jump exactly to the event, so a stepped message sits where it is.
                next.shown_ms = next.sim.borrow().now() as f64;
                next
            }
            Action::SetSpeed(speed) => AppState {
                speed: speed.clamp(SLOWEST_SPEED, FASTEST_SPEED),
                ..next
            },
            Action::ScaleSpeed(factor) => AppState {
                speed: (self.speed * factor).clamp(SLOWEST_SPEED, FASTEST_SPEED),
                ..next
            },
            Action::Reset => next.restart_with(self.sim.borrow().config().clone()),
            Action::Seed(seed) => next.restart_with(SimConfig {
                seed,
                ..self.sim.borrow().config().clone()
            }),
            Action::Request(target) => next.request(target),
            Action::Crash(id) => {
                next.sim_mut().crash(id);
                next.after_sim_change()
            }
            Action::Restart(id) => {
                next.sim_mut().restart(id);
                next.after_sim_change()
            }
            Action::Timeout(id) => {
                next.sim_mut().force_timeout(id);
                next.after_sim_change()
            }
            Action::Select(id) => AppState {
                selected: id,
                ..next
            },
            Action::TogglePowerInspected => {
                let id = self.inspected();
                let up = self.sim.borrow().is_up(id);
                if up {
                    next.sim_mut().crash(id);
                } else {
                    next.sim_mut().restart(id);
                }
                next.after_sim_change()
            }
            Action::TimeoutInspected => {
                let id = self.inspected();
                next.sim_mut().force_timeout(id);
                next.after_sim_change()
            }
            Action::SetLink(a, b, cut) => {
                let (forward, backward) = match cut {
                    LinkCut::None => (false, false),
                    LinkCut::Forward => (true, false),
                    LinkCut::Backward => (false, true),
                    LinkCut::Both => (true, true),
                };
                let mut sim = next.sim_mut();
                sim.set_link(a, b, forward);
                sim.set_link(b, a, backward);
                drop(sim);
                next.link_menu = None;
                next.after_sim_change()
            }
            Action::OpenLinkMenu(link) => AppState {
                link_menu: link,
                ..next
            },
            Action::IsolateLeader => {
                let leader = self.sim.borrow().leader();
                match leader {
                    Some(leader) => next.sim_mut().isolate(leader, true),
                    None => next.notice = Some("There is no leader to isolate right now.".into()),
                }
                next.after_sim_change()
            }
            Action::SplitTwoThree => {
                next.split_two_three();
                next.after_sim_change()
            }
            Action::HealAll => {
                next.sim_mut().heal_all();
                next.after_sim_change()
            }
            Action::DropMessage(id) => {
                if next.sim_mut().drop_message(id) {
                    next.notice = Some(format!("Message #{id} dropped."));
                }
                next.after_sim_change()
            }
            Action::DropNextMessage => {
                let next_due = self
                    .sim
                    .borrow()
                    .in_flight()
                    .min_by_key(|flight| (flight.deliver_at, flight.id))
                    .map(|flight| flight.id);
                if let Some(id) = next_due {
                    next.sim_mut().drop_message(id);
                    next.notice = Some(format!("Message #{id} dropped."));
                }
                next.after_sim_change()
            }
            Action::SetNetwork(network) => {
                next.sim_mut().set_network(network);
                next
            }
            Action::SetOptions(options) => {
                next.sim_mut().set_options(options);
                next
            }
            Action::SetSnapshotEvery(entries) => next.restart_with(SimConfig {
                snapshot_policy: match entries {
                    0 => SnapshotPolicy::Never,
                    entries => SnapshotPolicy::EveryEntries(entries),
                },
                ..self.sim.borrow().config().clone()
            }),
            Action::ToggleHelp => AppState {
                help_open: !self.help_open,
                ..next
            },
            Action::CloseOverlays => AppState {
                help_open: false,
                link_menu: None,
                ..next
            },
            Action::ToggleTopic(topic) => {
                let mut hidden = (*self.hidden_topics).clone();
                if !hidden.remove(topic) {
                    hidden.insert(topic);
                }
                next.hidden_topics = Rc::new(hidden);
                next
            }
        };
        // Whatever a person did shows in the event log at once.
        if !is_frame {
            next.show_latest_events(now_ms());
        }
        Rc::new(next)
    }
}

/// A high-resolution clock for measuring the simulator's share of a frame.
fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}
