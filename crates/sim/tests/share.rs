//! Shared runs — JSON traces and `#run=` links — reproduce the run exactly,
//! and anything else is refused with a message that says why, never a panic.
use raftviz_sim::kv::Op;
use raftviz_sim::scenario::{self, ScenarioPlayer};
use raftviz_sim::share::{
    decode_run, encode_run, export, export_trace, import_trace, SharedRun, MAX_RUN_FRAGMENT_BYTES,
    MAX_TRACE_BYTES,
};
use raftviz_sim::{
    ConfChange, Delivery, Joining, NetworkConfig, RaftOptions, Retention, SimConfig, Simulation,
    SnapshotPolicy, UserAction,
};
use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64;
use serde_json::Value;

/// One of each thing a person can do, then `random_actions` more at
/// random, with time passing (whole runs and single steps) in between.
fn clicking_session(config: SimConfig, random_actions: usize) -> Simulation {
    let mut rng = Pcg64::seed_from_u64(config.seed);
    let servers = config.servers;
    let mut sim = Simulation::new(config);
    let every_kind = 16;
    for turn in 0..every_kind + random_actions {
        if rng.next_u64() % 3 == 0 {
            for _ in 0..rng.next_u64() % 5 {
                sim.step();
            }
        } else {
            sim.run_for(rng.next_u64() % 300);
        }
        let server = (rng.next_u64() % servers as u64) as usize;
        let other = (server + 1 + (rng.next_u64() % (servers as u64 - 1)) as usize) % servers;
        let flip = rng.next_u64() % 2 == 0;
        let kind = if turn < every_kind {
            turn as u64
        } else {
            rng.next_u64() % every_kind as u64
        };
        let message = sim.in_flight().map(|flight| flight.id).last();
        let action = match kind {
            0 => UserAction::Crash { server },
            1 => UserAction::Restart { server },
            2 => UserAction::Timeout { server },
            3 => UserAction::Request {
                server: flip.then_some(server),
            },
            4 => UserAction::SetLink {
                from: server,
                to: other,
                cut: flip,
            },
            5 => UserAction::Isolate { server, cut: flip },
            6 => UserAction::HealAll,
            7 => UserAction::HoldLink {
                from: server,
                to: other,
                hold: flip,
            },
            // An id that may be gone by now is a fine action too.
            8 => UserAction::DropMessage {
                id: message.unwrap_or(7),
            },
            9 => UserAction::DeliverNow {
                id: message.unwrap_or(7),
            },
            10 => UserAction::Transfer {
                from: sim.leader().unwrap_or(server),
                to: other,
            },
            11 => UserAction::SetNetwork(NetworkConfig {
                drop_probability: 0.05 * (rng.next_u64() % 4) as f64,
                long_reordering: flip,
                delivery: if rng.next_u64() % 2 == 0 {
                    Delivery::Labrpc
                } else {
                    Delivery::AtArrival
                },
                ..NetworkConfig::visual()
            }),
            12 => UserAction::SetOptions(RaftOptions {
                pre_vote: flip,
                check_quorum: rng.next_u64() % 2 == 0,
                noop_on_election: rng.next_u64() % 2 == 0,
                fast_backup: rng.next_u64() % 2 == 0,
                leader_stickiness: rng.next_u64() % 2 == 0,
                clock_drift_bound_percent: (rng.next_u64() % 101) as u32,
            }),
            13 => UserAction::Submit {
                server,
                op: [Op::Put, Op::Append, Op::Get][(rng.next_u64() % 3) as usize],
                key: format!("k{}", rng.next_u64() % 3),
                value: if flip { "é→v".into() } else { String::new() },
            },
            14 => UserAction::AddServer {
                joining: Joining::ALL[(rng.next_u64() % 3) as usize],
            },
            // A single change, or a joint one that may add the next id.
            _ => {
                let next = sim.server_count();
                let mut changes = vec![if flip {
                    ConfChange::Remove(server)
                } else {
                    ConfChange::AddVoter(server)
                }];
                if rng.next_u64() % 2 == 0 {
                    changes.push(ConfChange::AddLearner(next));
                }
                UserAction::ChangeMembership { changes }
            }
        };
        sim.act(action);
    }
    sim.run_for(400);
    sim
}

/// Settings far from the defaults, so that every setting is carried.
fn unusual_settings(seed: u64) -> SimConfig {
    SimConfig {
        servers: 3 + (seed % 7) as usize,
        tick_ms: 7,
        election_timeout_ms: (200, 450),
        heartbeat_ms: 60,
        max_entries_per_append: 3,
        snapshot_chunk_bytes: 64,
        snapshot_policy: if seed.is_multiple_of(2) {
            SnapshotPolicy::EveryEntries(4)
        } else {
            SnapshotPolicy::RaftStateBytes(600)
        },
        options: RaftOptions {
            pre_vote: true,
            check_quorum: true,
            noop_on_election: true,
            fast_backup: false,
            leader_stickiness: true,
            clock_drift_bound_percent: 35,
        },
        read_mode: if seed.is_multiple_of(2) {
            raftviz_sim::ReadMode::Log
        } else {
            raftviz_sim::ReadMode::Lease
        },
        stale_read_bug: true,
        network: NetworkConfig {
            latency_ms: (2, 30),
            drop_probability: 0.1,
            duplicate_probability: 0.03,
            long_reordering: true,
            delivery: if seed.is_multiple_of(2) {
                Delivery::Labrpc
            } else {
                Delivery::AtArrival
            },
        },
        stop_at_violation: false,
        ..SimConfig::visual(seed)
    }
}

fn sessions() -> Vec<Simulation> {
    let mut runs: Vec<Simulation> = (0..4)
        .map(|seed| clicking_session(SimConfig::visual(seed), 30))
        .collect();
    runs.extend((10..14).map(|seed| clicking_session(unusual_settings(seed), 30)));
    let mut buggy = SimConfig::visual(99);
    buggy.bugs.commit_earlier_terms = true;
    buggy.bugs.forget_vote_on_restart = true;
    buggy.bugs.skip_up_to_date_check = true;
    buggy.bugs.keep_conflicting_entries = true;
    runs.push(clicking_session(buggy, 60));
    runs
}

fn assert_same_run(replayed: &Simulation, original: &Simulation, what: &str) {
    assert_eq!(
        replayed.trace().hash(),
        original.trace().hash(),
        "{what}: trace"
    );
    assert_eq!(replayed.now(), original.now(), "{what}: time");
    assert_eq!(
        replayed.events_processed(),
        original.events_processed(),
        "{what}: events processed"
    );
    assert_eq!(replayed.actions(), original.actions(), "{what}: actions");
}

/// The page reads a trace file in a worker of its own, which hands the run back as
/// a `#run=` fragment: every run a trace file holds must survive the handover whole.
#[test]
fn every_imported_run_survives_the_handover_whole() {
    let mut traces: Vec<String> = sessions().iter().map(export_trace).collect();
    traces.push(include_str!("data/v2-trace.json").to_owned());
    traces.push(include_str!("data/v3-trace.json").to_owned());
    for text in &traces {
        let run = import_trace(text).unwrap();
        let (fragment, hash_known) = run.to_handover();
        assert_eq!(
            SharedRun::from_handover(&fragment, hash_known).unwrap(),
            run
        );
    }
    let unhashed = import_trace(&include_str!("data/v3-trace.json").replacen(
        &format!("\"hash\": \"{V3_FIXTURE_HASH}\""),
        "\"hash\": null",
        1,
    ))
    .unwrap();
    assert_eq!(unhashed.hash, None);
    let (fragment, hash_known) = unhashed.to_handover();
    assert_eq!(
        SharedRun::from_handover(&fragment, hash_known).unwrap(),
        unhashed
    );
}

#[test]
fn an_exported_trace_replays_to_the_identical_run() {
    for original in sessions() {
        let seed = original.initial_config().seed;
        let text = export_trace(&original);
        let run = import_trace(&text).unwrap_or_else(|error| panic!("seed {seed}: {error}"));
        assert_eq!(run.time, original.now());
        assert_eq!(run.hash, Some(original.trace().hash()));
        assert_eq!(run.actions, original.actions());
        assert_eq!(
            run.config,
            SimConfig {
                retention: Retention::PAGE,
                ..original.initial_config().clone()
            }
        );
        let replayed = run
            .replay()
            .unwrap_or_else(|error| panic!("seed {seed}: {error}"));
        assert_same_run(&replayed, &original, &format!("trace, seed {seed}"));
    }
}

#[test]
fn a_run_link_replays_to_the_identical_run() {
    for original in sessions() {
        let seed = original.initial_config().seed;
        let fragment = encode_run(&original);
        assert!(
            fragment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "not URL-safe: {fragment}"
        );
        let run = decode_run(&fragment).unwrap_or_else(|error| panic!("seed {seed}: {error}"));
        assert_eq!(run.actions, original.actions());
        let replayed = run
            .replay()
            .unwrap_or_else(|error| panic!("seed {seed}: {error}"));
        assert_same_run(&replayed, &original, &format!("link, seed {seed}"));
    }
}

/// Single steps can leave a run in the middle of a millisecond: some of
/// its events processed, others not. A shared run must stop there too.
#[test]
fn a_run_paused_inside_a_millisecond_is_shared_exactly() {
    let mut mid_millisecond_pauses = 0;
    for steps in 0..60 {
        let mut original = Simulation::new(SimConfig::visual(11));
        original.run_for(240);
        original.act(UserAction::Timeout { server: 3 });
        for _ in 0..steps {
            original.step();
        }
        let whole_milliseconds = Simulation::replay(
            original.initial_config().clone(),
            original.actions(),
            original.now(),
        );
        if whole_milliseconds.events_processed() != original.events_processed() {
            mid_millisecond_pauses += 1;
        }
        let what = format!("{steps} steps");
        let from_link = decode_run(&encode_run(&original)).and_then(|run| run.replay());
        let from_file = import_trace(&export_trace(&original)).and_then(|run| run.replay());
        for replayed in [from_link, from_file] {
            let replayed = replayed.unwrap_or_else(|error| panic!("{what}: {error}"));
            assert_same_run(&replayed, &original, &what);
        }
    }
    assert!(
        mid_millisecond_pauses > 0,
        "no pause fell inside a millisecond: the test proves nothing"
    );
}

#[test]
fn every_played_scenario_is_shared_exactly() {
    for (name, _) in scenario::BUILT_IN {
        let played = scenario::built_in(name).unwrap_or_else(|error| panic!("{name}: {error}"));
        for variant in 0..played.variant_count() {
            let mut player = ScenarioPlayer::new(played.clone(), variant);
            while player.advance().is_some() {}
            let original = player.into_simulation();
            let what = format!("{name}, variant {:?}", played.variant_id(variant));
            let from_link = decode_run(&encode_run(&original)).and_then(|run| run.replay());
            let from_file = import_trace(&export_trace(&original)).and_then(|run| run.replay());
            for replayed in [from_link, from_file] {
                let replayed = replayed.unwrap_or_else(|error| panic!("{what}: {error}"));
                assert_same_run(&replayed, &original, &what);
            }
        }
    }
}

#[test]
fn a_link_for_twenty_actions_is_short() {
    let original = clicking_session(SimConfig::visual(2026), 4);
    assert_eq!(original.actions().len(), 20);
    let fragment = encode_run(&original);
    let trace = export_trace(&original);
    println!(
        "20 actions over {} ms: #run= {} characters; JSON trace {} bytes ({} events)",
        original.now(),
        fragment.len(),
        trace.len(),
        original.trace().len()
    );
    assert!(fragment.len() < 250, "{} characters", fragment.len());
    let fresh = Simulation::new(SimConfig::visual(7));
    println!("a fresh run: #run={}", encode_run(&fresh));
    assert!(encode_run(&fresh).len() < 20);
}

#[test]
fn the_trace_lists_every_event_with_its_text() {
    let original = clicking_session(SimConfig::visual(5), 5);
    let document: Value = serde_json::from_str(&export_trace(&original)).unwrap();
    assert_eq!(document["format"], "raftviz-trace");
    assert_eq!(document["version"], 4);
    assert_eq!(document["settings"]["seed"], 5);
    assert_eq!(
        document["hash"].as_str(),
        Some(original.trace().hash().to_string().as_str())
    );
    let events = document["events"].as_array().unwrap();
    let kept = original.trace().events();
    assert_eq!(events.len(), kept.len());
    for (written, event) in events.iter().zip(kept) {
        assert_eq!(written["time"], event.time);
        assert_eq!(written["server"].as_u64(), event.server.map(|s| s as u64));
        assert_eq!(written["text"], event.kind.to_string());
        assert!(written["kind"].as_str().is_some_and(|k| !k.is_empty()));
    }
    let UserAction::Crash { server } = original.actions()[0].action else {
        panic!("a session starts with a crash");
    };
    assert_eq!(
        document["actions"][0]["action"],
        serde_json::json!({"type": "crash", "server": server})
    );
}

/// A run's events as a trace lists them, and those of the same run replayed
/// keeping every event.
fn listed_and_replayed(original: &Simulation, text: &str) -> (Vec<Value>, Vec<String>) {
    let document: Value = serde_json::from_str(text).unwrap();
    let listed = document["events"].as_array().unwrap().clone();
    let everything = SimConfig {
        retention: Retention::EVERYTHING,
        ..original.initial_config().clone()
    };
    let mut whole = Simulation::new(everything);
    whole.replay_to_position(original.actions(), original.events_processed());
    assert_eq!(whole.trace().hash(), original.trace().hash());
    let texts = whole.trace().events().map(|e| e.kind.to_string()).collect();
    (listed, texts)
}

#[test]
fn a_run_longer_than_the_page_keeps_exports_every_event_by_replaying() {
    let mut original = Simulation::new(SimConfig::visual(12));
    for second in 0..90 {
        original.run_for(1_000);
        let server = (second / 10) % 5;
        match second % 10 {
            0 => original.act(UserAction::Crash { server }),
            5 => original.act(UserAction::Restart { server }),
            _ => {}
        }
    }
    assert!(original.trace().first_kept() > 0, "the page dropped events");
    let exported = export(&original);
    assert!(exported.is_whole());
    assert_eq!(exported.total_events, original.trace().len());
    assert!(exported.text.len() <= MAX_TRACE_BYTES);
    let (listed, replayed) = listed_and_replayed(&original, &exported.text);
    assert_eq!(listed.len(), replayed.len());
    assert!(listed
        .iter()
        .zip(&replayed)
        .all(|(l, r)| l["text"] == r.as_str()));
    let document: Value = serde_json::from_str(&exported.text).unwrap();
    assert_eq!(document["events_first"], 0);
    assert_eq!(document["events_total"], original.trace().len());
}

#[test]
fn a_run_too_long_for_a_trace_file_lists_its_latest_events_and_still_imports() {
    let mut original = Simulation::new(SimConfig::visual(13));
    for minute in 0..10 {
        original.act(UserAction::Timeout { server: minute % 5 });
        original.run_for(60_000);
    }
    let exported = export(&original);
    assert!(!exported.is_whole());
    assert!(
        exported.text.len() <= MAX_TRACE_BYTES,
        "{} bytes",
        exported.text.len()
    );
    assert!(exported.listed_events > 5_000, "{}", exported.listed_events);
    let (listed, replayed) = listed_and_replayed(&original, &exported.text);
    assert_eq!(listed.len() as u64, exported.listed_events);
    let latest = &replayed[replayed.len() - listed.len()..];
    assert!(listed
        .iter()
        .zip(latest)
        .all(|(l, r)| l["text"] == r.as_str()));
    let document: Value = serde_json::from_str(&exported.text).unwrap();
    assert_eq!(
        document["events_first"],
        original.trace().len() - exported.listed_events
    );
    let imported = import_trace(&exported.text).and_then(|run| run.replay());
    assert_same_run(&imported.unwrap(), &original, "the latest events only");
}

#[test]
fn a_replay_shows_itself_as_it_goes() {
    let original = clicking_session(SimConfig::visual(14), 10);
    let run = SharedRun::of(&original);
    let mut seen = Vec::new();
    let replayed = run.replay_observed(|sim| seen.push(sim.now())).unwrap();
    assert_same_run(&replayed, &original, "observed");
    assert_eq!(seen.first(), Some(&0));
    assert_eq!(seen.last(), Some(&original.now()));
    assert!(seen
        .windows(2)
        .all(|pair| pair[0] <= pair[1] && pair[1] - pair[0] <= 500));
}

/// A page opens a long run a slice at a time, saying how far it got: the
/// same run as replaying it at once, every session of the suite.
#[test]
fn a_replay_taken_a_slice_at_a_time_is_the_same_run() {
    for original in sessions() {
        let seed = original.initial_config().seed;
        let run = SharedRun::of(&original);
        let mut observed = 0;
        let mut replaying = run.start_replay(&mut |_| observed += 1).unwrap();
        let mut progress = Vec::new();
        while !replaying.advance(&mut |_| observed += 1) {
            progress.push(replaying.progress());
        }
        let replayed = replaying.finish().unwrap();
        assert_same_run(&replayed, &original, &format!("sliced, seed {seed}"));
        assert!(progress
            .iter()
            .all(|&(at, of)| at <= of && of == original.now()));
        assert!(progress.windows(2).all(|pair| pair[0].0 <= pair[1].0));
        assert!(observed > progress.len(), "seed {seed}");
    }
}

/// A three-hour lab at the slider's top speed (10×) is 30 virtual hours; it
/// must stay shareable. Past two days a link is refused, with the reason.
#[test]
fn a_run_of_thirty_virtual_hours_can_be_shared_but_not_one_of_three_days() {
    let hour = 3_600_000;
    let run = |time: u64| SharedRun {
        time,
        events_processed: u64::MAX,
        hash: None,
        ..SharedRun::of(&sample())
    };
    assert_eq!(run(30 * hour).validate(), Ok(()));
    let error = decode_run(&run(72 * hour).to_fragment()).unwrap_err();
    assert_says(
        &error.to_string(),
        "`time` is 259200000, but it must be at most 172800000 ms (two days)",
    );
}

#[test]
fn a_run_that_kept_no_events_still_exports() {
    let config = SimConfig {
        retention: Retention::HASH_ONLY,
        ..SimConfig::visual(8)
    };
    let original = clicking_session(config, 3);
    let text = export_trace(&original);
    assert!(text.contains("\"events\": null"));
    let replayed = import_trace(&text).unwrap().replay().unwrap();
    assert_same_run(&replayed, &original, "no events kept");
}

// ---- Refusals ----

fn sample() -> Simulation {
    clicking_session(SimConfig::visual(3), 2)
}

fn sample_trace() -> Value {
    serde_json::from_str(&export_trace(&sample())).unwrap()
}

fn import_error(document: &Value) -> String {
    match import_trace(&document.to_string()) {
        Ok(_) => panic!("accepted: {document}"),
        Err(error) => error.to_string(),
    }
}

fn link_error(run: &SharedRun) -> String {
    match decode_run(&run.to_fragment()) {
        Ok(_) => panic!("accepted: {run:?}"),
        Err(error) => error.to_string(),
    }
}

fn assert_says(message: &str, expected: &str) {
    assert!(
        message.contains(expected),
        "message {message:?} does not say {expected:?}"
    );
}

#[test]
fn a_trace_of_another_format_is_refused() {
    let mut document = sample_trace();
    document["format"] = "raftscope".into();
    assert_says(
        &import_error(&document),
        "this is not a raftviz trace: its \"format\" is \"raftscope\"",
    );
    document.as_object_mut().unwrap().remove("format");
    assert_says(&import_error(&document), "it has no \"format\"");
    assert_says(
        &import_error(&serde_json::json!([1, 2])),
        "not a raftviz trace",
    );
}

#[test]
fn an_unknown_version_is_refused() {
    let mut document = sample_trace();
    document["version"] = 99.into();
    assert_eq!(
        import_error(&document),
        "trace version 99 is not supported: this raftviz reads versions 1 to 4"
    );
    // The version byte of a link: "Yw" decodes to 0x63 = 99.
    let message = decode_run("YwAA").unwrap_err().to_string();
    assert_says(&message, "link version 99 is not supported");
}

/// A fixture's trace and link hold the same run, and each replays to
/// `hash`; the run, as the trace has it.
fn assert_fixture_replays(trace: &str, link: &str, hash: u64) -> SharedRun {
    let from_trace = import_trace(trace).unwrap();
    let from_link = decode_run(link.trim()).unwrap();
    assert_eq!(from_trace.config, from_link.config);
    assert_eq!(from_trace.actions, from_link.actions);
    for (what, run) in [("trace", &from_trace), ("link", &from_link)] {
        let replayed = run
            .replay()
            .unwrap_or_else(|error| panic!("{what}: {error}"));
        assert_eq!(replayed.trace().hash(), hash, "{what}");
    }
    from_trace
}

/// The trace hash of the run in `data/v2-*`.
const V2_FIXTURE_HASH: u64 = 16_226_058_479_529_113_239;

/// A trace and a link written by the version-2 code (the commit before
/// labrpc's delivery, seed 14: clients, a lossy network with long
/// reordering, a cut-off and a crashed server, a one-way cut): they import
/// with the simulator's delivery everywhere and replay to the very run
/// they were made from.
#[test]
fn traces_and_links_of_version_2_replay_identically() {
    let run = assert_fixture_replays(
        include_str!("data/v2-trace.json"),
        include_str!("data/v2-link.txt"),
        V2_FIXTURE_HASH,
    );
    assert_eq!(run.config.network.delivery, Delivery::AtArrival);
    // The example of docs/trace-format.md, as version 2 spelt it.
    let example = decode_run("AioA3gL8Ai6YbUkf7Ej5A8wCrAIAAhgUBAABARMZAwA").unwrap();
    assert_eq!(
        example.replay().unwrap().trace().hash(),
        17_962_866_732_887_283_758
    );
}

#[test]
fn version_2_cannot_carry_labrpcs_delivery() {
    let mut document: Value = serde_json::from_str(include_str!("data/v2-trace.json")).unwrap();
    document["settings"]["network"]["delivery"] = "labrpc".into();
    let run = import_trace(&document.to_string()).unwrap();
    assert_eq!(
        run.config.network.delivery,
        Delivery::AtArrival,
        "a field version 2 did not have is not read"
    );
    // A version-2 link with the network mask's bit 4: the example's settings
    // mask (bit 11, network) and a network byte of 0x10.
    let mut config = SimConfig::visual(42);
    config.network.delivery = Delivery::Labrpc;
    let labrpc = encode_run(&Simulation::new(config));
    assert!(decode_run(&labrpc).is_ok());
    assert_says(
        &decode_run(&with_version_byte(&labrpc, 2))
            .unwrap_err()
            .to_string(),
        "network has an unknown code 16",
    );
}

/// The link with its first byte, the version, turned into `version`: that
/// byte's top six bits are the first character, its low two bits the top
/// of the second.
fn with_version_byte(fragment: &str, version: u8) -> String {
    const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut chars = fragment.as_bytes().to_vec();
    let index = |c: u8| BASE64URL.iter().position(|&b| b == c).unwrap();
    let written = (index(chars[0]) << 2) | (index(chars[1]) >> 4);
    assert_eq!(written, usize::from(raftviz_sim::share::RUN_LINK_VERSION));
    let second = index(chars[1]);
    chars[0] = BASE64URL[usize::from(version >> 2)];
    chars[1] = BASE64URL[(usize::from(version & 3) << 4) | (second & 0xf)];
    String::from_utf8(chars).unwrap()
}

#[test]
fn an_unknown_delivery_is_refused() {
    let mut document = sample_trace();
    document["settings"]["network"]["delivery"] = "pigeon".into();
    assert_eq!(
        import_error(&document),
        "`settings.network.delivery` is \"pigeon\", but it must be \"at_arrival\" or \"labrpc\""
    );
}

#[test]
fn bad_json_is_refused_with_its_position() {
    let message = import_trace("{\"format\": \"raftviz-trace\",\n \"version\": }")
        .unwrap_err()
        .to_string();
    assert_says(&message, "the file is not valid JSON");
    assert_says(&message, "line 2 column");
    assert_says(&import_trace("").unwrap_err().to_string(), "not valid JSON");
}

#[test]
fn deep_nesting_is_refused_as_not_json_not_a_stack_overflow() {
    let message = import_trace(&"[".repeat(100_000)).unwrap_err().to_string();
    assert_says(
        &message,
        "not valid JSON: lists and objects nested too deeply",
    );
}

#[test]
fn any_probability_reads_back_from_a_trace_bit_for_bit() {
    for probability in [
        0.1 + 0.2,
        1e-7 / 3.0,
        0.999_999_999_999_999_9,
        5e-324,
        2.225e-308,
    ] {
        let mut config = SimConfig::visual(3);
        config.network.drop_probability = probability;
        config.network.duplicate_probability = probability / 7.0;
        let mut sim = Simulation::new(config);
        sim.run_for(2_000);
        let run = import_trace(&export_trace(&sim)).unwrap();
        let network = &run.config.network;
        assert_eq!(network.drop_probability.to_bits(), probability.to_bits());
        assert_eq!(
            network.duplicate_probability.to_bits(),
            (probability / 7.0).to_bits()
        );
        assert!(run.replay().is_ok(), "{probability} replays differently");
    }
}

#[test]
fn a_probability_of_more_digits_than_a_float_holds_is_refused_by_name() {
    let text = export_trace(&sample());
    let field = "\"drop_probability\": ";
    let start = text.find(field).unwrap() + field.len();
    let end = start + text[start..].find(',').unwrap();
    let edited = format!("{}0.123456789012345678901{}", &text[..start], &text[end..]);
    assert_eq!(
        import_trace(&edited).unwrap_err().to_string(),
        "`settings.network.drop_probability` is 0.123456789012345678901, but it must be a number \
         of at most 19 significant digits"
    );
}

#[test]
fn a_missing_field_is_named_by_its_path() {
    let mut document = sample_trace();
    document["settings"]
        .as_object_mut()
        .unwrap()
        .remove("heartbeat_ms");
    assert_eq!(
        import_error(&document),
        "missing field `settings.heartbeat_ms`"
    );
    let mut document = sample_trace();
    document["actions"][1]["action"]
        .as_object_mut()
        .unwrap()
        .remove("server");
    assert_eq!(
        import_error(&document),
        "missing field `actions[1].action.server`"
    );
}

#[test]
fn a_field_of_the_wrong_kind_is_named_by_its_path() {
    let mut document = sample_trace();
    document["settings"]["tick_ms"] = "fast".into();
    assert_eq!(
        import_error(&document),
        "`settings.tick_ms` is \"fast\", but it must be a whole number ≥ 0"
    );
    let mut document = sample_trace();
    document["actions"][0]["action"]["type"] = "explode".into();
    assert_says(
        &import_error(&document),
        "`actions[0].action.type` is \"explode\", but it must be an action type",
    );
    let mut document = sample_trace();
    document["settings"]["election_timeout_ms"] = serde_json::json!([150]);
    assert_says(
        &import_error(&document),
        "`settings.election_timeout_ms` is [150], but it must be two whole numbers",
    );
}

#[test]
fn a_server_that_does_not_exist_is_refused() {
    let mut document = sample_trace();
    document["actions"][0]["action"]["server"] = 12.into();
    let expected = "`actions[0].action.server` is 12, but it must be a server id below 5";
    assert_says(&import_error(&document), expected);
    let mut run = decode_run(&encode_run(&sample())).unwrap();
    run.actions[0].action = UserAction::Crash { server: 12 };
    assert_says(&link_error(&run), expected);
}

#[test]
fn a_cluster_of_two_is_refused() {
    let mut document = sample_trace();
    document["settings"]["servers"] = 2.into();
    let expected = "`settings.servers` is 2, but it must be 3 to 9";
    assert_eq!(import_error(&document), expected);
    let mut run = decode_run(&encode_run(&sample())).unwrap();
    run.config.servers = 2;
    assert_eq!(link_error(&run), expected);
}

#[test]
fn a_probability_above_one_is_refused() {
    let mut document = sample_trace();
    document["settings"]["network"]["drop_probability"] = 1.5.into();
    let expected = "`settings.network.drop_probability` is 1.5, but it must be a probability \
                    within 0 and 1";
    assert_eq!(import_error(&document), expected);
    let mut run = decode_run(&encode_run(&sample())).unwrap();
    run.config.network.drop_probability = 1.5;
    assert_eq!(link_error(&run), expected);
    run.config.network.drop_probability = f64::NAN;
    assert_says(&link_error(&run), "drop_probability` is NaN");

    // The same check for a network changed during the run.
    let mut sim = sample();
    sim.act(UserAction::SetNetwork(NetworkConfig {
        duplicate_probability: 1.5,
        ..NetworkConfig::visual()
    }));
    let index = sim.actions().len() - 1;
    let expected = format!("`actions[{index}].action.network.duplicate_probability` is 1.5");
    assert_says(
        &import_trace(&export_trace(&sim)).unwrap_err().to_string(),
        &expected,
    );
    assert_says(
        &decode_run(&encode_run(&sim)).unwrap_err().to_string(),
        &expected,
    );
}

#[test]
fn a_network_too_slow_or_upside_down_is_refused() {
    let mut sim = sample();
    sim.act(UserAction::SetNetwork(NetworkConfig {
        latency_ms: (0, 70_000),
        ..NetworkConfig::visual()
    }));
    let index = sim.actions().len() - 1;
    let expected = format!(
        "`actions[{index}].action.network.latency_ms[1]` is 70000, but it must be at most 60000 ms"
    );
    assert_eq!(
        import_trace(&export_trace(&sim)).unwrap_err().to_string(),
        expected
    );
    assert_eq!(
        decode_run(&encode_run(&sim)).unwrap_err().to_string(),
        expected
    );
    let mut document = sample_trace();
    document["settings"]["network"]["latency_ms"] = serde_json::json!([20, 10]);
    assert_eq!(
        import_error(&document),
        "`settings.network.latency_ms[0]` is 20, but it must be at most the upper bound, 10"
    );
}

#[test]
fn settings_that_cannot_run_are_refused() {
    let mut document = sample_trace();
    document["settings"]["heartbeat_ms"] = 500.into();
    assert_says(
        &import_error(&document),
        "the settings cannot run: Raft timing",
    );
    let mut document = sample_trace();
    document["settings"]["tick_ms"] = 0.into();
    assert_eq!(
        import_error(&document),
        "the settings cannot run: a tick must last at least 1 ms"
    );
    let mut document = sample_trace();
    document["time"] = u64::MAX.into();
    assert_says(&import_error(&document), "`time` is 18446744073709551615");
    let mut document = sample_trace();
    document["events_processed"] = 1.into();
    assert_says(
        &import_error(&document),
        "`actions[0]` is impossible: it happens after event",
    );
}

#[test]
fn actions_out_of_order_are_refused() {
    let mut document = sample_trace();
    let first = document["actions"][0].clone();
    document["actions"][0] = document["actions"][2].clone();
    document["actions"][2] = first;
    let message = import_error(&document);
    assert_says(&message, "`actions[1]` is impossible: it is out of order");
    let mut run = decode_run(&encode_run(&sample())).unwrap();
    run.actions.swap(0, 2);
    assert_eq!(link_error(&run), message);
}

#[test]
fn an_action_after_the_end_of_the_run_is_refused() {
    let mut document = sample_trace();
    let end = document["time"].as_u64().unwrap();
    let last = document["actions"].as_array().unwrap().len() - 1;
    document["actions"][last]["time"] = (end + 1).into();
    assert_says(
        &import_error(&document),
        &format!(
            "is impossible: it happens at {} ms, after the run's end",
            end + 1
        ),
    );
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let huge = " ".repeat(MAX_TRACE_BYTES + 1);
    assert_eq!(
        import_trace(&huge).unwrap_err().to_string(),
        format!(
            "the trace file is {} bytes, over the limit of {MAX_TRACE_BYTES} bytes",
            MAX_TRACE_BYTES + 1
        )
    );
    let long = "A".repeat(MAX_RUN_FRAGMENT_BYTES + 1);
    assert_says(
        &decode_run(&long).unwrap_err().to_string(),
        "over the limit",
    );
}

#[test]
fn a_run_that_replays_differently_is_refused() {
    let mut document = sample_trace();
    document["hash"] = "12345".into();
    let run = import_trace(&document.to_string()).expect("the file itself is fine");
    let message = run.replay().unwrap_err().to_string();
    assert_says(&message, "the run replays differently");
    assert_says(&message, "not the 12345 it was shared with");

    let mut run = decode_run(&encode_run(&sample())).unwrap();
    run.hash = Some(run.hash.unwrap() ^ 1);
    let run = decode_run(&run.to_fragment()).expect("the link itself is fine");
    assert_says(
        &run.replay().unwrap_err().to_string(),
        "the run replays differently",
    );
}

#[test]
fn a_damaged_link_says_so() {
    let fragment = encode_run(&sample());
    assert_says(
        &decode_run("ab!d").unwrap_err().to_string(),
        "the #run= link is damaged: '!' at position 2 is not a base64url character",
    );
    assert_says(&decode_run("").unwrap_err().to_string(), "it is empty");
    let cut = &fragment[..fragment.len() - 3];
    assert_says(&decode_run(cut).unwrap_err().to_string(), "cut short");
    assert_says(
        &decode_run(&format!("{fragment}AAAA"))
            .unwrap_err()
            .to_string(),
        "3 unexpected bytes follow the run",
    );
}

// ---- Fuzzing: never a panic ----

/// Edits `bytes` in place: flips a bit, inserts or deletes a byte, taking
/// inserted bytes from `alphabet` so most mutants stay readable enough to
/// reach the deeper checks.
fn mutate(rng: &mut Pcg64, bytes: &mut Vec<u8>, alphabet: &[u8]) {
    let at = (rng.next_u64() as usize) % (bytes.len() + 1);
    match rng.next_u64() % 3 {
        0 if at < bytes.len() => bytes[at] ^= 1 << (rng.next_u64() % 8),
        1 => bytes.insert(at, alphabet[(rng.next_u64() as usize) % alphabet.len()]),
        _ if at < bytes.len() => {
            bytes.remove(at);
        }
        _ => bytes.push(alphabet[(rng.next_u64() as usize) % alphabet.len()]),
    }
}

/// Feeds one input to both decoders; counts accepted ones, and replays a
/// few short ones, since replay too must survive whatever validation lets
/// through.
fn feed(input: &[u8], accepted: &mut usize) {
    let text = String::from_utf8_lossy(input);
    for run in [import_trace(&text), decode_run(&text)]
        .into_iter()
        .flatten()
    {
        *accepted += 1;
        if *accepted <= 40 && run.time <= 5_000 {
            let _ = run.replay();
        }
    }
}

#[test]
fn no_truncation_of_a_trace_or_link_panics() {
    // Short, because every prefix of the trace is parsed: quadratic work.
    let mut sim = Simulation::new(SimConfig::visual(4));
    sim.run_for(180);
    sim.act(UserAction::Crash { server: 1 });
    sim.run_for(40);
    sim.act(UserAction::Request { server: None });
    sim.run_for(30);
    let trace = export_trace(&sim);
    let end = trace.trim_end().len();
    for cut in 0..trace.len() {
        if let Some(prefix) = trace.get(..cut) {
            let result = import_trace(prefix);
            assert_eq!(result.is_ok(), cut >= end, "cut at {cut}");
        }
    }
    let fragment = encode_run(&sim);
    for cut in 0..fragment.len() {
        assert!(decode_run(&fragment[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn random_bytes_never_panic_a_decoder() {
    let mut rng = Pcg64::seed_from_u64(0x5eed);
    let base64url = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut accepted = 0;
    for round in 0..20_000 {
        let length = (rng.next_u64() % 120) as usize;
        let input: Vec<u8> = (0..length)
            .map(|_| {
                let byte = rng.next_u64() as u8;
                // Half the inputs get past base64url, to reach the bytes.
                if round % 2 == 0 {
                    base64url[byte as usize % 64]
                } else {
                    byte
                }
            })
            .collect();
        feed(&input, &mut accepted);
    }
}

#[test]
fn mutated_traces_and_links_never_panic() {
    let mut rng = Pcg64::seed_from_u64(0xf1a5);
    let sim = clicking_session(SimConfig::visual(6), 4);
    let trace = export_trace(&sim).into_bytes();
    let link = encode_run(&sim).into_bytes();
    let json_bytes = b"{}[]\":,0123456789.-eEtruefalsn ";
    let base64url = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut accepted = 0;
    for round in 0..20_000 {
        let (original, alphabet) = if round % 2 == 0 {
            (&trace, &json_bytes[..])
        } else {
            (&link, &base64url[..])
        };
        let mut input = original.clone();
        for _ in 0..1 + rng.next_u64() % 4 {
            mutate(&mut rng, &mut input, alphabet);
        }
        feed(&input, &mut accepted);
    }
    println!("{accepted} of 40000 decodings accepted a mutant");
}

/// Client load and skewed clocks (what the seed explorer uses) travel in
/// both formats too.
#[test]
fn clients_and_clock_skew_are_shared_exactly() {
    let config = SimConfig {
        clock_skew_percent: 20,
        ..SimConfig::visual(41)
    };
    let mut original = Simulation::new(config);
    original.act(UserAction::StartClients { count: 3 });
    original.run_for(1500);
    original.act(UserAction::Crash { server: 1 });
    original.run_for(1500);
    original.act(UserAction::StopClients);
    original.run_for(1000);
    assert!(
        !original.history().operations().is_empty(),
        "the clients did work"
    );
    let from_trace = import_trace(&export_trace(&original))
        .unwrap()
        .replay()
        .unwrap();
    assert_same_run(&from_trace, &original, "trace");
    let from_link = decode_run(&encode_run(&original))
        .unwrap()
        .replay()
        .unwrap();
    assert_same_run(&from_link, &original, "link");
    let too_many = SharedRun {
        actions: vec![raftviz_sim::RecordedAction {
            event: 0,
            time: 0,
            action: UserAction::StartClients { count: 99 },
        }],
        ..SharedRun::of(&Simulation::new(SimConfig::visual(1)))
    };
    assert!(too_many
        .validate()
        .unwrap_err()
        .to_string()
        .contains("at most 16 clients"));
}

/// A trace and a link written by the version-1 code (the commit before
/// leases, seed 12, clients, a crash, a cut, a transfer, options and
/// network changes): they still import, and replay to the very run they
/// were made from.
#[test]
fn traces_and_links_of_version_1_replay_identically() {
    let trace = include_str!("data/v1-trace.json");
    let link = include_str!("data/v1-link.txt").trim();
    let from_trace = import_trace(trace).unwrap();
    let from_link = decode_run(link).unwrap();
    assert_eq!(from_trace.config.options, from_link.config.options);
    assert!(!from_trace.config.options.leader_stickiness);
    assert_eq!(from_trace.config.options.clock_drift_bound_percent, 10);
    for (what, run) in [("trace", from_trace), ("link", from_link)] {
        let replayed = run
            .replay()
            .unwrap_or_else(|error| panic!("{what}: {error}"));
        assert_eq!(
            replayed.trace().hash(),
            11_430_295_801_994_029_669,
            "{what}"
        );
    }
    // The example of docs/trace-format.md, as version 1 spelt it.
    let example = decode_run("ASoA3gL8Ai6YbUkf7Ej5A8wCrAIAAhgUBAABARMZAwA").unwrap();
    let replayed = example.replay().unwrap();
    assert_eq!(replayed.trace().hash(), 17_962_866_732_887_283_758);
    assert_eq!(
        encode_run(&replayed),
        "BCoA3gL8Ai6YbUkf7Ej5A8wCrAIAAhgUBAABARMZAwA",
        "and as version 4 spells it"
    );
}

/// The trace hash of the run in `data/v3-*`.
const V3_FIXTURE_HASH: u64 = 14_573_724_731_733_309_288;

/// A trace and a link written by the version-3 code (the commit before
/// membership change, seed 12: unusual settings with log reads and labrpc's
/// delivery, every kind of action including single operations): they
/// still import, and replay to the very run they were made from.
#[test]
fn traces_and_links_of_version_3_replay_identically() {
    let run = assert_fixture_replays(
        include_str!("data/v3-trace.json"),
        include_str!("data/v3-link.txt"),
        V3_FIXTURE_HASH,
    );
    assert!(!run.config.bugs.change_membership_before_term_commit);
    // The example of docs/trace-format.md, as version 3 spelt it.
    let example = decode_run("AyoA3gL8Ai6YbUkf7Ej5A8wCrAIAAhgUBAABARMZAwA").unwrap();
    let replayed = example.replay().unwrap();
    assert_eq!(replayed.trace().hash(), 17_962_866_732_887_283_758);
    assert_eq!(
        encode_run(&replayed),
        "BCoA3gL8Ai6YbUkf7Ej5A8wCrAIAAhgUBAABARMZAwA",
        "and as version 4 spells it"
    );
}

#[test]
fn version_3_cannot_carry_membership_change() {
    let mut document: Value = serde_json::from_str(include_str!("data/v3-trace.json")).unwrap();
    document["actions"][0]["action"] =
        serde_json::json!({"type": "add_server", "joining": "learner"});
    assert_says(
        &import_error(&document),
        "(version 4) add_server or change_membership",
    );
    let mut document: Value = serde_json::from_str(include_str!("data/v3-trace.json")).unwrap();
    document["settings"]["bugs"]["change_membership_before_term_commit"] = true.into();
    let run = import_trace(&document.to_string()).unwrap();
    assert!(
        !run.config.bugs.change_membership_before_term_commit,
        "version 3 has no such switch: the field is not read"
    );
    // A version-3 link with the bugs byte's bit 4.
    let mut config = SimConfig::visual(42);
    config.bugs.change_membership_before_term_commit = true;
    let buggy = encode_run(&Simulation::new(config));
    assert!(decode_run(&buggy).is_ok());
    assert_says(
        &decode_run(&with_version_byte(&buggy, 3))
            .unwrap_err()
            .to_string(),
        "bugs has an unknown code 16",
    );
}

#[test]
fn version_1_cannot_carry_what_came_later() {
    let mut document: Value = serde_json::from_str(include_str!("data/v1-trace.json")).unwrap();
    document["settings"]["read_mode"] = "lease".into();
    assert_says(
        &import_error(&document),
        "\"read_index\" or \"log\" (version 1)",
    );
    let mut document: Value = serde_json::from_str(include_str!("data/v1-trace.json")).unwrap();
    document["actions"][0]["action"] = serde_json::json!({
        "type": "submit", "server": 0, "op": "get", "key": "x", "value": ""
    });
    assert_says(&import_error(&document), "or (version 2) submit");
}

#[test]
fn a_single_operation_with_a_long_key_or_a_loose_drift_bound_is_refused() {
    let mut document = sample_trace();
    document["actions"].as_array_mut().unwrap().insert(
        0,
        serde_json::json!({
            "event": 0, "time": 0,
            "action": {"type": "submit", "server": 0, "op": "put", "key": "k".repeat(65), "value": "v"}
        }),
    );
    assert_says(
        &import_error(&document),
        "`actions[0].action.key` is 65 bytes long, but it must be at most 64 bytes",
    );
    let mut run = SharedRun::of(&sample());
    run.actions.insert(
        0,
        raftviz_sim::RecordedAction {
            event: 0,
            time: 0,
            action: UserAction::Submit {
                server: 0,
                op: Op::Get,
                key: "k".repeat(65),
                value: String::new(),
            },
        },
    );
    assert_says(&link_error(&run), "a key is 65 bytes long, over 64");
    let mut document = sample_trace();
    document["settings"]["options"]["clock_drift_bound_percent"] = 101.into();
    assert_says(
        &import_error(&document),
        "`settings.options.clock_drift_bound_percent` is 101, but it must be at most 100 %",
    );
}
