//! The scenario player: the story of each step, Next / Back / any step, the faulty
//! commit rule for scenarios that have one, and "continue freely" into free play.

use yew::prelude::*;

use crate::state::{Action, Dispatch, ScenarioHandle};

#[derive(Properties, PartialEq)]
pub struct ScenarioPanelProps {
    pub scenario: ScenarioHandle,
    pub dispatch: Dispatch,
}

#[function_component(ScenarioPanel)]
pub fn scenario_panel(props: &ScenarioPanelProps) -> Html {
    let player = &*props.scenario.0;
    let scenario = &player.scenario;
    let current = player.played.last().copied();
    let send = |action: Action| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(action.clone()))
    };
    let steps = scenario.steps.iter().enumerate().map(|(index, step)| {
        let failed = player
            .played
            .iter()
            .position(|&played| played == index)
            .is_some_and(|at| !player.outcomes[at].failures.is_empty());
        html! {
            <li>
                <button class={classes!("scenario-step", (current == Some(index)).then_some("current"), failed.then_some("failed"))}
                        data-scenario-step={index.to_string()} data-step-id={step.id.clone()}
                        aria-current={(current == Some(index)).then_some("step")}
                        onclick={send(Action::GoToScenarioStep(index))}>
                    { step.title.clone() }
                </button>
            </li>
        }
    });
    let (heading, narration) = match current {
        Some(index) => {
            let step = &scenario.steps[index];
            (step.title.clone(), step.narration.clone())
        }
        None => (scenario.title.clone(), scenario.summary.clone()),
    };
    let failures = player
        .outcomes
        .last()
        .filter(|_| current.is_some())
        .map(|outcome| outcome.failures.clone())
        .unwrap_or_default();
    let faulty_toggle = scenario.has_faulty_mode.then(|| {
        let dispatch = props.dispatch.clone();
        let faulty = player.faulty;
        html! {
            <label class="faulty">
                <input type="checkbox" data-faulty-toggle="" checked={faulty}
                       onchange={Callback::from(move |_: Event| dispatch.dispatch(Action::SetFaulty(!faulty)))} />
                { " faulty commit rule (commit earlier-term entries by counting replicas)" }
            </label>
        }
    });
    html! {
        <section class="panel scenario" aria-label="Scenario" data-scenario={scenario.name.clone()}
                 data-current-step={current.map(|index| index.to_string()).unwrap_or_default()}>
            <h2>{ format!("Scenario · {}", scenario.title) }</h2>
            <ol class="scenario-steps">{ for steps }</ol>
            <h3 data-step-title="">{ heading }</h3>
            <p class="narration" data-narration="" aria-live="polite">{ narration }</p>
            { for failures.iter().map(|failure| html! {
                <p class="error" data-check-failed="">{ format!("Check failed: {failure}") }</p>
            }) }
            <div class="scenario-buttons" role="group" aria-label="Scenario steps">
                <button data-action="prev-step" disabled={current.is_none()}
                        onclick={send(Action::PreviousScenarioStep)}>{ "◀ Back" }</button>
                <button data-action="next-step" disabled={player.next_step().is_none()}
                        onclick={send(Action::NextScenarioStep)}>{ "Next ▶" }</button>
                <button data-action="continue-freely" onclick={send(Action::ContinueFreely)}
                        aria-label="Leave the scenario and play on from here">{ "Continue freely" }</button>
                { for faulty_toggle }
            </div>
        </section>
    }
}
