//! `cargo bench -p raftviz-sim --bench linearizability`: milliseconds the
//! linearizability checker takes on generated 10,000-operation histories,
//! linearizable and with one bad read of two kinds. Best of a few runs,
//! since the machine is shared.
use std::time::Instant;

use raftviz_sim::linearizability::{check, Operation, Verdict};

#[path = "../tests/support/histories.rs"]
mod histories;

use histories::{earlier_read_missed_by, linearizable_history, Shape};

/// The history with the answered Get nearest its middle reading a value
/// nobody wrote, which the checker rules out before any search.
fn with_a_read_never_written(mut history: Vec<Operation>) -> Vec<Operation> {
    let read = (history.len() / 2..history.len())
        .find(|&index| history[index].output.is_some())
        .expect("an answered Get in the second half");
    history[read].output = Some("never written".into());
    history
}

/// The history with a Get near its middle answering what an earlier Get of
/// the same key answered, although an Append to that key was sent after the
/// earlier Get returned and returned before the later one was sent. No Put
/// came in between, so the checker's precheck lets it through and the
/// search must find it.
fn with_a_read_missing_an_append(mut history: Vec<Operation>) -> Vec<Operation> {
    let (earlier, later) = (history.len() / 2..history.len())
        .find_map(|later| Some((earlier_read_missed_by(&history, later)?, later)))
        .expect("two reads of a key with only appends between them");
    history[later].output = history[earlier].output.clone();
    history
}

fn best_milliseconds(history: &[Operation], expect_linearizable: bool) -> f64 {
    (0..5)
        .map(|_| {
            let started = Instant::now();
            let verdict = check(history);
            let elapsed = started.elapsed().as_secs_f64() * 1e3;
            assert_eq!(verdict == Verdict::Linearizable, expect_linearizable);
            elapsed
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let shapes = [
        ("8 clients, 10 keys", 8, 10),
        ("10 clients, 10 keys", 10, 10),
        ("10 clients, 1 key", 10, 1),
    ];
    // One table for `cargo xtask bench`: measure, value, goal. One key that
    // ten clients all use shows the search at its worst, with no goal.
    println!("| measure | value | goal |");
    println!("|---|---|---|");
    for (name, clients, keys) in shapes {
        let shape = Shape {
            operations: 10_000,
            clients,
            keys,
            unanswered_one_in: 100,
        };
        let history = linearizable_history(1, &shape);
        let accepted = best_milliseconds(&history, true);
        let never_written = with_a_read_never_written(history.clone());
        let unwritten = best_milliseconds(&never_written, false);
        let stale = best_milliseconds(&with_a_read_missing_an_append(history), false);
        let worst = accepted.max(unwritten).max(stale);
        let goal = if keys >= 10 {
            if worst < 1000.0 {
                "< 1000 ms ✔"
            } else {
                "< 1000 ms ✘"
            }
        } else {
            "—"
        };
        println!(
            "| linearizability check, 10,000 ops, {name} (linearizable / read never written / read missing an append; best of 5) \
             | {accepted:.1} / {unwritten:.1} / {stale:.1} ms | {goal} |"
        );
    }
}
