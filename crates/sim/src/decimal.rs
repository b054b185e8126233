//! Decimal numbers as the page writes and reads them (coordinates, percentages,
//! speeds, a trace file's probabilities), done with integers: core's float formatting
//! and parsing (Grisu, Dragon, Eisel-Lemire and their tables) are a large share of the
//! browser's download, and the page never needs more than a few fixed decimals, or the
//! shortest text of a float (from `zmij`, a few hundred bytes) and reading it back.

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

/// Reads a plain decimal (`12`, `-0.05`, `.5`, `3.`) as [`nearest`] does; anything
/// else (exponents, `inf`, signs other than a leading `-`) is `None`.
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
    nearest(negative, whole, fraction, 0)
}

/// Reads a number as JSON writes it (`-1.5e-3`), already checked to be one, as
/// [`nearest`] does.
pub fn parse_json_number(text: &str) -> Option<f64> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (digits, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((digits, exponent)) => (digits, exponent.parse::<i64>().ok()?),
        None => (unsigned, 0),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    nearest(negative, whole, fraction, exponent)
}

/// The `f64` nearest to the decimal `±whole.fraction × 10^exponent` (ties to even),
/// bit for bit what `str::parse::<f64>` gives, worked out with integers. Its digits,
/// less leading and trailing zeros, must fit a `u64` (19 of them always do; the
/// shortest text of a float has at most 17); longer ones are `None`.
fn nearest(negative: bool, whole: &str, fraction: &str, exponent: i64) -> Option<f64> {
    let mut mantissa: u64 = 0;
    let mut pending_zeros: i64 = 0;
    let significant = whole
        .bytes()
        .chain(fraction.bytes())
        .skip_while(|&digit| digit == b'0');
    for digit in significant {
        if digit == b'0' {
            pending_zeros += 1;
            continue;
        }
        for _ in 0..pending_zeros {
            mantissa = mantissa.checked_mul(10)?;
        }
        pending_zeros = 0;
        mantissa = mantissa
            .checked_mul(10)?
            .checked_add(u64::from(digit - b'0'))?;
    }
    let exponent = exponent
        .checked_add(pending_zeros)?
        .checked_sub(i64::try_from(fraction.len()).ok()?)?;
    let magnitude = if mantissa == 0 || exponent < LEAST_EXPONENT {
        0.0
    } else if exponent > GREATEST_EXPONENT {
        f64::INFINITY
    } else {
        let (quotient, inexact, power_of_two) = binary(mantissa, exponent);
        rounded(quotient, inexact, power_of_two)
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Below `u64::MAX × 10^-420` every value rounds to 0, and above 10^310 every one
/// is past `f64::MAX`.
const LEAST_EXPONENT: i64 = -420;
const GREATEST_EXPONENT: i64 = 310;

/// `mantissa × 10^exponent` as `(quotient + ε) × 2^power`: the quotient holds the
/// value's leading 64 bits (or all of them), and `inexact` says whether ε > 0. As
/// 10^e = 5^e × 2^e, only the power of five needs long arithmetic.
fn binary(mantissa: u64, exponent: i64) -> (u64, bool, i64) {
    let mut five_power = Natural::from(1);
    for _ in 0..exponent.unsigned_abs() {
        five_power.multiply_by(5);
    }
    if exponent >= 0 {
        let mut product = five_power;
        product.multiply_by(mantissa);
        let dropped = product.bits().saturating_sub(64);
        let quotient = (dropped..product.bits())
            .rev()
            .fold(0, |top, bit| top << 1 | u64::from(product.bit(bit)));
        let inexact = (0..dropped).any(|bit| product.bit(bit));
        (quotient, inexact, exponent + dropped as i64)
    } else {
        // mantissa × 2^shift / 5^-e lies within 2^62 and 2^64: a u64 quotient of at
        // least 63 bits, worked out one bit at a time.
        let mantissa_bits = 64 - mantissa.leading_zeros();
        let shift = five_power.bits() + 63 - mantissa_bits;
        let mut remainder = Natural::from(0);
        let mut quotient = 0u64;
        for bit in (0..mantissa_bits + shift).rev() {
            let next = bit >= shift && mantissa >> (bit - shift) & 1 == 1;
            remainder.double_and_add(next);
            quotient <<= 1;
            if remainder.at_least(&five_power) {
                remainder.subtract(&five_power);
                quotient |= 1;
            }
        }
        (quotient, !remainder.is_zero(), exponent - i64::from(shift))
    }
}

/// The float nearest to `(quotient + ε) × 2^power` (ties to even), with 53 bits
/// kept, fewer in the subnormal range below 2^-1022.
fn rounded(quotient: u64, inexact: bool, power: i64) -> f64 {
    let bits = i64::from(64 - quotient.leading_zeros());
    // The last bit a float keeps at this magnitude is 2^-1074 at the least.
    let keep = 53.min(power + bits + 1074);
    let dropped = bits - keep;
    if dropped <= 0 {
        return times_power_of_two(quotient as f64, power);
    }
    if dropped > 64 {
        return 0.0;
    }
    let kept = quotient.checked_shr(dropped as u32).unwrap_or(0);
    let rest = u128::from(quotient) & ((1u128 << dropped) - 1);
    let half = 1u128 << (dropped - 1);
    let round_up = rest > half || rest == half && (inexact || kept & 1 == 1);
    times_power_of_two((kept + u64::from(round_up)) as f64, power + dropped)
}

/// `value × 2^power`, exact whenever the result is a float (in two steps where
/// 2^power itself is not one).
fn times_power_of_two(value: f64, power: i64) -> f64 {
    let step = |power: i64| f64::from_bits(((1023 + power) as u64) << 52);
    match power {
        ..-1000 => value * step(-600) * step(power + 600),
        1001.. => value * step(600) * step(power - 600),
        _ => value * step(power),
    }
}

/// A natural number in 32-bit limbs, least significant first: the little long
/// arithmetic `binary` needs.
struct Natural(Vec<u32>);

impl Natural {
    fn from(value: u64) -> Natural {
        let mut natural = Natural(vec![value as u32, (value >> 32) as u32]);
        natural.trim();
        natural
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn bits(&self) -> u32 {
        self.0.last().map_or(0, |top| {
            32 * (self.0.len() as u32 - 1) + (32 - top.leading_zeros())
        })
    }

    fn bit(&self, bit: u32) -> bool {
        self.0
            .get((bit / 32) as usize)
            .is_some_and(|limb| limb >> (bit % 32) & 1 == 1)
    }

    fn multiply_by(&mut self, factor: u64) {
        let mut carry: u128 = 0;
        for limb in &mut self.0 {
            let product = u128::from(*limb) * u128::from(factor) + carry;
            *limb = product as u32;
            carry = product >> 32;
        }
        while carry != 0 {
            self.0.push(carry as u32);
            carry >>= 32;
        }
        self.trim();
    }

    fn double_and_add(&mut self, one: bool) {
        let mut carry = u32::from(one);
        for limb in &mut self.0 {
            let next = *limb >> 31;
            *limb = *limb << 1 | carry;
            carry = next;
        }
        if carry != 0 {
            self.0.push(carry);
        }
    }

    fn at_least(&self, other: &Natural) -> bool {
        if self.0.len() != other.0.len() {
            return self.0.len() > other.0.len();
        }
        self.0.iter().rev().cmp(other.0.iter().rev()) != std::cmp::Ordering::Less
    }

    /// `self − other`, for `other` ≤ `self`.
    fn subtract(&mut self, other: &Natural) {
        let mut borrow = false;
        for (position, limb) in self.0.iter_mut().enumerate() {
            let (less, under) = limb.overflowing_sub(other.0.get(position).copied().unwrap_or(0));
            let (less, under_again) = less.overflowing_sub(u32::from(borrow));
            *limb = less;
            borrow = under || under_again;
        }
        self.trim();
    }
}

/// Any float for a message: the shortest text that reads back as the same number (as
/// a trace file writes it), and `NaN`, `inf` or `-inf` by name.
pub fn shortest(number: f64) -> String {
    if number.is_nan() {
        "NaN".to_owned()
    } else if number.is_infinite() {
        if number > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        zmij::Buffer::new().format_finite(number).to_owned()
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
    fn json_numbers_are_bit_for_bit_core_parse_within_reach() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..100_000 {
            let digits = 1 + next() % 19;
            let mantissa = next() % 10u64.pow(digits as u32);
            let point = next() % (digits + 1);
            let exponent = (next() % 800) as i64 - 400;
            let written = format!("{mantissa:0width$}", width = digits as usize);
            let (whole, fraction) = written.split_at((digits - point) as usize);
            let whole = if whole.is_empty() { "0" } else { whole };
            let text = if fraction.is_empty() {
                format!("{whole}e{exponent}")
            } else {
                format!("{whole}.{fraction}E{exponent}")
            };
            let ours = parse_json_number(&text);
            assert_eq!(
                ours.map(f64::to_bits),
                text.parse::<f64>().ok().map(f64::to_bits),
                "{text}"
            );
        }
        for text in [
            "0.1",
            "0.30000000000000004",
            "5e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "2.2250738585072011e-308",
            "1.7976931348623157e308",
            "1.7976931348623159e308",
            "1e400",
            "1e-400",
            "9007199254740993",
            "-0",
            "2.5e0",
            "18446744073709551615",
        ] {
            assert_eq!(
                parse_json_number(text).map(f64::to_bits),
                text.parse::<f64>().ok().map(f64::to_bits),
                "{text}"
            );
        }
        assert_eq!(parse_json_number("123456789012345678901"), None);
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
            "123456789012345678901",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
