//! One badge per safety invariant, green while it holds. A broken one links to the
//! event that broke it; one judged over a window of the run says which.

use yew::prelude::*;

use raftviz_sim::Simulation;

use crate::i18n::{Lang, T};
use crate::names::invariant_title;

/// A plain function, not a component: the badges are cheap to draw and change with
/// the run, and a component's lifecycle costs the page's size.
pub fn invariant_badges(sim: &Simulation, lang: Lang) -> Html {
    let badges = sim.invariants().into_iter().map(|invariant| {
        let violation = sim
            .violations()
            .iter()
            .find(|violation| violation.invariant == invariant.name);
        let broken_at = violation.map(|violation| {
            // The trace records the violation last; `event` counts it.
            let event = violation.event.saturating_sub(1);
            html! {
                <a href={format!("#event-{event}")} class="broken-at">
                    { lang.fill(T::BrokenAtEvent, &[&event, &violation.time, &invariant.detail.clone().unwrap_or_default()]) }
                </a>
            }
        });
        let scope = invariant.scope.clone().map(|scope| {
            html! { <span class="scope" data-scope="">{ scope }</span> }
        });
        html! {
            <li class={classes!("badge", if invariant.ok { "ok" } else { "broken" })}
                data-invariant={invariant.name} data-ok={invariant.ok.to_string()}
                title={lang.t(if invariant.ok { T::HoldsSoFar } else { T::BrokenWord })}>
                <span aria-hidden="true">{ if invariant.ok { "✓ " } else { "✗ " } }</span>
                { invariant_title(lang, invariant.name) }
                <span class="visually-hidden">{ lang.t(if invariant.ok { T::HoldsSuffix } else { T::BrokenSuffix }) }</span>
                { scope.unwrap_or_default() }
                { broken_at.unwrap_or_default() }
            </li>
        }
    });
    html! {
        <section class="panel invariants" aria-label={lang.t(T::SafetyInvariants)}>
            <h2>{ lang.t(T::SafetyInvariants) }</h2>
            <ul>{ for badges }</ul>
        </section>
    }
}
