//! The selected server's state, field by field as in Figure 2 of the Raft paper, each
//! with the paper's rule as its tooltip; then what it has applied to its key-value store.
//! A crashed server shows what its disk kept and what it lost.

use yew::prelude::*;

use crate::names::server_name;
use crate::state::{Action, Dispatch, NodeId, SimHandle};

// Figure 2's own descriptions of each field.
const CURRENT_TERM: &str =
    "latest term server has seen (initialized to 0 on first boot, increases monotonically)";
const VOTED_FOR: &str = "candidateId that received vote in current term (or null if none)";
const LOG: &str = "log entries; each entry contains command for state machine, and term when entry was received by leader (first index is 1)";
const COMMIT_INDEX: &str =
    "index of highest log entry known to be committed (initialized to 0, increases monotonically)";
const LAST_APPLIED: &str = "index of highest log entry applied to state machine (initialized to 0, increases monotonically)";
const NEXT_INDEX: &str = "for each server, index of the next log entry to send to that server (initialized to leader last log index + 1)";
const MATCH_INDEX: &str = "for each server, index of highest log entry known to be replicated on server (initialized to 0, increases monotonically)";

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
    let sim = props.sim.borrow();
    let id = props.selected.or_else(|| sim.leader()).unwrap_or(0);
    let view = sim.server_view(id);
    let log = sim.log_view(id);
    let last_term = log.entries.last().map_or(log.base_term, |entry| entry.term);
    let field = |name: &'static str, rule: &'static str, value: String| {
        html! {
            <>
                <dt title={rule}>{ name }</dt>
                <dd data-field={name}>{ value }</dd>
            </>
        }
    };
    let lost = |name: &'static str, rule: &'static str| {
        html! {
            <>
                <dt title={rule}>{ name }</dt>
                <dd class="lost" data-field={name}>{ "lost in the crash" }</dd>
            </>
        }
    };
    let voted = view
        .voted_for
        .map(server_name)
        .unwrap_or_else(|| "null".into());
    let log_text = format!(
        "{} entries, last index {}, last term {}{}",
        log.entries.len(),
        view.last_index,
        last_term,
        if log.base_index > 0 {
            format!(" (snapshot ≤{})", log.base_index)
        } else {
            String::new()
        }
    );
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
                { field("commitIndex", COMMIT_INDEX, view.commit.to_string()) }
                { field("lastApplied", LAST_APPLIED, view.applied.to_string()) }
                if view.role == "leader" {
                    { field("nextIndex[]", NEXT_INDEX, next_text) }
                    { field("matchIndex[]", MATCH_INDEX, match_text) }
                }
            </>
        }
    } else {
        html! {
            <>
                { lost("commitIndex", COMMIT_INDEX) }
                { lost("lastApplied", LAST_APPLIED) }
                { lost("nextIndex[]", NEXT_INDEX) }
                { lost("matchIndex[]", MATCH_INDEX) }
            </>
        }
    };
    let status = if view.up {
        let hint = sim
            .leader_hint(id)
            .map(server_name)
            .unwrap_or_else(|| "unknown".into());
        let timer = sim
            .timer_view(id)
            .filter(|_| view.role != "leader")
            .map(|timer| {
                format!(
                    " · election timer {} / {} ms",
                    timer.elapsed_ms, timer.timeout_ms
                )
            })
            .unwrap_or_default();
        format!("{} in term {} · leader {hint}{timer}", view.role, view.term)
    } else {
        "down: its disk kept the persistent state; the volatile state is gone until it restarts and hears from a leader".into()
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
        <section class="panel inspector" aria-label="Inspector" data-inspecting={id.to_string()}>
            <h2>
                { format!("Inspector · {}", server_name(id)) }
                <span class="tabs" role="group" aria-label="Server to inspect">
                    { for (0..servers).map(|other| html! {
                        <button aria-pressed={(other == id).to_string()} onclick={pick(other)}
                                title={format!("Inspect {}", server_name(other))}>{ server_name(other) }</button>
                    }) }
                </span>
            </h2>
            <p class="status">{ status }</p>
            <div class="figure2">
                <div>
                    <h3 class="group-title">{ "persistent (on disk)" }</h3>
                    <dl>
                        { field("currentTerm", CURRENT_TERM, view.term.to_string()) }
                        { field("votedFor", VOTED_FOR, voted) }
                        { field("log[]", LOG, log_text) }
                    </dl>
                    <h3 class="group-title">{ "volatile (in memory)" }</h3>
                    <dl>{ volatile }</dl>
                </div>
                <div class="kv" tabindex="0" role="region" aria-label="Key-value store">
                    <h3 class="group-title">
                        { if view.up { format!("key-value store ({} keys applied)", kv.len()) } else { "key-value store (volatile)".into() } }
                    </h3>
                    if !view.up {
                        <p class="lost">{ "lost in the crash: a restart rebuilds it by applying committed entries again" }</p>
                    } else if kv.is_empty() {
                        <p class="muted">{ "nothing applied yet — send a client request" }</p>
                    } else {
                        <table><tbody>{ for kv_rows }</tbody></table>
                        if kv.len() > SHOWN_KEYS {
                            <p class="muted">{ format!("… and {} more keys", kv.len() - SHOWN_KEYS) }</p>
                        }
                    }
                </div>
            </div>
        </section>
    }
}
