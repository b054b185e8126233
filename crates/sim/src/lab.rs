//! The MIT 6.5840 tester's vocabulary (checkOneLeader, one, nCommitted,
//! crash1/start1, connect/disconnect…) on top of the simulator, in
//! virtual time. Client goroutines of the lab become [`Task`]s woken by
//! the virtual clock.
use std::sync::Arc;

use raftviz_raft::{EntryData, Index, NodeId, Payload, Role, Term};
use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64;

use crate::{NetworkConfig, Retention, SimConfig, Simulation};

/// The lab's RaftElectionTimeout: the tester's unit of patience.
pub const ELECTION_TIMEOUT_MS: u64 = 1000;

/// The lab fails any test that runs longer than this (config.go's
/// checkTimeout, measured from the test's start).
pub const TEST_TIME_LIMIT_MS: u64 = 120_000;

/// Which year's tester: the test bodies and network are the same, but a
/// restart treats the tester's record of what a server applied differently.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tester {
    /// 2024 (and 2026): the record survives a restart, except that a
    /// server restarting from a snapshot has the snapshot's contents only.
    #[default]
    Lab2024,
    /// 2025: every restart makes a fresh server wrapper whose record is
    /// empty, or the snapshot's contents when it has one; and `restart`
    /// reconnects every server.
    Lab2025,
}

/// A failed check, in words a person can act on.
pub type Check<T = ()> = Result<T, String>;

/// A lab command: the tester's `int`s travel as 8 bytes.
pub fn command(value: u64) -> Payload {
    Arc::from(value.to_le_bytes().to_vec())
}

/// The value of a lab command, if the payload is one.
pub fn value_of(data: &EntryData) -> Option<u64> {
    match data {
        EntryData::Command(bytes) => Some(u64::from_le_bytes(bytes.as_ref().try_into().ok()?)),
        EntryData::Noop | EntryData::Configuration(_) => None,
    }
}

/// A lab client goroutine, as a state machine the virtual clock wakes.
#[derive(Clone, Debug)]
pub enum Task {
    /// `cfg.one(cmd, expected, retry)` running alongside the test.
    One(OneTask),
    /// One of internalChurn's clients.
    Churn(ChurnClient),
}

#[derive(Clone, Debug)]
pub struct OneTask {
    pub command: Payload,
    pub expected: usize,
    pub retry: bool,
    started: u64,
    wake: u64,
    starts: usize,
    waiting: Option<(Index, u64)>,
    pub outcome: Option<Check<Index>>,
}

#[derive(Clone, Debug)]
pub struct ChurnClient {
    pub me: u64,
    wake: u64,
    pending: Option<(Index, u64, usize)>,
    pub stop: bool,
    pub stopped: bool,
    /// Values this client saw committed at the index it was given.
    pub committed: Vec<u64>,
}

pub struct Lab {
    pub sim: Simulation,
    pub seed: u64,
    /// The test's own randomness (the lab's `rand.Int()`), apart from the
    /// simulator's so adding a check never changes the run.
    pub rng: Pcg64,
    connected: Vec<bool>,
    pub tasks: Vec<Task>,
    pub tester: Tester,
}

impl Lab {
    pub fn new(servers: usize, seed: u64, unreliable: bool) -> Lab {
        let mut config = SimConfig::lab(servers, seed);
        config.retention = Retention::lab_from_env();
        if unreliable {
            config.network = NetworkConfig::unreliable();
        }
        Lab::with_config(config)
    }

    pub fn with_config(config: SimConfig) -> Lab {
        let servers = config.servers;
        let seed = config.seed;
        Lab {
            sim: Simulation::new(config),
            seed,
            rng: Pcg64::seed_from_u64(seed ^ 0x5eed_1ab5),
            connected: vec![true; servers],
            tasks: Vec::new(),
            tester: Tester::default(),
        }
    }

    pub fn servers(&self) -> usize {
        self.sim.server_count()
    }

    pub fn rand(&mut self) -> u64 {
        self.rng.next_u64() >> 1
    }

    /// `cfg.setunreliable`: only the delays and losses change.
    pub fn set_unreliable(&mut self, unreliable: bool) {
        let preset = if unreliable {
            NetworkConfig::unreliable()
        } else {
            NetworkConfig::reliable()
        };
        self.sim.set_network(NetworkConfig {
            latency_ms: preset.latency_ms,
            drop_probability: preset.drop_probability,
            ..self.sim.config().network.clone()
        });
    }

    pub fn set_long_reordering(&mut self, on: bool) {
        let mut network = self.sim.config().network.clone();
        network.long_reordering = on;
        self.sim.set_network(network);
    }

    // ---- Time ----

    /// `time.Sleep(ms)`: runs the cluster and the client tasks.
    pub fn sleep(&mut self, ms: u64) -> Check {
        let until = self.sim.now() + ms;
        loop {
            self.safety()?;
            let next = self
                .tasks
                .iter()
                .filter_map(Task::wake)
                .filter(|&t| t <= until)
                .min();
            match next {
                Some(wake) => {
                    self.sim.run_until(wake);
                    self.safety()?;
                    self.run_due_tasks()?;
                }
                None => {
                    self.sim.run_until(until);
                    return self.safety();
                }
            }
        }
    }

    fn safety(&self) -> Check {
        match self.sim.violation() {
            Some(v) => Err(format!(
                "{} violated at {} ms (event {}): {} [servers {:?}, indices {:?}]",
                v.invariant,
                v.time,
                v.event,
                v.detail,
                v.servers.iter().map(|s| s + 1).collect::<Vec<_>>(),
                v.indices
            )),
            None => Ok(()),
        }
    }

    fn run_due_tasks(&mut self) -> Check {
        let now = self.sim.now();
        let mut tasks = std::mem::take(&mut self.tasks);
        let mut result = Ok(());
        for task in &mut tasks {
            if task.wake().is_some_and(|wake| wake <= now) {
                result = result.and(match task {
                    Task::One(one) => self.advance_one(one),
                    Task::Churn(client) => {
                        self.advance_churn(client);
                        Ok(())
                    }
                });
            }
        }
        tasks.append(&mut self.tasks);
        self.tasks = tasks;
        result
    }

    // ---- The network and crashes ----

    /// `cfg.disconnect(i)`: every link to and from `i` fails.
    pub fn disconnect(&mut self, i: NodeId) {
        self.connected[i] = false;
        self.sim.isolate(i, true);
    }

    /// `cfg.connect(i)`: links between `i` and other connected servers work.
    pub fn connect(&mut self, i: NodeId) {
        self.connected[i] = true;
        for j in 0..self.servers() {
            if j != i && self.connected[j] {
                self.sim.set_link(i, j, false);
                self.sim.set_link(j, i, false);
            }
        }
    }

    /// The 2025 tester's `ConnectAll`.
    pub fn connect_all(&mut self) {
        for i in 0..self.servers() {
            self.connect(i);
        }
    }

    pub fn is_connected(&self, i: NodeId) -> bool {
        self.connected[i]
    }

    /// `cfg.crash1(i)`: disconnect and lose volatile state; the disk stays.
    pub fn crash(&mut self, i: NodeId) {
        self.disconnect(i);
        self.sim.crash(i);
    }

    /// `cfg.start1(i)`: (re)start from the disk, still disconnected. The
    /// tester takes what the server applied from its snapshot, as its year
    /// does.
    pub fn start(&mut self, i: NodeId) {
        if self.sim.is_up(i) {
            self.crash(i);
        }
        self.sim.restart(i);
        let snapshot = self
            .sim
            .storage(i)
            .and_then(|storage| storage.snapshot.as_ref())
            .map(|snapshot| snapshot.index);
        match (snapshot, self.tester) {
            (Some(index), _) => self.sim.restart_applied_record(i, index),
            (None, Tester::Lab2025) => self.sim.restart_applied_record(i, 0),
            (None, Tester::Lab2024) => {}
        }
    }

    /// The 2025 tester's `restart(i)`: start `i`, then connect everyone.
    pub fn restart_and_connect_all(&mut self, i: NodeId) {
        self.start(i);
        self.connect_all();
    }

    pub fn is_up(&self, i: NodeId) -> bool {
        self.sim.is_up(i)
    }

    // ---- Talking to servers ----

    /// `rf.Start(cmd)`: `Some((index, term))` if `i` is leader.
    pub fn start_command(&mut self, i: NodeId, command: Payload) -> Option<(Index, Term)> {
        self.sim.propose(i, command).ok()
    }

    /// `rf.GetState()`: (term, is leader), if `i` runs.
    pub fn get_state(&self, i: NodeId) -> Option<(Term, bool)> {
        self.sim
            .node(i)
            .map(|node| (node.term(), node.role() == Role::Leader))
    }

    pub fn rpc_count(&self, i: NodeId) -> u64 {
        self.sim.rpc_count(i)
    }

    /// The lab's LogSize: the largest persisted Raft state of any server.
    pub fn log_size(&self) -> usize {
        (0..self.servers())
            .filter_map(|i| self.sim.storage(i))
            .map(|storage| storage.raft_state_size())
            .max()
            .unwrap_or(0)
    }

    pub fn bytes_total(&self) -> u64 {
        self.sim.rpc_bytes()
    }

    // ---- The tester's checks ----

    pub fn check_one_leader(&mut self) -> Check<NodeId> {
        for _ in 0..10 {
            let ms = 450 + self.rand() % 100;
            self.sleep(ms)?;
            let mut leaders: std::collections::BTreeMap<Term, Vec<NodeId>> = Default::default();
            for i in 0..self.servers() {
                if let (true, Some((term, true))) = (self.connected[i], self.get_state(i)) {
                    leaders.entry(term).or_default().push(i);
                }
            }
            for (term, ids) in &leaders {
                if ids.len() > 1 {
                    return Err(format!("term {term} has {} (>1) leaders", ids.len()));
                }
            }
            if let Some((_, ids)) = leaders.last_key_value() {
                return Ok(ids[0]);
            }
        }
        Err("expected one leader, got none".into())
    }

    pub fn check_terms(&self) -> Check<Term> {
        let mut term = None;
        for i in 0..self.servers() {
            if let (true, Some((t, _))) = (self.connected[i], self.get_state(i)) {
                match term {
                    None => term = Some(t),
                    Some(other) if other != t => return Err("servers disagree on term".into()),
                    Some(_) => {}
                }
            }
        }
        term.ok_or_else(|| "no connected server".into())
    }

    pub fn check_no_leader(&self) -> Check {
        for i in 0..self.servers() {
            if let (true, Some((_, true))) = (self.connected[i], self.get_state(i)) {
                return Err(format!(
                    "expected no leader among connected servers, but S{} claims to be leader",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    /// How many servers have applied `index`, and what.
    pub fn n_committed(&self, index: Index) -> Check<(usize, Option<EntryData>)> {
        let mut count = 0;
        let mut value: Option<EntryData> = None;
        for i in 0..self.servers() {
            if let Some(data) = self.sim.applied(i, index) {
                if let Some(known) = &value {
                    if known != data {
                        return Err(format!("committed values do not match: index {index}"));
                    }
                }
                count += 1;
                value = Some(data.clone());
            }
        }
        Ok((count, value))
    }

    /// `cfg.one(cmd, expectedServers, retry)`.
    pub fn one(&mut self, command: Payload, expected: usize, retry: bool) -> Check<Index> {
        self.spawn_one(command, expected, retry);
        let id = self.tasks.len() - 1;
        loop {
            if let Task::One(OneTask {
                outcome: Some(outcome),
                ..
            }) = &self.tasks[id]
            {
                let outcome = outcome.clone();
                self.tasks.remove(id);
                return outcome;
            }
            self.sleep(10)?;
        }
    }

    pub fn one_value(&mut self, value: u64, expected: usize, retry: bool) -> Check<Index> {
        self.one(command(value), expected, retry)
    }

    /// Starts `one` as a concurrent client (the lab's `go cfg.one(...)`).
    pub fn spawn_one(&mut self, command: Payload, expected: usize, retry: bool) {
        let now = self.sim.now();
        self.tasks.push(Task::One(OneTask {
            command,
            expected,
            retry,
            started: now,
            wake: now,
            starts: 0,
            waiting: None,
            outcome: None,
        }));
    }

    /// Waits for every spawned `one` and reports the first failure.
    pub fn join_ones(&mut self) -> Check {
        while self
            .tasks
            .iter()
            .any(|t| matches!(t, Task::One(OneTask { outcome: None, .. })))
        {
            self.sleep(10)?;
        }
        let mut result = Ok(());
        self.tasks.retain(|task| match task {
            Task::One(one) => {
                if let Some(Err(error)) = &one.outcome {
                    result = result.clone().and(Err(error.clone()));
                }
                false
            }
            Task::Churn(_) => true,
        });
        result
    }

    fn advance_one(&mut self, task: &mut OneTask) -> Check {
        let now = self.sim.now();
        if let Some((index, until)) = task.waiting {
            let (count, value) = self.n_committed(index)?;
            if count > 0
                && count >= task.expected
                && value == Some(EntryData::Command(task.command.clone()))
            {
                task.outcome = Some(Ok(index));
                return Ok(());
            }
            if now < until {
                task.wake = now + 20;
                return Ok(());
            }
            task.waiting = None;
            if !task.retry {
                task.outcome = Some(Err(format!(
                    "one({}) failed to reach agreement",
                    describe(&task.command)
                )));
                return Ok(());
            }
        }
        if now >= task.started + 10_000 {
            task.outcome = Some(Err(format!(
                "one({}) failed to reach agreement",
                describe(&task.command)
            )));
            return Ok(());
        }
        for _ in 0..self.servers() {
            task.starts = (task.starts + 1) % self.servers();
            if self.connected[task.starts] {
                if let Some((index, _)) = self.start_command(task.starts, task.command.clone()) {
                    task.waiting = Some((index, now + 2000));
                    task.wake = now + 20;
                    return Ok(());
                }
            }
        }
        task.wake = now + 50;
        Ok(())
    }

    /// `cfg.wait(index, n, startTerm)`: `Ok(None)` when a term passed
    /// `start_term` meanwhile.
    pub fn wait(
        &mut self,
        index: Index,
        n: usize,
        start_term: Option<Term>,
    ) -> Check<Option<EntryData>> {
        let mut pause = 10;
        for _ in 0..30 {
            if self.n_committed(index)?.0 >= n {
                break;
            }
            self.sleep(pause)?;
            pause = (pause * 2).min(1000);
            if let Some(start) = start_term {
                let moved_on = (0..self.servers())
                    .filter_map(|i| self.get_state(i))
                    .any(|(t, _)| t > start);
                if moved_on {
                    return Ok(None);
                }
            }
        }
        let (count, value) = self.n_committed(index)?;
        if count < n {
            return Err(format!(
                "only {count} decided for index {index}; wanted {n}"
            ));
        }
        Ok(value)
    }

    // ---- internalChurn's clients ----

    pub fn spawn_churn_client(&mut self, me: u64) {
        let wake = self.sim.now();
        self.tasks.push(Task::Churn(ChurnClient {
            me,
            wake,
            pending: None,
            stop: false,
            stopped: false,
            committed: Vec::new(),
        }));
    }

    /// Tells churn clients to stop, waits for them, and returns every
    /// value they saw committed.
    pub fn stop_churn_clients(&mut self) -> Check<Vec<u64>> {
        for task in &mut self.tasks {
            if let Task::Churn(client) = task {
                client.stop = true;
            }
        }
        while self
            .tasks
            .iter()
            .any(|t| matches!(t, Task::Churn(ChurnClient { stopped: false, .. })))
        {
            self.sleep(10)?;
        }
        let mut values = Vec::new();
        self.tasks.retain(|task| match task {
            Task::Churn(client) => {
                values.extend(&client.committed);
                false
            }
            Task::One(_) => true,
        });
        Ok(values)
    }

    fn advance_churn(&mut self, client: &mut ChurnClient) {
        const BACKOFF_MS: [u64; 5] = [10, 20, 50, 100, 200];
        let now = self.sim.now();
        if let Some((index, value, step)) = client.pending {
            let committed = self
                .n_committed(index)
                .ok()
                .and_then(|(n, data)| (n > 0).then_some(data));
            if let Some(data) = committed {
                if data.as_ref().and_then(value_of) == Some(value) {
                    client.committed.push(value);
                }
                client.pending = None;
            } else if step + 1 < BACKOFF_MS.len() {
                client.pending = Some((index, value, step + 1));
                client.wake = now + BACKOFF_MS[step + 1];
                return;
            } else {
                client.pending = None;
            }
        }
        if client.stop {
            client.stopped = true;
            return;
        }
        let value = self.rand();
        let mut accepted = None;
        for i in 0..self.servers() {
            if let Some((index, _)) = self.start_command(i, command(value)) {
                accepted = Some(index);
            }
        }
        match accepted {
            Some(index) => {
                client.pending = Some((index, value, 0));
                client.wake = now + BACKOFF_MS[0];
            }
            None => client.wake = now + 79 + client.me * 17,
        }
    }
}

impl Task {
    fn wake(&self) -> Option<u64> {
        match self {
            Task::One(one) => one.outcome.is_none().then_some(one.wake),
            Task::Churn(client) => (!client.stopped).then_some(client.wake),
        }
    }
}

fn describe(command: &Payload) -> String {
    match value_of(&EntryData::Command(command.clone())) {
        Some(value) => value.to_string(),
        None => format!("{} bytes", command.len()),
    }
}

/// The seeds a battery test runs: `RAFT_SEED` alone, or `RAFT_SEEDS`
/// of them (default `default_seeds`).
pub fn seeds(default_seeds: u64) -> Vec<u64> {
    if let Some(seed) = std::env::var("RAFT_SEED").ok().and_then(|s| s.parse().ok()) {
        return vec![seed];
    }
    let count = std::env::var("RAFT_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_seeds);
    (0..count).collect()
}

/// Runs `test` and holds it to the lab's time limit; the virtual time it
/// took.
pub fn timed(lab: &mut Lab, test: impl FnOnce(&mut Lab) -> Check) -> Check<u64> {
    test(lab)?;
    let took = lab.sim.now();
    if took > TEST_TIME_LIMIT_MS {
        return Err(format!(
            "test took {took} ms of virtual time, longer than the lab's {} s",
            TEST_TIME_LIMIT_MS / 1000
        ));
    }
    Ok(took)
}

/// The longest virtual time a battery's seeds took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Longest {
    pub ms: u64,
    pub seed: u64,
}

/// The command that replays `seed` of the test whose path is `name`, in
/// the integration-test target of the file that calls this (for
/// [`battery`], of the file that calls the battery): a call from
/// `crates/sim/tests/kv.rs` names `--test kv`.
#[track_caller]
pub fn replay_command(name: &str, seed: u64) -> String {
    replay_command_in(std::panic::Location::caller().file(), name, seed)
}

fn replay_command_in(caller_file: &str, name: &str, seed: u64) -> String {
    let target = std::path::Path::new(caller_file)
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or("battery");
    format!(
        "RAFT_SEED={seed} RAFT_LOG=1 cargo test --release -p raftviz-sim --test {target} -- --exact {name}"
    )
}

/// Runs a battery test on a fresh lab per seed, each within the lab's time
/// limit, and returns the longest. A failure names the seed, the first
/// broken check, and the command that replays it (`name` is the test's
/// path in the test file that calls this, whose target the command names);
/// with `RAFT_LOG` set (optionally to topics such as `elect,log`) the
/// replay prints the per-server event log.
#[track_caller]
pub fn battery(
    name: &str,
    default_seeds: u64,
    make: impl Fn(u64) -> Lab,
    test: impl Fn(&mut Lab) -> Check,
) -> Longest {
    let mut failures = Vec::new();
    let mut longest = Longest::default();
    // Read here: a closure cannot pass on its caller's location.
    let caller_file = std::panic::Location::caller().file();
    for seed in seeds(default_seeds) {
        let mut lab = make(seed);
        match timed(&mut lab, &test) {
            Ok(ms) if ms > longest.ms => longest = Longest { ms, seed },
            Ok(_) => {}
            Err(failure) => {
                if let Ok(topics) = std::env::var("RAFT_LOG") {
                    let topics: Vec<&str> = topics
                        .split(',')
                        .filter(|t| !t.is_empty() && *t != "1")
                        .collect();
                    eprintln!("{}", lab.sim.trace().dslog(lab.servers(), &topics));
                }
                eprintln!(
                    "{name} failed with seed {seed} at {} ms: {failure}\nreplay: {}",
                    lab.sim.now(),
                    replay_command_in(caller_file, name, seed)
                );
                failures.push(seed);
                // One failure is enough unless a deep run wants them all.
                if std::env::var_os("RAFT_KEEP_GOING").is_none() {
                    break;
                }
            }
        }
    }
    if let Some(&first) = failures.first() {
        panic!(
            "{name} failed for seeds {failures:?}\nreplay: {}",
            replay_command_in(caller_file, name, first)
        );
    }
    longest
}
