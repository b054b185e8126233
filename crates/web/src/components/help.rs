//! The keyboard shortcuts, shown by `?`.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::state::{Action, Dispatch};

/// Every shortcut the keyboard hook in app.rs understands.
pub const SHORTCUTS: [(&str, &str); 15] = [
    (
        "Space",
        "play / pause (in a scenario: play or pause the step)",
    ),
    ("→ / ←", "step to the next / previous event"),
    (
        "PageDown, →, N",
        "scenario: next step (again: finish it now)",
    ),
    ("PageUp, ←, B", "scenario: back to the step before"),
    ("Home / End", "scenario: first / last step"),
    ("P", "presentation mode on / off"),
    ("R", "client request to the leader"),
    ("+ / −", "faster / slower"),
    ("1 … 9", "inspect that server"),
    ("X", "crash or restart the inspected server"),
    ("T", "force the inspected server's election timeout"),
    ("D", "drop the selected message (else the one due first)"),
    ("Enter / Space on a control", "press it"),
    (
        "Tab",
        "move between controls; servers and links open their menus with Enter",
    ),
    ("? / Esc", "show / hide this help, close menus"),
];

#[derive(Properties, PartialEq)]
pub struct ShortcutHelpProps {
    pub dispatch: Dispatch,
}

#[function_component(ShortcutHelp)]
pub fn shortcut_help(props: &ShortcutHelpProps) -> Html {
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
        <div class="help" role="dialog" aria-modal="false" aria-label="Keyboard shortcuts" data-help="" ref={dialog}>
            <h2>{ "Keyboard shortcuts" }</h2>
            <dl>
                { for SHORTCUTS.iter().map(|(key, what)| html! {
                    <><dt><kbd>{ *key }</kbd></dt><dd>{ *what }</dd></>
                }) }
            </dl>
            <p>{ "Mouse or touch: click a server to inspect it (a tap opens its actions); click a link to cut it both ways, Shift-click for one way, tap or right-click for a menu; click a message to read its fields, then Drop it if you like." }</p>
            <button onclick={close} aria-label="Close the shortcut help">{ "Close" }</button>
        </div>
    }
}
