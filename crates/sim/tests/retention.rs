//! Long runs with the page's retention keep bounded memory: the trace's
//! window, the marks, the client history, the checker's records, the
//! checkpoints. Measured by counts (`Simulation::retained`) and by the heap
//! itself: this test binary counts every byte allocated and freed.
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use raftviz_raft::Bugs;
use raftviz_sim::explore::{self, FaultPreset};
use raftviz_sim::timeline::{Timeline, CHECKPOINT_BUDGET_BYTES, MAX_CHECKPOINTS, MAX_MARKERS};
use raftviz_sim::{Retained, Retention, SimConfig, Simulation, SnapshotPolicy, UserAction};

/// The system allocator, counting the bytes in use.
struct Counting;

static HEAP: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HEAP.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        HEAP.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(pointer, layout)
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        HEAP.fetch_add(size, Ordering::Relaxed);
        HEAP.fetch_sub(layout.size(), Ordering::Relaxed);
        System.realloc(pointer, layout, size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The heap is one counter for the whole binary: tests that read it take turns.
static MEASURING: Mutex<()> = Mutex::new(());

fn heap_bytes() -> usize {
    HEAP.load(Ordering::Relaxed)
}

/// How far apart the largest and smallest of some heap samples are.
fn spread(samples: &[usize]) -> usize {
    samples.iter().max().unwrap_or(&0) - samples.iter().min().unwrap_or(&0)
}

const MINUTE: u64 = 60_000;
const HOUR: u64 = 60 * MINUTE;

/// What a long lab session does to the cluster once a virtual minute: crash
/// and restart servers, cut and heal links, send requests, and now and then
/// run key-value clients for a while.
fn session_minute(sim: &mut Simulation, minute: u64) {
    let server = (minute / 10 % 5) as usize;
    let action = match minute % 10 {
        0 => UserAction::Crash { server },
        1 => UserAction::Restart { server },
        2 => UserAction::Request { server: None },
        3 => UserAction::Isolate { server, cut: true },
        4 => UserAction::HealAll,
        5 if minute % 60 == 5 => UserAction::StartClients { count: 3 },
        6 if minute % 60 == 16 => UserAction::StopClients,
        _ => UserAction::Timeout { server },
    };
    sim.act(action);
}

/// The page's settings, snapshotting its logs as a person can ask it to.
fn page_config(seed: u64) -> SimConfig {
    SimConfig {
        snapshot_policy: SnapshotPolicy::EveryEntries(100),
        ..SimConfig::visual(seed)
    }
}

fn assert_within_page_bounds(retained: &Retained, clients: usize, when: &str) {
    let page = Retention::PAGE;
    assert!(retained.events <= page.events, "{when}: {retained:?}");
    assert!(retained.markers <= MAX_MARKERS, "{when}: {retained:?}");
    assert!(
        retained.operations <= 2 * page.operations + clients,
        "{when}: {retained:?}"
    );
    assert_eq!(
        retained.applied, 0,
        "{when}: the page keeps no applied commands"
    );
    // Five servers, logs compacted every 100 entries, in memory and on disk.
    assert!(retained.log_entries <= 5 * 2 * 400, "{when}: {retained:?}");
    assert!(retained.kv_pairs <= 5 * 200, "{when}: {retained:?}");
}

#[test]
fn ten_virtual_hours_with_the_page_settings_keep_bounded_memory() {
    let _turn = MEASURING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let start = heap_bytes();
    let mut sim = Simulation::new(page_config(3));
    let mut heap_by_hour = Vec::new();
    let mut retained_by_hour = Vec::new();
    for minute in 0..10 * 60 {
        session_minute(&mut sim, minute);
        sim.run_for(MINUTE);
        let retained = sim.retained();
        let clients = sim.clients().len();
        assert_within_page_bounds(&retained, clients, &format!("minute {minute}"));
        if minute % 60 == 59 {
            heap_by_hour.push(heap_bytes() - start);
            retained_by_hour.push(retained);
        }
    }
    assert!(sim.now() >= 10 * HOUR);
    assert!(
        sim.trace().len() > 10_000_000,
        "{} events",
        sim.trace().len()
    );
    assert!(
        sim.history().window_start().is_some(),
        "the client history moved on"
    );
    assert!(
        sim.invariants().iter().all(|status| status.ok),
        "{:?}",
        sim.invariants()
    );
    // Only the actions (the run itself) and the checker's records of terms
    // grow: one per action, and two per election.
    let (first, last) = (retained_by_hour[0], retained_by_hour[9]);
    assert_eq!(last.actions, 600);
    let terms = sim.server_view(0).term as usize;
    assert!(
        last.checker_records <= first.checker_records + 2 * terms,
        "{first:?} → {last:?}"
    );
    println!("retained by hour: {retained_by_hour:#?}");
    println!("heap of the run by hour: {heap_by_hour:?}");
    let spread = spread(&heap_by_hour[4..]);
    assert!(
        spread < 1 << 20,
        "the heap moved {spread} bytes in the last six hours"
    );
}

/// The page's reducer, natively: frames of real time times the speed, the
/// timeline observing after each, and now and then a person travelling back
/// and stepping around (which rebuilds old moments and forks nothing).
#[test]
fn tens_of_millions_of_events_the_way_the_page_runs_them_stay_bounded() {
    let _turn = MEASURING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // The URL's fastest speed; a frame counts for at most 100 ms.
    const SPEED: u64 = 1000;
    const FRAME_MS: u64 = 100;
    let start = heap_bytes();
    let mut live = Simulation::new(page_config(5));
    let mut timeline = Timeline::new(&mut live);
    let mut frame = 0u64;
    let mut heap_samples = Vec::new();
    while live.trace().len() < 20_000_000 {
        frame += 1;
        let target = live.now() + FRAME_MS * SPEED;
        live.run_until(target);
        timeline.observe(&mut live);
        if frame.is_multiple_of(60) {
            session_minute(&mut live, frame / 60);
        }
        if frame.is_multiple_of(150) {
            let back = timeline.seek_time(&live, live.now() / 3);
            let mut at = back.position();
            for _ in 0..3 {
                at = timeline.previous(&live, at).expect("an earlier moment");
            }
            let stepped = timeline.seek(&live, at);
            assert!(stepped.now() <= back.now());
        }
        let retained = live.retained();
        let clients = live.clients().len();
        assert_within_page_bounds(&retained, clients, &format!("frame {frame}"));
        assert!(timeline.checkpoints() <= MAX_CHECKPOINTS);
        assert!(timeline.bytes() <= CHECKPOINT_BUDGET_BYTES);
        if frame.is_multiple_of(50) {
            heap_samples.push(heap_bytes() - start);
        }
    }
    println!(
        "{frame} frames, {} events recorded ({} processed), {:.1} virtual hours, {} checkpoints of ~{} bytes",
        live.trace().len(),
        live.events_processed(),
        live.now() as f64 / HOUR as f64,
        timeline.checkpoints(),
        timeline.bytes() / timeline.checkpoints()
    );
    println!("heap of the run and its timeline every 50 frames: {heap_samples:?}");
    let spread = spread(&heap_samples[heap_samples.len() / 2..]);
    assert!(
        spread < 2 << 20,
        "the heap moved {spread} bytes in the second half"
    );
}

#[test]
fn checkpoints_of_a_run_with_long_logs_stay_within_their_budget() {
    let mut live = Simulation::new(SimConfig::visual(2));
    let mut timeline = Timeline::new(&mut live);
    for _ in 0..4_000 {
        live.act(UserAction::Request { server: None });
        live.run_for(50);
        timeline.observe(&mut live);
    }
    // Every request is an entry in ten logs (five servers, memory and disk).
    assert!(
        live.retained().log_entries > 30_000,
        "{:?}",
        live.retained()
    );
    assert!(timeline.bytes() <= CHECKPOINT_BUDGET_BYTES);
    assert!(timeline.checkpoints() >= 2, "{}", timeline.checkpoints());
    let sought = timeline.seek_time(&live, live.now() / 2);
    let fresh = Simulation::replay(
        live.initial_config().clone(),
        live.actions(),
        live.now() / 2,
    );
    assert_eq!(sought.trace().hash(), fresh.trace().hash());
}

#[test]
fn the_estimate_of_retained_bytes_follows_the_heap() {
    let _turn = MEASURING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut sim = Simulation::new(page_config(8));
    sim.act(UserAction::StartClients { count: 3 });
    for _ in 0..2_000 {
        sim.act(UserAction::Request { server: None });
        sim.run_for(100);
    }
    let before = heap_bytes();
    let copy = sim.clone();
    let measured = heap_bytes() - before;
    let estimated = copy.retained().approx_bytes();
    println!("a copy of the run: {measured} bytes on the heap, {estimated} estimated");
    assert!(
        estimated <= 2 * measured && measured <= 3 * estimated,
        "estimate {estimated}, heap {measured}"
    );
}

/// Forgetting the checker's records below every running server's snapshot
/// changes no run and reports nothing false, over fault schedules that
/// snapshot, with and without the protocol's deliberate bugs; it finds
/// (nearly) every violation that keeping them finds.
#[test]
fn forgetting_records_below_snapshots_changes_no_verdict() {
    let all_bugs = [
        Bugs::default(),
        Bugs {
            commit_earlier_terms: true,
            ..Bugs::default()
        },
        Bugs {
            keep_conflicting_entries: true,
            ..Bugs::default()
        },
        Bugs {
            skip_up_to_date_check: true,
            ..Bugs::default()
        },
    ];
    let mut violations = 0;
    let mut still_found = 0;
    let mut forgotten = 0;
    for bugs in all_bugs {
        for seed in 0..12 {
            let kept = SimConfig {
                bugs,
                snapshot_policy: SnapshotPolicy::EveryEntries(5),
                stop_at_violation: false,
                ..SimConfig::lab(5, 0)
            };
            let forgetting = SimConfig {
                retention: Retention {
                    applied_commands: false,
                    ..kept.retention
                },
                ..kept.clone()
            };
            let (with_records, _) =
                explore::run(&explore::schedule(seed, FaultPreset::Nasty, &kept));
            let (without, _) =
                explore::run(&explore::schedule(seed, FaultPreset::Nasty, &forgetting));
            assert_eq!(with_records.trace().hash(), without.trace().hash());
            // Nothing is reported that is not so; what a restarted server breaks
            // below the forgotten indices is found later, or not at all.
            let broken = |sim: &Simulation| -> Vec<&str> {
                sim.violations().iter().map(|v| v.invariant).collect()
            };
            let found = broken(&without);
            assert!(
                found
                    .iter()
                    .all(|name| broken(&with_records).contains(name)),
                "{bugs:?} seed {seed}: {found:?}"
            );
            violations += with_records.violations().len();
            still_found += found.len();
            forgotten += usize::from(
                without.retained().checker_records < with_records.retained().checker_records,
            );
        }
    }
    assert!(violations > 0, "the bugs should be caught somewhere");
    assert!(
        still_found * 10 >= violations * 9,
        "{still_found} of {violations} violations found"
    );
    assert!(
        forgotten > 0,
        "records should have been forgotten somewhere"
    );
}
