//! Messages on the wire: latency, loss, duplication, reordering and cut
//! links, with every message in flight open to inspection.
use std::collections::VecDeque;

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
    in_flight: Wire,
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
            in_flight: Wire::default(),
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
            .iter()
            .filter(|f| f.held && f.from == from && f.to == to)
            .map(|f| f.id)
            .collect();
        for id in &waiting {
            if let Some(flight) = self.in_flight.get_mut(*id) {
                flight.held = false;
            }
        }
        waiting
    }

    pub fn put_in_flight(&mut self, flight: InFlight) {
        self.in_flight.put(flight);
    }

    pub fn get_mut(&mut self, id: u64) -> Option<&mut InFlight> {
        self.in_flight.get_mut(id)
    }

    pub fn take(&mut self, id: u64) -> Option<InFlight> {
        self.in_flight.take(id)
    }

    pub fn take_all_to(&mut self, to: NodeId) -> Vec<InFlight> {
        let ids: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|f| f.to == to)
            .map(|f| f.id)
            .collect();
        ids.into_iter()
            .filter_map(|id| self.in_flight.take(id))
            .collect()
    }

    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight> {
        self.in_flight.iter()
    }
}

/// The messages on the wire, in id order. The network numbers messages as it sends
/// them, so a new one goes last; one taken out leaves a gap, cleared once it reaches
/// either end or the gaps outnumber the messages (so every operation is logarithmic
/// or amortised constant, as a B-tree's, even with thousands held on a link). A
/// B-tree of its own type would cost the page's wasm several KB more.
#[derive(Clone, Debug, Default)]
struct Wire {
    slots: VecDeque<(u64, Option<InFlight>)>,
    messages: usize,
}

impl Wire {
    fn slot(&self, id: u64) -> Result<usize, usize> {
        self.slots.binary_search_by_key(&id, |(held, _)| *held)
    }

    fn put(&mut self, flight: InFlight) {
        match self.slot(flight.id) {
            Ok(at) => {
                if self.slots[at].1.replace(flight).is_none() {
                    self.messages += 1;
                }
            }
            Err(at) => {
                self.slots.insert(at, (flight.id, Some(flight)));
                self.messages += 1;
            }
        }
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut InFlight> {
        let at = self.slot(id).ok()?;
        self.slots[at].1.as_mut()
    }

    fn take(&mut self, id: u64) -> Option<InFlight> {
        let at = self.slot(id).ok()?;
        let flight = self.slots[at].1.take()?;
        self.messages -= 1;
        while matches!(self.slots.front(), Some((_, None))) {
            self.slots.pop_front();
        }
        while matches!(self.slots.back(), Some((_, None))) {
            self.slots.pop_back();
        }
        if self.slots.len() > 2 * self.messages + 64 {
            self.slots.retain(|(_, flight)| flight.is_some());
        }
        Some(flight)
    }

    fn iter(&self) -> impl Iterator<Item = &InFlight> {
        self.slots.iter().filter_map(|(_, flight)| flight.as_ref())
    }
}

fn chance(rng: &mut Pcg64, probability: f64) -> bool {
    let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    probability > 0.0 && unit < probability
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn flight(id: u64) -> InFlight {
        InFlight {
            id,
            from: 0,
            to: 1,
            message: Message::TimeoutNow { term: id },
            sent_at: 0,
            deliver_at: 0,
            sender_incarnation: 0,
            lost: false,
            held: false,
        }
    }

    #[test]
    fn the_wire_behaves_as_a_map_by_id_with_thousands_held() {
        let mut wire = Wire::default();
        let mut map = BTreeMap::new();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next_id = 1;
        for _ in 0..50_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            if !state.is_multiple_of(3) {
                wire.put(flight(next_id));
                map.insert(next_id, flight(next_id));
                next_id += 1;
            } else {
                // Mostly recent messages, as deliveries are; some old ones, as released
                // holds are.
                let back = if state.is_multiple_of(5) {
                    state % next_id
                } else {
                    state % 8
                };
                let id = next_id.saturating_sub(back);
                assert_eq!(wire.take(id).map(|f| f.id), map.remove(&id).map(|f| f.id));
            }
            if state.is_multiple_of(7) {
                let id = state % next_id;
                if let Some(held) = wire.get_mut(id) {
                    held.held = true;
                }
                if let Some(held) = map.get_mut(&id) {
                    held.held = true;
                }
            }
        }
        assert!(wire
            .iter()
            .map(|f| (f.id, f.held))
            .eq(map.values().map(|f| (f.id, f.held))));
        assert!(wire.slots.len() <= 2 * map.len() + 64);
        // Every one of thousands taken from the front, as a released hold does.
        for id in map.keys().copied().collect::<Vec<_>>() {
            assert!(wire.take(id).is_some());
        }
        assert_eq!(wire.iter().count(), 0);
        assert!(wire.slots.is_empty());
    }
}
