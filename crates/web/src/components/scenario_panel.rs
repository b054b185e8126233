//! The scenario player: the story of each step, Next (which unfolds the step at a
//! watchable pace, and finishes it when pressed again) / Back / any step, the pace, the
//! choice of variant (e.g. Figure 8's faulty commit rule), the story's sources and the
//! scenarios to see also, and "continue freely" into free play.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use raftviz_sim::scenario;

use crate::i18n::{Lang, T};
use crate::state::{Action, Dispatch, ScenarioHandle, STEP_PACES_S};

pub struct ScenarioPanelProps {
    pub scenario: ScenarioHandle,
    /// The current step is still unfolding.
    pub unfolding: bool,
    pub playing: bool,
    pub step_pace_s: u32,
    pub dispatch: Dispatch,
}

/// A step's short name on its button. Ids are English words, except single letters
/// (Figure 8's a–e, the paper's own labels, read the same in both languages); in
/// Chinese a word gives way to the step's number.
fn short_name(lang: Lang, index: usize, id: &str) -> String {
    let letter = id.len() == 1 && id.bytes().all(|byte| byte.is_ascii_alphabetic());
    match lang {
        Lang::Zh if !letter => (index + 1).to_string(),
        _ => id.to_owned(),
    }
}

/// A plain function, not a component: the page renders it only in a scenario, whose
/// frames change it anyway, and a component's lifecycle costs the page's size.
pub fn scenario_panel(props: &ScenarioPanelProps, lang: Lang) -> Html {
    let player = &*props.scenario.0;
    let scenario = &player.scenario;
    let current = player.played.last().copied();
    let send = |action: Action| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(action.clone()))
    };
    let steps = scenario.steps.iter().enumerate().map(|(index, step)| {
        let title = lang.pick(&step.title, &step.title_zh).to_owned();
        let failed = player
            .played
            .iter()
            .position(|&played| played == index)
            .is_some_and(|at| !player.outcomes[at].failures.is_empty());
        html! {
            <li>
                <button class={classes!("scenario-step", (current == Some(index)).then_some("current"), failed.then_some("failed"))}
                        data-scenario-step={index.to_string()} data-step-id={step.id.clone()}
                        aria-current={(current == Some(index)).then_some("step")} title={title.clone()}
                        onclick={send(Action::GoToScenarioStep(index))}>
                    // Presentation mode shows only the step's short name.
                    <span class="step-id">{ short_name(lang, index, &step.id) }</span>
                    <span class="step-title">{ title }</span>
                </button>
            </li>
        }
    });
    let (heading, narration) = match current {
        Some(index) => {
            let step = &scenario.steps[index];
            (
                lang.pick(&step.title, &step.title_zh).to_owned(),
                step_narration(lang, step, scenario, player.variant),
            )
        }
        None => (
            lang.pick(&scenario.title, &scenario.title_zh).to_owned(),
            lang.pick(&scenario.summary, &scenario.summary_zh)
                .to_owned(),
        ),
    };
    let failures = player
        .outcomes
        .last()
        .filter(|_| current.is_some())
        .map(|outcome| outcome.failures.clone())
        .unwrap_or_default();
    // One radio per variant; Figure 8's faulty one keeps its old hook.
    let variants = (scenario.variants.len() > 1).then(|| {
        let choices = scenario.variants.iter().enumerate().map(|(index, variant)| {
            let dispatch = props.dispatch.clone();
            let label = lang.pick(&variant.label, &variant.label_zh);
            // The part in brackets is the detail, in either language's brackets.
            let split = label.find(" (").or_else(|| label.find('（'));
            let (label, detail) = label.split_at(split.unwrap_or(label.len()));
            html! {
                <label class="variant">
                    <input type="radio" name="scenario-variant" data-variant={variant.id.clone()}
                           data-faulty-toggle={(variant.id == "faulty").then_some("")}
                           checked={index == player.variant}
                           onchange={Callback::from(move |_: Event| dispatch.dispatch(Action::SetVariant(index)))} />
                    { label.to_owned() }
                    <span class="faulty-detail">{ detail.to_owned() }</span>
                </label>
            }
        });
        html! {
            <span class="variants" role="radiogroup" aria-label={lang.t(T::ScenarioVariants)} data-variants="">
                { for choices }
            </span>
        }
    });
    let sources = (!scenario.sources.is_empty()).then(|| html! {
        <div class="sources" data-sources="">
            <span class="sources-word">{ lang.t(T::ScenarioSources) }</span>
            <ul>{ for scenario.sources.iter().map(|source| html! { <li>{ source.clone() }</li> }) }</ul>
        </div>
    });
    let see_also = (!scenario.see_also.is_empty()).then(|| {
        let links = scenario.see_also.iter().map(|name| {
            let title = scenario::listed(name).map_or_else(
                |_| name.clone(),
                |other| lang.pick(other.title, other.title_zh).to_owned(),
            );
            html! {
                <li>
                    <button class="link-like" data-see-also={name.clone()}
                            onclick={send(Action::OpenScenario(name.clone()))}>{ title }</button>
                </li>
            }
        });
        html! {
            <div class="see-also" data-see-also-list="">
                <span class="sources-word">{ lang.t(T::ScenarioSeeAlso) }</span>
                <ul>{ for links }</ul>
            </div>
        }
    });
    let on_pace = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: Event| {
            let seconds = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .and_then(|select| select.value().parse::<u32>().ok());
            if let Some(seconds) = seconds {
                dispatch.dispatch(Action::SetStepPace(seconds));
            }
        })
    };
    let state = match (props.unfolding, props.playing) {
        (true, true) => "playing",
        (true, false) => "paused",
        (false, _) => "done",
    };
    let can_go_on = props.unfolding || player.next_step().is_some();
    html! {
        <section class="panel scenario" aria-label={lang.t(T::Scenario)} data-scenario={scenario.name.clone()}
                 data-current-step={current.map(|index| index.to_string()).unwrap_or_default()}
                 data-step-state={state}>
            <h2>{ lang.fill(T::ScenarioHeading, &[&lang.pick(&scenario.title, &scenario.title_zh)]) }</h2>
            <ol class="scenario-steps" aria-label={lang.t(T::Steps)}>{ for steps }</ol>
            <h3 data-step-title="">{ heading }</h3>
            <p class="narration" data-narration="" aria-live="polite">{ narration }</p>
            <>{ for failures.iter().filter(|_| !props.unfolding).map(|failure| html! {
                <p class="error" data-check-failed="">{ lang.fill(T::CheckFailed, &[failure]) }</p>
            }) }</>
            <div class="scenario-buttons" role="group" aria-label={lang.t(T::ScenarioSteps)}>
                <button data-action="prev-step" disabled={current.is_none()} title={lang.t(T::PrevStepTitle)}
                        onclick={send(Action::PreviousScenarioStep)}><span aria-hidden="true">{ "◀ " }</span>{ lang.t(T::Back) }</button>
                <button data-action="next-step" disabled={!can_go_on}
                        title={lang.t(if props.unfolding { T::FinishStepTitle } else { T::NextStepTitle })}
                        onclick={send(Action::NextScenarioStep)}>
                    { lang.t(if props.unfolding { T::FinishStep } else { T::NextStep }) }<span aria-hidden="true">{ " ▶" }</span>
                </button>
                <span class="step-progress" data-step-progress="">
                    { match (props.unfolding, props.playing) {
                        (true, true) => lang.t(T::StepPlaying),
                        (true, false) => lang.t(T::StepPaused),
                        (false, _) => "",
                    } }
                </span>
                <label class="pace">
                    <span class="pace-word">{ lang.t(T::PaceWord) }</span>
                    <select data-setting="step-pace" aria-label={lang.t(T::PaceLabel)} onchange={on_pace}>
                        { for STEP_PACES_S.iter().map(|&seconds| html! {
                            <option value={seconds.to_string()} selected={seconds == props.step_pace_s}>
                                { lang.fill(T::PaceOption, &[&seconds]) }
                            </option>
                        }) }
                    </select>
                </label>
                <button data-action="continue-freely" onclick={send(Action::ContinueFreely)}
                        title={lang.t(T::ContinueFreelyTitle)}>{ lang.t(T::ContinueFreely) }</button>
            </div>
            { variants.unwrap_or_default() }
            <div class="story-notes">
                { sources.unwrap_or_default() }
                { see_also.unwrap_or_default() }
            </div>
        </section>
    }
}

/// A step's narration in `lang` in the chosen variant: its `say.zh:` lines, or the
/// English where the file has none.
fn step_narration(
    lang: Lang,
    step: &scenario::Step,
    scenario: &scenario::Scenario,
    variant: usize,
) -> String {
    match lang {
        Lang::Zh if !step.narration_zh.is_empty() => step.narration_zh_in(scenario, variant),
        _ => step.narration_in(scenario, variant),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_buttons_number_worded_steps_and_keep_the_papers_letters() {
        assert_eq!(short_name(Lang::Zh, 2, "storm"), "3");
        assert_eq!(short_name(Lang::Zh, 3, "d"), "d");
        assert_eq!(short_name(Lang::En, 2, "storm"), "storm");
    }
}
