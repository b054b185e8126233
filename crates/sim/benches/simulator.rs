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

/// Seek times over a ten-minute visual run with an action every second:
/// (mean ms, worst ms, checkpoints kept).
fn time_travel() -> (f64, f64, usize) {
    let mut sim = Simulation::new(SimConfig::visual(7));
    let mut timeline = Timeline::new(&mut sim);
    for second in 0..600u64 {
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
    let mut worst: f64 = 0.0;
    let mut total = 0.0;
    let seeks = 200;
    for k in 0..seeks {
        let time = (k * 2_999) % sim.now();
        let started = Instant::now();
        let sought = timeline.seek_time(&sim, time);
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        assert!(sought.now() <= time);
        worst = worst.max(ms);
        total += ms;
    }
    (total / seeks as f64, worst, timeline.checkpoints())
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
    let (mean, worst, checkpoints) = time_travel();
    println!(
        "| time-travel seek in a 10-minute run (mean / worst of 200) | {mean:.1} ms / {worst:.1} ms, {checkpoints} checkpoints | ≤ 50 ms {} |",
        if worst <= 50.0 { "✔" } else { "✘" }
    );
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
