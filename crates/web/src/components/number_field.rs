//! A number input that keeps what a person types. The page re-renders every frame, and
//! a plain controlled input would put the current value back under their fingers; this
//! one shows the draft until Enter or leaving the field commits it.

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NumberFieldProps {
    /// The value in force, shown whenever nobody is typing.
    pub value: String,
    pub label: AttrValue,
    /// Its `data-setting` name, for tests and the benchmark.
    pub setting: AttrValue,
    pub min: AttrValue,
    pub max: AttrValue,
    /// Receives the typed text when it is committed.
    pub on_commit: Callback<String>,
}

fn typed(event: &Event) -> Option<String> {
    let input = event.target()?.dyn_into::<HtmlInputElement>().ok()?;
    Some(input.value())
}

#[function_component(NumberField)]
pub fn number_field(props: &NumberFieldProps) -> Html {
    let draft = use_state(|| None::<String>);
    let on_input = {
        let draft = draft.clone();
        Callback::from(move |event: InputEvent| draft.set(typed(&event)))
    };
    let on_change = {
        let draft = draft.clone();
        let on_commit = props.on_commit.clone();
        Callback::from(move |event: Event| {
            if let Some(text) = typed(&event) {
                on_commit.emit(text);
            }
            draft.set(None);
        })
    };
    html! {
        <input type="number" min={props.min.clone()} max={props.max.clone()}
               aria-label={props.label.clone()} data-setting={props.setting.clone()}
               value={(*draft).clone().unwrap_or_else(|| props.value.clone())}
               oninput={on_input} onchange={on_change} />
    }
}
