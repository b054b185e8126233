//! The app: one reducer owns the simulation and the playback settings; each animation
//! frame advances virtual time by real elapsed time × speed.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use raftviz_sim::{SimConfig, Simulation};
use yew::prelude::*;

use crate::frames::use_animation_frames;
use crate::params::StartParams;
use crate::view;

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub start: StartParams,
}

pub struct AppState {
    /// Shared rather than cloned: a simulation is large, and every action moves it on.
    pub sim: Rc<RefCell<Simulation>>,
    pub playing: bool,
    /// Virtual ms per real ms.
    pub speed: f64,
    /// Virtual time we want to have reached. Kept fractional, because at slow speeds a
    /// single frame is worth less than one virtual millisecond; a Cell so that such a
    /// frame can record its progress without a new state (and so without a render).
    target_ms: Cell<f64>,
}

pub enum Action {
    /// An animation frame happened this many real ms after the previous one.
    Frame(f64),
    Play,
    Pause,
}

impl AppState {
    fn new(start: &StartParams) -> AppState {
        let sim = Simulation::new(SimConfig::visual(start.seed));
        let target_ms = Cell::new(sim.now() as f64);
        AppState {
            sim: Rc::new(RefCell::new(sim)),
            playing: true,
            speed: start.speed,
            target_ms,
        }
    }

    /// A fresh state over the same simulation: Yew re-renders when the reducer returns
    /// a different Rc, which is how the views learn that the shared simulation moved.
    fn next(&self, playing: bool) -> AppState {
        AppState {
            sim: self.sim.clone(),
            playing,
            speed: self.speed,
            target_ms: self.target_ms.clone(),
        }
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            // Returning the same Rc tells Yew nothing changed, so a paused page stays idle.
            Action::Frame(_) if !self.playing => self,
            Action::Frame(real_ms) => {
                let target_ms = self.target_ms.get() + real_ms * self.speed;
                self.target_ms.set(target_ms);
                let whole_ms = target_ms as u64;
                if whole_ms <= self.sim.borrow().now() {
                    return self; // not a whole virtual ms further yet
                }
                self.sim.borrow_mut().run_until(whole_ms);
                Rc::new(self.next(true))
            }
            Action::Play if self.playing => self,
            Action::Play => Rc::new(self.next(true)),
            Action::Pause if !self.playing => self,
            Action::Pause => Rc::new(self.next(false)),
        }
    }
}

#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let state = use_reducer(|| AppState::new(&props.start));

    let on_frame = {
        let dispatcher = state.dispatcher();
        Callback::from(move |real_ms: f64| dispatcher.dispatch(Action::Frame(real_ms)))
    };
    use_animation_frames(on_frame);

    let on_play = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::Play))
    };
    let on_pause = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::Pause))
    };
    let sim = state.sim.borrow();
    html! {
        <main class="app">
            <header class="masthead">
                <h1>{ "raftviz" }</h1>
                <p class="tagline">{ format!("Raft consensus, simulated deterministically — seed {}", props.start.seed) }</p>
            </header>
            { for props.start.errors.iter().map(|error| html! {
                <div class="error" role="alert" data-error="">{ error }</div>
            }) }
            { view::controls(state.playing, on_play, on_pause) }
            { view::clock(sim.now(), state.speed) }
            { view::servers(&sim) }
            { view::messages(&sim) }
            { view::invariants(&sim) }
        </main>
    }
}
