//! How the page names things for people.

/// Servers are numbered from 0 inside, but people count from 1 (S1..Sn).
pub fn server_name(id: usize) -> String {
    format!("S{}", id + 1)
}

/// Terms cycle through the colour-blind-safe palette in style.css (`--term-0`..`--term-6`);
/// the term number is always written on top, so a repeated colour never misleads.
pub fn term_class(term: u64) -> String {
    format!("term-{}", term % 7)
}

/// "1/50×" below real time, "2.5×" above: the way people say slow motion.
pub fn speed_label(speed: f64) -> String {
    if speed < 1.0 {
        format!("1/{:.0}×", 1.0 / speed)
    } else {
        let number = format!("{speed:.2}");
        format!("{}×", number.trim_end_matches('0').trim_end_matches('.'))
    }
}
