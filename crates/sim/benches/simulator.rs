//! `cargo xtask bench` (or `cargo bench -p raftviz-sim`): simulated events
//! per CPU second, CPU seconds per seed of the whole lab battery, and each
//! lab test's longest virtual run on both deliveries.
//! Single-threaded, so wall time on an idle core is CPU time.
use std::time::Instant;

use raftviz_sim::lab::{self, Longest, TEST_TIME_LIMIT_MS};
use raftviz_sim::timeline::Timeline;
use raftviz_sim::{battery, Delivery, Retention, SimConfig, Simulation, UserAction};

fn events_per_second() -> (u64, f64) {
    let mut config = SimConfig::visual(1);
    config.retention = Retention::HASH_ONLY;
    config.network.drop_probability = 0.1;
    let mut sim = Simulation::new(config);
    let started = Instant::now();
    for second in 0..600u64 {
        for _ in 0..20 {
            let _ = sim.client_request(None);
            sim.run_for(50);
        }
        if second % 30 == 10 {
            sim.crash(sim.leader().unwrap_or(0));
        }
        if second % 30 == 20 {
            (0..5).for_each(|id| sim.restart(id));
        }
    }
    (sim.events_processed(), started.elapsed().as_secs_f64())
}

/// Every lab test over `seeds` seeds: CPU seconds per seed, and each
/// test's longest virtual run.
fn battery(seeds: u64, delivery: Delivery) -> (f64, Vec<Longest>) {
    let started = Instant::now();
    let mut longest = vec![Longest::default(); battery::TESTS.len()];
    for seed in 0..seeds {
        for (test, longest) in battery::TESTS.iter().zip(&mut longest) {
            let mut lab = test.lab(seed, delivery);
            match lab::timed(&mut lab, test.body) {
                Ok(ms) if ms > longest.ms => *longest = Longest { ms, seed },
                Ok(_) => {}
                Err(failure) => panic!("{} ({delivery:?}) seed {seed}: {failure}", test.name),
            }
        }
    }
    (started.elapsed().as_secs_f64() / seeds as f64, longest)
}

fn seconds(longest: Longest) -> String {
    format!(
        "{:.1} s (seed {})",
        longest.ms as f64 / 1000.0,
        longest.seed
    )
}

/// A visual run of `minutes` observed as the page does, an action every
/// second, with its timeline.
fn lively_run(minutes: u64) -> (Simulation, Timeline) {
    let mut sim = Simulation::new(SimConfig::visual(7));
    let mut timeline = Timeline::new(&mut sim);
    for second in 0..minutes * 60 {
        for _ in 0..10 {
            sim.run_for(100);
            timeline.observe(&mut sim);
        }
        let server = (second % 5) as usize;
        let action = match second % 4 {
            0 => UserAction::Request { server: None },
            1 => UserAction::Crash { server },
            2 => UserAction::Restart { server },
            _ => UserAction::Timeout { server },
        };
        sim.act(action);
    }
    (sim, timeline)
}

/// Median and worst of some timings, in ms.
fn median_and_worst(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[ms.len() - 1])
}

fn timed<T>(run: impl FnOnce() -> T) -> (T, f64) {
    let started = Instant::now();
    let result = run();
    (result, started.elapsed().as_secs_f64() * 1000.0)
}

/// Seek times to 200 moments spread over the run: (median ms, worst ms).
fn seek_times(sim: &Simulation, timeline: &Timeline) -> (f64, f64) {
    let times = (0..200u64).map(|k| {
        let time = (k * 2_999_987) % sim.now();
        let (sought, ms) = timed(|| timeline.seek_time(sim, time));
        assert!(sought.now() <= time);
        ms
    });
    median_and_worst(times.collect())
}

/// Stepping back one moment from the run shown at 100 moments spread over it,
/// most of them before the live run's window of events, as the page does.
fn step_back_times(sim: &Simulation, timeline: &Timeline) -> (f64, f64) {
    let times = (1..=100u64).map(|k| {
        // From a second in: the run's first moments have no moment before them.
        let time = 1_000 + (k * 2_999_987) % (sim.now() - 1_000);
        let shown = timeline.seek_time(sim, time);
        let (back, ms) = timed(|| timeline.step_back(sim, &shown));
        assert!(back.is_some(), "an earlier moment");
        ms
    });
    median_and_worst(times.collect())
}

fn main() {
    // `cargo bench` passes --bench; any other argument filters nothing here.
    let seeds = std::env::var("BENCH_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let (events, event_seconds) = events_per_second();
    let (per_seed, at_arrival) = battery(seeds, Delivery::AtArrival);
    let (labrpc_per_seed, labrpc) = battery(seeds, Delivery::Labrpc);
    println!("| measure | value | goal |");
    println!("|---|---|---|");
    println!(
        "| simulated events per CPU second (5 servers, 10 % drops, crashes) | {:.2} M ({events} events in {event_seconds:.2} s) | — |",
        events as f64 / event_seconds / 1e6
    );
    println!(
        "| CPU seconds per seed, whole battery ({} tests, {seeds} seeds) | {per_seed:.4} s | < 0.1 s {} |",
        battery::TESTS.len(),
        if per_seed < 0.1 { "✔" } else { "✘" }
    );
    println!(
        "| the same on labrpc's delivery | {labrpc_per_seed:.4} s | < 0.1 s {} |",
        if labrpc_per_seed < 0.1 { "✔" } else { "✘" }
    );
    println!(
        "| projected 10,000-seed battery, one core, both deliveries | {:.0} s | minutes |",
        (per_seed + labrpc_per_seed) * 10_000.0
    );
    for minutes in [10, 60] {
        let (sim, timeline) = lively_run(minutes);
        let (median, worst) = seek_times(&sim, &timeline);
        let run = if minutes == 60 {
            "1-hour".to_string()
        } else {
            format!("{minutes}-minute")
        };
        println!(
            "| time-travel seek in a {run} run (median / worst of 200) | {median:.1} ms / {worst:.1} ms, {} checkpoints | ≤ 50 ms / ≤ 250 ms {} |",
            timeline.checkpoints(),
            if median <= 50.0 && worst <= 250.0 { "✔" } else { "✘" }
        );
        let (median, worst) = step_back_times(&sim, &timeline);
        println!(
            "| step back one moment in a {run} run, most older than the event window (median / worst of 100) | {median:.1} ms / {worst:.1} ms | ≤ 50 ms / ≤ 250 ms {} |",
            if median <= 50.0 && worst <= 250.0 { "✔" } else { "✘" }
        );
    }
    println!();
    println!(
        "| lab test | servers | network | longest virtual run of {seeds} seeds, at arrival | the same, labrpc | within the lab's limit |"
    );
    println!("|---|---|---|---|---|---|");
    let limit = TEST_TIME_LIMIT_MS / 1000;
    for ((test, at_arrival), labrpc) in battery::TESTS.iter().zip(at_arrival).zip(labrpc) {
        println!(
            "| {} | {} | {} | {} | {} | ≤ {limit} s {} |",
            test.name,
            test.servers,
            if test.unreliable {
                "unreliable"
            } else {
                "reliable"
            },
            seconds(at_arrival),
            seconds(labrpc),
            if at_arrival.ms.max(labrpc.ms) <= TEST_TIME_LIMIT_MS {
                "✔"
            } else {
                "✘"
            }
        );
    }
}
