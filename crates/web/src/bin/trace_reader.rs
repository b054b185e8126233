//! The page's trace reader, a worker of its own: it reads a JSON trace file and
//! answers with the run as a `#run=` fragment (or why the file was refused), so that
//! the JSON reader is not part of the page's wasm and a large file is read off the
//! page's thread. The page starts it the first time it reads a trace
//! (`crates/web/src/trace_reader.rs` has the other side).
//!
//! Each message in is a trace's text; each answer is `[true, fragment, hash known]`
//! or `[false, refusal]`, in the order the texts came. `null` first says it is ready.

use raftviz_sim::share::import_trace;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let answers = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |message: MessageEvent| {
        let text = message.data().as_string().unwrap_or_default();
        let answer = match import_trace(&text) {
            Ok(run) => {
                let (fragment, hash_known) = run.to_handover();
                js_sys::Array::of3(&true.into(), &fragment.into(), &hash_known.into())
            }
            Err(refusal) => js_sys::Array::of2(&false.into(), &refusal.to_string().into()),
        };
        // Nothing to do if the page has gone.
        let _ = answers.post_message(&answer);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as the page keeps it.
    on_message.forget();
    let _ = scope.post_message(&JsValue::NULL);
}
