//! The network's faults and Raft's optional behaviours, applied to the running cluster
//! the moment they change.

use raftviz_sim::decimal::fixed;
use raftviz_sim::{LivenessThresholds, NetworkConfig, RaftOptions, ReadMode, SnapshotPolicy};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::components::number_field::NumberField;
use crate::state::{Action, Dispatch};
use crate::strings::*;

/// The slowest latency the inputs offer, in virtual ms.
const MAX_LATENCY_MS: u64 = 500;

#[derive(Properties, PartialEq)]
pub struct SettingsPanelProps {
    pub network: NetworkConfig,
    pub options: RaftOptions,
    pub snapshot_policy: SnapshotPolicy,
    pub read_mode: ReadMode,
    pub clock_skew_percent: u64,
    /// The announcer is silent.
    pub muted: bool,
    pub pause_on_select: bool,
    pub liveness_thresholds: LivenessThresholds,
    pub dispatch: Dispatch,
}

fn input(event: &Event) -> Option<HtmlInputElement> {
    event.target()?.dyn_into::<HtmlInputElement>().ok()
}

/// A percentage slider as a probability.
fn percent(element: &HtmlInputElement) -> f64 {
    element.value_as_number().clamp(0.0, 100.0) / 100.0
}

/// A percentage field; an empty or nonsense field counts as 0.
fn percent_field(text: &str, max: u64) -> u64 {
    text.trim().parse::<u64>().unwrap_or(0).min(max)
}

/// The read modes in the order the menu lists them, with their `value`s.
const READ_MODES: [(ReadMode, &str, &str); 3] = [
    (ReadMode::ReadIndex, "read-index", "ReadIndex"),
    (ReadMode::Lease, "lease", "lease"),
    (ReadMode::Log, "log", "through the log"),
];

/// A latency field in ms; an empty or nonsense field counts as 0.
fn millis(text: &str) -> u64 {
    text.trim().parse::<u64>().unwrap_or(0).min(MAX_LATENCY_MS)
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
    // Sliders apply while they move, or each frame's render would snap them back.
    let network_slider = |edit: fn(&mut NetworkConfig, &HtmlInputElement)| {
        let dispatch = props.dispatch.clone();
        let network = props.network.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(element) = input(&event) {
                let mut next = network.clone();
                edit(&mut next, &element);
                dispatch.dispatch(Action::SetNetwork(next));
            }
        })
    };
    let network_text = |edit: fn(&mut NetworkConfig, &str)| {
        let dispatch = props.dispatch.clone();
        let network = props.network.clone();
        Callback::from(move |text: String| {
            let mut next = network.clone();
            edit(&mut next, &text);
            dispatch.dispatch(Action::SetNetwork(next));
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
    let on_snapshot_every = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |text: String| {
            let entries = text.trim().parse::<u64>().unwrap_or(0);
            dispatch.dispatch(Action::SetSnapshotEvery(entries));
        })
    };
    let on_drift_bound = {
        let dispatch = props.dispatch.clone();
        let options = props.options;
        Callback::from(move |text: String| {
            let mut next = options;
            next.clock_drift_bound_percent = percent_field(&text, 100) as u32;
            dispatch.dispatch(Action::SetOptions(next));
        })
    };
    let on_clock_skew = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |text: String| {
            dispatch.dispatch(Action::SetClockSkew(percent_field(&text, 50)));
        })
    };
    let on_read_mode = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: Event| {
            let chosen = event
                .target()
                .and_then(|target| target.dyn_into::<HtmlSelectElement>().ok())
                .and_then(|select| {
                    READ_MODES
                        .iter()
                        .find(|(_, value, _)| *value == select.value())
                        .map(|(mode, _, _)| *mode)
                });
            if let Some(mode) = chosen {
                dispatch.dispatch(Action::SetReadMode(mode));
            }
        })
    };
    // Lease reads rest on §4.2.3, so in that mode the rule is on, whatever the box said.
    let by_lease = props.read_mode == ReadMode::Lease;
    let snapshot_every = match props.snapshot_policy {
        SnapshotPolicy::EveryEntries(entries) => entries.to_string(),
        SnapshotPolicy::Never | SnapshotPolicy::RaftStateBytes(_) => "0".into(),
    };
    let page_toggle = |make: fn(bool) -> Action| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: Event| {
            if let Some(element) = input(&event) {
                dispatch.dispatch(make(element.checked()));
            }
        })
    };
    let threshold = |edit: fn(&mut LivenessThresholds, u64)| {
        let dispatch = props.dispatch.clone();
        let thresholds = props.liveness_thresholds;
        Callback::from(move |text: String| {
            let mut next = thresholds;
            edit(&mut next, text.trim().parse::<u64>().unwrap_or(0));
            dispatch.dispatch(Action::SetLivenessThresholds(next));
        })
    };
    let thresholds = props.liveness_thresholds;
    // (setting, value, when, what, label, max, edit): the gauge's four thresholds.
    type Edit = fn(&mut LivenessThresholds, u64);
    let fields: [(&str, u64, &str, &str, &str, &str, Edit); 4] = [
        (
            "liveness-amber-ms",
            thresholds.degraded_after_ms,
            LIVENESS_AMBER_AFTER,
            LIVENESS_MS_WITHOUT,
            LIVENESS_AMBER_AFTER_MS_LABEL,
            "600000",
            |t, ms| t.degraded_after_ms = ms,
        ),
        (
            "liveness-red-ms",
            thresholds.down_after_ms,
            LIVENESS_RED_AFTER,
            LIVENESS_MS_WITHOUT,
            LIVENESS_RED_AFTER_MS_LABEL,
            "600000",
            |t, ms| t.down_after_ms = ms,
        ),
        (
            "liveness-amber-changes",
            thresholds.degraded_leader_changes.into(),
            LIVENESS_AMBER_AFTER,
            LIVENESS_CHANGES_A_MIN,
            LIVENESS_AMBER_CHANGES_LABEL,
            "10000",
            |t, n| t.degraded_leader_changes = n.min(10_000) as u32,
        ),
        (
            "liveness-red-changes",
            thresholds.down_leader_changes.into(),
            LIVENESS_RED_AFTER,
            LIVENESS_CHANGES_A_MIN,
            LIVENESS_RED_CHANGES_LABEL,
            "10000",
            |t, n| t.down_leader_changes = n.min(10_000) as u32,
        ),
    ];
    let liveness_fields = fields.map(|(setting, value, when, what, label, max, edit)| {
        html! {
            <label class="latency">
                { when }
                <NumberField value={value.to_string()} {setting} min="1" {max} {label}
                             on_commit={threshold(edit)} />
                { what }
            </label>
        }
    });
    let network = &props.network;
    let (low, high) = network.latency_ms;
    html! {
        <section class="panel settings" aria-label="Settings">
            <h2>{ "Network" }</h2>
            <label>
                { format!("drop {} %", fixed(network.drop_probability * 100.0, 0)) }
                <input type="range" min="0" max="50" step="1" data-setting="drop"
                       aria-label="Share of messages lost, in percent"
                       value={fixed(network.drop_probability * 100.0, 0)}
                       oninput={network_slider(|n, e| n.drop_probability = percent(e))} />
            </label>
            <label>
                { format!("duplicate {} %", fixed(network.duplicate_probability * 100.0, 0)) }
                <input type="range" min="0" max="50" step="1" data-setting="duplicate"
                       aria-label="Share of messages delivered twice, in percent"
                       value={fixed(network.duplicate_probability * 100.0, 0)}
                       oninput={network_slider(|n, e| n.duplicate_probability = percent(e))} />
            </label>
            <label class="latency">
                { "latency" }
                <NumberField value={low.to_string()} setting="latency-min" min="0"
                             max={MAX_LATENCY_MS.to_string()} label="Shortest message latency in ms"
                             on_commit={network_text(|n, text| { let low = millis(text); n.latency_ms = (low, n.latency_ms.1.max(low)); })} />
                { "–" }
                <NumberField value={high.to_string()} setting="latency-max" min="0"
                             max={MAX_LATENCY_MS.to_string()} label="Longest message latency in ms"
                             on_commit={network_text(|n, text| { let high = millis(text); n.latency_ms = (n.latency_ms.0.min(high), high); })} />
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
            <label class="toggle" title={if by_lease {
                       "Dissertation §4.2.3: a server that has heard from its leader within the minimum election timeout ignores RequestVote. Lease reads rely on it, so it stays on in that read mode"
                   } else {
                       "Dissertation §4.2.3: a server that has heard from its leader within the minimum election timeout ignores RequestVote, so a server cut off from the leader cannot depose it; a transfer's election is exempt"
                   }}>
                <input type="checkbox" data-setting="leader-stickiness"
                       checked={props.options.leader_stickiness || by_lease} disabled={by_lease}
                       onchange={option_control(|o, on| o.leader_stickiness = on)} />
                { "ignore votes while led (§4.2.3)" }
            </label>
            <label class="toggle" title="The lab's fast backup: a refusing follower names the conflicting term, so the leader skips a whole term per round trip instead of one entry">
                <input type="checkbox" data-setting="fast-backup" checked={props.options.fast_backup}
                       onchange={option_control(|o, on| o.fast_backup = on)} />
                { "fast backup" }
            </label>
            <label class="latency" title="Each server snapshots its state machine and compacts its log after every N applied entries; a follower that lags behind the compacted prefix receives InstallSnapshot. Changing it starts the run again.">
                { "snapshot every" }
                <NumberField value={snapshot_every} setting="snapshot-every" min="0" max="1000"
                             label="Snapshot every this many applied entries; 0 never; restarts the run"
                             on_commit={on_snapshot_every} />
                { "entries (0 = never; restarts)" }
            </label>
            <h2>{ "Reads and clocks" }</h2>
            <label class="latency" title="How Get is served: ReadIndex confirms leadership with a heartbeat round (§6.4); a lease skips the round while a majority answered within an election timeout (§6.4.1); through the log, a read is an entry like a write. Changing it starts the run again.">
                { "read mode" }
                <select data-setting="read-mode" aria-label="How reads are served; restarts the run"
                        onchange={on_read_mode}>
                    { for READ_MODES.iter().map(|(mode, value, name)| html! {
                        <option value={*value} selected={*mode == props.read_mode}>{ *name }</option>
                    }) }
                </select>
                { "(restarts)" }
            </label>
            <label class="latency" title="How far the leases trust the servers' clocks to run fast or slow: each lease is shortened to stay safe within it. Clocks further apart than this make lease reads stale.">
                { "lease drift bound" }
                <NumberField value={props.options.clock_drift_bound_percent.to_string()} setting="drift-bound"
                             min="0" max="100" label="Clock drift a lease allows for, in percent"
                             on_commit={on_drift_bound} />
                { "%" }
            </label>
            <label class="latency" title="Each server's tick lasts the nominal tick ± up to this many percent, fixed per server by the seed. Changing it starts the run again.">
                { "clock skew" }
                <NumberField value={props.clock_skew_percent.to_string()} setting="clock-skew"
                             min="0" max="50" label="How far servers' clocks run fast or slow, in percent; restarts the run"
                             on_commit={on_clock_skew} />
                { "% (restarts)" }
            </label>
            <h2>{ LIVENESS_SETTINGS }</h2>
            { for liveness_fields }
            <h2>{ "Page" }</h2>
            <label class="toggle" title="Say what happens (elections, crashes, commits, broken invariants) to screen readers">
                <input type="checkbox" data-setting="announce" checked={!props.muted}
                       onchange={page_toggle(|on| Action::SetMuted(!on))} />
                { "announce events" }
            </label>
            <label class="toggle" title="Selecting a message pauses the run, so it can be read">
                <input type="checkbox" data-setting="pause-on-select" checked={props.pause_on_select}
                       onchange={page_toggle(Action::SetPauseOnSelect)} />
                { "pause when a message is selected" }
            </label>
        </section>
    }
}
