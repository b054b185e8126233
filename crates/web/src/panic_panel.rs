//! A panic traps (the page is built with `-Cpanic=immediate-abort`: no unwinding and
//! no hook, which keeps std's panic machinery out of the wasm), and `panic_panel.js`,
//! beside the page, turns the trap into a visible panel with a reload button. Nothing
//! should run in the wasm after a trap, so the panel's words are written on `<html>`
//! beforehand, in the page's language, whenever it changes.

use crate::i18n::{Lang, T};

pub fn write_words(lang: Lang) {
    let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
    else {
        return;
    };
    let _ = root.set_attribute("data-panic-title", lang.t(T::PanicTitle));
    let _ = root.set_attribute("data-panic-reload", lang.t(T::PanicReload));
}
