//! The page's decimal reader against `str::parse::<f64>`, bit for bit, on JSON
//! numbers and plain decimals; the shortest text of any float read back.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/sim/tests/fuzzing/decimal_numbers.rs"]
mod decimal_numbers;

fuzz_target!(|input: &[u8]| decimal_numbers::check_numbers(input));
