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

/// Records operations as clients send them and hear back, for [`check`].
#[derive(Clone, Debug, Default)]
pub struct History {
    operations: Vec<Operation>,
}

impl History {
    pub fn new() -> History {
        History::default()
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
        self.operations.push(Operation {
            client,
            kind,
            key: key.into(),
            value: value.into(),
            output: None,
            call: now,
            ret: None,
        });
        self.operations.len() - 1
    }

    /// Records that the client learned at `now` the outcome of operation
    /// `id`: for a Get, `output` is the value read. An unknown id is ignored
    /// rather than panicking, since a panic ends a run in the browser.
    pub fn ret(&mut self, id: usize, output: Option<String>, now: u64) {
        if let Some(operation) = self.operations.get_mut(id) {
            operation.output = output;
            operation.ret = Some(now);
        }
    }

    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }
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
    for (key, operations) in partition_by_key(history) {
        if !key_is_linearizable(history, &operations) {
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
type Deterministic = BuildHasherDefault<DefaultHasher>;

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

fn key_is_linearizable(history: &[Operation], indices: &[usize]) -> bool {
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
    !some_read_is_impossible(&steps, &origins, &values)
        && Search::new(&steps, values, origins).run()
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
struct Values {
    ids: HashMap<Rc<str>, ValueId, Deterministic>,
    texts: Vec<Rc<str>>,
    /// (value before, step) → value after, so that retrying an append after
    /// backtracking does not rebuild a long string.
    appended: HashMap<(ValueId, usize), ValueId, Deterministic>,
}

impl Values {
    fn new() -> Values {
        let mut values = Values {
            ids: HashMap::default(),
            texts: Vec::new(),
            appended: HashMap::default(),
        };
        values.intern("");
        values
    }

    fn text(&self, id: ValueId) -> &str {
        &self.texts[id]
    }

    fn intern(&mut self, text: &str) -> ValueId {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = self.texts.len();
        let text: Rc<str> = Rc::from(text);
        self.texts.push(Rc::clone(&text));
        self.ids.insert(text, id);
        id
    }

    /// The key-value model: the value after `step` takes effect on `before`,
    /// or None when the step's outcome contradicts `before`.
    fn apply(&mut self, before: ValueId, step: usize, effect: &Effect) -> Option<ValueId> {
        match *effect {
            Effect::Read(seen) => (seen == before).then_some(before),
            Effect::Put(written) => Some(written),
            Effect::Append(suffix) => Some(self.append(before, step, suffix)),
        }
    }

    fn append(&mut self, before: ValueId, step: usize, suffix: &str) -> ValueId {
        if let Some(&after) = self.appended.get(&(before, step)) {
            return after;
        }
        let after = self.intern(&[self.text(before), suffix].concat());
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
/// first try every order of all that preceded them.
fn some_read_is_impossible(steps: &[Step], origins: &[Vec<usize>], values: &Values) -> bool {
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
        if origins.is_empty() && !seen.is_empty() {
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
    fn new(steps: &'a [Step<'a>], values: Values, origins: Vec<Vec<usize>>) -> Search<'a> {
        Search {
            steps,
            origins,
            values,
            events: EventList::new(steps),
            state: ABSENT,
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
    /// not yet linearized followed by appends.
    fn can_still_read(&self, read: usize, seen: ValueId) -> bool {
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
