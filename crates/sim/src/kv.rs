//! The key-value state machine every server applies committed entries to,
//! with client sessions so a retried command applies exactly once.
use std::collections::BTreeMap;
use std::sync::Arc;

use raftviz_raft::{Entry, EntryData, Index, Payload};

use crate::sorted_map::SortedMap;
use crate::storage::{payload_hash, Fnv};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Put,
    Append,
    Get,
}

/// A client's command. `client` and `seq` identify it across retries: a
/// server applies each (client, seq) once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub client: u64,
    pub seq: u64,
    pub op: Op,
    pub key: String,
    pub value: String,
}

/// First byte of every encoded command; payloads without it (the lab
/// tests' plain numbers) are replicated and checked but change no keys.
const MAGIC: u8 = 0xCE;

impl Command {
    pub fn put(key: &str, value: &str) -> Command {
        Command::new(Op::Put, key, value)
    }

    pub fn append(key: &str, value: &str) -> Command {
        Command::new(Op::Append, key, value)
    }

    pub fn get(key: &str) -> Command {
        Command::new(Op::Get, key, "")
    }

    fn new(op: Op, key: &str, value: &str) -> Command {
        Command {
            client: 0,
            seq: 0,
            op,
            key: key.into(),
            value: value.into(),
        }
    }

    /// The same command as sent by `client` as its `seq`th.
    pub fn from_client(self, client: u64, seq: u64) -> Command {
        Command {
            client,
            seq,
            ..self
        }
    }

    pub fn encode(&self) -> Payload {
        let mut writer = Writer::default();
        writer.bytes(&[MAGIC, op_tag(self.op)]);
        writer.number(self.client);
        writer.number(self.seq);
        writer.text(&self.key);
        writer.text(&self.value);
        Arc::from(writer.0)
    }

    pub fn decode(bytes: &[u8]) -> Option<Command> {
        let [MAGIC, tag, rest @ ..] = bytes else {
            return None;
        };
        let mut reader = Reader(rest);
        let command = Command {
            op: op_of(*tag)?,
            client: reader.number()?,
            seq: reader.number()?,
            key: reader.text()?,
            value: reader.text()?,
        };
        reader.0.is_empty().then_some(command)
    }
}

fn op_tag(op: Op) -> u8 {
    match op {
        Op::Put => b'P',
        Op::Append => b'A',
        Op::Get => b'G',
    }
}

fn op_of(tag: u8) -> Option<Op> {
    match tag {
        b'P' => Some(Op::Put),
        b'A' => Some(Op::Append),
        b'G' => Some(Op::Get),
        _ => None,
    }
}

/// What applying one entry did, for the server waiting to answer a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub client: u64,
    pub seq: u64,
    /// What a Get read.
    pub read: Option<String>,
}

/// A server's applied state: keys, client sessions, and a digest of every
/// entry applied so far (so a snapshot can be checked against the log it
/// replaces).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KvStore {
    pub data: BTreeMap<String, String>,
    /// client → the highest seq applied.
    pub sessions: SortedMap<u64, u64>,
    pub applied_index: Index,
    pub digest: u64,
}

impl KvStore {
    /// Applies one committed entry (in index order).
    pub fn apply(&mut self, entry: &Entry) -> Option<Applied> {
        self.applied_index = entry.index;
        self.digest = chain_digest(self.digest, entry);
        let EntryData::Command(bytes) = &entry.data else {
            return None;
        };
        let command = Command::decode(bytes)?;
        let last_seq = self.sessions.get(command.client).copied().unwrap_or(0);
        let fresh = command.client == 0 || command.seq > last_seq;
        if fresh && command.client != 0 {
            self.sessions.insert(command.client, command.seq);
        }
        let read = match command.op {
            Op::Put if fresh => {
                self.data.insert(command.key, command.value);
                None
            }
            Op::Append if fresh => {
                self.data
                    .entry(command.key)
                    .or_default()
                    .push_str(&command.value);
                None
            }
            Op::Put | Op::Append => None,
            Op::Get => Some(self.get(&command.key)),
        };
        Some(Applied {
            client: command.client,
            seq: command.seq,
            read,
        })
    }

    pub fn get(&self, key: &str) -> String {
        self.data.get(key).cloned().unwrap_or_default()
    }

    /// The snapshot image of this state.
    pub fn encode(&self) -> Payload {
        let mut writer = Writer::default();
        writer.number(self.applied_index);
        writer.number(self.digest);
        writer.number(self.data.len() as u64);
        for (key, value) in &self.data {
            writer.text(key);
            writer.text(value);
        }
        writer.number(self.sessions.len() as u64);
        for (client, seq) in self.sessions.iter() {
            writer.number(client);
            writer.number(*seq);
        }
        Arc::from(writer.0)
    }

    pub fn decode(bytes: &[u8]) -> Option<KvStore> {
        let mut reader = Reader(bytes);
        let mut store = KvStore {
            applied_index: reader.number()?,
            digest: reader.number()?,
            ..KvStore::default()
        };
        for _ in 0..reader.number()? {
            let key = reader.text()?;
            store.data.insert(key, reader.text()?);
        }
        for _ in 0..reader.number()? {
            let client = reader.number()?;
            store.sessions.insert(client, reader.number()?);
        }
        reader.0.is_empty().then_some(store)
    }
}

/// The digest after applying `entry` on top of `previous`.
pub fn chain_digest(previous: u64, entry: &Entry) -> u64 {
    let mut hash = Fnv(previous);
    hash.write(&entry.index.to_le_bytes());
    hash.write(&payload_hash(&entry.data).to_le_bytes());
    hash.0
}

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn bytes(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
    fn number(&mut self, number: u64) {
        self.bytes(&number.to_le_bytes());
    }
    fn text(&mut self, text: &str) {
        self.number(text.len() as u64);
        self.bytes(text.as_bytes());
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn number(&mut self) -> Option<u64> {
        let (head, rest) = self.0.split_first_chunk::<8>()?;
        self.0 = rest;
        Some(u64::from_le_bytes(*head))
    }
    fn text(&mut self) -> Option<String> {
        let length = usize::try_from(self.number()?).ok()?;
        let bytes = self.0.get(..length)?;
        self.0 = &self.0[length..];
        String::from_utf8(bytes.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(index: Index, command: &Command) -> Entry {
        Entry {
            index,
            term: 1,
            data: EntryData::Command(command.encode()),
        }
    }

    #[test]
    fn commands_round_trip() {
        for command in [
            Command::put("k", "v"),
            Command::append("", "xyz").from_client(3, 9),
            Command::get("key"),
        ] {
            assert_eq!(Command::decode(&command.encode()), Some(command));
        }
        assert_eq!(Command::decode(&[1, 2, 3]), None);
        assert_eq!(Command::decode(&[MAGIC, b'P', 9, 0, b'a']), None);
    }

    #[test]
    fn store_applies_put_append_get() {
        let mut store = KvStore::default();
        store.apply(&entry(1, &Command::put("x", "1")));
        store.apply(&entry(2, &Command::append("x", "2")));
        let got = store.apply(&entry(3, &Command::get("x")));
        assert_eq!(got.and_then(|a| a.read), Some("12".into()));
        assert_eq!(store.get("nope"), "");
    }

    #[test]
    fn a_retried_command_applies_once() {
        let mut store = KvStore::default();
        let append = Command::append("x", "a").from_client(7, 1);
        store.apply(&entry(1, &append));
        store.apply(&entry(2, &append));
        store.apply(&entry(3, &Command::append("x", "b").from_client(7, 2)));
        assert_eq!(store.get("x"), "ab");
    }

    #[test]
    fn snapshot_image_round_trips_and_rejects_garbage() {
        let mut store = KvStore::default();
        store.apply(&entry(1, &Command::put("x", "1").from_client(4, 1)));
        let image = store.encode();
        assert_eq!(KvStore::decode(&image), Some(store));
        assert_eq!(KvStore::decode(&image[..image.len() - 1]), None);
        assert_eq!(KvStore::decode(&[0xff; 40]), None);
    }
}
