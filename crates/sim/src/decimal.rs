//! Decimal numbers as the page writes and reads them (coordinates, percentages,
//! speeds), done with integers: core's float formatting and parsing (Grisu, Dragon,
//! Eisel-Lemire and their tables) are a large share of the browser's download, and
//! the page never needs more than a few fixed decimals.

/// Exact powers of ten as `f64` (every one up to 10^22 is representable).
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The most decimals `fixed` writes: 10^9 × any number the page shows stays far
/// inside `u64`.
const MAX_DECIMALS: usize = 9;

/// `value` with exactly `decimals` digits after the point (at most 9), rounded half
/// away from zero: `fixed(12.345, 1)` is `"12.3"`, `fixed(0.5, 0)` is `"1"`. Not-a-number
/// reads `"0"`; magnitudes past `u64` saturate.
pub fn fixed(value: f64, decimals: usize) -> String {
    let decimals = decimals.min(MAX_DECIMALS);
    let scale = 10u64.pow(decimals as u32);
    // `as` saturates and maps NaN to 0.
    let units = (value.abs() * scale as f64 + 0.5) as u64;
    let sign = if value < 0.0 && units != 0 { "-" } else { "" };
    if decimals == 0 {
        format!("{sign}{units}")
    } else {
        format!(
            "{sign}{}.{:0decimals$}",
            units / scale,
            units % scale,
            decimals = decimals
        )
    }
}

/// Reads a plain decimal (`12`, `-0.05`, `.5`, `3.`) of at most 15 significant digits
/// and 22 decimals; anything else (exponents, `inf`, signs other than a leading `-`)
/// is `None`. Within those limits both the digits and the power of ten are exact
/// `f64`s, so the one division rounds correctly: the result is bit for bit what
/// `str::parse::<f64>` gives.
pub fn parse(text: &str) -> Option<f64> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let fraction = fraction.trim_end_matches('0');
    let significant = whole.trim_start_matches('0').len()
        + if whole.trim_start_matches('0').is_empty() {
            fraction.trim_start_matches('0').len()
        } else {
            fraction.len()
        };
    if significant > 15 || fraction.len() >= POWERS_OF_TEN.len() {
        return None;
    }
    let mut mantissa: u64 = 0;
    for byte in whole.bytes().chain(fraction.bytes()) {
        mantissa = mantissa * 10 + u64::from(byte - b'0');
    }
    let magnitude = mantissa as f64 / POWERS_OF_TEN[fraction.len()];
    Some(if negative { -magnitude } else { magnitude })
}

/// Any float for a message: the shortest text that reads back as the same number (as
/// JSON writes it, from serde_json's formatter the page links anyway), and `NaN`,
/// `inf` or `-inf` by name.
pub fn shortest(number: f64) -> String {
    if number.is_nan() {
        "NaN".to_owned()
    } else if number.is_infinite() {
        if number > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        serde_json::Value::from(number).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_rounds_half_away_from_zero_to_the_decimals_asked() {
        assert_eq!(fixed(12.345, 1), "12.3");
        assert_eq!(fixed(12.35, 1), "12.4");
        assert_eq!(fixed(0.5, 0), "1");
        assert_eq!(fixed(-0.5, 0), "-1");
        assert_eq!(fixed(-0.04, 1), "0.0");
        assert_eq!(fixed(7.0, 3), "7.000");
        assert_eq!(fixed(0.0123, 3), "0.012");
        assert_eq!(fixed(100.0, 2), "100.00");
        assert_eq!(fixed(f64::NAN, 1), "0.0");
        assert_eq!(fixed(1e300, 0), u64::MAX.to_string());
    }

    #[test]
    fn fixed_agrees_with_core_formatting_away_from_ties() {
        for step in 0..20_000u32 {
            let value = f64::from(step) * 0.0137 - 50.0;
            for decimals in 0..4 {
                let ours = fixed(value, decimals);
                let core = format!("{value:.decimals$}");
                let tie = (value.abs() * 10f64.powi(decimals as i32)).fract();
                // Core writes "-0.0" for small negatives; the page wants no sign on zero.
                let core = match core.strip_prefix('-') {
                    Some(zero) if zero.bytes().all(|b| b == b'0' || b == b'.') => zero.to_owned(),
                    _ => core,
                };
                if (tie - 0.5).abs() > 1e-6 {
                    assert_eq!(ours, core, "{value}");
                }
            }
        }
    }

    #[test]
    fn parse_is_bit_for_bit_core_parse_on_plain_decimals() {
        let samples = [
            "0",
            "1",
            "10",
            "0.5",
            ".5",
            "5.",
            "-1.30",
            "0.1",
            "0.3",
            "2.675",
            "1000",
            "0.05",
            "123456789012345",
            "0.000000000000000000001",
            "99.99",
            "007.250",
            "-0",
            "3.14159265358979",
        ];
        for text in samples {
            assert_eq!(
                parse(text).map(f64::to_bits),
                text.parse::<f64>().ok().map(f64::to_bits),
                "{text}"
            );
        }
        for step in 0..100_000u32 {
            let text = format!("{}.{:04}", step / 1000, step % 10_000);
            assert_eq!(parse(&text), text.parse::<f64>().ok(), "{text}");
        }
    }

    #[test]
    fn shortest_reads_back_as_the_same_number() {
        for number in [0.1, 1.5, 0.3 - 0.2, 1e-7, 123456.75, -2.0] {
            assert_eq!(shortest(number).parse::<f64>(), Ok(number));
        }
        assert_eq!(shortest(f64::NAN), "NaN");
        assert_eq!(shortest(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn parse_refuses_what_is_not_a_plain_decimal() {
        for text in [
            "",
            ".",
            "-",
            "1e3",
            "inf",
            "NaN",
            "+1",
            "1.2.3",
            " 1",
            "1 ",
            "0x10",
            "1,5",
            "1234567890123456",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
