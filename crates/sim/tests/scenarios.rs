//! Every scenario in scenarios/ plays through with all its checks passing,
//! in each of its variants.
use raftviz_sim::scenario::{self, ScenarioPlayer};
use raftviz_sim::{EventKind, LivenessState, LivenessThresholds};

/// Plays every step in order; returns the failed checks. Each step's
/// outcome is taken as it is played: a step that starts `from:` an earlier
/// one replays from there, dropping the outcomes of the steps in between.
fn failures_of(name: &str, variant: usize) -> Vec<String> {
    let scenario = scenario::built_in(name).unwrap_or_else(|e| panic!("{e}"));
    let id = scenario
        .variant_id(variant)
        .unwrap_or("the one way")
        .to_owned();
    let mut player = ScenarioPlayer::new(scenario, variant);
    let mut failures = Vec::new();
    while let Some(outcome) = player.advance() {
        failures.extend(
            outcome
                .failures
                .iter()
                .map(|failure| format!("{name} ({id}): {failure}")),
        );
    }
    failures
}

#[test]
fn every_scenario_passes_its_checks() {
    assert!(
        scenario::BUILT_IN.len() >= 9,
        "Figure 8 and at least eight election edge cases"
    );
    let mut failures = Vec::new();
    for (name, _) in scenario::BUILT_IN {
        let scenario = scenario::built_in(name).unwrap();
        for variant in 0..scenario.variant_count() {
            failures.extend(failures_of(name, variant));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Plays the first three steps of `variant` safely, then step (d), which
/// must break State Machine Safety at index 2; returns the player after (d)
/// and the number of the event that broke it.
fn breaks_state_machine_safety_at_index_2_in_step_d(
    scenario: scenario::Scenario,
    variant: &str,
) -> (ScenarioPlayer, u64) {
    let variant = scenario.variant_index(variant).unwrap();
    let mut player = ScenarioPlayer::new(scenario, variant);
    for _ in 0..3 {
        player.advance();
    }
    assert!(
        player
            .sim
            .violations()
            .iter()
            .all(|v| v.invariant != "state-machine-safety"),
        "still safe after (c)"
    );
    player.advance();
    let broken = player
        .sim
        .violations()
        .iter()
        .find(|v| v.invariant == "state-machine-safety")
        .expect("broken in (d)");
    assert_eq!(broken.indices, [2]);
    let event = broken.event;
    (player, event)
}

#[test]
fn figure8_faulty_rule_breaks_state_machine_safety_at_index_2_in_step_d() {
    let (player, broken_at) = breaks_state_machine_safety_at_index_2_in_step_d(
        scenario::built_in("figure8").unwrap(),
        "faulty",
    );
    let (_, breaking) = player
        .sim
        .trace()
        .numbered()
        .find(|(number, _)| *number == broken_at - 1)
        .expect("the breaking event is kept");
    assert!(
        matches!(breaking.kind, EventKind::Violation { .. }),
        "the breaking event is recorded"
    );
}

/// The 2015 single-server bug: with the switch on, State Machine Safety
/// breaks at index 2 in step (d), where S1 commits its configuration
/// there; with the fix, the same clicks never break anything.
#[test]
fn membership_2015_bug_breaks_state_machine_safety_at_index_2_in_step_d_and_the_fix_never() {
    let scenario = scenario::built_in("membership-2015").unwrap();
    let (player, _) = breaks_state_machine_safety_at_index_2_in_step_d(scenario.clone(), "bug");
    assert!(player.outcomes.iter().all(|o| o.failures.is_empty()));

    let fix = scenario.variant_index("fix").unwrap();
    let mut player = ScenarioPlayer::new(scenario, fix);
    while player.advance().is_some() {
        assert_eq!(player.sim.violations(), [], "step {:?}", player.played);
    }
    assert_eq!(player.played, [0, 1, 2, 3]);
    let refused = player.sim.trace().events().any(|event| {
        matches!(event.kind, EventKind::MembershipRefused { .. }) && event.server == Some(1)
    });
    assert!(
        refused,
        "S2 had not committed in term 2: its first change is refused"
    );
}

#[test]
fn figure8_correct_rule_stays_green_through_the_safe_path() {
    let scenario = scenario::built_in("figure8").unwrap();
    let mut player = ScenarioPlayer::new(scenario, 0);
    while player.advance().is_some() {}
    assert!(player.sim.violations().is_empty());
    assert_eq!(player.played, [0, 1, 2, 4], "e continues from c, not d");
}

#[test]
fn going_back_and_to_a_step_replays_exactly() {
    let scenario = scenario::built_in("figure8").unwrap();
    let mut forward = ScenarioPlayer::new(scenario.clone(), 0);
    forward.go_to(2);
    let mut jumped = ScenarioPlayer::new(scenario, 0);
    jumped.go_to(3);
    jumped.back();
    assert_eq!(jumped.played, forward.played);
    assert_eq!(jumped.sim.trace().hash(), forward.sim.trace().hash());
}

#[test]
fn bad_scenarios_are_rejected_with_the_line() {
    let error = scenario::parse("broken", "servers: 5\nstep: a\ndo: explode S1\n").unwrap_err();
    assert!(
        error.contains("line 3") && error.contains("explode"),
        "{error}"
    );
    let error = scenario::parse("broken", "servers: 12\nstep: a\n").unwrap_err();
    assert!(error.contains("servers"), "{error}");
    assert!(scenario::parse("empty", "title: nothing\n").is_err());
}

/// The lease-reads scenario turns the linearizability badge red beyond
/// the drift bound and keeps it green within it.
#[test]
fn lease_reads_go_stale_beyond_the_drift_bound_only() {
    let scenario = scenario::built_in("lease-reads").unwrap();
    let badge = |player: &ScenarioPlayer| {
        player
            .sim
            .invariants()
            .into_iter()
            .find(|status| status.name == "linearizability")
            .unwrap()
            .ok
    };
    let mut player = ScenarioPlayer::new(scenario, 0);
    player.go_to(1);
    assert!(badge(&player), "green while the lease is only believed");
    player.go_to(2);
    assert!(!badge(&player), "red once the stale read returns");
    assert!(player.sim.lease_reads() >= 2);
    player.go_to(4);
    assert_eq!(player.played, [0, 3, 4]);
    assert!(badge(&player), "green with the bound the clocks keep");
    assert!(player.outcomes.iter().all(|o| o.failures.is_empty()));
}

/// The page unfolds a step a frame at a time; it must end exactly where
/// playing the step at once ends, for every step of every scenario.
#[test]
fn a_step_run_a_frame_at_a_time_ends_where_playing_it_at_once_does() {
    for (name, _) in scenario::BUILT_IN {
        let scenario = scenario::built_in(name).unwrap();
        for variant in 0..scenario.variant_count() {
            let mut at_once = ScenarioPlayer::new(scenario.clone(), variant);
            while let Some(index) = at_once.next_step() {
                let (mut unfolding, mut run) = at_once.begin(index);
                at_once.advance();
                // Uneven frames, as a browser gives them.
                let mut until = unfolding.sim.now();
                let mut frame = 0;
                let scenario = unfolding.scenario.clone();
                while !run.run(&scenario, variant, &mut unfolding.sim, until) {
                    frame += 1;
                    until += 1 + frame % 7;
                }
                unfolding.finish(run);
                assert_eq!(
                    unfolding.sim.trace().hash(),
                    at_once.sim.trace().hash(),
                    "{name} step {index} (variant {variant}) unfolded differently"
                );
                assert_eq!(unfolding.outcomes, at_once.outcomes);
                assert_eq!(unfolding.sim.now(), at_once.sim.now());
            }
        }
    }
}

#[test]
fn variants_choose_settings_and_mark_lines() {
    let text = "servers: 3\n\
        variant plain: plain Raft\n\
        variant both: pre-vote and check-quorum; pre-vote on; check-quorum on\n\
        step: a\n\
        say: Everyone hears this.\n\
        say [both]: Only the second hears this.\n\
        check [plain, both]: leader none\n";
    let parsed = scenario::parse("choices", text).unwrap();
    assert_eq!(parsed.variant_count(), 2);
    assert_eq!(parsed.variant_index("both"), Some(1));
    assert!(!parsed.config_of(0).options.pre_vote);
    let both = parsed.config_of(1).options;
    assert!(both.pre_vote && both.check_quorum);
    assert_eq!(parsed.variants[1].label, "pre-vote and check-quorum");
    let step = &parsed.steps[0];
    assert_eq!(step.narration_in(&parsed, 0), "Everyone hears this.");
    assert_eq!(
        step.narration_in(&parsed, 1),
        "Everyone hears this. Only the second hears this."
    );
    let player = ScenarioPlayer::new(parsed.clone(), 1);
    assert!(player.sim.config().options.check_quorum);
    assert_eq!(
        ScenarioPlayer::new(parsed, 9).variant,
        0,
        "past the last: the first"
    );
}

#[test]
fn every_scenario_line_has_its_chinese_twin() {
    let missing: Vec<String> = scenario::BUILT_IN
        .iter()
        .flat_map(|(name, text)| scenario::untranslated(name, text))
        .collect();
    assert!(
        missing.is_empty(),
        "scenario lines without Chinese ({}):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn a_line_for_a_variant_that_does_not_exist_is_refused() {
    let error =
        scenario::parse("typo", "variant a: A\nstep: s\ncheck [b]: leader none\n").unwrap_err();
    assert!(error.contains("no variant called `b`"), "{error}");
    let error = scenario::parse("typo", "variant a: A; warp-drive on\nstep: s\n").unwrap_err();
    assert!(error.contains("warp-drive"), "{error}");
    let error = scenario::parse("typo", "step: s\ndo [a]: timeout S1\n").unwrap_err();
    assert!(error.contains("no variant called `a`"), "{error}");
    let error = scenario::parse("typo", "variant a: A\nstep: s\nwait [a]: 10\n").unwrap_err();
    assert!(error.contains("only say, do and check"), "{error}");
}

/// Howard and Abraham's two partial partitions, in the three variants: the
/// gauge reads as the post predicts — red, red, green at the worst moment.
#[test]
fn partial_partition_is_red_red_green_as_the_post_predicts() {
    let scenario = scenario::built_in("partial-partition").unwrap();
    let state_after = |variant: &str, step: usize| {
        let mut player =
            ScenarioPlayer::new(scenario.clone(), scenario.variant_index(variant).unwrap());
        player.go_to(step);
        player.sim.liveness(&LivenessThresholds::default()).state
    };
    use LivenessState::{Down, Ok};
    // Step 2 ends the first case's twenty seconds, step 4 the second's.
    let verdicts = |variant| [state_after(variant, 2), state_after(variant, 4)];
    assert_eq!(verdicts("plain"), [Down, Ok]);
    assert_eq!(verdicts("pre-vote"), [Ok, Down]);
    assert_eq!(verdicts("both"), [Ok, Ok]);
}

#[test]
fn every_see_also_names_a_built_in_scenario() {
    for (name, _) in scenario::BUILT_IN {
        for other in scenario::built_in(name).unwrap().see_also {
            assert!(
                scenario::built_in(&other).is_ok(),
                "{name} sees also `{other}`"
            );
        }
    }
}

#[test]
fn a_missing_chinese_line_is_named_by_file_and_line() {
    let text = "title: T\ntitle.zh: 标题\nsummary: S\n\nstep: a\ntitle: A\nsay: one\nsay.zh: 一\nsay: two\n";
    assert_eq!(
        scenario::untranslated("demo", text),
        [
            "demo.scenario:3: `summary:` has no `summary.zh:` beside it",
            "demo.scenario:6: `title:` has no `title.zh:` beside it",
            "demo.scenario:9: `say:` has no `say.zh:` beside it",
        ]
    );
    let parsed = scenario::parse(
        "demo",
        "title: T\ntitle.zh: 标题\nstep: a\nsay: One.\nsay.zh: 一。\nsay: Two.\nsay.zh: 二。\n",
    )
    .expect("parses");
    assert_eq!(parsed.title_zh, "标题");
    assert_eq!(parsed.steps[0].narration_in(&parsed, 0), "One. Two.");
    assert_eq!(parsed.steps[0].narration_zh_in(&parsed, 0), "一。二。");
    let marked = "variant a: A\nvariant.zh a: 甲\nvariant b: B\nstep: s\n\
        say [b]: Only b.\nsay.zh [b]: 只有乙。\n";
    assert_eq!(
        scenario::untranslated("marked", marked),
        ["marked.scenario:3: `variant:` has no `variant.zh:` beside it"]
    );
    let parsed = scenario::parse("marked", marked).expect("parses");
    assert_eq!(parsed.variants[0].label_zh, "甲");
    assert_eq!(parsed.steps[0].narration_zh_in(&parsed, 0), "");
    assert_eq!(parsed.steps[0].narration_zh_in(&parsed, 1), "只有乙。");
}

#[test]
fn the_catalogue_says_what_each_file_says() {
    // The page shows the catalogue before it fetches a file: build.rs's reading of the
    // headers must agree with the parser's.
    assert_eq!(scenario::CATALOGUE.len(), scenario::BUILT_IN.len());
    for listed in scenario::CATALOGUE {
        let played = scenario::built_in(listed.name).unwrap();
        assert_eq!(
            (listed.title, listed.title_zh, listed.seed),
            (
                played.title.as_str(),
                played.title_zh.as_str(),
                played.config.seed
            ),
            "{}",
            listed.name
        );
    }
    assert!(scenario::listed("no-such-story")
        .unwrap_err()
        .contains("no-such-story"));
}
