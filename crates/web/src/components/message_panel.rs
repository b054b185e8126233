//! The selected message, field by field: what it is, who sent it to whom, every field
//! the core put in it, and what became of it; *Drop* (or D) loses it while in flight.

use raftviz_sim::{EventKind, MessageSummary, Simulation};
use yew::prelude::*;

use crate::i18n::{Lang, T};
use crate::names::server_name;
use crate::state::{Action, Dispatch};

/// The fields the trace keeps of a message that has already arrived or been lost.
fn summary_fields(summary: &MessageSummary) -> Vec<(&'static str, String)> {
    let mut fields = vec![("term", summary.term.to_string())];
    if summary.kind.is_request() {
        fields.push(("index", summary.index.to_string()));
        fields.push(("entries", summary.count.to_string()));
    } else {
        fields.push(("answer", if summary.ok { "yes" } else { "no" }.to_owned()));
        fields.push(("index", summary.index.to_string()));
    }
    fields
}

/// A plain function, not a component: it changes with the run, and a component's
/// lifecycle costs the page's size.
pub fn message_panel(sim: &Simulation, id: u64, dispatch: &Dispatch, lang: Lang) -> Html {
    let flying = sim.in_flight().find(|flight| flight.id == id);
    let (kind, from, to, fields, fate) = match flying {
        Some(flight) => (
            MessageSummary::of(&flight.message).kind.name(),
            flight.from,
            flight.to,
            flight.fields(),
            lang.fill(T::FateInFlight, &[&flight.sent_at, &flight.deliver_at]),
        ),
        None => {
            // Gone from the wire: what the trace kept, looked up from the newest
            // event back (a selected message is a recent one).
            let mut fate = lang.t(T::FateForgotten).to_owned();
            let mut found = None;
            for event in sim.trace().events().rev() {
                match &event.kind {
                    EventKind::Deliver { id: seen, .. } if *seen == id => {
                        fate = lang.fill(T::FateDelivered, &[&event.time]);
                    }
                    EventKind::Drop {
                        id: seen, reason, ..
                    } if *seen == id => {
                        fate = lang.fill(T::FateLost, &[&event.time, &reason.name()]);
                    }
                    EventKind::Send {
                        id: seen,
                        to,
                        message,
                    } if *seen == id => {
                        found = Some((event.server.unwrap_or(0), *to, *message, event.time));
                        break;
                    }
                    _ => {}
                }
            }
            match found {
                Some((from, to, summary, sent)) => (
                    summary.kind.name(),
                    from,
                    to,
                    summary_fields(&summary),
                    lang.fill(T::FateSent, &[&sent, &fate]),
                ),
                None => ("message", 0, 0, Vec::new(), fate),
            }
        }
    };
    let close = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::SelectMessage(None)))
    };
    let drop_it = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::DropMessage(id)))
    };
    html! {
        <section class="panel message-panel" aria-label={lang.t(T::SelectedMessage)} data-message-panel={id.to_string()}>
            <h2>{ lang.fill(T::MessageHeading, &[&id, &kind, &server_name(from), &server_name(to)]) }</h2>
            <table class="message-fields">
                <tbody>
                    <tr><th scope="row">{ lang.t(T::FieldType) }</th><td data-field="type">{ kind }</td></tr>
                    <tr><th scope="row">{ lang.t(T::FieldRoute) }</th><td data-field="route">{ format!("{} → {}", server_name(from), server_name(to)) }</td></tr>
                    { for fields.into_iter().map(|(name, value)| html! {
                        <tr><th scope="row">{ name }</th><td data-field={name}>{ value }</td></tr>
                    }) }
                    <tr><th scope="row">{ lang.t(T::FieldFate) }</th><td data-field="fate">{ fate }</td></tr>
                </tbody>
            </table>
            <div class="message-buttons">
                <button data-action="drop" disabled={flying.is_none()} onclick={drop_it}
                        title={lang.t(T::DropTitle)}>{ lang.t(T::DropButton) }</button>
                <button data-action="deselect" onclick={close}>{ lang.t(T::Close) }</button>
            </div>
        </section>
    }
}
