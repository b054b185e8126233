//! If the app panics, Yew stops rendering and the page would freeze silently. This hook
//! adds a visible panel (outside Yew's tree, written straight into the DOM) with the
//! message and a reload button, besides logging to the console.

use web_sys::Document;

use crate::i18n::{Lang, T};

pub fn install() {
    // Through Yew, not std::panic::set_hook: Yew replaces a plain hook with its own
    // console-only one when the app is rendered.
    yew::set_custom_panic_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // Nothing more can be done if even the DOM is out of reach.
        // The page is built without source locations (xtask's `tools::trunk`), so the
        // message is what there is to show.
        let _ = show(info.payload_as_str().unwrap_or(&info.to_string()));
    }));
}

fn show(message: &str) -> Option<()> {
    let document = web_sys::window()?.document()?;
    if document.query_selector("[data-panic]").ok()?.is_some() {
        return Some(()); // the first panic is the informative one
    }
    let panel = document.create_element("div").ok()?;
    panel.set_class_name("panic");
    panel.set_attribute("data-panic", "").ok()?;
    panel.set_attribute("role", "alert").ok()?;
    // The app may be gone: the page's language is read from <html lang>.
    let lang = document
        .document_element()
        .and_then(|root| root.get_attribute("lang"))
        .and_then(|code| Lang::parse(&code))
        .unwrap_or_default();
    append_text(&document, &panel, "h2", lang.t(T::PanicTitle))?;
    append_text(&document, &panel, "pre", message)?;
    let reload = append_text(&document, &panel, "button", lang.t(T::PanicReload))?;
    // An inline handler, because Rust closures cannot be relied on after a panic.
    reload.set_attribute("onclick", "location.reload()").ok()?;
    document.body()?.append_child(&panel).ok()?;
    Some(())
}

fn append_text(
    document: &Document,
    parent: &web_sys::Element,
    tag: &str,
    text: &str,
) -> Option<web_sys::Element> {
    let child = document.create_element(tag).ok()?;
    child.set_text_content(Some(text));
    parent.append_child(&child).ok()?;
    Some(child)
}
