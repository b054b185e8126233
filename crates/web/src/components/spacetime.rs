//! The space-time diagram: one lane per server, time running left to right up to the
//! moment on screen, each message an arrow from its send to its delivery (✗ where it
//! was lost), leaders, candidates, crashes and restarts marked. Only a window of recent
//! time is drawn, so a long run costs what a short one does.

use raftviz_sim::decimal::fixed;
use raftviz_sim::{EventKind, MessageSummary};
use yew::prelude::*;

use crate::i18n::{use_lang, T};
use crate::names::server_name;
use crate::state::{Action, Dispatch, SimHandle};

/// Virtual ms shown left of the current moment.
const WINDOW_MS: u64 = 600;
/// Messages sent this long before the window may still arrive inside it.
const LOOKBACK_MS: u64 = 400;
const WIDTH: f64 = 1000.0;
const LANE_HEIGHT: f64 = 26.0;
const LANE_LEFT: f64 = 34.0;
/// Room above the first lane for its leader and candidate labels.
const TOP_MARGIN: f64 = 10.0;

#[derive(Properties, PartialEq)]
pub struct SpaceTimeProps {
    pub sim: SimHandle,
    /// Changes whenever the events on screen do.
    pub revision: u64,
    /// The message the message panel shows.
    pub selected: Option<u64>,
    pub dispatch: Dispatch,
}

/// One message as the diagram draws it.
struct Arrow {
    id: u64,
    from: usize,
    to: usize,
    sent: u64,
    message: MessageSummary,
    /// When it arrived or was lost (`true`); `None` while still in flight.
    end: Option<(u64, bool)>,
}

#[function_component(SpaceTime)]
pub fn space_time(props: &SpaceTimeProps) -> Html {
    let lang = use_lang();
    let selected = props.selected;
    let sim = props.sim.borrow();
    let now = sim.now();
    let start = now.saturating_sub(WINDOW_MS);
    let servers = sim.server_count();
    let x = |time: u64| {
        LANE_LEFT + (time.max(start) - start) as f64 * (WIDTH - LANE_LEFT) / WINDOW_MS as f64
    };
    let y = |server: usize| TOP_MARGIN + LANE_HEIGHT * (server as f64 + 0.5);

    // Events are in time order: walk back from the end only as far as the window needs.
    let recent = sim
        .trace()
        .events()
        .rev()
        .take_while(|event| event.time + WINDOW_MS + LOOKBACK_MS >= now)
        .collect::<Vec<_>>();
    // In send order, which is id order (the network numbers messages as it sends
    // them), so an arrow is found by binary search.
    let mut arrows: Vec<Arrow> = Vec::new();
    let mut marks = Vec::new();
    for event in recent.into_iter().rev() {
        let Some(server) = event.server else {
            continue;
        };
        match &event.kind {
            EventKind::Send { id, to, message } => {
                arrows.push(Arrow {
                    id: *id,
                    from: server,
                    to: *to,
                    sent: event.time,
                    message: *message,
                    end: None,
                });
            }
            EventKind::Deliver { id, .. } | EventKind::Drop { id, .. } => {
                let lost = matches!(event.kind, EventKind::Drop { .. });
                if let Ok(index) = arrows.binary_search_by_key(id, |arrow| arrow.id) {
                    arrows[index].end = Some((event.time, lost));
                }
            }
            EventKind::Role { role, term } if event.time >= start => {
                let (class, label) = match role.name() {
                    "leader" => ("leader", format!("L{term}")),
                    "candidate" => ("candidate", format!("C{term}")),
                    _ => continue,
                };
                marks.push(html! {
                    <text class={classes!("mark", class)} x={fixed(x(event.time), 1)}
                          y={fixed(y(server) - 7.0, 1)}>{ label }</text>
                });
            }
            EventKind::Crash | EventKind::Restart if event.time >= start => {
                let crashed = matches!(event.kind, EventKind::Crash);
                marks.push(html! {
                    <text class={classes!("mark", if crashed { "crash" } else { "restart" })}
                          x={fixed(x(event.time), 1)} y={fixed(y(server) + 4.0, 1)}>
                        { lang.t(if crashed { T::MarkCrashed } else { T::MarkRestarted }) }
                    </text>
                });
            }
            _ => {}
        }
    }
    let visible = arrows
        .iter()
        .filter(|arrow| arrow.end.is_none_or(|(time, _)| time >= start));
    let drawn = visible.map(|arrow| {
        let (end_time, lost) = arrow.end.unwrap_or((now, false));
        let (x1, y1) = (x(arrow.sent), y(arrow.from));
        // A message in flight or lost stops part of the way towards its receiver.
        let reached = if arrow.end.is_some() && !lost { 1.0 } else { 0.5 };
        let (x2, y2) = (x(end_time), y1 + (y(arrow.to) - y1) * reached);
        let id = arrow.id;
        let onclick = {
            let dispatch = props.dispatch.clone();
            Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::SelectMessage(Some(id))))
        };
        let is_selected = selected == Some(id);
        let (x1, y1, x2, y2) = (fixed(x1, 1), fixed(y1, 1), fixed(x2, 1), fixed(y2, 1));
        html! {
            <g key={id.to_string()} class={classes!("arrow", lost.then_some("lost"), arrow.end.is_none().then_some("flying"),
                               is_selected.then_some("selected"))}
               data-arrow={id.to_string()} data-kind={arrow.message.kind.name()}
               data-selected={is_selected.to_string()} {onclick}>
                <title>{ format!("#{id} {} {} → {}", arrow.message.kind.name(), server_name(arrow.from), server_name(arrow.to)) }</title>
                // A wide transparent stroke of fixed screen width (style.css) to click.
                <line class="arrow-hit" x1={x1.clone()} y1={y1.clone()} x2={x2.clone()} y2={y2.clone()} />
                <line class="arrow-line" x1={x1} y1={y1} x2={x2.clone()} y2={y2.clone()}
                      marker-end={(arrow.end.is_some() && !lost).then_some("url(#spacetime-head)")} />
                if lost {
                    <text class="lost-mark" x={x2} y={y2} dy="4">{ "✗" }</text>
                }
            </g>
        }
    });
    let lanes = (0..servers).map(|server| html! {
        <g class="lane">
            <text x="2" y={fixed(y(server) + 4.0, 1)}>{ server_name(server) }</text>
            <line x1={fixed(LANE_LEFT, 0)} x2={fixed(WIDTH, 0)} y1={fixed(y(server), 1)} y2={fixed(y(server), 1)} />
        </g>
    });
    let height = TOP_MARGIN + LANE_HEIGHT * servers as f64;
    html! {
        <section class="panel spacetime" aria-label={lang.t(T::SpaceTimeLabel)}>
            <h2>{ lang.t(T::SpaceTime) }
                <span class="legend">{ lang.fill(T::SpaceTimeLegend, &[&WINDOW_MS, &now]) }</span>
            </h2>
            <svg data-spacetime="" viewBox={format!("0 0 {} {}", fixed(WIDTH, 0), fixed(height, 0))} role="img" aria-label={lang.t(T::SpaceTimeSvg)}>
                <defs>
                    <marker id="spacetime-head" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6"
                            markerHeight="6" orient="auto">
                        <path d="M0,0 L6,3 L0,6 z" />
                    </marker>
                </defs>
                // Fragments, so arrows and marks coming and going leave the lanes be.
                { for lanes }
                <>{ for drawn }</>
                <>{ for marks }</>
                <line class="cursor" x1={fixed(WIDTH, 0)} x2={fixed(WIDTH, 0)} y1="0" y2={fixed(height, 0)} />
            </svg>
        </section>
    }
}
