//! The network's faults and Raft's optional behaviours, applied to the running cluster
//! the moment they change.

use raftviz_sim::decimal::fixed;
use raftviz_sim::{LivenessThresholds, NetworkConfig, RaftOptions, ReadMode, SnapshotPolicy};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::components::number_field::NumberField;
use crate::i18n::{use_lang, T};
use crate::state::{Action, Dispatch};

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
const READ_MODES: [(ReadMode, &str, Option<T>); 3] = [
    (ReadMode::ReadIndex, "read-index", None),
    (ReadMode::Lease, "lease", Some(T::ReadModeLease)),
    (ReadMode::Log, "log", Some(T::ReadModeLog)),
];

/// A latency field in ms; an empty or nonsense field counts as 0.
fn millis(text: &str) -> u64 {
    text.trim().parse::<u64>().unwrap_or(0).min(MAX_LATENCY_MS)
}

#[function_component(SettingsPanel)]
pub fn settings_panel(props: &SettingsPanelProps) -> Html {
    let lang = use_lang();
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
            lang.t(T::LivenessAmberAfter),
            lang.t(T::LivenessMsWithout),
            lang.t(T::LivenessAmberAfterMsLabel),
            "600000",
            |t, ms| t.degraded_after_ms = ms,
        ),
        (
            "liveness-red-ms",
            thresholds.down_after_ms,
            lang.t(T::LivenessRedAfter),
            lang.t(T::LivenessMsWithout),
            lang.t(T::LivenessRedAfterMsLabel),
            "600000",
            |t, ms| t.down_after_ms = ms,
        ),
        (
            "liveness-amber-changes",
            thresholds.degraded_leader_changes.into(),
            lang.t(T::LivenessAmberAfter),
            lang.t(T::LivenessChangesAMin),
            lang.t(T::LivenessAmberChangesLabel),
            "10000",
            |t, n| t.degraded_leader_changes = n.min(10_000) as u32,
        ),
        (
            "liveness-red-changes",
            thresholds.down_leader_changes.into(),
            lang.t(T::LivenessRedAfter),
            lang.t(T::LivenessChangesAMin),
            lang.t(T::LivenessRedChangesLabel),
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
        <section class="panel settings" aria-label={lang.t(T::Settings)}>
            <h2>{ lang.t(T::Network) }</h2>
            <label>
                { lang.fill(T::DropLabel, &[&fixed(network.drop_probability * 100.0, 0)]) }
                <input type="range" min="0" max="50" step="1" data-setting="drop"
                       aria-label={lang.t(T::DropShare)}
                       value={fixed(network.drop_probability * 100.0, 0)}
                       oninput={network_slider(|n, e| n.drop_probability = percent(e))} />
            </label>
            <label>
                { lang.fill(T::DuplicateLabel, &[&fixed(network.duplicate_probability * 100.0, 0)]) }
                <input type="range" min="0" max="50" step="1" data-setting="duplicate"
                       aria-label={lang.t(T::DuplicateShare)}
                       value={fixed(network.duplicate_probability * 100.0, 0)}
                       oninput={network_slider(|n, e| n.duplicate_probability = percent(e))} />
            </label>
            <label class="latency">
                { lang.t(T::LatencyWord) }
                <NumberField value={low.to_string()} setting="latency-min" min="0"
                             max={MAX_LATENCY_MS.to_string()} label={lang.t(T::LatencyMin)}
                             on_commit={network_text(|n, text| { let low = millis(text); n.latency_ms = (low, n.latency_ms.1.max(low)); })} />
                { "–" }
                <NumberField value={high.to_string()} setting="latency-max" min="0"
                             max={MAX_LATENCY_MS.to_string()} label={lang.t(T::LatencyMax)}
                             on_commit={network_text(|n, text| { let high = millis(text); n.latency_ms = (n.latency_ms.0.min(high), high); })} />
                { "ms" }
            </label>
            <label class="toggle" title={lang.t(T::LongReorderingTitle)}>
                <input type="checkbox" data-setting="long-reordering" checked={network.long_reordering}
                       onchange={network_control(|n, e| n.long_reordering = e.checked())} />
                { lang.t(T::LongReordering) }
            </label>
            <h2>{ "Raft" }</h2>
            <label class="toggle" title={lang.t(T::PreVoteTitle)}>
                <input type="checkbox" data-setting="pre-vote" checked={props.options.pre_vote}
                       onchange={option_control(|o, on| o.pre_vote = on)} />
                { lang.t(T::PreVote) }
            </label>
            <label class="toggle" title={lang.t(T::CheckQuorumTitle)}>
                <input type="checkbox" data-setting="check-quorum" checked={props.options.check_quorum}
                       onchange={option_control(|o, on| o.check_quorum = on)} />
                { lang.t(T::CheckQuorum) }
            </label>
            <label class="toggle" title={lang.t(T::NoopTitle)}>
                <input type="checkbox" data-setting="noop" checked={props.options.noop_on_election}
                       onchange={option_control(|o, on| o.noop_on_election = on)} />
                { lang.t(T::Noop) }
            </label>
            <label class="toggle" title={lang.t(if by_lease { T::StickinessLeaseTitle } else { T::StickinessTitle })}>
                <input type="checkbox" data-setting="leader-stickiness"
                       checked={props.options.leader_stickiness || by_lease} disabled={by_lease}
                       onchange={option_control(|o, on| o.leader_stickiness = on)} />
                { lang.t(T::Stickiness) }
            </label>
            <label class="toggle" title={lang.t(T::FastBackupTitle)}>
                <input type="checkbox" data-setting="fast-backup" checked={props.options.fast_backup}
                       onchange={option_control(|o, on| o.fast_backup = on)} />
                { lang.t(T::FastBackup) }
            </label>
            <label class="latency" title={lang.t(T::SnapshotEveryTitle)}>
                { lang.t(T::SnapshotEvery) }
                <NumberField value={snapshot_every} setting="snapshot-every" min="0" max="1000"
                             label={lang.t(T::SnapshotEveryLabel)}
                             on_commit={on_snapshot_every} />
                { lang.t(T::SnapshotEveryUnit) }
            </label>
            <h2>{ lang.t(T::ReadsAndClocks) }</h2>
            <label class="latency" title={lang.t(T::ReadModeTitle)}>
                { lang.t(T::ReadModeWord) }
                <select data-setting="read-mode" aria-label={lang.t(T::ReadModeLabel)}
                        onchange={on_read_mode}>
                    { for READ_MODES.iter().map(|(mode, value, name)| html! {
                        <option value={*value} selected={*mode == props.read_mode}>{ name.map_or("ReadIndex", |name| lang.t(name)) }</option>
                    }) }
                </select>
                { lang.t(T::Restarts) }
            </label>
            <label class="latency" title={lang.t(T::DriftTitle)}>
                { lang.t(T::DriftWord) }
                <NumberField value={props.options.clock_drift_bound_percent.to_string()} setting="drift-bound"
                             min="0" max="100" label={lang.t(T::DriftLabel)}
                             on_commit={on_drift_bound} />
                { "%" }
            </label>
            <label class="latency" title={lang.t(T::SkewTitle)}>
                { lang.t(T::SkewWord) }
                <NumberField value={props.clock_skew_percent.to_string()} setting="clock-skew"
                             min="0" max="50" label={lang.t(T::SkewLabel)}
                             on_commit={on_clock_skew} />
                { lang.t(T::PercentRestarts) }
            </label>
            <h2>{ lang.t(T::LivenessSettings) }</h2>
            { for liveness_fields }
            <h2>{ lang.t(T::PageSettings) }</h2>
            <label class="toggle" title={lang.t(T::AnnounceTitle)}>
                <input type="checkbox" data-setting="announce" checked={!props.muted}
                       onchange={page_toggle(|on| Action::SetMuted(!on))} />
                { lang.t(T::Announce) }
            </label>
            <label class="toggle" title={lang.t(T::PauseOnSelectTitle)}>
                <input type="checkbox" data-setting="pause-on-select" checked={props.pause_on_select}
                       onchange={page_toggle(Action::SetPauseOnSelect)} />
                { lang.t(T::PauseOnSelect) }
            </label>
        </section>
    }
}
