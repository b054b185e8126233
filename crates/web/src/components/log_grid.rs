//! Every server's log side by side: one row per server, one column per index, the term
//! in every cell. Committed entries are solid, the rest outlined; the leader's
//! matchIndex (m) and nextIndex (n) for each follower sit above its row, commitIndex (C)
//! and lastApplied (A) below. A compacted prefix is one snapshot block.

use raftviz_sim::{ConfChange, ConfigurationView, ServerView};
use yew::prelude::*;

use crate::i18n::{use_lang, Lang, T};
use crate::names::{configuration_name, role_name, server_name, term_class};
use crate::state::{Action, Dispatch, Highlight, SimHandle};

/// Within this many pixels of the right end, the grid keeps following new entries;
/// further left, a person is reading history and it stays put.
const FOLLOW_SLACK_PX: i32 = 120;
/// Indices drawn at once.
const WINDOW_COLUMNS: u64 = 48;

#[derive(Properties, PartialEq)]
pub struct LogGridProps {
    pub sim: SimHandle,
    pub revision: u64,
    /// Entries the scenario step talks about.
    pub highlight: Highlight,
    /// Entries a broken invariant is about.
    pub conflict: Highlight,
    pub dispatch: Dispatch,
}

#[function_component(LogGrid)]
pub fn log_grid(props: &LogGridProps) -> Html {
    let lang = use_lang();
    let scroller = use_node_ref();
    // The last index drawn when a person paged back; `None` follows the tail.
    let window_end = use_state(|| None::<u64>);
    {
        // A new page starts at its newest index, next to the one left behind.
        let scroller = scroller.clone();
        use_effect_with(*window_end, move |_| {
            if let Some(element) = scroller.cast::<web_sys::Element>() {
                element.set_scroll_left(element.scroll_width());
            }
        });
    }
    {
        let scroller = scroller.clone();
        use_effect(move || {
            if let Some(element) = scroller.cast::<web_sys::Element>() {
                let from_end =
                    element.scroll_width() - element.scroll_left() - element.client_width();
                if from_end < FOLLOW_SLACK_PX {
                    element.set_scroll_left(element.scroll_width());
                }
            }
        });
    }
    let sim = props.sim.borrow();
    let servers = sim.server_count();
    let logs: Vec<_> = (0..servers).map(|id| sim.log_view(id)).collect();
    let leader = sim.leader();
    let progress = leader
        .map(|leader| sim.progress_view(leader))
        .unwrap_or_default();
    let first = logs.iter().map(|log| log.base_index + 1).min().unwrap_or(1);
    let last = logs
        .iter()
        .map(|log| log.base_index + log.entries.len() as u64)
        .chain(progress.iter().map(|p| p.next_index))
        .max()
        .unwrap_or(0)
        .max(first);
    // Only a window of indices is drawn, so a log of thousands costs what a short one
    // does; it follows the tail unless a person pages back.
    let end = window_end.map_or(last, |end| end.clamp(first, last));
    let start = end.saturating_sub(WINDOW_COLUMNS - 1).max(first);
    let in_window = move |index: u64| (start..=end).contains(&index);
    let columns = end - start + 1;
    let column_of = move |index: u64| index - start + 3;
    let page = |to: Option<u64>| {
        let window_end = window_end.clone();
        Callback::from(move |_: MouseEvent| window_end.set(to))
    };
    let paging = (start > first || end < last).then(|| {
        let later = end + WINDOW_COLUMNS;
        html! {
            <span class="paging" role="group" aria-label={lang.t(T::IndicesShown)}>
                { lang.fill(T::IndicesRange, &[&start, &end, &first, &last]) }
                <button aria-label={lang.t(T::ShowEarlier)} disabled={start == first}
                        onclick={page(Some(start.saturating_sub(1).max(first)))}>{ lang.t(T::Earlier) }</button>
                <button aria-label={lang.t(T::ShowLater)} disabled={end == last}
                        onclick={page((later < last).then_some(later))}>{ lang.t(T::Later) }</button>
                <button aria-label={lang.t(T::FollowNewest)} disabled={window_end.is_none()}
                        onclick={page(None)}>{ lang.t(T::Newest) }</button>
            </span>
        }
    });

    let index_row = (start..=end).map(|index| {
        html! { <span class="index" style={format!("grid-column: {}", column_of(index))}>{ index }</span> }
    });
    let starting = ConfigurationView {
        index: 0,
        voters: (0..sim.initial_config().servers).collect(),
        outgoing: Vec::new(),
        learners: Vec::new(),
    };
    let rows = (0..servers).map(|id| {
        let view = sim.server_view(id);
        let log = &logs[id];
        let marks = progress.iter().find(|p| p.peer == id);
        let mark_at = |index: u64| {
            let mut text = String::new();
            if let Some(p) = marks {
                if p.match_index == index && index > 0 {
                    text.push('m');
                }
                if p.next_index == index {
                    text.push('n');
                }
            }
            text
        };
        let below_at = |index: u64| {
            let mut text = String::new();
            if view.up && view.commit == index {
                text.push('C');
            }
            if view.up && view.applied == index {
                text.push('A');
            }
            text
        };
        // Each configuration entry is labelled by what it changes from the one before.
        let mut before = &starting;
        let config_labels: Vec<Option<String>> = log
            .entries
            .iter()
            .map(|entry| {
                let configuration = entry.configuration.as_ref()?;
                let label = change_label(lang, before, configuration);
                before = configuration;
                Some(label)
            })
            .collect();
        let cells = log.entries.iter().zip(&config_labels).filter(|(entry, _)| in_window(entry.index)).map(|(entry, config_label)| {
            let committed = view.up && entry.index <= view.commit;
            // Read as one sentence; the marks drawn around the cell are in it too.
            let state = if committed {
                T::Committed
            } else if view.up {
                T::NotCommitted
            } else {
                T::CommitUnknown
            };
            let mut sentence = lang.fill(
                T::CellSentence,
                &[&server_name(id), &entry.index, &entry.term, &lang.t(state)],
            );
            let comma = lang.t(T::ListComma);
            for (mark, words) in [('m', lang.t(T::LeadersMatch)), ('n', lang.t(T::LeadersNext))] {
                if mark_at(entry.index).contains(mark) {
                    sentence.push_str(comma);
                    sentence.push_str(words);
                }
            }
            for (mark, words) in [('C', "commitIndex"), ('A', "lastApplied")] {
                if below_at(entry.index).contains(mark) {
                    sentence.push_str(comma);
                    sentence.push_str(words);
                }
            }
            if let Some(configuration) = &entry.configuration {
                sentence.push_str(comma);
                sentence.push_str(&lang.fill(T::ConfigEntryPart, &[&configuration_name(configuration)]));
            }
            let title = format!("{sentence}: {}", entry.command);
            let conflicting = props.conflict.marks(id, entry.index);
            html! {
                <span class={classes!("cell", term_class(entry.term), if committed { "committed" } else { "pending" },
                                      config_label.is_some().then_some("config"),
                                      props.highlight.marks(id, entry.index).then_some("highlight"),
                                      conflicting.then_some("conflict"))}
                      data-conflict={conflicting.then_some("")}
                      style={format!("grid-column: {}", column_of(entry.index))} title={title}
                      role="img" aria-label={sentence}
                      data-above={mark_at(entry.index)} data-below={below_at(entry.index)}>
                    { config_label.clone().unwrap_or_else(|| entry.term.to_string()) }
                </span>
            }
        });
        let next_slot = marks
            .map(|p| p.next_index)
            .filter(|&next| next > log.base_index + log.entries.len() as u64 && in_window(next))
            .map(|next| html! {
                <span class="cell slot" style={format!("grid-column: {}", column_of(next))}
                      role="img" aria-label={lang.fill(T::NextSlot, &[&server_name(id), &next])}
                      data-above={mark_at(next)}></span>
            });
        let compacted = (log.base_index >= start).then(|| html! {
            <span class="cell snapshot" role="img"
                  aria-label={lang.fill(T::SnapshotThrough, &[&server_name(id), &log.base_index])}
                  style={format!("grid-column: 3 / {}", column_of(log.base_index.min(end)) + 1)}>
                { lang.fill(T::SnapshotCell, &[&log.base_index]) }
            </span>
        });
        let base = (log.base_index > 0).then(|| html! {
            <span class="base" role="img" aria-label={lang.fill(T::SnapshotBase, &[&server_name(id), &log.base_index, &log.base_term])}>
                { format!("≤{} t{}", log.base_index, log.base_term) }
            </span>
        });
        html! {
            <div class={classes!("log-row", (!view.up).then_some("down"), (leader == Some(id)).then_some("leading"),
                                 props.highlight.servers.contains(&id).then_some("highlight"))}
                 data-row={id.to_string()} role="group"
                 aria-label={lang.fill(T::RowAria, &[&server_name(id), &role_name(lang, &view), &log.entries.len(),
                     &if view.up { lang.fill(T::CommittedThrough, &[&view.commit]) } else { String::new() }])}>
                { row_head(&view, &props.dispatch, lang) }
                // One node per part, however many cells: the row's name button keeps
                // its element (and focus) as the log grows.
                { base.unwrap_or_default() }
                { compacted.unwrap_or_default() }
                <>{ for cells }</>
                { next_slot.unwrap_or_default() }
            </div>
        }
    });
    html! {
        <section class="panel log-panel" aria-label={lang.t(T::Logs)}>
            <h2>{ lang.t(T::Logs) }
                <span class="legend">{ lang.t(T::LogLegend) }</span>
                { paging.unwrap_or_default() }
            </h2>
            <div class="log-scroll" ref={scroller}>
                <div class="log-grid" style={format!("--cells: {columns}")}>
                    <div class="log-row index-row" aria-hidden="true">
                        <span class="row-head">{ lang.t(T::IndexWord) }</span>
                        { for index_row }
                    </div>
                    { for rows }
                </div>
            </div>
        </section>
    }
}

/// The server's name and role, and its buttons: crash or restart, force a timeout,
/// send it a client request.
fn row_head(view: &ServerView, dispatch: &Dispatch, lang: Lang) -> Html {
    let id = view.id;
    let name = server_name(id);
    let button = |action: &'static str,
                  label: String,
                  text: &'static str,
                  enabled: bool,
                  act: Action| {
        let dispatch = dispatch.clone();
        let onclick = Callback::from(move |_: MouseEvent| dispatch.dispatch(act.clone()));
        html! {
            <button class={classes!("server-action", action)} data-action={action}
                    data-target={id.to_string()} aria-label={label} disabled={!enabled} {onclick}>
                { text }
            </button>
        }
    };
    let power = if view.up {
        button(
            "crash",
            lang.fill(T::CrashServer, &[&name]),
            lang.t(T::CrashWord),
            true,
            Action::Crash(id),
        )
    } else {
        button(
            "restart",
            lang.fill(T::RestartServer, &[&name]),
            lang.t(T::RestartWord),
            true,
            Action::Restart(id),
        )
    };
    html! {
        <span class="row-head">
            <button class={classes!("row-name", format!("role-{}", view.role), (!view.up).then_some("down"))}
                    title={lang.fill(T::InspectServer, &[&name])}
                    onclick={let dispatch = dispatch.clone(); Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::Select(Some(id))))}>
                { name.clone() }
                <small>{ role_name(lang, view) }</small>
            </button>
            { power }
            { button("timeout", lang.fill(T::TimeoutServer, &[&name]), lang.t(T::TimeoutWord), view.up, Action::Timeout(id)) }
            { button("request", lang.fill(T::RequestServer, &[&name]), lang.t(T::RequestWord), view.up, Action::Request(Some(id))) }
            if view.member == "learner" {
                { button("promote", lang.fill(T::PromoteServer, &[&name]), lang.t(T::PromoteWord), true, Action::Change(ConfChange::AddVoter(id))) }
            } else {
                { button("remove", lang.fill(T::RemoveServer, &[&name]), lang.t(T::RemoveWord), view.member != "removed", Action::Change(ConfChange::Remove(id))) }
            }
        </span>
    }
}

/// A configuration entry in a few characters, by what it changes from `before`:
/// "+S6" (added), "−S3" (removed), "↑S6" (promoted), "↓S2" (demoted), or "joint" and
/// "leave" for the two entries of a joint change.
fn change_label(lang: Lang, before: &ConfigurationView, after: &ConfigurationView) -> String {
    if after.is_joint() {
        return lang.t(T::JointEntry).into();
    }
    if before.is_joint() {
        return lang.t(T::LeaveJointEntry).into();
    }
    let member = |configuration: &ConfigurationView, id: &usize| {
        configuration.voters.contains(id) || configuration.learners.contains(id)
    };
    let mut parts = Vec::new();
    for id in after.voters.iter().chain(&after.learners) {
        let mark = match (before.voters.contains(id), before.learners.contains(id)) {
            (false, false) => "+",
            (false, true) => "↑",
            (true, _) if after.learners.contains(id) => "↓",
            _ => continue,
        };
        parts.push(format!("{mark}{}", server_name(*id)));
    }
    for id in before.voters.iter().chain(&before.learners) {
        if !member(after, id) {
            parts.push(format!("−{}", server_name(*id)));
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configuration(
        voters: &[usize],
        outgoing: &[usize],
        learners: &[usize],
    ) -> ConfigurationView {
        ConfigurationView {
            index: 1,
            voters: voters.to_vec(),
            outgoing: outgoing.to_vec(),
            learners: learners.to_vec(),
        }
    }

    #[test]
    fn configuration_entries_are_labelled_by_what_they_change() {
        let five = configuration(&[0, 1, 2, 3, 4], &[], &[]);
        let joint = configuration(&[0, 1, 2], &[0, 1, 2, 3, 4], &[]);
        let cases = [
            (&five, configuration(&[0, 1, 2, 3, 4], &[], &[5]), "+S6"),
            (&five, configuration(&[0, 1, 2, 3], &[], &[4]), "↓S5"),
            (&five, configuration(&[0, 1, 3, 4], &[], &[]), "−S3"),
            (&five, joint.clone(), "joint"),
            (&joint, configuration(&[0, 1, 2], &[], &[]), "leave"),
        ];
        for (before, after, label) in cases {
            assert_eq!(change_label(Lang::En, before, &after), label);
        }
        let learner = configuration(&[0, 1, 2], &[], &[3]);
        let promoted = configuration(&[0, 1, 2, 3], &[], &[]);
        assert_eq!(change_label(Lang::En, &learner, &promoted), "↑S4");
    }
}
