//! The `decimal_numbers` fuzz target's body, shared with the test that replays its
//! checked-in corpus: the page's own decimal reader must give bit for bit what
//! `str::parse::<f64>` gives, for every JSON number and every plain decimal it
//! accepts, and the shortest text of any float must read back as that float.
use raftviz_sim::decimal;

pub fn check_numbers(input: &[u8]) {
    if let Some(text) = json_number(input) {
        if let Some(ours) = decimal::parse_json_number(&text) {
            same_as_std(&text, ours);
        }
    }
    if let Ok(text) = std::str::from_utf8(input) {
        if let Some(ours) = decimal::parse(text) {
            same_as_std(text, ours);
        }
    }
    if let Some(bits) = input.first_chunk::<8>() {
        let number = f64::from_bits(u64::from_le_bytes(*bits));
        if number.is_finite() {
            let text = decimal::shortest(number);
            let back =
                decimal::parse_json_number(&text).expect("the shortest text has ≤ 17 digits");
            assert_eq!(
                back.to_bits(),
                number.to_bits(),
                "{text} does not read back as {number:e}"
            );
        }
    }
}

fn same_as_std(text: &str, ours: f64) {
    let std: f64 = text
        .parse()
        .unwrap_or_else(|_| panic!("std refuses {text:?}, which we read"));
    assert_eq!(
        ours.to_bits(),
        std.to_bits(),
        "{text}: ours {ours:e}, std {std:e}"
    );
}

/// A number in JSON's grammar, `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`,
/// shaped by the input, so that every input the fuzzer tries is one (the reader is
/// only ever handed text the JSON reader has checked).
fn json_number(input: &[u8]) -> Option<String> {
    let (&shape, rest) = input.split_first()?;
    let (lengths, digits) = rest.split_first_chunk::<4>()?;
    let mut digits = digits
        .iter()
        .map(|byte| char::from(b'0' + byte % 10))
        .chain(std::iter::repeat('0'));
    let mut text = String::new();
    if shape & 1 != 0 {
        text.push('-');
    }
    let whole = 1 + usize::from(lengths[0] % 24);
    for place in 0..whole {
        let digit = digits.next()?;
        // No leading zero, except a lone 0.
        text.push(if place == 0 && whole > 1 && digit == '0' {
            '1'
        } else {
            digit
        });
    }
    if shape & 2 != 0 {
        text.push('.');
        text.extend(digits.by_ref().take(1 + usize::from(lengths[1] % 24)));
    }
    if shape & 4 != 0 {
        text.push(if shape & 8 != 0 { 'E' } else { 'e' });
        match shape >> 4 & 3 {
            1 => text.push('-'),
            2 => text.push('+'),
            _ => {}
        }
        // 0 to 719: past the subnormals' and the overflow's edges either way.
        text.push_str(&(u16::from_le_bytes([lengths[2], lengths[3]]) % 720).to_string());
    }
    Some(text)
}
