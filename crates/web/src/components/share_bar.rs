//! Sharing a run: a `#run=` link in the address bar, a JSON trace to download, and a
//! trace to load back by file picker or by dropping it anywhere on the page.

use gloo_events::{EventListener, EventListenerOptions};
use raftviz_sim::share::{export_trace, MAX_TRACE_BYTES};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, HtmlAnchorElement, HtmlInputElement, Url};
use yew::prelude::*;

use crate::state::{Action, Dispatch, SimHandle};

#[derive(Properties, PartialEq)]
pub struct ShareBarProps {
    /// The run on screen: what Share and Export capture.
    pub sim: SimHandle,
    pub share_link: Option<String>,
    pub dispatch: Dispatch,
}

#[function_component(ShareBar)]
pub fn share_bar(props: &ShareBarProps) -> Html {
    use_trace_drop(props.dispatch.clone());
    let share = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::Share))
    };
    let export = {
        let sim = props.sim.clone();
        Callback::from(move |_: MouseEvent| {
            let sim = sim.borrow();
            let name = format!(
                "raftviz-seed-{}-{}ms.json",
                sim.initial_config().seed,
                sim.now()
            );
            // A refused download changes nothing on the page; the browser says why.
            let _ = download(&name, &export_trace(&sim));
        })
    };
    let import = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: Event| {
            let input = event
                .target()
                .and_then(|target| target.dyn_into::<HtmlInputElement>().ok());
            let Some(input) = input else {
                return;
            };
            if let Some(file) = input.files().and_then(|files| files.get(0)) {
                read_trace(file, dispatch.clone());
            }
            // Picking the same file again should import it again.
            input.set_value("");
        })
    };
    let copy = props.share_link.clone().map(|link| {
        let onclick = Callback::from(move |_: MouseEvent| {
            let Some(window) = web_sys::window() else {
                return;
            };
            let address = window.location().href().unwrap_or_default();
            let full = match address.split_once('#') {
                Some((base, _)) => format!("{base}{link}"),
                None => format!("{address}{link}"),
            };
            // Copying may be refused (no permission); the link stays in the address bar.
            let _ = window.navigator().clipboard().write_text(&full);
        });
        html! { <button data-action="copy-link" {onclick}>{ "Copy link" }</button> }
    });
    html! {
        <div class="share-bar" role="group" aria-label="Share and load runs">
            <button data-action="share" onclick={share}
                    aria-label="Put this run in the address bar as a link">{ "Share" }</button>
            { for copy }
            if let Some(link) = &props.share_link {
                <input class="share-link" data-share-link="" readonly=true value={link.clone()}
                       aria-label="The run's link fragment" />
            }
            <button data-action="export" onclick={export}
                    aria-label="Download this run as a JSON trace">{ "Export" }</button>
            <label class="import">
                { "Import" }
                <input type="file" accept=".json,application/json" data-import=""
                       aria-label="Load a JSON trace (or drop one on the page)" onchange={import} />
            </label>
        </div>
    }
}

/// Reads a trace file and hands its text to the reducer; an oversized file is refused
/// before it is read.
fn read_trace(file: File, dispatch: Dispatch) {
    let name = file.name();
    if file.size() > MAX_TRACE_BYTES as f64 {
        let error = format!(
            "the file is {} bytes, over the {MAX_TRACE_BYTES}-byte limit for traces",
            file.size()
        );
        dispatch.dispatch(Action::Import(name, Err(error)));
        return;
    }
    yew::platform::spawn_local(async move {
        let text = JsFuture::from(file.text())
            .await
            .ok()
            .and_then(|text| text.as_string())
            .ok_or_else(|| "the browser could not read the file".to_owned());
        dispatch.dispatch(Action::Import(name, text));
    });
}

fn download(name: &str, text: &str) -> Result<(), JsValue> {
    let options = BlobPropertyBag::new();
    options.set_type("application/json");
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or(JsValue::NULL)?;
    let anchor: HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    Url::revoke_object_url(&url)
}

/// A trace file dropped anywhere on the page is imported.
#[hook]
fn use_trace_drop(dispatch: Dispatch) {
    use_effect_with((), move |_| {
        let window = web_sys::window().expect("raftviz runs in a browser window");
        // Not passive: the browser would otherwise open the dropped file itself.
        let options = EventListenerOptions::enable_prevent_default();
        let on_drag_over = EventListener::new_with_options(&window, "dragover", options, |event| {
            event.prevent_default();
        });
        let on_drop = EventListener::new_with_options(&window, "drop", options, move |event| {
            event.prevent_default();
            let file = event
                .dyn_ref::<web_sys::DragEvent>()
                .and_then(|event| event.data_transfer())
                .and_then(|transfer| transfer.files())
                .and_then(|files| files.get(0));
            if let Some(file) = file {
                read_trace(file, dispatch.clone());
            }
        });
        move || {
            drop(on_drag_over);
            drop(on_drop);
        }
    });
}
