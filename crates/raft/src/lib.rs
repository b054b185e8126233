//! A Raft core that reads like the paper: `#![no_std]` + `alloc`, no clocks,
//! no threads, no I/O. The host drives it with [`Raft::tick`], [`Raft::step`]
//! and [`Raft::propose`] and carries out the [`Ready`] each call returns:
//! persist first, then send, then apply.
//!
//! Figure 2 of the Raft paper is the specification, with chapter 4 of
//! Ongaro's dissertation for membership change; each handler names the
//! rule it implements.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod catch_up;
mod config;
mod configuration;
mod election;
mod lease;
mod log;
mod membership;
mod message;
mod quorum;
mod raft;
mod read_index;
mod ready;
mod replication;
mod snapshot;
#[cfg(test)]
mod test_support;
mod transfer;

pub use catch_up::CATCH_UP_ROUNDS;
pub use config::{Bugs, Config, ConfigError};
pub use configuration::{
    ConfChange, Configuration, Membership, MembershipError, ServerSet, MAX_SERVERS,
};
pub use log::Log;
pub use message::{
    Conflict, Entry, EntryData, Message, MessageKind, Payload, Snapshot, CONFIGURATION_BYTES,
};
pub use raft::{Progress, ProposeError, Raft, Role};
pub use ready::{CatchUpOutcome, CatchUpReport, Envelope, HardState, LogChange, ReadState, Ready};
pub use replication::Proposed;
pub use transfer::TransferError;

/// Servers are numbered from 0, below [`MAX_SERVERS`]; the starting
/// cluster is `0..cluster_size`, and ids are never reused.
pub type NodeId = usize;
pub type Term = u64;
/// Log positions start at 1; index 0 is the empty prefix (term 0).
pub type Index = u64;
