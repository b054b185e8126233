//! How the page names things for people.

use crate::i18n::{Lang, T};
use raftviz_sim::decimal::fixed;
use raftviz_sim::{ConfChange, ConfigurationView};

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
        "committed-stays-committed" => T::CommittedStaysCommitted,
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

/// Server ids as names, runs of three or more shortened: "S1–S3 S5".
pub fn ids_name(ids: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut rest = ids;
    while let Some(&first) = rest.first() {
        let run = rest
            .iter()
            .enumerate()
            .take_while(|&(offset, &id)| id == first + offset)
            .count();
        parts.push(match run {
            1 => server_name(first),
            2 => format!("{} {}", server_name(first), server_name(first + 1)),
            _ => format!("{}–{}", server_name(first), server_name(first + run - 1)),
        });
        rest = &rest[run..];
    }
    parts.join(" ")
}

/// A configuration's voters: "S1–S5", or while joint C_old → C_new: "S1–S5 → S1–S3".
pub fn configuration_name(configuration: &ConfigurationView) -> String {
    if configuration.is_joint() {
        format!(
            "{} → {}",
            ids_name(&configuration.outgoing),
            ids_name(&configuration.voters)
        )
    } else {
        ids_name(&configuration.voters)
    }
}

/// voter, learner or removed (`ServerView::member`), in words.
pub fn member_word(lang: Lang, member: &str) -> &'static str {
    lang.t(match member {
        "voter" => T::MemberVoter,
        "learner" => T::MemberLearner,
        _ => T::MemberRemoved,
    })
}

/// Membership changes in words: "remove S2, S6 as a learner".
pub fn changes_words(lang: Lang, changes: &[ConfChange]) -> String {
    changes
        .iter()
        .map(|change| match *change {
            ConfChange::AddVoter(id) => lang.fill(T::ChangeAsVoter, &[&server_name(id)]),
            ConfChange::AddLearner(id) => lang.fill(T::ChangeAsLearner, &[&server_name(id)]),
            ConfChange::Remove(id) => lang.fill(T::ChangeRemove, &[&server_name(id)]),
        })
        .collect::<Vec<_>>()
        .join(lang.t(T::ListComma))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_servers_shorten_and_joint_configurations_show_both_halves() {
        assert_eq!(ids_name(&[0, 1, 2, 4]), "S1–S3 S5");
        assert_eq!(ids_name(&[0, 1, 3, 5, 6]), "S1 S2 S4 S6 S7");
        assert_eq!(ids_name(&[]), "");
        let joint = ConfigurationView {
            index: 7,
            voters: vec![0, 1, 2, 5],
            outgoing: vec![0, 1, 2, 3, 4],
            learners: vec![6],
        };
        assert_eq!(configuration_name(&joint), "S1–S5 → S1–S3 S6");
        assert_eq!(
            changes_words(
                Lang::En,
                &[ConfChange::Remove(3), ConfChange::AddLearner(5)]
            ),
            "remove S4, S6 as a learner"
        );
    }
}
