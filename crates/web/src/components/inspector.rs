//! The selected server's state, field by field as in Figure 2 of the Raft paper, each
//! with the paper's rule as its tooltip; then what it has applied to its key-value store.
//! A crashed server shows what its disk kept and what it lost.

use yew::prelude::*;

use crate::i18n::{use_lang, T};
use crate::names::{configuration_name, ids_name, member_word, role_name, server_name};
use crate::state::{Action, Dispatch, NodeId, SimHandle};

// Figure 2's own descriptions of each field (T::Rule…) are the tooltips.

/// Keys listed at once; a long run can apply thousands.
const SHOWN_KEYS: usize = 40;

#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    pub sim: SimHandle,
    pub revision: u64,
    /// `None`: show the leader (or S1 while there is none).
    pub selected: Option<NodeId>,
    pub dispatch: Dispatch,
}

#[function_component(Inspector)]
pub fn inspector(props: &InspectorProps) -> Html {
    let lang = use_lang();
    let sim = props.sim.borrow();
    let id = props.selected.or_else(|| sim.leader()).unwrap_or(0);
    let view = sim.server_view(id);
    let log = sim.log_view(id);
    let last_term = log.entries.last().map_or(log.base_term, |entry| entry.term);
    let field = |name: &'static str, rule: T, value: String| {
        html! {
            <>
                <dt title={lang.t(rule)}>{ name }</dt>
                <dd data-field={name}>{ value }</dd>
            </>
        }
    };
    let lost = |name: &'static str, rule: T| {
        html! {
            <>
                <dt title={lang.t(rule)}>{ name }</dt>
                <dd class="lost" data-field={name}>{ lang.t(T::LostInCrash) }</dd>
            </>
        }
    };
    let voted = view
        .voted_for
        .map(server_name)
        .unwrap_or_else(|| "null".into());
    let snapshot = if log.base_index > 0 {
        lang.fill(T::SnapshotSuffix, &[&log.base_index])
    } else {
        String::new()
    };
    let log_text = lang.fill(
        T::LogSummary,
        &[&log.entries.len(), &view.last_index, &last_term, &snapshot],
    );
    let mut configuration = format!(
        "{} · {}",
        member_word(lang, view.member),
        configuration_name(&view.configuration)
    );
    if !view.configuration.learners.is_empty() {
        configuration.push_str(lang.t(T::ListComma));
        configuration
            .push_str(&lang.fill(T::LearnersPart, &[&ids_name(&view.configuration.learners)]));
    }
    let progress = sim.progress_view(id);
    let next_text = progress
        .iter()
        .map(|p| format!("{}:{}", server_name(p.peer), p.next_index))
        .collect::<Vec<_>>()
        .join(" ");
    let match_text = progress
        .iter()
        .map(|p| format!("{}:{}", server_name(p.peer), p.match_index))
        .collect::<Vec<_>>()
        .join(" ");
    let volatile = if view.up {
        html! {
            <>
                { field("commitIndex", T::RuleCommitIndex, view.commit.to_string()) }
                { field("lastApplied", T::RuleLastApplied, view.applied.to_string()) }
                if view.role == "leader" {
                    { field("nextIndex[]", T::RuleNextIndex, next_text) }
                    { field("matchIndex[]", T::RuleMatchIndex, match_text) }
                }
            </>
        }
    } else {
        html! {
            <>
                { lost("commitIndex", T::RuleCommitIndex) }
                { lost("lastApplied", T::RuleLastApplied) }
                { lost("nextIndex[]", T::RuleNextIndex) }
                { lost("matchIndex[]", T::RuleMatchIndex) }
            </>
        }
    };
    let status = if view.up {
        let hint = sim
            .leader_hint(id)
            .map(server_name)
            .unwrap_or_else(|| lang.t(T::Unknown).into());
        let timer = sim
            .timer_view(id)
            .filter(|_| view.role != "leader")
            .map(|timer| lang.fill(T::TimerStatus, &[&timer.elapsed_ms, &timer.timeout_ms]))
            .unwrap_or_default();
        lang.fill(
            T::ServerStatus,
            &[&role_name(lang, &view), &view.term, &hint, &timer],
        )
    } else {
        lang.t(T::DownStatus).into()
    };
    let kv = sim.kv_view(id);
    let kv_rows = kv
        .iter()
        .take(SHOWN_KEYS)
        .map(|(key, value)| html! { <tr><td>{ key }</td><td>{ value }</td></tr> });
    let servers = sim.server_count();
    let pick = |target: NodeId| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::Select(Some(target))))
    };
    html! {
        <section class="panel inspector" aria-label={lang.t(T::Inspector)} data-inspecting={id.to_string()}>
            <h2>
                { lang.fill(T::InspectorHeading, &[&server_name(id)]) }
                <span class="tabs" role="group" aria-label={lang.t(T::ServerToInspect)}>
                    { for (0..servers).map(|other| html! {
                        <button aria-pressed={(other == id).to_string()} onclick={pick(other)}
                                title={lang.fill(T::InspectServer, &[&server_name(other)])}>{ server_name(other) }</button>
                    }) }
                </span>
            </h2>
            <p class="status">{ status }</p>
            <div class="figure2">
                <div>
                    <h3 class="group-title">{ lang.t(T::Persistent) }</h3>
                    <dl>
                        { field("currentTerm", T::RuleCurrentTerm, view.term.to_string()) }
                        { field("votedFor", T::RuleVotedFor, voted) }
                        { field("log[]", T::RuleLog, log_text) }
                        { field("configuration", T::RuleConfiguration, configuration) }
                    </dl>
                    <h3 class="group-title">{ lang.t(T::Volatile) }</h3>
                    <dl>{ volatile }</dl>
                </div>
                <div class="kv" tabindex="0" role="region" aria-label={lang.t(T::KeyValueStore)}>
                    <h3 class="group-title">
                        { if view.up { lang.fill(T::KvApplied, &[&kv.len()]) } else { lang.t(T::KvVolatile).into() } }
                    </h3>
                    if !view.up {
                        <p class="lost">{ lang.t(T::KvLost) }</p>
                    } else if kv.is_empty() {
                        <p class="muted">{ lang.t(T::KvEmpty) }</p>
                    } else {
                        <table><tbody>{ for kv_rows }</tbody></table>
                        if kv.len() > SHOWN_KEYS {
                            <p class="muted">{ lang.fill(T::KvMore, &[&(kv.len() - SHOWN_KEYS)]) }</p>
                        }
                    }
                </div>
            </div>
        </section>
    }
}
