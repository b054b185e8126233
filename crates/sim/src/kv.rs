//! The key-value state machine every server applies committed entries to.
use std::collections::BTreeMap;
use std::sync::Arc;

use raftviz_raft::{Entry, EntryData, Payload};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Put,
    Append,
    Get,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub op: Op,
    pub key: String,
    pub value: String,
}

/// First byte of every encoded command; payloads without it (the lab
/// tests' plain numbers) are replicated and checked but change no keys.
const MAGIC: u8 = 0xCE;

impl Command {
    pub fn put(key: &str, value: &str) -> Command {
        Command {
            op: Op::Put,
            key: key.into(),
            value: value.into(),
        }
    }

    pub fn append(key: &str, value: &str) -> Command {
        Command {
            op: Op::Append,
            key: key.into(),
            value: value.into(),
        }
    }

    pub fn get(key: &str) -> Command {
        Command {
            op: Op::Get,
            key: key.into(),
            value: String::new(),
        }
    }

    pub fn encode(&self) -> Payload {
        let tag = match self.op {
            Op::Put => b'P',
            Op::Append => b'A',
            Op::Get => b'G',
        };
        let key_len = u16::try_from(self.key.len()).unwrap_or(u16::MAX);
        let mut bytes = Vec::with_capacity(4 + self.key.len() + self.value.len());
        bytes.extend_from_slice(&[MAGIC, tag]);
        bytes.extend_from_slice(&key_len.to_le_bytes());
        bytes.extend_from_slice(&self.key.as_bytes()[..usize::from(key_len)]);
        bytes.extend_from_slice(self.value.as_bytes());
        Arc::from(bytes)
    }

    pub fn decode(bytes: &[u8]) -> Option<Command> {
        let [MAGIC, tag, low, high, rest @ ..] = bytes else {
            return None;
        };
        let op = match tag {
            b'P' => Op::Put,
            b'A' => Op::Append,
            b'G' => Op::Get,
            _ => return None,
        };
        let key_len = usize::from(u16::from_le_bytes([*low, *high]));
        let (key, value) = (rest.get(..key_len)?, rest.get(key_len..)?);
        Some(Command {
            op,
            key: String::from_utf8(key.to_vec()).ok()?,
            value: String::from_utf8(value.to_vec()).ok()?,
        })
    }
}

/// A server's applied state: the commands in index order and the keys.
#[derive(Clone, Debug, Default)]
pub struct KvStore {
    pub data: BTreeMap<String, String>,
}

impl KvStore {
    /// Applies one committed entry; returns what a Get read.
    pub fn apply(&mut self, entry: &Entry) -> Option<String> {
        let EntryData::Command(bytes) = &entry.data else {
            return None;
        };
        let command = Command::decode(bytes)?;
        match command.op {
            Op::Put => {
                self.data.insert(command.key, command.value);
                None
            }
            Op::Append => {
                self.data
                    .entry(command.key)
                    .or_default()
                    .push_str(&command.value);
                None
            }
            Op::Get => Some(self.data.get(&command.key).cloned().unwrap_or_default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_round_trip() {
        for command in [
            Command::put("k", "v"),
            Command::append("", "xyz"),
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
        let entry = |index, command: Command| Entry {
            index,
            term: 1,
            data: EntryData::Command(command.encode()),
        };
        store.apply(&entry(1, Command::put("x", "1")));
        store.apply(&entry(2, Command::append("x", "2")));
        assert_eq!(store.apply(&entry(3, Command::get("x"))), Some("12".into()));
        assert_eq!(
            store.apply(&entry(4, Command::get("nope"))),
            Some(String::new())
        );
    }
}
