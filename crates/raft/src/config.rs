use crate::configuration::MAX_SERVERS;
use crate::NodeId;

/// Everything that shapes a node's behaviour. Timeouts are in ticks: the host
/// decides how long a tick is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub id: NodeId,
    /// The cluster the run started with: voters `0..cluster_size`, the
    /// configuration a server uses while its log and snapshot hold none.
    /// Membership changes go through the log, never through this number.
    /// A server added later has an id at or past it: it starts as no
    /// member, and waits for the leader to send it a configuration.
    pub cluster_size: usize,
    /// The election timeout is drawn uniformly from this inclusive range
    /// each time the timer is reset (§5.2).
    pub election_timeout_min: u32,
    pub election_timeout_max: u32,
    pub heartbeat_interval: u32,
    /// Most entries carried by one AppendEntries.
    pub max_entries_per_append: usize,
    /// Bytes of snapshot carried by one InstallSnapshot chunk.
    pub snapshot_chunk_bytes: usize,
    /// Dissertation §9.6: ask for pre-votes before bumping the term.
    pub pre_vote: bool,
    /// Dissertation §6.2: a leader that has not heard from a majority within
    /// an election timeout steps down.
    pub check_quorum: bool,
    /// Dissertation §6.4: a new leader appends a no-op so entries of earlier
    /// terms commit at once.
    pub noop_on_election: bool,
    /// Dissertation §4.2.3: a server that has heard from a current leader
    /// within the minimum election timeout ignores RequestVote (it neither
    /// adopts the term nor votes), so a server the leader cannot reach, or
    /// one removed from the configuration, cannot depose it. Elections that
    /// TimeoutNow starts are exempt. A server that has just started counts
    /// as having heard from a leader: it cannot know whether it did just
    /// before it stopped, and lease reads rely on that promise.
    pub leader_stickiness: bool,
    /// Dissertation §6.4.1: how far, in percent, any server's clock may run
    /// fast or slow. Leases are shortened so that they stay safe within it.
    pub clock_drift_bound_percent: u32,
    /// Back up nextIndex a whole term at a time using the follower's
    /// hints (the lab's fast backup); off, it steps back one entry per
    /// refusal, as the paper's basic algorithm does.
    pub fast_backup: bool,
    /// Deliberate protocol bugs, for proving that the checkers catch them.
    pub bugs: Bugs,
}

/// Each switch breaks one safety argument of the paper. All off by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bugs {
    /// Commit any entry stored on a majority, even from an earlier term
    /// (the faulty rule of Figure 8).
    pub commit_earlier_terms: bool,
    /// Forget votedFor when restarting from durable state.
    pub forget_vote_on_restart: bool,
    /// Grant votes without the §5.4.1 up-to-date check.
    pub skip_up_to_date_check: bool,
    /// A follower keeps its conflicting entries instead of truncating them.
    pub keep_conflicting_entries: bool,
    /// A leader changes the configuration before it has committed an entry
    /// of its own term: the single-server bug found on the raft-dev list in
    /// 2015, where two leaders of diverging configurations can commit
    /// conflicting entries.
    pub change_membership_before_term_commit: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The id is at or past [`crate::MAX_SERVERS`].
    IdOutOfRange,
    EmptyCluster,
    /// A starting cluster larger than [`crate::MAX_SERVERS`].
    TooManyServers,
    BadElectionTimeout,
    BadHeartbeat,
    ZeroBatch,
    /// A clock-drift bound over 100 %.
    BadClockDrift,
    /// [`crate::Raft::reconfigure`] cannot change a server's id or the
    /// cluster it started with (membership changes go through the log).
    ChangesIdentity,
}

/// In words, for the people who chose the settings: the simulator and the page show
/// these, so they must not depend on derived Debug text (the page's build has none).
impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::IdOutOfRange => write!(f, "a server id is {MAX_SERVERS} or more"),
            ConfigError::EmptyCluster => write!(f, "the cluster has no servers"),
            ConfigError::TooManyServers => {
                write!(f, "the cluster has more than {MAX_SERVERS} servers")
            }
            ConfigError::BadElectionTimeout => {
                write!(
                    f,
                    "the election timeout is not a range of at least one tick"
                )
            }
            ConfigError::BadHeartbeat => write!(
                f,
                "heartbeats do not come more often than the shortest election timeout"
            ),
            ConfigError::ZeroBatch => write!(f, "an append or a snapshot chunk may carry nothing"),
            ConfigError::BadClockDrift => write!(f, "the clock-drift bound is over 100 %"),
            ConfigError::ChangesIdentity => {
                write!(
                    f,
                    "a running server's id and starting cluster cannot change"
                )
            }
        }
    }
}

impl Config {
    /// The lab's shape: 3 servers, ticks of 10 ms, elections after
    /// 300–600 ms, heartbeats every 100 ms (at most ten a second). The
    /// cluster is the fixed set of voters `0..cluster_size` unless
    /// membership changes say otherwise.
    pub fn new(id: NodeId, cluster_size: usize) -> Config {
        Config {
            id,
            cluster_size,
            election_timeout_min: 30,
            election_timeout_max: 60,
            heartbeat_interval: 10,
            max_entries_per_append: 128,
            snapshot_chunk_bytes: 1024,
            pre_vote: false,
            check_quorum: false,
            noop_on_election: false,
            leader_stickiness: false,
            clock_drift_bound_percent: 10,
            fast_backup: true,
            bugs: Bugs::default(),
        }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.cluster_size == 0 {
            return Err(ConfigError::EmptyCluster);
        }
        if self.cluster_size > MAX_SERVERS {
            return Err(ConfigError::TooManyServers);
        }
        if self.id >= MAX_SERVERS {
            return Err(ConfigError::IdOutOfRange);
        }
        if self.election_timeout_min == 0 || self.election_timeout_max < self.election_timeout_min {
            return Err(ConfigError::BadElectionTimeout);
        }
        // Heartbeats must come well inside the shortest election timeout,
        // or followers start elections against a healthy leader.
        if self.heartbeat_interval == 0 || self.heartbeat_interval >= self.election_timeout_min {
            return Err(ConfigError::BadHeartbeat);
        }
        if self.max_entries_per_append == 0 || self.snapshot_chunk_bytes == 0 {
            return Err(ConfigError::ZeroBatch);
        }
        if self.clock_drift_bound_percent > 100 {
            return Err(ConfigError::BadClockDrift);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(change: impl Fn(&mut Config)) -> Result<(), ConfigError> {
        let mut config = Config::new(0, 3);
        change(&mut config);
        config.validate()
    }

    /// Each setting is refused exactly past its bound and accepted on it:
    /// the election timeout is a non-empty range from at least one tick
    /// (§5.2's randomised timeouts), heartbeats come strictly inside its
    /// minimum (§5.6: broadcastTime ≪ electionTimeout), batches carry at
    /// least one entry or byte, and the drift bound is at most 100 %.
    #[test]
    fn validate_refuses_each_bad_setting_at_its_bound() {
        use ConfigError::*;
        assert_eq!(changed(|_| {}), Ok(()));
        assert_eq!(changed(|c| c.cluster_size = 0), Err(EmptyCluster));
        assert_eq!(changed(|c| c.cluster_size = MAX_SERVERS), Ok(()));
        assert_eq!(
            changed(|c| c.cluster_size = MAX_SERVERS + 1),
            Err(TooManyServers)
        );
        assert_eq!(changed(|c| c.id = MAX_SERVERS - 1), Ok(()));
        assert_eq!(changed(|c| c.id = MAX_SERVERS), Err(IdOutOfRange));
        assert_eq!(
            changed(|c| c.election_timeout_min = 0),
            Err(BadElectionTimeout)
        );
        assert_eq!(
            changed(|c| c.election_timeout_max = c.election_timeout_min - 1),
            Err(BadElectionTimeout),
            "out of order"
        );
        assert_eq!(
            changed(|c| c.election_timeout_max = c.election_timeout_min),
            Ok(()),
            "a fixed timeout is a range of one"
        );
        assert_eq!(changed(|c| c.heartbeat_interval = 0), Err(BadHeartbeat));
        assert_eq!(
            changed(|c| c.heartbeat_interval = c.election_timeout_min),
            Err(BadHeartbeat)
        );
        assert_eq!(
            changed(|c| c.heartbeat_interval = c.election_timeout_min - 1),
            Ok(())
        );
        assert_eq!(changed(|c| c.max_entries_per_append = 0), Err(ZeroBatch));
        assert_eq!(changed(|c| c.snapshot_chunk_bytes = 0), Err(ZeroBatch));
        assert_eq!(
            changed(|c| {
                c.max_entries_per_append = 1;
                c.snapshot_chunk_bytes = 1;
            }),
            Ok(())
        );
        assert_eq!(changed(|c| c.clock_drift_bound_percent = 100), Ok(()));
        assert_eq!(
            changed(|c| c.clock_drift_bound_percent = 101),
            Err(BadClockDrift)
        );
    }

    /// Each refusal reads as its own sentence, not as a variant's name: the
    /// page shows these, and its build has no Debug text to fall back on.
    #[test]
    fn each_config_error_has_its_own_words() {
        use alloc::string::ToString;
        use ConfigError::*;
        let all = [
            IdOutOfRange,
            EmptyCluster,
            TooManyServers,
            BadElectionTimeout,
            BadHeartbeat,
            ZeroBatch,
            BadClockDrift,
            ChangesIdentity,
        ];
        let words: alloc::vec::Vec<_> = all.iter().map(|error| error.to_string()).collect();
        for (error, text) in all.iter().zip(&words) {
            assert!(text.contains(' '), "{error:?} reads {text:?}");
        }
        for (i, text) in words.iter().enumerate() {
            assert!(!words[..i].contains(text), "{text:?} twice");
        }
    }
}
