//! The page: one reducer (state.rs) owns the simulation and the view state; each
//! animation frame advances virtual time by real elapsed time × speed, and every
//! component below reads the simulation to draw itself.

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::controls::{controls, ControlsProps};
use crate::components::event_log::EventLog;
use crate::components::help::ShortcutHelp;
use crate::components::inspector::Inspector;
use crate::components::invariants::invariant_badges;
use crate::components::liveness::liveness_gauge;
use crate::components::log_grid::LogGrid;
use crate::components::membership::membership_controls;
use crate::components::message_panel::message_panel;
use crate::components::ring::ServerRing;
use crate::components::scenario_panel::{scenario_panel, ScenarioPanelProps};
use crate::components::settings::SettingsPanel;
use crate::components::share_bar::ShareBar;
use crate::components::spacetime::SpaceTime;
use crate::components::timeline_bar::TimelineBar;
use crate::frames::use_animation_frames;
use crate::i18n::{Lang, T};
use crate::names::count_word;
use crate::page_files::use_scenario_files;
use crate::params::StartParams;
use crate::state::{Action, AppState, Dispatch, Highlight};
use crate::trace_reader::use_export_check;

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub start: StartParams,
}

#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let state = use_reducer(|| AppState::start(&props.start));
    let dispatch = state.dispatcher();

    let on_frame = {
        let dispatch = dispatch.clone();
        Callback::from(move |real_ms: f64| dispatch.dispatch(Action::Frame(real_ms)))
    };
    use_animation_frames(on_frame);
    use_html_lang(state.lang);
    use_keyboard_shortcuts(dispatch.clone(), state.scenario.is_some());
    use_scenario_files(
        dispatch.clone(),
        state.loading.as_ref().map(|link| link.name.clone()),
    );
    use_export_check(
        dispatch.clone(),
        state
            .export_check
            .as_ref()
            .map(|check| (check.serial, check.text.clone())),
    );

    let shown = state.shown();
    let sim = shown.borrow();
    let revision = sim.trace().len();
    let config = sim.config().clone();
    let clock_ms = sim.now();
    let trace_hash = sim.trace().hash();
    let servers = sim.server_count();
    let conflict = Highlight {
        servers: sim
            .violations()
            .iter()
            .flat_map(|v| v.servers.clone())
            .collect(),
        indices: sim
            .violations()
            .iter()
            .flat_map(|v| v.indices.clone())
            .collect(),
    };
    drop(sim);
    let live_ms = state.sim.borrow().now();
    let in_scenario = state.scenario.is_some();
    let highlight = state
        .scenario
        .as_ref()
        .and_then(|scenario| {
            let player = &scenario.0;
            let step = &player.scenario.steps[*player.played.last()?];
            Some(Highlight {
                servers: step.highlight_servers.clone(),
                indices: step.highlight_indices.clone(),
            })
        })
        .unwrap_or_default();
    let send = |action: Action| {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(action.clone()))
    };
    let lang = state.lang;
    let tagline = match &state.scenario {
        Some(scenario) => {
            let scenario = &scenario.0.scenario;
            lang.fill(
                T::TaglineScenario,
                &[
                    &count_word(lang, servers),
                    &lang.pick(&scenario.title, &scenario.title_zh),
                ],
            )
        }
        None => lang.fill(T::TaglineSeed, &[&count_word(lang, servers), &config.seed]),
    };
    // Shown in free play until a person has done something that deserves an answer.
    let notice = state
        .notice
        .clone()
        .or_else(|| (!in_scenario).then(|| lang.t(T::FirstSteps).to_owned()));
    let on_lang = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            let chosen = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .and_then(|select| Lang::parse(&select.value()));
            let Some(lang) = chosen else { return };
            if lang.is_ready() {
                dispatch.dispatch(Action::SetLang(lang));
                return;
            }
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                dispatch.dispatch(match crate::page_files::load_language(lang).await {
                    Ok(()) => Action::SetLang(lang),
                    Err(error) => Action::LangNotLoaded(lang, error),
                });
            });
        })
    };
    html! {
        <ContextProvider<Lang> context={lang}>
        <main class={classes!("app", state.presenting.then_some("presenting"), in_scenario.then_some("in-scenario"))}
              data-presenting={state.presenting.to_string()}>
            <header class="masthead">
                <h1>{ "raftviz" }</h1>
                <label class="language">
                    <select data-action="lang" aria-label={lang.t(T::LanguageMenu)} onchange={on_lang}>
                        { for Lang::ALL.iter().map(|&choice| html! {
                            <option value={choice.code()} lang={choice.code()} selected={choice == lang}>
                                { choice.own_name() }
                            </option>
                        }) }
                    </select>
                </label>
                <p class="tagline">
                    { tagline }
                    { lang.t(T::TaglineEnd) }
                </p>
            </header>
            { controls(ControlsProps {
                playing: state.playing,
                speed: state.speed,
                seed: config.seed,
                clock_ms,
                trace_hash,
                sim_ms_last_frame: state.sim_ms_last_frame,
                presenting: state.presenting,
                dispatch: dispatch.clone(),
                membership: membership_controls(lang, state.joining, state.joint.as_deref().map(Vec::as_slice), &dispatch),
            }, lang) }
            <ShareBar share={state.share.clone()} dispatch={dispatch.clone()} />
            { for props.start.errors.iter().map(|error| html! {
                <div class="error" role="alert" data-error="">{ error }</div>
            }) }
            if let Some(error) = &state.error {
                <div class="error" role="alert" data-error="">
                    { error }
                    <button data-action="dismiss-error" aria-label={lang.t(T::DismissMessage)}
                            onclick={send(Action::DismissError)}>{ "×" }</button>
                </div>
            }
            if let Some(scenario) = &state.scenario {
                { scenario_panel(&ScenarioPanelProps {
                    scenario: scenario.clone(),
                    unfolding: state.unfolding.is_some(),
                    playing: state.playing,
                    step_pace_s: state.step_pace_s,
                    dispatch: dispatch.clone(),
                }, lang) }
            }
            <div class="notice-row">
                <p class="notice" aria-live="polite" data-notice="">{ notice.unwrap_or_default() }</p>
                if state.left_scenario.is_some() && !in_scenario {
                    <button data-action="reopen-scenario" onclick={send(Action::ReopenScenario)}>
                        { lang.t(T::ReopenScenario) }
                    </button>
                }
            </div>
            <p class="visually-hidden" aria-live="polite" data-announcer="">{ &*state.announcement }</p>
            <div class="stage">
                <section class="panel cluster" aria-label={lang.t(T::Cluster)}>
                    <div class="presets" role="group" aria-label={lang.t(T::Partitions)}>
                        <button data-action="isolate-leader" onclick={send(Action::IsolateLeader)}
                                title={lang.t(T::IsolateLeaderTitle)}>{ lang.t(T::IsolateLeader) }</button>
                        <button data-action="split" onclick={send(Action::SplitTwoThree)}
                                title={lang.t(T::SplitTitle)}>{ lang.t(T::Split) }</button>
                        <button data-action="heal" onclick={send(Action::HealAll)}
                                title={lang.t(T::HealAllTitle)}>{ lang.t(T::HealAll) }</button>
                    </div>
                    <ServerRing sim={shown.clone()} shown_ms={state.shown_ms} {revision}
                                selected={state.inspected()} selected_message={state.selected_message}
                                link_menu={state.link_menu} server_menu={state.server_menu}
                                presenting={state.presenting} dispatch={dispatch.clone()} />
                    <TimelineBar live={state.sim.clone()} revision={state.diagram_revision} {live_ms}
                                 shown_ms={clock_ms} in_past={state.viewed.is_some()}
                                 can_undo_fork={state.discarded_future.is_some()} dispatch={dispatch.clone()} />
                </section>
                <div class="side">
                    if let Some(id) = state.selected_message {
                        { message_panel(&shown.borrow(), id, &dispatch, lang) }
                    }
                    <LogGrid sim={shown.clone()} {revision} {highlight} {conflict} dispatch={dispatch.clone()} />
                    { invariant_badges(&shown.borrow(), lang) }
                    { liveness_gauge(&shown.borrow(), &state.liveness_thresholds, lang) }
                    <Inspector sim={shown.clone()} {revision} selected={state.selected}
                               dispatch={dispatch.clone()} />
                </div>
            </div>
            <SpaceTime sim={shown.clone()} revision={state.diagram_revision}
                       selected={state.selected_message} dispatch={dispatch.clone()} />
            <div class="lower">
                <EventLog sim={shown.clone()} revision={state.event_log_revision} hidden_topics={state.hidden_topics.clone()}
                          dispatch={dispatch.clone()} />
                <SettingsPanel network={config.network.clone()} options={config.options}
                               snapshot_policy={config.snapshot_policy} read_mode={config.read_mode}
                               clock_skew_percent={config.clock_skew_percent}
                               muted={state.announcer.borrow().muted} pause_on_select={state.pause_on_select}
                               liveness_thresholds={state.liveness_thresholds}
                               dispatch={dispatch.clone()} />
            </div>
            if state.help_open {
                <ShortcutHelp dispatch={dispatch.clone()} />
            }
        </main>
        </ContextProvider<Lang>>
    }
}

/// `<html lang>` follows the page's language, so that screen readers speak it and the
/// browser picks fonts for it; so do the panic panel's words.
#[hook]
fn use_html_lang(lang: Lang) {
    use_effect_with(lang, |&lang| {
        let root = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.document_element());
        if let Some(root) = root {
            let _ = root.set_attribute("lang", lang.code());
        }
        crate::panic_panel::write_words(lang);
    });
}

/// Space, →, ?, Esc and the rest (see help.rs), from anywhere on the page except
/// where the focused control has a use for the key: text fields keep their typing,
/// and a focused button or other control keeps Space and Enter, which press it.
#[hook]
fn use_keyboard_shortcuts(dispatch: Dispatch, in_scenario: bool) {
    // The listener lives as long as the page; it reads the mode from here.
    let scenario_mode = use_mut_ref(|| in_scenario);
    *scenario_mode.borrow_mut() = in_scenario;
    use_effect_with((), move |_| {
        let window = web_sys::window().expect("raftviz runs in a browser window");
        // Not passive: Space and → must not also scroll the page.
        let listener = EventListener::new_with_options(
            &window,
            "keydown",
            EventListenerOptions::enable_prevent_default(),
            move |event| {
                let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                    return;
                };
                if let Some(action) = shortcut(event, *scenario_mode.borrow()) {
                    event.prevent_default();
                    dispatch.dispatch(action);
                }
            },
        );
        move || drop(listener)
    });
}

/// What the focused element does with keys itself.
enum Focus {
    /// A text field, slider or list: it takes every key but Escape.
    Field,
    /// A button, link, checkbox or any element acting as one: Space and Enter press it.
    Control,
    /// A radio button: Space picks it and the arrows move along its group (a scenario's
    /// variants); a clicker's PageDown and PageUp still walk the steps.
    Choice,
    Page,
}

fn focus_of(event: &web_sys::KeyboardEvent) -> Focus {
    let Some(element) = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
    else {
        return Focus::Page;
    };
    match element.tag_name().to_ascii_uppercase().as_str() {
        "SELECT" | "TEXTAREA" => return Focus::Field,
        "INPUT" => {
            let kind = element.get_attribute("type").unwrap_or_default();
            return match kind.as_str() {
                "radio" => Focus::Choice,
                "checkbox" | "button" | "file" => Focus::Control,
                _ => Focus::Field,
            };
        }
        "BUTTON" | "A" | "SUMMARY" => return Focus::Control,
        _ => {}
    }
    let role = element.get_attribute("role").unwrap_or_default();
    if role.starts_with("button") || role.starts_with("menuitem") || role == "link" {
        Focus::Control
    } else {
        Focus::Page
    }
}

fn shortcut(event: &web_sys::KeyboardEvent, in_scenario: bool) -> Option<Action> {
    if event.ctrl_key() || event.meta_key() || event.alt_key() {
        return None;
    }
    let key = event.key();
    match focus_of(event) {
        Focus::Field if key != "Escape" => return None,
        Focus::Control if key == " " || key == "Enter" => return None,
        Focus::Choice if key == " " || key == "Enter" || key.starts_with("Arrow") => return None,
        _ => {}
    }
    // What clickers send, and their keyboard twins, walk through a scenario.
    if in_scenario {
        match key.as_str() {
            "PageDown" | "ArrowRight" | "n" | "N" => return Some(Action::NextScenarioStep),
            "PageUp" | "ArrowLeft" | "b" | "B" => return Some(Action::PreviousScenarioStep),
            "Home" => return Some(Action::FirstScenarioStep),
            "End" => return Some(Action::LastScenarioStep),
            _ => {}
        }
    }
    Some(match key.as_str() {
        " " => Action::TogglePlay,
        "ArrowRight" => Action::Step,
        "ArrowLeft" => Action::Back,
        "?" => Action::ToggleHelp,
        "Escape" => Action::CloseOverlays,
        "p" | "P" => Action::TogglePresent,
        "r" | "R" => Action::Request(None),
        "+" | "=" => Action::ScaleSpeed(2.0),
        "-" | "_" => Action::ScaleSpeed(0.5),
        "x" | "X" => Action::TogglePowerInspected,
        "t" | "T" => Action::TimeoutInspected,
        "d" | "D" => Action::DropSelectedMessage,
        digit if digit.len() == 1 && ("1"..="9").contains(&digit) => {
            let id = digit.parse::<usize>().ok()? - 1;
            Action::Select(Some(id))
        }
        _ => return None,
    })
}
