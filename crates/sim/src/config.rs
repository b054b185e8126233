use raftviz_raft::{Bugs, Config as RaftConfig, NodeId};

/// How messages travel. Probabilities are in [0, 1].
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkConfig {
    /// Each message takes a latency drawn uniformly from this inclusive range.
    pub latency_ms: (u64, u64),
    pub drop_probability: f64,
    pub duplicate_probability: f64,
    /// The lab's long reordering: 2/3 of replies wait an extra
    /// 200 + rand(1 + rand(2000)) ms.
    pub long_reordering: bool,
    /// When a message's fate is decided.
    pub delivery: Delivery,
}

/// When the network decides whether a message gets through.
///
/// Raft's messages here are one-way, where the lab's are RPCs: a *request*
/// is a message whose kind [`is_request`](raftviz_raft::MessageKind::is_request)
/// (RequestVote, PreVote, AppendEntries, InstallSnapshot, TimeoutNow), and
/// its *reply* is the reply-kind message the receiver sends back to the
/// requester while handling it — the lab's RPC reply, carried as a message
/// of its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Delivery {
    /// The simulator's model, and what the page draws: every message takes
    /// a latency and is lost if, when it arrives, its link is cut or its
    /// destination is down.
    #[default]
    AtArrival,
    /// The MIT 6.5840 tester's labrpc (2024–2026 labs). A request's fate is
    /// decided when it is sent: lost if its link is cut or its destination
    /// down then, or by chance; otherwise it is executed after its latency
    /// even if the link is cut meanwhile (labrpc reads the end's state once,
    /// before its short delay). A reply's fate is decided when it is
    /// produced: lost if the link back to the requester is cut then, if the
    /// requester has crashed since it sent the request (the reply would
    /// reach the dead instance), or by chance; otherwise it arrives at once
    /// or, with long reordering, 200–2199 ms later, whatever the link does
    /// in between. A crash still loses what is in flight to the crashed
    /// server (labrpc hands it to the dead instance). The latency range
    /// applies to requests only: labrpc delays a request before executing
    /// it and hands the reply straight back.
    Labrpc,
}

impl Delivery {
    pub fn name(self) -> &'static str {
        match self {
            Delivery::AtArrival => "at_arrival",
            Delivery::Labrpc => "labrpc",
        }
    }

    pub fn parse(name: &str) -> Option<Delivery> {
        [Delivery::AtArrival, Delivery::Labrpc]
            .into_iter()
            .find(|delivery| delivery.name() == name)
    }
}

impl NetworkConfig {
    /// The lab's reliable network: every message arrives, quickly.
    pub fn reliable() -> NetworkConfig {
        NetworkConfig {
            latency_ms: (1, 5),
            drop_probability: 0.0,
            duplicate_probability: 0.0,
            long_reordering: false,
            delivery: Delivery::AtArrival,
        }
    }

    /// The lab's unreliable network: 0–26 ms delays, 10 % of requests and
    /// 10 % of replies lost.
    pub fn unreliable() -> NetworkConfig {
        NetworkConfig {
            latency_ms: (0, 26),
            drop_probability: 0.1,
            ..NetworkConfig::reliable()
        }
    }

    /// RaftScope's network: 10–15 ms per message.
    pub fn visual() -> NetworkConfig {
        NetworkConfig {
            latency_ms: (10, 15),
            ..NetworkConfig::reliable()
        }
    }
}

/// The optional Raft behaviours a person can switch on and off live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RaftOptions {
    pub pre_vote: bool,
    pub check_quorum: bool,
    pub noop_on_election: bool,
    pub fast_backup: bool,
    /// Dissertation §4.2.3: ignore RequestVote while a leader is heard.
    /// Lease reads switch it on whatever this says: they rest on it.
    pub leader_stickiness: bool,
    /// How far (in percent) the servers' clocks are trusted to run fast or
    /// slow: the lease of [`crate::ReadMode::Lease`] is shortened to match.
    pub clock_drift_bound_percent: u32,
}

impl Default for RaftOptions {
    /// The lab's settings: the optional behaviours off, fast backup on.
    fn default() -> RaftOptions {
        RaftOptions {
            pre_vote: false,
            check_quorum: false,
            noop_on_election: false,
            fast_backup: true,
            leader_stickiness: false,
            clock_drift_bound_percent: 10,
        }
    }
}

/// When a server's application snapshots its state and compacts the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotPolicy {
    Never,
    /// After every `n`th applied index, as the lab's snapshot tester does.
    EveryEntries(u64),
    /// When the persisted Raft state passes this many bytes (the lab's
    /// maxraftstate for the key-value service).
    RaftStateBytes(usize),
}

/// Everything that, with the seed and the list of actions, fixes a run.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    pub seed: u64,
    pub servers: usize,
    /// One core tick lasts this long.
    pub tick_ms: u64,
    pub election_timeout_ms: (u64, u64),
    pub heartbeat_ms: u64,
    pub max_entries_per_append: usize,
    pub snapshot_chunk_bytes: usize,
    pub snapshot_policy: SnapshotPolicy,
    pub options: RaftOptions,
    pub bugs: Bugs,
    pub read_mode: crate::ReadMode,
    /// Bug switch: a server that believes it leads answers Get from its own
    /// state, without ReadIndex. A deposed leader then serves stale reads.
    pub stale_read_bug: bool,
    pub network: NetworkConfig,
    /// Servers' clocks run at different rates: each server's tick lasts
    /// `tick_ms` ± up to this many percent (drawn from the seed), rounded
    /// down to whole milliseconds — with short ticks the rounding adds to
    /// the spread.
    pub clock_skew_percent: u64,
    /// Stop the run at the first safety violation (tests); a classroom
    /// run goes on so every broken invariant can be shown.
    pub stop_at_violation: bool,
    /// How much of its past the run keeps in memory (replay rebuilds the rest).
    pub retention: Retention,
}

/// How much of its past a run keeps in memory. Runs are deterministic, so what is
/// not kept can be rebuilt by replaying the settings and actions; keeping less
/// bounds memory however long a run goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// The latest events the trace keeps, with their timeline marks (0: only the
    /// hash and the count, as long seed sweeps need).
    pub events: usize,
    /// The latest client operations the linearizability history keeps; the check
    /// then covers those (see [`crate::linearizability::History`]).
    pub operations: usize,
    /// Every command each server applied, by index, as the lab's tester reads
    /// them ([`crate::Simulation::applied`]), and the checker's record of every
    /// index. Without, the checker forgets indices below every running
    /// server's snapshot, in memory that a snapshotting run keeps bounded: a
    /// broken invariant is still found, though one a restarted server breaks
    /// there is found at the first index remembered.
    pub applied_commands: bool,
}

impl Retention {
    /// What the page keeps: enough events for the event log, the space-time
    /// diagram and stepping around the moment shown, and a window of client
    /// operations for the linearizability badge.
    pub const PAGE: Retention = Retention {
        events: 10_000,
        operations: 1_000,
        applied_commands: false,
    };
    /// Seed sweeps: no events, only the trace hash; the whole client history,
    /// so every operation is checked, and every applied command.
    pub const HASH_ONLY: Retention = Retention {
        events: 0,
        operations: usize::MAX,
        applied_commands: true,
    };
    /// Tests that read a whole (short) run's events.
    pub const EVERYTHING: Retention = Retention {
        events: usize::MAX,
        operations: usize::MAX,
        applied_commands: true,
    };

    /// The lab's runs print every event when `RAFT_LOG` is set.
    pub fn lab_from_env() -> Retention {
        if std::env::var_os("RAFT_LOG").is_some() {
            Retention::EVERYTHING
        } else {
            Retention::HASH_ONLY
        }
    }
}

impl SimConfig {
    /// The lab tester's settings: elections within 300–600 ms, ten
    /// heartbeats a second, the reliable network.
    pub fn lab(servers: usize, seed: u64) -> SimConfig {
        SimConfig {
            seed,
            servers,
            tick_ms: 10,
            election_timeout_ms: (300, 600),
            heartbeat_ms: 100,
            max_entries_per_append: 512,
            snapshot_chunk_bytes: 1024,
            snapshot_policy: SnapshotPolicy::Never,
            options: RaftOptions::default(),
            bugs: Bugs::default(),
            read_mode: crate::ReadMode::ReadIndex,
            stale_read_bug: false,
            network: NetworkConfig::reliable(),
            stop_at_violation: true,
            clock_skew_percent: 0,
            retention: Retention::HASH_ONLY,
        }
    }

    /// RaftScope's settings for watching a five-server cluster: elections
    /// after 150–300 ms, heartbeats every 50 ms, 10–15 ms per message.
    pub fn visual(seed: u64) -> SimConfig {
        SimConfig {
            tick_ms: 5,
            election_timeout_ms: (150, 300),
            heartbeat_ms: 50,
            network: NetworkConfig::visual(),
            retention: Retention::PAGE,
            ..SimConfig::lab(5, seed)
        }
    }

    pub(crate) fn raft_config(&self, id: NodeId) -> RaftConfig {
        let ticks = |ms: u64| u32::try_from(ms.div_ceil(self.tick_ms.max(1))).unwrap_or(u32::MAX);
        RaftConfig {
            id,
            cluster_size: self.servers,
            election_timeout_min: ticks(self.election_timeout_ms.0),
            election_timeout_max: ticks(self.election_timeout_ms.1),
            heartbeat_interval: ticks(self.heartbeat_ms),
            max_entries_per_append: self.max_entries_per_append,
            snapshot_chunk_bytes: self.snapshot_chunk_bytes,
            pre_vote: self.options.pre_vote,
            check_quorum: self.options.check_quorum,
            noop_on_election: self.options.noop_on_election,
            fast_backup: self.options.fast_backup,
            leader_stickiness: self.options.leader_stickiness
                || self.read_mode == crate::ReadMode::Lease,
            clock_drift_bound_percent: self.options.clock_drift_bound_percent,
            bugs: self.bugs,
        }
    }

    /// Settings a person typed or a link carried; the reason when unusable.
    pub fn validate(&self) -> Result<(), String> {
        if !(3..=9).contains(&self.servers) {
            return Err(format!("servers must be 3 to 9, not {}", self.servers));
        }
        if self.clock_skew_percent > 50 {
            return Err(format!(
                "clock skew must be at most 50 %, not {}",
                self.clock_skew_percent
            ));
        }
        if self.tick_ms == 0 {
            return Err("a tick must last at least 1 ms".into());
        }
        let (low, high) = self.network.latency_ms;
        if low > high || high > 60_000 {
            return Err(format!("latency range {low}–{high} ms is not usable"));
        }
        for (name, p) in [
            ("drop", self.network.drop_probability),
            ("duplicate", self.network.duplicate_probability),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!(
                    "{name} probability must be within 0–1, not {}",
                    crate::decimal::shortest(p)
                ));
            }
        }
        self.raft_config(0)
            .validate()
            .map_err(|error| format!("Raft timing is not usable: {error}"))
    }
}
