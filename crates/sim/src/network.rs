//! Messages on the wire: latency, loss, duplication, reordering and cut
//! links, with every message in flight open to inspection.
use std::collections::BTreeMap;

use raftviz_raft::{Message, NodeId};
use rand_core::RngCore;
use rand_pcg::Pcg64;

use crate::config::{Delivery, NetworkConfig};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlight {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub message: Message,
    pub sent_at: u64,
    pub deliver_at: u64,
    /// The sender's incarnation when it sent this: a reply to a request
    /// goes to that life of the requester only.
    pub sender_incarnation: u32,
    /// Chosen to be lost at send time (never put in flight).
    pub lost: bool,
    /// Arrived while its link was held: waits for the link's release.
    pub held: bool,
}

/// The state of the link between two servers, named from the lower id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkCut {
    None,
    /// Messages from the lower id to the higher are lost.
    Forward,
    Backward,
    Both,
}

impl LinkCut {
    pub fn of(forward: bool, backward: bool) -> LinkCut {
        match (forward, backward) {
            (false, false) => LinkCut::None,
            (true, false) => LinkCut::Forward,
            (false, true) => LinkCut::Backward,
            (true, true) => LinkCut::Both,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LinkCut::None => "none",
            LinkCut::Forward => "forward",
            LinkCut::Backward => "backward",
            LinkCut::Both => "both",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Network {
    pub config: NetworkConfig,
    servers: usize,
    /// `cut[from * servers + to]`: messages from → to are lost.
    cut: Vec<bool>,
    in_flight: BTreeMap<u64, InFlight>,
    next_id: u64,
    /// `held[from * servers + to]`: messages wait instead of arriving.
    held: Vec<bool>,
}

impl Network {
    pub fn new(servers: usize, config: NetworkConfig) -> Network {
        Network {
            config,
            servers,
            cut: vec![false; servers * servers],
            in_flight: BTreeMap::new(),
            next_id: 1,
            held: vec![false; servers * servers],
        }
    }

    /// Makes room for one more server, its links whole and not held.
    pub fn add_server(&mut self) {
        let old = self.servers;
        let new = old + 1;
        let widen = |links: &[bool]| {
            (0..new * new)
                .map(|slot| {
                    let (from, to) = (slot / new, slot % new);
                    from < old && to < old && links[from * old + to]
                })
                .collect::<Vec<bool>>()
        };
        self.cut = widen(&self.cut);
        self.held = widen(&self.held);
        self.servers = new;
    }

    /// Where the link `from → to` is kept; `None` for a server that does
    /// not exist (whose id must not alias another pair's slot).
    fn slot(&self, from: NodeId, to: NodeId) -> Option<usize> {
        (from < self.servers && to < self.servers).then(|| from * self.servers + to)
    }

    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.slot(from, to)
            .and_then(|slot| self.cut.get(slot))
            .copied()
            .unwrap_or(true)
    }

    pub fn set_cut(&mut self, from: NodeId, to: NodeId, cut: bool) {
        if let Some(link) = self.slot(from, to).and_then(|slot| self.cut.get_mut(slot)) {
            *link = cut;
        }
    }

    /// Puts a message on the wire: one copy, or two when duplicated, each
    /// with its own delay, and each possibly lost.
    pub fn launch(
        &mut self,
        rng: &mut Pcg64,
        now: u64,
        (from, sender_incarnation): (NodeId, u32),
        to: NodeId,
        message: Message,
    ) -> Vec<InFlight> {
        let copies = if chance(rng, self.config.duplicate_probability) {
            2
        } else {
            1
        };
        let is_reply = !message.kind().is_request();
        let mut flights = Vec::with_capacity(copies);
        for _ in 0..copies {
            let id = self.next_id;
            self.next_id += 1;
            let lost = chance(rng, self.config.drop_probability);
            let deliver_at = now + self.delay(rng, is_reply);
            flights.push(InFlight {
                id,
                from,
                to,
                message: message.clone(),
                sent_at: now,
                deliver_at,
                sender_incarnation,
                lost,
                held: false,
            });
        }
        flights
    }

    fn delay(&self, rng: &mut Pcg64, is_reply: bool) -> u64 {
        let (low, high) = self.config.latency_ms;
        // labrpc delays a request before executing it; its reply comes back at once.
        let mut delay = if is_reply && self.config.delivery == Delivery::Labrpc {
            0
        } else {
            low + rng.next_u64() % (high.saturating_sub(low) + 1)
        };
        if self.config.long_reordering && is_reply && rng.next_u64() % 3 < 2 {
            let spread = 1 + rng.next_u64() % 2000;
            delay += 200 + rng.next_u64() % spread;
        }
        delay
    }

    pub fn is_held(&self, from: NodeId, to: NodeId) -> bool {
        self.slot(from, to)
            .and_then(|slot| self.held.get(slot))
            .copied()
            .unwrap_or(false)
    }

    /// Holds or releases the link `from → to`; on release, returns the ids
    /// of the messages that were waiting on it, oldest first.
    pub fn set_held(&mut self, from: NodeId, to: NodeId, hold: bool) -> Vec<u64> {
        if let Some(link) = self.slot(from, to).and_then(|slot| self.held.get_mut(slot)) {
            *link = hold;
        }
        if hold {
            return Vec::new();
        }
        let waiting: Vec<u64> = self
            .in_flight
            .values()
            .filter(|f| f.held && f.from == from && f.to == to)
            .map(|f| f.id)
            .collect();
        for id in &waiting {
            if let Some(flight) = self.in_flight.get_mut(id) {
                flight.held = false;
            }
        }
        waiting
    }

    pub fn put_in_flight(&mut self, flight: InFlight) {
        self.in_flight.insert(flight.id, flight);
    }

    pub fn get_mut(&mut self, id: u64) -> Option<&mut InFlight> {
        self.in_flight.get_mut(&id)
    }

    pub fn take(&mut self, id: u64) -> Option<InFlight> {
        self.in_flight.remove(&id)
    }

    pub fn take_all_to(&mut self, to: NodeId) -> Vec<InFlight> {
        let ids: Vec<u64> = self
            .in_flight
            .values()
            .filter(|f| f.to == to)
            .map(|f| f.id)
            .collect();
        ids.into_iter()
            .filter_map(|id| self.in_flight.remove(&id))
            .collect()
    }

    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight> {
        self.in_flight.values()
    }
}

fn chance(rng: &mut Pcg64, probability: f64) -> bool {
    let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    probability > 0.0 && unit < probability
}
