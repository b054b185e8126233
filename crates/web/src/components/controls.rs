//! The bar across the top: playback, speed, the seed, and the cluster-wide buttons.

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use raftviz_sim::decimal::{self, fixed};

use crate::browser_math;
use crate::components::number_field::NumberField;
use crate::i18n::{Lang, T};
use crate::names::{seconds, speed_label};
use crate::state::{Action, Dispatch, FASTEST_SPEED, SLOWEST_SPEED};

pub struct ControlsProps {
    pub playing: bool,
    pub speed: f64,
    pub seed: u64,
    /// Whole virtual ms on the clock.
    pub clock_ms: u64,
    /// The trace hash of the run on screen: equal hashes, identical runs.
    pub trace_hash: u64,
    /// Real ms the simulator used in the last frame, for the benchmark.
    pub sim_ms_last_frame: f64,
    pub presenting: bool,
    pub dispatch: Dispatch,
    /// The membership controls, beside the cluster-wide buttons.
    pub membership: Html,
}

fn input_value(event: &Event) -> Option<String> {
    let input = event.target()?.dyn_into::<HtmlInputElement>().ok()?;
    Some(input.value())
}

/// A plain function, not a component: the clock changes every frame, so it would
/// render every frame anyway, and a component's lifecycle costs the page's size.
pub fn controls(props: ControlsProps, lang: Lang) -> Html {
    let send = |action: Action| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(action.clone()))
    };
    let on_speed = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: InputEvent| {
            let exponent = input_value(&event).and_then(|text| decimal::parse(&text));
            if let Some(exponent) = exponent {
                dispatch.dispatch(Action::SetSpeed(browser_math::powf(10.0, exponent)));
            }
        })
    };
    let on_seed = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |text: String| {
            if let Ok(seed) = text.trim().parse::<u64>() {
                dispatch.dispatch(Action::Seed(seed));
            }
        })
    };
    let new_seed = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            // Any fresh seed will do; the run stays reproducible from the number shown.
            let seed = (js_sys::Math::random() * 1_000_000.0) as u64;
            dispatch.dispatch(Action::Seed(seed));
        })
    };
    let exponent = browser_math::log10(props.speed.clamp(SLOWEST_SPEED, FASTEST_SPEED));
    let ms = props.clock_ms;
    html! {
        <div class="controls" role="toolbar" aria-label={lang.t(T::ControlsLabel)}>
            <button data-action="play" aria-pressed={props.playing.to_string()}
                    title={lang.t(T::PlayTitle)} onclick={send(Action::Play)}><span aria-hidden="true">{ "▶ " }</span>{ lang.t(T::Play) }</button>
            <button data-action="pause" aria-pressed={(!props.playing).to_string()}
                    title={lang.t(T::PauseTitle)} onclick={send(Action::Pause)}><span aria-hidden="true">{ "❚❚ " }</span>{ lang.t(T::Pause) }</button>
            <button data-action="back" title={lang.t(T::BackTitle)}
                    onclick={send(Action::Back)}><span aria-hidden="true">{ "← " }</span>{ lang.t(T::Back) }</button>
            <button data-action="step" title={lang.t(T::StepTitle)}
                    onclick={send(Action::Step)}>{ lang.t(T::Step) }<span aria-hidden="true">{ " →" }</span></button>
            <label class="speed">
                <span>{ lang.t(T::SpeedWord) }</span>
                <input type="range" data-action="speed" aria-label={lang.t(T::SpeedLabel)}
                       aria-valuetext={speed_label(props.speed)}
                       min={fixed(browser_math::log10(SLOWEST_SPEED), 2)} max={fixed(browser_math::log10(FASTEST_SPEED), 2)}
                       step="0.05" value={fixed(exponent, 2)} oninput={on_speed} />
                <output>{ speed_label(props.speed) }</output>
            </label>
            <span class="clock" data-clock="" data-ms={ms.to_string()}
                  data-trace-hash={format!("{:016x}", props.trace_hash)}
                  data-sim-ms={fixed(props.sim_ms_last_frame, 3)} aria-live="off">
                { format!("{} s", seconds(ms)) }
            </span>
            <button data-action="request" title={lang.t(T::RequestTitle)}
                    onclick={send(Action::Request(None))}>{ lang.t(T::ClientRequest) }</button>
            <button data-action="reset" title={lang.t(T::ResetTitle)}
                    onclick={send(Action::Reset)}>{ lang.t(T::Reset) }</button>
            <label class="seed">
                <span>{ lang.t(T::SeedWord) }</span>
                <NumberField value={props.seed.to_string()} setting="seed" min="0"
                             max={u64::MAX.to_string()} label={lang.t(T::SeedLabel)}
                             on_commit={on_seed} />
            </label>
            <button title={lang.t(T::NewSeedTitle)} data-action="new-seed" onclick={new_seed}>{ lang.t(T::NewSeed) }</button>
            { props.membership }
            <button data-action="present" aria-pressed={props.presenting.to_string()}
                    title={lang.t(T::PresentTitle)}
                    onclick={send(Action::TogglePresent)}>{ lang.t(if props.presenting { T::LeavePresentation } else { T::Present }) }</button>
            <button aria-label={lang.t(T::HelpButton)} data-action="help" onclick={send(Action::ToggleHelp)}>{ "?" }</button>
        </div>
    }
}
