//! The page's side of its trace reader, a worker of its own (`src/bin/trace_reader.rs`)
//! that reads trace files: the JSON reader stays out of the page's wasm, which loads
//! faster, and a large file is read off the page's thread. The worker starts the first
//! time a trace is imported or exported; if it cannot (its files are missing, or it
//! stopped), the reading says so, and the next one starts it afresh.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Array, Function, Promise};
use raftviz_sim::share::SharedRun;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};
use yew::prelude::*;

use crate::state::{Action, Dispatch};

/// Trunk's loader for the worker, beside the page (relative, so that dist/ works
/// from any folder).
pub const LOADER: &str = "trace_reader_loader.js";

/// The run a trace file holds, or why the file was refused; `Err` outside says why
/// the reader itself could not read it.
pub type Reading = Result<Result<SharedRun, String>, String>;

/// Reads a trace file's text in the worker.
pub async fn read(text: String) -> Reading {
    let mut text = Some(text);
    let answer = Promise::new(&mut |resolve, reject| {
        let Some(text) = text.take() else { return };
        READER.with_borrow_mut(|reader| {
            if let Err(error) = ask(reader, text, resolve, reject.clone()) {
                let _ = reject.call1(&JsValue::NULL, &error);
            }
        });
    });
    let answer = JsFuture::from(answer).await.map_err(|error| {
        error
            .as_string()
            .unwrap_or_else(|| crate::page_files::describe(error))
    })?;
    let answer = Array::from(&answer);
    let said = answer.get(1).as_string().unwrap_or_default();
    if answer.get(0).is_truthy() {
        let run = SharedRun::from_handover(&said, answer.get(2).is_truthy())
            .map_err(|error| error.to_string());
        Ok(run)
    } else {
        Ok(Err(said))
    }
}

/// Checks each trace the page exports, as importing it would (short of replaying it),
/// and hands back why it would be refused.
#[hook]
pub fn use_export_check(dispatch: Dispatch, check: Option<(u32, Rc<str>)>) {
    let serial = check.as_ref().map(|(serial, _)| *serial);
    use_effect_with(serial, move |_| {
        if let Some((serial, text)) = check {
            wasm_bindgen_futures::spawn_local(async move {
                // A reader that cannot run says nothing about the file.
                let refusal = read(text.to_string()).await.ok().and_then(Result::err);
                dispatch.dispatch(Action::ExportChecked(serial, refusal));
            });
        }
    });
}

struct Reader {
    worker: Worker,
    ready: bool,
    /// Set when the worker failed to start or stopped: the next reading replaces it.
    broken: bool,
    /// Texts kept until the worker says it is ready.
    unsent: Vec<String>,
    /// Who waits for each answer (resolve, reject), in the order the texts went.
    waiting: VecDeque<(Function, Function)>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(Event)>,
}

thread_local! {
    static READER: RefCell<Option<Reader>> = const { RefCell::new(None) };
}

fn ask(
    slot: &mut Option<Reader>,
    text: String,
    resolve: Function,
    reject: Function,
) -> Result<(), JsValue> {
    if let Some(old) = slot.take_if(|reader| reader.broken) {
        old.worker.terminate();
    }
    let reader = match slot {
        Some(reader) => reader,
        None => slot.insert(start()?),
    };
    reader.waiting.push_back((resolve, reject));
    if reader.ready {
        reader.worker.post_message(&text.into())?;
    } else {
        reader.unsent.push(text);
    }
    Ok(())
}

fn start() -> Result<Reader, JsValue> {
    let worker = Worker::new(LOADER)?;
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(|message: MessageEvent| {
        READER.with_borrow_mut(|slot| {
            let Some(reader) = slot.as_mut() else { return };
            let answer = message.data();
            if answer.is_null() {
                reader.ready = true;
                for text in std::mem::take(&mut reader.unsent) {
                    let _ = reader.worker.post_message(&text.into());
                }
            } else if let Some((resolve, _)) = reader.waiting.pop_front() {
                let _ = resolve.call1(&JsValue::NULL, &answer);
            }
        });
    });
    let on_error = Closure::<dyn Fn(Event)>::new(|event: Event| {
        let detail = event
            .dyn_ref::<ErrorEvent>()
            .map(ErrorEvent::message)
            .filter(|message| !message.is_empty())
            .map_or_else(
                || LOADER.to_owned(),
                |message| format!("{LOADER}: {message}"),
            );
        READER.with_borrow_mut(|slot| {
            let Some(reader) = slot.as_mut() else { return };
            reader.broken = true;
            for (_, reject) in reader.waiting.drain(..) {
                let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&detail));
            }
        });
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Reader {
        worker,
        ready: false,
        broken: false,
        unsent: Vec::new(),
        waiting: VecDeque::new(),
        _on_message: on_message,
        _on_error: on_error,
    })
}
