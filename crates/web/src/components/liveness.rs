//! The liveness gauge beside the safety badges: is the cluster serving? Square and
//! amber or red where the badges are round and green or red, because it measures,
//! it does not prove.

use raftviz_sim::{LivenessState, LivenessThresholds, Simulation};
use yew::prelude::*;

use crate::i18n::{Lang, T};
use crate::names::server_name;

/// Tenths as "2.3", without floats.
fn tenths(value: u64) -> String {
    format!("{}.{}", value / 10, value % 10)
}

/// A plain function, not a component: the reading is cheap and changes with the
/// run, and a component's lifecycle costs the page's size.
pub fn liveness_gauge(sim: &Simulation, thresholds: &LivenessThresholds, lang: Lang) -> Html {
    let view = sim.liveness(thresholds);
    let (state_word, mark) = match view.state {
        LivenessState::Ok => (T::LivenessOk, "●"),
        LivenessState::Degraded => (T::LivenessDegraded, "▲"),
        LivenessState::Down => (T::LivenessDown, "■"),
    };
    let leader = match view.leader {
        Some(id) => lang.fill(T::LivenessLeader, &[&server_name(id)]),
        None => lang.fill(
            T::LivenessNoLeader,
            &[&tenths(view.ms_without_leader / 100)],
        ),
    };
    html! {
        <section class={classes!("panel", "liveness", view.state.name())} aria-label={lang.t(T::LivenessRegion)}
                 title={lang.t(T::LivenessNotSafety)} data-liveness="" data-state={view.state.name()}
                 data-ms-without-leader={view.ms_without_leader.to_string()}
                 data-leader-changes-per-min={view.leader_changes_per_min.to_string()}>
            <h2>{ lang.t(T::LivenessHeading) }</h2>
            <span class="liveness-state"><span aria-hidden="true">{ mark }{ " " }</span>{ lang.t(state_word) }</span>
            <span class="liveness-reading" data-liveness-leader="">{ leader }</span>
            <span class="liveness-reading">{ lang.fill(T::LivenessChanges, &[&view.leader_changes_per_min]) }</span>
            <span class="liveness-reading">{ lang.fill(T::LivenessOps, &[&tenths(u64::from(view.completed_per_s_tenths))]) }</span>
        </section>
    }
}
