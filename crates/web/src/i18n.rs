//! The page's words in each language, keyed by [`T`]. English is an exhaustive match,
//! so a key without English does not compile. Chinese is a file beside the page
//! (`i18n/zh.txt`, from `crates/web/i18n/`), fetched only when someone picks it, so
//! English readers do not download it; the page checks its keys' names and order when
//! it arrives, and the tests below hold it to every key, with the same `{0}` `{1}` …
//! and no key left in English.
//!
//! Chinese follows the terms Chinese Raft material uses (领导者/跟随者/候选人, 任期,
//! 日志, 提交, 快照, 预投票, 心跳, 多数派); server names (S1…Sn) and Raft message names
//! (RequestVote, AppendEntries, …) stay as they are in both.

use std::fmt::Display;
use std::sync::OnceLock;

use raftviz_sim::Fnv;

use yew::prelude::*;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// The `?lang=` value and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// What goes between two sentences: a space in English, nothing after a 。.
    pub fn sentence_gap(self) -> &'static str {
        match self {
            Lang::En => " ",
            Lang::Zh => "",
        }
    }

    /// The language's own name, for the menu.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "简体中文",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|lang| lang.code() == code)
    }

    /// The browser's language (`navigator.language`, e.g. `zh-CN`, `en-GB`) as one of ours.
    pub fn of_browser(tag: &str) -> Lang {
        if tag.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// The text of `key`; English while this language's file has not arrived.
    pub fn t(self, key: T) -> &'static str {
        match self {
            Lang::En => en(key),
            Lang::Zh => zh_table()
                .and_then(|table| table.get(key as usize).copied())
                .unwrap_or_else(|| en(key)),
        }
    }

    /// Where this language's texts are, relative to the page; `None` for English,
    /// which is built in.
    pub fn file(self) -> Option<&'static str> {
        match self {
            Lang::En => None,
            Lang::Zh => Some("i18n/zh.txt"),
        }
    }

    /// Whether the page can speak this language now.
    pub fn is_ready(self) -> bool {
        self.file().is_none() || zh_table().is_some()
    }

    /// Takes this language's file, once: refused, with the reason, if it does not
    /// list exactly this page's keys in their order (a file from another version).
    pub fn install(self, text: String) -> Result<(), String> {
        if self.is_ready() {
            return Ok(());
        }
        // Checked before it is kept, so that a refused file costs nothing after.
        read_table(&text)?;
        let _ = ZH.set(texts(read_table(String::leak(text))?));
        Ok(())
    }

    /// A scenario's own words in this language: its `.zh` line, or the English where the
    /// file has none.
    pub fn pick<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Lang::Zh if !zh.is_empty() => zh,
            _ => en,
        }
    }

    /// A template with its `{0}`, `{1}` … filled in.
    pub fn fill(self, key: T, args: &[&dyn Display]) -> String {
        fill(self.t(key), args)
    }
}

/// The language the page shows, given to every component by the app.
#[hook]
pub fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or_default()
}

/// Replaces `{n}` with the n-th argument; anything else is kept as written.
pub fn fill(template: &str, args: &[&dyn Display]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let hole = after
            .find('}')
            .and_then(|close| Some((after[..close].parse::<usize>().ok()?, close)));
        match hole.and_then(|(n, close)| Some((args.get(n)?, close))) {
            Some((arg, close)) => {
                let _ = write!(out, "{arg}");
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

static ZH: OnceLock<Vec<&'static str>> = OnceLock::new();

fn zh_table() -> Option<&'static Vec<&'static str>> {
    #[cfg(test)]
    return Some(ZH.get_or_init(|| {
        texts(read_table(include_str!("../i18n/zh.txt")).expect("i18n/zh.txt fits T"))
    }));
    #[cfg(not(test))]
    ZH.get()
}

/// A language file's `(key name, text as written)` lines, checked against [`T`]'s
/// names in order.
fn read_table(file: &str) -> Result<Vec<(&str, &str)>, String> {
    let mut table = Vec::with_capacity(T::COUNT);
    for (number, line) in file.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, text) = line
            .split_once(" = ")
            .ok_or_else(|| format!("line {} is not `Key = text`", number + 1))?;
        table.push((name, text));
    }
    if table.len() != T::COUNT {
        return Err(format!("{} texts for {} keys", table.len(), T::COUNT));
    }
    let names: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
    if names_fingerprint(&names) != T::NAMES_FINGERPRINT {
        return Err("its keys are not this page's".into());
    }
    Ok(table)
}

/// The texts of a kept file, each `\\n` a line break.
fn texts(table: Vec<(&str, &'static str)>) -> Vec<&'static str> {
    let unescaped = |text: &'static str| -> &'static str {
        if text.contains("\\n") {
            String::leak(text.replace("\\n", "\n"))
        } else {
            text
        }
    };
    table.into_iter().map(|(_, text)| unescaped(text)).collect()
}

/// FNV-1a over the key names, each ended by a newline, so that the page can check a
/// file's names without carrying them.
const fn names_fingerprint(names: &[&str]) -> u64 {
    let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
    let mut at = 0;
    while at < names.len() {
        hash.write(names[at].as_bytes());
        hash.write(b"\n");
        at += 1;
    }
    hash.0
}

macro_rules! keys {
    ($($key:ident),* $(,)?) => {
        /// A piece of the page's text.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum T { $($key),* }
        impl T {
            #[cfg(test)]
            pub const ALL: &'static [T] = &[$(T::$key),*];
            const COUNT: usize = [$(stringify!($key)),*].len();
            // Evaluated while compiling: the names themselves stay out of the wasm.
            const NAMES_FINGERPRINT: u64 = names_fingerprint(&[$(stringify!($key)),*]);
        }
    };
}

keys! {
    LanguageMenu,
    BadLang,
    BadServers,
    BadSpeed,
    SeedOfScenario,
    ScenarioRunsSeed,
    RunningSeed,
    BadSeed,
    BadRunLink,
    BadScenarioLink,
    BadScenario,
    LanguageNow,
    TaglineScenario,
    TaglineSeed,
    TaglineEnd,
    FirstSteps,
    DismissMessage,
    ReopenScenario,
    Cluster,
    Partitions,
    IsolateLeaderTitle,
    IsolateLeader,
    SplitTitle,
    Split,
    HealAllTitle,
    HealAll,
    ControlsLabel,
    PlayTitle,
    Play,
    PauseTitle,
    Pause,
    BackTitle,
    Back,
    StepTitle,
    Step,
    SpeedWord,
    SpeedLabel,
    RequestTitle,
    ClientRequest,
    ResetTitle,
    Reset,
    SeedWord,
    SeedLabel,
    NewSeedTitle,
    NewSeed,
    PresentTitle,
    LeavePresentation,
    Present,
    HelpButton,
    OpeningShared,
    ExportedAll,
    ExportedWindow,
    SavedWontImport,
    Saved,
    LinkWontOpen,
    LivenessHeading,
    LivenessRegion,
    LivenessNotSafety,
    LivenessOk,
    LivenessDegraded,
    LivenessDown,
    LivenessLeader,
    LivenessNoLeader,
    LivenessChanges,
    LivenessOps,
    LivenessSettings,
    LivenessAmberAfter,
    LivenessRedAfter,
    LivenessMsWithout,
    LivenessChangesAMin,
    LivenessAmberAfterMsLabel,
    LivenessRedAfterMsLabel,
    LivenessAmberChangesLabel,
    LivenessRedChangesLabel,
    LivenessThresholdsRefused,
    ScenarioVariants,
    ScenarioSources,
    ScenarioSeeAlso,
    ScenarioNotFound,
    ScenarioNoVariant,
    LoadingScenario,
    ScenarioNotLoaded,
    Scenario,
    ScenarioHeading,
    Steps,
    CheckFailed,
    ScenarioSteps,
    PrevStepTitle,
    FinishStepTitle,
    NextStepTitle,
    FinishStep,
    NextStep,
    StepPlaying,
    StepPaused,
    PaceWord,
    PaceLabel,
    PaceOption,
    ContinueFreelyTitle,
    ContinueFreely,
    RingLabel,
    Legend,
    LegendShapes,
    LegendAppendEntries,
    ReplyYes,
    ReplyNo,
    VotedForLong,
    VotedShort,
    NoVote,
    CommitIndexPart,
    ServerAria,
    TimerTitle,
    LinkAria,
    LinkWorks,
    LinkOneWay,
    LinkCutBoth,
    RoleDown,
    RoleLeader,
    RoleCandidate,
    RolePreCandidate,
    RoleFollower,
    LinkName,
    CutBothWays,
    CutOneWay,
    Heal,
    Close,
    ServerActions,
    CrashServer,
    RestartServer,
    TimeOut,
    MessageAria,
    MessageTitle,
    ScenarioSteppedAside,
    Forked,
    ForkUndone,
    Imported,
    ImportFailed,
    ServerIsDown,
    RequestAccepted,
    RequestRedirected,
    RequestRefused,
    MessageGone,
    MessageDropped,
    NoLeaderToIsolate,
    FreePlay,
    ElectionSafety,
    LeaderAppendOnly,
    LogMatching,
    LeaderCompleteness,
    StateMachineSafety,
    Linearizability,
    CommittedStaysCommitted,
    SaidLeader,
    SaidCrashed,
    SaidRestarted,
    SaidCommittedOne,
    SaidCommitted,
    SaidBrokenAt,
    SaidBroken,
    BrokenAtEvent,
    HoldsSoFar,
    BrokenWord,
    HoldsSuffix,
    BrokenSuffix,
    SafetyInvariants,
    Settings,
    Network,
    DropShare,
    DuplicateShare,
    LatencyWord,
    LatencyMin,
    LatencyMax,
    LongReorderingTitle,
    LongReordering,
    PreVoteTitle,
    PreVote,
    CheckQuorumTitle,
    CheckQuorum,
    NoopTitle,
    Noop,
    StickinessLeaseTitle,
    StickinessTitle,
    Stickiness,
    FastBackupTitle,
    FastBackup,
    SnapshotEveryTitle,
    SnapshotEvery,
    SnapshotEveryLabel,
    SnapshotEveryUnit,
    ReadsAndClocks,
    ReadModeTitle,
    ReadModeWord,
    ReadModeLabel,
    Restarts,
    DriftTitle,
    DriftWord,
    DriftLabel,
    SkewTitle,
    SkewWord,
    SkewLabel,
    PercentRestarts,
    PageSettings,
    AnnounceTitle,
    Announce,
    PauseOnSelectTitle,
    PauseOnSelect,
    DropLabel,
    DuplicateLabel,
    ReadModeLease,
    ReadModeLog,
    Copying,
    Copied,
    ClipboardRefused,
    ShareGroup,
    ShareTitle,
    Share,
    ExportTitle,
    Export,
    Import,
    ImportLabel,
    TraceTooBig,
    TraceUnreadable,
    PrevMarkerTitle,
    NextMarkerTitle,
    MarkerWord,
    LiveTitle,
    Live,
    UndoForkLabel,
    UndoFork,
    ViewingPast,
    LiveStatus,
    SeekLabel,
    MarkerTitle,
    MarkerAria,
    MarkLeader,
    MarkCrash,
    MarkRestart,
    MarkCut,
    MarkCommit,
    MarkSnapshot,
    MarkViolation,
    Timeline,
    TimeTravel,
    IndicesShown,
    IndicesRange,
    ShowEarlier,
    Earlier,
    ShowLater,
    Later,
    FollowNewest,
    Newest,
    Committed,
    NotCommitted,
    CommitUnknown,
    CellSentence,
    ListComma,
    LeadersMatch,
    LeadersNext,
    NextSlot,
    SnapshotThrough,
    SnapshotCell,
    SnapshotBase,
    RowAria,
    CommittedThrough,
    Logs,
    LogLegend,
    IndexWord,
    CrashWord,
    RestartWord,
    InspectServer,
    TimeoutServer,
    TimeoutWord,
    RequestServer,
    RequestWord,
    FateInFlight,
    FateForgotten,
    FateDelivered,
    FateLost,
    FateSent,
    SelectedMessage,
    MessageHeading,
    FieldType,
    FieldRoute,
    FieldFate,
    DropTitle,
    DropButton,
    RuleCurrentTerm,
    RuleVotedFor,
    RuleLog,
    RuleCommitIndex,
    RuleLastApplied,
    RuleNextIndex,
    RuleMatchIndex,
    LostInCrash,
    LogSummary,
    SnapshotSuffix,
    Unknown,
    TimerStatus,
    ServerStatus,
    DownStatus,
    Inspector,
    InspectorHeading,
    ServerToInspect,
    Persistent,
    Volatile,
    KeyValueStore,
    KvApplied,
    KvVolatile,
    KvLost,
    KvEmpty,
    KvMore,
    TopicNet,
    TopicElect,
    TopicLog,
    TopicCommit,
    TopicClient,
    TopicFault,
    TopicViolation,
    EventLog,
    EventsHeading,
    ShowEventsAbout,
    LatestEvents,
    SpaceTimeLabel,
    SpaceTime,
    SpaceTimeSvg,
    MarkCrashed,
    MarkRestarted,
    PanicTitle,
    PanicReload,
    SpaceTimeLegend,
    KeySpace,
    KeyArrows,
    KeyNextStep,
    KeyPrevStep,
    KeyHomeEnd,
    KeyPresent,
    KeyRequest,
    KeySpeed,
    KeyInspect,
    KeyCrash,
    KeyTimeout,
    KeyDrop,
    KeyPress,
    KeyTab,
    KeyHelp,
    Shortcuts,
    MouseHelp,
    CloseHelp,
    AddServer,
    AddHow,
    JoinAsLearner,
    JoinCaughtUp,
    JoinAsVoter,
    JointChange,
    JointChangeTitle,
    JointHint,
    JointPicked,
    ApplyTogether,
    CancelJoint,
    RemoveServer,
    PromoteServer,
    RemoveWord,
    PromoteWord,
    MemberVoter,
    MemberLearner,
    MemberRemoved,
    ServerMembership,
    ConfigShort,
    LearnersPart,
    ChangeAsVoter,
    ChangeAsLearner,
    ChangeRemove,
    SaidChangeProposed,
    SaidChangeRefused,
    QuorumNeeds,
    JointEntry,
    LeaveJointEntry,
    ConfigEntryPart,
    RuleConfiguration,
    LangNotLoaded,
    TraceReaderFailed,
}

fn en(key: T) -> &'static str {
    use T::*;
    match key {
        LanguageMenu => "Language",
        BadLang => "Ignored lang \"{0}\": the page speaks en (English) or zh (简体中文). Showing {1}.",
        BadServers => "Ignored servers \"{0}\": a cluster has 3 to 9 servers. Running 5.",
        BadSpeed => "Ignored speed \"{0}\": a speed is a number above 0 and at most {1}, like 1 or 1/50. Running at 1/50.",
        SeedOfScenario => "Ignored seed {0}: the scenario runs its own seed, {1}.",
        ScenarioRunsSeed => "The scenario runs its own seed, {0}.",
        RunningSeed => "Running seed {0}.",
        BadSeed => "Ignored seed \"{0}\": a seed is a whole number from 0 to {1}. {2}",
        BadRunLink => "This #run= link could not be opened: {0}. Running seed {1} instead.",
        BadScenarioLink => "This #scenario= link could not be opened: {0}.",
        BadScenario => "Ignored scenario: {0}.",
        LanguageNow => "The page is now in English.",
        TaglineScenario => "A {0}-server Raft cluster running in your browser · scenario: {1} · ",
        TaglineSeed => "A {0}-server Raft cluster running in your browser · seed {1} · ",
        TaglineEnd => "break it by clicking; press ? for shortcuts",
        FirstSteps => "Watch a leader get elected, then try: Client request · crash the leader · click a link to cut it · click a message to read it.",
        DismissMessage => "Dismiss this message",
        ReopenScenario => "Reopen the scenario",
        Cluster => "Cluster",
        Partitions => "Partitions",
        IsolateLeaderTitle => "Cut every link of the leader",
        IsolateLeader => "Isolate leader",
        SplitTitle => "Split the cluster into two servers (with the leader) and the rest",
        Split => "Split 2 | 3",
        HealAllTitle => "Heal every link",
        HealAll => "Heal all",
        ControlsLabel => "Playback and cluster controls",
        PlayTitle => "Play (Space)",
        Play => "Play",
        PauseTitle => "Pause (Space)",
        Pause => "Pause",
        BackTitle => "Step back to the previous event (←)",
        Back => "Back",
        StepTitle => "Step to the next event (→)",
        Step => "Step",
        SpeedWord => "speed",
        SpeedLabel => "Speed of virtual time",
        RequestTitle => "Send a client request to the leader (R)",
        ClientRequest => "Client request",
        ResetTitle => "Start this seed again",
        Reset => "Reset",
        SeedWord => "seed",
        SeedLabel => "Seed (press Enter to start it)",
        NewSeedTitle => "Start a new random seed",
        NewSeed => "New seed",
        PresentTitle => "Presentation mode: large, only what a class needs (P)",
        LeavePresentation => "Leave presentation",
        Present => "Present",
        HelpButton => "Keyboard shortcuts (?)",
        OpeningShared => "Opening the shared run: {0} of its {1} replayed ({2} %)…",
        ExportedAll => "the run and all its {0} events",
        ExportedWindow => "the run and the last {0} of its {1} events: a trace file must stay under {2} MiB to be imported. Importing it replays the whole run, every event, from its settings and actions; Share makes a link to the same run",
        SavedWontImport => "Saved {0}, but it will not import: {1}.",
        Saved => "Saved {0}: {1}.",
        LinkWontOpen => "This link will not open: {0}.",
        LivenessHeading => "Liveness",
        LivenessRegion => "Liveness: is the cluster serving?",
        LivenessNotSafety => "Not a safety invariant: a cluster can be safe and still serve nobody",
        LivenessOk => "serving",
        LivenessDegraded => "degraded",
        LivenessDown => "not serving",
        LivenessLeader => "leader {0}",
        LivenessNoLeader => "no leader for {0} s",
        LivenessChanges => "{0} leader changes / min",
        LivenessOps => "{0} ops / s",
        LivenessSettings => "Liveness gauge",
        LivenessAmberAfter => "amber after",
        LivenessRedAfter => "red after",
        LivenessMsWithout => "ms without a leader",
        LivenessChangesAMin => "leader changes a minute",
        LivenessAmberAfterMsLabel => "The gauge turns amber after this many virtual ms without a leader a majority follows",
        LivenessRedAfterMsLabel => "The gauge turns red after this many virtual ms without a leader a majority follows",
        LivenessAmberChangesLabel => "The gauge turns amber from this many leader changes in a virtual minute",
        LivenessRedChangesLabel => "The gauge turns red from this many leader changes in a virtual minute",
        LivenessThresholdsRefused => "Those liveness thresholds were not taken: {0}.",
        ScenarioVariants => "Variant: the settings this scenario is played with",
        ScenarioSources => "Sources: ",
        ScenarioSeeAlso => "See also: ",
        ScenarioNotFound => "No such scenario: {0}.",
        ScenarioNoVariant => "This scenario has no variant called `{0}`.",
        LoadingScenario => "Loading the scenario “{0}”…",
        ScenarioNotLoaded => "The scenario “{0}” could not be loaded ({1}); the run on screen goes on.",
        Scenario => "Scenario",
        ScenarioHeading => "Scenario · {0}",
        Steps => "Steps",
        CheckFailed => "Check failed: {0}",
        ScenarioSteps => "Scenario steps",
        PrevStepTitle => "Back to the end of the step before (PageUp, ←, B)",
        FinishStepTitle => "Finish this step now (PageDown, →, N)",
        NextStepTitle => "Play the next step (PageDown, →, N)",
        FinishStep => "Finish step",
        NextStep => "Next",
        StepPlaying => "playing the step…",
        StepPaused => "step paused (Space plays)",
        PaceWord => "pace",
        PaceLabel => "Pace: seconds a step takes to unfold",
        PaceOption => "{0} s a step",
        ContinueFreelyTitle => "Leave the scenario and play on from here (Reopen brings it back)",
        ContinueFreely => "Continue freely",
        RingLabel => "The cluster: servers, the links between them, and messages in flight",
        Legend => "Legend",
        LegendShapes => "■ leader · ● follower · thick ring: candidate · dashed: pre-candidate · arc: election timer · colour and t: term",
        LegendAppendEntries => "AppendEntries (♥ heartbeat)",
        ReplyYes => "reply: yes",
        ReplyNo => "reply: no",
        VotedForLong => "voted for {0}",
        VotedShort => "voted {0}",
        NoVote => "no vote",
        CommitIndexPart => ", commit index {0}",
        ServerAria => "{0}, {1}, term {2}, {3}, log up to index {4}{5}. Press Enter for its actions.",
        TimerTitle => "election timer: {0} of {1} ms left",
        LinkAria => "Link {0}–{1}: {2}. Click to cut or heal both ways, Shift-click to cut one way, Enter for a menu.",
        LinkWorks => "working both ways",
        LinkOneWay => "{0}→{1} cut, {1}→{0} works",
        LinkCutBoth => "cut both ways",
        RoleDown => "down",
        RoleLeader => "leader",
        RoleCandidate => "candidate",
        RolePreCandidate => "precandidate",
        RoleFollower => "follower",
        LinkName => "Link {0}–{1}",
        CutBothWays => "Cut both ways",
        CutOneWay => "Cut {0} → {1} only",
        Heal => "Heal",
        Close => "Close",
        ServerActions => "{0}'s actions",
        CrashServer => "Crash {0}",
        RestartServer => "Restart {0}",
        TimeOut => "Time out",
        MessageAria => "{0} {1} from {2} to {3}: select to read its fields",
        MessageTitle => "#{0} {1} → {2}: {3}\nsent at {4} ms, arrives at {5} ms — click to read it",
        ScenarioSteppedAside => "You changed the run, so the scenario stepped aside. \"Reopen the scenario\" goes back to it.",
        Forked => "You acted in the past, so the run forked here. \"Undo fork\" brings the old future back.",
        ForkUndone => "The fork is undone: the earlier future is back.",
        Imported => "Imported {0}: the run is replayed exactly.",
        ImportFailed => "Could not import {0}: {1}. The current run is unchanged.",
        ServerIsDown => "{0} is down.",
        RequestAccepted => "{0} accepted the request as entry {1} of term {2}.",
        RequestRedirected => "{0} is not the leader and refused; it says the leader is {1}.",
        RequestRefused => "{0} refused: it is not a leader taking requests right now.",
        MessageGone => "Message #{0} is no longer in flight, so it cannot be dropped.",
        MessageDropped => "Message #{0} dropped.",
        NoLeaderToIsolate => "There is no leader to isolate right now.",
        FreePlay => "Free play: the run goes on from here. \"Reopen the scenario\" returns to the step.",
        ElectionSafety => "Election Safety",
        LeaderAppendOnly => "Leader Append-Only",
        LogMatching => "Log Matching",
        LeaderCompleteness => "Leader Completeness",
        StateMachineSafety => "State Machine Safety",
        Linearizability => "Linearizability",
        CommittedStaysCommitted => "Committed Stays Committed",
        SaidLeader => "{0} became leader of term {1}.",
        SaidCrashed => "{0} crashed.",
        SaidRestarted => "{0} restarted.",
        SaidCommittedOne => "Index {0} committed.",
        SaidCommitted => "Indices {0} to {1} committed.",
        SaidBrokenAt => "{0} broken at index {1}.",
        SaidBroken => "{0} broken.",
        BrokenAtEvent => "event #{0} at {1} ms: {2}",
        HoldsSoFar => "holds after every event so far",
        BrokenWord => "broken",
        HoldsSuffix => " holds",
        BrokenSuffix => " broken",
        SafetyInvariants => "Safety invariants",
        Settings => "Settings",
        Network => "Network",
        DropShare => "Share of messages lost, in percent",
        DuplicateShare => "Share of messages delivered twice, in percent",
        LatencyWord => "latency",
        LatencyMin => "Shortest message latency in ms",
        LatencyMax => "Longest message latency in ms",
        LongReorderingTitle => "The lab's long reordering: 2/3 of replies wait an extra 200–2200 ms",
        LongReordering => "long reordering",
        PreVoteTitle => "Dissertation §9.6: ask for pre-votes before starting an election, so a server that was cut off cannot depose a healthy leader with a higher term",
        PreVote => "pre-vote",
        CheckQuorumTitle => "Dissertation §6.2: a leader that has not heard from a majority for an election timeout steps down",
        CheckQuorum => "check-quorum",
        NoopTitle => "Dissertation §6.4: a new leader appends a no-op entry so entries of earlier terms commit at once",
        Noop => "no-op on election",
        StickinessLeaseTitle => "Dissertation §4.2.3: a server that has heard from its leader within the minimum election timeout ignores RequestVote. Lease reads rely on it, so it stays on in that read mode",
        StickinessTitle => "Dissertation §4.2.3: a server that has heard from its leader within the minimum election timeout ignores RequestVote, so a server cut off from the leader cannot depose it; a transfer's election is exempt",
        Stickiness => "ignore votes while led (§4.2.3)",
        FastBackupTitle => "The lab's fast backup: a refusing follower names the conflicting term, so the leader skips a whole term per round trip instead of one entry",
        FastBackup => "fast backup",
        SnapshotEveryTitle => "Each server snapshots its state machine and compacts its log after every N applied entries; a follower that lags behind the compacted prefix receives InstallSnapshot. Changing it starts the run again.",
        SnapshotEvery => "snapshot every",
        SnapshotEveryLabel => "Snapshot every this many applied entries; 0 never; restarts the run",
        SnapshotEveryUnit => "entries (0 = never; restarts)",
        ReadsAndClocks => "Reads and clocks",
        ReadModeTitle => "How Get is served: ReadIndex confirms leadership with a heartbeat round (§6.4); a lease skips the round while a majority answered within an election timeout (§6.4.1); through the log, a read is an entry like a write. Changing it starts the run again.",
        ReadModeWord => "read mode",
        ReadModeLabel => "How reads are served; restarts the run",
        Restarts => "(restarts)",
        DriftTitle => "How far the leases trust the servers' clocks to run fast or slow: each lease is shortened to stay safe within it. Clocks further apart than this make lease reads stale.",
        DriftWord => "lease drift bound",
        DriftLabel => "Clock drift a lease allows for, in percent",
        SkewTitle => "Each server's tick lasts the nominal tick ± up to this many percent, fixed per server by the seed. Changing it starts the run again.",
        SkewWord => "clock skew",
        SkewLabel => "How far servers' clocks run fast or slow, in percent; restarts the run",
        PercentRestarts => "% (restarts)",
        PageSettings => "Page",
        AnnounceTitle => "Say what happens (elections, crashes, commits, broken invariants) to screen readers",
        Announce => "announce events",
        PauseOnSelectTitle => "Selecting a message pauses the run, so it can be read",
        PauseOnSelect => "pause when a message is selected",
        DropLabel => "drop {0} %",
        DuplicateLabel => "duplicate {0} %",
        ReadModeLease => "lease",
        ReadModeLog => "through the log",
        Copying => "Copying the link…",
        Copied => "Link copied",
        ClipboardRefused => "The browser refused the clipboard; copy this link:",
        ShareGroup => "Share and load runs",
        ShareTitle => "Put this run in the address bar as a link and copy it",
        Share => "Share",
        ExportTitle => "Download this run as a JSON trace",
        Export => "Export",
        Import => "Import",
        ImportLabel => "Import a JSON trace (or drop one on the page)",
        TraceTooBig => "the file is {0} bytes, over the {1}-byte limit for traces",
        TraceUnreadable => "the browser could not read the file",
        PrevMarkerTitle => "Jump to the previous marked moment",
        NextMarkerTitle => "Jump to the next marked moment",
        MarkerWord => "marker",
        LiveTitle => "Return to the live run",
        Live => "Live",
        UndoForkLabel => "Undo the fork: bring the discarded future back",
        UndoFork => "Undo fork",
        ViewingPast => "viewing the past at {0} s of {1} s — acting here forks the run",
        LiveStatus => "live",
        SeekLabel => "Moment of the run shown",
        MarkerTitle => "{0} at {1} ms",
        MarkerAria => "Go to the {0} at {1} ms",
        MarkLeader => "leader",
        MarkCrash => "crash",
        MarkRestart => "restart",
        MarkCut => "cut",
        MarkCommit => "commit",
        MarkSnapshot => "snapshot",
        MarkViolation => "violation",
        Timeline => "Timeline",
        TimeTravel => "Time travel",
        IndicesShown => "Log indices shown",
        IndicesRange => "indices {0}–{1} of {2}–{3}",
        ShowEarlier => "Show earlier indices",
        Earlier => "◀ earlier",
        ShowLater => "Show later indices",
        Later => "later ▶",
        FollowNewest => "Follow the newest entries",
        Newest => "newest",
        Committed => "committed",
        NotCommitted => "not committed yet",
        CommitUnknown => "commit point unknown while down",
        CellSentence => "{0}, index {1}, term {2}, {3}",
        ListComma => ", ",
        LeadersMatch => "leader's matchIndex",
        LeadersNext => "leader's nextIndex",
        NextSlot => "{0}, index {1}: the leader sends this entry next",
        SnapshotThrough => "{0}, a snapshot through index {1}",
        SnapshotCell => "snapshot ≤{0}",
        SnapshotBase => "{0}, snapshot through index {1} (term {2})",
        RowAria => "{0}'s log, {1}: {2} entries{3}",
        CommittedThrough => ", committed through index {0}",
        Logs => "Logs",
        LogLegend => "solid = committed · dashed = not yet · m/n = leader's matchIndex/nextIndex · C/A = commitIndex/lastApplied",
        IndexWord => "index",
        CrashWord => "crash",
        RestartWord => "restart",
        InspectServer => "Inspect {0}",
        TimeoutServer => "timeout: expire {0}'s election timer now",
        TimeoutWord => "timeout",
        RequestServer => "request: send {0} a client request",
        RequestWord => "request",
        FateInFlight => "in flight: sent at {0} ms, arrives at {1} ms",
        FateForgotten => "no longer in the recorded events",
        FateDelivered => "delivered at {0} ms",
        FateLost => "lost at {0} ms ({1})",
        FateSent => "sent at {0} ms, {1}",
        SelectedMessage => "Selected message",
        MessageHeading => "Message #{0} · {1} · {2} → {3}",
        FieldType => "type",
        FieldRoute => "from → to",
        FieldFate => "fate",
        DropTitle => "Lose this message on the wire (D)",
        DropButton => "Drop (D)",
        RuleCurrentTerm => "latest term server has seen (initialized to 0 on first boot, increases monotonically)",
        RuleVotedFor => "candidateId that received vote in current term (or null if none)",
        RuleLog => "log entries; each entry contains command for state machine, and term when entry was received by leader (first index is 1)",
        RuleCommitIndex => "index of highest log entry known to be committed (initialized to 0, increases monotonically)",
        RuleLastApplied => "index of highest log entry applied to state machine (initialized to 0, increases monotonically)",
        RuleNextIndex => "for each server, index of the next log entry to send to that server (initialized to leader last log index + 1)",
        RuleMatchIndex => "for each server, index of highest log entry known to be replicated on server (initialized to 0, increases monotonically)",
        LostInCrash => "lost in the crash",
        LogSummary => "{0} entries, last index {1}, last term {2}{3}",
        SnapshotSuffix => " (snapshot ≤{0})",
        Unknown => "unknown",
        TimerStatus => " · election timer {0} / {1} ms",
        ServerStatus => "{0} in term {1} · leader {2}{3}",
        DownStatus => "down: its disk kept the persistent state; the volatile state is gone until it restarts and hears from a leader",
        Inspector => "Inspector",
        InspectorHeading => "Inspector · {0}",
        ServerToInspect => "Server to inspect",
        Persistent => "persistent (on disk)",
        Volatile => "volatile (in memory)",
        KeyValueStore => "Key-value store",
        KvApplied => "key-value store ({0} keys applied)",
        KvVolatile => "key-value store (volatile)",
        KvLost => "lost in the crash: a restart rebuilds it by applying committed entries again",
        KvEmpty => "nothing applied yet — send a client request",
        KvMore => "… and {0} more keys",
        TopicNet => "net",
        TopicElect => "elect",
        TopicLog => "log",
        TopicCommit => "commit",
        TopicClient => "client",
        TopicFault => "fault",
        TopicViolation => "violation",
        EventLog => "Event log",
        EventsHeading => "Events ({0})",
        ShowEventsAbout => "Show events about",
        LatestEvents => "Latest events",
        SpaceTimeLabel => "Space-time diagram",
        SpaceTime => "Space-time",
        SpaceTimeSvg => "Messages between servers over time",
        MarkCrashed => "✗ crash",
        MarkRestarted => "↻ restart",
        PanicTitle => "raftviz stopped because of an internal error",
        PanicReload => "Reload the page",
        SpaceTimeLegend => "the last {0} ms up to {1} ms · arrows: messages, ✗ lost · L/C: leader/candidate of a term · click an arrow to read the message",
        KeySpace => "play / pause (in a scenario: play or pause the step)",
        KeyArrows => "step to the next / previous event",
        KeyNextStep => "scenario: next step (again: finish it now)",
        KeyPrevStep => "scenario: back to the step before",
        KeyHomeEnd => "scenario: first / last step",
        KeyPresent => "presentation mode on / off",
        KeyRequest => "client request to the leader",
        KeySpeed => "faster / slower",
        KeyInspect => "inspect that server",
        KeyCrash => "crash or restart the inspected server",
        KeyTimeout => "force the inspected server's election timeout",
        KeyDrop => "drop the selected message (else the one due first)",
        KeyPress => "on a control: press it",
        KeyTab => "move between controls; servers and links open their menus with Enter",
        KeyHelp => "show / hide this help, close menus",
        Shortcuts => "Keyboard shortcuts",
        MouseHelp => "Mouse or touch: click a server to inspect it (a tap opens its actions); click a link to cut it both ways, Shift-click for one way, tap or right-click for a menu; click a message to read its fields, then Drop it if you like.",
        CloseHelp => "Close the shortcut help",
        AddServer => "Add server",
        AddHow => "How a new server joins",
        JoinAsLearner => "as a learner",
        JoinCaughtUp => "as a learner, promoted once caught up",
        JoinAsVoter => "straight as a voter (the wrong way)",
        JointChange => "Joint change",
        JointChangeTitle => "Collect changes, then apply them together (§4.3)",
        JointHint => "Joint change: Add server, Remove and Promote are collected, then applied together.",
        JointPicked => "Picked: {0}.",
        ApplyTogether => "Apply together",
        CancelJoint => "Cancel",
        RemoveServer => "Remove {0}",
        PromoteServer => "Promote {0}",
        RemoveWord => "remove",
        PromoteWord => "promote",
        MemberVoter => "voter",
        MemberLearner => "learner",
        MemberRemoved => "removed",
        ServerMembership => " {0}, configuration {1}.",
        ConfigShort => "config {0}",
        LearnersPart => "learners {0}",
        ChangeAsVoter => "{0} as a voter",
        ChangeAsLearner => "{0} as a learner",
        ChangeRemove => "remove {0}",
        SaidChangeProposed => "{0} proposes a membership change at index {1}: {2}.",
        SaidChangeRefused => "Membership change refused: {0}.",
        QuorumNeeds => "{0} {1}: needs {2} of {3}",
        JointEntry => "joint",
        LeaveJointEntry => "leave",
        ConfigEntryPart => "configuration entry {0}",
        RuleConfiguration => "The latest configuration entry in its log, committed or not (§4.1)",
        LangNotLoaded => "The {0} texts could not be loaded ({1}), so the page stays in English.",
        TraceReaderFailed => "the page's trace reader did not start or stopped ({0})",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holes(text: &str) -> Vec<usize> {
        let mut holes: Vec<usize> = text
            .split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}')?.0.parse().ok())
            .collect();
        holes.sort_unstable();
        holes
    }

    #[test]
    fn every_key_is_translated_with_the_same_holes() {
        let mut missing = Vec::new();
        for &key in T::ALL {
            for lang in Lang::ALL {
                if lang.t(key).trim().is_empty() {
                    missing.push(format!("{key:?} has no {} text", lang.code()));
                }
            }
            let zh = Lang::Zh.t(key);
            if holes(en(key)) != holes(zh) {
                missing.push(format!(
                    "{key:?}: en has holes {:?} but zh has {:?}",
                    holes(en(key)),
                    holes(zh)
                ));
            }
        }
        assert!(
            missing.is_empty(),
            "untranslated UI text:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn chinese_is_not_english_left_in_place() {
        // Keys whose Chinese is rightly the English (names, symbols) say so here.
        let same_by_design: &[T] = &[];
        let untranslated: Vec<String> = T::ALL
            .iter()
            .filter(|key| !same_by_design.contains(key) && en(**key) == Lang::Zh.t(**key))
            .map(|key| format!("{key:?} (zh is the English: {:?})", en(*key)))
            .collect();
        assert!(untranslated.is_empty(), "{}", untranslated.join("\n"));
    }

    #[test]
    fn the_chinese_file_names_every_key_in_order() {
        let table = read_table(include_str!("../i18n/zh.txt")).unwrap();
        let names: Vec<String> = table.iter().map(|(name, _)| name.to_string()).collect();
        let keys: Vec<String> = T::ALL.iter().map(|key| format!("{key:?}")).collect();
        assert_eq!(names, keys);
        assert_eq!(
            Lang::Zh.t(T::MessageTitle).lines().count(),
            2,
            "\\n is a line break"
        );
    }

    #[test]
    fn a_file_from_another_version_is_refused_with_the_reason() {
        let file = include_str!("../i18n/zh.txt");
        let short = file.trim_end().rsplit_once('\n').unwrap().0;
        assert_eq!(
            read_table(short).unwrap_err(),
            format!("{} texts for {} keys", T::COUNT - 1, T::COUNT)
        );
        let renamed = file.replace("\nLanguageMenu = ", "\nLanguage = ");
        assert_eq!(
            read_table(&renamed).unwrap_err(),
            "its keys are not this page's"
        );
        let swapped = file
            .replacen("\nBadLang = ", "\nBadLang2 = ", 1)
            .replacen("\nBadServers = ", "\nBadLang = ", 1)
            .replacen("\nBadLang2 = ", "\nBadServers = ", 1);
        assert_eq!(
            read_table(&swapped).unwrap_err(),
            "its keys are not this page's"
        );
        assert_eq!(
            read_table("LanguageMenu: 语言").unwrap_err(),
            "line 1 is not `Key = text`"
        );
    }

    #[test]
    fn fill_puts_arguments_where_the_language_wants_them() {
        assert_eq!(fill("{1} then {0}", &[&"a", &2]), "2 then a");
        assert_eq!(fill("{x} {0} {", &[&7]), "{x} 7 {");
    }

    #[test]
    fn language_codes_and_browser_tags() {
        assert_eq!(Lang::parse("zh"), Some(Lang::Zh));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::of_browser("zh-CN"), Lang::Zh);
        assert_eq!(Lang::of_browser("en-US"), Lang::En);
    }
}
