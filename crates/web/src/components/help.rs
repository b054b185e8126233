//! The keyboard shortcuts, shown by `?`.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::i18n::{use_lang, T};
use crate::state::{Action, Dispatch};

/// Every shortcut the keyboard hook in app.rs understands: the keys as printed on
/// them, and what they do in the page's words.
pub const SHORTCUTS: [(&str, T); 15] = [
    ("Space", T::KeySpace),
    ("→ / ←", T::KeyArrows),
    ("PageDown, →, N", T::KeyNextStep),
    ("PageUp, ←, B", T::KeyPrevStep),
    ("Home / End", T::KeyHomeEnd),
    ("P", T::KeyPresent),
    ("R", T::KeyRequest),
    ("+ / −", T::KeySpeed),
    ("1 … 9", T::KeyInspect),
    ("X", T::KeyCrash),
    ("T", T::KeyTimeout),
    ("D", T::KeyDrop),
    ("Enter / Space", T::KeyPress),
    ("Tab", T::KeyTab),
    ("? / Esc", T::KeyHelp),
];

#[derive(Properties, PartialEq)]
pub struct ShortcutHelpProps {
    pub dispatch: Dispatch,
}

#[function_component(ShortcutHelp)]
pub fn shortcut_help(props: &ShortcutHelpProps) -> Html {
    let lang = use_lang();
    let close = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::ToggleHelp))
    };
    let dialog = use_node_ref();
    {
        // The dialog takes the focus on its Close button and gives it back on closing.
        let dialog = dialog.clone();
        use_effect_with((), move |_| {
            let document = web_sys::window().and_then(|window| window.document());
            let opener = document
                .as_ref()
                .and_then(|document| document.active_element())
                .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(button) = dialog
                .cast::<web_sys::Element>()
                .and_then(|element| element.query_selector("button").ok().flatten())
                .and_then(|button| button.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = button.focus();
            }
            move || {
                if let Some(opener) = opener {
                    let _ = opener.focus();
                }
            }
        });
    }
    html! {
        <div class="help" role="dialog" aria-modal="false" aria-label={lang.t(T::Shortcuts)} data-help="" ref={dialog}>
            <h2>{ lang.t(T::Shortcuts) }</h2>
            <dl>
                { for SHORTCUTS.iter().map(|(key, what)| html! {
                    <><dt><kbd>{ *key }</kbd></dt><dd>{ lang.t(*what) }</dd></>
                }) }
            </dl>
            <p>{ lang.t(T::MouseHelp) }</p>
            <button onclick={close} aria-label={lang.t(T::CloseHelp)}>{ lang.t(T::Close) }</button>
        </div>
    }
}
