//! How the page names things for people.

use raftviz_sim::decimal::fixed;

/// Servers are numbered from 0 inside, but people count from 1 (S1..Sn).
pub fn server_name(id: usize) -> String {
    format!("S{}", id + 1)
}

/// Terms cycle through the pale, colour-blind-safe palette in style.css (`--term-0`..`--term-6`),
/// which no message colour shares;
/// the term number is always written on top, so a repeated colour never misleads.
pub fn term_class(term: u64) -> String {
    format!("term-{}", term % 7)
}

/// Milliseconds as seconds with three decimals, "12.345".
pub fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// "1/50×" below real time, "2.5×" above: the way people say slow motion.
pub fn speed_label(speed: f64) -> String {
    if speed < 1.0 {
        format!("1/{}×", fixed(1.0 / speed, 0))
    } else {
        let number = fixed(speed, 2);
        format!("{}×", number.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// The paper's names for the safety properties: `state-machine-safety` reads
/// "State Machine Safety", `leader-append-only` "Leader Append-Only".
pub fn invariant_title(name: &str) -> String {
    let mut words = name.split('-').map(|word| {
        let mut letters = word.chars();
        letters.next().map_or_else(String::new, |first| {
            first.to_uppercase().chain(letters).collect::<String>()
        })
    });
    let mut title = words.next().unwrap_or_default();
    for word in words {
        title.push(if word == "Only" { '-' } else { ' ' });
        title.push_str(&word);
    }
    title
}

/// "three" to "nine": cluster sizes said the way the tagline says them.
pub fn count_word(count: usize) -> String {
    const WORDS: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    WORDS
        .get(count)
        .map_or_else(|| count.to_string(), |word| (*word).to_owned())
}
