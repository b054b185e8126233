//! A map kept as a list sorted by key: for the simulator's small maps (a server's
//! waiting clients, the KV sessions, commits by term), where it is as quick as a
//! B-tree and far lighter in the page's wasm, which carries a B-tree's code once
//! per key and value type. Iteration is in key order, as a `BTreeMap`'s.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortedMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap(Vec::new())
    }
}

impl<K: Ord + Copy, V> SortedMap<K, V> {
    fn position(&self, key: K) -> Result<usize, usize> {
        self.0.binary_search_by_key(&key, |(held, _)| *held)
    }

    pub fn get(&self, key: K) -> Option<&V> {
        let at = self.position(key).ok()?;
        Some(&self.0[at].1)
    }

    /// A value under a key already held replaces the one there, which is returned.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(key) {
            Ok(at) => Some(std::mem::replace(&mut self.0[at].1, value)),
            Err(at) => {
                self.0.insert(at, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: K) -> Option<V> {
        let at = self.position(key).ok()?;
        Some(self.0.remove(at).1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (K, &V)> {
        self.0.iter().map(|(key, value)| (*key, value))
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, value)| value)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(K, &V) -> bool) {
        self.0.retain(|(key, value)| keep(*key, value));
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn behaves_as_a_btree_map_in_key_order() {
        let mut ours = SortedMap::default();
        let mut theirs = BTreeMap::new();
        let mut state = 0x853C_49E6_748F_EA9Bu64;
        for step in 0..20_000u64 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = (state >> 33) % 64;
            match state >> 62 {
                0 | 1 => assert_eq!(ours.insert(key, step), theirs.insert(key, step)),
                2 => assert_eq!(ours.remove(key), theirs.remove(&key)),
                _ => {
                    ours.retain(|key, value| (key + value) % 7 != 0);
                    theirs.retain(|key, value| (*key + *value) % 7 != 0);
                }
            }
            assert_eq!(ours.get(key), theirs.get(&key));
            assert_eq!(ours.len(), theirs.len());
            assert!(ours
                .iter()
                .eq(theirs.iter().map(|(key, value)| (*key, value))));
        }
    }
}
