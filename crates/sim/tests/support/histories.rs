//! Generated key-value histories, shared by the linearizability tests and
//! benchmark (each includes this file with `#[path]`).
use std::collections::HashMap;

use raftviz_sim::linearizability::{OpKind, Operation};

/// splitmix64: tiny, deterministic, good enough to vary histories.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

pub struct Shape {
    pub operations: usize,
    pub clients: usize,
    pub keys: u64,
    /// One operation in this many never hears back.
    pub unanswered_one_in: u64,
}

/// Clients sending operations one after another to an atomic store, each
/// taking 1–30 ms and taking effect at a random instant between its call
/// and its return (or, when its client never hears back, maybe never):
/// linearizable by construction.
pub fn linearizable_history(seed: u64, shape: &Shape) -> Vec<Operation> {
    let mut random = SplitMix64(seed);
    let mut idle_since = vec![0; shape.clients];
    let mut history = Vec::with_capacity(shape.operations);
    let mut takes_effect_at = Vec::with_capacity(shape.operations);
    for serial in 0..shape.operations {
        let client = (0..shape.clients)
            .min_by_key(|&client| idle_since[client])
            .expect("at least one client");
        let call = idle_since[client] + random.below(3);
        let ret = call + 1 + random.below(30);
        idle_since[client] = ret;
        let kind =
            [OpKind::Get, OpKind::Get, OpKind::Put, OpKind::Append][random.below(4) as usize];
        let answered = random.below(shape.unanswered_one_in) != 0;
        let took_effect = answered || random.below(2) == 0;
        takes_effect_at.push(took_effect.then(|| call + random.below(ret - call + 1)));
        history.push(Operation {
            client: client as u64,
            kind,
            key: format!("k{}", random.below(shape.keys)),
            value: match kind {
                OpKind::Get => String::new(),
                // Delimited so that no value is a substring of a string of others.
                _ => format!("x{serial}."),
            },
            output: None,
            call,
            ret: answered.then_some(ret),
        });
    }
    apply_in_order(&mut history, &takes_effect_at);
    history
}

/// Runs the operations that took effect against a store in the order they
/// did, filling in what answered Gets read.
pub fn apply_in_order(history: &mut [Operation], takes_effect_at: &[Option<u64>]) {
    let mut order: Vec<usize> = (0..history.len())
        .filter(|&index| takes_effect_at[index].is_some())
        .collect();
    order.sort_by_key(|&index| (takes_effect_at[index], index));
    let mut store: HashMap<String, String> = HashMap::new();
    for index in order {
        let operation = &mut history[index];
        let value = store.entry(operation.key.clone()).or_default();
        match operation.kind {
            OpKind::Get if operation.ret.is_some() => operation.output = Some(value.clone()),
            OpKind::Get => {}
            OpKind::Put => *value = operation.value.clone(),
            OpKind::Append => value.push_str(&operation.value),
        }
    }
}

pub fn earlier_read_missed_by(history: &[Operation], later: usize) -> Option<usize> {
    let read = &history[later];
    let (Some(seen), Some(_)) = (&read.output, read.ret) else {
        return None;
    };
    let same_key = |index: &usize| history[*index].key == read.key;
    (0..later).rev().filter(same_key).find(|&earlier| {
        let before = &history[earlier];
        let (Some(seen_before), Some(returned)) = (&before.output, before.ret) else {
            return false;
        };
        let appended_between = (0..history.len()).filter(same_key).any(|index| {
            let write = &history[index];
            write.kind == OpKind::Append
                && write.call > returned
                && write.ret.is_some_and(|ret| ret < read.call)
        });
        returned < read.call
            && !seen_before.is_empty()
            && seen.starts_with(seen_before.as_str())
            && appended_between
    })
}
