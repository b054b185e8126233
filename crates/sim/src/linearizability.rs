//! Linearizability checking of key-value histories.
//!
//! A history is what the clients of a simulated run saw: each operation
//! with the virtual time it was sent and, when its client heard back, the
//! time it did. [`check`] decides whether one order of all the operations,
//! consistent with real time, explains every value read: the Wing–Gong–Lowe
//! search with Lowe's memoisation of (operations linearized, state), as
//! Porcupine runs it, and a few prunings that keep it fast on what the
//! clients of a key-value store see, each argued where it is made:
//!
//! - a write whose client never heard back and that no read shows a trace
//!   of is left out;
//! - a read of the current value is taken alone, never branched on;
//! - a state from which some pending read can no longer be explained is
//!   abandoned at once;
//! - a read of a value never written, written only later, or overwritten
//!   before the read was sent fails the key before any search.
//!
//! Keys are checked one at a time. A key's operations never constrain
//! another key's, and linearizability is local (Herlihy and Wing), so the
//! whole history is linearizable exactly when every key's part of it is;
//! small parts keep the search, which is exponential at worst, cheap.
//!
//! A [`History`] may keep only a window of the latest operations, so that a
//! run of any length checks in bounded memory and time. The window starts at
//! a time `C` and holds every operation called from `C` on. Of those called
//! before, it drops the ones that returned before `C`: they took effect
//! before every operation of the window. Those still under way at `C` may
//! have taken effect on either side of it: a write among them stays, as one
//! that may take effect at any time or never, and a read leaves (it may have
//! read a value from before `C`). A key with operations before `C` starts the
//! window with a value the check does not know, and a read may reveal it.
//! Every linearization of the whole history, cut at `C`, is then one of the
//! window's, so a window never reports a violation the whole history does
//! not have; it can miss one whose operations lie on both sides of `C`.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpKind {
    Get,
    Put,
    Append,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    pub client: u64,
    pub kind: OpKind,
    pub key: String,
    /// Put/Append: the value written. Get: empty.
    pub value: String,
    /// Get: what it read; None when it never returned.
    pub output: Option<String>,
    pub call: u64,
    /// None when the client never learned the outcome.
    pub ret: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Linearizable,
    /// The first key whose history admits no linearization, with the indices
    /// (into the input slice) of that key's operations, so a UI can highlight them.
    Violation {
        key: String,
        operations: Vec<usize>,
    },
}

/// Records operations as clients send them and hear back, for [`check`]: all
/// of them, or a window of the latest (see the module's notes).
#[derive(Clone, Debug)]
pub struct History {
    /// Operations called since the window's start, in call order; the first
    /// has id `first_id`.
    operations: Vec<Operation>,
    first_id: usize,
    /// Writes called before the window's start and under way at it, by id.
    straddling: Vec<(usize, Operation)>,
    /// Keys with operations before the window: their value at its start is
    /// not known. Sorted, for a binary search.
    unknown_keys: Vec<String>,
    /// The window's start in virtual time, once older operations were dropped.
    start: Option<u64>,
    keep: usize,
    /// Every call and return recorded, kept or not.
    calls: usize,
    returns: usize,
}

impl Default for History {
    fn default() -> History {
        History::keeping(usize::MAX)
    }
}

impl History {
    /// A history that keeps every operation.
    pub fn new() -> History {
        History::default()
    }

    /// A history whose window holds about the latest `keep` operations (between
    /// `keep` and twice that many, since it moves in steps).
    pub fn keeping(keep: usize) -> History {
        History {
            operations: Vec::new(),
            first_id: 0,
            straddling: Vec::new(),
            unknown_keys: Vec::new(),
            start: None,
            keep: keep.max(1),
            calls: 0,
            returns: 0,
        }
    }

    /// Records that `client` sent an operation at `now`; the returned id is
    /// what [`History::ret`] takes once the client hears back. `value` is
    /// what a Put or Append writes, empty for a Get.
    pub fn call(
        &mut self,
        client: u64,
        kind: OpKind,
        key: impl Into<String>,
        value: impl Into<String>,
        now: u64,
    ) -> usize {
        if self.operations.len() >= self.keep.saturating_mul(2) {
            self.move_window();
        }
        self.operations.push(Operation {
            client,
            kind,
            key: key.into(),
            value: value.into(),
            output: None,
            call: now,
            ret: None,
        });
        self.calls += 1;
        self.first_id + self.operations.len() - 1
    }

    /// Records that the client learned at `now` the outcome of operation
    /// `id`: for a Get, `output` is the value read. An unknown id is ignored
    /// rather than panicking, since a panic ends a run in the browser; so is
    /// a read that left the window.
    pub fn ret(&mut self, id: usize, output: Option<String>, now: u64) {
        let operation = match id.checked_sub(self.first_id) {
            Some(offset) => self.operations.get_mut(offset),
            None => self
                .straddling
                .iter_mut()
                .find(|(straddler, _)| *straddler == id)
                .map(|(_, operation)| operation),
        };
        if let Some(operation) = operation {
            operation.output = output;
            operation.ret = Some(now);
            self.returns += 1;
        }
    }

    /// Starts the window at the call of the `keep`th latest operation.
    fn move_window(&mut self) {
        let oldest_kept = self.operations.len() - self.keep;
        let start = self.operations[oldest_kept].call;
        let cut = self.operations.partition_point(|op| op.call < start);
        let under_way = |op: &Operation| op.ret.is_none_or(|ret| ret >= start);
        self.straddling.retain(|(_, op)| under_way(op));
        for (offset, op) in self.operations.drain(..cut).enumerate() {
            if let Err(at) = self.unknown_keys.binary_search(&op.key) {
                self.unknown_keys.insert(at, op.key.clone());
            }
            if op.kind != OpKind::Get && under_way(&op) {
                self.straddling.push((self.first_id + offset, op));
            }
        }
        self.first_id += cut;
        self.start = Some(start);
    }

    /// The operations of the window (every operation, when nothing was
    /// dropped), in call order.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// Where the window starts in virtual time; `None` while it holds every
    /// operation so far.
    pub fn window_start(&self) -> Option<u64> {
        self.start
    }

    /// Operations kept, in the window and under way at its start.
    pub fn retained(&self) -> usize {
        self.operations.len() + self.straddling.len()
    }

    /// Calls and returns recorded so far: they change exactly when the
    /// history does.
    pub fn changes(&self) -> (usize, usize) {
        (self.calls, self.returns)
    }

    /// Whether the window is linearizable (the whole history, while the
    /// window holds all of it).
    pub fn check(&self) -> Verdict {
        if self.start.is_none() {
            return check(&self.operations);
        }
        // A write under way at the start may have taken effect before it, and
        // its value be part of the unknown one: it may take effect or not.
        let straddling = self.straddling.iter().map(|(_, op)| Operation {
            ret: None,
            output: None,
            ..op.clone()
        });
        let window: Vec<Operation> = straddling.chain(self.operations.iter().cloned()).collect();
        check_window(&window, |key| {
            self.unknown_keys
                .binary_search_by(|known| known.as_str().cmp(key))
                .is_ok()
        })
    }
}

/// A key's value when its part of a history begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Initial {
    /// The key holds nothing (reads as "").
    Absent,
    /// Anything: the key's earlier operations were left out.
    Unknown,
}

/// Whether the history is linearizable against a key-value store whose
/// absent keys read as "".
///
/// Real time orders two operations only when one returned strictly before
/// the other was called: one returning at the same instant as another is
/// called may be ordered either way, since the simulator's clock cannot tell
/// which happened first and a checker must not invent a violation.
///
/// An operation without a return time may take effect at any instant after
/// its call or never; a Get without a return time or without an output
/// tells nothing and is ignored. A return time before the call is read as
/// the call time. Keys are searched in order of first appearance.
pub fn check(history: &[Operation]) -> Verdict {
    check_window(history, |_| false)
}

/// [`check`] for a window of a longer history: a key for which
/// `unknown_at_start` holds may hold any value when the window begins.
pub fn check_window(history: &[Operation], unknown_at_start: impl Fn(&str) -> bool) -> Verdict {
    for (key, operations) in partition_by_key(history) {
        let initial = if unknown_at_start(key) {
            Initial::Unknown
        } else {
            Initial::Absent
        };
        if !key_is_linearizable(history, &operations, initial) {
            return Verdict::Violation {
                key: key.to_owned(),
                operations,
            };
        }
    }
    Verdict::Linearizable
}

/// Fixed keys rather than a random seed: the same history costs the same
/// work on every run and every platform.
pub(crate) type Deterministic = BuildHasherDefault<DefaultHasher>;

/// Each key with the indices of its operations, keys in order of first
/// appearance.
fn partition_by_key(history: &[Operation]) -> Vec<(&str, Vec<usize>)> {
    let mut partition_of: HashMap<&str, usize, Deterministic> = HashMap::default();
    let mut partitions: Vec<(&str, Vec<usize>)> = Vec::new();
    for (index, operation) in history.iter().enumerate() {
        let key = operation.key.as_str();
        let partition = *partition_of.entry(key).or_insert_with(|| {
            partitions.push((key, Vec::new()));
            partitions.len() - 1
        });
        partitions[partition].1.push(index);
    }
    partitions
}

fn key_is_linearizable(history: &[Operation], indices: &[usize], initial: Initial) -> bool {
    let operations: Vec<&Operation> = indices.iter().map(|&index| &history[index]).collect();
    let reads: Vec<&str> = operations
        .iter()
        .filter_map(|operation| answered_read(operation))
        .collect();
    let mut values = Values::new();
    let mut steps: Vec<Step> = operations
        .into_iter()
        .filter_map(|operation| Step::of(operation, &reads, &mut values))
        .collect();
    // Numbered in call order, the sets the memo keeps stay small.
    steps.sort_by_key(|step| step.call);
    let origins = origins_of_reads(&steps, &values);
    !some_read_is_impossible(&steps, &origins, &values, initial)
        && Search::new(&steps, values, origins, initial).run()
}

/// What a Get read, when its client heard back.
fn answered_read(operation: &Operation) -> Option<&str> {
    match (operation.kind, operation.ret) {
        (OpKind::Get, Some(_)) => operation.output.as_deref(),
        _ => None,
    }
}

/// Whether a Put or Append must be searched: it returned, or some read
/// shows a trace of it. An unanswered write that no read shows a trace of
/// was, wherever it took effect, erased by a Put before any read, so it may
/// as well never have taken effect; left in, such writes would multiply the
/// search by every subset of them.
fn may_have_been_seen(write: &Operation, reads: &[&str]) -> bool {
    let written = write.value.as_str();
    write.ret.is_some()
        || match write.kind {
            OpKind::Put => reads.iter().any(|read| read.starts_with(written)),
            _ => reads.iter().any(|read| read.contains(written)),
        }
}

/// Index of a string in [`Values`].
type ValueId = usize;

/// The value of an absent key, interned first by [`Values::new`].
const ABSENT: ValueId = 0;

/// One operation as the search sees it.
struct Step<'a> {
    call: u64,
    ret: Option<u64>,
    effect: Effect<'a>,
}

enum Effect<'a> {
    /// A Get that read this value.
    Read(ValueId),
    Put(ValueId),
    Append(&'a str),
}

impl<'a> Step<'a> {
    /// None for an operation that cannot change the verdict: a Get whose
    /// client never heard back, and writes as [`may_have_been_seen`] says.
    fn of(operation: &'a Operation, reads: &[&str], values: &mut Values) -> Option<Step<'a>> {
        let effect = match operation.kind {
            OpKind::Get => Effect::Read(values.intern(answered_read(operation)?)),
            _ if !may_have_been_seen(operation, reads) => return None,
            OpKind::Put => Effect::Put(values.intern(&operation.value)),
            OpKind::Append => Effect::Append(&operation.value),
        };
        Some(Step {
            call: operation.call,
            ret: operation.ret.map(|ret| ret.max(operation.call)),
            effect,
        })
    }

    /// What a Put writes or a non-empty Append adds.
    fn written<'s>(&'s self, values: &'s Values) -> Option<&'s str> {
        match self.effect {
            Effect::Read(_) => None,
            Effect::Put(value) => Some(values.text(value)),
            Effect::Append(suffix) => Some(suffix).filter(|suffix| !suffix.is_empty()),
        }
    }

    /// Whether it returned strictly before `time`.
    fn returned_before(&self, time: u64) -> bool {
        self.ret.is_some_and(|ret| ret < time)
    }
}

/// Every value one key has held or been read as, each stored once, so that
/// the model's state is a number that is cheap to compare and to memoise.
/// A state may also be an unknown value followed by known appends: the key's
/// value at the start of a window, until a read reveals it.
struct Values {
    ids: HashMap<Rc<str>, ValueId, Deterministic>,
    /// The states "unknown, then this suffix", by suffix.
    unknown_ids: HashMap<Rc<str>, ValueId, Deterministic>,
    texts: Vec<Rc<str>>,
    /// For each id, whether its text follows an unknown value.
    follows_unknown: Vec<bool>,
    /// (value before, step) → value after, so that retrying an append after
    /// backtracking does not rebuild a long string.
    appended: HashMap<(ValueId, usize), ValueId, Deterministic>,
}

impl Values {
    fn new() -> Values {
        let mut values = Values {
            ids: HashMap::default(),
            unknown_ids: HashMap::default(),
            texts: Vec::new(),
            follows_unknown: Vec::new(),
            appended: HashMap::default(),
        };
        values.intern("");
        values
    }

    /// The value, or for a state after an unknown value, the suffix known.
    fn text(&self, id: ValueId) -> &str {
        &self.texts[id]
    }

    fn follows_unknown(&self, id: ValueId) -> bool {
        self.follows_unknown[id]
    }

    fn intern(&mut self, text: &str) -> ValueId {
        self.intern_state(text, false)
    }

    fn intern_state(&mut self, text: &str, follows_unknown: bool) -> ValueId {
        let ids = if follows_unknown {
            &mut self.unknown_ids
        } else {
            &mut self.ids
        };
        if let Some(&id) = ids.get(text) {
            return id;
        }
        let id = self.texts.len();
        let text: Rc<str> = Rc::from(text);
        ids.insert(Rc::clone(&text), id);
        self.texts.push(text);
        self.follows_unknown.push(follows_unknown);
        id
    }

    /// The state a key's search starts in.
    fn initial(&mut self, initial: Initial) -> ValueId {
        match initial {
            Initial::Absent => ABSENT,
            Initial::Unknown => self.intern_state("", true),
        }
    }

    /// The key-value model: the value after `step` takes effect on `before`,
    /// or None when the step's outcome contradicts `before`. A read after an
    /// unknown value fits when it ends with what was appended since, and
    /// reveals the value.
    fn apply(&mut self, before: ValueId, step: usize, effect: &Effect) -> Option<ValueId> {
        match *effect {
            Effect::Read(seen) if self.follows_unknown(before) => {
                self.text(seen).ends_with(self.text(before)).then_some(seen)
            }
            Effect::Read(seen) => (seen == before).then_some(before),
            Effect::Put(written) => Some(written),
            Effect::Append(suffix) => Some(self.append(before, step, suffix)),
        }
    }

    fn append(&mut self, before: ValueId, step: usize, suffix: &str) -> ValueId {
        if let Some(&after) = self.appended.get(&(before, step)) {
            return after;
        }
        let text = [self.text(before), suffix].concat();
        let after = self.intern_state(&text, self.follows_unknown(before));
        self.appended.insert((before, step), after);
        after
    }
}

/// For each step that is a Get, the writes sent before it returned whose
/// value begins what it read. Any value is the initial "" or a Put's value,
/// either followed by appends, so one of these writes must precede the read
/// unless the read is of "" or of a value the key already began with.
fn origins_of_reads(steps: &[Step], values: &Values) -> Vec<Vec<usize>> {
    let writes = WritesByValue::new(steps, values);
    steps
        .iter()
        .map(|read| match read.effect {
            Effect::Read(seen) => {
                let mut origins = writes.beginning(values.text(seen));
                origins.retain(|&write| !read.returned_before(steps[write].call));
                origins
            }
            _ => Vec::new(),
        })
        .collect()
}

/// The key's writes in a trie of their values, so that the writes whose
/// value begins a read are found in one walk along the read rather than by
/// comparing every read with every write.
struct WritesByValue {
    /// For each node, its children and the byte leading to each.
    children: Vec<Vec<(u8, usize)>>,
    /// For each node, the writes whose value ends there.
    ending: Vec<Vec<usize>>,
}

impl WritesByValue {
    fn new(steps: &[Step], values: &Values) -> WritesByValue {
        let mut trie = WritesByValue {
            children: vec![Vec::new()],
            ending: vec![Vec::new()],
        };
        for (write, step) in steps.iter().enumerate() {
            if let Some(written) = step.written(values) {
                let node = written
                    .bytes()
                    .fold(0, |node, byte| trie.child_or_new(node, byte));
                trie.ending[node].push(write);
            }
        }
        trie
    }

    fn child(&self, node: usize, byte: u8) -> Option<usize> {
        let &(_, child) = self.children[node]
            .iter()
            .find(|&&(label, _)| label == byte)?;
        Some(child)
    }

    fn child_or_new(&mut self, node: usize, byte: u8) -> usize {
        if let Some(child) = self.child(node, byte) {
            return child;
        }
        let child = self.children.len();
        self.children.push(Vec::new());
        self.ending.push(Vec::new());
        self.children[node].push((byte, child));
        child
    }

    /// The writes whose value begins `text`.
    fn beginning(&self, text: &str) -> Vec<usize> {
        let mut found = self.ending[0].clone();
        let mut node = 0;
        for byte in text.bytes() {
            let Some(child) = self.child(node, byte) else {
                break;
            };
            node = child;
            found.extend_from_slice(&self.ending[node]);
        }
        found
    }
}

/// Whether some Get read a value that real time rules out: no write sent
/// before it returned can have begun the value, or every one that can (and
/// the initial "") had returned before a Put of a value not beginning it
/// was sent, which returned before the Get was sent; after that Put, only
/// a later write could begin the value again. This catches stale reads,
/// lost writes and values never written without the search, which would
/// first try every order of all that preceded them. An unknown initial value
/// may begin any read, as the initial "" begins every one: only a Put can
/// rule it out.
fn some_read_is_impossible(
    steps: &[Step],
    origins: &[Vec<usize>],
    values: &Values,
    initial: Initial,
) -> bool {
    // Steps are in call order, so these Puts are too.
    let puts: Vec<(&Step, &str)> = steps
        .iter()
        .filter_map(|step| match step.effect {
            Effect::Put(written) => Some((step, values.text(written))),
            _ => None,
        })
        .collect();
    steps.iter().zip(origins).any(|(read, origins)| {
        let Effect::Read(seen) = read.effect else {
            return false;
        };
        let seen = values.text(seen);
        if origins.is_empty() && !seen.is_empty() && initial == Initial::Absent {
            return true;
        }
        // An origin that never returned may have taken effect at any time.
        let Some(returns) = origins
            .iter()
            .map(|&origin| steps[origin].ret)
            .collect::<Option<Vec<u64>>>()
        else {
            return false;
        };
        // An overwrite that returned before the read was sent was also sent
        // before it; one sent by the last origin's return may precede it.
        let sent_after_origins = returns
            .into_iter()
            .max()
            .map_or(0, |last| puts.partition_point(|(put, _)| put.call <= last));
        let sent_before_read = puts.partition_point(|(put, _)| put.call < read.call);
        puts[sent_after_origins..sent_before_read.max(sent_after_origins)]
            .iter()
            .any(|(put, written)| put.returned_before(read.call) && !seen.starts_with(written))
    })
}

/// Sent and returned events of one key's steps in time order, as a doubly
/// linked list from which a step's events are lifted in O(1) when the
/// search linearizes it and put back, in reverse order, when it backtracks.
struct EventList {
    nodes: Vec<Node>,
}

struct Node {
    previous: usize,
    next: usize,
    event: Event,
}

#[derive(Clone, Copy)]
enum Event {
    /// The list's two ends, never lifted.
    Sentinel,
    Call {
        step: usize,
        ret: Option<usize>,
    },
    Return,
}

const START: usize = 0;

/// (time, is a return, step) for every call and return, in time order.
/// `false` sorts first: at equal times calls come before returns, so an
/// operation returning when another is called is concurrent with it.
fn timeline(steps: &[Step]) -> Vec<(u64, bool, usize)> {
    let mut timeline = Vec::with_capacity(2 * steps.len());
    for (index, step) in steps.iter().enumerate() {
        timeline.push((step.call, false, index));
        if let Some(ret) = step.ret {
            timeline.push((ret, true, index));
        }
    }
    timeline.sort_unstable();
    timeline
}

impl EventList {
    fn new(steps: &[Step]) -> EventList {
        let timeline = timeline(steps);
        // Node 0 and the last node are the sentinels, so event i is node i + 1.
        let mut return_node = vec![None; steps.len()];
        for (position, &(_, is_return, step)) in timeline.iter().enumerate() {
            if is_return {
                return_node[step] = Some(position + 1);
            }
        }
        let events = timeline.iter().map(|&(_, is_return, step)| {
            if is_return {
                Event::Return
            } else {
                Event::Call {
                    step,
                    ret: return_node[step],
                }
            }
        });
        let chain = std::iter::once(Event::Sentinel)
            .chain(events)
            .chain(std::iter::once(Event::Sentinel));
        let nodes = chain
            .enumerate()
            .map(|(index, event)| Node {
                previous: index.saturating_sub(1),
                next: index + 1,
                event,
            })
            .collect();
        EventList { nodes }
    }

    fn first(&self) -> usize {
        self.nodes[START].next
    }

    fn next(&self, node: usize) -> usize {
        self.nodes[node].next
    }

    fn event(&self, node: usize) -> Event {
        self.nodes[node].event
    }

    fn lift(&mut self, call: usize) {
        self.unlink(call);
        if let Event::Call { ret: Some(ret), .. } = self.event(call) {
            self.unlink(ret);
        }
    }

    fn unlift(&mut self, call: usize) {
        if let Event::Call { ret: Some(ret), .. } = self.event(call) {
            self.relink(ret);
        }
        self.relink(call);
    }

    fn unlink(&mut self, node: usize) {
        let Node { previous, next, .. } = self.nodes[node];
        self.nodes[previous].next = next;
        self.nodes[next].previous = previous;
    }

    /// Undoes the latest `unlink` still in effect: the node still points at
    /// its old neighbours, which are made to point back at it.
    fn relink(&mut self, node: usize) {
        let Node { previous, next, .. } = self.nodes[node];
        self.nodes[previous].next = node;
        self.nodes[next].previous = node;
    }
}

/// Which steps are linearized so far.
struct StepSet(Vec<u64>);

impl StepSet {
    fn new(steps: usize) -> StepSet {
        StepSet(vec![0; steps.div_ceil(64)])
    }

    fn insert(&mut self, step: usize) {
        self.0[step / 64] |= 1 << (step % 64);
    }

    fn remove(&mut self, step: usize) {
        self.0[step / 64] &= !(1 << (step % 64));
    }

    fn contains(&self, step: usize) -> bool {
        self.0[step / 64] & (1 << (step % 64)) != 0
    }

    /// The set as the memo keeps it: every step below `end` but those
    /// `missing`. Steps are numbered in call order and the search takes them
    /// nearly in that order, so few are missing, while a whole bitset per
    /// state would cost n/8 bytes.
    fn compact(&self) -> CompactSet {
        let Some(top) = self.0.iter().rposition(|&word| word != 0) else {
            return CompactSet::default();
        };
        let end = top * 64 + (64 - self.0[top].leading_zeros() as usize);
        let mut missing = Vec::new();
        for (index, &word) in self.0[..=top].iter().enumerate() {
            let mut absent = !word;
            while absent != 0 {
                let step = index * 64 + absent.trailing_zeros() as usize;
                if step >= end {
                    break;
                }
                missing.push(step);
                absent &= absent - 1;
            }
        }
        CompactSet { end, missing }
    }
}

#[derive(Default, PartialEq, Eq, Hash)]
struct CompactSet {
    end: usize,
    missing: Vec<usize>,
}

/// A step taken, with what undoing it needs.
struct Linearized {
    call: usize,
    step: usize,
    before: ValueId,
    /// Taken as the only step worth trying where it was taken, so that
    /// undoing it fails that point of the search too.
    only_choice: bool,
}

/// What the Gets that may be linearized next say about the current state.
enum ReadScan {
    /// One that reads the current value.
    OfCurrentValue {
        call: usize,
        step: usize,
    },
    /// One can never be linearized from here.
    Unreadable,
    Neither,
}

/// Where a search step left off.
enum Outcome {
    Linearized,
    /// The earliest operation not yet linearized returned: the choices
    /// that led here were wrong.
    Stuck,
    /// Every operation that returned is linearized; the calls left never
    /// returned, so they may never have taken effect.
    Explained,
}

/// The Wing–Gong–Lowe search over one key: linearize, from the calls not
/// yet linearized that precede the first return left, one the model
/// allows; when none is left to try, undo the latest choice and try the
/// call after it instead.
///
/// A read of the current value is always tried alone, which prunes most of
/// the search: if any order works from here, so does one that starts with
/// that read, since a read changes nothing and doing it sooner only
/// satisfies more of real-time order.
struct Search<'a> {
    steps: &'a [Step<'a>],
    values: Values,
    events: EventList,
    state: ValueId,
    linearized: StepSet,
    taken: Vec<Linearized>,
    /// For each Get, the writes that can have begun what it read; see
    /// [`origins_of_reads`].
    origins: Vec<Vec<usize>>,
    /// Every (steps linearized, state) reached: reaching one again can only
    /// repeat a search that already failed.
    seen: HashSet<(CompactSet, ValueId), Deterministic>,
}

impl<'a> Search<'a> {
    fn new(
        steps: &'a [Step<'a>],
        mut values: Values,
        origins: Vec<Vec<usize>>,
        initial: Initial,
    ) -> Search<'a> {
        Search {
            steps,
            origins,
            state: values.initial(initial),
            values,
            events: EventList::new(steps),
            linearized: StepSet::new(steps.len()),
            taken: Vec::new(),
            seen: HashSet::default(),
        }
    }

    fn run(&mut self) -> bool {
        // The call whose alternatives are being tried; None on reaching a
        // new state.
        let mut undone: Option<usize> = None;
        loop {
            let outcome = match undone {
                None => self.step_from_new_state(),
                Some(call) => self.try_calls_from(self.events.next(call)),
            };
            undone = match outcome {
                Outcome::Linearized => None,
                Outcome::Explained => return true,
                Outcome::Stuck => {
                    let Some(call) = self.backtrack() else {
                        return false;
                    };
                    Some(call)
                }
            };
        }
    }

    fn step_from_new_state(&mut self) -> Outcome {
        match self.scan_reads() {
            ReadScan::OfCurrentValue { call, step } if self.try_linearize(call, step, true) => {
                Outcome::Linearized
            }
            ReadScan::OfCurrentValue { .. } | ReadScan::Unreadable => Outcome::Stuck,
            ReadScan::Neither => self.try_calls_from(self.events.first()),
        }
    }

    /// Looks among the Gets that may be linearized next for one that reads
    /// the current value or one that no remaining write can explain.
    fn scan_reads(&self) -> ReadScan {
        let mut node = self.events.first();
        while let Event::Call { step, .. } = self.events.event(node) {
            if let Effect::Read(seen) = self.steps[step].effect {
                if seen == self.state {
                    return ReadScan::OfCurrentValue { call: node, step };
                }
                if !self.can_still_read(step, seen) {
                    return ReadScan::Unreadable;
                }
            }
            node = self.events.next(node);
        }
        ReadScan::Neither
    }

    /// Whether some order of the steps not yet linearized might make the
    /// value `seen` (a quick necessary condition): every later value is the
    /// current one followed by appends, or else one of the read's origins
    /// not yet linearized followed by appends. While the value is unknown,
    /// any read might still fit.
    fn can_still_read(&self, read: usize, seen: ValueId) -> bool {
        if self.values.follows_unknown(self.state) {
            return true;
        }
        let current = self.values.text(self.state);
        (!current.is_empty() && self.values.text(seen).starts_with(current))
            || self.origins[read]
                .iter()
                .any(|&origin| !self.linearized.contains(origin))
    }

    /// Linearizes the first call from `node` on that can be, up to the
    /// first return.
    fn try_calls_from(&mut self, mut node: usize) -> Outcome {
        loop {
            match self.events.event(node) {
                Event::Sentinel => return Outcome::Explained,
                Event::Return => return Outcome::Stuck,
                Event::Call { step, .. } if self.try_linearize(node, step, false) => {
                    return Outcome::Linearized
                }
                Event::Call { .. } => node = self.events.next(node),
            }
        }
    }

    /// Linearizes `step`, called at node `call`, unless the model forbids
    /// it or the state it leads to was reached before.
    fn try_linearize(&mut self, call: usize, step: usize, only_choice: bool) -> bool {
        let Some(after) = self
            .values
            .apply(self.state, step, &self.steps[step].effect)
        else {
            return false;
        };
        self.linearized.insert(step);
        if !self.seen.insert((self.linearized.compact(), after)) {
            self.linearized.remove(step);
            return false;
        }
        self.taken.push(Linearized {
            call,
            step,
            before: self.state,
            only_choice,
        });
        self.state = after;
        self.events.lift(call);
        true
    }

    /// Undoes steps back to the latest one that had alternatives and
    /// returns its call node, or None when nothing is left to undo: no
    /// linearization exists.
    fn backtrack(&mut self) -> Option<usize> {
        loop {
            let taken = self.taken.pop()?;
            self.events.unlift(taken.call);
            self.linearized.remove(taken.step);
            self.state = taken.before;
            if !taken.only_choice {
                return Some(taken.call);
            }
        }
    }
}
