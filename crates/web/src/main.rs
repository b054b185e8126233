//! raftviz in the browser: reads the start parameters from the URL, then mounts the
//! Yew app that drives the deterministic simulator in virtual time.

mod announcer;
mod app;
mod browser_math;
mod components;
mod frames;
mod i18n;
mod names;
mod page_files;
mod panic_panel;
mod params;
mod state;
mod trace_reader;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

fn main() {
    // First, so that even a panic while starting shows a worded panel, not a blank page.
    panic_panel::write_words(i18n::Lang::En);

    let window = web_sys::window().expect("raftviz runs in a browser window");
    let query = window.location().search().unwrap_or_default();
    let hash = window.location().hash().unwrap_or_default();
    let browser = i18n::Lang::of_browser(&window.navigator().language().unwrap_or_default());
    let start = params::StartParams::from_url(&query, &hash, browser);
    let root = window
        .document()
        .and_then(|document| document.get_element_by_id("app"))
        .expect("index.html has a #app element");
    if start.lang.is_ready() {
        render(root, start);
        return;
    }
    // Wait for the language's texts, so that the page does not flash English first,
    // but not for ever: whichever comes first, the texts or the deadline, starts it.
    let lang = start.lang;
    let waiting = Rc::new(RefCell::new(Some((root, start))));
    let on_time = waiting.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let loaded = page_files::load_language(lang).await;
        let Some((root, start)) = on_time.take() else {
            return;
        };
        render(
            root,
            match loaded {
                // Again, so that the complaints about parameters are in that language too.
                Ok(()) => params::StartParams::from_url(&query, &hash, browser),
                Err(error) => start.in_english_because(&error),
            },
        );
    });
    let too_late = Closure::once_into_js(move || {
        if let Some((root, start)) = waiting.take() {
            render(root, start.in_english_because(LANGUAGE_NOT_IN_TIME));
        }
    });
    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
        too_late.unchecked_ref(),
        LANGUAGE_WAIT_MS,
    );
}

/// How long a page that starts in another language waits for its texts before it
/// starts in English, and what it then says.
const LANGUAGE_WAIT_MS: i32 = 3_000;
const LANGUAGE_NOT_IN_TIME: &str = "no answer within 3 s";

fn render(root: web_sys::Element, start: params::StartParams) {
    yew::Renderer::<app::App>::with_root_and_props(root, app::AppProps { start }).render();
}
