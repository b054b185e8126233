//! How the page names things for people.

use crate::i18n::{Lang, T};
use raftviz_sim::decimal::fixed;

/// Servers are numbered from 0 inside, but people count from 1 (S1..Sn).
pub fn server_name(id: usize) -> String {
    format!("S{}", id + 1)
}

/// A server's role as the page says it (or that it is down).
pub fn role_name(lang: Lang, view: &raftviz_sim::ServerView) -> &'static str {
    lang.t(match (view.up, view.role) {
        (false, _) => T::RoleDown,
        (_, "leader") => T::RoleLeader,
        (_, "candidate") => T::RoleCandidate,
        (_, "precandidate") => T::RolePreCandidate,
        _ => T::RoleFollower,
    })
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
/// "State Machine Safety" (状态机安全性), `leader-append-only` "Leader Append-Only".
pub fn invariant_title(lang: Lang, name: &str) -> &str {
    let key = match name {
        "election-safety" => T::ElectionSafety,
        "leader-append-only" => T::LeaderAppendOnly,
        "log-matching" => T::LogMatching,
        "leader-completeness" => T::LeaderCompleteness,
        "state-machine-safety" => T::StateMachineSafety,
        "linearizability" => T::Linearizability,
        _ => return name,
    };
    lang.t(key)
}

/// "three" to "nine" (三 to 九): cluster sizes said the way the tagline says them.
pub fn count_word(lang: Lang, count: usize) -> String {
    const WORDS: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    const ZH: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let words = match lang {
        Lang::En => WORDS,
        Lang::Zh => ZH,
    };
    words
        .get(count)
        .map_or_else(|| count.to_string(), |word| (*word).to_owned())
}
