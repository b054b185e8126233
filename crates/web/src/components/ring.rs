//! The cluster drawn as a ring (SVG): a node per server, a line per pair of servers,
//! and a dot per message in flight gliding from sender to receiver in virtual time.

use raftviz_sim::{InFlight, LinkCut, MessageSummary, ServerView, Simulation};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::names::{server_name, term_class};
use crate::state::{Action, Dispatch, NodeId, SimHandle};

/// The drawing's coordinate system; the SVG scales to its box.
const WIDTH: f64 = 460.0;
const HEIGHT: f64 = 458.0;
const CENTRE: Point = Point {
    x: WIDTH / 2.0,
    y: 242.0,
};
const RING_RADIUS: f64 = 160.0;
const NODE_RADIUS: f64 = 30.0;
const TIMER_RADIUS: f64 = 37.0;
/// Messages keep to the right of their line, so the two directions never overlap.
const LANE_OFFSET: f64 = 6.0;
const LINK_HIT_HALF_WIDTH: f64 = 9.0;

#[derive(Clone, Copy, PartialEq)]
struct Point {
    x: f64,
    y: f64,
}

impl Point {
    fn towards(self, other: Point, distance: f64) -> Point {
        let (dx, dy) = (other.x - self.x, other.y - self.y);
        let length = dx.hypot(dy).max(f64::EPSILON);
        Point {
            x: self.x + dx / length * distance,
            y: self.y + dy / length * distance,
        }
    }

    fn lerp(self, other: Point, t: f64) -> Point {
        Point {
            x: self.x + (other.x - self.x) * t,
            y: self.y + (other.y - self.y) * t,
        }
    }
}

fn position(id: NodeId, servers: usize) -> Point {
    let angle = -std::f64::consts::FRAC_PI_2 + id as f64 * std::f64::consts::TAU / servers as f64;
    Point {
        x: CENTRE.x + RING_RADIUS * angle.cos(),
        y: CENTRE.y + RING_RADIUS * angle.sin(),
    }
}

/// A server's election timer as last read, and the screen time it was first seen so.
#[derive(Clone, Copy)]
struct TimerSighting {
    /// Elapsed and timeout, in virtual ms.
    reading: (u64, u64),
    shown_ms: f64,
}

#[derive(Properties, PartialEq)]
pub struct ServerRingProps {
    pub sim: SimHandle,
    /// Virtual time on screen, fractional: changes every frame while playing.
    pub shown_ms: f64,
    /// Number of events so far: changes whenever the simulation does.
    pub revision: u64,
    pub selected: Option<NodeId>,
    pub link_menu: Option<(NodeId, NodeId)>,
    pub dispatch: Dispatch,
}

#[function_component(ServerRing)]
pub fn server_ring(props: &ServerRingProps) -> Html {
    let sim = props.sim.borrow();
    let servers = sim.server_count();
    let pairs = (0..servers).flat_map(|a| (a + 1..servers).map(move |b| (a, b)));
    let links = pairs.map(|(a, b)| {
        html! { <LinkLine key={format!("{a}-{b}")} {a} {b} {servers} cut={sim.link(a, b)}
        dispatch={props.dispatch.clone()} /> }
    });
    let timer_sightings = use_mut_ref(Vec::<Option<TimerSighting>>::new);
    let mut sightings = timer_sightings.borrow_mut();
    sightings.resize(servers, None);
    let tick_ms = sim.config().tick_ms as f64;
    let nodes = (0..servers).map(|id| {
        let timer = sim.timer_view(id).map(|timer| {
            let reading = (timer.elapsed_ms, timer.timeout_ms);
            let sighting = &mut sightings[id];
            let seen_at = match *sighting {
                Some(seen) if seen.reading == reading => seen.shown_ms,
                _ => {
                    *sighting = Some(TimerSighting {
                        reading,
                        shown_ms: props.shown_ms,
                    });
                    props.shown_ms
                }
            };
            // The core counts whole ticks; between them the arc keeps moving, never
            // further than the next tick would take it.
            let since_tick = (props.shown_ms - seen_at).clamp(0.0, tick_ms);
            (timer.elapsed_ms as f64 + since_tick, timer.timeout_ms)
        });
        server_node(&sim, id, props.selected, timer, &props.dispatch)
    });
    let messages = sim
        .in_flight()
        .map(|flight| message_dot(flight, servers, props.shown_ms, &props.dispatch));
    let menu = props
        .link_menu
        .map(|(a, b)| html! { <LinkMenu {a} {b} {servers} cut={sim.link(a, b)} dispatch={props.dispatch.clone()} /> });
    html! {
        <div class="ring">
            <svg viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="group"
                 aria-label="The cluster: servers, the links between them, and messages in flight">
                <defs>
                    // Arrowheads for one-way cuts point the way messages are lost.
                    <marker id="arrow-cut" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"
                            markerHeight="7" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
                    </marker>
                </defs>
                <g class="links">{ for links }</g>
                <g class="nodes">{ for nodes }</g>
                <g class="messages">{ for messages }</g>
            </svg>
            { for menu }
            { legend() }
        </div>
    }
}

/// What the shapes and colours mean, for someone seeing Raft for the first time.
fn legend() -> Html {
    let dot = |class: &'static str, text: &'static str| {
        html! { <li><span class={classes!("swatch", class)}></span>{ text }</li> }
    };
    html! {
        <ul class="ring-legend" aria-label="Legend">
            <li>{ "■ leader · ● follower · thick ring: candidate · dashed: pre-candidate · arc: election timer · colour and t: term" }</li>
            { dot("kind-AppendEntries", "AppendEntries (♥ heartbeat)") }
            { dot("kind-RequestVote", "RequestVote") }
            { dot("kind-PreVote", "PreVote") }
            { dot("reply-ok", "reply: yes") }
            { dot("reply-refused", "reply: no") }
        </ul>
    }
}

fn server_node(
    sim: &Simulation,
    id: NodeId,
    selected: Option<NodeId>,
    timer: Option<(f64, u64)>,
    dispatch: &Dispatch,
) -> Html {
    let servers = sim.server_count();
    let view = sim.server_view(id);
    let at = position(id, servers);
    // Words sit above the top server and below the others, clear of the links' ends.
    let above = at.y < CENTRE.y - RING_RADIUS * 0.8;
    let label_at = Point {
        x: at.x,
        y: if above {
            at.y - NODE_RADIUS - 24.0
        } else {
            at.y + NODE_RADIUS + 26.0
        },
    };
    let role_word = if view.up { view.role } else { "down" };
    let voted = view.voted_for.map(server_name);
    let on_click = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::Select(Some(id))))
    };
    let on_key = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" {
                dispatch.dispatch(Action::Select(Some(id)));
            }
        })
    };
    let aria = format!(
        "{}: {role_word}, term {}{}. Select to inspect.",
        server_name(id),
        view.term,
        voted
            .as_ref()
            .map(|v| format!(", voted for {v}"))
            .unwrap_or_default()
    );
    html! {
        <g class={classes!("server", format!("role-{}", view.role), format!("on-{}", term_class(view.term)), (!view.up).then_some("down"),
                           (selected == Some(id)).then_some("selected"))}
           data-node={id.to_string()} data-role={view.role} data-up={view.up.to_string()}
           data-term={view.term.to_string()}
           data-voted-for={view.voted_for.map(|v| v.to_string()).unwrap_or_default()}
           data-commit={view.commit.to_string()} data-applied={view.applied.to_string()}
           data-last-index={view.last_index.to_string()}
           data-snapshot-index={view.snapshot_index.to_string()}
           role="button" tabindex="0" aria-label={aria} onclick={on_click} onkeydown={on_key}>
            { timer_arc(&view, at, timer) }
            { node_body(&view, at) }
            { vote_dots(sim, id, at) }
            <text x={fmt(at.x)} y={fmt(at.y - 4.0)} class="node-name">{ server_name(id) }</text>
            <text x={fmt(at.x)} y={fmt(at.y + 13.0)} class={classes!("node-term")}>{ format!("t{}", view.term) }</text>
            <text x={fmt(label_at.x)} y={fmt(label_at.y - 6.0)} class="node-role">{ role_word }</text>
            <text x={fmt(label_at.x)} y={fmt(label_at.y + 8.0)} class="node-vote">
                { voted.map(|v| format!("voted {v}")).unwrap_or_else(|| "no vote".into()) }
            </text>
        </g>
    }
}

/// Leaders draw as squares, everyone else as circles: the shape tells the role even
/// without colour. A crashed server is greyed out and crossed.
fn node_body(view: &ServerView, at: Point) -> Html {
    if view.up && view.role == "leader" {
        let side = NODE_RADIUS * 1.9;
        return html! {
            <rect class={classes!("body", term_class(view.term))} x={fmt(at.x - side / 2.0)}
                  y={fmt(at.y - side / 2.0)} width={fmt(side)} height={fmt(side)} rx="9" />
        };
    }
    let cross = NODE_RADIUS * 0.62;
    html! {
        <>
            <circle class={classes!("body", term_class(view.term))} cx={fmt(at.x)} cy={fmt(at.y)}
                    r={fmt(NODE_RADIUS)} />
            if !view.up {
                <path class="crash-cross"
                      d={format!("M{} {} L{} {} M{} {} L{} {}",
                          fmt(at.x - cross), fmt(at.y - cross), fmt(at.x + cross), fmt(at.y + cross),
                          fmt(at.x + cross), fmt(at.y - cross), fmt(at.x - cross), fmt(at.y + cross))} />
            }
        </>
    }
}

/// The election timer as an arc that shrinks until the server starts an election.
fn timer_arc(view: &ServerView, at: Point, timer: Option<(f64, u64)>) -> Html {
    let Some((elapsed_ms, timeout_ms)) = timer else {
        return Html::default();
    };
    if view.role == "leader" || timeout_ms == 0 {
        return Html::default();
    }
    let left = 1.0 - (elapsed_ms / timeout_ms as f64).clamp(0.0, 1.0);
    let circumference = std::f64::consts::TAU * TIMER_RADIUS;
    html! {
        <circle class="timer" cx={fmt(at.x)} cy={fmt(at.y)} r={fmt(TIMER_RADIUS)}
                stroke-dasharray={format!("{} {}", fmt(left * circumference), fmt(circumference))}
                transform={format!("rotate(-90 {} {})", fmt(at.x), fmt(at.y))}>
            <title>{ format!("election timer: {:.0} of {timeout_ms} ms left", left * timeout_ms as f64) }</title>
        </circle>
    }
}

/// A candidate's votes: a dot on its edge facing each server that answered, filled
/// when granted, hollow when refused.
fn vote_dots(sim: &Simulation, id: NodeId, at: Point) -> Html {
    let servers = sim.server_count();
    let dots = sim
        .votes_view(id)
        .into_iter()
        .enumerate()
        .filter(|&(peer, _)| peer != id)
        .filter_map(|(peer, answer)| answer.map(|granted| (peer, granted)))
        .map(|(peer, granted)| {
            let dot = at.towards(position(peer, servers), NODE_RADIUS + 9.0);
            html! {
                <circle class={if granted { "vote granted" } else { "vote refused" }}
                        cx={fmt(dot.x)} cy={fmt(dot.y)} r="5">
                    <title>{ format!("{} {} the vote", server_name(peer), if granted { "granted" } else { "refused" }) }</title>
                </circle>
            }
        });
    html! { { for dots } }
}

fn message_dot(flight: &InFlight, servers: usize, shown_ms: f64, dispatch: &Dispatch) -> Html {
    let summary = MessageSummary::of(&flight.message);
    let (from, to) = (position(flight.from, servers), position(flight.to, servers));
    let (start, end) = (from.towards(to, NODE_RADIUS), to.towards(from, NODE_RADIUS));
    let span = (flight.deliver_at - flight.sent_at).max(1) as f64;
    let progress = ((shown_ms - flight.sent_at as f64) / span).clamp(0.0, 1.0);
    let along = start.lerp(end, progress);
    let lane = Point { x: 0.0, y: 0.0 }.towards(
        Point {
            x: start.y - end.y,
            y: end.x - start.x,
        },
        LANE_OFFSET,
    );
    let kind = summary.kind.name();
    let outcome = match (summary.kind.is_request(), summary.ok) {
        (true, _) => "request",
        (false, true) => "reply-ok",
        (false, false) => "reply-refused",
    };
    let id = flight.id;
    let on_click = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: MouseEvent| {
            event.stop_propagation();
            dispatch.dispatch(Action::DropMessage(id));
        })
    };
    let label = summary.to_string();
    html! {
        <g key={id.to_string()} class={classes!("message", format!("kind-{kind}"), outcome)}
           data-msg={id.to_string()} data-kind={kind} data-from={flight.from.to_string()}
           data-to={flight.to.to_string()}
           transform={format!("translate({} {})", fmt(along.x + lane.x), fmt(along.y + lane.y))}
           onclick={on_click} role="button"
           aria-label={format!("{label} from {} to {}; click to drop it", server_name(flight.from), server_name(flight.to))}>
            <title>{ format!("#{id} {} → {}: {}\nsent at {} ms, arrives at {} ms — click to drop",
                server_name(flight.from), server_name(flight.to), flight.describe(), flight.sent_at, flight.deliver_at) }</title>
            <circle r="7" />
            <text x="10" y="3">{ label }</text>
        </g>
    }
}

#[derive(Properties, PartialEq)]
struct LinkLineProps {
    a: NodeId,
    b: NodeId,
    servers: usize,
    cut: LinkCut,
    dispatch: Dispatch,
}

/// A click cuts or heals both directions; a Shift/Alt-click cycles through the one-way
/// cuts; a tap, a right click or Enter opens a menu with every choice.
#[function_component(LinkLine)]
fn link_line(props: &LinkLineProps) -> Html {
    let LinkLineProps {
        a, b, servers, cut, ..
    } = *props;
    let (pa, pb) = (position(a, servers), position(b, servers));
    let (start, end) = (
        pa.towards(pb, NODE_RADIUS + 4.0),
        pb.towards(pa, NODE_RADIUS + 4.0),
    );
    let middle = start.lerp(end, 0.5);
    let on_click = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: MouseEvent| {
            let touched = event
                .dyn_ref::<web_sys::PointerEvent>()
                .is_some_and(|pointer| pointer.pointer_type() == "touch");
            let action = if touched {
                Action::OpenLinkMenu(Some((a, b)))
            } else if event.shift_key() || event.alt_key() {
                let next = match cut {
                    LinkCut::Forward => LinkCut::Backward,
                    LinkCut::Backward => LinkCut::None,
                    LinkCut::None | LinkCut::Both => LinkCut::Forward,
                };
                Action::SetLink(a, b, next)
            } else if cut == LinkCut::None {
                Action::SetLink(a, b, LinkCut::Both)
            } else {
                Action::SetLink(a, b, LinkCut::None)
            };
            dispatch.dispatch(action);
        })
    };
    let on_menu = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: MouseEvent| {
            event.prevent_default();
            dispatch.dispatch(Action::OpenLinkMenu(Some((a, b))));
        })
    };
    let on_key = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" {
                dispatch.dispatch(Action::OpenLinkMenu(Some((a, b))));
            }
        })
    };
    let (marker_start, marker_end) = match cut {
        LinkCut::Forward => (None, Some("url(#arrow-cut)")),
        LinkCut::Backward => (Some("url(#arrow-cut)"), None),
        LinkCut::None | LinkCut::Both => (None, None),
    };
    let d = format!(
        "M{} {} L{} {}",
        fmt(start.x),
        fmt(start.y),
        fmt(end.x),
        fmt(end.y)
    );
    // The target for clicks and taps is a band around the line, as a filled shape: a
    // stroke alone would give a level line a zero-height box.
    let side = Point { x: 0.0, y: 0.0 }.towards(
        Point {
            x: start.y - end.y,
            y: end.x - start.x,
        },
        LINK_HIT_HALF_WIDTH,
    );
    let band = [(start, 1.0), (end, 1.0), (end, -1.0), (start, -1.0)]
        .map(|(p, sign)| format!("{},{}", fmt(p.x + side.x * sign), fmt(p.y + side.y * sign)))
        .join(" ");
    html! {
        <g class={classes!("link", format!("cut-{}", cut.name()))}
           data-link={format!("{a}-{b}")} data-cut={cut.name()} role="button" tabindex="0"
           aria-label={format!("Link {}–{}: {}. Click to cut or heal both ways, Shift-click to cut one way, Enter for a menu.",
               server_name(a), server_name(b), describe_cut(a, b, cut))}
           onclick={on_click} oncontextmenu={on_menu} onkeydown={on_key}>
            <title>{ describe_cut(a, b, cut) }</title>
            <polygon class="link-hit" points={band} />
            <path class="link-line" {d} marker-start={marker_start} marker-end={marker_end} />
            if cut != LinkCut::None {
                <text class="cut-mark" x={fmt(middle.x)} y={fmt(middle.y + 5.0)}>{ "✕" }</text>
            }
        </g>
    }
}

fn describe_cut(a: NodeId, b: NodeId, cut: LinkCut) -> String {
    let (na, nb) = (server_name(a), server_name(b));
    match cut {
        LinkCut::None => "working both ways".into(),
        LinkCut::Forward => format!("{na}→{nb} cut, {nb}→{na} works"),
        LinkCut::Backward => format!("{nb}→{na} cut, {na}→{nb} works"),
        LinkCut::Both => "cut both ways".into(),
    }
}

#[derive(Properties, PartialEq)]
struct LinkMenuProps {
    a: NodeId,
    b: NodeId,
    servers: usize,
    cut: LinkCut,
    dispatch: Dispatch,
}

/// Every way to set one link, as large buttons: the touch and keyboard path.
#[function_component(LinkMenu)]
fn link_menu(props: &LinkMenuProps) -> Html {
    let LinkMenuProps {
        a, b, servers, cut, ..
    } = *props;
    let middle = position(a, servers).lerp(position(b, servers), 0.5);
    let (na, nb) = (server_name(a), server_name(b));
    let choice = |target: LinkCut, text: String| {
        let dispatch = props.dispatch.clone();
        let onclick =
            Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::SetLink(a, b, target)));
        html! {
            <button role="menuitemradio" aria-checked={(cut == target).to_string()}
                    data-link-choice={target.name()} {onclick}>{ text }</button>
        }
    };
    let close = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::OpenLinkMenu(None)))
    };
    html! {
        <div class="link-menu" role="menu" aria-label={format!("Link {na}–{nb}")}
             style={format!("left: {:.1}%; top: {:.1}%", middle.x / WIDTH * 100.0, middle.y / HEIGHT * 100.0)}>
            <strong>{ format!("Link {na}–{nb}") }</strong>
            { choice(LinkCut::Both, "Cut both ways".into()) }
            { choice(LinkCut::Forward, format!("Cut {na} → {nb} only")) }
            { choice(LinkCut::Backward, format!("Cut {nb} → {na} only")) }
            { choice(LinkCut::None, "Heal".into()) }
            <button class="close" aria-label="Close the link menu" onclick={close}>{ "Close" }</button>
        </div>
    }
}

/// SVG coordinates with one decimal: enough for the eye, short in the DOM.
fn fmt(value: f64) -> String {
    format!("{value:.1}")
}
