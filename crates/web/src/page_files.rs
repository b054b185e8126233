//! Files that sit beside the page and are fetched when first needed, so that their
//! text is not part of the wasm: the built-in scenarios (Trunk copies scenarios/ into
//! dist/) and the texts of languages other than English (i18n/).

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::i18n::Lang;
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

/// Fetches and installs `lang`'s texts unless the page has them already.
pub async fn load_language(lang: Lang) -> Result<(), String> {
    match lang.file() {
        Some(file) if !lang.is_ready() => lang.install(fetch_text(file).await?),
        _ => Ok(()),
    }
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
pub fn describe(error: JsValue) -> String {
    match error.dyn_into::<js_sys::Error>() {
        Ok(error) => error.to_string().into(),
        // Not a `js_sys::Error`: a thrown string or value, in its JSON form.
        Err(other) => js_sys::JSON::stringify(&other)
            .ok()
            .and_then(|text| text.as_string())
            .unwrap_or_else(|| "an error the browser gave no words for".into()),
    }
}
