//! Sharing a run: a `#run=` link in the address bar, a JSON trace to download, and a
//! trace to load back by file picker or by dropping it anywhere on the page.

use gloo_events::{EventListener, EventListenerOptions};
use raftviz_sim::share::MAX_TRACE_BYTES;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, HtmlAnchorElement, HtmlInputElement, Url};
use yew::prelude::*;

use crate::i18n::{use_lang, Lang, T};
use crate::state::{Action, Dispatch, ShareOutcome};

#[derive(Properties, PartialEq)]
pub struct ShareBarProps {
    pub share: Option<ShareOutcome>,
    pub dispatch: Dispatch,
}

#[function_component(ShareBar)]
pub fn share_bar(props: &ShareBarProps) -> Html {
    let lang = use_lang();
    use_trace_drop(props.dispatch.clone(), lang);
    let share = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::Share))
    };
    let export = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::Export))
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
                read_trace(file, dispatch.clone(), lang);
            }
            // Picking the same file again should import it again.
            input.set_value("");
        })
    };
    use_copy_to_clipboard(props.share.clone(), props.dispatch.clone());
    let field = use_node_ref();
    {
        // A refused clipboard leaves the link selected, ready for Ctrl+C.
        let field = field.clone();
        let refused = props
            .share
            .as_ref()
            .filter(|share| share.copied == Some(false))
            .map(|share| share.serial);
        use_effect_with(refused, move |refused| {
            if refused.is_some() {
                if let Some(input) = field.cast::<HtmlInputElement>() {
                    let _ = input.focus();
                    input.select();
                }
            }
        });
    }
    let status = props.share.as_ref().map(|share| match share.copied {
        None => html! { <span class="share-status" role="status" data-share-status="copying">{ lang.t(T::Copying) }</span> },
        Some(true) => html! { <span class="share-status" role="status" data-share-status="copied">{ lang.t(T::Copied) }</span> },
        Some(false) => html! {
            <label class="share-status" data-share-status="refused">
                { lang.t(T::ClipboardRefused) }
                <input class="share-link" data-share-link="" readonly=true value={share.url.clone()} ref={field.clone()} />
            </label>
        },
    });
    html! {
        <div class="share-bar" role="group" aria-label={lang.t(T::ShareGroup)}>
            <button data-action="share" onclick={share}
                    title={lang.t(T::ShareTitle)}>{ lang.t(T::Share) }</button>
            // One node, shown or not, so the Share button before it keeps its focus.
            { status.unwrap_or_default() }
            <button data-action="export" onclick={export}
                    title={lang.t(T::ExportTitle)}>{ lang.t(T::Export) }</button>
            <label class="import">
                { lang.t(T::Import) }
                <input type="file" accept=".json,application/json" data-import=""
                       aria-label={lang.t(T::ImportLabel)} onchange={import} />
            </label>
        </div>
    }
}

/// Each Share press copies its link once; the answer goes back to the reducer.
#[hook]
fn use_copy_to_clipboard(share: Option<ShareOutcome>, dispatch: Dispatch) {
    let pending = share
        .filter(|share| share.copied.is_none())
        .map(|share| (share.serial, share.url));
    use_effect_with(pending, move |pending| {
        if let Some((serial, url)) = pending.clone() {
            let promise =
                web_sys::window().map(|window| window.navigator().clipboard().write_text(&url));
            yew::platform::spawn_local(async move {
                let copied = match promise {
                    Some(promise) => JsFuture::from(promise).await.is_ok(),
                    None => false,
                };
                dispatch.dispatch(Action::ShareCopied(serial, copied));
            });
        }
    });
}

/// Reads a trace file (in the trace reader's worker) and hands the run it holds to the
/// reducer; an oversized file is refused before it is read.
fn read_trace(file: File, dispatch: Dispatch, lang: Lang) {
    let name = file.name();
    if file.size() > MAX_TRACE_BYTES as f64 {
        // A whole number of bytes: an f64 written here would bring float formatting in.
        let error = lang.fill(T::TraceTooBig, &[&(file.size() as u64), &MAX_TRACE_BYTES]);
        dispatch.dispatch(Action::Import(name, Err(error)));
        return;
    }
    yew::platform::spawn_local(async move {
        let text = JsFuture::from(file.text())
            .await
            .ok()
            .and_then(|text| text.as_string());
        let run = match text {
            Some(text) => crate::trace_reader::read(text)
                .await
                .unwrap_or_else(|detail| Err(lang.fill(T::TraceReaderFailed, &[&detail]))),
            None => Err(lang.t(T::TraceUnreadable).to_owned()),
        };
        dispatch.dispatch(Action::Import(name, run));
    });
}

pub fn download(name: &str, text: &str) -> Result<(), JsValue> {
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
fn use_trace_drop(dispatch: Dispatch, lang: Lang) {
    // The listener lives as long as the page; it reads the language from here.
    let lang_now = use_mut_ref(|| lang);
    *lang_now.borrow_mut() = lang;
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
                read_trace(file, dispatch.clone(), *lang_now.borrow());
            }
        });
        move || {
            drop(on_drag_over);
            drop(on_drop);
        }
    });
}
