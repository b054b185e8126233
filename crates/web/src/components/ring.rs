//! The cluster drawn as a ring (SVG): a node per server, a line per pair of servers,
//! and a dot per message in flight gliding from sender to receiver in virtual time.

use raftviz_sim::decimal::fixed;
use raftviz_sim::{
    ConfChange, ConfigurationView, InFlight, LinkCut, MessageSummary, ServerView, Simulation,
};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::browser_math;
use crate::i18n::{use_lang, Lang, T};
use crate::names::{configuration_name, ids_name, member_word, role_name, server_name, term_class};
use crate::state::{Action, Dispatch, NodeId, SimHandle};

/// The drawing's coordinate system is centred on the ring; the SVG's viewBox is fitted
/// around whatever the layout draws (see [`Layout`]), and the SVG scales to its box.
const CENTRE: Point = Point { x: 0.0, y: 0.0 };
/// The ring of five; larger clusters get a larger ring so neighbours' labels keep apart.
const RING_RADIUS: f64 = 160.0;
const NODE_RADIUS: f64 = 30.0;
const TIMER_RADIUS: f64 = 37.0;
/// Messages keep to the right of their line, so the two directions never overlap.
const LANE_OFFSET: f64 = 6.0;
/// Font sizes in drawing units, as style.css sets them (`.node-role`, `.node-vote`).
const ROLE_FONT: f64 = 17.0;
const VOTE_FONT: f64 = 16.0;
/// Widest glyph advance of the bold label font, as a share of its size: generous, so
/// a label's estimated box always holds the real one.
const GLYPH_WIDTH: f64 = 0.66;
/// Room around the drawing, in drawing units.
const MARGIN: f64 = 8.0;
/// Half the width of the band around a link that takes clicks.
const LINK_BAND_HALF_WIDTH: f64 = 9.0;
/// The gap between a node's timer arc and its labels.
const LABEL_GAP: f64 = 6.0;
/// A message's label, as style.css draws it (`.message text`, monospace): its size
/// and advance in drawing units, and its gap from the dot.
const MESSAGE_FONT: f64 = 16.0;
const MONO_ADVANCE: f64 = 0.62;
const MESSAGE_LABEL_GAP: f64 = 11.0;
const MESSAGE_RADIUS: f64 = 7.0;
/// The configuration line under a server's labels (`.node-config`): as large as the
/// vote's, the smallest that presentation mode scales to its minimum.
const CONFIG_FONT: f64 = VOTE_FONT;

/// Where everything sits for a cluster of `servers`, and the viewBox that holds it all.
struct Layout {
    servers: usize,
    radius: f64,
    /// Each server's configuration, written under its labels once the membership has
    /// changed (before, every server uses the starting one and the line says nothing).
    configurations: Vec<String>,
}

impl Layout {
    fn new(sim: &Simulation, lang: Lang) -> Layout {
        let servers = sim.server_count();
        // Neighbours stay at least the five-server chord apart.
        let five = 2.0 * RING_RADIUS * browser_math::sin(std::f64::consts::PI / 5.0);
        let fit = five / (2.0 * browser_math::sin(std::f64::consts::PI / servers.max(3) as f64));
        let configurations = if sim.membership_changed() {
            (0..servers)
                .map(|id| {
                    let (configuration, index) = sim.configuration_of(id);
                    let view = ConfigurationView::of(&configuration, index);
                    lang.fill(T::ConfigShort, &[&configuration_name(&view)])
                })
                .collect()
        } else {
            Vec::new()
        };
        Layout {
            servers,
            radius: RING_RADIUS.max(fit),
            configurations,
        }
    }

    /// Around the ring from the top; a lone server sits in the middle, two side by side.
    fn position(&self, id: NodeId) -> Point {
        let (first, radius) = match self.servers {
            1 => (0.0, 0.0),
            2 => (std::f64::consts::PI, self.radius),
            _ => (-std::f64::consts::FRAC_PI_2, self.radius),
        };
        let angle = first + id as f64 * std::f64::consts::TAU / self.servers as f64;
        Point {
            x: CENTRE.x + radius * browser_math::cos(angle),
            y: CENTRE.y + radius * browser_math::sin(angle),
        }
    }

    /// Labels sit above the servers of the upper half and below the rest, clear of the
    /// timer arc; returns the baselines of the role, vote and configuration lines (the
    /// configuration furthest out).
    fn label_baselines(&self, id: NodeId) -> (f64, f64, f64) {
        let at = self.position(id);
        if at.y < CENTRE.y - 1.0 {
            let vote = at.y - TIMER_RADIUS - LABEL_GAP - VOTE_FONT * 0.25;
            let role = vote - VOTE_FONT * 1.15;
            (role, vote, role - ROLE_FONT * 1.1)
        } else {
            let role = at.y + TIMER_RADIUS + LABEL_GAP + ROLE_FONT * 0.8;
            let vote = role + VOTE_FONT * 1.15;
            (role, vote, vote + CONFIG_FONT * 1.15)
        }
    }

    /// The viewBox: every node, timer arc and label of the longest possible words
    /// ("precandidate", "voted S9") inside, with a margin.
    fn view_box(&self) -> String {
        let frame = self.frame();
        format!(
            "{} {} {} {}",
            fmt(frame.left),
            fmt(frame.top),
            fmt(frame.width),
            fmt(frame.height)
        )
    }

    fn frame(&self) -> Frame {
        let role_half = ROLE_FONT * GLYPH_WIDTH * "precandidate".len() as f64 / 2.0;
        let vote_half = VOTE_FONT * GLYPH_WIDTH * "voted S9".len() as f64 / 2.0;
        let (mut left, mut top, mut right, mut bottom) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        for id in 0..self.servers {
            let at = self.position(id);
            let (role, vote, config) = self.label_baselines(id);
            let (mut lines_top, mut lines_bottom) = (role.min(vote), role.max(vote));
            let mut half_width = TIMER_RADIUS.max(role_half).max(vote_half);
            if let Some(text) = self.configurations.get(id) {
                lines_top = lines_top.min(config);
                lines_bottom = lines_bottom.max(config);
                half_width =
                    half_width.max(CONFIG_FONT * GLYPH_WIDTH * text.chars().count() as f64 / 2.0);
            }
            let label_top = lines_top - ROLE_FONT;
            let label_bottom = lines_bottom + VOTE_FONT * 0.3;
            left = left.min(at.x - half_width);
            right = right.max(at.x + half_width);
            top = top.min(label_top).min(at.y - TIMER_RADIUS);
            bottom = bottom.max(label_bottom).max(at.y + TIMER_RADIUS);
        }
        Frame {
            left: left - MARGIN,
            top: top - MARGIN,
            width: right - left + 2.0 * MARGIN,
            height: bottom - top + 2.0 * MARGIN,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
struct Point {
    x: f64,
    y: f64,
}

impl Point {
    fn towards(self, other: Point, distance: f64) -> Point {
        let (dx, dy) = (other.x - self.x, other.y - self.y);
        // A square root is one wasm instruction; `hypot` would be a libm call.
        let length = (dx * dx + dy * dy).sqrt().max(f64::EPSILON);
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
    pub selected_message: Option<u64>,
    pub link_menu: Option<(NodeId, NodeId)>,
    pub server_menu: Option<NodeId>,
    /// In presentation mode a click on a server opens its menu, as a tap does.
    pub presenting: bool,
    pub dispatch: Dispatch,
}

#[function_component(ServerRing)]
pub fn server_ring(props: &ServerRingProps) -> Html {
    let lang = use_lang();
    let sim = props.sim.borrow();
    let servers = sim.server_count();
    let layout = Layout::new(&sim, lang);
    let pairs = (0..servers).flat_map(|a| (a + 1..servers).map(move |b| (a, b)));
    let links = pairs.map(|(a, b)| {
        html! { <LinkLine key={format!("{a}-{b}")} {a} {b} ends={(layout.position(a), layout.position(b))} cut={sim.link(a, b)}
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
        server_node(&sim, &layout, id, props, timer, lang)
    });
    let frame = layout.frame();
    // Labels are placed one by one where no server, dot or earlier label is (the
    // selected message's first), so words never sit on words; the room is kept
    // between frames so placing them allocates nothing.
    let label_room = use_mut_ref(LabelRoom::default);
    let mut room = label_room.borrow_mut();
    room.clear();
    for id in 0..servers {
        room.take(Rect::around(layout.position(id), TIMER_RADIUS));
    }
    for flight in sim.in_flight() {
        room.take(Rect::around(
            message_at(flight, &layout, props.shown_ms),
            MESSAGE_RADIUS,
        ));
    }
    let selected_first = sim
        .in_flight()
        .filter(|flight| Some(flight.id) == props.selected_message)
        .chain(
            sim.in_flight()
                .filter(|flight| Some(flight.id) != props.selected_message),
        );
    for flight in selected_first {
        let at = message_at(flight, &layout, props.shown_ms);
        let label = MessageSummary::of(&flight.message).to_string();
        room.place(flight.id, at, &label, &frame);
    }
    let messages = sim.in_flight().map(|flight| {
        message_dot(
            flight,
            message_at(flight, &layout, props.shown_ms),
            room.place_of(flight.id),
            props.selected_message,
            &props.dispatch,
            lang,
        )
    });
    let view_box = layout.view_box();
    let cluster = sim.cluster_configuration_view();
    let menu = props.link_menu.map(|(a, b)| {
        let middle = layout.position(a).lerp(layout.position(b), 0.5);
        html! { <LinkMenu {a} {b} at={frame.percent(middle)} cut={sim.link(a, b)} dispatch={props.dispatch.clone()} /> }
    });
    let server_menu = props.server_menu.filter(|&id| id < servers).map(|id| {
        let at = layout.position(id);
        // Beside the server, on the side towards the ring's centre, so it stays in view.
        let side = if at.x > CENTRE.x + 1.0 { "left" } else { "right" };
        let member = sim.membership_of(id).name();
        html! { <ServerMenu {id} up={sim.is_up(id)} {member} at={frame.percent(at)} {side} dispatch={props.dispatch.clone()} /> }
    });
    html! {
        <div class="ring">
            <svg viewBox={view_box} role="group" data-ring=""
                 aria-label={lang.t(T::RingLabel)}>
                <defs>
                    // Arrowheads for one-way cuts point the way messages are lost.
                    <marker id="arrow-cut" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"
                            markerHeight="7" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
                    </marker>
                </defs>
                { joint_hulls(&cluster, &layout) }
                <g class="links">{ for links }</g>
                <g class="nodes">{ for nodes }</g>
                <g class="labels">{ for (0..servers).map(|id| server_labels(&sim, &layout, id, lang)) }</g>
                <g class="messages">{ for messages }</g>
            </svg>
            // One node each, open or not: Yew flattens an Option into its parent's
            // children and matches them from the end, so a menu coming or going would
            // otherwise rebuild the drawing before it (and drop the focus).
            { menu.unwrap_or_default() }
            { server_menu.unwrap_or_default() }
            { joint_quorums(&cluster, lang) }
            { legend(lang) }
        </div>
    }
}

/// The viewBox's origin and size: to place HTML menus over points of the drawing, and
/// to keep message labels inside it.
#[derive(Clone, Copy)]
struct Frame {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

impl Frame {
    /// A point of the drawing as percentages of the ring's box.
    fn percent(self, at: Point) -> (f64, f64) {
        (
            (at.x - self.left) / self.width * 100.0,
            (at.y - self.top) / self.height * 100.0,
        )
    }
}

/// A joint configuration as two overlapping groups: a halo around C_old's servers and
/// one around C_new's.
fn joint_hulls(configuration: &ConfigurationView, layout: &Layout) -> Html {
    if !configuration.is_joint() {
        return Html::default();
    }
    let hull = |ids: &[NodeId], class: &'static str| {
        let mut d = String::new();
        for (n, &id) in ids.iter().enumerate() {
            let at = layout.position(id);
            d.push_str(&format!(
                "{}{} {}",
                if n == 0 { 'M' } else { 'L' },
                fmt(at.x),
                fmt(at.y)
            ));
        }
        d.push('Z');
        html! { <path class={classes!("hull", class)} {d} /> }
    };
    html! {
        <g class="hulls" aria-hidden="true">
            { hull(&configuration.outgoing, "hull-old") }
            { hull(&configuration.voters, "hull-new") }
        </g>
    }
}

/// Both majorities a joint configuration needs, keyed to the two halos.
fn joint_quorums(configuration: &ConfigurationView, lang: Lang) -> Html {
    if !configuration.is_joint() {
        return Html::default();
    }
    let quorum = |name: &'static str, ids: &[NodeId]| {
        lang.fill(
            T::QuorumNeeds,
            &[&name, &ids_name(ids), &(ids.len() / 2 + 1), &ids.len()],
        )
    };
    html! {
        <p class="joint-quorums" data-joint="">
            <span class="hull-old">{ quorum("C_old", &configuration.outgoing) }</span>
            <span class="hull-new">{ quorum("C_new", &configuration.voters) }</span>
        </p>
    }
}

/// What the shapes and colours mean, for someone seeing Raft for the first time.
fn legend(lang: Lang) -> Html {
    let dot = |class: &'static str, text: &'static str| {
        html! { <li><span class={classes!("swatch", class)}></span>{ text }</li> }
    };
    html! {
        <ul class="ring-legend" aria-label={lang.t(T::Legend)}>
            <li>{ lang.t(T::LegendShapes) }</li>
            { dot("kind-AppendEntries", lang.t(T::LegendAppendEntries)) }
            { dot("kind-RequestVote", "RequestVote") }
            { dot("kind-PreVote", "PreVote") }
            { dot("reply-ok", lang.t(T::ReplyYes)) }
            { dot("reply-refused", lang.t(T::ReplyNo)) }
        </ul>
    }
}

fn server_node(
    sim: &Simulation,
    layout: &Layout,
    id: NodeId,
    props: &ServerRingProps,
    timer: Option<(f64, u64)>,
    lang: Lang,
) -> Html {
    let view = sim.server_view(id);
    let at = layout.position(id);
    let role_word = role_name(lang, &view);
    let voted = view.voted_for.map(server_name);
    let presenting = props.presenting;
    let on_click = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: MouseEvent| {
            let touched = event
                .dyn_ref::<web_sys::PointerEvent>()
                .is_some_and(|pointer| pointer.pointer_type() == "touch");
            if touched || presenting || narrow_screen() {
                dispatch.dispatch(Action::OpenServerMenu(Some(id)));
            } else {
                dispatch.dispatch(Action::Select(Some(id)));
            }
        })
    };
    let on_key = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" || event.key() == " " {
                event.prevent_default();
                dispatch.dispatch(Action::OpenServerMenu(Some(id)));
            }
        })
    };
    let vote = match &voted {
        Some(v) => lang.fill(T::VotedForLong, &[v]),
        None => lang.t(T::NoVote).to_owned(),
    };
    let commit = if view.up {
        lang.fill(T::CommitIndexPart, &[&view.commit])
    } else {
        String::new()
    };
    let mut aria = lang.fill(
        T::ServerAria,
        &[
            &server_name(id),
            &role_word,
            &view.term,
            &vote,
            &view.last_index,
            &commit,
        ],
    );
    aria.push_str(&lang.fill(
        T::ServerMembership,
        &[
            &member_word(lang, view.member),
            &configuration_name(&view.configuration),
        ],
    ));
    html! {
        <g class={classes!("server", format!("role-{}", view.role), format!("on-{}", term_class(view.term)), (!view.up).then_some("down"),
                           format!("member-{}", view.member), (props.selected == Some(id)).then_some("selected"))}
           data-node={id.to_string()} data-role={view.role} data-up={view.up.to_string()}
           data-member={view.member} data-config={view.configuration.data_config()}
           data-term={view.term.to_string()}
           data-voted-for={view.voted_for.map(|v| v.to_string()).unwrap_or_default()}
           data-commit={view.commit.to_string()} data-applied={view.applied.to_string()}
           data-last-index={view.last_index.to_string()}
           data-snapshot-index={view.snapshot_index.to_string()}
           role="button" tabindex="0" aria-label={aria} aria-haspopup="menu"
           aria-expanded={(props.server_menu == Some(id)).to_string()}
           onclick={on_click} onkeydown={on_key}>
            // A target as wide as the timer arc: 44 px and more on a phone.
            <circle class="server-hit" cx={fmt(at.x)} cy={fmt(at.y)} r={fmt(TIMER_RADIUS + 2.0)} />
            { timer_arc(&view, at, timer, lang) }
            { node_body(&view, at) }
            { vote_dots(sim, layout, id, at) }
        </g>
    }
}

/// A server's words (name, term, role, vote), drawn over it for the eye; its
/// accessible name already says them as a sentence, so they stay out of its button.
fn server_labels(sim: &Simulation, layout: &Layout, id: NodeId, lang: Lang) -> Html {
    let view = sim.server_view(id);
    let at = layout.position(id);
    let (role_y, vote_y, config_y) = layout.label_baselines(id);
    let role_word = role_name(lang, &view);
    html! {
        <g class={classes!("server-labels", format!("role-{}", view.role), (!view.up).then_some("down"), format!("member-{}", view.member))}
           data-labels={id.to_string()} aria-hidden="true">
            <text x={fmt(at.x)} y={fmt(at.y - 2.0)} class="node-name">{ server_name(id) }</text>
            <text x={fmt(at.x)} y={fmt(at.y + 18.0)} class="node-term">{ format!("t{}", view.term) }</text>
            <text x={fmt(at.x)} y={fmt(role_y)} class="node-role">{ role_word }</text>
            <text x={fmt(at.x)} y={fmt(vote_y)} class="node-vote">
                { view.voted_for.map(|v| lang.fill(T::VotedShort, &[&server_name(v)])).unwrap_or_else(|| lang.t(T::NoVote).to_owned()) }
            </text>
            if let Some(configuration) = layout.configurations.get(id) {
                <text x={fmt(at.x)} y={fmt(config_y)} class="node-config">{ configuration }</text>
            }
        </g>
    }
}

/// The narrow (phone) layout of style.css, where a tap opens a server's actions.
fn narrow_screen() -> bool {
    web_sys::window()
        .and_then(|window| window.match_media("(max-width: 900px)").ok().flatten())
        .is_some_and(|query| query.matches())
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
fn timer_arc(view: &ServerView, at: Point, timer: Option<(f64, u64)>, lang: Lang) -> Html {
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
            <title>{ lang.fill(T::TimerTitle, &[&fixed(left * timeout_ms as f64, 0), &timeout_ms]) }</title>
        </circle>
    }
}

/// A candidate's votes: a dot on its edge facing each server that answered, filled
/// when granted, hollow when refused.
fn vote_dots(sim: &Simulation, layout: &Layout, id: NodeId, at: Point) -> Html {
    let dots = sim
        .votes_view(id)
        .into_iter()
        .enumerate()
        .filter(|&(peer, _)| peer != id)
        .filter_map(|(peer, answer)| answer.map(|granted| (peer, granted)))
        .map(|(peer, granted)| {
            let dot = at.towards(layout.position(peer), NODE_RADIUS + 9.0);
            html! {
                <circle class={if granted { "vote granted" } else { "vote refused" }}
                        cx={fmt(dot.x)} cy={fmt(dot.y)} r="5">
                    <title>{ format!("{} {} the vote", server_name(peer), if granted { "granted" } else { "refused" }) }</title>
                </circle>
            }
        });
    html! { { for dots } }
}

/// Where a message in flight is drawn at `shown_ms`: along its line, in its lane.
fn message_at(flight: &InFlight, layout: &Layout, shown_ms: f64) -> Point {
    let (from, to) = (layout.position(flight.from), layout.position(flight.to));
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
    Point {
        x: along.x + lane.x,
        y: along.y + lane.y,
    }
}

/// A box in drawing units.
#[derive(Clone, Copy)]
struct Rect {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

impl Rect {
    fn around(at: Point, radius: f64) -> Rect {
        Rect {
            left: at.x - radius,
            top: at.y - radius,
            right: at.x + radius,
            bottom: at.y + radius,
        }
    }

    fn overlaps(&self, other: &Rect) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }

    fn inside(&self, frame: &Frame) -> bool {
        self.left >= frame.left
            && self.top >= frame.top
            && self.right <= frame.left + frame.width
            && self.bottom <= frame.top + frame.height
    }
}

/// Where a message's words sit beside its dot; nowhere when every place is taken
/// (the dot still names it, and a click shows all of it).
#[derive(Clone, Copy, PartialEq)]
enum LabelPlace {
    Right,
    Left,
    Above,
    Below,
    Hidden,
}

impl LabelPlace {
    /// The label's box for a dot at `at`, and its text's x, baseline and anchor
    /// relative to the dot.
    fn layout(self, at: Point, width: f64) -> (Rect, f64, f64, &'static str) {
        let (ascent, descent) = (MESSAGE_FONT * 0.75, MESSAGE_FONT * 0.25);
        let (x, baseline, anchor, left) = match self {
            LabelPlace::Right => (MESSAGE_LABEL_GAP, 5.0, "start", MESSAGE_LABEL_GAP),
            LabelPlace::Left => (-MESSAGE_LABEL_GAP, 5.0, "end", -MESSAGE_LABEL_GAP - width),
            LabelPlace::Above => (0.0, -MESSAGE_LABEL_GAP, "middle", -width / 2.0),
            LabelPlace::Below => (0.0, MESSAGE_LABEL_GAP + ascent, "middle", -width / 2.0),
            LabelPlace::Hidden => (0.0, 0.0, "start", 0.0),
        };
        let rect = Rect {
            left: at.x + left,
            top: at.y + baseline - ascent,
            right: at.x + left + width,
            bottom: at.y + baseline + descent,
        };
        (rect, x, baseline, anchor)
    }
}

/// What the drawing already holds, for placing the next message label, and where
/// each message's label went.
#[derive(Default)]
struct LabelRoom {
    taken: Vec<Rect>,
    placed: Vec<(u64, LabelPlace)>,
}

impl LabelRoom {
    fn clear(&mut self) {
        self.taken.clear();
        self.placed.clear();
    }

    fn place_of(&self, id: u64) -> LabelPlace {
        self.placed
            .iter()
            .find(|(placed, _)| *placed == id)
            .map_or(LabelPlace::Hidden, |&(_, place)| place)
    }

    fn take(&mut self, rect: Rect) {
        self.taken.push(rect);
    }

    /// The first free place for `label` beside a dot at `at`: towards the ring's
    /// centre first (away from the edge), then above, below, and the other side.
    fn place(&mut self, id: u64, at: Point, label: &str, frame: &Frame) {
        let width = label.chars().count() as f64 * MESSAGE_FONT * MONO_ADVANCE;
        let (inward, outward) = if at.x > CENTRE.x {
            (LabelPlace::Left, LabelPlace::Right)
        } else {
            (LabelPlace::Right, LabelPlace::Left)
        };
        let free = [inward, LabelPlace::Above, LabelPlace::Below, outward]
            .into_iter()
            .map(|place| (place, place.layout(at, width).0))
            .find(|(_, rect)| {
                rect.inside(frame) && !self.taken.iter().any(|taken| taken.overlaps(rect))
            });
        let place = match free {
            Some((place, rect)) => {
                self.take(rect);
                place
            }
            None => LabelPlace::Hidden,
        };
        self.placed.push((id, place));
    }
}

fn message_dot(
    flight: &InFlight,
    at: Point,
    place: LabelPlace,
    selected: Option<u64>,
    dispatch: &Dispatch,
    lang: Lang,
) -> Html {
    let summary = MessageSummary::of(&flight.message);
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
            dispatch.dispatch(Action::SelectMessage(Some(id)));
        })
    };
    let label = summary.to_string();
    let (_, label_x, label_y, anchor) = place.layout(at, 0.0);
    let is_selected = selected == Some(id);
    html! {
        <g key={id.to_string()} class={classes!("message", format!("kind-{kind}"), outcome, is_selected.then_some("selected"))}
           data-msg={id.to_string()} data-kind={kind} data-from={flight.from.to_string()}
           data-to={flight.to.to_string()} data-selected={is_selected.to_string()}
           transform={format!("translate({} {})", fmt(at.x), fmt(at.y))}
           onclick={on_click} role="button" aria-pressed={is_selected.to_string()}
           aria-label={lang.fill(T::MessageAria, &[&kind, &label, &server_name(flight.from), &server_name(flight.to)])}>
            <title>{ lang.fill(T::MessageTitle, &[&id, &server_name(flight.from), &server_name(flight.to), &flight.describe(), &flight.sent_at, &flight.deliver_at]) }</title>
            // An invisible ring whose stroke keeps a screen size: the hit area stays at
            // least 12 px across however small the drawing is scaled.
            <circle class="message-hit" r={fmt(MESSAGE_RADIUS)} />
            <circle class="message-dot" r={fmt(MESSAGE_RADIUS)} />
            if place != LabelPlace::Hidden {
                <text x={fmt(label_x)} y={fmt(label_y)} text-anchor={anchor}>{ label }</text>
            }
        </g>
    }
}

#[derive(Properties, PartialEq)]
struct LinkLineProps {
    a: NodeId,
    b: NodeId,
    /// Where the two servers sit.
    ends: (Point, Point),
    cut: LinkCut,
    dispatch: Dispatch,
}

/// A click cuts or heals both directions; a Shift/Alt-click cycles through the one-way
/// cuts; a tap, a right click or Enter opens a menu with every choice.
#[function_component(LinkLine)]
fn link_line(props: &LinkLineProps) -> Html {
    let lang = use_lang();
    let LinkLineProps {
        a, b, ends, cut, ..
    } = *props;
    let (pa, pb) = ends;
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
            if event.key() == "Enter" || event.key() == " " {
                event.prevent_default();
                dispatch.dispatch(Action::OpenLinkMenu(Some((a, b))));
            }
        })
    };
    let side = Point { x: 0.0, y: 0.0 }.towards(
        Point {
            x: start.y - end.y,
            y: end.x - start.x,
        },
        LINK_BAND_HALF_WIDTH,
    );
    let band = [(start, 1.0), (end, 1.0), (end, -1.0), (start, -1.0)]
        .map(|(p, sign)| format!("{},{}", fmt(p.x + side.x * sign), fmt(p.y + side.y * sign)))
        .join(" ");
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

    html! {
        <g class={classes!("link", format!("cut-{}", cut.name()))}
           data-link={format!("{a}-{b}")} data-cut={cut.name()} role="button" tabindex="0"
           aria-label={lang.fill(T::LinkAria, &[&server_name(a), &server_name(b), &describe_cut(lang, a, b, cut)])}
           aria-haspopup="menu" onclick={on_click} oncontextmenu={on_menu} onkeydown={on_key}>
            <title>{ describe_cut(lang, a, b, cut) }</title>
            // The target for clicks and taps: a band around the line (a filled shape,
            // so even a level line has a box), widened on phones by a transparent
            // stroke that keeps its screen width (style.css).
            <polygon class="link-band" points={band} />
            <path class="link-hit" d={d.clone()} />
            <path class="link-line" {d} marker-start={marker_start} marker-end={marker_end} />
            if cut != LinkCut::None {
                <text class="cut-mark" x={fmt(middle.x)} y={fmt(middle.y + 5.0)}>{ "✕" }</text>
            }
        </g>
    }
}

fn describe_cut(lang: Lang, a: NodeId, b: NodeId, cut: LinkCut) -> String {
    let (na, nb) = (server_name(a), server_name(b));
    match cut {
        LinkCut::None => lang.t(T::LinkWorks).into(),
        LinkCut::Forward => lang.fill(T::LinkOneWay, &[&na, &nb]),
        LinkCut::Backward => lang.fill(T::LinkOneWay, &[&nb, &na]),
        LinkCut::Both => lang.t(T::LinkCutBoth).into(),
    }
}

#[derive(Properties, PartialEq)]
struct LinkMenuProps {
    a: NodeId,
    b: NodeId,
    /// Where the menu sits, in percent of the ring's box.
    at: (f64, f64),
    cut: LinkCut,
    dispatch: Dispatch,
}

/// Every way to set one link, as large buttons: the touch and keyboard path.
#[function_component(LinkMenu)]
fn link_menu(props: &LinkMenuProps) -> Html {
    let lang = use_lang();
    let LinkMenuProps { a, b, at, cut, .. } = *props;
    let opener = format!("[data-link=\"{a}-{b}\"]");
    let menu = use_menu_focus();
    let (na, nb) = (server_name(a), server_name(b));
    let choice = |target: LinkCut, text: String| {
        let dispatch = props.dispatch.clone();
        let opener = opener.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            dispatch.dispatch(Action::SetLink(a, b, target));
            focus_opener(&opener);
        });
        html! {
            <button role="menuitemradio" aria-checked={(cut == target).to_string()}
                    data-link-choice={target.name()} {onclick}>{ text }</button>
        }
    };
    let close = close_button(
        props.dispatch.clone(),
        Action::OpenLinkMenu(None),
        opener.clone(),
    );
    html! {
        <div class="link-menu" role="menu" aria-label={lang.fill(T::LinkName, &[&na, &nb])} ref={menu}
             onkeydown={escape_closes(props.dispatch.clone(), Action::OpenLinkMenu(None), opener.clone())}
             style={format!("left: {}%; top: {}%", fmt(at.0), fmt(at.1))}>
            <strong>{ lang.fill(T::LinkName, &[&na, &nb]) }</strong>
            { choice(LinkCut::Both, lang.t(T::CutBothWays).into()) }
            { choice(LinkCut::Forward, lang.fill(T::CutOneWay, &[&na, &nb])) }
            { choice(LinkCut::Backward, lang.fill(T::CutOneWay, &[&nb, &na])) }
            { choice(LinkCut::None, lang.t(T::Heal).into()) }
            <button role="menuitem" class="close" onclick={close}>{ lang.t(T::Close) }</button>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ServerMenuProps {
    id: NodeId,
    up: bool,
    /// voter, learner or removed: what Remove and Promote offer.
    member: &'static str,
    /// The server's place, in percent of the ring's box.
    at: (f64, f64),
    /// Which side of the server the menu opens on.
    side: &'static str,
    dispatch: Dispatch,
}

/// A server's actions next to it (the touch and keyboard path): crash or restart, time
/// out, a client request; the server stays in view beside the menu.
#[function_component(ServerMenu)]
fn server_menu(props: &ServerMenuProps) -> Html {
    let lang = use_lang();
    let ServerMenuProps {
        id,
        up,
        member,
        at,
        side,
        ..
    } = *props;
    let opener = format!("[data-node=\"{id}\"]");
    let menu = use_menu_focus();
    let name = server_name(id);
    let item = |action: &'static str, text: String, enabled: bool, act: Action| {
        let dispatch = props.dispatch.clone();
        let opener = opener.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            dispatch.dispatch(act.clone());
            dispatch.dispatch(Action::OpenServerMenu(None));
            focus_opener(&opener);
        });
        html! {
            <button role="menuitem" data-action={action} data-target={id.to_string()}
                    disabled={!enabled} {onclick}>{ text }</button>
        }
    };
    let close = close_button(
        props.dispatch.clone(),
        Action::OpenServerMenu(None),
        opener.clone(),
    );
    html! {
        <div class={classes!("server-menu", format!("open-{side}"))} role="menu" ref={menu}
             onkeydown={escape_closes(props.dispatch.clone(), Action::OpenServerMenu(None), opener.clone())}
             aria-label={lang.fill(T::ServerActions, &[&name])} data-server-menu={id.to_string()}
             style={format!("left: {}%; top: {}%", fmt(at.0), fmt(at.1))}>
            <strong>{ name.clone() }</strong>
            if up {
                { item("crash", lang.fill(T::CrashServer, &[&name]), true, Action::Crash(id)) }
            } else {
                { item("restart", lang.fill(T::RestartServer, &[&name]), true, Action::Restart(id)) }
            }
            { item("timeout", lang.t(T::TimeOut).into(), up, Action::Timeout(id)) }
            { item("request", lang.t(T::ClientRequest).into(), up, Action::Request(Some(id))) }
            if member != "removed" {
                { item("remove", lang.fill(T::RemoveServer, &[&name]), true, Action::Change(ConfChange::Remove(id))) }
            }
            if member == "learner" {
                { item("promote", lang.fill(T::PromoteServer, &[&name]), true, Action::Change(ConfChange::AddVoter(id))) }
            }
            <button role="menuitem" class="close" onclick={close}>{ lang.t(T::Close) }</button>
        </div>
    }
}

/// A menu takes the focus on its first item when it opens.
#[hook]
fn use_menu_focus() -> NodeRef {
    let menu = use_node_ref();
    {
        let menu = menu.clone();
        use_effect_with((), move |_| {
            if let Some(first) = menu
                .cast::<web_sys::Element>()
                .and_then(|element| {
                    element
                        .query_selector("button:not([disabled])")
                        .ok()
                        .flatten()
                })
                .and_then(|button| button.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = first.focus();
            }
        });
    }
    menu
}

/// Escape closes a menu and gives the focus back to what opened it.
fn escape_closes(dispatch: Dispatch, close: Action, opener: String) -> Callback<KeyboardEvent> {
    Callback::from(move |event: KeyboardEvent| {
        if event.key() == "Escape" {
            event.stop_propagation();
            dispatch.dispatch(close.clone());
            focus_opener(&opener);
        }
    })
}

/// A menu's Close button: closes it and gives the focus back, as Escape does.
fn close_button(dispatch: Dispatch, close: Action, opener: String) -> Callback<MouseEvent> {
    Callback::from(move |_: MouseEvent| {
        dispatch.dispatch(close.clone());
        focus_opener(&opener);
    })
}

/// Focuses the server or link (an SVG element, by selector) that opened a menu.
fn focus_opener(opener: &str) {
    let opener = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.query_selector(opener).ok().flatten())
        .and_then(|element| element.dyn_into::<web_sys::SvgElement>().ok());
    if let Some(opener) = opener {
        let _ = opener.focus();
    }
}

/// SVG coordinates with one decimal: enough for the eye, short in the DOM.
fn fmt(value: f64) -> String {
    fixed(value, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use raftviz_sim::SimConfig;

    #[test]
    fn one_and_two_servers_have_places_of_their_own_inside_the_frame() {
        for servers in 1..=9 {
            let mut config = SimConfig::visual(1);
            config.servers = servers;
            let layout = Layout::new(&Simulation::new(config), Lang::En);
            let frame = layout.frame();
            let places: Vec<Point> = (0..servers).map(|id| layout.position(id)).collect();
            for (id, at) in places.iter().enumerate() {
                assert!(
                    at.x - NODE_RADIUS > frame.left
                        && at.x + NODE_RADIUS < frame.left + frame.width
                );
                assert!(
                    at.y - NODE_RADIUS > frame.top && at.y + NODE_RADIUS < frame.top + frame.height
                );
                for other in &places[..id] {
                    let apart = (at.x - other.x).hypot(at.y - other.y);
                    assert!(
                        apart > 2.0 * TIMER_RADIUS,
                        "{servers} servers: {id} sits on another"
                    );
                }
            }
        }
    }
}
