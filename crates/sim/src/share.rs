//! Sharing a run: a JSON trace file and the compact `#run=` link fragment.
//! Both carry what fixes a run — the initial settings (seed included), the
//! recorded actions and the time reached — plus the trace hash, so that
//! whoever opens them can tell that the replay is the same run. Both go
//! through [`SharedRun::validate`], so a file and a link are refused for
//! the same reasons with the same messages. The schema and the link's
//! byte layout are documented in `docs/trace-format.md`.
//!
//! JSON is read as a [`json::Value`] tree and walked by hand rather than
//! through derived mirror structs: the walk knows the path of every field
//! it reads, so an error can say `actions[3].action.server` (a derived
//! decoder only gives a line and column), and the build needs no
//! proc-macro. Export writes the text directly, in a fixed readable key
//! order and one action or event per line, without first building a tree
//! of possibly hundreds of thousands of events.

use std::fmt::{self, Write as _};

use raftviz_raft::{Bugs, ConfChange, NodeId};

use crate::json::{self, Map, Value};
use crate::kv::Op;
use crate::timeline::FIRST_SPACING_MS;
use crate::{
    Delivery, EventKind, Joining, NetworkConfig, RaftOptions, ReadMode, RecordedAction, SimConfig,
    Simulation, SnapshotPolicy, UserAction, SERVER_SLOTS,
};

/// The `"format"` name every trace file carries.
pub const TRACE_FORMAT: &str = "raftviz-trace";
/// The trace version this code writes. It reads every version from 1 on:
/// version 1 has no leader stickiness, clock-drift bound, lease reads or
/// single client operations, versions 1 and 2 no network delivery (theirs
/// is the simulator's own), versions 1 to 3 no membership change (adding
/// servers, changing the configuration, the 2015 bug switch); their runs
/// replay as they always did.
pub const TRACE_VERSION: u64 = 4;
/// Larger files are refused before parsing, so a wrong file cannot make
/// the page parse for long or run out of memory.
/// The most clients one action may start.
pub const MAX_CLIENTS: usize = 16;

pub const MAX_TRACE_BYTES: usize = 5 * 1024 * 1024;
/// The first byte of every `#run=` payload this code writes; links of
/// versions 1 to 3 are read too.
pub const RUN_LINK_VERSION: u8 = 4;
/// The longest key or value one client operation may carry, in bytes.
pub const MAX_OPERATION_TEXT: usize = 64;
/// A clock-drift bound is a percentage of a clock's rate.
const MAX_DRIFT_BOUND_PERCENT: u32 = 100;
/// Longer `#run=` fragments are refused before decoding.
pub const MAX_RUN_FRAGMENT_BYTES: usize = 64 * 1024;
/// Opening a shared run replays it from the start, so its length bounds the
/// wait (not the memory: the page keeps a bounded window of any run). Two
/// days of virtual time: a three-hour lab left at the slider's top speed
/// (10×, 30 virtual hours) opens, over several seconds that the page counts
/// out (replay times in docs/performance.md).
pub const MAX_RUN_TIME_MS: u64 = 48 * 60 * 60 * 1000;
/// Bounds tick, election timeout and heartbeat so that every clock sum in
/// the simulator stays far from overflow. Scenarios use huge timeouts to
/// keep elections out of the way (Figure 8 waits 100 s), so the bound is
/// generous: about eleven days.
const MAX_TIMING_MS: u64 = 1_000_000_000;
const MAX_LATENCY_MS: u64 = 60_000;

/// A run as it travels: enough to replay it, and the hash it should have.
#[derive(Clone, Debug, PartialEq)]
pub struct SharedRun {
    pub config: SimConfig,
    pub actions: Vec<RecordedAction>,
    /// The virtual time (ms) the run had reached.
    pub time: u64,
    /// Events processed by then. A run paused by single steps stands in
    /// the middle of a millisecond; the time alone would not say where.
    pub events_processed: u64,
    /// The trace hash of the original run, when known.
    pub hash: Option<u64>,
}

impl SharedRun {
    /// Captures what is needed to reproduce `sim` as it is now.
    pub fn of(sim: &Simulation) -> SharedRun {
        SharedRun {
            config: sim.initial_config().clone(),
            actions: sim.actions().to_vec(),
            time: sim.now(),
            events_processed: sim.events_processed(),
            hash: Some(sim.trace().hash()),
        }
    }

    /// Checks everything a replay relies on; the same checks for traces
    /// and links. A run that passes replays without panicking and in
    /// bounded time.
    pub fn validate(&self) -> Result<(), ImportError> {
        let config = &self.config;
        if !(3..=9).contains(&config.servers) {
            return Err(bad_value("settings.servers", config.servers, "3 to 9"));
        }
        for (field, ms) in [
            ("settings.tick_ms", config.tick_ms),
            (
                "settings.election_timeout_ms[0]",
                config.election_timeout_ms.0,
            ),
            (
                "settings.election_timeout_ms[1]",
                config.election_timeout_ms.1,
            ),
            ("settings.heartbeat_ms", config.heartbeat_ms),
        ] {
            check_timing(field, ms)?;
        }
        check_network("settings.network", &config.network)?;
        check_options("settings.options", &config.options)?;
        config
            .validate()
            .map_err(|reason| ImportError::UnusableSettings { reason })?;
        if self.time > MAX_RUN_TIME_MS {
            return Err(bad_value(
                "time",
                self.time,
                &format!("at most {MAX_RUN_TIME_MS} ms (two days)"),
            ));
        }
        let mut previous: Option<&RecordedAction> = None;
        // Servers added during the run take the next ids: an action may
        // name any id the actions before it could have brought in.
        let mut possible = config.servers;
        for (index, recorded) in self.actions.iter().enumerate() {
            if let Some(before) = previous {
                if recorded.event < before.event || recorded.time < before.time {
                    return Err(ImportError::ImpossibleAction {
                        index,
                        reason: format!(
                            "it is out of order: event {} at {} ms comes after event {} at {} ms",
                            recorded.event, recorded.time, before.event, before.time
                        ),
                    });
                }
            }
            if recorded.time > self.time {
                return Err(ImportError::ImpossibleAction {
                    index,
                    reason: format!(
                        "it happens at {} ms, after the run's end at {} ms",
                        recorded.time, self.time
                    ),
                });
            }
            if recorded.event > self.events_processed {
                return Err(ImportError::ImpossibleAction {
                    index,
                    reason: format!(
                        "it happens after event {}, but the run ends after event {}",
                        recorded.event, self.events_processed
                    ),
                });
            }
            for (field, server) in servers_named(&recorded.action) {
                if server >= possible {
                    return Err(bad_value(
                        &format!("actions[{index}].action.{field}"),
                        server,
                        &format!("a server id below {possible} (ids count from 0)"),
                    ));
                }
            }
            match &recorded.action {
                UserAction::AddServer { .. } => possible = (possible + 1).min(SERVER_SLOTS),
                UserAction::ChangeMembership { changes } => {
                    possible = check_changes(index, changes, possible)?;
                }
                _ => {}
            }
            if let UserAction::SetNetwork(network) = &recorded.action {
                check_network(&format!("actions[{index}].action.network"), network)?;
            }
            if let UserAction::SetOptions(options) = &recorded.action {
                check_options(&format!("actions[{index}].action.options"), options)?;
            }
            if let UserAction::Submit { key, value, .. } = &recorded.action {
                for (field, text) in [("key", key), ("value", value)] {
                    if text.len() > MAX_OPERATION_TEXT {
                        return Err(bad_value(
                            &format!("actions[{index}].action.{field}"),
                            format!("{} bytes long", text.len()),
                            &format!("at most {MAX_OPERATION_TEXT} bytes"),
                        ));
                    }
                }
            }
            if let UserAction::StartClients { count } = recorded.action {
                if count > MAX_CLIENTS {
                    return Err(bad_value(
                        &format!("actions[{index}].action.count"),
                        count,
                        &format!("at most {MAX_CLIENTS} clients"),
                    ));
                }
            }
            previous = Some(recorded);
        }
        Ok(())
    }

    /// The run as the text after `#run=` (see [`encode_run`]).
    pub fn to_fragment(&self) -> String {
        base64url_encode(&run_bytes(self))
    }

    /// The run as the page's trace-reading worker hands it over: its `#run=`
    /// fragment, and whether its hash is known (a link always carries one, a
    /// trace file may say `null`).
    pub fn to_handover(&self) -> (String, bool) {
        (self.to_fragment(), self.hash.is_some())
    }

    /// The run [`SharedRun::to_handover`] handed over.
    pub fn from_handover(fragment: &str, hash_known: bool) -> Result<SharedRun, ImportError> {
        let mut run = decode_fragment(fragment)?;
        if !hash_known {
            run.hash = None;
        }
        Ok(run)
    }

    /// Replays the run; when a hash came with it, the replay must match it.
    pub fn replay(&self) -> Result<Simulation, ImportError> {
        self.replay_observed(|_| {})
    }

    /// Replays the run, showing it to `observe` from its start and then every
    /// [`FIRST_SPACING_MS`] of virtual time (a timeline keeps its checkpoints
    /// this way, as it does of a live run).
    pub fn replay_observed(
        &self,
        mut observe: impl FnMut(&mut Simulation),
    ) -> Result<Simulation, ImportError> {
        let mut replaying = self.start_replay(&mut observe)?;
        while !replaying.advance(&mut observe) {}
        replaying.finish()
    }

    /// A replay of the run that goes [`FIRST_SPACING_MS`] at a time, so that a
    /// page can open a long run over many frames and say how far it got. The
    /// fresh simulation is shown to `observe` first.
    pub fn start_replay(
        &self,
        observe: &mut impl FnMut(&mut Simulation),
    ) -> Result<Replaying, ImportError> {
        self.validate()?;
        let mut sim = Simulation::new(self.config.clone());
        observe(&mut sim);
        Ok(Replaying {
            sim,
            run: self.clone(),
            next_action: 0,
        })
    }
}

/// A shared run being replayed ([`SharedRun::start_replay`]).
#[derive(Clone, Debug)]
pub struct Replaying {
    run: SharedRun,
    sim: Simulation,
    /// The recorded action taken next.
    next_action: usize,
}

impl Replaying {
    /// Replays the next [`FIRST_SPACING_MS`] of virtual time (less up to the
    /// next action, which it then takes) and shows the run to `observe`;
    /// `true` once the run stands where the original stood.
    ///
    /// Not `Simulation::replay`: it ends with `run_until`, which would also
    /// run the rest of the last millisecond, past where a run paused by single
    /// steps stood. This processes events until as many have been as when the
    /// action was recorded, or the next would pass its time, then sets the
    /// clock to that time, even in the middle of a millisecond.
    pub fn advance(&mut self, observe: &mut impl FnMut(&mut Simulation)) -> bool {
        let action = self.run.actions.get(self.next_action);
        let (event, time) = action.map_or((self.run.events_processed, self.run.time), |recorded| {
            (recorded.event, recorded.time)
        });
        let sim = &mut self.sim;
        let until = sim.now().saturating_add(FIRST_SPACING_MS).min(time);
        while sim.events_processed() < event
            && !sim.halted()
            && sim.next_event_time().is_some_and(|next| next <= until)
        {
            sim.process_next_event();
        }
        sim.advance_clock_to(until);
        observe(sim);
        if until < time && !sim.halted() {
            return false;
        }
        match action {
            Some(recorded) => {
                sim.act(recorded.action.clone());
                self.next_action += 1;
                false
            }
            None => true,
        }
    }

    /// The virtual time replayed so far, and the run's.
    pub fn progress(&self) -> (u64, u64) {
        (self.sim.now(), self.run.time)
    }

    /// The replayed run, once [`Replaying::advance`] said it is done; it must
    /// have the hash that came with the run.
    pub fn finish(self) -> Result<Simulation, ImportError> {
        match self.run.hash {
            Some(expected) if expected != self.sim.trace().hash() => {
                Err(ImportError::ReplaysDifferently {
                    expected,
                    found: self.sim.trace().hash(),
                })
            }
            _ => Ok(self.sim),
        }
    }
}

fn check_timing(field: &str, ms: u64) -> Result<(), ImportError> {
    if ms > MAX_TIMING_MS {
        return Err(bad_value(field, ms, &format!("at most {MAX_TIMING_MS} ms")));
    }
    Ok(())
}

fn check_network(path: &str, network: &NetworkConfig) -> Result<(), ImportError> {
    let (low, high) = network.latency_ms;
    // The bound `SimConfig::validate` puts on the starting network, here
    // for networks set during the run too.
    if high > MAX_LATENCY_MS {
        return Err(bad_value(
            &format!("{path}.latency_ms[1]"),
            high,
            &format!("at most {MAX_LATENCY_MS} ms"),
        ));
    }
    if low > high {
        return Err(bad_value(
            &format!("{path}.latency_ms[0]"),
            low,
            &format!("at most the upper bound, {high}"),
        ));
    }
    for (field, probability) in [
        ("drop_probability", network.drop_probability),
        ("duplicate_probability", network.duplicate_probability),
    ] {
        // Written this way round so that NaN (possible in a link) fails too.
        if !(0.0..=1.0).contains(&probability) {
            return Err(bad_value(
                &format!("{path}.{field}"),
                crate::decimal::shortest(probability),
                "a probability within 0 and 1",
            ));
        }
    }
    Ok(())
}

fn check_options(path: &str, options: &RaftOptions) -> Result<(), ImportError> {
    if options.clock_drift_bound_percent > MAX_DRIFT_BOUND_PERCENT {
        return Err(bad_value(
            &format!("{path}.clock_drift_bound_percent"),
            options.clock_drift_bound_percent,
            &format!("at most {MAX_DRIFT_BOUND_PERCENT} %"),
        ));
    }
    Ok(())
}

/// A membership change lists 1 to [`SERVER_SLOTS`] changes. Its ids need
/// not exist (the leader refuses what makes no sense, and the refusal is
/// part of the run); returns the ids possible after it, counting every
/// server it might add.
fn check_changes(
    index: usize,
    changes: &[ConfChange],
    possible: usize,
) -> Result<usize, ImportError> {
    if changes.is_empty() || changes.len() > SERVER_SLOTS {
        return Err(bad_value(
            &format!("actions[{index}].action.changes"),
            format!("{} changes", changes.len()),
            &format!("1 to {SERVER_SLOTS} changes"),
        ));
    }
    let adds = changes
        .iter()
        .filter(|change| !matches!(change, ConfChange::Remove(_)))
        .count();
    Ok((possible + adds).min(SERVER_SLOTS))
}

/// The server ids an action names, with the JSON field holding each.
fn servers_named(action: &UserAction) -> Vec<(&'static str, NodeId)> {
    match *action {
        UserAction::Crash { server }
        | UserAction::Restart { server }
        | UserAction::Timeout { server }
        | UserAction::Isolate { server, .. }
        | UserAction::Submit { server, .. }
        | UserAction::Request {
            server: Some(server),
        } => vec![("server", server)],
        UserAction::SetLink { from, to, .. }
        | UserAction::HoldLink { from, to, .. }
        | UserAction::Transfer { from, to } => vec![("from", from), ("to", to)],
        UserAction::Request { server: None }
        | UserAction::HealAll
        | UserAction::DropMessage { .. }
        | UserAction::DeliverNow { .. }
        | UserAction::SetNetwork(_)
        | UserAction::SetOptions(_)
        | UserAction::StartClients { .. }
        | UserAction::StopClients
        | UserAction::AddServer { .. }
        | UserAction::ChangeMembership { .. } => Vec::new(),
    }
}

/// Why a trace or a link was refused, in words for the person who opened it.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportError {
    TooLarge {
        what: &'static str,
        bytes: usize,
        limit: usize,
    },
    NotJson {
        detail: String,
    },
    /// The top-level `"format"` is missing or names another format.
    WrongFormat {
        found: Option<String>,
    },
    UnsupportedVersion {
        what: &'static str,
        found: String,
        supported: u64,
    },
    MissingField {
        path: String,
    },
    /// A field of the wrong type, an unknown name, or a value out of range.
    BadValue {
        path: String,
        found: String,
        expected: String,
    },
    /// `SimConfig::validate` refused the settings as a whole.
    UnusableSettings {
        reason: String,
    },
    ImpossibleAction {
        index: usize,
        reason: String,
    },
    /// The `#run=` fragment is not a run: bad characters, cut short, junk.
    BadLink {
        reason: String,
    },
    ReplaysDifferently {
        expected: u64,
        found: u64,
    },
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::TooLarge { what, bytes, limit } => write!(
                f,
                "the {what} is {bytes} bytes, over the limit of {limit} bytes"
            ),
            ImportError::NotJson { detail } => write!(f, "the file is not valid JSON: {detail}"),
            ImportError::WrongFormat { found: Some(found) } => write!(
                f,
                "this is not a raftviz trace: its \"format\" is {found}, not \"{TRACE_FORMAT}\""
            ),
            ImportError::WrongFormat { found: None } => write!(
                f,
                "this is not a raftviz trace: it has no \"format\": \"{TRACE_FORMAT}\""
            ),
            ImportError::UnsupportedVersion {
                what,
                found,
                supported,
            } => write!(
                f,
                "{what} version {found} is not supported: this raftviz reads versions 1 to {supported}"
            ),
            ImportError::MissingField { path } => write!(f, "missing field `{path}`"),
            ImportError::BadValue {
                path,
                found,
                expected,
            } => write!(f, "`{path}` is {found}, but it must be {expected}"),
            ImportError::UnusableSettings { reason } => {
                write!(f, "the settings cannot run: {reason}")
            }
            ImportError::ImpossibleAction { index, reason } => {
                write!(f, "`actions[{index}]` is impossible: {reason}")
            }
            ImportError::BadLink { reason } => write!(f, "the #run= link is damaged: {reason}"),
            ImportError::ReplaysDifferently { expected, found } => write!(
                f,
                "the run replays differently: its trace hash is {found}, not the {expected} \
                 it was shared with (made with another version of raftviz?)"
            ),
        }
    }
}

impl std::error::Error for ImportError {}

fn bad_value(path: &str, found: impl fmt::Display, expected: &str) -> ImportError {
    ImportError::BadValue {
        path: path.to_string(),
        found: found.to_string(),
        expected: expected.to_string(),
    }
}

// ---- JSON trace: export ----

/// Runs with more events than this are not replayed for an export: their
/// events could not fit in [`MAX_TRACE_BYTES`] (each takes at least 64 bytes).
const MAX_EXPORTED_EVENTS: u64 = (MAX_TRACE_BYTES / 64) as u64;

/// A JSON trace, and how many of the run's events it lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    pub text: String,
    /// The run's events, and how many of the latest the trace lists.
    pub total_events: u64,
    pub listed_events: u64,
}

impl Export {
    /// Whether the trace lists every event of the run.
    pub fn is_whole(&self) -> bool {
        self.listed_events == self.total_events
    }
}

/// The run as a JSON trace: format, version, settings, time, hash, actions and
/// its events, which the page does not all keep, so they are rebuilt by
/// replaying the run. A trace stays importable: when the whole list would take
/// the file past [`MAX_TRACE_BYTES`], it lists the latest events that fit among
/// those kept (the run still replays whole from its settings and actions).
/// `null` events for a run that keeps none.
pub fn export(sim: &Simulation) -> Export {
    let run = SharedRun::of(sim);
    let trace = sim.trace();
    let mut out = String::new();
    let _ = writeln!(out, "{{");
    let _ = writeln!(out, "  \"format\": {},", json::string(TRACE_FORMAT));
    let _ = writeln!(out, "  \"version\": {TRACE_VERSION},");
    let _ = writeln!(out, "  \"settings\": {},", settings_json(&run.config));
    let _ = writeln!(out, "  \"time\": {},", run.time);
    let _ = writeln!(out, "  \"events_processed\": {},", run.events_processed);
    // A string: JavaScript numbers lose integers above 2^53.
    let _ = writeln!(out, "  \"hash\": \"{}\",", trace.hash());
    out.push_str("  \"actions\": [");
    for (position, recorded) in run.actions.iter().enumerate() {
        out.push_str(if position == 0 { "\n" } else { ",\n" });
        let _ = write!(
            out,
            "    {{\"event\": {}, \"time\": {}, \"action\": {}}}",
            recorded.event,
            recorded.time,
            action_json(&recorded.action)
        );
    }
    out.push_str(if run.actions.is_empty() {
        "],\n"
    } else {
        "\n  ],\n"
    });
    let total_events = trace.len();
    if !trace.keeps_events() {
        out.push_str("  \"events\": null\n}\n");
        return Export {
            text: out,
            total_events,
            listed_events: 0,
        };
    }
    let replayed = (trace.first_kept() > 0 && total_events <= MAX_EXPORTED_EVENTS)
        .then(|| replay_keeping_every_event(&run, total_events))
        .flatten();
    let events = replayed.as_ref().map_or(trace, Simulation::trace);
    let lines: Vec<String> = events.events().map(event_json).collect();
    // Room for the event count lines, the list's brackets and the closing brace.
    let room = MAX_TRACE_BYTES.saturating_sub(out.len() + 128);
    let mut used = 0;
    let listed = lines
        .iter()
        .rev()
        .take_while(|line| {
            used += line.len() + 2;
            used <= room
        })
        .count();
    let first_listed = total_events - listed as u64;
    let _ = writeln!(out, "  \"events_total\": {total_events},");
    let _ = writeln!(out, "  \"events_first\": {first_listed},");
    out.push_str("  \"events\": [");
    out.push_str(if listed == 0 { "" } else { "\n" });
    out.push_str(&lines[lines.len() - listed..].join(",\n"));
    out.push_str(if listed == 0 { "]\n}\n" } else { "\n  ]\n}\n" });
    Export {
        text: out,
        total_events,
        listed_events: listed as u64,
    }
}

/// [`export`]'s text.
pub fn export_trace(sim: &Simulation) -> String {
    export(sim).text
}

/// The run replayed with a trace long enough for every one of its events.
fn replay_keeping_every_event(run: &SharedRun, events: u64) -> Option<Simulation> {
    let mut whole = run.clone();
    whole.config.retention.events = usize::try_from(events).ok()?;
    whole.replay().ok()
}

fn event_json(event: &crate::Event) -> String {
    let server = event
        .server
        .map_or_else(|| "null".to_string(), |server| server.to_string());
    format!(
        "    {{\"time\": {}, \"server\": {server}, \"kind\": \"{}\", \"text\": {}}}",
        event.time,
        event_kind_name(&event.kind),
        json::string(&event.kind.to_string())
    )
}

fn settings_json(config: &SimConfig) -> String {
    let snapshot_policy = match config.snapshot_policy {
        SnapshotPolicy::Never => "{\"type\": \"never\"}".to_string(),
        SnapshotPolicy::EveryEntries(entries) => {
            format!("{{\"type\": \"every_entries\", \"entries\": {entries}}}")
        }
        SnapshotPolicy::RaftStateBytes(bytes) => {
            format!("{{\"type\": \"raft_state_bytes\", \"bytes\": {bytes}}}")
        }
    };
    let bugs = &config.bugs;
    let fields = [
        ("seed", config.seed.to_string()),
        ("servers", config.servers.to_string()),
        ("tick_ms", config.tick_ms.to_string()),
        (
            "election_timeout_ms",
            format!(
                "[{}, {}]",
                config.election_timeout_ms.0, config.election_timeout_ms.1
            ),
        ),
        ("heartbeat_ms", config.heartbeat_ms.to_string()),
        (
            "max_entries_per_append",
            config.max_entries_per_append.to_string(),
        ),
        (
            "snapshot_chunk_bytes",
            config.snapshot_chunk_bytes.to_string(),
        ),
        ("snapshot_policy", snapshot_policy),
        ("options", options_json(&config.options)),
        (
            "bugs",
            format!(
                "{{\"commit_earlier_terms\": {}, \"forget_vote_on_restart\": {}, \
                 \"skip_up_to_date_check\": {}, \"keep_conflicting_entries\": {}, \
                 \"change_membership_before_term_commit\": {}}}",
                bugs.commit_earlier_terms,
                bugs.forget_vote_on_restart,
                bugs.skip_up_to_date_check,
                bugs.keep_conflicting_entries,
                bugs.change_membership_before_term_commit
            ),
        ),
        (
            "read_mode",
            match config.read_mode {
                ReadMode::ReadIndex => "\"read_index\"".to_string(),
                ReadMode::Log => "\"log\"".to_string(),
                ReadMode::Lease => "\"lease\"".to_string(),
            },
        ),
        ("stale_read_bug", config.stale_read_bug.to_string()),
        ("network", network_json(&config.network)),
        ("stop_at_violation", config.stop_at_violation.to_string()),
        ("clock_skew_percent", config.clock_skew_percent.to_string()),
    ];
    let lines: Vec<String> = fields
        .iter()
        .map(|(name, value)| format!("    \"{name}\": {value}"))
        .collect();
    format!("{{\n{}\n  }}", lines.join(",\n"))
}

fn options_json(options: &RaftOptions) -> String {
    format!(
        "{{\"pre_vote\": {}, \"check_quorum\": {}, \"noop_on_election\": {}, \
         \"fast_backup\": {}, \"leader_stickiness\": {}, \"clock_drift_bound_percent\": {}}}",
        options.pre_vote,
        options.check_quorum,
        options.noop_on_election,
        options.fast_backup,
        options.leader_stickiness,
        options.clock_drift_bound_percent
    )
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Put => "put",
        Op::Append => "append",
        Op::Get => "get",
    }
}

fn network_json(network: &NetworkConfig) -> String {
    format!(
        "{{\"latency_ms\": [{}, {}], \"drop_probability\": {}, \
         \"duplicate_probability\": {}, \"long_reordering\": {}, \"delivery\": \"{}\"}}",
        network.latency_ms.0,
        network.latency_ms.1,
        json::float(network.drop_probability),
        json::float(network.duplicate_probability),
        network.long_reordering,
        network.delivery.name()
    )
}

fn action_json(action: &UserAction) -> String {
    match action {
        UserAction::Crash { server } => format!("{{\"type\": \"crash\", \"server\": {server}}}"),
        UserAction::Restart { server } => {
            format!("{{\"type\": \"restart\", \"server\": {server}}}")
        }
        UserAction::Timeout { server } => {
            format!("{{\"type\": \"timeout\", \"server\": {server}}}")
        }
        UserAction::Request { server } => format!(
            "{{\"type\": \"request\", \"server\": {}}}",
            server.map_or_else(|| "null".to_string(), |server| server.to_string())
        ),
        UserAction::SetLink { from, to, cut } => {
            format!("{{\"type\": \"set_link\", \"from\": {from}, \"to\": {to}, \"cut\": {cut}}}")
        }
        UserAction::Isolate { server, cut } => {
            format!("{{\"type\": \"isolate\", \"server\": {server}, \"cut\": {cut}}}")
        }
        UserAction::HealAll => "{\"type\": \"heal_all\"}".to_string(),
        UserAction::HoldLink { from, to, hold } => {
            format!("{{\"type\": \"hold_link\", \"from\": {from}, \"to\": {to}, \"hold\": {hold}}}")
        }
        UserAction::DropMessage { id } => {
            format!("{{\"type\": \"drop_message\", \"id\": {id}}}")
        }
        UserAction::DeliverNow { id } => format!("{{\"type\": \"deliver_now\", \"id\": {id}}}"),
        UserAction::Transfer { from, to } => {
            format!("{{\"type\": \"transfer\", \"from\": {from}, \"to\": {to}}}")
        }
        UserAction::SetNetwork(network) => format!(
            "{{\"type\": \"set_network\", \"network\": {}}}",
            network_json(network)
        ),
        UserAction::SetOptions(options) => format!(
            "{{\"type\": \"set_options\", \"options\": {}}}",
            options_json(options)
        ),
        UserAction::StartClients { count } => {
            format!("{{\"type\": \"start_clients\", \"count\": {count}}}")
        }
        UserAction::StopClients => "{\"type\": \"stop_clients\"}".to_string(),
        UserAction::Submit {
            server,
            op,
            key,
            value,
        } => format!(
            "{{\"type\": \"submit\", \"server\": {server}, \"op\": \"{}\", \"key\": {}, \"value\": {}}}",
            op_name(*op),
            json::string(key),
            json::string(value)
        ),
        UserAction::AddServer { joining } => format!(
            "{{\"type\": \"add_server\", \"joining\": \"{}\"}}",
            joining.name()
        ),
        UserAction::ChangeMembership { changes } => {
            let changes: Vec<String> = changes
                .iter()
                .map(|change| {
                    format!(
                        "{{\"op\": \"{}\", \"server\": {}}}",
                        change_op_name(change),
                        change.server()
                    )
                })
                .collect();
            format!(
                "{{\"type\": \"change_membership\", \"changes\": [{}]}}",
                changes.join(", ")
            )
        }
    }
}

fn change_op_name(change: &ConfChange) -> &'static str {
    match change {
        ConfChange::AddVoter(_) => "add_voter",
        ConfChange::AddLearner(_) => "add_learner",
        ConfChange::Remove(_) => "remove",
    }
}

/// The name an event's kind goes by in a trace file.
fn event_kind_name(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Send { .. } => "send",
        EventKind::Deliver { .. } => "deliver",
        EventKind::Drop { .. } => "drop",
        EventKind::Role { .. } => "role",
        EventKind::Vote { .. } => "vote",
        EventKind::Append { .. } => "append",
        EventKind::Truncate { .. } => "truncate",
        EventKind::Compact { .. } => "compact",
        EventKind::InstallSnapshot { .. } => "install_snapshot",
        EventKind::Read { .. } => "read",
        EventKind::Transfer { .. } => "transfer",
        EventKind::Commit { .. } => "commit",
        EventKind::Propose { .. } => "propose",
        EventKind::ProposeRefused { .. } => "propose_refused",
        EventKind::Timeout => "timeout",
        EventKind::Crash => "crash",
        EventKind::Restart => "restart",
        EventKind::Cut { .. } => "cut",
        EventKind::Heal { .. } => "heal",
        EventKind::Violation { .. } => "violation",
        EventKind::ServerAdded { .. } => "server_added",
        EventKind::MembershipProposed { .. } => "membership_proposed",
        EventKind::MembershipRefused { .. } => "membership_refused",
        EventKind::ConfigurationInUse { .. } => "configuration_in_use",
        EventKind::ConfigurationCommitted { .. } => "configuration_committed",
        EventKind::CatchUp { .. } => "catch_up",
    }
}

// ---- JSON trace: import ----

/// Reads and validates a JSON trace. Its events are not read: the run is
/// rebuilt from its actions, and [`SharedRun::replay`] checks the hash.
pub fn import_trace(text: &str) -> Result<SharedRun, ImportError> {
    if text.len() > MAX_TRACE_BYTES {
        return Err(ImportError::TooLarge {
            what: "trace file",
            bytes: text.len(),
            limit: MAX_TRACE_BYTES,
        });
    }
    let document: Value = json::parse(text).map_err(|error| ImportError::NotJson {
        detail: error.to_string(),
    })?;
    let Some(fields) = document.as_object() else {
        return Err(ImportError::WrongFormat { found: None });
    };
    match fields.get("format") {
        Some(Value::String(name)) if name == TRACE_FORMAT => {}
        Some(other) => {
            return Err(ImportError::WrongFormat {
                found: Some(shorten(other)),
            })
        }
        None => return Err(ImportError::WrongFormat { found: None }),
    }
    let root = Object {
        fields,
        path: String::new(),
    };
    let found = root.field("version")?;
    let Some(version) = found.as_u64().filter(|v| (1..=TRACE_VERSION).contains(v)) else {
        return Err(ImportError::UnsupportedVersion {
            what: "trace",
            found: shorten(found),
            supported: TRACE_VERSION,
        });
    };
    let config = read_settings(&root.object("settings")?, version)?;
    let time = root.u64("time")?;
    let events_processed = root.u64("events_processed")?;
    let hash = match root.field("hash")? {
        Value::Null => None,
        Value::String(text) => Some(text.parse::<u64>().map_err(|_| {
            bad_value(
                "hash",
                shorten(&Value::from(text.as_str())),
                "a whole number in a string",
            )
        })?),
        other => {
            return Err(bad_value(
                "hash",
                shorten(other),
                "a whole number in a string, or null",
            ))
        }
    };
    let listed = root.field("actions")?;
    let Some(items) = listed.as_array() else {
        return Err(bad_value("actions", shorten(listed), "a list"));
    };
    let mut actions = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let recorded = as_object(item, format!("actions[{index}]"))?;
        actions.push(RecordedAction {
            event: recorded.u64("event")?,
            time: recorded.u64("time")?,
            action: read_action(&recorded.object("action")?, version)?,
        });
    }
    let run = SharedRun {
        config,
        actions,
        time,
        events_processed,
        hash,
    };
    run.validate()?;
    Ok(run)
}

/// A JSON object being read, and where it sits in the document.
struct Object<'a> {
    fields: &'a Map,
    path: String,
}

fn as_object(value: &Value, path: String) -> Result<Object<'_>, ImportError> {
    match value.as_object() {
        Some(fields) => Ok(Object { fields, path }),
        None => Err(bad_value(&path, shorten(value), "an object {…}")),
    }
}

/// A value as an error message quotes it: short enough for one line.
fn shorten(value: &Value) -> String {
    value.shortened(40)
}

impl<'a> Object<'a> {
    fn path_of(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    fn field(&self, name: &str) -> Result<&'a Value, ImportError> {
        self.fields
            .get(name)
            .ok_or_else(|| ImportError::MissingField {
                path: self.path_of(name),
            })
    }

    fn object(&self, name: &str) -> Result<Object<'a>, ImportError> {
        as_object(self.field(name)?, self.path_of(name))
    }

    fn u64(&self, name: &str) -> Result<u64, ImportError> {
        let value = self.field(name)?;
        value
            .as_u64()
            .ok_or_else(|| bad_value(&self.path_of(name), shorten(value), "a whole number ≥ 0"))
    }

    fn usize(&self, name: &str) -> Result<usize, ImportError> {
        let number = self.u64(name)?;
        usize::try_from(number)
            .map_err(|_| bad_value(&self.path_of(name), number, "smaller (too large here)"))
    }

    fn bool(&self, name: &str) -> Result<bool, ImportError> {
        let value = self.field(name)?;
        value
            .as_bool()
            .ok_or_else(|| bad_value(&self.path_of(name), shorten(value), "true or false"))
    }

    fn f64(&self, name: &str) -> Result<f64, ImportError> {
        let value = self.field(name)?;
        value.as_f64().ok_or_else(|| {
            bad_value(
                &self.path_of(name),
                shorten(value),
                "a number of at most 19 significant digits",
            )
        })
    }

    fn string(&self, name: &str) -> Result<&'a str, ImportError> {
        let value = self.field(name)?;
        value
            .as_str()
            .ok_or_else(|| bad_value(&self.path_of(name), shorten(value), "a string"))
    }

    /// An inclusive range written `[low, high]`.
    fn range(&self, name: &str) -> Result<(u64, u64), ImportError> {
        let value = self.field(name)?;
        match value.as_array() {
            Some([low, high]) => match (low.as_u64(), high.as_u64()) {
                (Some(low), Some(high)) => Ok((low, high)),
                _ => Err(bad_value(
                    &self.path_of(name),
                    shorten(value),
                    "two whole numbers [low, high]",
                )),
            },
            _ => Err(bad_value(
                &self.path_of(name),
                shorten(value),
                "two whole numbers [low, high]",
            )),
        }
    }

    /// A server id; whether it exists is checked by `SharedRun::validate`.
    fn server(&self, name: &str) -> Result<NodeId, ImportError> {
        self.usize(name)
    }
}

fn read_settings(settings: &Object, version: u64) -> Result<SimConfig, ImportError> {
    // Read in the order written, so the first problem reported is the
    // first one in the file.
    Ok(SimConfig {
        seed: settings.u64("seed")?,
        servers: settings.usize("servers")?,
        tick_ms: settings.u64("tick_ms")?,
        election_timeout_ms: settings.range("election_timeout_ms")?,
        heartbeat_ms: settings.u64("heartbeat_ms")?,
        max_entries_per_append: settings.usize("max_entries_per_append")?,
        snapshot_chunk_bytes: settings.usize("snapshot_chunk_bytes")?,
        snapshot_policy: read_snapshot_policy(&settings.object("snapshot_policy")?)?,
        options: read_options(&settings.object("options")?, version)?,
        bugs: read_bugs(&settings.object("bugs")?, version)?,
        read_mode: match settings.string("read_mode")? {
            "read_index" => ReadMode::ReadIndex,
            "log" => ReadMode::Log,
            "lease" if version >= 2 => ReadMode::Lease,
            other => {
                return Err(bad_value(
                    &settings.path_of("read_mode"),
                    shorten(&Value::from(other)),
                    if version >= 2 {
                        "\"read_index\", \"log\" or \"lease\""
                    } else {
                        "\"read_index\" or \"log\" (version 1)"
                    },
                ))
            }
        },
        stale_read_bug: settings.bool("stale_read_bug")?,
        network: read_network(&settings.object("network")?, version)?,
        stop_at_violation: settings.bool("stop_at_violation")?,
        clock_skew_percent: settings.u64("clock_skew_percent")?,
        // Whoever opens a shared run wants to look at it, as the page does.
        retention: crate::Retention::PAGE,
    })
}

fn read_snapshot_policy(policy: &Object) -> Result<SnapshotPolicy, ImportError> {
    Ok(match policy.string("type")? {
        "never" => SnapshotPolicy::Never,
        "every_entries" => SnapshotPolicy::EveryEntries(policy.u64("entries")?),
        "raft_state_bytes" => SnapshotPolicy::RaftStateBytes(policy.usize("bytes")?),
        other => {
            return Err(bad_value(
                &policy.path_of("type"),
                shorten(&Value::from(other)),
                "\"never\", \"every_entries\" or \"raft_state_bytes\"",
            ))
        }
    })
}

/// Versions 1 and 2 knew four bug switches; the fifth is off there.
fn read_bugs(bugs: &Object, version: u64) -> Result<Bugs, ImportError> {
    Ok(Bugs {
        commit_earlier_terms: bugs.bool("commit_earlier_terms")?,
        forget_vote_on_restart: bugs.bool("forget_vote_on_restart")?,
        skip_up_to_date_check: bugs.bool("skip_up_to_date_check")?,
        keep_conflicting_entries: bugs.bool("keep_conflicting_entries")?,
        change_membership_before_term_commit: version >= 4
            && bugs.bool("change_membership_before_term_commit")?,
    })
}

/// Version 1 knew four options; the others keep their defaults there.
fn read_options(options: &Object, version: u64) -> Result<RaftOptions, ImportError> {
    let mut read = RaftOptions {
        pre_vote: options.bool("pre_vote")?,
        check_quorum: options.bool("check_quorum")?,
        noop_on_election: options.bool("noop_on_election")?,
        fast_backup: options.bool("fast_backup")?,
        ..RaftOptions::default()
    };
    if version >= 2 {
        read.leader_stickiness = options.bool("leader_stickiness")?;
        let bound = options.u64("clock_drift_bound_percent")?;
        read.clock_drift_bound_percent = u32::try_from(bound).unwrap_or(u32::MAX);
    }
    Ok(read)
}

fn read_network(network: &Object, version: u64) -> Result<NetworkConfig, ImportError> {
    Ok(NetworkConfig {
        latency_ms: network.range("latency_ms")?,
        drop_probability: network.f64("drop_probability")?,
        duplicate_probability: network.f64("duplicate_probability")?,
        long_reordering: network.bool("long_reordering")?,
        delivery: if version >= 3 {
            let name = network.string("delivery")?;
            Delivery::parse(name).ok_or_else(|| {
                bad_value(
                    &network.path_of("delivery"),
                    shorten(&Value::from(name)),
                    "\"at_arrival\" or \"labrpc\"",
                )
            })?
        } else {
            Delivery::AtArrival
        },
    })
}

fn read_action(action: &Object, version: u64) -> Result<UserAction, ImportError> {
    Ok(match action.string("type")? {
        "crash" => UserAction::Crash {
            server: action.server("server")?,
        },
        "restart" => UserAction::Restart {
            server: action.server("server")?,
        },
        "timeout" => UserAction::Timeout {
            server: action.server("server")?,
        },
        "request" => UserAction::Request {
            server: match action.field("server")? {
                Value::Null => None,
                _ => Some(action.server("server")?),
            },
        },
        "set_link" => UserAction::SetLink {
            from: action.server("from")?,
            to: action.server("to")?,
            cut: action.bool("cut")?,
        },
        "isolate" => UserAction::Isolate {
            server: action.server("server")?,
            cut: action.bool("cut")?,
        },
        "heal_all" => UserAction::HealAll,
        "hold_link" => UserAction::HoldLink {
            from: action.server("from")?,
            to: action.server("to")?,
            hold: action.bool("hold")?,
        },
        "drop_message" => UserAction::DropMessage {
            id: action.u64("id")?,
        },
        "deliver_now" => UserAction::DeliverNow {
            id: action.u64("id")?,
        },
        "transfer" => UserAction::Transfer {
            from: action.server("from")?,
            to: action.server("to")?,
        },
        "set_network" => UserAction::SetNetwork(read_network(&action.object("network")?, version)?),
        "set_options" => UserAction::SetOptions(read_options(&action.object("options")?, version)?),
        "start_clients" => UserAction::StartClients {
            count: action.u64("count")? as usize,
        },
        "stop_clients" => UserAction::StopClients,
        "submit" if version >= 2 => UserAction::Submit {
            server: action.server("server")?,
            op: match action.string("op")? {
                "put" => Op::Put,
                "append" => Op::Append,
                "get" => Op::Get,
                other => {
                    return Err(bad_value(
                        &action.path_of("op"),
                        shorten(&Value::from(other)),
                        "\"put\", \"append\" or \"get\"",
                    ))
                }
            },
            key: action.string("key")?.to_string(),
            value: action.string("value")?.to_string(),
        },
        "add_server" if version >= 4 => UserAction::AddServer {
            joining: {
                let name = action.string("joining")?;
                Joining::parse(name).ok_or_else(|| {
                    bad_value(
                        &action.path_of("joining"),
                        shorten(&Value::from(name)),
                        "\"learner\", \"caught_up\" or \"voter\"",
                    )
                })?
            },
        },
        "change_membership" if version >= 4 => UserAction::ChangeMembership {
            changes: read_changes(action)?,
        },
        other => {
            return Err(bad_value(
                &action.path_of("type"),
                shorten(&Value::from(other)),
                "an action type: crash, restart, timeout, request, set_link, isolate, \
                 heal_all, hold_link, drop_message, deliver_now, transfer, set_network, \
                 set_options, start_clients, stop_clients or (version 2) submit, \
                 (version 4) add_server or change_membership",
            ))
        }
    })
}

fn read_changes(action: &Object) -> Result<Vec<ConfChange>, ImportError> {
    let listed = action.field("changes")?;
    let Some(items) = listed.as_array() else {
        return Err(bad_value(
            &action.path_of("changes"),
            shorten(listed),
            "a list",
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(position, item)| {
            let change = as_object(item, format!("{}[{position}]", action.path_of("changes")))?;
            let server = change.server("server")?;
            Ok(match change.string("op")? {
                "add_voter" => ConfChange::AddVoter(server),
                "add_learner" => ConfChange::AddLearner(server),
                "remove" => ConfChange::Remove(server),
                other => {
                    return Err(bad_value(
                        &change.path_of("op"),
                        shorten(&Value::from(other)),
                        "\"add_voter\", \"add_learner\" or \"remove\"",
                    ))
                }
            })
        })
        .collect()
}

// ---- #run= link ----
//
// Byte layout (version 4), every number an unsigned LEB128 varint unless
// said otherwise:
//   version byte (1), seed, settings mask, each setting whose mask bit is
//   set, time, events processed, hash (8 bytes little-endian), action
//   count, then per action:
//   event and time as differences from the previous action, a tag byte and
//   the action's fields. Settings absent from the mask are those of
//   `SimConfig::visual(seed)`, which is what a shared run nearly always
//   starts from, so a typical link spends one byte on its settings.

const SETTING_SERVERS: u64 = 1 << 0;
const SETTING_TICK: u64 = 1 << 1;
const SETTING_ELECTION_TIMEOUT: u64 = 1 << 2;
const SETTING_HEARTBEAT: u64 = 1 << 3;
const SETTING_MAX_ENTRIES: u64 = 1 << 4;
const SETTING_CHUNK_BYTES: u64 = 1 << 5;
const SETTING_SNAPSHOT_POLICY: u64 = 1 << 6;
const SETTING_OPTIONS: u64 = 1 << 7;
const SETTING_BUGS: u64 = 1 << 8;
const SETTING_READ_MODE: u64 = 1 << 9;
const SETTING_STALE_READ_BUG: u64 = 1 << 10;
const SETTING_NETWORK: u64 = 1 << 11;
const SETTING_STOP_AT_VIOLATION: u64 = 1 << 12;
const SETTING_CLOCK_SKEW: u64 = 1 << 13;
const KNOWN_SETTINGS: u64 = (1 << 14) - 1;

// A network is written as a mask of what differs from `NetworkConfig::visual`.
const NETWORK_LATENCY: u8 = 1 << 0;
const NETWORK_DROP: u8 = 1 << 1;
const NETWORK_DUPLICATE: u8 = 1 << 2;
const NETWORK_LONG_REORDERING: u8 = 1 << 3;
// Networks (version 3): the mask's bit 4 is labrpc's delivery (no byte
// follows); earlier versions have the simulator's.
const NETWORK_LABRPC: u8 = 1 << 4;

const TAG_CRASH: u8 = 0;
const TAG_RESTART: u8 = 1;
const TAG_TIMEOUT: u8 = 2;
const TAG_REQUEST: u8 = 3;
const TAG_SET_LINK: u8 = 4;
const TAG_ISOLATE: u8 = 5;
const TAG_HEAL_ALL: u8 = 6;
const TAG_HOLD_LINK: u8 = 7;
const TAG_DROP_MESSAGE: u8 = 8;
const TAG_DELIVER_NOW: u8 = 9;
const TAG_TRANSFER: u8 = 10;
const TAG_SET_NETWORK: u8 = 11;
const TAG_SET_OPTIONS: u8 = 12;
const TAG_START_CLIENTS: u8 = 13;
const TAG_STOP_CLIENTS: u8 = 14;
const TAG_SUBMIT: u8 = 15;
const TAG_ADD_SERVER: u8 = 16;
const TAG_CHANGE_MEMBERSHIP: u8 = 17;

// Bugs (version 4): bit 4 is the 2015 membership bug.
const BUG_MEMBERSHIP_BEFORE_TERM_COMMIT: u8 = 1 << 4;

// Options (version 2): the byte's bit 4 is leader stickiness; the
// clock-drift bound follows as a varint.
const OPTION_LEADER_STICKINESS: u8 = 1 << 4;

/// The run as the text after `#run=`: compact and URL-safe.
pub fn encode_run(sim: &Simulation) -> String {
    SharedRun::of(sim).to_fragment()
}

/// Reads and validates a `#run=` fragment (the text after `#run=`).
pub fn decode_run(fragment: &str) -> Result<SharedRun, ImportError> {
    if fragment.len() > MAX_RUN_FRAGMENT_BYTES {
        return Err(ImportError::TooLarge {
            what: "#run= link",
            bytes: fragment.len(),
            limit: MAX_RUN_FRAGMENT_BYTES,
        });
    }
    decode_fragment(fragment)
}

/// [`decode_run`] without the link's length limit: a run handed over from a trace
/// file, which its own limit bounded, may be longer than any link.
fn decode_fragment(fragment: &str) -> Result<SharedRun, ImportError> {
    let bytes = base64url_decode(fragment)?;
    let mut reader = Reader {
        bytes: &bytes,
        position: 0,
        version: RUN_LINK_VERSION,
    };
    let version = reader.byte("the version")?;
    if !(1..=RUN_LINK_VERSION).contains(&version) {
        return Err(ImportError::UnsupportedVersion {
            what: "link",
            found: version.to_string(),
            supported: u64::from(RUN_LINK_VERSION),
        });
    }
    reader.version = version;
    let run = read_run(&mut reader)?;
    if reader.position != bytes.len() {
        return Err(ImportError::BadLink {
            reason: format!(
                "{} unexpected bytes follow the run",
                bytes.len() - reader.position
            ),
        });
    }
    run.validate()?;
    Ok(run)
}

fn run_bytes(run: &SharedRun) -> Vec<u8> {
    let config = &run.config;
    let visual = SimConfig::visual(config.seed);
    let mut out = Writer::default();
    out.byte(RUN_LINK_VERSION);
    out.varint(config.seed);
    let differs = [
        (SETTING_SERVERS, config.servers != visual.servers),
        (SETTING_TICK, config.tick_ms != visual.tick_ms),
        (
            SETTING_ELECTION_TIMEOUT,
            config.election_timeout_ms != visual.election_timeout_ms,
        ),
        (
            SETTING_HEARTBEAT,
            config.heartbeat_ms != visual.heartbeat_ms,
        ),
        (
            SETTING_MAX_ENTRIES,
            config.max_entries_per_append != visual.max_entries_per_append,
        ),
        (
            SETTING_CHUNK_BYTES,
            config.snapshot_chunk_bytes != visual.snapshot_chunk_bytes,
        ),
        (
            SETTING_SNAPSHOT_POLICY,
            config.snapshot_policy != visual.snapshot_policy,
        ),
        (SETTING_OPTIONS, config.options != visual.options),
        (SETTING_BUGS, config.bugs != visual.bugs),
        (SETTING_READ_MODE, config.read_mode != visual.read_mode),
        (
            SETTING_STALE_READ_BUG,
            config.stale_read_bug != visual.stale_read_bug,
        ),
        (SETTING_NETWORK, config.network != visual.network),
        (
            SETTING_STOP_AT_VIOLATION,
            config.stop_at_violation != visual.stop_at_violation,
        ),
        (
            SETTING_CLOCK_SKEW,
            config.clock_skew_percent != visual.clock_skew_percent,
        ),
    ];
    let mask = differs
        .iter()
        .filter(|(_, differs)| *differs)
        .fold(0, |mask, (bit, _)| mask | bit);
    out.varint(mask);
    if mask & SETTING_SERVERS != 0 {
        out.varint(config.servers as u64);
    }
    if mask & SETTING_TICK != 0 {
        out.varint(config.tick_ms);
    }
    if mask & SETTING_ELECTION_TIMEOUT != 0 {
        out.varint(config.election_timeout_ms.0);
        out.varint(config.election_timeout_ms.1);
    }
    if mask & SETTING_HEARTBEAT != 0 {
        out.varint(config.heartbeat_ms);
    }
    if mask & SETTING_MAX_ENTRIES != 0 {
        out.varint(config.max_entries_per_append as u64);
    }
    if mask & SETTING_CHUNK_BYTES != 0 {
        out.varint(config.snapshot_chunk_bytes as u64);
    }
    if mask & SETTING_SNAPSHOT_POLICY != 0 {
        match config.snapshot_policy {
            SnapshotPolicy::Never => out.byte(0),
            SnapshotPolicy::EveryEntries(entries) => {
                out.byte(1);
                out.varint(entries);
            }
            SnapshotPolicy::RaftStateBytes(bytes) => {
                out.byte(2);
                out.varint(bytes as u64);
            }
        }
    }
    if mask & SETTING_OPTIONS != 0 {
        write_options(&mut out, &config.options);
    }
    if mask & SETTING_BUGS != 0 {
        let bugs = &config.bugs;
        out.byte(
            u8::from(bugs.commit_earlier_terms)
                | u8::from(bugs.forget_vote_on_restart) << 1
                | u8::from(bugs.skip_up_to_date_check) << 2
                | u8::from(bugs.keep_conflicting_entries) << 3
                | if bugs.change_membership_before_term_commit {
                    BUG_MEMBERSHIP_BEFORE_TERM_COMMIT
                } else {
                    0
                },
        );
    }
    if mask & SETTING_READ_MODE != 0 {
        out.byte(match config.read_mode {
            ReadMode::ReadIndex => 0,
            ReadMode::Log => 1,
            ReadMode::Lease => 2,
        });
    }
    if mask & SETTING_STALE_READ_BUG != 0 {
        out.byte(u8::from(config.stale_read_bug));
    }
    if mask & SETTING_NETWORK != 0 {
        write_network(&mut out, &config.network);
    }
    if mask & SETTING_STOP_AT_VIOLATION != 0 {
        out.byte(u8::from(config.stop_at_violation));
    }
    if mask & SETTING_CLOCK_SKEW != 0 {
        out.varint(config.clock_skew_percent);
    }
    out.varint(run.time);
    out.varint(run.events_processed);
    out.bytes
        .extend_from_slice(&run.hash.unwrap_or(0).to_le_bytes());
    out.varint(run.actions.len() as u64);
    let (mut event, mut time) = (0u64, 0u64);
    for recorded in &run.actions {
        // Wrapping keeps any list exact; validation refuses disorder.
        out.varint(recorded.event.wrapping_sub(event));
        out.varint(recorded.time.wrapping_sub(time));
        (event, time) = (recorded.event, recorded.time);
        write_action(&mut out, &recorded.action);
    }
    out.bytes
}

fn write_options(out: &mut Writer, options: &RaftOptions) {
    out.byte(
        u8::from(options.pre_vote)
            | u8::from(options.check_quorum) << 1
            | u8::from(options.noop_on_election) << 2
            | u8::from(options.fast_backup) << 3
            | u8::from(options.leader_stickiness) << 4,
    );
    out.varint(u64::from(options.clock_drift_bound_percent));
}

fn write_text(out: &mut Writer, text: &str) {
    out.varint(text.len() as u64);
    out.bytes.extend_from_slice(text.as_bytes());
}

fn write_network(out: &mut Writer, network: &NetworkConfig) {
    let visual = NetworkConfig::visual();
    let mut mask = 0;
    if network.latency_ms != visual.latency_ms {
        mask |= NETWORK_LATENCY;
    }
    // Compared as bits so that every float, even -0.0, round-trips exactly.
    if network.drop_probability.to_bits() != visual.drop_probability.to_bits() {
        mask |= NETWORK_DROP;
    }
    if network.duplicate_probability.to_bits() != visual.duplicate_probability.to_bits() {
        mask |= NETWORK_DUPLICATE;
    }
    if network.long_reordering != visual.long_reordering {
        mask |= NETWORK_LONG_REORDERING;
    }
    if network.delivery == Delivery::Labrpc {
        mask |= NETWORK_LABRPC;
    }
    out.byte(mask);
    if mask & NETWORK_LATENCY != 0 {
        out.varint(network.latency_ms.0);
        out.varint(network.latency_ms.1);
    }
    if mask & NETWORK_DROP != 0 {
        out.bytes
            .extend_from_slice(&network.drop_probability.to_le_bytes());
    }
    if mask & NETWORK_DUPLICATE != 0 {
        out.bytes
            .extend_from_slice(&network.duplicate_probability.to_le_bytes());
    }
    if mask & NETWORK_LONG_REORDERING != 0 {
        out.byte(u8::from(network.long_reordering));
    }
}

fn write_action(out: &mut Writer, action: &UserAction) {
    match *action {
        UserAction::Crash { server } => {
            out.byte(TAG_CRASH);
            out.varint(server as u64);
        }
        UserAction::Restart { server } => {
            out.byte(TAG_RESTART);
            out.varint(server as u64);
        }
        UserAction::Timeout { server } => {
            out.byte(TAG_TIMEOUT);
            out.varint(server as u64);
        }
        UserAction::Request { server } => {
            // 0 for "the leader", else the id plus one.
            out.byte(TAG_REQUEST);
            out.varint(server.map_or(0, |server| server as u64 + 1));
        }
        UserAction::SetLink { from, to, cut } => {
            out.byte(TAG_SET_LINK);
            out.varint(from as u64);
            out.varint(to as u64);
            out.byte(u8::from(cut));
        }
        UserAction::Isolate { server, cut } => {
            out.byte(TAG_ISOLATE);
            out.varint(server as u64);
            out.byte(u8::from(cut));
        }
        UserAction::HealAll => out.byte(TAG_HEAL_ALL),
        UserAction::HoldLink { from, to, hold } => {
            out.byte(TAG_HOLD_LINK);
            out.varint(from as u64);
            out.varint(to as u64);
            out.byte(u8::from(hold));
        }
        UserAction::DropMessage { id } => {
            out.byte(TAG_DROP_MESSAGE);
            out.varint(id);
        }
        UserAction::DeliverNow { id } => {
            out.byte(TAG_DELIVER_NOW);
            out.varint(id);
        }
        UserAction::Transfer { from, to } => {
            out.byte(TAG_TRANSFER);
            out.varint(from as u64);
            out.varint(to as u64);
        }
        UserAction::SetNetwork(ref network) => {
            out.byte(TAG_SET_NETWORK);
            write_network(out, network);
        }
        UserAction::SetOptions(options) => {
            out.byte(TAG_SET_OPTIONS);
            write_options(out, &options);
        }
        UserAction::StartClients { count } => {
            out.byte(TAG_START_CLIENTS);
            out.varint(count as u64);
        }
        UserAction::StopClients => out.byte(TAG_STOP_CLIENTS),
        UserAction::Submit {
            server,
            op,
            ref key,
            ref value,
        } => {
            out.byte(TAG_SUBMIT);
            out.varint(server as u64);
            out.byte(match op {
                Op::Put => 0,
                Op::Append => 1,
                Op::Get => 2,
            });
            write_text(out, key);
            write_text(out, value);
        }
        UserAction::AddServer { joining } => {
            out.byte(TAG_ADD_SERVER);
            out.byte(joining_code(joining));
        }
        UserAction::ChangeMembership { ref changes } => {
            out.byte(TAG_CHANGE_MEMBERSHIP);
            out.varint(changes.len() as u64);
            for change in changes {
                out.byte(match change {
                    ConfChange::AddVoter(_) => 0,
                    ConfChange::AddLearner(_) => 1,
                    ConfChange::Remove(_) => 2,
                });
                out.varint(change.server() as u64);
            }
        }
    }
}

fn joining_code(joining: Joining) -> u8 {
    match joining {
        Joining::Learner => 0,
        Joining::CaughtUp => 1,
        Joining::Voter => 2,
    }
}

fn read_run(reader: &mut Reader) -> Result<SharedRun, ImportError> {
    let seed = reader.varint("the seed")?;
    let mut config = SimConfig::visual(seed);
    let mask = reader.varint("the settings mask")?;
    if mask & !KNOWN_SETTINGS != 0 {
        return Err(ImportError::BadLink {
            reason: format!("it names unknown settings (mask {mask:#x})"),
        });
    }
    if mask & SETTING_SERVERS != 0 {
        config.servers = reader.usize("servers")?;
    }
    if mask & SETTING_TICK != 0 {
        config.tick_ms = reader.varint("tick_ms")?;
    }
    if mask & SETTING_ELECTION_TIMEOUT != 0 {
        config.election_timeout_ms = (
            reader.varint("election_timeout_ms")?,
            reader.varint("election_timeout_ms")?,
        );
    }
    if mask & SETTING_HEARTBEAT != 0 {
        config.heartbeat_ms = reader.varint("heartbeat_ms")?;
    }
    if mask & SETTING_MAX_ENTRIES != 0 {
        config.max_entries_per_append = reader.usize("max_entries_per_append")?;
    }
    if mask & SETTING_CHUNK_BYTES != 0 {
        config.snapshot_chunk_bytes = reader.usize("snapshot_chunk_bytes")?;
    }
    if mask & SETTING_SNAPSHOT_POLICY != 0 {
        config.snapshot_policy = match reader.byte("snapshot_policy")? {
            0 => SnapshotPolicy::Never,
            1 => SnapshotPolicy::EveryEntries(reader.varint("snapshot_policy")?),
            2 => SnapshotPolicy::RaftStateBytes(reader.usize("snapshot_policy")?),
            other => return Err(unknown_code("snapshot_policy", other)),
        };
    }
    if mask & SETTING_OPTIONS != 0 {
        config.options = read_options_bits(reader)?;
    }
    if mask & SETTING_BUGS != 0 {
        let bits = reader.byte("bugs")?;
        let known = if reader.version >= 4 { 5 } else { 4 };
        if bits >> known != 0 {
            return Err(unknown_code("bugs", bits));
        }
        config.bugs = Bugs {
            commit_earlier_terms: bits & 1 != 0,
            forget_vote_on_restart: bits & 2 != 0,
            skip_up_to_date_check: bits & 4 != 0,
            keep_conflicting_entries: bits & 8 != 0,
            change_membership_before_term_commit: bits & BUG_MEMBERSHIP_BEFORE_TERM_COMMIT != 0,
        };
    }
    if mask & SETTING_READ_MODE != 0 {
        config.read_mode = match reader.byte("read_mode")? {
            0 => ReadMode::ReadIndex,
            1 => ReadMode::Log,
            2 if reader.version >= 2 => ReadMode::Lease,
            other => return Err(unknown_code("read_mode", other)),
        };
    }
    if mask & SETTING_STALE_READ_BUG != 0 {
        config.stale_read_bug = reader.bool("stale_read_bug")?;
    }
    if mask & SETTING_NETWORK != 0 {
        config.network = read_network_bytes(reader)?;
    }
    if mask & SETTING_STOP_AT_VIOLATION != 0 {
        config.stop_at_violation = reader.bool("stop_at_violation")?;
    }
    if mask & SETTING_CLOCK_SKEW != 0 {
        config.clock_skew_percent = reader.varint("clock_skew_percent")?;
    }
    let time = reader.varint("the time")?;
    let events_processed = reader.varint("the number of events")?;
    let hash = u64::from_le_bytes(reader.array("the hash")?);
    let count = reader.varint("the number of actions")?;
    // Each action takes at least three bytes: no list longer than the
    // bytes left can be real, so the allocation stays bounded.
    let remaining = reader.bytes.len() - reader.position;
    if count > (remaining / 3) as u64 {
        return Err(ImportError::BadLink {
            reason: format!("it announces {count} actions but is too short for them"),
        });
    }
    let mut actions = Vec::with_capacity(count as usize);
    let (mut event, mut at) = (0u64, 0u64);
    for _ in 0..count {
        event = event.wrapping_add(reader.varint("an action's event")?);
        at = at.wrapping_add(reader.varint("an action's time")?);
        actions.push(RecordedAction {
            event,
            time: at,
            action: read_action_bytes(reader)?,
        });
    }
    Ok(SharedRun {
        config,
        actions,
        time,
        events_processed,
        hash: Some(hash),
    })
}

fn unknown_code(what: &str, code: u8) -> ImportError {
    ImportError::BadLink {
        reason: format!("{what} has an unknown code {code}"),
    }
}

fn read_options_bits(reader: &mut Reader) -> Result<RaftOptions, ImportError> {
    let bits = reader.byte("options")?;
    let known = if reader.version >= 2 { 5 } else { 4 };
    if bits >> known != 0 {
        return Err(unknown_code("options", bits));
    }
    let mut options = RaftOptions {
        pre_vote: bits & 1 != 0,
        check_quorum: bits & 2 != 0,
        noop_on_election: bits & 4 != 0,
        fast_backup: bits & 8 != 0,
        ..RaftOptions::default()
    };
    if reader.version >= 2 {
        options.leader_stickiness = bits & OPTION_LEADER_STICKINESS != 0;
        let bound = reader.varint("the clock-drift bound")?;
        options.clock_drift_bound_percent = u32::try_from(bound).unwrap_or(u32::MAX);
    }
    Ok(options)
}

fn read_network_bytes(reader: &mut Reader) -> Result<NetworkConfig, ImportError> {
    let mask = reader.byte("network")?;
    let known = if reader.version >= 3 { 5 } else { 4 };
    if mask >> known != 0 {
        return Err(unknown_code("network", mask));
    }
    let mut network = NetworkConfig::visual();
    if mask & NETWORK_LATENCY != 0 {
        network.latency_ms = (reader.varint("latency_ms")?, reader.varint("latency_ms")?);
    }
    if mask & NETWORK_DROP != 0 {
        network.drop_probability = f64::from_le_bytes(reader.array("drop_probability")?);
    }
    if mask & NETWORK_DUPLICATE != 0 {
        network.duplicate_probability = f64::from_le_bytes(reader.array("duplicate_probability")?);
    }
    if mask & NETWORK_LONG_REORDERING != 0 {
        network.long_reordering = reader.bool("long_reordering")?;
    }
    if mask & NETWORK_LABRPC != 0 {
        network.delivery = Delivery::Labrpc;
    }
    Ok(network)
}

fn read_action_bytes(reader: &mut Reader) -> Result<UserAction, ImportError> {
    Ok(match reader.byte("an action")? {
        TAG_CRASH => UserAction::Crash {
            server: reader.usize("a server id")?,
        },
        TAG_RESTART => UserAction::Restart {
            server: reader.usize("a server id")?,
        },
        TAG_TIMEOUT => UserAction::Timeout {
            server: reader.usize("a server id")?,
        },
        TAG_REQUEST => UserAction::Request {
            server: reader.usize("a server id")?.checked_sub(1),
        },
        TAG_SET_LINK => UserAction::SetLink {
            from: reader.usize("a server id")?,
            to: reader.usize("a server id")?,
            cut: reader.bool("a link's state")?,
        },
        TAG_ISOLATE => UserAction::Isolate {
            server: reader.usize("a server id")?,
            cut: reader.bool("a link's state")?,
        },
        TAG_HEAL_ALL => UserAction::HealAll,
        TAG_HOLD_LINK => UserAction::HoldLink {
            from: reader.usize("a server id")?,
            to: reader.usize("a server id")?,
            hold: reader.bool("a link's state")?,
        },
        TAG_DROP_MESSAGE => UserAction::DropMessage {
            id: reader.varint("a message id")?,
        },
        TAG_DELIVER_NOW => UserAction::DeliverNow {
            id: reader.varint("a message id")?,
        },
        TAG_TRANSFER => UserAction::Transfer {
            from: reader.usize("a server id")?,
            to: reader.usize("a server id")?,
        },
        TAG_SET_NETWORK => UserAction::SetNetwork(read_network_bytes(reader)?),
        TAG_SET_OPTIONS => UserAction::SetOptions(read_options_bits(reader)?),
        TAG_START_CLIENTS => UserAction::StartClients {
            count: reader.varint("a client count")? as usize,
        },
        TAG_STOP_CLIENTS => UserAction::StopClients,
        TAG_SUBMIT if reader.version >= 2 => UserAction::Submit {
            server: reader.usize("a server id")?,
            op: match reader.byte("an operation")? {
                0 => Op::Put,
                1 => Op::Append,
                2 => Op::Get,
                other => return Err(unknown_code("an operation", other)),
            },
            key: reader.text("a key")?,
            value: reader.text("a value")?,
        },
        TAG_ADD_SERVER if reader.version >= 4 => UserAction::AddServer {
            joining: match reader.byte("a way of joining")? {
                0 => Joining::Learner,
                1 => Joining::CaughtUp,
                2 => Joining::Voter,
                other => return Err(unknown_code("a way of joining", other)),
            },
        },
        TAG_CHANGE_MEMBERSHIP if reader.version >= 4 => {
            let count = reader.usize("a number of changes")?;
            if count > SERVER_SLOTS {
                return Err(ImportError::BadLink {
                    reason: format!(
                        "a membership change lists {count} changes, over {SERVER_SLOTS}"
                    ),
                });
            }
            let changes = (0..count)
                .map(|_| {
                    let op = reader.byte("a membership change")?;
                    let server = reader.usize("a server id")?;
                    Ok(match op {
                        0 => ConfChange::AddVoter(server),
                        1 => ConfChange::AddLearner(server),
                        2 => ConfChange::Remove(server),
                        other => return Err(unknown_code("a membership change", other)),
                    })
                })
                .collect::<Result<Vec<_>, ImportError>>()?;
            UserAction::ChangeMembership { changes }
        }
        other => return Err(unknown_code("an action", other)),
    })
}

#[derive(Default)]
struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    fn byte(&mut self, byte: u8) {
        self.bytes.push(byte);
    }

    /// Unsigned LEB128: seven bits a byte, low bits first, the high bit
    /// set on every byte but the last.
    fn varint(&mut self, mut number: u64) {
        while number >= 0x80 {
            self.bytes.push((number as u8 & 0x7f) | 0x80);
            number >>= 7;
        }
        self.bytes.push(number as u8);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
    /// The link's version: what its bytes may hold.
    version: u8,
}

impl Reader<'_> {
    fn byte(&mut self, what: &str) -> Result<u8, ImportError> {
        let byte = self
            .bytes
            .get(self.position)
            .copied()
            .ok_or_else(|| ImportError::BadLink {
                reason: format!("it is cut short: it ends inside {what}"),
            })?;
        self.position += 1;
        Ok(byte)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], ImportError> {
        let mut array = [0; N];
        for slot in &mut array {
            *slot = self.byte(what)?;
        }
        Ok(array)
    }

    fn varint(&mut self, what: &str) -> Result<u64, ImportError> {
        let mut number = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte(what)?;
            let bits = u64::from(byte & 0x7f);
            // The tenth byte holds only the top bit of a u64.
            if shift == 63 && bits > 1 {
                break;
            }
            number |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(number);
            }
        }
        Err(ImportError::BadLink {
            reason: format!("{what} is not a valid number"),
        })
    }

    fn usize(&mut self, what: &str) -> Result<usize, ImportError> {
        let number = self.varint(what)?;
        usize::try_from(number).map_err(|_| ImportError::BadLink {
            reason: format!("{what} is too large: {number}"),
        })
    }

    /// A length-prefixed UTF-8 string of at most `MAX_OPERATION_TEXT` bytes.
    fn text(&mut self, what: &str) -> Result<String, ImportError> {
        let length = self.usize(what)?;
        if length > MAX_OPERATION_TEXT {
            return Err(ImportError::BadLink {
                reason: format!("{what} is {length} bytes long, over {MAX_OPERATION_TEXT}"),
            });
        }
        let bytes = (0..length)
            .map(|_| self.byte(what))
            .collect::<Result<Vec<u8>, _>>()?;
        String::from_utf8(bytes).map_err(|_| ImportError::BadLink {
            reason: format!("{what} is not UTF-8 text"),
        })
    }

    fn bool(&mut self, what: &str) -> Result<bool, ImportError> {
        match self.byte(what)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(unknown_code(what, other)),
        }
    }
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// RFC 4648 §5 base64url, without `=` padding (a URL needs none).
fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk.iter().enumerate().fold(0u32, |group, (i, &byte)| {
            group | u32::from(byte) << (16 - 8 * i)
        });
        // n bytes carry 8n bits: n + 1 characters of six bits hold them.
        for i in 0..=chunk.len() {
            let sextet = (group >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(BASE64URL[sextet as usize]));
        }
    }
    out
}

/// A character as a message quotes it: `'!'`, or `U+000A` for one that cannot be seen.
fn quoted_character(character: char) -> String {
    if character.is_control() || character.is_whitespace() {
        format!("U+{:04X}", u32::from(character))
    } else {
        format!("'{character}'")
    }
}

fn base64url_decode(text: &str) -> Result<Vec<u8>, ImportError> {
    if text.is_empty() {
        return Err(ImportError::BadLink {
            reason: "it is empty".to_string(),
        });
    }
    if text.len() % 4 == 1 {
        return Err(ImportError::BadLink {
            reason: "it is cut short: its length is impossible for base64url".to_string(),
        });
    }
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for (chunk_index, chunk) in text.as_bytes().chunks(4).enumerate() {
        let mut group = 0u32;
        for (i, &character) in chunk.iter().enumerate() {
            let Some(sextet) = BASE64URL.iter().position(|&c| c == character) else {
                let position = chunk_index * 4 + i;
                let shown = text
                    .get(position..)
                    .and_then(|rest| rest.chars().next())
                    .map_or_else(|| format!("byte {character:#04x}"), quoted_character);
                return Err(ImportError::BadLink {
                    reason: format!("{shown} at position {position} is not a base64url character"),
                });
            };
            group |= (sextet as u32) << (18 - 6 * i);
        }
        let carried = chunk.len() - 1;
        // Bits past the last whole byte must be zero: one run, one spelling.
        if group & (0x00ff_ffff >> (8 * carried)) != 0 {
            return Err(ImportError::BadLink {
                reason: "its last character has stray bits".to_string(),
            });
        }
        for i in 0..carried {
            bytes.push((group >> (16 - 8 * i)) as u8);
        }
    }
    Ok(bytes)
}
