//! The float functions the page draws with (the ring's angles, the speed slider's
//! logarithmic scale), taken from the browser's `Math` rather than compiled into the
//! wasm, which would carry libm's sine and cosine with their argument reduction
//! (about 4 KB). Nothing here decides a run: the simulator never calls them. Native
//! tests use the standard library's.

#[cfg(target_arch = "wasm32")]
mod imp {
    pub fn sin(x: f64) -> f64 {
        js_sys::Math::sin(x)
    }
    pub fn cos(x: f64) -> f64 {
        js_sys::Math::cos(x)
    }
    pub fn log10(x: f64) -> f64 {
        js_sys::Math::log10(x)
    }
    pub fn powf(base: f64, exponent: f64) -> f64 {
        js_sys::Math::pow(base, exponent)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    pub fn sin(x: f64) -> f64 {
        x.sin()
    }
    pub fn cos(x: f64) -> f64 {
        x.cos()
    }
    pub fn log10(x: f64) -> f64 {
        x.log10()
    }
    pub fn powf(base: f64, exponent: f64) -> f64 {
        base.powf(exponent)
    }
}

pub use imp::{cos, log10, powf, sin};
