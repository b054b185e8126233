//! The run's events, one column per server like the lab's dslog.py, newest at the
//! bottom and following the clock. Topics can be switched off.

use yew::prelude::*;

use crate::i18n::{use_lang, T};
use crate::names::server_name;
use crate::state::{Action, Dispatch, SimHandle};

/// The filter names of the simulator's events, in the order the checkboxes show them,
/// with their words on the page.
const TOPICS: [(&str, T); 7] = [
    ("net", T::TopicNet),
    ("elect", T::TopicElect),
    ("log", T::TopicLog),
    ("commit", T::TopicCommit),
    ("client", T::TopicClient),
    ("fault", T::TopicFault),
    ("violation", T::TopicViolation),
];
/// Only the latest events are drawn, from the window the trace keeps.
const SHOWN_EVENTS: usize = 40;
/// Near the bottom the pane follows new events; scrolled further up, it stays put.
const FOLLOW_SLACK_PX: i32 = 60;

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    pub sim: SimHandle,
    pub revision: u64,
    pub hidden_topics: std::rc::Rc<Vec<&'static str>>,
    pub dispatch: Dispatch,
}

#[function_component(EventLog)]
pub fn event_log(props: &EventLogProps) -> Html {
    let lang = use_lang();
    let scroller = use_node_ref();
    {
        let scroller = scroller.clone();
        use_effect(move || {
            if let Some(element) = scroller.cast::<web_sys::Element>() {
                let from_end =
                    element.scroll_height() - element.scroll_top() - element.client_height();
                if from_end < FOLLOW_SLACK_PX {
                    element.set_scroll_top(element.scroll_height());
                }
            }
        });
    }
    let sim = props.sim.borrow();
    let servers = sim.server_count();
    let trace = sim.trace();
    let mut shown: Vec<_> = trace
        .numbered()
        .rev()
        .filter(|(_, event)| !props.hidden_topics.contains(&event.kind.topic()))
        .take(SHOWN_EVENTS)
        .collect();
    shown.reverse();
    let rows = shown.into_iter().map(|(number, event)| {
        let column = event.server.unwrap_or(0);
        let cells = (0..servers).map(|id| {
            if id == column {
                html! { <td class={format!("topic-{}", event.kind.topic())}>{ event.kind.to_string() }</td> }
            } else {
                html! { <td></td> }
            }
        });
        html! {
            <tr id={format!("event-{number}")} key={number}>
                <td class="time">{ event.time }</td>
                { for cells }
            </tr>
        }
    });
    let toggles = TOPICS.iter().map(|&(topic, word)| {
        let dispatch = props.dispatch.clone();
        let onchange =
            Callback::from(move |_: Event| dispatch.dispatch(Action::ToggleTopic(topic)));
        html! {
            <label class={format!("topic-{topic}")}>
                <input type="checkbox" checked={!props.hidden_topics.contains(&topic)} {onchange}
                       data-topic={topic} />
                { lang.t(word) }
            </label>
        }
    });
    html! {
        <section class="panel event-log" aria-label={lang.t(T::EventLog)}>
            <h2>{ lang.fill(T::EventsHeading, &[&trace.len()]) }
                <span class="topics" role="group" aria-label={lang.t(T::ShowEventsAbout)}>{ for toggles }</span>
            </h2>
            // Focusable, so the keyboard can scroll it too.
            <div class="event-scroll" ref={scroller} tabindex="0" role="region" aria-label={lang.t(T::LatestEvents)}>
                <table>
                    <thead><tr>
                        <th>{ "ms" }</th>
                        { for (0..servers).map(|id| html! { <th>{ server_name(id) }</th> }) }
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
        </section>
    }
}
