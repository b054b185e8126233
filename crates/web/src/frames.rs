//! A hook that calls back once per animation frame with the real milliseconds since the
//! previous frame, for as long as the component is mounted.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_render::{request_animation_frame, AnimationFrame};
use yew::prelude::*;

/// A background tab gets no frames; on return, one huge step would skip the interesting
/// part, so a single frame never counts for more than this.
const MAX_FRAME_MS: f64 = 100.0;

#[hook]
pub fn use_animation_frames(on_frame: Callback<f64>) {
    use_effect_with((), move |_| {
        let pending: Rc<RefCell<Option<AnimationFrame>>> = Rc::default();
        let previous_timestamp = Rc::new(Cell::new(None::<f64>));
        schedule(pending.clone(), previous_timestamp, on_frame);
        // Dropping the pending request cancels it, which ends the loop on unmount.
        move || drop(pending.borrow_mut().take())
    });
}

fn schedule(
    pending: Rc<RefCell<Option<AnimationFrame>>>,
    previous: Rc<Cell<Option<f64>>>,
    on_frame: Callback<f64>,
) {
    let slot = pending.clone();
    let request = request_animation_frame(move |timestamp| {
        let elapsed = previous
            .get()
            .map_or(0.0, |before| (timestamp - before).clamp(0.0, MAX_FRAME_MS));
        previous.set(Some(timestamp));
        on_frame.emit(elapsed);
        schedule(slot.clone(), previous.clone(), on_frame.clone());
    });
    // Replacing the handle of the frame now running is fine: it has already fired, and
    // wasm-bindgen defers freeing a closure until its running call returns.
    *pending.borrow_mut() = Some(request);
}
