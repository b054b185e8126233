//! Scenarios as data: a readable text file of settings and steps, each
//! step with narration, actions, waits, expected-state checks and what to
//! highlight. The same files drive the native tests and the page's
//! scenario player.
//!
//! ```text
//! title: Figure 8
//! servers: 5
//! election-timeout: 100000 100000
//!
//! step: a
//! title: (a) S1 leads term 2
//! say: S5 wins term 1 …
//! do: timeout S5
//! wait-until: S5 leader
//! check: S5 term 1
//! check [faulty]: S1 commit 2
//! show: S1 S2 @2
//! ```
//!
//! A scenario may come in variants, each a choice of settings the page
//! offers and the tests play through:
//!
//! ```text
//! variant correct: the correct commit rule
//! variant faulty: the faulty commit rule; commit-earlier-terms on
//! ```
//!
//! `check [faulty]:`, `say [faulty]:` and `do [faulty]:` then apply in that
//! variant only (`[a, b]` in either), and `source:` / `see-also:` lines name where a
//! story comes from and which scenarios go with it.
//!
//! Membership changes are actions too, and checks read configurations:
//!
//! ```text
//! do: add server as voter          # or as learner, or as caught-up (§4.2.1)
//! do: remove S4
//! do: promote S6
//! do: change remove S1, add S6     # several at once: a joint change (§4.3)
//! check: S6 member learner         # voter | learner | removed, in the cluster's configuration
//! check: S1 config 0,1,2,3         # the one S1 uses, ids from 0 as data-config; joint 0,1,2|0,1,3
//! ```
//!
//! and `change-membership-before-term-commit on` is the 2015 bug switch.
//!
//! Every `title:`, `summary:` and `say:` line has a Chinese twin beside it
//! (`title.zh:`, `summary.zh:`, `say.zh:`, `variant.zh <id>:`; `say.zh [variant]:`
//! for a marked line); [`untranslated`] lists those that lack one.

use raftviz_raft::{ConfChange, Index, Membership, NodeId, Role, Term};

use crate::kv::Op;
use crate::linearizability::OpKind;
use crate::view::ConfigurationView;
use crate::{
    Joining, LivenessState, LivenessThresholds, RaftOptions, SimConfig, Simulation, UserAction,
};

/// A built-in scenario as listed before its file is read: what the page shows of it
/// (see-also links) and checks (`?seed=`) without fetching the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listed {
    pub name: &'static str,
    pub title: &'static str,
    pub title_zh: &'static str,
    pub seed: u64,
}

// `CATALOGUE`, every file in scenarios/ by name, and with `embedded-scenarios`
// `BUILT_IN`, each name with its text; build.rs makes both from the folder.
include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// The built-in scenario of this name, or why there is none.
pub fn listed(name: &str) -> Result<&'static Listed, String> {
    catalogue_index(name).map(|index| &CATALOGUE[index])
}

/// Where `name` is in the catalogue, and so in `BUILT_IN`: build.rs lists both in
/// one order.
fn catalogue_index(name: &str) -> Result<usize, String> {
    CATALOGUE
        .iter()
        .position(|listed| listed.name == name)
        .ok_or_else(|| format!("no scenario called `{name}`"))
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub title: String,
    pub summary: String,
    /// The title and summary in Chinese (empty when the file has none).
    pub title_zh: String,
    pub summary_zh: String,
    /// The settings of a run that names no variant (and of the first variant).
    pub config: SimConfig,
    /// The choices of settings it is played in; empty when there is one way.
    pub variants: Vec<Variant>,
    /// Where the story comes from: title, author, date, where published.
    pub sources: Vec<String>,
    /// Built-in scenarios that go with this one, by file name.
    pub see_also: Vec<String>,
    pub steps: Vec<Step>,
}

/// One choice of settings for a scenario: `variant <id>: <label>; <setting>…`.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub id: String,
    /// What the chooser says.
    pub label: String,
    /// What the chooser says in Chinese (empty when the file has none).
    pub label_zh: String,
    pub config: SimConfig,
    /// The settings lines it applies over the scenario's, as written.
    settings: Vec<(String, String)>,
}

impl Scenario {
    /// The settings a run of variant `variant` starts with.
    pub fn config_of(&self, variant: usize) -> &SimConfig {
        self.variants
            .get(variant)
            .map_or(&self.config, |chosen| &chosen.config)
    }

    /// The variant's name, if the scenario has variants.
    pub fn variant_id(&self, variant: usize) -> Option<&str> {
        self.variants.get(variant).map(|chosen| chosen.id.as_str())
    }

    /// Every way the scenario is played: one per variant, or the one way.
    pub fn variant_count(&self) -> usize {
        self.variants.len().max(1)
    }

    pub fn variant_index(&self, id: &str) -> Option<usize> {
        self.variants.iter().position(|chosen| chosen.id == id)
    }

    /// Whether lines marked for `only` (empty: every variant) apply in `variant`.
    fn applies(&self, only: &[String], variant: usize) -> bool {
        only.is_empty()
            || self
                .variant_id(variant)
                .is_some_and(|id| only.iter().any(|name| name == id))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub id: String,
    pub title: String,
    /// The `say:` lines, each with the variants it is for (empty: all).
    pub narration: Vec<(Vec<String>, String)>,
    /// The title and `say.zh:` lines in Chinese (empty when the file has none).
    pub title_zh: String,
    pub narration_zh: Vec<(Vec<String>, String)>,
    /// Start from the state after this earlier step instead of the
    /// previous one (an alternative future).
    pub from: Option<usize>,
    pub commands: Vec<Command>,
    pub highlight_servers: Vec<NodeId>,
    pub highlight_indices: Vec<Index>,
}

impl Step {
    /// What the step says in variant `variant` of `scenario`.
    pub fn narration_in(&self, scenario: &Scenario, variant: usize) -> String {
        said(&self.narration, scenario, variant, " ")
    }

    /// The same in Chinese, whose sentences run on without a space between them.
    pub fn narration_zh_in(&self, scenario: &Scenario, variant: usize) -> String {
        said(&self.narration_zh, scenario, variant, "")
    }
}

fn said(
    narration: &[(Vec<String>, String)],
    scenario: &Scenario,
    variant: usize,
    between: &str,
) -> String {
    let lines = narration
        .iter()
        .filter(|(only, _)| scenario.applies(only, variant))
        .map(|(_, line)| line.as_str());
    lines.collect::<Vec<_>>().join(between)
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// An action, in the variants named (empty: in all).
    Do(Vec<String>, Action),
    Wait(u64),
    /// Run until the condition holds, for at most this long.
    WaitUntil(Expectation, u64),
    /// A check, in the variants named (empty: in all).
    Check(Vec<String>, Expectation),
}

/// A condition and the words the scenario file wrote it in, which a failed check
/// quotes (the page shows the failure beside the step).
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    pub condition: Condition,
    pub written: String,
}

/// An action as written; some need the run's state to resolve (which
/// message is next on a link).
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    User(UserAction),
    /// Deliver the oldest message in flight on `from → to` now.
    DeliverNext {
        from: NodeId,
        to: NodeId,
    },
    PreVote(bool),
    CheckQuorum(bool),
    FastBackup(bool),
    LeaderStickiness(bool),
    DriftBound(u32),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    Role(NodeId, Role),
    Down(NodeId),
    Up(NodeId),
    Term(NodeId, Term),
    TermAbove(NodeId, Term),
    Commit(NodeId, Index),
    Applied(NodeId, Index),
    VotedFor(NodeId, Option<NodeId>),
    /// The whole log, as (index, term) pairs after any snapshot.
    Log(NodeId, Vec<(Index, Term)>),
    Has(NodeId, Index, Term),
    SnapshotAtLeast(NodeId, Index),
    Leader(Option<NodeId>),
    AnyLeader,
    /// How many AppendEntries the server has refused so far.
    Refusals(NodeId, usize),
    Invariant(String, bool),
    /// The latest Get of the key that returned read this value.
    Read(String, String),
    /// Every client has heard back (`true`), or some client still waits.
    ClientsIdle(bool),
    /// The server holds a lease (dissertation §6.4.1).
    Lease(NodeId, bool),
    /// One tick of the server's clock lasts this many ms.
    TickMs(NodeId, u64),
    /// The liveness gauge, judged by the default thresholds.
    Liveness(LivenessState),
    /// Times a server became leader in the last virtual minute.
    LeaderChanges(Compare, u64),
    /// Virtual ms since a leader that a majority follows was in place.
    MsWithoutLeader(Compare, u64),
    /// Client operations completed per virtual second, lately.
    OpsPerSecond(Compare, u64),
    /// What the server is in the cluster's configuration (a removed server
    /// may not know it yet).
    Member(NodeId, Membership),
    /// The configuration the server itself uses, written as `data-config`
    /// is: ids from 0, `0,1,2`, or while joint C_old|C_new, `0,1,2|0,1,3`.
    Config(NodeId, String),
}

/// How a measure compares with the number a check names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    AtLeast,
    AtMost,
}

impl Compare {
    fn of(word: &str) -> Result<Compare, String> {
        match word {
            ">=" => Ok(Compare::AtLeast),
            "<=" => Ok(Compare::AtMost),
            _ => Err(format!("expected >= or <=, got `{word}`")),
        }
    }

    fn holds(self, measured: u64, bound: u64) -> bool {
        match self {
            Compare::AtLeast => measured >= bound,
            Compare::AtMost => measured <= bound,
        }
    }
}

/// Default settings for scenarios: RaftScope's timing, so a scenario that
/// waits for elections looks as the page does.
fn base_config() -> SimConfig {
    SimConfig {
        stop_at_violation: false,
        ..SimConfig::visual(1)
    }
}

pub fn parse(name: &str, text: &str) -> Result<Scenario, String> {
    let mut scenario = Scenario {
        name: name.into(),
        title: name.into(),
        summary: String::new(),
        title_zh: String::new(),
        summary_zh: String::new(),
        config: base_config(),
        variants: Vec::new(),
        sources: Vec::new(),
        see_also: Vec::new(),
        steps: Vec::new(),
    };
    for (number, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |why: String| format!("{name}.scenario line {}: {why}: {line}", number + 1);
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| fail("expected `key: value`".into()))?;
        let (key, value) = (key.trim(), value.trim());
        parse_line(&mut scenario, key, value).map_err(fail)?;
    }
    if scenario.steps.is_empty() {
        return Err(format!("{name}.scenario has no steps"));
    }
    scenario
        .config
        .validate()
        .map_err(|why| format!("{name}.scenario settings: {why}"))?;
    for variant in &mut scenario.variants {
        let mut config = scenario.config.clone();
        for (key, value) in &variant.settings {
            apply_setting(&mut config, key, value)
                .map_err(|why| format!("{name}.scenario variant {}: {why}", variant.id))?;
        }
        config
            .validate()
            .map_err(|why| format!("{name}.scenario variant {}: {why}", variant.id))?;
        variant.config = config;
    }
    for step in &scenario.steps {
        let marked = step.narration.iter().map(|(only, _)| only);
        let checked = step.commands.iter().filter_map(|command| match command {
            Command::Check(only, _) | Command::Do(only, _) => Some(only),
            _ => None,
        });
        for id in marked.chain(checked).flatten() {
            if scenario.variant_index(id).is_none() {
                return Err(format!(
                    "{name}.scenario step {}: no variant called `{id}`",
                    step.id
                ));
            }
        }
    }
    Ok(scenario)
}

/// A setting of the scenario's header (also what a variant may change).
fn apply_setting(config: &mut SimConfig, key: &str, value: &str) -> Result<(), String> {
    match key {
        "servers" => config.servers = number(value)? as usize,
        "seed" => config.seed = number(value)?,
        "election-timeout" => config.election_timeout_ms = pair(value)?,
        "heartbeat" => config.heartbeat_ms = number(value)?,
        "latency" => config.network.latency_ms = pair(value)?,
        "pre-vote" => config.options.pre_vote = switch(value)?,
        "check-quorum" => config.options.check_quorum = switch(value)?,
        "noop" => config.options.noop_on_election = switch(value)?,
        "fast-backup" => config.options.fast_backup = switch(value)?,
        "leader-stickiness" => config.options.leader_stickiness = switch(value)?,
        "drift-bound" => config.options.clock_drift_bound_percent = percent(value)?,
        "clock-skew" => config.clock_skew_percent = number(value)?,
        "read-mode" => {
            config.read_mode = match value {
                "read-index" => crate::ReadMode::ReadIndex,
                "log" => crate::ReadMode::Log,
                "lease" => crate::ReadMode::Lease,
                _ => return Err(format!("expected read-index, log or lease, got `{value}`")),
            }
        }
        "commit-earlier-terms" => config.bugs.commit_earlier_terms = switch(value)?,
        "change-membership-before-term-commit" => {
            config.bugs.change_membership_before_term_commit = switch(value)?
        }
        "snapshot-every" => {
            config.snapshot_policy = crate::SnapshotPolicy::EveryEntries(number(value)?)
        }
        "chunk-bytes" => config.snapshot_chunk_bytes = number(value)? as usize,
        _ => return Err(format!("unknown setting `{key}`")),
    }
    Ok(())
}

/// `variant pre-vote: pre-vote only; pre-vote on`.
fn variant_of(id: &str, value: &str) -> Result<Variant, String> {
    let mut parts = value.split(';').map(str::trim);
    let label = parts.next().unwrap_or_default().to_owned();
    let settings = parts
        .map(|setting| {
            let (key, value) = setting
                .split_once(' ')
                .ok_or_else(|| format!("expected `setting value`, got `{setting}`"))?;
            Ok((key.to_owned(), value.trim().to_owned()))
        })
        .collect::<Result<_, String>>()?;
    if id.is_empty() || label.is_empty() {
        return Err("expected `variant <id>: <label>; <setting> <value>…`".into());
    }
    Ok(Variant {
        id: id.to_owned(),
        label,
        label_zh: String::new(),
        config: base_config(),
        settings,
    })
}

/// `check [a, b]` → ("check", [a, b]); `check` → ("check", []).
fn marked(key: &str) -> Result<(&str, Vec<String>), String> {
    let Some((bare, rest)) = key.split_once('[') else {
        return Ok((key, Vec::new()));
    };
    let names = rest
        .strip_suffix(']')
        .ok_or_else(|| format!("`{key}` lacks its closing ]"))?;
    let names = names.split(',').map(|name| name.trim().to_owned());
    Ok((bare.trim(), names.collect()))
}

fn parse_line(scenario: &mut Scenario, key: &str, value: &str) -> Result<(), String> {
    let Some(step) = scenario.steps.last_mut() else {
        match key {
            "title" => scenario.title = value.into(),
            "summary" => scenario.summary = value.into(),
            "title.zh" => scenario.title_zh = value.into(),
            "summary.zh" => scenario.summary_zh = value.into(),
            "source" => scenario.sources.push(value.into()),
            "see-also" => scenario
                .see_also
                .extend(value.split_whitespace().map(str::to_owned)),
            "step" => scenario.steps.push(new_step(value)),
            _ => {
                if let Some(id) = key.strip_prefix("variant.zh ") {
                    let variant = scenario.variants.iter_mut().find(|v| v.id == id.trim());
                    variant
                        .ok_or_else(|| {
                            format!("`{key}` comes before its `variant {}:`", id.trim())
                        })?
                        .label_zh = value.into();
                } else if let Some(id) = key.strip_prefix("variant ") {
                    scenario.variants.push(variant_of(id.trim(), value)?);
                } else {
                    apply_setting(&mut scenario.config, key, value)?;
                }
            }
        }
        return Ok(());
    };
    let (key, only) = marked(key)?;
    if !only.is_empty() && !matches!(key, "say" | "say.zh" | "do" | "check") {
        return Err(format!(
            "only say, do and check lines can be marked for variants, not `{key}`"
        ));
    }
    match key {
        "step" => {
            scenario.steps.push(new_step(value));
        }
        "title" => step.title = value.into(),
        "say" => step.narration.push((only, value.into())),
        "title.zh" => step.title_zh = value.into(),
        "say.zh" => step.narration_zh.push((only, value.into())),
        "from" => {
            let earlier = scenario.steps.iter().position(|s| s.id == value);
            let step = scenario.steps.last_mut().ok_or("no step")?;
            step.from = Some(earlier.ok_or_else(|| format!("no earlier step `{value}`"))?);
        }
        "do" => step.commands.extend(
            actions(value)?
                .into_iter()
                .map(|action| Command::Do(only.clone(), action)),
        ),
        "wait" => step.commands.push(Command::Wait(number(value)?)),
        "wait-until" => {
            let (condition, limit) = match value.rsplit_once(" within ") {
                Some((condition, limit)) => (condition, number(limit)?),
                None => (value, 5000),
            };
            step.commands
                .push(Command::WaitUntil(expectation_of(condition)?, limit));
        }
        "check" => step
            .commands
            .push(Command::Check(only, expectation_of(value)?)),
        "show" => {
            for word in value.split_whitespace() {
                match word.strip_prefix('@') {
                    Some(index) => step.highlight_indices.push(number(index)?),
                    None => step.highlight_servers.push(server(word)?),
                }
            }
        }
        _ => return Err(format!("unknown step line `{key}`")),
    }
    Ok(())
}

fn new_step(id: &str) -> Step {
    Step {
        id: id.into(),
        title: id.into(),
        narration: Vec::new(),
        title_zh: String::new(),
        narration_zh: Vec::new(),
        from: None,
        commands: Vec::new(),
        highlight_servers: Vec::new(),
        highlight_indices: Vec::new(),
    }
}

fn number(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))
}

fn pair(text: &str) -> Result<(u64, u64), String> {
    let mut parts = text.split_whitespace();
    match (parts.next(), parts.next(), parts.next()) {
        (Some(low), Some(high), None) => Ok((number(low)?, number(high)?)),
        _ => Err(format!("expected two numbers, got `{text}`")),
    }
}

fn percent(text: &str) -> Result<u32, String> {
    match number(text)? {
        n @ 0..=100 => Ok(n as u32),
        n => Err(format!("{n} is not a percentage from 0 to 100")),
    }
}

fn switch(text: &str) -> Result<bool, String> {
    match text {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("expected on or off, got `{text}`")),
    }
}

/// `S3` → server 2 (people count from 1).
fn server(word: &str) -> Result<NodeId, String> {
    let digits = word
        .strip_prefix('S')
        .ok_or_else(|| format!("`{word}` is not a server like S1"))?;
    match digits.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n - 1),
        _ => Err(format!("`{word}` is not a server like S1")),
    }
}

/// `x 1 via S2` (put, append) or `x via S2` (get): one client operation.
fn operation(verb: &str, text: &str) -> Result<UserAction, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let (op, key, value, via) = match (verb, words.as_slice()) {
        ("get", [key, "via", who]) => (Op::Get, key, "", who),
        ("put", [key, value, "via", who]) => (Op::Put, key, *value, who),
        ("append", [key, value, "via", who]) => (Op::Append, key, *value, who),
        _ => return Err(format!("expected `{verb} key value via S1`, got `{text}`")),
    };
    Ok(UserAction::Submit {
        server: server(via)?,
        op,
        key: (*key).into(),
        value: value.into(),
    })
}

/// `S1 -> S2` (one way) or `S1 <-> S2` (both ways).
fn link(text: &str) -> Result<(NodeId, NodeId, bool), String> {
    if let Some((a, b)) = text.split_once("<->") {
        return Ok((server(a.trim())?, server(b.trim())?, true));
    }
    let (a, b) = text
        .split_once("->")
        .ok_or_else(|| format!("expected `S1 -> S2`, got `{text}`"))?;
    Ok((server(a.trim())?, server(b.trim())?, false))
}

/// One written action; a link action written `<->` is two one-way ones.
fn actions(text: &str) -> Result<Vec<Action>, String> {
    let (verb, rest) = text.split_once(' ').unwrap_or((text, ""));
    let rest = rest.trim();
    let one = |action| Ok(vec![Action::User(action)]);
    match verb {
        "timeout" => one(UserAction::Timeout {
            server: server(rest)?,
        }),
        "crash" => one(UserAction::Crash {
            server: server(rest)?,
        }),
        "restart" => one(UserAction::Restart {
            server: server(rest)?,
        }),
        "request" if rest.is_empty() => one(UserAction::Request { server: None }),
        "request" => one(UserAction::Request {
            server: Some(server(rest)?),
        }),
        "isolate" => one(UserAction::Isolate {
            server: server(rest)?,
            cut: true,
        }),
        "rejoin" => one(UserAction::Isolate {
            server: server(rest)?,
            cut: false,
        }),
        "heal" if rest == "all" => one(UserAction::HealAll),
        "transfer" => {
            let (from, to, _) = link(rest)?;
            one(UserAction::Transfer { from, to })
        }
        "deliver" => {
            let (from, to, _) = link(rest)?;
            Ok(vec![Action::DeliverNext { from, to }])
        }
        "pre-vote" => Ok(vec![Action::PreVote(switch(rest)?)]),
        "leader-stickiness" => Ok(vec![Action::LeaderStickiness(switch(rest)?)]),
        "drift-bound" => Ok(vec![Action::DriftBound(percent(rest)?)]),
        "put" | "append" | "get" => one(operation(verb, rest)?),
        "add" => one(UserAction::AddServer {
            joining: joining_of(rest)?,
        }),
        "remove" | "promote" => one(UserAction::ChangeMembership {
            changes: vec![conf_change(text)?],
        }),
        "change" => one(UserAction::ChangeMembership {
            changes: rest.split(',').map(conf_change).collect::<Result<_, _>>()?,
        }),
        "clients" if rest == "stop" => one(UserAction::StopClients),
        "clients" => one(UserAction::StartClients {
            count: number(rest)? as usize,
        }),
        "check-quorum" => Ok(vec![Action::CheckQuorum(switch(rest)?)]),
        "fast-backup" => Ok(vec![Action::FastBackup(switch(rest)?)]),
        "cut" | "heal" | "hold" | "release" => {
            let (from, to, both) = link(rest)?;
            let on_link = |from, to| match verb {
                "cut" => UserAction::SetLink {
                    from,
                    to,
                    cut: true,
                },
                "heal" => UserAction::SetLink {
                    from,
                    to,
                    cut: false,
                },
                "hold" => UserAction::HoldLink {
                    from,
                    to,
                    hold: true,
                },
                _ => UserAction::HoldLink {
                    from,
                    to,
                    hold: false,
                },
            };
            let mut list = vec![Action::User(on_link(from, to))];
            if both {
                list.push(Action::User(on_link(to, from)));
            }
            Ok(list)
        }
        _ => Err(format!("unknown action `{verb}`")),
    }
}

/// `server as learner`, `server as voter` or `server as caught-up`.
fn joining_of(text: &str) -> Result<Joining, String> {
    match text.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["server", "as", "learner"] => Ok(Joining::Learner),
        ["server", "as", "voter"] => Ok(Joining::Voter),
        ["server", "as", "caught-up"] => Ok(Joining::CaughtUp),
        _ => Err(format!(
            "expected `add server as learner|voter|caught-up`, got `add {text}`"
        )),
    }
}

/// One change of a `change` line: `remove S1`, `promote S6` or `add S6`
/// (a voter), `add S6 as learner`, `demote S6`.
fn conf_change(text: &str) -> Result<ConfChange, String> {
    match text.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["remove", who] => Ok(ConfChange::Remove(server(who)?)),
        ["promote" | "add", who] | ["add", who, "as", "voter"] => {
            Ok(ConfChange::AddVoter(server(who)?))
        }
        ["demote", who] | ["add", who, "as", "learner"] => Ok(ConfChange::AddLearner(server(who)?)),
        _ => Err(format!(
            "expected `remove S1`, `promote S1`, `demote S1` or `add S1 [as learner]`, got `{}`",
            text.trim()
        )),
    }
}

/// `0,1,2` or `0,1,2|0,1,3`, checked and written as `data-config` writes it.
fn data_config_of(text: &str) -> Result<String, String> {
    let halves = text
        .split('|')
        .map(|half| {
            half.split(',')
                .map(|id| number(id).map(|id| id.to_string()))
                .collect::<Result<Vec<_>, _>>()
                .map(|ids| ids.join(","))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("expected ids like 0,1,2 or 0,1,2|0,1,3, got `{text}`"))?;
    if halves.len() > 2 {
        return Err(format!("a configuration has at most two halves: `{text}`"));
    }
    Ok(halves.join("|"))
}

fn expectation_of(text: &str) -> Result<Expectation, String> {
    Ok(Expectation {
        condition: condition_of(text)?,
        written: text.trim().to_owned(),
    })
}

fn condition_of(text: &str) -> Result<Condition, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        ["leader", "none"] => Ok(Condition::Leader(None)),
        ["leader", "any"] => Ok(Condition::AnyLeader),
        ["leader", who] => Ok(Condition::Leader(Some(server(who)?))),
        ["invariant", name, state] => Ok(Condition::Invariant((*name).into(), *state == "ok")),
        ["read", key, value] => Ok(Condition::Read((*key).into(), (*value).into())),
        ["clients", "idle"] => Ok(Condition::ClientsIdle(true)),
        ["clients", "waiting"] => Ok(Condition::ClientsIdle(false)),
        ["liveness", "ok"] => Ok(Condition::Liveness(LivenessState::Ok)),
        ["liveness", "degraded"] => Ok(Condition::Liveness(LivenessState::Degraded)),
        ["liveness", "down"] => Ok(Condition::Liveness(LivenessState::Down)),
        ["leader-changes", compare, n] => {
            Ok(Condition::LeaderChanges(Compare::of(compare)?, number(n)?))
        }
        ["ms-without-leader", compare, n] => Ok(Condition::MsWithoutLeader(
            Compare::of(compare)?,
            number(n)?,
        )),
        ["ops-per-s", compare, n] => Ok(Condition::OpsPerSecond(Compare::of(compare)?, number(n)?)),
        [who, rest @ ..] => {
            let id = server(who)?;
            match rest {
                ["leader"] => Ok(Condition::Role(id, Role::Leader)),
                ["follower"] => Ok(Condition::Role(id, Role::Follower)),
                ["candidate"] => Ok(Condition::Role(id, Role::Candidate)),
                ["precandidate"] => Ok(Condition::Role(id, Role::PreCandidate)),
                ["down"] => Ok(Condition::Down(id)),
                ["up"] => Ok(Condition::Up(id)),
                ["term", n] => Ok(Condition::Term(id, number(n)?)),
                ["term-above", n] => Ok(Condition::TermAbove(id, number(n)?)),
                ["commit", n] => Ok(Condition::Commit(id, number(n)?)),
                ["applied", n] => Ok(Condition::Applied(id, number(n)?)),
                ["voted", "none"] => Ok(Condition::VotedFor(id, None)),
                ["voted", other] => Ok(Condition::VotedFor(id, Some(server(other)?))),
                ["has", entry] => {
                    let (index, term) = entry_of(entry)?;
                    Ok(Condition::Has(id, index, term))
                }
                ["snapshot", n] => Ok(Condition::SnapshotAtLeast(id, number(n)?)),
                ["refusals", n] => Ok(Condition::Refusals(id, number(n)? as usize)),
                ["lease", "held"] => Ok(Condition::Lease(id, true)),
                ["lease", "expired"] => Ok(Condition::Lease(id, false)),
                ["tick", ms] => Ok(Condition::TickMs(id, number(ms)?)),
                ["member", "voter"] => Ok(Condition::Member(id, Membership::Voter)),
                ["member", "learner"] => Ok(Condition::Member(id, Membership::Learner)),
                ["member", "removed"] => Ok(Condition::Member(id, Membership::Removed)),
                ["config", ids] => Ok(Condition::Config(id, data_config_of(ids)?)),
                ["log", entries @ ..] => {
                    let entries = entries
                        .iter()
                        .map(|e| entry_of(e))
                        .collect::<Result<_, _>>()?;
                    Ok(Condition::Log(id, entries))
                }
                _ => Err(format!("unknown condition `{text}`")),
            }
        }
        [] => Err("empty condition".into()),
    }
}

/// `2/3`: index 2 holds an entry of term 3.
fn entry_of(text: &str) -> Result<(Index, Term), String> {
    let (index, term) = text
        .split_once('/')
        .ok_or_else(|| format!("expected index/term, got `{text}`"))?;
    Ok((number(index)?, number(term)?))
}

impl Condition {
    pub fn holds(&self, sim: &Simulation) -> bool {
        let node = |id: &NodeId| sim.node(*id);
        let gauge = || sim.liveness(&LivenessThresholds::default());
        match self {
            Condition::Role(id, role) => node(id).is_some_and(|n| n.role() == *role),
            Condition::Down(id) => !sim.is_up(*id),
            Condition::Up(id) => sim.is_up(*id),
            Condition::Term(id, term) => sim.server_view(*id).term == *term,
            Condition::TermAbove(id, term) => sim.server_view(*id).term > *term,
            Condition::Commit(id, index) => node(id).is_some_and(|n| n.commit_index() == *index),
            Condition::Applied(id, index) => node(id).is_some_and(|n| n.last_applied() == *index),
            Condition::VotedFor(id, vote) => sim.server_view(*id).voted_for == *vote,
            Condition::Log(id, entries) => sim.storage(*id).is_some_and(|storage| {
                let held: Vec<(Index, Term)> = storage
                    .log
                    .entries()
                    .iter()
                    .map(|e| (e.index, e.term))
                    .collect();
                held == *entries
            }),
            Condition::Has(id, index, term) => sim
                .storage(*id)
                .is_some_and(|storage| storage.log.term_at(*index) == Some(*term)),
            Condition::SnapshotAtLeast(id, index) => sim.server_view(*id).snapshot_index >= *index,
            Condition::Leader(leader) => sim.leader() == *leader,
            Condition::AnyLeader => sim.leader().is_some(),
            Condition::Refusals(id, count) => {
                let refused = |event: &&crate::Event| {
                    event.server == Some(*id)
                        && matches!(&event.kind, crate::EventKind::Send { message, .. }
                            if message.kind == raftviz_raft::MessageKind::AppendEntriesReply && !message.ok)
                };
                sim.trace().events().filter(refused).count() == *count
            }
            Condition::Invariant(name, ok) => sim
                .invariants()
                .iter()
                .any(|status| status.name == name && status.ok == *ok),
            Condition::Read(key, value) => sim
                .history()
                .operations()
                .iter()
                .filter(|op| op.kind == OpKind::Get && op.key == *key && op.ret.is_some())
                .max_by_key(|op| op.ret)
                .is_some_and(|op| op.output.as_deref() == Some(value.as_str())),
            Condition::ClientsIdle(idle) => sim.clients_idle() == *idle,
            Condition::Lease(id, held) => node(id).is_some_and(|n| n.holds_lease() == *held),
            Condition::TickMs(id, ms) => sim.tick_interval(*id) == *ms,
            Condition::Liveness(state) => gauge().state == *state,
            Condition::LeaderChanges(compare, bound) => {
                compare.holds(u64::from(gauge().leader_changes_per_min), *bound)
            }
            Condition::MsWithoutLeader(compare, bound) => {
                compare.holds(gauge().ms_without_leader, *bound)
            }
            Condition::OpsPerSecond(compare, bound) => compare.holds(
                u64::from(gauge().completed_per_s_tenths),
                bound.saturating_mul(10),
            ),
            Condition::Member(id, membership) => sim.membership_of(*id) == *membership,
            Condition::Config(id, ids) => {
                let (configuration, index) = sim.configuration_of(*id);
                ConfigurationView::of(&configuration, index).data_config() == *ids
            }
        }
    }
}

/// What a step's checks found: each failed check, in words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepOutcome {
    pub failures: Vec<String>,
}

/// Plays a scenario: one step at a time, forward, back or to any step
/// (replaying from the start, which determinism makes exact).
#[derive(Clone, Debug)]
pub struct ScenarioPlayer {
    pub scenario: Scenario,
    /// Which of the scenario's variants is played (0 when it has none).
    pub variant: usize,
    pub sim: Simulation,
    /// Steps played so far, in order, following each step's `from`.
    pub played: Vec<usize>,
    pub outcomes: Vec<StepOutcome>,
}

impl ScenarioPlayer {
    /// A player of `scenario` in variant `variant` (past the last: the first).
    pub fn new(scenario: Scenario, variant: usize) -> ScenarioPlayer {
        let variant = if variant < scenario.variant_count() {
            variant
        } else {
            0
        };
        ScenarioPlayer {
            sim: Simulation::new(scenario.config_of(variant).clone()),
            scenario,
            variant,
            played: Vec::new(),
            outcomes: Vec::new(),
        }
    }

    /// The step the player would play next, if any.
    pub fn next_step(&self) -> Option<usize> {
        let next = self.played.last().map_or(0, |&last| last + 1);
        (next < self.scenario.steps.len()).then_some(next)
    }

    /// Plays the next step; `None` at the end.
    pub fn advance(&mut self) -> Option<&StepOutcome> {
        let index = self.next_step()?;
        self.go_to(index);
        self.outcomes.last()
    }

    /// Shows the state at the end of step `index`, replaying from the start
    /// along the path that leads to it.
    pub fn go_to(&mut self, index: usize) {
        let path = self.path_to(index);
        self.follow(&path);
    }

    /// Plays `path` from the start, reusing the steps already played when
    /// they begin it.
    fn follow(&mut self, path: &[usize]) {
        if !path.starts_with(&self.played) {
            *self = ScenarioPlayer::new(self.scenario.clone(), self.variant);
        }
        let rest = path[self.played.len()..].to_vec();
        rest.into_iter().for_each(|step| self.play(step));
    }

    /// Back one step (to the state after the step before this one).
    pub fn back(&mut self) {
        match self.played.len() {
            0 | 1 => *self = ScenarioPlayer::new(self.scenario.clone(), self.variant),
            n => {
                let path = self.played[..n - 1].to_vec();
                *self = ScenarioPlayer::new(self.scenario.clone(), self.variant);
                path.into_iter().for_each(|step| self.play(step));
            }
        }
    }

    /// The steps to play, in order, to reach the end of step `index`.
    fn path_to(&self, index: usize) -> Vec<usize> {
        let mut path = vec![index];
        let mut current = index;
        loop {
            let before = match self.scenario.steps[current].from {
                Some(from) => Some(from),
                None => current.checked_sub(1),
            };
            match before {
                Some(step) => {
                    path.push(step);
                    current = step;
                }
                None => break,
            }
        }
        path.reverse();
        path
    }

    fn play(&mut self, index: usize) {
        let mut run = StepRun::new(index);
        run.run(&self.scenario, self.variant, &mut self.sim, u64::MAX);
        self.finish(run);
    }

    /// Starts step `index` from the state the player shows, to be run a
    /// little at a time with [`StepRun::run`] (the page unfolds a step this
    /// way); [`ScenarioPlayer::finish`] records it once it is done.
    pub fn begin(&self, index: usize) -> (ScenarioPlayer, StepRun) {
        let path = self.path_to(index);
        let mut start = self.clone();
        start.follow(&path[..path.len() - 1]);
        (start, StepRun::new(index))
    }

    /// Records a step run to its end as played.
    pub fn finish(&mut self, run: StepRun) {
        self.played.push(run.index);
        self.outcomes.push(run.outcome);
    }

    /// Continue freely: the simulation as it stands, for free play.
    pub fn into_simulation(self) -> Simulation {
        self.sim
    }
}

/// One step being played: which command comes next, and the deadline of
/// the wait in progress. Running it to `u64::MAX` at once and running it a
/// frame at a time reach the same state, because it only ever pauses
/// between two simulator events and a pause changes nothing.
#[derive(Clone, Debug)]
pub struct StepRun {
    /// The step's index in the scenario.
    pub index: usize,
    next: usize,
    /// When the wait of the command in progress ends.
    deadline: Option<u64>,
    pub outcome: StepOutcome,
}

impl StepRun {
    fn new(index: usize) -> StepRun {
        StepRun {
            index,
            next: 0,
            deadline: None,
            outcome: StepOutcome::default(),
        }
    }

    /// Runs the step's commands on `sim` (a run of `scenario`, with the
    /// variant `variant`) until they are all done or the next
    /// thing to happen lies after virtual time `until`; returns whether the
    /// step is done.
    pub fn run(
        &mut self,
        scenario: &Scenario,
        variant: usize,
        sim: &mut Simulation,
        until: u64,
    ) -> bool {
        let step = &scenario.steps[self.index];
        while let Some(command) = step.commands.get(self.next) {
            match command {
                Command::Do(only, action) => {
                    if scenario.applies(only, variant) {
                        perform(sim, action);
                    }
                }
                Command::Wait(ms) => {
                    let deadline = *self.deadline.get_or_insert(sim.now().saturating_add(*ms));
                    sim.run_until(deadline.min(until));
                    if sim.now() < deadline {
                        return false;
                    }
                }
                Command::WaitUntil(Expectation { condition, written }, limit) => {
                    let deadline = *self
                        .deadline
                        .get_or_insert(sim.now().saturating_add(*limit));
                    while !condition.holds(sim) && sim.now() < deadline {
                        if sim.next_event_time().is_some_and(|time| time > until) {
                            return false;
                        }
                        sim.step();
                        if sim.next_event_time().is_some_and(|time| time > deadline) {
                            sim.run_until(deadline);
                        }
                    }
                    if !condition.holds(sim) {
                        self.outcome.failures.push(format!(
                            "step {}: waited {limit} ms for `{written}`",
                            step.id
                        ));
                    }
                }
                Command::Check(only, Expectation { condition, written }) => {
                    if scenario.applies(only, variant) && !condition.holds(sim) {
                        self.outcome
                            .failures
                            .push(format!("step {}: expected `{written}`", step.id));
                    }
                }
            }
            self.next += 1;
            self.deadline = None;
        }
        true
    }
}

fn perform(sim: &mut Simulation, action: &Action) {
    match action {
        Action::User(action) => sim.act(action.clone()),
        Action::DeliverNext { from, to } => {
            let next = sim
                .in_flight()
                .filter(|f| f.from == *from && f.to == *to)
                .min_by_key(|f| (f.deliver_at, f.id))
                .map(|f| f.id);
            if let Some(id) = next {
                sim.act(UserAction::DeliverNow { id });
            }
        }
        Action::PreVote(on) => change_options(sim, |options| options.pre_vote = *on),
        Action::CheckQuorum(on) => change_options(sim, |options| options.check_quorum = *on),
        Action::FastBackup(on) => change_options(sim, |options| options.fast_backup = *on),
        Action::LeaderStickiness(on) => {
            change_options(sim, |options| options.leader_stickiness = *on)
        }
        Action::DriftBound(percent) => {
            change_options(sim, |options| options.clock_drift_bound_percent = *percent)
        }
    }
}

fn change_options(sim: &mut Simulation, change: impl FnOnce(&mut RaftOptions)) {
    let mut options = sim.config().options;
    change(&mut options);
    sim.act(UserAction::SetOptions(options));
}

/// The lines of a scenario file that have no Chinese twin, as
/// `name.scenario:line: \`say:\` has no \`say.zh:\``: within the header and within
/// each step, the n-th `title:`/`summary:`/`say:` line needs an n-th `.zh` line.
pub fn untranslated(name: &str, text: &str) -> Vec<String> {
    const KINDS: [&str; 4] = ["title", "summary", "say", "variant"];
    let mut missing = Vec::new();
    // Per kind: the English lines' numbers and how many Chinese lines there are.
    let mut block: [(Vec<usize>, usize); 4] = Default::default();
    let close = |block: &mut [(Vec<usize>, usize); 4], missing: &mut Vec<String>| {
        for (kind, (english, chinese)) in KINDS.iter().zip(block.iter_mut()) {
            for line in english.iter().skip(*chinese) {
                missing.push(format!(
                    "{name}.scenario:{line}: `{kind}:` has no `{kind}.zh:` beside it"
                ));
            }
            *english = Vec::new();
            *chinese = 0;
        }
    };
    for (number, line) in text.lines().enumerate() {
        let Some((key, _)) = line.trim().split_once(':') else {
            continue;
        };
        // `say [faulty]` is a `say`, `variant plain` a `variant`.
        let key = key.split(['[', ' ']).next().unwrap_or_default().trim();
        if key == "step" {
            close(&mut block, &mut missing);
        }
        let (base, zh) = match key.strip_suffix(".zh") {
            Some(base) => (base, true),
            None => (key, false),
        };
        if let Some(kind) = KINDS.iter().position(|kind| *kind == base) {
            if zh {
                block[kind].1 += 1;
            } else {
                block[kind].0.push(number + 1);
            }
        }
    }
    close(&mut block, &mut missing);
    missing
}

/// Loads a built-in scenario by name.
#[cfg(feature = "embedded-scenarios")]
pub fn built_in(name: &str) -> Result<Scenario, String> {
    let (_, text) = BUILT_IN[catalogue_index(name)?];
    parse(name, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(lines: &str) -> Result<Vec<Command>, String> {
        let text = format!("servers: 4\nstep: a\n{lines}");
        parse("membership", &text).map(|scenario| scenario.steps[0].commands.clone())
    }

    fn check(written: &str, condition: Condition) -> Command {
        let written = written.into();
        Command::Check(vec![], Expectation { condition, written })
    }

    fn change(changes: Vec<ConfChange>) -> Command {
        Command::Do(
            vec![],
            Action::User(UserAction::ChangeMembership { changes }),
        )
    }

    #[test]
    fn every_condition_a_scenario_file_can_write_parses_to_its_meaning() {
        use Compare::{AtLeast, AtMost};
        use Condition as C;
        let expected = [
            ("S1 leader", C::Role(0, Role::Leader)),
            ("S2 follower", C::Role(1, Role::Follower)),
            ("S3 candidate", C::Role(2, Role::Candidate)),
            ("S4 precandidate", C::Role(3, Role::PreCandidate)),
            ("S1 down", C::Down(0)),
            ("S1 up", C::Up(0)),
            ("S1 term 3", C::Term(0, 3)),
            ("S1 term-above 2", C::TermAbove(0, 2)),
            ("S1 commit 4", C::Commit(0, 4)),
            ("S1 applied 4", C::Applied(0, 4)),
            ("S1 voted none", C::VotedFor(0, None)),
            ("S1 voted S2", C::VotedFor(0, Some(1))),
            (
                "S1 log 1/1 2/1 3/2",
                C::Log(0, vec![(1, 1), (2, 1), (3, 2)]),
            ),
            ("S1 log", C::Log(0, vec![])),
            ("S3 has 150/1", C::Has(2, 150, 1)),
            ("S1 snapshot 10", C::SnapshotAtLeast(0, 10)),
            ("leader none", C::Leader(None)),
            ("leader S2", C::Leader(Some(1))),
            ("leader any", C::AnyLeader),
            ("S1 refusals 2", C::Refusals(0, 2)),
            (
                "invariant election-safety ok",
                C::Invariant("election-safety".into(), true),
            ),
            (
                "invariant log-matching violated",
                C::Invariant("log-matching".into(), false),
            ),
            ("read x 1", C::Read("x".into(), "1".into())),
            ("clients idle", C::ClientsIdle(true)),
            ("clients waiting", C::ClientsIdle(false)),
            ("S1 lease held", C::Lease(0, true)),
            ("S1 lease expired", C::Lease(0, false)),
            ("S1 tick 12", C::TickMs(0, 12)),
            ("liveness ok", C::Liveness(LivenessState::Ok)),
            ("liveness degraded", C::Liveness(LivenessState::Degraded)),
            ("liveness down", C::Liveness(LivenessState::Down)),
            ("leader-changes >= 3", C::LeaderChanges(AtLeast, 3)),
            ("ms-without-leader <= 500", C::MsWithoutLeader(AtMost, 500)),
            ("ops-per-s >= 30", C::OpsPerSecond(AtLeast, 30)),
        ];
        for (text, condition) in expected {
            assert_eq!(condition_of(text), Ok(condition), "{text}");
        }
    }

    #[test]
    fn a_failed_check_or_wait_quotes_the_condition_as_the_file_wrote_it() {
        let text = "servers: 3\nelection-timeout: 100000 100000\nstep: s\n\
            check:  S1   leader\nwait-until: S2 config 0,01,2|0,1 within 10\n";
        let parsed = parse("quoted", text).unwrap();
        let mut player = ScenarioPlayer::new(parsed, 0);
        let outcome = player.advance().unwrap();
        assert_eq!(
            outcome.failures,
            vec![
                "step s: expected `S1   leader`".to_owned(),
                "step s: waited 10 ms for `S2 config 0,01,2|0,1`".to_owned(),
            ]
        );
    }

    #[test]
    fn membership_actions_parse_to_the_simulators_requests() {
        let add = |joining| Command::Do(vec![], Action::User(UserAction::AddServer { joining }));
        assert_eq!(
            commands(
                "do: add server as learner\ndo: add server as voter\n\
                 do: add server as caught-up\ndo: remove S3\ndo: promote S6\n\
                 do: change remove S1, add S6, add S7 as learner, demote S2\n"
            ),
            Ok(vec![
                add(Joining::Learner),
                add(Joining::Voter),
                add(Joining::CaughtUp),
                change(vec![ConfChange::Remove(2)]),
                change(vec![ConfChange::AddVoter(5)]),
                change(vec![
                    ConfChange::Remove(0),
                    ConfChange::AddVoter(5),
                    ConfChange::AddLearner(6),
                    ConfChange::AddLearner(1),
                ]),
            ])
        );
    }

    #[test]
    fn membership_conditions_parse_and_write_configurations_as_data_config_does() {
        assert_eq!(
            commands(
                "check: S6 member voter\ncheck: S6 member learner\ncheck: S4 member removed\n\
                 check: S1 config 0,1,2,3\ncheck: S2 config 0,1,2|0,1,03\n"
            ),
            Ok(vec![
                check("S6 member voter", Condition::Member(5, Membership::Voter)),
                check(
                    "S6 member learner",
                    Condition::Member(5, Membership::Learner)
                ),
                check(
                    "S4 member removed",
                    Condition::Member(3, Membership::Removed)
                ),
                check("S1 config 0,1,2,3", Condition::Config(0, "0,1,2,3".into())),
                check(
                    "S2 config 0,1,2|0,1,03",
                    Condition::Config(1, "0,1,2|0,1,3".into())
                ),
            ])
        );
    }

    #[test]
    fn an_action_marked_for_a_variant_is_done_in_that_variant_only() {
        let text = "servers: 3\nelection-timeout: 100000 100000\nvariant a: A\nvariant b: B\n\
            step: s\ndo [b]: timeout S1\nwait: 100\ncheck [a]: leader none\ncheck [b]: S1 leader\n";
        let parsed = parse("marked", text).unwrap();
        for variant in 0..2 {
            let mut player = ScenarioPlayer::new(parsed.clone(), variant);
            assert_eq!(player.advance().map(|o| o.failures.len()), Some(0));
        }
    }

    #[test]
    fn the_2015_switch_is_a_setting_a_variant_may_turn_on() {
        let text = "servers: 4\nvariant fix: the fix\n\
            variant bug: the bug; change-membership-before-term-commit on\nstep: a\n";
        let parsed = parse("switch", text).unwrap();
        assert!(
            !parsed
                .config_of(0)
                .bugs
                .change_membership_before_term_commit
        );
        assert!(
            parsed
                .config_of(1)
                .bugs
                .change_membership_before_term_commit
        );
        let error = parse(
            "switch",
            "change-membership-before-term-commit maybe\nstep: a\n",
        );
        assert!(error.unwrap_err().contains("line 1"));
    }

    #[test]
    fn bad_membership_lines_are_refused_naming_the_line() {
        for (line, says) in [
            (
                "do: add server as boss",
                "add server as learner|voter|caught-up",
            ),
            ("do: add S5", "add server as"),
            ("do: remove", "expected `remove S1`"),
            ("do: promote 6", "not a server"),
            ("do: change remove S1, swap S2", "swap S2"),
            ("do: change", "expected `remove S1`"),
            ("check: S6 member chief", "unknown condition"),
            ("check: S1 config 0,x,2", "ids like 0,1,2"),
            ("check: S1 config 0|1|2", "at most two halves"),
            ("check: S1 config 0,,2", "ids like 0,1,2"),
        ] {
            let error = commands(&format!("{line}\n")).unwrap_err();
            assert!(
                error.contains("line 3") && error.contains(says),
                "{line}: {error}"
            );
        }
    }
}
