//! A map kept as a list sorted by key: for the simulator's small maps (a server's
//! waiting clients, the KV store's keys and sessions, commits by term), where it is as quick as a
//! B-tree and far lighter in the page's wasm, which carries a B-tree's code once
//! per key and value type. Iteration is in key order, as a `BTreeMap`'s.

use std::borrow::Borrow;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortedMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap(Vec::new())
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    fn position<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(held, _)| held.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let at = self.position(key).ok()?;
        Some(&self.0[at].1)
    }

    /// A value under a key already held replaces the one there, which is returned.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.0[at].1, value)),
            Err(at) => {
                self.0.insert(at, (key, value));
                None
            }
        }
    }

    /// The value under `key`, first put there as `V::default()` if there was none.
    pub fn entry_or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        let at = match self.position(&key) {
            Ok(at) => at,
            Err(at) => {
                self.0.insert(at, (key, V::default()));
                at
            }
        };
        &mut self.0[at].1
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let at = self.position(key).ok()?;
        Some(self.0.remove(at).1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(key, value)| (key, value))
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, value)| value)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.0.retain(|(key, value)| keep(key, value));
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
                0 => assert_eq!(ours.insert(key, step), theirs.insert(key, step)),
                1 => {
                    *ours.entry_or_default(key) += step;
                    *theirs.entry(key).or_default() += step;
                }
                2 => assert_eq!(ours.remove(&key), theirs.remove(&key)),
                _ => {
                    ours.retain(|key, value| (key + value) % 7 != 0);
                    theirs.retain(|key, value| (key + *value) % 7 != 0);
                }
            }
            assert_eq!(ours.get(&key), theirs.get(&key));
            assert_eq!(ours.len(), theirs.len());
            assert!(ours.iter().eq(theirs.iter()));
        }
    }

    #[test]
    fn string_keys_are_found_by_str() {
        let mut map = SortedMap::default();
        map.insert("b".to_owned(), 2);
        map.insert("a".to_owned(), 1);
        map.entry_or_default("c".to_owned());
        assert_eq!(map.get("a"), Some(&1));
        assert_eq!(map.remove("b"), Some(2));
        assert!(map.iter().map(|(key, _)| key.as_str()).eq(["a", "c"]));
    }
}
