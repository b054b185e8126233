//! What a person sees, one component per thing on screen.

pub mod controls;
pub mod event_log;
pub mod help;
pub mod inspector;
pub mod invariants;
pub mod liveness;
pub mod log_grid;
pub mod membership;
pub mod message_panel;
pub mod number_field;
pub mod ring;
pub mod scenario_panel;
pub mod settings;
pub mod share_bar;
pub mod spacetime;
pub mod timeline_bar;
