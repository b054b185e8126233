//! The timeline under the cluster: drag to any moment of the run, jump between its
//! marked moments (elections, crashes, cuts, commits…), return to the live run, and undo
//! a fork made by acting in the past.

use std::rc::Rc;

use raftviz_sim::decimal::fixed;
use raftviz_sim::timeline::{markers, MarkerKind};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::i18n::{use_lang, Lang, T};
use crate::names::seconds;
use crate::state::{Action, Dispatch, SimHandle};

/// Markers closer than this fraction of the run share one mark, so a long run with a
/// commit every few milliseconds still draws a few hundred marks at most.
const MARKER_BUCKETS: u64 = 400;

#[derive(Properties, PartialEq)]
pub struct TimelineBarProps {
    /// The live run, whose markers the timeline shows.
    pub live: SimHandle,
    /// Changes when the live run has new events worth marking.
    pub revision: u64,
    pub live_ms: u64,
    pub shown_ms: u64,
    pub in_past: bool,
    pub can_undo_fork: bool,
    pub dispatch: Dispatch,
}

/// A marker's kind as people read it.
fn kind_word(lang: Lang, kind: MarkerKind) -> &'static str {
    lang.t(match kind {
        MarkerKind::Leader => T::MarkLeader,
        MarkerKind::Crash => T::MarkCrash,
        MarkerKind::Restart => T::MarkRestart,
        MarkerKind::Cut => T::MarkCut,
        MarkerKind::Commit => T::MarkCommit,
        MarkerKind::Snapshot => T::MarkSnapshot,
        MarkerKind::Violation => T::MarkViolation,
    })
}

fn kind_name(kind: MarkerKind) -> &'static str {
    match kind {
        MarkerKind::Leader => "leader",
        MarkerKind::Crash => "crash",
        MarkerKind::Restart => "restart",
        MarkerKind::Cut => "cut",
        MarkerKind::Commit => "commit",
        MarkerKind::Snapshot => "snapshot",
        MarkerKind::Violation => "violation",
    }
}

#[function_component(TimelineBar)]
pub fn timeline_bar(props: &TimelineBarProps) -> Html {
    let lang = use_lang();
    let marks = use_memo((props.live.clone(), props.revision), |(live, _)| {
        let live = live.borrow();
        let span = live.now().max(1);
        let mut marks: Vec<(u64, MarkerKind)> = markers(&live)
            .iter()
            .map(|marker| (marker.time, marker.kind))
            .collect();
        marks.dedup_by_key(|(time, kind)| (*time * MARKER_BUCKETS / span, *kind));
        (span, marks)
    });
    let send = |action: Action| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(action.clone()))
    };
    let on_drag = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: InputEvent| {
            let time = event
                .target()
                .and_then(|target| target.dyn_into::<HtmlInputElement>().ok())
                .and_then(|input| input.value().parse::<u64>().ok());
            if let Some(time) = time {
                dispatch.dispatch(Action::SeekTime(time));
            }
        })
    };
    html! {
        <section class="panel timeline" aria-label={lang.t(T::Timeline)} data-timeline=""
                 data-in-past={props.in_past.to_string()}>
            <div class="timeline-buttons" role="group" aria-label={lang.t(T::TimeTravel)}>
                <button data-action="prev-marker" title={lang.t(T::PrevMarkerTitle)}
                        onclick={send(Action::JumpToMarker(false))}><span aria-hidden="true">{ "« " }</span>{ lang.t(T::MarkerWord) }</button>
                <button data-action="next-marker" title={lang.t(T::NextMarkerTitle)}
                        onclick={send(Action::JumpToMarker(true))}>{ lang.t(T::MarkerWord) }<span aria-hidden="true">{ " »" }</span></button>
                <button data-action="live" disabled={!props.in_past}
                        title={lang.t(T::LiveTitle)} onclick={send(Action::SeekTime(u64::MAX))}>{ lang.t(T::Live) }</button>
                if props.can_undo_fork {
                    <button data-action="undo-fork" aria-label={lang.t(T::UndoForkLabel)}
                            onclick={send(Action::UndoFork)}>{ lang.t(T::UndoFork) }</button>
                }
                <span class="timeline-status">
                    { if props.in_past {
                        lang.fill(T::ViewingPast, &[&seconds(props.shown_ms), &seconds(props.live_ms)])
                    } else {
                        lang.t(T::LiveStatus).to_owned()
                    } }
                </span>
            </div>
            <div class="timeline-track">
                <MarkerStrip marks={marks} dispatch={props.dispatch.clone()} />
                <input type="range" data-action="seek" aria-label={lang.t(T::SeekLabel)}
                       min="0" max={props.live_ms.to_string()} step="1"
                       value={props.shown_ms.min(props.live_ms).to_string()} oninput={on_drag} />
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct MarkerStripProps {
    /// The span of the run the marks were taken from, and the marks.
    marks: Rc<(u64, Vec<(u64, MarkerKind)>)>,
    dispatch: Dispatch,
}

/// Its own component so the marks are laid out only when they change, not every frame.
#[function_component(MarkerStrip)]
fn marker_strip(props: &MarkerStripProps) -> Html {
    let lang = use_lang();
    let (span, marks) = &*props.marks;
    let marks = marks.iter().map(|&(time, kind)| {
        let dispatch = props.dispatch.clone();
        let onclick =
            Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::SeekTime(time)));
        html! {
            // Out of the tab order: hundreds of marks would bury the rest of the page;
            // the keyboard has « marker and marker » instead.
            <button class={classes!("marker", kind_name(kind))} data-marker={kind_name(kind)} tabindex="-1"
                    data-ms={time.to_string()} title={lang.fill(T::MarkerTitle, &[&kind_word(lang, kind), &time])}
                    aria-label={lang.fill(T::MarkerAria, &[&kind_word(lang, kind), &time])}
                    style={format!("left: {}%", fixed(time as f64 * 100.0 / *span as f64, 2))}
                    {onclick}></button>
        }
    });
    html! { <div class="markers">{ for marks }</div> }
}
