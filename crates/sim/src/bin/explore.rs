//! `cargo xtask explore --seeds N --faults <preset>`: random fault
//! schedules under every combination of Raft settings, on all cores. A
//! failure is shrunk and written out as a trace the page imports, with a
//! `#run=` link.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use raftviz_sim::explore::{self, Failure, FaultPreset, Schedule};
use raftviz_sim::share::{encode_run, export_trace};
use raftviz_sim::SimConfig;

struct Options {
    seeds: u64,
    first_seed: u64,
    presets: Vec<FaultPreset>,
    faulty_commit: bool,
    membership_bug: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        seeds: 1000,
        first_seed: 0,
        presets: FaultPreset::ALL.to_vec(),
        faulty_commit: false,
        membership_bug: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--seeds" => options.seeds = value()?.parse().map_err(|_| "--seeds takes a number")?,
            "--first-seed" => {
                options.first_seed = value()?
                    .parse()
                    .map_err(|_| "--first-seed takes a number")?
            }
            "--faults" => {
                let name = value()?;
                options.presets = match name.as_str() {
                    "all" => FaultPreset::ALL.to_vec(),
                    _ => vec![FaultPreset::parse(name).ok_or_else(|| {
                        let names: Vec<&str> = FaultPreset::ALL.iter().map(|p| p.name()).collect();
                        format!(
                            "unknown preset {name}; choose one of: all, {}",
                            names.join(", ")
                        )
                    })?],
                };
            }
            "--faulty-commit" => options.faulty_commit = true,
            "--membership-bug" => options.membership_bug = true,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

#[derive(Default)]
struct Tally {
    failures: Vec<(u64, FaultPreset, Schedule, Failure)>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("explore: {message}\nusage: explore [--seeds N] [--first-seed S] [--faults <preset>|all] [--faulty-commit] [--membership-bug]");
            std::process::exit(2);
        }
    };
    let mut base = SimConfig::lab(5, 0);
    base.bugs.commit_earlier_terms = options.faulty_commit;
    base.bugs.change_membership_before_term_commit = options.membership_bug;
    let jobs: Vec<(u64, FaultPreset)> = options
        .presets
        .iter()
        .flat_map(|&preset| {
            (options.first_seed..options.first_seed + options.seeds).map(move |seed| (seed, preset))
        })
        .collect();
    let bar = ProgressBar::new(jobs.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} seeds  {per_sec}  eta {eta}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let next = AtomicU64::new(0);
    let events = AtomicU64::new(0);
    let tally = Mutex::new(Tally::default());
    let started = Instant::now();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed) as usize;
                let Some(&(seed, preset)) = jobs.get(index) else {
                    break;
                };
                let schedule = explore::schedule(seed, preset, &base);
                let (sim, failure) = explore::run(&schedule);
                events.fetch_add(sim.events_processed(), Ordering::Relaxed);
                if let Some(failure) = failure {
                    let mut tally = tally
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    tally.failures.push((seed, preset, schedule, failure));
                    bar.set_message(format!("{} failing", tally.failures.len()));
                }
                bar.inc(1);
            });
        }
    });
    bar.finish();
    let elapsed = started.elapsed().as_secs_f64();
    let mut tally = tally
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    tally
        .failures
        .sort_by_key(|(seed, preset, ..)| (preset.name(), *seed));
    let safety = tally
        .failures
        .iter()
        .filter(|(.., f)| matches!(f, Failure::Safety(_) | Failure::NotLinearizable(_)))
        .count();
    let liveness = tally.failures.len() - safety;
    println!(
        "\nexplored {} seeds ({} presets) in {elapsed:.1} s on {workers} threads",
        jobs.len(),
        options.presets.len()
    );
    println!("events simulated: {}", events.load(Ordering::Relaxed));
    println!("safety or linearizability violations: {safety}");
    println!("liveness failures: {liveness}");
    for (seed, preset, _, failure) in tally.failures.iter().take(10) {
        println!("  {} seed {seed}: {failure}", preset.name());
    }
    let Some((seed, preset, schedule, failure)) = tally.failures.first() else {
        return;
    };
    println!(
        "\nshrinking {} seed {seed} ({} faults)…",
        preset.name(),
        schedule.actions.len()
    );
    let (shrunk, shrunk_failure) = explore::shrink(schedule, failure);
    let (sim, _) = explore::run(&shrunk);
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/explore");
    let path = directory.join(format!("{}-seed{seed}.json", preset.name()));
    let written = std::fs::create_dir_all(&directory)
        .and_then(|()| std::fs::write(&path, export_trace(&sim)));
    println!(
        "shrunk to {} faults, {} ms: {shrunk_failure}",
        shrunk.actions.len(),
        shrunk.heal_at
    );
    match written {
        Ok(()) => println!("trace: {} (import it in the page)", path.display()),
        Err(error) => println!("could not write the trace: {error}"),
    }
    println!("link:  http://127.0.0.1:8080/#run={}", encode_run(&sim));
    println!("open it: run `cargo xtask serve`, then open the link above");
    std::process::exit(1);
}
