//! The keyboard shortcuts, shown by `?`.

use yew::prelude::*;

use crate::state::{Action, Dispatch};

/// Every shortcut the keyboard hook in app.rs understands.
pub const SHORTCUTS: [(&str, &str); 13] = [
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
    html! {
        <div class="help" role="dialog" aria-modal="false" aria-label="Keyboard shortcuts" data-help="">
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
