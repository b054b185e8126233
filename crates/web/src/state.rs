//! The one reducer of the page. It owns the simulation and the view state (playback,
//! selection, open menus); every click, key and animation frame becomes an [`Action`]
//! here, and each action turns into calls on the simulator's public actions. Nothing
//! here decides protocol behaviour.

use std::cell::RefCell;
use std::rc::Rc;

use raftviz_sim::scenario::{self, Listed, Scenario, ScenarioPlayer, StepRun};
use raftviz_sim::share::{decode_run, export, ImportError, Replaying, SharedRun, MAX_TRACE_BYTES};
use raftviz_sim::timeline::{markers, Timeline};
use raftviz_sim::{
    ChangeError, ConfChange, EventKind, Joining, LinkCut, LivenessThresholds, NetworkConfig,
    RaftOptions, ReadMode, SimConfig, Simulation, SnapshotPolicy, UserAction, SERVER_SLOTS,
};
use yew::prelude::*;

use crate::announcer::{membership_sentence, Announcer};
use crate::components::share_bar::download;
use crate::i18n::{Lang, T};
use crate::names::server_name;
use crate::params::{ScenarioLink, StartParams};

/// People pick speeds on a log scale between these (virtual ms per real ms).
pub const SLOWEST_SPEED: f64 = 1.0 / 1000.0;
pub const FASTEST_SPEED: f64 = 10.0;

/// Real ms between event-log refreshes while playing.
const EVENT_LOG_REFRESH_MS: f64 = 200.0;

/// Real seconds a scenario step takes to unfold, by default, and the choices offered.
pub const DEFAULT_STEP_PACE_S: u32 = 5;
pub const STEP_PACES_S: [u32; 5] = [3, 5, 8, 12, 20];

/// Real ms of simulation a frame may spend. At the fastest speeds a frame's share of
/// virtual time can take seconds to simulate (clients at 1000x); past this the run lags
/// behind the speed asked for rather than freezing the page.
const FRAME_SIMULATION_MS: f64 = 30.0;
/// Virtual ms simulated between looks at the clock while a frame has work to spare.
const FRAME_SLICE_MS: u64 = 1_000;

/// Real ms a shared run's replay may take before the page shows anything: a short run
/// opens at once, a long one (a lab's afternoon is millions of events) a frame at a time.
const OPENING_AT_ONCE_MS: f64 = 200.0;

/// The most state a run may hold in its servers (estimated) before the page pauses it.
/// The page keeps a bounded window of everything else, but logs that nothing compacts
/// grow with every request: without this, clients run at the fastest speed would grow
/// until an allocation failed.
const MOST_RUN_BYTES: usize = 32 << 20;

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

    /// A reference that does not keep the simulation alive, to recognise it later.
    pub fn downgrade(&self) -> std::rc::Weak<RefCell<Simulation>> {
        Rc::downgrade(&self.0)
    }
}

impl PartialEq for SimHandle {
    fn eq(&self, other: &SimHandle) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl SimHandle {
    fn new(sim: Simulation) -> SimHandle {
        SimHandle(Rc::new(RefCell::new(sim)))
    }
}

/// A shared run (a `#run=` link or an imported trace) being replayed, a slice per
/// frame, until it replaces the run on screen.
/// Every state the reducer makes while it opens holds the same one, so the finished
/// replay is taken out (`None` after).
#[derive(Clone)]
pub struct Opening(Rc<RefCell<Option<OpeningRun>>>);

struct OpeningRun {
    replaying: Replaying,
    /// Checkpoints taken along the way, as of a run watched live.
    timeline: Option<Timeline>,
    /// The trace file's name; `None` for a `#run=` link.
    file: Option<String>,
}

impl Opening {
    fn start(run: &SharedRun, file: Option<String>) -> Result<Opening, ImportError> {
        let mut timeline = None;
        let replaying = run.start_replay(&mut keep_checkpoints(&mut timeline))?;
        Ok(Opening(Rc::new(RefCell::new(Some(OpeningRun {
            replaying,
            timeline,
            file,
        })))))
    }

    /// Replays until done or until the real clock passes `deadline`; whether done.
    fn replay_until(&self, deadline: f64) -> bool {
        let mut opening = self.0.borrow_mut();
        let Some(OpeningRun {
            replaying,
            timeline,
            ..
        }) = &mut *opening
        else {
            return true;
        };
        let mut observe = keep_checkpoints(timeline);
        loop {
            if replaying.advance(&mut observe) {
                return true;
            }
            if now_ms() > deadline {
                return false;
            }
        }
    }
}

/// Shows a replayed run to a timeline, made at the first look.
fn keep_checkpoints(timeline: &mut Option<Timeline>) -> impl FnMut(&mut Simulation) + '_ {
    move |sim| match timeline {
        Some(timeline) => timeline.observe(sim),
        None => *timeline = Some(Timeline::new(sim)),
    }
}

/// The scenario being walked through. Each move makes a new player, so two handles are
/// equal exactly when nothing moved.
#[derive(Clone)]
pub struct ScenarioHandle(pub Rc<ScenarioPlayer>);

impl PartialEq for ScenarioHandle {
    fn eq(&self, other: &ScenarioHandle) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// A scenario step unfolding at a watchable pace: its own simulation runs the step's
/// commands a frame at a time from where the step starts; `end` is the same step
/// played at once, which the unfolding reaches exactly (and Next jumps to).
#[derive(Clone)]
pub struct Unfolding {
    run: Rc<RefCell<StepRun>>,
    /// The player before the step (where Back returns) and after it.
    pub start: ScenarioHandle,
    pub end: ScenarioHandle,
    /// Virtual ms from the step's start to its end.
    span_ms: u64,
}

/// What Share did: the link, and whether the clipboard took it (`None` while asking).
#[derive(Clone, Debug, PartialEq)]
pub struct ShareOutcome {
    pub url: String,
    pub copied: Option<bool>,
    /// Counts Share presses, so each press copies once.
    pub serial: u32,
}

/// A trace file the page saved, for the trace reader to check.
#[derive(Clone)]
pub struct ExportCheck {
    /// Counts exports, so a late answer is not taken for a newer file's.
    pub serial: u32,
    pub name: String,
    pub text: Rc<str>,
}

/// Servers and log indices to draw attention to: an entry is marked when its index is
/// listed and its server is too (or no server is listed). The lists are a handful long,
/// so plain vectors do (and keep the page small).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Highlight {
    pub servers: Vec<NodeId>,
    pub indices: Vec<u64>,
}

impl Highlight {
    pub fn marks(&self, server: NodeId, index: u64) -> bool {
        self.indices.contains(&index) && (self.servers.is_empty() || self.servers.contains(&server))
    }
}

#[derive(Clone)]
pub struct AppState {
    /// The live run: its furthest point, where actions are recorded.
    pub sim: SimHandle,
    /// Checkpoints of the live run, so any past moment is rebuilt quickly.
    pub timeline: Rc<RefCell<Timeline>>,
    /// The past moment on screen after a person travelled back; `None` shows the live run.
    pub viewed: Option<SimHandle>,
    /// The live run and timeline that the last fork replaced, for "undo fork".
    pub discarded_future: Option<(SimHandle, Rc<RefCell<Timeline>>)>,
    pub scenario: Option<ScenarioHandle>,
    /// The step being unfolded, when one is; `sim` is its simulation meanwhile.
    pub unfolding: Option<Unfolding>,
    /// A shared run being replayed; the page shows how far it got meanwhile.
    pub opening: Option<Opening>,
    /// The built-in scenario whose file the page is fetching, and where to open it;
    /// the run on screen stays until it arrives.
    pub loading: Option<ScenarioLink>,
    /// Real seconds a step takes to unfold.
    pub step_pace_s: u32,
    /// The scenario left by Continue freely or by acting, so it can be reopened.
    pub left_scenario: Option<ScenarioHandle>,
    /// Presentation mode: only what a class needs, scaled to the screen.
    pub presenting: bool,
    /// The language the page speaks.
    pub lang: Lang,
    /// The message whose fields the message panel shows.
    pub selected_message: Option<u64>,
    /// Selecting a message pauses the run, so it can be read.
    pub pause_on_select: bool,
    /// When the liveness gauge turns amber and red; they judge a run, never change it.
    pub liveness_thresholds: LivenessThresholds,
    /// The server whose action menu is open next to it (touch, keyboard).
    pub server_menu: Option<NodeId>,
    pub announcer: Rc<RefCell<Announcer>>,
    /// The live region's text: the latest sentences about what happened.
    pub announcement: Rc<str>,
    /// Something a person asked for failed (a bad link or trace file); shown as an alert.
    pub error: Option<String>,
    /// The last link made by Share and whether it reached the clipboard.
    pub share: Option<ShareOutcome>,
    /// The last trace exported, until the trace reader has said whether it imports.
    pub export_check: Option<ExportCheck>,
    /// Traces exported so far (each export's serial).
    exports: u32,
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
    /// The same for the space-time diagram and the timeline's marks, which catch up
    /// half a period out of step with the event log, so no one frame lays out both.
    pub diagram_revision: u64,
    diagram_shown_at: f64,
    /// Event-log topics a person switched off.
    /// A handful at most: a list is lighter in the wasm than a set.
    pub hidden_topics: Rc<Vec<&'static str>>,
    /// How Add server adds a new one.
    pub joining: Joining,
    /// While a joint change is put together: the changes picked so far, applied
    /// together by Apply together.
    pub joint: Option<Rc<Vec<ConfChange>>>,
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
    /// Drops the selected message, else the one due to arrive first (the D key).
    DropSelectedMessage,
    /// Shows a message's fields in the message panel (`None` closes it).
    SelectMessage(Option<u64>),
    SetPauseOnSelect(bool),
    /// New thresholds for the liveness gauge; refused (with a notice) when a red one
    /// comes before its amber one.
    SetLivenessThresholds(LivenessThresholds),
    /// Opens (or with `None` closes) a server's action menu next to it.
    OpenServerMenu(Option<NodeId>),
    TogglePresent,
    SetLang(Lang),
    /// That language's texts could not be fetched (why); the page stays as it is.
    LangNotLoaded(Lang, String),
    SetMuted(bool),
    SetNetwork(NetworkConfig),
    SetOptions(RaftOptions),
    /// Snapshot every this many applied entries (0: never). The policy is part of a
    /// run's settings, so the run starts again under it.
    SetSnapshotEvery(u64),
    /// How Get is served; part of a run's settings, so the run starts again.
    SetReadMode(ReadMode),
    /// Servers' clocks this many percent fast or slow; the run starts again.
    SetClockSkew(u64),
    ToggleHelp,
    /// Escape: close whatever overlay is open.
    CloseOverlays,
    ToggleTopic(&'static str),
    /// Show the run one visible moment earlier (the live run stays as it is).
    Back,
    /// Show the run as it was at this virtual time.
    SeekTime(u64),
    /// Jump to the previous (`false`) or next (`true`) timeline marker.
    JumpToMarker(bool),
    /// Bring back the future the last fork discarded.
    UndoFork,
    /// Unfold the next step; while one unfolds, finish it at once.
    NextScenarioStep,
    PreviousScenarioStep,
    GoToScenarioStep(usize),
    /// Home and End: the first and the last step.
    FirstScenarioStep,
    LastScenarioStep,
    SetStepPace(u32),
    /// Back into the scenario that was left, at the step it was left at.
    ReopenScenario,
    /// Replay the scenario to the same step in another of its variants.
    SetVariant(usize),
    /// Open another built-in scenario (a "see also" link) at its start.
    OpenScenario(String),
    /// A scenario's file came (its text) or did not (why), by name.
    ScenarioArrived(String, Result<String, String>),
    /// Leave the scenario and keep playing from where it stands.
    ContinueFreely,
    /// Put the run in the URL fragment as a `#run=` link, and copy it.
    Share,
    /// The clipboard took the link of that Share press (`true`) or refused it.
    ShareCopied(u32, bool),
    /// Download the run on screen as a JSON trace.
    Export,
    /// The run a trace file holds (or why it could not be read), named for messages.
    Import(String, Result<SharedRun, String>),
    /// The trace reader's verdict on the export of that serial: why importing it
    /// would fail, if it would.
    ExportChecked(u32, Option<String>),
    DismissError,
    /// Add a server the way [`AppState::joining`] says (or pick it, in a joint change).
    AddServer,
    SetJoining(Joining),
    /// One change, e.g. remove a server or promote a learner (or pick it, in a joint
    /// change).
    Change(ConfChange),
    /// Start putting a joint change together, or cancel it.
    ToggleJoint,
    /// Ask for every change picked, as one joint change.
    ApplyJoint,
}

// The handlers of what a lecture seldom does (scenarios, links, traces, membership)
// are `#[inline(never)]`, as is every method here for wasm-opt (index.html): each
// stays a function of its own, which the page's split can leave out of the code it
// opens with (crates/web/e2e/split_page.mjs), instead of one large `reduce`.
impl AppState {
    /// The run the URL asks for: a shared `#run=`, a scenario, or a seed. A link that
    /// cannot be replayed says why and leaves the default run in its place.
    pub fn start(start: &StartParams) -> AppState {
        AppState {
            presenting: start.present,
            lang: start.lang,
            ..AppState::start_run(start)
        }
    }

    fn start_run(start: &StartParams) -> AppState {
        let lang = start.lang;
        let fresh = || {
            let mut config = SimConfig::visual(start.seed);
            if let Some(servers) = start.servers {
                config.servers = servers;
            }
            AppState {
                lang,
                ..AppState::over(Simulation::new(config), start.speed)
            }
        };
        if let Some(fragment) = &start.run_fragment {
            // Until the shared run is replayed, the page shows a fresh one, paused.
            return match decode_run(fragment).and_then(|run| Opening::start(&run, None)) {
                Ok(opening) => AppState {
                    playing: false,
                    ..fresh()
                }
                .open(opening, now_ms() + OPENING_AT_ONCE_MS),
                Err(error) => fresh().not_opened(None, &error.to_string()),
            };
        }
        // Until the scenario's file comes the page shows a fresh run, which goes on
        // should the file never come.
        let load = |link: ScenarioLink, bad: T| match scenario::listed(&link.name) {
            Ok(listed) => fresh().load_scenario(listed, link),
            Err(error) => AppState {
                error: Some(lang.fill(bad, &[&error])),
                ..fresh()
            },
        };
        if let Some(link) = &start.scenario_link {
            return load(link.clone(), T::BadScenarioLink);
        }
        if let Some(name) = &start.scenario {
            let link = ScenarioLink {
                name: name.clone(),
                step: None,
                variant: None,
            };
            return load(link, T::BadScenario);
        }
        fresh()
    }

    fn over(mut sim: Simulation, speed: f64) -> AppState {
        let timeline = Timeline::new(&mut sim);
        AppState::with_timeline(sim, timeline, speed)
    }

    fn with_timeline(sim: Simulation, timeline: Timeline, speed: f64) -> AppState {
        AppState {
            shown_ms: sim.now() as f64,
            timeline: Rc::new(RefCell::new(timeline)),
            sim: SimHandle::new(sim),
            viewed: None,
            discarded_future: None,
            scenario: None,
            unfolding: None,
            opening: None,
            loading: None,
            step_pace_s: DEFAULT_STEP_PACE_S,
            left_scenario: None,
            presenting: false,
            lang: Lang::En,
            selected_message: None,
            pause_on_select: true,
            liveness_thresholds: LivenessThresholds::default(),
            server_menu: None,
            announcer: Rc::default(),
            announcement: Rc::from(""),
            error: None,
            share: None,
            export_check: None,
            exports: 0,
            playing: true,
            speed,
            sim_ms_last_frame: 0.0,
            selected: None,
            link_menu: None,
            help_open: false,
            notice: None,
            event_log_revision: 0,
            event_log_shown_at: 0.0,
            diagram_revision: 0,
            diagram_shown_at: 0.0,
            hidden_topics: Rc::default(),
            joining: Joining::Learner,
            joint: None,
        }
    }

    /// The server the inspector shows: the chosen one, else the leader, else S1.
    pub fn inspected(&self) -> NodeId {
        self.selected
            .or_else(|| self.shown().borrow().leader())
            .unwrap_or(0)
    }

    #[inline(never)]
    fn next_step_if_unfolding(self) -> AppState {
        if self.unfolding.is_some() {
            self.next_step()
        } else {
            self
        }
    }

    /// The simulation on screen: the past moment a person travelled to, else the live run.
    pub fn shown(&self) -> SimHandle {
        self.viewed.clone().unwrap_or_else(|| self.sim.clone())
    }

    /// Asks for a built-in scenario's file (app.rs fetches what `loading` names) and
    /// says so meanwhile.
    #[inline(never)]
    fn load_scenario(self, listed: &Listed, link: ScenarioLink) -> AppState {
        let title = self.lang.pick(listed.title, listed.title_zh);
        AppState {
            notice: Some(self.lang.fill(T::LoadingScenario, &[&title])),
            loading: Some(link),
            ..self
        }
    }

    /// Opens the scenario whose file came, where its link asked. A file that did not
    /// come or does not parse leaves the run on screen and says why.
    #[inline(never)]
    fn scenario_arrived(mut self, name: &str, text: Result<String, String>) -> AppState {
        let Some(link) = self.loading.take_if(|link| link.name == name) else {
            return self;
        };
        match text.and_then(|text| scenario::parse(name, &text)) {
            Ok(scenario) => self.open_scenario(scenario, &link),
            Err(error) => {
                let title = scenario::listed(name)
                    .map_or(name, |listed| self.lang.pick(listed.title, listed.title_zh));
                AppState {
                    error: Some(self.lang.fill(T::ScenarioNotLoaded, &[&title, &error])),
                    notice: None,
                    ..self
                }
            }
        }
    }

    /// The scenario at the link's step in the link's variant (the first when it has
    /// no such variant, which the page says).
    #[inline(never)]
    fn open_scenario(self, scenario: Scenario, link: &ScenarioLink) -> AppState {
        let chosen = link
            .variant
            .as_deref()
            .map(|id| (id, scenario.variant_index(id)));
        let mut player =
            ScenarioPlayer::new(scenario, chosen.and_then(|(_, index)| index).unwrap_or(0));
        if let Some(step) = link.step.filter(|&step| step < player.scenario.steps.len()) {
            player.go_to(step);
        }
        let error = match chosen {
            Some((id, None)) => Some(self.lang.fill(T::ScenarioNoVariant, &[&id])),
            _ => None,
        };
        AppState {
            error,
            ..self.with_scenario(player)
        }
    }

    /// The scenario's current step shows its simulation, paused, with nothing to undo.
    #[inline(never)]
    fn with_scenario(self, player: ScenarioPlayer) -> AppState {
        let sim = player.sim.clone();
        self.showing(sim, ScenarioHandle(Rc::new(player)))
    }

    /// A fresh view of `sim` inside the scenario, keeping how the page is watched.
    fn showing(self, sim: Simulation, scenario: ScenarioHandle) -> AppState {
        AppState {
            playing: false,
            scenario: Some(scenario),
            selected: self.selected,
            hidden_topics: self.hidden_topics.clone(),
            ..self.keeping_view(AppState::over(sim, self.speed))
        }
    }

    /// `fresh` with this state's ways of watching: presentation, pace, announcer, and
    /// the scenario being fetched.
    fn keeping_view(&self, fresh: AppState) -> AppState {
        AppState {
            presenting: self.presenting,
            lang: self.lang,
            step_pace_s: self.step_pace_s,
            pause_on_select: self.pause_on_select,
            liveness_thresholds: self.liveness_thresholds,
            announcer: self.announcer.clone(),
            announcement: self.announcement.clone(),
            share: self.share.clone(),
            left_scenario: self.left_scenario.clone(),
            joining: self.joining,
            // A scenario asked for still opens when its file comes.
            loading: self.loading.clone(),
            ..fresh
        }
    }

    /// The scenario as it stands once any unfolding step is finished.
    #[inline(never)]
    fn settled_scenario(&self) -> Option<ScenarioHandle> {
        match &self.unfolding {
            Some(unfolding) => Some(unfolding.end.clone()),
            None => self.scenario.clone(),
        }
    }

    #[inline(never)]
    fn move_scenario(self, move_player: impl FnOnce(&mut ScenarioPlayer)) -> AppState {
        let Some(ScenarioHandle(player)) = self.settled_scenario() else {
            return self;
        };
        let mut player = (*player).clone();
        move_player(&mut player);
        self.with_scenario(player)
    }

    /// Next: finish the unfolding step at once, or start unfolding the next one.
    #[inline(never)]
    fn next_step(self) -> AppState {
        if let Some(unfolding) = &self.unfolding {
            let end = unfolding.end.clone();
            let sim = end.0.sim.clone();
            return self.showing(sim, end);
        }
        let Some(ScenarioHandle(player)) = &self.scenario else {
            return self;
        };
        let Some(index) = player.next_step() else {
            return self;
        };
        let (start, run) = player.begin(index);
        let mut end = (**player).clone();
        end.go_to(index);
        let span_ms = end.sim.now().saturating_sub(start.sim.now());
        let sim = start.sim.clone();
        let unfolding = Unfolding {
            run: Rc::new(RefCell::new(run)),
            start: ScenarioHandle(Rc::new(start)),
            end: ScenarioHandle(Rc::new(end)),
            span_ms,
        };
        let end = unfolding.end.clone();
        AppState {
            unfolding: Some(unfolding),
            playing: true,
            ..self.showing(sim, end)
        }
    }

    /// Back: to where the unfolding step started, or the end of the step before.
    #[inline(never)]
    fn previous_step(self) -> AppState {
        match &self.unfolding {
            Some(unfolding) => {
                let start = (*unfolding.start.0).clone();
                self.with_scenario(start)
            }
            None => self.move_scenario(ScenarioPlayer::back),
        }
    }

    /// Virtual ms per real ms that spreads the unfolding step over the chosen pace.
    fn unfold_speed(&self, unfolding: &Unfolding) -> f64 {
        (unfolding.span_ms.max(1) as f64 / (f64::from(self.step_pace_s) * 1000.0))
            .clamp(SLOWEST_SPEED, FASTEST_SPEED)
    }

    #[inline(never)]
    fn unfold(mut self, unfolding: Unfolding, real_ms: f64) -> AppState {
        let target = self.shown_ms + real_ms * self.unfold_speed(&unfolding);
        let player = &unfolding.end.0;
        let done = unfolding.run.borrow_mut().run(
            &player.scenario,
            player.variant,
            &mut self.sim_mut(),
            target as u64,
        );
        if done {
            let end = unfolding.end.clone();
            let sim = end.0.sim.clone();
            return self.showing(sim, end);
        }
        self.shown_ms = target.max(self.sim.borrow().now() as f64);
        let started = now_ms();
        self.catch_up_lists(started);
        self
    }

    /// Leaves the scenario (remembering it) for free play from what is on screen.
    #[inline(never)]
    fn leave_scenario(&mut self) {
        if let Some(scenario) = self.settled_scenario() {
            self.left_scenario = Some(scenario);
        }
        self.scenario = None;
        self.unfolding = None;
    }

    /// Every change a person makes goes through here, recorded so the run can be
    /// replayed and shared. Acting on a past moment forks the run there.
    fn act(mut self, action: UserAction) -> AppState {
        self.fork_if_in_past();
        // The run now differs from the scenario's script: it is free play.
        if self.scenario.is_some() {
            self.leave_scenario();
            self.notice = Some(self.lang.t(T::ScenarioSteppedAside).into());
        }
        self.sim_mut().act(action);
        self.after_sim_change()
    }

    fn fork_if_in_past(&mut self) {
        let Some(viewed) = self.viewed.take() else {
            return;
        };
        let at = viewed.borrow().position();
        let mut timeline = self.timeline.borrow().clone();
        timeline.forget_after(at);
        let old_live = std::mem::replace(&mut self.sim, viewed);
        let old_timeline = std::mem::replace(&mut self.timeline, Rc::new(RefCell::new(timeline)));
        self.discarded_future = Some((old_live, old_timeline));
        self.shown_ms = self.sim.borrow().now() as f64;
        self.notice = Some(self.lang.t(T::Forked).into());
    }

    /// Shows `sim` as a past moment, or the live run when `sim` is `None`.
    fn view(mut self, sim: Option<Simulation>) -> AppState {
        self.viewed = sim.map(SimHandle::new);
        self.shown_ms = self.shown().borrow().now() as f64;
        self.playing = false;
        self
    }

    fn seek_time(self, time: u64) -> AppState {
        let past = {
            let live = self.sim.borrow();
            (time < live.now()).then(|| self.timeline.borrow().seek_time(&live, time))
        };
        self.view(past)
    }

    fn step_back(self) -> AppState {
        let past = {
            let live = self.sim.borrow();
            let shown = self.shown();
            let shown = shown.borrow();
            self.timeline.borrow().step_back(&live, &shown)
        };
        match past {
            Some(past) => self.view(Some(past)),
            None => AppState {
                playing: false,
                ..self
            },
        }
    }

    /// One visible moment forward while in the past; the live run once caught up.
    fn step_forward_in_past(self, viewed: &SimHandle) -> AppState {
        let past = {
            let live = self.sim.borrow();
            let viewed = viewed.borrow();
            self.timeline.borrow().step_forward(&live, &viewed)
        };
        self.view(past)
    }

    fn jump_to_marker(self, forward: bool) -> AppState {
        let now = self.shown().borrow().now();
        let target = {
            let live = self.sim.borrow();
            let times = markers(&live).iter().map(|marker| marker.time);
            if forward {
                times.filter(|&time| time > now).min()
            } else {
                times.filter(|&time| time < now).max()
            }
        };
        match target {
            Some(time) => self.seek_time(time),
            None => self,
        }
    }

    #[inline(never)]
    fn undo_fork(mut self) -> AppState {
        if let Some((live, timeline)) = self.discarded_future.take() {
            self.sim = live;
            self.timeline = timeline;
            self.viewed = None;
            self.shown_ms = self.sim.borrow().now() as f64;
            self.playing = false;
            self.notice = Some(self.lang.t(T::ForkUndone).into());
        }
        self
    }

    /// A trace that validates and replays replaces the run; anything else leaves it be.
    #[inline(never)]
    fn import(self, name: &str, run: Result<SharedRun, String>) -> AppState {
        let opening = run.and_then(|run| {
            Opening::start(&run, Some(name.to_owned())).map_err(|error| error.to_string())
        });
        match opening {
            Ok(opening) => self.open(opening, now_ms() + OPENING_AT_ONCE_MS),
            Err(error) => self.not_opened(Some(name), &error),
        }
    }

    /// Goes on replaying a shared run until `deadline` (real ms); once it is replayed it
    /// takes the place of the run on screen, and until then the page says how far it got.
    #[inline(never)]
    fn open(mut self, opening: Opening, deadline: f64) -> AppState {
        if !opening.replay_until(deadline) {
            let (at, of) = opening
                .0
                .borrow()
                .as_ref()
                .map_or((0, 0), |run| run.replaying.progress());
            self.notice = Some(self.lang.fill(
                T::OpeningShared,
                &[&clock_text(at), &clock_text(of), &(at * 100 / of.max(1))],
            ));
            self.opening = Some(opening);
            return self;
        }
        self.opening = None;
        let Some(OpeningRun {
            replaying,
            timeline,
            file,
        }) = opening.0.borrow_mut().take()
        else {
            return self;
        };
        match replaying.finish() {
            Ok(mut sim) => {
                let timeline = timeline.unwrap_or_else(|| Timeline::new(&mut sim));
                AppState {
                    playing: false,
                    notice: file.map(|name| self.lang.fill(T::Imported, &[&name])),
                    selected: self.selected,
                    hidden_topics: self.hidden_topics.clone(),
                    ..self.keeping_view(AppState::with_timeline(sim, timeline, self.speed))
                }
            }
            Err(error) => self.not_opened(file.as_deref(), &error.to_string()),
        }
    }

    /// Says why a shared run (a trace `file`, or a `#run=` link) could not be opened;
    /// the run on screen goes on (a link's is the seed's own run).
    #[inline(never)]
    fn not_opened(self, file: Option<&str>, error: &str) -> AppState {
        let (error, playing) = match file {
            Some(name) => (
                self.lang.fill(T::ImportFailed, &[&name, &error]),
                self.playing,
            ),
            None => (
                self.lang.fill(
                    T::BadRunLink,
                    &[&error, &self.sim.borrow().initial_config().seed],
                ),
                true,
            ),
        };
        AppState {
            error: Some(error),
            notice: None,
            playing,
            ..self
        }
    }

    fn sim_mut(&self) -> std::cell::RefMut<'_, Simulation> {
        self.sim.0.borrow_mut()
    }

    /// A fresh simulation under `config`, keeping how the page is being watched.
    fn restart_with(&self, config: SimConfig) -> AppState {
        AppState {
            selected: self.selected,
            hidden_topics: self.hidden_topics.clone(),
            ..self.keeping_view(AppState::over(Simulation::new(config), self.speed))
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
        if let Some(viewed) = self.viewed.clone() {
            return self.replay_forward(&viewed, target, started);
        }
        let reached = self.run_live_until(target, started + FRAME_SIMULATION_MS);
        self.timeline.borrow_mut().observe(&mut self.sim_mut());
        self.sim_ms_last_frame = now_ms() - started;
        let sim = self.sim.borrow();
        // The simulator stops at a broken invariant; so does the page, to show it.
        let stopped = sim.halted();
        let now = sim.now() as f64;
        let retained = sim.retained();
        drop(sim);
        self.shown_ms = if stopped { now } else { reached };
        self.playing &= !stopped;
        if retained.approx_bytes() > MOST_RUN_BYTES {
            self.playing = false;
            self.notice = Some(format!(
                "Paused: this run now holds about {} MB in its servers ({} log entries, {} \
                 key-value pairs), as much as the page lets a run keep. Snapshots (in the \
                 settings) keep logs short; the run starts over with them.",
                retained.approx_bytes() >> 20,
                retained.log_entries,
                retained.kv_pairs
            ));
        }
        if stopped {
            self.show_latest_events(started);
        } else {
            self.catch_up_lists(started);
        }
        self
    }

    /// Runs the live simulation towards `target` (virtual ms) until the real clock passes
    /// `deadline`; returns the virtual time reached.
    fn run_live_until(&self, target: f64, deadline: f64) -> f64 {
        let mut sim = self.sim_mut();
        loop {
            let slice = sim.now().saturating_add(FRAME_SLICE_MS) as f64;
            if slice >= target {
                sim.run_until(target as u64);
                return target;
            }
            sim.run_until(slice as u64);
            if sim.halted() || now_ms() > deadline {
                return sim.now() as f64;
            }
        }
    }

    /// Playing in the past replays the live run's actions forward, until it catches up
    /// with the live run and continues from there.
    fn replay_forward(mut self, viewed: &SimHandle, target: f64, started: f64) -> AppState {
        let live_now = self.sim.borrow().now();
        if target >= live_now as f64 {
            self.viewed = None;
            self.shown_ms = live_now as f64;
        } else {
            let live = self.sim.borrow();
            viewed
                .0
                .borrow_mut()
                .replay_from(live.actions(), target as u64);
            drop(live);
            self.shown_ms = target;
        }
        self.sim_ms_last_frame = now_ms() - started;
        self.catch_up_lists(started);
        self
    }

    fn show_latest_events(&mut self, at: f64) {
        let latest = self.shown().borrow().trace().len();
        self.event_log_revision = latest;
        self.event_log_shown_at = at;
        self.diagram_revision = latest;
        self.diagram_shown_at = at;
    }

    /// A frame while playing: the event log or the diagram catches up when its turn
    /// has come, never both.
    fn catch_up_lists(&mut self, at: f64) {
        let latest = self.shown().borrow().trace().len();
        if at - self.event_log_shown_at >= EVENT_LOG_REFRESH_MS {
            self.event_log_revision = latest;
            self.event_log_shown_at = at;
        } else if at - self.diagram_shown_at >= EVENT_LOG_REFRESH_MS
            && at - self.event_log_shown_at >= EVENT_LOG_REFRESH_MS / 2.0
        {
            self.diagram_revision = latest;
            self.diagram_shown_at = at;
        }
    }

    /// A client request, recorded like any action; the trace says how it was answered.
    fn request(self, target: Option<NodeId>) -> AppState {
        let asked = target
            .or_else(|| self.shown().borrow().leader())
            .unwrap_or(0);
        let traced_before = self.shown().borrow().trace().len();
        let mut next = self.act(UserAction::Request { server: target });
        let sim = next.sim.borrow();
        let answer = sim
            .trace()
            .events()
            .rev()
            .take((sim.trace().len() - traced_before) as usize)
            .find(|event| {
                event.server == Some(asked)
                    && matches!(
                        event.kind,
                        EventKind::Propose { .. } | EventKind::ProposeRefused { .. }
                    )
            })
            .map(|event| &event.kind);
        let lang = next.lang;
        let name = server_name(asked);
        let notice = match answer {
            _ if !sim.is_up(asked) => lang.fill(T::ServerIsDown, &[&name]),
            Some(EventKind::Propose { index, term }) => {
                lang.fill(T::RequestAccepted, &[&name, index, term])
            }
            Some(&EventKind::ProposeRefused {
                leader_hint: Some(leader),
            }) if leader != asked => {
                lang.fill(T::RequestRedirected, &[&name, &server_name(leader)])
            }
            _ => lang.fill(T::RequestRefused, &[&name]),
        };
        drop(sim);
        next.notice = Some(notice);
        next
    }

    /// A change goes into the joint change being put together, or to the leader now.
    #[inline(never)]
    fn pick_or_change(self, change: ConfChange) -> AppState {
        match self.joint {
            Some(_) => self.pick(change),
            None => self.change_membership(UserAction::ChangeMembership {
                changes: vec![change],
            }),
        }
    }

    #[inline(never)]
    fn pick(mut self, change: ConfChange) -> AppState {
        let mut picked = self
            .joint
            .take()
            .map(|picked| (*picked).clone())
            .unwrap_or_default();
        // A server is picked once: the latest choice for it wins.
        picked.retain(|other| change_target(other) != change_target(&change));
        picked.push(change);
        self.notice = Some(self.lang.fill(
            T::JointPicked,
            &[&crate::names::changes_words(self.lang, &picked)],
        ));
        self.joint = Some(Rc::new(picked));
        self
    }

    /// A membership request, recorded like any action; the notice says how the leader
    /// answered, in the words the announcer uses.
    #[inline(never)]
    fn change_membership(self, action: UserAction) -> AppState {
        let traced_before = self.shown().borrow().trace().len();
        let mut next = self.act(action);
        let sim = next.sim.borrow();
        let new = sim.trace().len().saturating_sub(traced_before) as usize;
        let notice = sim
            .trace()
            .events()
            .rev()
            .take(new)
            .find_map(|event| membership_sentence(next.lang, event.server, &event.kind));
        drop(sim);
        next.notice = notice;
        next
    }

    /// Downloads the run on screen as a trace and says what the file holds: a long run's
    /// file lists only its latest events, so that it stays small enough to import.
    #[inline(never)]
    fn export(self) -> AppState {
        let (exported, name) = {
            let sim = self.shown();
            let sim = sim.borrow();
            let name = format!(
                "raftviz-seed-{}-{}ms.json",
                sim.initial_config().seed,
                sim.now()
            );
            (export(&sim), name)
        };
        // A refused download changes nothing on the page; the browser says why.
        let _ = download(&name, &exported.text);
        let listed = if exported.is_whole() {
            self.lang.fill(T::ExportedAll, &[&exported.total_events])
        } else {
            self.lang.fill(
                T::ExportedWindow,
                &[
                    &exported.listed_events,
                    &exported.total_events,
                    &(MAX_TRACE_BYTES >> 20),
                ],
            )
        };
        let serial = self.exports;
        AppState {
            exports: serial.wrapping_add(1),
            notice: Some(self.lang.fill(T::Saved, &[&name, &listed])),
            // Exactly what importing it would say, short of replaying it (the answer
            // comes as `ExportChecked`).
            export_check: Some(ExportCheck {
                serial,
                name,
                text: exported.text.into(),
            }),
            ..self
        }
    }

    fn drop_message(self, id: u64) -> AppState {
        let in_flight = self
            .shown()
            .borrow()
            .in_flight()
            .any(|flight| flight.id == id);
        if !in_flight {
            return AppState {
                notice: Some(self.lang.fill(T::MessageGone, &[&id])),
                ..self
            };
        }
        AppState {
            notice: Some(self.lang.fill(T::MessageDropped, &[&id])),
            ..self.act(UserAction::DropMessage { id })
        }
    }

    /// Share: the run's link in the address bar (with `?present=1` while presenting),
    /// to be copied by the share bar.
    #[inline(never)]
    fn share(mut self) -> AppState {
        // Inside a scenario, its name, step and mode say it all (and reopen the
        // player); otherwise the whole run travels.
        let fragment = match self.settled_scenario() {
            Some(ScenarioHandle(player)) => crate::params::ScenarioLink {
                name: player.scenario.name.clone(),
                step: player.played.last().copied(),
                variant: player
                    .scenario
                    .variant_id(player.variant)
                    .map(str::to_owned),
            }
            .fragment(),
            None => {
                let run = raftviz_sim::share::encode_run(&self.shown().borrow());
                // Exactly what opening it would say, short of replaying it.
                self.notice = decode_run(&run)
                    .err()
                    .map(|error| self.lang.fill(T::LinkWontOpen, &[&error]));
                format!("#run={run}")
            }
        };
        let url = crate::params::replace_url(Some(&fragment), self.presenting, None);
        let serial = self.share.as_ref().map_or(0, |share| share.serial + 1);
        self.share = Some(ShareOutcome {
            url,
            copied: None,
            serial,
        });
        self
    }

    /// Reads the new events of the run on screen into the live region.
    fn announce(mut self) -> AppState {
        let text = self
            .announcer
            .borrow_mut()
            .observe(&self.shown(), now_ms(), self.lang);
        if let Some(text) = text {
            self.announcement = Rc::from(text);
        }
        self
    }

    #[inline(never)]
    fn split_two_three(self) -> AppState {
        let (servers, first) = {
            let sim = self.shown();
            let sim = sim.borrow();
            (sim.server_count(), sim.leader().unwrap_or(0))
        };
        let minority = [first, (first + 1) % servers];
        let mut next = self.act(UserAction::HealAll);
        for a in minority {
            for b in (0..servers).filter(|b| !minority.contains(b)) {
                next = next.act(UserAction::SetLink {
                    from: a,
                    to: b,
                    cut: true,
                });
                next = next.act(UserAction::SetLink {
                    from: b,
                    to: a,
                    cut: true,
                });
            }
        }
        next
    }
}
impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        let is_frame = matches!(action, Action::Frame(_));
        next = match action {
            // Returning the same Rc tells Yew nothing changed, so a paused page stays idle.
            Action::Frame(_) if self.opening.is_some() => match next.opening.take() {
                Some(opening) => next.open(opening, now_ms() + FRAME_SIMULATION_MS),
                None => next,
            },
            Action::Frame(_) if !self.playing && !self.announcer.borrow().has_pending() => {
                return self
            }
            Action::Frame(_) if !self.playing => next,
            Action::Frame(real_ms) => match self.unfolding.clone() {
                Some(unfolding) => next.unfold(unfolding, real_ms),
                None => next.advance(real_ms),
            },
            // Inside a scenario, play and pause drive the step; they never leave it.
            Action::Play | Action::TogglePlay
                if self.scenario.is_some() && self.unfolding.is_none() =>
            {
                next.next_step()
            }
            Action::Play | Action::TogglePlay if !self.playing => AppState {
                playing: !self.shown().borrow().halted(),
                ..next
            },
            Action::Play => next,
            Action::Pause | Action::TogglePlay => AppState {
                playing: false,
                ..next
            },
            Action::Step if self.scenario.is_some() => next.next_step(),
            Action::Step => match self.viewed.clone() {
                Some(viewed) => next.step_forward_in_past(&viewed),
                None => {
                    next.sim_mut().step();
                    next.timeline.borrow_mut().observe(&mut next.sim_mut());
                    next.playing = false;
                    // Jump exactly to the event, so a stepped message sits where it is.
                    next.shown_ms = next.sim.borrow().now() as f64;
                    next
                }
            },
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
            Action::Crash(id) => next.act(UserAction::Crash { server: id }),
            Action::Restart(id) => next.act(UserAction::Restart { server: id }),
            Action::Timeout(id) => next.act(UserAction::Timeout { server: id }),
            Action::Select(id) => AppState {
                selected: id,
                ..next
            },
            Action::OpenServerMenu(id) => AppState {
                server_menu: id,
                selected: id.or(self.selected),
                link_menu: None,
                ..next
            },
            Action::SelectMessage(id) => AppState {
                selected_message: id,
                playing: next.playing && !(id.is_some() && self.pause_on_select),
                ..next
            },
            Action::SetPauseOnSelect(on) => AppState {
                pause_on_select: on,
                ..next
            },
            Action::SetLivenessThresholds(thresholds) => match thresholds.validate() {
                Ok(()) => AppState {
                    liveness_thresholds: thresholds,
                    notice: None,
                    ..next
                },
                Err(why) => AppState {
                    notice: Some(self.lang.fill(T::LivenessThresholdsRefused, &[&why])),
                    ..next
                },
            },
            Action::TogglePresent => {
                let presenting = !self.presenting;
                crate::params::replace_url(None, presenting, None);
                AppState { presenting, ..next }
            }
            Action::LangNotLoaded(lang, error) => AppState {
                error: Some(
                    self.lang
                        .fill(T::LangNotLoaded, &[&lang.own_name(), &error]),
                ),
                ..next
            },
            Action::SetLang(lang) => {
                crate::params::replace_url(None, self.presenting, Some(lang));
                AppState {
                    lang,
                    announcement: Rc::from(lang.t(T::LanguageNow)),
                    notice: None,
                    ..next
                }
            }
            Action::SetMuted(muted) => {
                self.announcer.borrow_mut().muted = muted;
                AppState {
                    announcement: Rc::from(""),
                    ..next
                }
            }
            Action::TogglePowerInspected => {
                let server = self.inspected();
                if self.shown().borrow().is_up(server) {
                    next.act(UserAction::Crash { server })
                } else {
                    next.act(UserAction::Restart { server })
                }
            }
            Action::TimeoutInspected => {
                let server = self.inspected();
                next.act(UserAction::Timeout { server })
            }
            Action::SetLink(a, b, cut) => {
                let (forward, backward) = match cut {
                    LinkCut::None => (false, false),
                    LinkCut::Forward => (true, false),
                    LinkCut::Backward => (false, true),
                    LinkCut::Both => (true, true),
                };
                next.link_menu = None;
                next.act(UserAction::SetLink {
                    from: a,
                    to: b,
                    cut: forward,
                })
                .act(UserAction::SetLink {
                    from: b,
                    to: a,
                    cut: backward,
                })
            }
            Action::OpenLinkMenu(link) => AppState {
                link_menu: link,
                server_menu: None,
                ..next
            },
            Action::IsolateLeader => {
                // Bound first: acting borrows the simulation mutably.
                let leader = self.shown().borrow().leader();
                match leader {
                    Some(leader) => next.act(UserAction::Isolate {
                        server: leader,
                        cut: true,
                    }),
                    None => AppState {
                        notice: Some(next.lang.t(T::NoLeaderToIsolate).into()),
                        ..next
                    },
                }
            }
            Action::SplitTwoThree => next.split_two_three(),
            Action::HealAll => next.act(UserAction::HealAll),
            Action::DropMessage(id) => next.drop_message(id),
            Action::DropSelectedMessage => {
                let next_due = self
                    .shown()
                    .borrow()
                    .in_flight()
                    .min_by_key(|flight| (flight.deliver_at, flight.id))
                    .map(|flight| flight.id);
                match self.selected_message.or(next_due) {
                    Some(id) => next.drop_message(id),
                    None => next,
                }
            }
            Action::SetNetwork(network) => next.act(UserAction::SetNetwork(network)),
            Action::SetOptions(options) => next.act(UserAction::SetOptions(options)),
            Action::SetSnapshotEvery(entries) => next.restart_with(SimConfig {
                snapshot_policy: match entries {
                    0 => SnapshotPolicy::Never,
                    entries => SnapshotPolicy::EveryEntries(entries),
                },
                ..self.sim.borrow().config().clone()
            }),
            Action::SetReadMode(read_mode) => next.restart_with(SimConfig {
                read_mode,
                ..self.sim.borrow().config().clone()
            }),
            Action::SetClockSkew(clock_skew_percent) => next.restart_with(SimConfig {
                clock_skew_percent,
                ..self.sim.borrow().config().clone()
            }),
            Action::ToggleHelp => AppState {
                help_open: !self.help_open,
                ..next
            },
            Action::CloseOverlays => AppState {
                help_open: false,
                link_menu: None,
                server_menu: None,
                ..next
            },
            Action::ToggleTopic(topic) => {
                let mut hidden = (*self.hidden_topics).clone();
                match hidden.iter().position(|&shown| shown == topic) {
                    Some(at) => {
                        hidden.remove(at);
                    }
                    None => hidden.push(topic),
                }
                next.hidden_topics = Rc::new(hidden);
                next
            }
            Action::Back => next.step_back(),
            Action::SeekTime(time) => next.seek_time(time),
            Action::JumpToMarker(forward) => next.jump_to_marker(forward),
            Action::UndoFork => next.undo_fork(),
            Action::NextScenarioStep => next.next_step(),
            Action::PreviousScenarioStep => next.previous_step(),
            Action::GoToScenarioStep(index) => next.move_scenario(|player| player.go_to(index)),
            Action::FirstScenarioStep => next.move_scenario(|player| player.go_to(0)),
            Action::LastScenarioStep => next.move_scenario(|player| {
                let last = player.scenario.steps.len() - 1;
                player.go_to(last);
            }),
            Action::SetStepPace(seconds) => AppState {
                step_pace_s: seconds,
                ..next
            },
            Action::ReopenScenario => match self.left_scenario.clone() {
                Some(ScenarioHandle(player)) => AppState {
                    notice: None,
                    ..next.with_scenario((*player).clone())
                },
                None => next,
            },
            Action::OpenScenario(name) => match scenario::listed(&name) {
                Ok(listed) => {
                    let link = ScenarioLink {
                        name,
                        step: None,
                        variant: None,
                    };
                    next.load_scenario(listed, link)
                }
                Err(error) => AppState {
                    notice: Some(self.lang.fill(T::ScenarioNotFound, &[&error])),
                    ..next
                },
            },
            Action::ScenarioArrived(name, text) => next.scenario_arrived(&name, text),
            Action::SetVariant(variant) => next.move_scenario(|player| {
                let played = player.played.last().copied();
                *player = ScenarioPlayer::new(player.scenario.clone(), variant);
                if let Some(index) = played {
                    player.go_to(index);
                }
            }),
            Action::ContinueFreely => {
                // An unfolding step is finished first: free play goes on from its end.
                let mut free = next.next_step_if_unfolding();
                free.leave_scenario();
                AppState {
                    playing: true,
                    notice: Some(free.lang.t(T::FreePlay).into()),
                    ..free
                }
            }
            Action::Share => next.share(),
            Action::ShareCopied(serial, copied) => {
                if let Some(share) = next.share.as_mut().filter(|share| share.serial == serial) {
                    share.copied = Some(copied);
                }
                next
            }
            Action::Export => next.export(),
            Action::Import(name, run) => next.import(&name, run),
            Action::ExportChecked(serial, refusal) => {
                match next.export_check.take_if(|check| check.serial == serial) {
                    Some(check) => AppState {
                        notice: refusal
                            .map(|error| next.lang.fill(T::SavedWontImport, &[&check.name, &error]))
                            .or(next.notice.take()),
                        ..next
                    },
                    None => next,
                }
            }
            Action::DismissError => AppState {
                error: None,
                ..next
            },
            Action::AddServer => {
                let id = self.shown().borrow().server_count()
                    + self.joint.as_ref().map_or(0, |picked| {
                        picked
                            .iter()
                            .filter(|change| adds_server(change, &self.shown()))
                            .count()
                    });
                let change = match self.joining {
                    Joining::Voter => ConfChange::AddVoter(id),
                    Joining::Learner | Joining::CaughtUp => ConfChange::AddLearner(id),
                };
                match self.joint {
                    // Picks stay a handful: a run has no more ids than this to add.
                    Some(_) if id >= SERVER_SLOTS => AppState {
                        notice: Some(
                            self.lang
                                .fill(T::SaidChangeRefused, &[&ChangeError::NoFreeSlot]),
                        ),
                        ..next
                    },
                    Some(_) => next.pick(change),
                    None => next.change_membership(UserAction::AddServer {
                        joining: self.joining,
                    }),
                }
            }
            Action::SetJoining(joining) => AppState { joining, ..next },
            Action::Change(change) => next.pick_or_change(change),
            Action::ToggleJoint => AppState {
                joint: self.joint.is_none().then(Rc::default),
                notice: self
                    .joint
                    .is_none()
                    .then(|| self.lang.t(T::JointHint).into()),
                ..next
            },
            Action::ApplyJoint => match next.joint.take() {
                Some(picked) if !picked.is_empty() => {
                    next.change_membership(UserAction::ChangeMembership {
                        changes: picked.to_vec(),
                    })
                }
                _ => AppState {
                    joint: self.joint.clone(),
                    ..next
                },
            },
        };
        // Whatever a person did shows in the event log at once.
        if !is_frame {
            next.show_latest_events(now_ms());
        }
        Rc::new(next.announce())
    }
}

/// The server a change is about.
fn change_target(change: &ConfChange) -> NodeId {
    match *change {
        ConfChange::AddVoter(id) | ConfChange::AddLearner(id) | ConfChange::Remove(id) => id,
    }
}

/// Whether `change` brings in a server the run does not have yet.
fn adds_server(change: &ConfChange, sim: &SimHandle) -> bool {
    !matches!(change, ConfChange::Remove(_)) && change_target(change) >= sim.borrow().server_count()
}

/// Virtual ms as hours, minutes and seconds: "2 h 05 min 09 s".
fn clock_text(ms: u64) -> String {
    let seconds = ms / 1000;
    match (seconds / 3600, seconds / 60 % 60, seconds % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s:02} s"),
        (h, m, s) => format!("{h} h {m:02} min {s:02} s"),
    }
}

/// A high-resolution clock for measuring the simulator's share of a frame.
fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}
