//! The words of the liveness gauge, the scenario variants and the scenario sources,
//! kept together so the page's translations can take them over in one move.

pub const LIVENESS_HEADING: &str = "Liveness";
pub const LIVENESS_REGION: &str = "Liveness: is the cluster serving?";
pub const LIVENESS_NOT_SAFETY: &str =
    "Not a safety invariant: a cluster can be safe and still serve nobody";
pub const LIVENESS_OK: &str = "serving";
pub const LIVENESS_DEGRADED: &str = "degraded";
pub const LIVENESS_DOWN: &str = "not serving";
/// Followed by a server name.
pub const LIVENESS_LEADER: &str = "leader ";
/// Followed by seconds, e.g. "no leader for 2.3 s".
pub const LIVENESS_NO_LEADER: &str = "no leader for ";
pub const LIVENESS_CHANGES: &str = " leader changes / min";
pub const LIVENESS_OPS: &str = " ops / s";
pub const LIVENESS_SETTINGS: &str = "Liveness gauge";
pub const LIVENESS_AMBER_AFTER: &str = "amber after";
pub const LIVENESS_RED_AFTER: &str = "red after";
pub const LIVENESS_MS_WITHOUT: &str = "ms without a leader";
pub const LIVENESS_CHANGES_A_MIN: &str = "leader changes a minute";
pub const LIVENESS_AMBER_AFTER_MS_LABEL: &str =
    "The gauge turns amber after this many virtual ms without a leader a majority follows";
pub const LIVENESS_RED_AFTER_MS_LABEL: &str =
    "The gauge turns red after this many virtual ms without a leader a majority follows";
pub const LIVENESS_AMBER_CHANGES_LABEL: &str =
    "The gauge turns amber from this many leader changes in a virtual minute";
pub const LIVENESS_RED_CHANGES_LABEL: &str =
    "The gauge turns red from this many leader changes in a virtual minute";
/// Followed by the reason, e.g. "red after 10 ms … comes before amber after 1000 ms".
pub const LIVENESS_THRESHOLDS_REFUSED: &str = "Those liveness thresholds were not taken: ";
pub const SCENARIO_VARIANTS: &str = "Variant: the settings this scenario is played with";
pub const SCENARIO_SOURCES: &str = "Sources: ";
pub const SCENARIO_SEE_ALSO: &str = "See also: ";
/// Followed by the scenario's name.
pub const SCENARIO_NOT_FOUND: &str = "No such scenario: ";
/// Followed by the variant's name.
pub const SCENARIO_NO_VARIANT: &str = "This scenario has no variant called ";
