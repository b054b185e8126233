//! The liveness gauge beside the safety badges: is the cluster serving? Square and
//! amber or red where the badges are round and green or red, because it measures,
//! it does not prove.

use raftviz_sim::{LivenessState, LivenessThresholds};
use yew::prelude::*;

use crate::names::server_name;
use crate::state::SimHandle;
use crate::strings::*;

#[derive(Properties, PartialEq)]
pub struct LivenessGaugeProps {
    pub sim: SimHandle,
    pub revision: u64,
    pub thresholds: LivenessThresholds,
}

/// Tenths as "2.3", without floats.
fn tenths(value: u64) -> String {
    format!("{}.{}", value / 10, value % 10)
}

#[function_component(LivenessGauge)]
pub fn liveness_gauge(props: &LivenessGaugeProps) -> Html {
    let view = props.sim.borrow().liveness(&props.thresholds);
    let (state_word, mark) = match view.state {
        LivenessState::Ok => (LIVENESS_OK, "●"),
        LivenessState::Degraded => (LIVENESS_DEGRADED, "▲"),
        LivenessState::Down => (LIVENESS_DOWN, "■"),
    };
    let leader = match view.leader {
        Some(id) => format!("{LIVENESS_LEADER}{}", server_name(id)),
        None => format!(
            "{LIVENESS_NO_LEADER}{} s",
            tenths(view.ms_without_leader / 100)
        ),
    };
    html! {
        <section class={classes!("panel", "liveness", view.state.name())} aria-label={LIVENESS_REGION}
                 title={LIVENESS_NOT_SAFETY} data-liveness="" data-state={view.state.name()}
                 data-ms-without-leader={view.ms_without_leader.to_string()}
                 data-leader-changes-per-min={view.leader_changes_per_min.to_string()}>
            <h2>{ LIVENESS_HEADING }</h2>
            <span class="liveness-state"><span aria-hidden="true">{ mark }{ " " }</span>{ state_word }</span>
            <span class="liveness-reading" data-liveness-leader="">{ leader }</span>
            <span class="liveness-reading">{ view.leader_changes_per_min }{ LIVENESS_CHANGES }</span>
            <span class="liveness-reading">{ tenths(u64::from(view.completed_per_s_tenths)) }{ LIVENESS_OPS }</span>
        </section>
    }
}
