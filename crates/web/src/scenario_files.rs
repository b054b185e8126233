//! The built-in scenarios' files sit beside the page (Trunk copies scenarios/ into
//! dist/) and are fetched when one is opened, so their text is not part of the wasm.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::state::{Action, Dispatch};

/// Fetches the file of the scenario the reducer is waiting for and hands back its
/// text, or why there is none, as [`Action::ScenarioArrived`].
#[hook]
pub fn use_scenario_files(dispatch: Dispatch, loading: Option<String>) {
    use_effect_with(loading, move |loading| {
        if let Some(name) = loading.clone() {
            wasm_bindgen_futures::spawn_local(async move {
                // Relative to the page, so dist/ works from any folder and no other origin.
                let text = fetch_text(&format!("scenarios/{name}.scenario")).await;
                dispatch.dispatch(Action::ScenarioArrived(name, text));
            });
        }
    });
}

async fn fetch_text(url: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .and_then(JsCast::dyn_into)
        .map_err(describe)?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(describe)?)
        .await
        .map_err(describe)?;
    Ok(text.as_string().unwrap_or_default())
}

/// A rejected fetch as the browser words it, e.g. "TypeError: Failed to fetch".
fn describe(error: JsValue) -> String {
    match error.dyn_into::<js_sys::Error>() {
        Ok(error) => error.to_string().into(),
        Err(other) => format!("{other:?}"),
    }
}
