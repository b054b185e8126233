//! The network's faults and Raft's optional behaviours, applied to the running cluster
//! the moment they change.

use raftviz_sim::{NetworkConfig, RaftOptions};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::state::{Action, Dispatch};

/// The slowest latency the inputs offer, in virtual ms.
const MAX_LATENCY_MS: u64 = 500;

#[derive(Properties, PartialEq)]
pub struct SettingsPanelProps {
    pub network: NetworkConfig,
    pub options: RaftOptions,
    pub dispatch: Dispatch,
}

fn input(event: &Event) -> Option<HtmlInputElement> {
    event.target()?.dyn_into::<HtmlInputElement>().ok()
}

/// A percentage slider as a probability.
fn percent(element: &HtmlInputElement) -> f64 {
    element.value_as_number().clamp(0.0, 100.0) / 100.0
}

/// A latency field in ms; an empty or nonsense field counts as 0.
fn millis(element: &HtmlInputElement) -> u64 {
    let value = element.value_as_number();
    if value.is_finite() {
        (value.max(0.0) as u64).min(MAX_LATENCY_MS)
    } else {
        0
    }
}

#[function_component(SettingsPanel)]
pub fn settings_panel(props: &SettingsPanelProps) -> Html {
    // Each control edits one field of the current settings and sends them all back.
    let network_control = |edit: fn(&mut NetworkConfig, &HtmlInputElement)| {
        let dispatch = props.dispatch.clone();
        let network = props.network.clone();
        Callback::from(move |event: Event| {
            if let Some(element) = input(&event) {
                let mut next = network.clone();
                edit(&mut next, &element);
                dispatch.dispatch(Action::SetNetwork(next));
            }
        })
    };
    let option_control = |edit: fn(&mut RaftOptions, bool)| {
        let dispatch = props.dispatch.clone();
        let options = props.options;
        Callback::from(move |event: Event| {
            if let Some(element) = input(&event) {
                let mut next = options;
                edit(&mut next, element.checked());
                dispatch.dispatch(Action::SetOptions(next));
            }
        })
    };
    let network = &props.network;
    let (low, high) = network.latency_ms;
    html! {
        <section class="panel settings" aria-label="Settings">
            <h2>{ "Network" }</h2>
            <label>
                { format!("drop {:.0} %", network.drop_probability * 100.0) }
                <input type="range" min="0" max="50" step="1" data-setting="drop"
                       aria-label="Share of messages lost, in percent"
                       value={format!("{:.0}", network.drop_probability * 100.0)}
                       onchange={network_control(|n, e| n.drop_probability = percent(e))} />
            </label>
            <label>
                { format!("duplicate {:.0} %", network.duplicate_probability * 100.0) }
                <input type="range" min="0" max="50" step="1" data-setting="duplicate"
                       aria-label="Share of messages delivered twice, in percent"
                       value={format!("{:.0}", network.duplicate_probability * 100.0)}
                       onchange={network_control(|n, e| n.duplicate_probability = percent(e))} />
            </label>
            <label class="latency">
                { "latency" }
                <input type="number" min="0" max={MAX_LATENCY_MS.to_string()} data-setting="latency-min"
                       aria-label="Shortest message latency in ms" value={low.to_string()}
                       onchange={network_control(|n, e| { let low = millis(e); n.latency_ms = (low, n.latency_ms.1.max(low)); })} />
                { "–" }
                <input type="number" min="0" max={MAX_LATENCY_MS.to_string()} data-setting="latency-max"
                       aria-label="Longest message latency in ms" value={high.to_string()}
                       onchange={network_control(|n, e| { let high = millis(e); n.latency_ms = (n.latency_ms.0.min(high), high); })} />
                { "ms" }
            </label>
            <label class="toggle" title="The lab's long reordering: 2/3 of replies wait an extra 200–2200 ms">
                <input type="checkbox" data-setting="long-reordering" checked={network.long_reordering}
                       onchange={network_control(|n, e| n.long_reordering = e.checked())} />
                { "long reordering" }
            </label>
            <h2>{ "Raft" }</h2>
            <label class="toggle" title="Dissertation §9.6: ask for pre-votes before starting an election, so a server that was cut off cannot depose a healthy leader with a higher term">
                <input type="checkbox" data-setting="pre-vote" checked={props.options.pre_vote}
                       onchange={option_control(|o, on| o.pre_vote = on)} />
                { "pre-vote" }
            </label>
            <label class="toggle" title="Dissertation §6.2: a leader that has not heard from a majority for an election timeout steps down">
                <input type="checkbox" data-setting="check-quorum" checked={props.options.check_quorum}
                       onchange={option_control(|o, on| o.check_quorum = on)} />
                { "check-quorum" }
            </label>
            <label class="toggle" title="Dissertation §6.4: a new leader appends a no-op entry so entries of earlier terms commit at once">
                <input type="checkbox" data-setting="noop" checked={props.options.noop_on_election}
                       onchange={option_control(|o, on| o.noop_on_election = on)} />
                { "no-op on election" }
            </label>
        </section>
    }
}
