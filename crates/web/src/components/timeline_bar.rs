//! The timeline under the cluster: drag to any moment of the run, jump between its
//! marked moments (elections, crashes, cuts, commits…), return to the live run, and undo
//! a fork made by acting in the past.

use std::rc::Rc;

use raftviz_sim::decimal::fixed;
use raftviz_sim::timeline::{markers, MarkerKind};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

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
        <section class="panel timeline" aria-label="Timeline" data-timeline=""
                 data-in-past={props.in_past.to_string()}>
            <div class="timeline-buttons" role="group" aria-label="Time travel">
                <button data-action="prev-marker" title="Jump to the previous marked moment"
                        onclick={send(Action::JumpToMarker(false))}><span aria-hidden="true">{ "« " }</span>{ "marker" }</button>
                <button data-action="next-marker" title="Jump to the next marked moment"
                        onclick={send(Action::JumpToMarker(true))}>{ "marker" }<span aria-hidden="true">{ " »" }</span></button>
                <button data-action="live" disabled={!props.in_past}
                        title="Return to the live run" onclick={send(Action::SeekTime(u64::MAX))}>{ "Live" }</button>
                if props.can_undo_fork {
                    <button data-action="undo-fork" aria-label="Undo the fork: bring the discarded future back"
                            onclick={send(Action::UndoFork)}>{ "Undo fork" }</button>
                }
                <span class="timeline-status">
                    { if props.in_past {
                        format!("viewing the past at {} s of {} s — acting here forks the run",
                                seconds(props.shown_ms), seconds(props.live_ms))
                    } else {
                        "live".to_owned()
                    } }
                </span>
            </div>
            <div class="timeline-track">
                <MarkerStrip marks={marks} dispatch={props.dispatch.clone()} />
                <input type="range" data-action="seek" aria-label="Moment of the run shown"
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
    let (span, marks) = &*props.marks;
    let marks = marks.iter().map(|&(time, kind)| {
        let dispatch = props.dispatch.clone();
        let onclick =
            Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::SeekTime(time)));
        html! {
            // Out of the tab order: hundreds of marks would bury the rest of the page;
            // the keyboard has « marker and marker » instead.
            <button class={classes!("marker", kind_name(kind))} data-marker={kind_name(kind)} tabindex="-1"
                    data-ms={time.to_string()} title={format!("{} at {time} ms", kind_name(kind))}
                    aria-label={format!("Go to the {} at {time} ms", kind_name(kind))}
                    style={format!("left: {}%", fixed(time as f64 * 100.0 / *span as f64, 2))}
                    {onclick}></button>
        }
    });
    html! { <div class="markers">{ for marks }</div> }
}
