//! The linearizability checker against hand-made histories whose verdict is
//! known, against random histories of an atomic store, linearizable by
//! construction until one read is corrupted, and against an exhaustive
//! search on thousands of tiny random histories.
use std::collections::HashMap;

use raftviz_sim::linearizability::{check, check_window, History, OpKind, Operation, Verdict};

fn operation(kind: OpKind, key: &str, value: &str, output: Option<&str>, call: u64) -> Operation {
    Operation {
        client: 0,
        kind,
        key: key.into(),
        value: value.into(),
        output: output.map(Into::into),
        call,
        ret: None,
    }
}

fn put(key: &str, value: &str, call: u64, ret: u64) -> Operation {
    returned(operation(OpKind::Put, key, value, None, call), ret)
}

fn append(key: &str, value: &str, call: u64, ret: u64) -> Operation {
    returned(operation(OpKind::Append, key, value, None, call), ret)
}

fn get(key: &str, output: &str, call: u64, ret: u64) -> Operation {
    returned(operation(OpKind::Get, key, "", Some(output), call), ret)
}

fn returned(operation: Operation, ret: u64) -> Operation {
    Operation {
        ret: Some(ret),
        ..operation
    }
}

/// A Put or Append whose client never heard back.
fn unanswered(kind: OpKind, key: &str, value: &str, call: u64) -> Operation {
    operation(kind, key, value, None, call)
}

fn assert_linearizable(history: &[Operation]) {
    assert_eq!(check(history), Verdict::Linearizable, "{history:#?}");
}

/// Asserts that `key` is named, with every one of its operations.
fn assert_violation(history: &[Operation], key: &str) {
    let operations = (0..history.len())
        .filter(|&index| history[index].key == key)
        .collect();
    let expected = Verdict::Violation {
        key: key.into(),
        operations,
    };
    assert_eq!(check(history), expected, "{history:#?}");
}

// ---- Histories that must be rejected ----

#[test]
fn stale_read_is_a_violation() {
    assert_violation(
        &[
            put("x", "1", 0, 10),
            put("x", "2", 20, 30),
            get("x", "1", 40, 50),
        ],
        "x",
    );
}

#[test]
fn lost_write_is_a_violation() {
    assert_violation(&[put("x", "1", 0, 10), get("x", "", 20, 30)], "x");
}

#[test]
fn duplicated_append_is_a_violation() {
    assert_violation(&[append("x", "a", 0, 10), get("x", "aa", 20, 30)], "x");
}

#[test]
fn read_of_a_value_never_written_is_a_violation() {
    assert_violation(&[put("x", "1", 0, 10), get("x", "ghost", 5, 30)], "x");
}

#[test]
fn reads_must_not_go_back_in_time_during_a_write() {
    // The write is concurrent with both reads, but once the first read saw
    // it the later one cannot miss it.
    assert_violation(
        &[
            put("x", "1", 0, 100),
            get("x", "1", 10, 20),
            get("x", "", 30, 40),
        ],
        "x",
    );
}

#[test]
fn appends_seen_in_two_orders_are_a_violation() {
    assert_violation(
        &[
            append("x", "a", 0, 100),
            append("x", "b", 0, 100),
            get("x", "ab", 110, 120),
            get("x", "ba", 130, 140),
        ],
        "x",
    );
}

#[test]
fn a_write_cannot_be_seen_before_it_was_sent() {
    assert_violation(
        &[
            get("x", "early", 10, 20),
            unanswered(OpKind::Put, "x", "early", 30),
        ],
        "x",
    );
}

#[test]
fn a_write_cannot_be_seen_before_it_was_sent_even_once_answered() {
    assert_violation(&[get("x", "1", 0, 10), put("x", "1", 20, 30)], "x");
}

#[test]
fn a_return_one_ms_before_a_call_orders_them() {
    assert_violation(&[put("x", "1", 0, 10), get("x", "", 11, 20)], "x");
}

#[test]
fn the_violating_key_is_named_with_only_its_operations() {
    assert_violation(
        &[
            put("fine", "1", 0, 10),
            put("broken", "1", 0, 10),
            get("fine", "1", 20, 30),
            get("broken", "", 20, 30),
        ],
        "broken",
    );
}

#[test]
fn the_first_key_to_appear_is_named_when_several_are_violated() {
    assert_violation(&[get("b", "never", 0, 10), get("a", "never", 0, 10)], "b");
}

// ---- Histories that must be accepted ----

#[test]
fn empty_history_is_linearizable() {
    assert_linearizable(&[]);
}

#[test]
fn reading_an_absent_key_gives_the_empty_string() {
    assert_linearizable(&[get("x", "", 0, 10)]);
}

#[test]
fn a_read_concurrent_with_a_write_may_see_it_or_not() {
    assert_linearizable(&[put("x", "1", 0, 10), get("x", "", 5, 15)]);
    assert_linearizable(&[put("x", "1", 0, 10), get("x", "1", 5, 15)]);
}

#[test]
fn concurrent_appends_may_take_effect_in_either_order() {
    for output in ["ab", "ba"] {
        assert_linearizable(&[
            append("x", "a", 0, 10),
            append("x", "b", 5, 15),
            get("x", output, 20, 30),
        ]);
    }
}

#[test]
fn appends_build_on_puts() {
    assert_linearizable(&[
        put("x", "1", 0, 10),
        append("x", "2", 20, 30),
        get("x", "12", 25, 35),
        put("x", "3", 40, 50),
        append("x", "4", 60, 70),
        append("x", "5", 60, 80),
        get("x", "354", 90, 100),
    ]);
}

#[test]
fn a_return_and_a_call_at_the_same_instant_are_concurrent() {
    assert_linearizable(&[put("x", "1", 0, 10), get("x", "", 10, 20)]);
}

#[test]
fn an_unanswered_write_may_have_taken_effect() {
    assert_linearizable(&[
        unanswered(OpKind::Put, "x", "1", 0),
        get("x", "", 100, 110),
        get("x", "1", 200, 210),
        get("x", "1", 300, 310),
    ]);
    assert_linearizable(&[
        put("x", "a", 0, 10),
        unanswered(OpKind::Append, "x", "b", 20),
        get("x", "ab", 100, 110),
    ]);
}

#[test]
fn an_unanswered_write_may_never_have_taken_effect() {
    assert_linearizable(&[
        put("x", "1", 0, 10),
        unanswered(OpKind::Put, "x", "2", 20),
        unanswered(OpKind::Append, "x", "3", 20),
        get("x", "1", 100, 110),
    ]);
}

#[test]
fn an_unanswered_write_cannot_be_undone_once_seen() {
    assert_violation(
        &[
            unanswered(OpKind::Put, "x", "1", 0),
            get("x", "1", 100, 110),
            get("x", "", 200, 210),
        ],
        "x",
    );
}

#[test]
fn an_unanswered_read_tells_nothing() {
    assert_linearizable(&[
        put("x", "1", 0, 10),
        operation(OpKind::Get, "x", "", None, 20),
        operation(OpKind::Get, "x", "", Some("ghost"), 20),
    ]);
}

#[test]
fn many_keys_are_checked_independently() {
    let history: Vec<Operation> = (0..500u64)
        .flat_map(|n| {
            let (key, value) = (format!("k{}", n % 100), format!("v{n}"));
            let call = n * 10;
            [
                put(&key, &value, call, call + 30),
                get(&key, &value, call + 30, call + 40),
            ]
        })
        .collect();
    assert_linearizable(&history);
}

#[test]
fn history_records_calls_and_returns() {
    let mut history = History::new();
    let write = history.call(1, OpKind::Put, "x", "1", 0);
    let read = history.call(2, OpKind::Get, "x", "", 5);
    let lost = history.call(3, OpKind::Append, "x", "2", 6);
    history.ret(write, None, 10);
    history.ret(read, Some("1".into()), 12);
    assert_eq!(history.operations()[lost].ret, None);
    assert_eq!(history.operations()[read], {
        let mut expected = get("x", "1", 5, 12);
        expected.client = 2;
        expected
    });
    assert_eq!(check(history.operations()), Verdict::Linearizable);
    let stale = history.call(2, OpKind::Get, "x", "", 20);
    history.ret(stale, Some(String::new()), 25);
    assert_violation(history.operations(), "x");
}

// ---- Random histories ----

#[path = "support/histories.rs"]
mod histories;

use histories::{earlier_read_missed_by, linearizable_history, Shape, SplitMix64};

fn shape_for(seed: u64) -> Shape {
    Shape {
        operations: 300,
        clients: 1 + (seed % 10) as usize,
        keys: 1 + seed % 4,
        unanswered_one_in: 20,
    }
}

#[test]
fn random_histories_of_an_atomic_store_are_linearizable() {
    for seed in 0..300 {
        let history = linearizable_history(seed, &shape_for(seed));
        assert_eq!(check(&history), Verdict::Linearizable, "seed {seed}");
    }
}

#[test]
fn a_random_history_with_one_read_of_a_value_never_written_is_a_violation() {
    for seed in 0..300 {
        let mut history = linearizable_history(seed, &shape_for(seed));
        let read = (history.len() / 2..history.len())
            .find(|&index| history[index].output.is_some())
            .expect("an answered Get in the second half");
        history[read].output = Some("never written".into());
        assert_violation_names(&history, read, seed);
    }
}

/// Makes a Get near the middle answer what an earlier Get of the same key
/// answered, although an Append to that key was sent after the earlier Get
/// returned and returned before the later one was sent: with every value
/// written once, nothing can remove what that Append added. The later Get
/// had seen the earlier one's value extended, so no Put came between them
/// and it is the search, not the checker's precheck, that must reject
/// this. Returns the later Get, or None when the history has no such pair.
fn make_a_read_miss_an_append(history: &mut [Operation]) -> Option<usize> {
    let (earlier, later) = (history.len() / 2..history.len())
        .find_map(|later| Some((earlier_read_missed_by(history, later)?, later)))?;
    history[later].output = history[earlier].output.clone();
    Some(later)
}

fn assert_violation_names(history: &[Operation], read: usize, seed: u64) {
    match check(history) {
        Verdict::Violation { key, operations } => {
            assert_eq!(key, history[read].key, "seed {seed}");
            assert!(operations.contains(&read), "seed {seed}");
        }
        Verdict::Linearizable => panic!("seed {seed}: corrupted read accepted"),
    }
}

#[test]
fn a_random_history_with_one_read_missing_an_append_is_a_violation() {
    let mut corrupted = 0;
    for seed in 0..300 {
        let mut history = linearizable_history(seed, &shape_for(seed));
        if let Some(read) = make_a_read_miss_an_append(&mut history) {
            assert_violation_names(&history, read, seed);
            corrupted += 1;
        }
    }
    assert!(corrupted > 200, "only {corrupted} histories had such reads");
}

// ---- Small random histories against an exhaustive search ----

/// Whether some order of the operations explains every answered Get: tries
/// every order consistent with real time, unanswered writes included or
/// left out, with no pruning at all.
fn brute_force_linearizable(history: &[Operation]) -> bool {
    let mut used = vec![false; history.len()];
    let mut store = HashMap::new();
    extends(history, &mut used, &mut store)
}

fn extends(history: &[Operation], used: &mut [bool], store: &mut HashMap<String, String>) -> bool {
    let must_still_happen =
        (0..history.len()).any(|index| !used[index] && answered(&history[index]));
    if !must_still_happen {
        return true;
    }
    for next in 0..history.len() {
        let waits_for_another = (0..history.len()).any(|other| {
            !used[other]
                && history[other]
                    .ret
                    .is_some_and(|ret| ret < history[next].call)
        });
        if used[next] || waits_for_another {
            continue;
        }
        let operation = &history[next];
        let before = store.get(&operation.key).cloned().unwrap_or_default();
        let after = match operation.kind {
            OpKind::Get if !answered(operation) => before.clone(),
            OpKind::Get if operation.output.as_deref() == Some(&before) => before.clone(),
            OpKind::Get => continue,
            OpKind::Put => operation.value.clone(),
            OpKind::Append => before.clone() + &operation.value,
        };
        used[next] = true;
        store.insert(operation.key.clone(), after);
        let found = extends(history, used, store);
        used[next] = false;
        store.insert(operation.key.clone(), before);
        if found {
            return true;
        }
    }
    false
}

/// Whether the operation must appear in any linearization: it returned,
/// and if a Get, with a value.
fn answered(operation: &Operation) -> bool {
    operation.ret.is_some() && (operation.kind != OpKind::Get || operation.output.is_some())
}

/// Up to seven operations on one or two keys with a tiny alphabet, random
/// times with many ties and random reads: linearizable or not by chance.
fn tiny_random_history(random: &mut SplitMix64) -> Vec<Operation> {
    const VALUES: [&str; 3] = ["", "a", "b"];
    const READS: [&str; 7] = ["", "a", "b", "aa", "ab", "ba", "bb"];
    let count = 1 + random.below(7);
    (0..count)
        .map(|_| {
            let kind = [OpKind::Get, OpKind::Put, OpKind::Append][random.below(3) as usize];
            let call = random.below(8);
            let ret = (random.below(5) != 0).then(|| call + random.below(6));
            Operation {
                client: 0,
                kind,
                key: ["x", "y"][random.below(2) as usize].into(),
                value: match kind {
                    OpKind::Get => String::new(),
                    _ => VALUES[random.below(3) as usize].into(),
                },
                output: (kind == OpKind::Get && ret.is_some())
                    .then(|| READS[random.below(7) as usize].into()),
                call,
                ret,
            }
        })
        .collect()
}

#[test]
fn small_random_histories_agree_with_exhaustive_search() {
    let violations = agree_on_tiny_histories(7, 20_000, brute_force_linearizable, check);
    // Both verdicts must be well represented for the comparison to mean much.
    assert!(
        (2_000..18_000).contains(&violations),
        "{violations} violations"
    );
}

/// Asserts that `verdict` agrees with `expected` on `cases` tiny random histories;
/// returns how many of them are violations.
fn agree_on_tiny_histories(
    seed: u64,
    cases: usize,
    expected: impl Fn(&[Operation]) -> bool,
    verdict: impl Fn(&[Operation]) -> Verdict,
) -> usize {
    let mut random = SplitMix64(seed);
    let mut violations = 0;
    for case in 0..cases {
        let history = tiny_random_history(&mut random);
        let linearizable = expected(&history);
        let verdict = verdict(&history);
        assert_eq!(
            verdict == Verdict::Linearizable,
            linearizable,
            "case {case}: {verdict:?} for {history:#?}"
        );
        violations += usize::from(!linearizable);
    }
    violations
}

/// Whether some value the keys held before the history began explains it:
/// the values that matter are those a read can begin with.
fn brute_force_linearizable_from_any_start(history: &[Operation]) -> bool {
    const STARTS: [&str; 7] = ["", "a", "b", "aa", "ab", "ba", "bb"];
    STARTS.iter().any(|x| {
        STARTS.iter().any(|y| {
            let mut used = vec![false; history.len()];
            let mut store =
                HashMap::from([("x".into(), x.to_string()), ("y".into(), y.to_string())]);
            extends(history, &mut used, &mut store)
        })
    })
}

#[test]
fn small_random_windows_agree_with_exhaustive_search_from_any_start() {
    let violations = agree_on_tiny_histories(
        11,
        6_000,
        brute_force_linearizable_from_any_start,
        |history| check_window(history, |_| true),
    );
    assert!(
        (300..5_700).contains(&violations),
        "{violations} violations"
    );
}

/// Feeds a history to `recorder` as its clients lived it: calls and returns
/// in time order, a return after a call at the same instant.
fn record(history: &[Operation], recorder: &mut History, mut after_each: impl FnMut(&History)) {
    let mut moments: Vec<(u64, bool, usize)> = history
        .iter()
        .enumerate()
        .flat_map(|(index, op)| {
            std::iter::once((op.call, false, index)).chain(op.ret.map(|ret| (ret, true, index)))
        })
        .collect();
    moments.sort_unstable();
    let mut ids = vec![0; history.len()];
    for (time, is_return, index) in moments {
        let op = &history[index];
        if is_return {
            recorder.ret(ids[index], op.output.clone(), time);
        } else {
            ids[index] =
                recorder.call(op.client, op.kind, op.key.as_str(), op.value.as_str(), time);
        }
        after_each(recorder);
    }
}

#[test]
fn a_window_of_a_linearizable_history_is_never_called_a_violation() {
    for seed in 0..60 {
        let shape = Shape {
            unanswered_one_in: 8,
            ..shape_for(seed)
        };
        let history = linearizable_history(seed, &shape);
        for keep in [3, 10, 40] {
            let mut window = History::keeping(keep);
            let mut checks = 0;
            record(&history, &mut window, |window| {
                checks += 1;
                if checks % 13 == 0 {
                    assert_eq!(
                        window.check(),
                        Verdict::Linearizable,
                        "seed {seed}, keep {keep}"
                    );
                }
            });
            assert_eq!(
                window.check(),
                Verdict::Linearizable,
                "seed {seed}, keep {keep}"
            );
            assert!(
                window.window_start().is_some(),
                "seed {seed}: the window moved"
            );
            // Beyond the window, only writes under way at its start are kept:
            // one per client, as a client waits for each answer (in a
            // simulation it waits for ever; here it may go on without one).
            let never_answered = history
                .iter()
                .filter(|op| op.kind != OpKind::Get && op.ret.is_none())
                .count();
            assert!(
                window.retained() <= 2 * keep + shape.clients + never_answered,
                "seed {seed}, keep {keep}"
            );
        }
    }
}

#[test]
fn a_violation_inside_the_window_is_found() {
    for seed in 0..200 {
        let mut history = linearizable_history(seed, &shape_for(seed));
        let read = (history.len() - 20..history.len())
            .find(|&index| history[index].output.is_some())
            .expect("an answered Get near the end");
        history[read].output = Some("never written".into());
        let mut window = History::keeping(40);
        record(&history, &mut window, |_| {});
        assert_ne!(window.check(), Verdict::Linearizable, "seed {seed}");
    }
}

#[test]
fn a_write_under_way_at_the_window_start_may_still_take_effect() {
    let mut window = History::keeping(2);
    // The Put of "z" is sent before the window starts and answered long after.
    let slow = window.call(0, OpKind::Put, "x", "z", 0);
    let early = window.call(1, OpKind::Put, "x", "p", 1);
    window.ret(early, None, 2);
    let mut time = 10;
    for value in ["q", "r"] {
        let put = window.call(1, OpKind::Put, "x", value, time);
        window.ret(put, None, time + 1);
        time += 10;
    }
    let read = window.call(1, OpKind::Get, "x", "", time);
    // The window moved past the early Put, while the slow one was under way.
    assert!(window.window_start().is_some_and(|start| start > 1));
    window.ret(read, Some("z".into()), time + 1);
    window.ret(slow, None, time + 2);
    assert_eq!(window.check(), Verdict::Linearizable);
}

#[test]
fn a_window_starts_from_a_value_a_read_may_reveal() {
    let mut window = History::keeping(1);
    let mut time = 0;
    let mut step = |window: &mut History, kind, value: &str, output: Option<&str>| {
        let id = window.call(0, kind, "x", value, time);
        window.ret(id, output.map(Into::into), time + 1);
        time += 10;
    };
    step(&mut window, OpKind::Put, "a", None);
    step(&mut window, OpKind::Append, "b", None);
    step(&mut window, OpKind::Append, "c", None);
    // The window has dropped the Put: "ab" is not known, but can be revealed.
    step(&mut window, OpKind::Get, "", Some("abc"));
    step(&mut window, OpKind::Append, "d", None);
    step(&mut window, OpKind::Get, "", Some("abcd"));
    assert_eq!(window.check(), Verdict::Linearizable);
    // What the window did see must still agree: "abcd" then "abc" is stale.
    step(&mut window, OpKind::Get, "", Some("abcd"));
    step(&mut window, OpKind::Get, "", Some("abc"));
    assert_ne!(window.check(), Verdict::Linearizable);
}
