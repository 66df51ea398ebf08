//! The key-set store: uploaded evaluation keys by id, under a memory cap with
//! least-recently-used eviction and a time to live.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ckks::{Context, Evaluator};

/// One uploaded key set, ready to evaluate with.
#[derive(Debug)]
pub(crate) struct KeySet {
    /// The context of its parameters (shared with the models of the same parameters).
    pub(crate) ctx: Context,
    /// The evaluator holding the relinearization and Galois keys.
    pub(crate) eval: Evaluator,
    /// The Galois elements present.
    pub(crate) galois: BTreeSet<u64>,
    /// The memory the keys take, in bytes (what the cap counts).
    pub(crate) memory: usize,
}

impl KeySet {
    /// Assembles a key set and counts its memory: every switching key holds, per digit (of
    /// `|P|` ciphertext primes), two polynomials over `Q_L * P` in 64-bit words (the seeded
    /// halves are expanded on load), and each Galois element an automorphism index of `N`
    /// words.
    pub(crate) fn new(ctx: &Context, eval: Evaluator) -> Self {
        let keys = eval.keys();
        let (q, p) = (ctx.q_basis().len(), ctx.p_basis().len());
        let switching_key = 2 * q.div_ceil(p.max(1)) * (q + p) * ctx.n() * 8;
        let galois: BTreeSet<u64> = keys.galois_keys().elements().collect();
        let relin = usize::from(keys.relinearization_key().is_some()) * switching_key;
        let memory = relin + galois.len() * (switching_key + ctx.n() * 8);
        Self {
            ctx: ctx.clone(),
            galois,
            memory,
            eval,
        }
    }
}

/// Key sets by id. Lookups refresh a set's last use; a set unused for the TTL is dropped; an
/// insertion that would pass the cap first evicts the least recently used sets. Eviction
/// scans the map (`O(n)` in the number of sets, a few hundred at most under any useful cap).
///
/// A request that holds a set keeps it alive (an `Arc`) until it finishes even if the set was
/// evicted meanwhile, so the memory actually used can exceed the cap by the sets of in-flight
/// requests, at most `queue` of them.
#[derive(Debug)]
pub(crate) struct KeyStore {
    inner: Mutex<Inner>,
    cap: usize,
    ttl: Duration,
}

#[derive(Debug, Default)]
struct Inner {
    sets: HashMap<String, Entry>,
    used: usize,
    evicted: u64,
    expired: u64,
}

#[derive(Debug)]
struct Entry {
    set: Arc<KeySet>,
    last_use: Instant,
}

/// A snapshot for `/metrics` and `/health`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StoreStats {
    pub(crate) sets: usize,
    pub(crate) bytes: usize,
    pub(crate) cap: usize,
    pub(crate) evicted: u64,
    pub(crate) expired: u64,
}

impl KeyStore {
    pub(crate) fn new(cap: usize, ttl: Duration) -> Self {
        Self {
            inner: Mutex::default(),
            cap,
            ttl,
        }
    }

    /// The lock; a poisoned lock is taken over (every update below leaves the map consistent
    /// before anything that could panic).
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cap in bytes.
    pub(crate) fn cap(&self) -> usize {
        self.cap
    }

    /// Stores `set` under `id`, evicting least recently used sets to stay under the cap.
    /// Returns `Err(memory)` if the set alone exceeds the cap.
    pub(crate) fn insert(&self, id: String, set: KeySet) -> Result<(), usize> {
        if set.memory > self.cap {
            return Err(set.memory);
        }
        let now = Instant::now();
        let mut inner = self.lock();
        inner.purge_expired(now, self.ttl);
        while inner.used + set.memory > self.cap {
            let Some(oldest) = inner
                .sets
                .iter()
                .min_by_key(|(_, e)| e.last_use)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            inner.remove(&oldest);
            inner.evicted += 1;
        }
        inner.used += set.memory;
        inner.sets.insert(
            id,
            Entry {
                set: Arc::new(set),
                last_use: now,
            },
        );
        Ok(())
    }

    /// The set with this id, if present and not expired; marks it used.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<KeySet>> {
        let now = Instant::now();
        let mut inner = self.lock();
        inner.purge_expired(now, self.ttl);
        let entry = inner.sets.get_mut(id)?;
        entry.last_use = now;
        Some(entry.set.clone())
    }

    /// Removes a set; whether it was present.
    pub(crate) fn remove(&self, id: &str) -> bool {
        self.lock().remove(id)
    }

    pub(crate) fn stats(&self) -> StoreStats {
        let mut inner = self.lock();
        inner.purge_expired(Instant::now(), self.ttl);
        StoreStats {
            sets: inner.sets.len(),
            bytes: inner.used,
            cap: self.cap,
            evicted: inner.evicted,
            expired: inner.expired,
        }
    }
}

impl Inner {
    fn remove(&mut self, id: &str) -> bool {
        match self.sets.remove(id) {
            Some(e) => {
                self.used -= e.set.memory;
                true
            }
            None => false,
        }
    }

    fn purge_expired(&mut self, now: Instant, ttl: Duration) {
        let before = self.sets.len();
        let mut freed = 0;
        self.sets.retain(|_, e| {
            let keep = now.duration_since(e.last_use) < ttl;
            if !keep {
                freed += e.set.memory;
            }
            keep
        });
        self.used -= freed;
        self.expired += (before - self.sets.len()) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ckks::params::Preset;

    fn set(ctx: &Context, memory: usize) -> KeySet {
        let mut s = KeySet::new(ctx, Evaluator::without_keys(ctx));
        s.memory = memory;
        s
    }

    #[test]
    fn lru_eviction_and_ttl() -> Result<(), Box<dyn std::error::Error>> {
        let ctx = Context::new(Preset::RefA.literal().build()?)?;
        let store = KeyStore::new(100, Duration::from_secs(3600));
        assert!(store.insert("a".into(), set(&ctx, 40)).is_ok());
        assert!(store.insert("b".into(), set(&ctx, 40)).is_ok());
        assert!(store.get("a").is_some()); // b is now the least recently used
        assert!(store.insert("c".into(), set(&ctx, 40)).is_ok());
        assert!(store.get("b").is_none());
        assert!(store.get("a").is_some() && store.get("c").is_some());
        let s = store.stats();
        assert_eq!((s.sets, s.bytes, s.evicted), (2, 80, 1));
        assert!(store.insert("huge".into(), set(&ctx, 101)).is_err());
        assert!(store.remove("a") && !store.remove("a"));
        assert_eq!(store.stats().bytes, 40);

        let short = KeyStore::new(100, Duration::from_millis(1));
        assert!(short.insert("x".into(), set(&ctx, 10)).is_ok());
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.get("x").is_none());
        assert_eq!((short.stats().bytes, short.stats().expired), (0, 1));
        Ok(())
    }
}
