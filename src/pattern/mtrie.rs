//! XPUB's subscriptions: topic prefix -> the set of pipes subscribed to it.

use super::trie::{Radix, Slot};
use crate::pipe::PipeId;

/// The pipes subscribed to one topic, sorted.
#[derive(Debug, Default)]
pub struct PipeSet(Vec<PipeId>);

impl Slot for PipeSet {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What [`MTrie::rm`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RmResult {
    /// The topic had no such pipe.
    NotFound,
    /// The pipe was the topic's last.
    LastValueRemoved,
    /// Other pipes are still subscribed to the topic.
    ValuesRemain,
}

#[derive(Debug, Default)]
pub struct MTrie {
    tree: Radix<PipeSet>,
    prefixes: usize,
}

impl MTrie {
    /// Subscribes `pipe` to `topic`; true if the topic had no subscriber before.
    pub fn add(&mut self, topic: &[u8], pipe: PipeId) -> bool {
        let i = self.tree.find_or_insert(topic);
        let set = &mut self.tree.value_mut(i).0;
        let first = set.is_empty();
        if let Err(pos) = set.binary_search(&pipe) {
            set.insert(pos, pipe);
        }
        if first {
            self.prefixes += 1;
        }
        first
    }

    /// Unsubscribes `pipe` from `topic`.
    pub fn rm(&mut self, topic: &[u8], pipe: PipeId) -> RmResult {
        let Some(i) = self.tree.find(topic) else {
            return RmResult::NotFound;
        };
        let set = &mut self.tree.value_mut(i).0;
        let Ok(pos) = set.binary_search(&pipe) else {
            return RmResult::NotFound;
        };
        set.remove(pos);
        if !set.is_empty() {
            return RmResult::ValuesRemain;
        }
        self.prefixes -= 1;
        self.tree.prune(i);
        RmResult::LastValueRemoved
    }

    /// Removes every subscription of `pipe`, calling `f(topic)` for each topic it had,
    /// in topic order; with `only_last`, only for the topics nobody else has.
    pub fn rm_pipe(&mut self, pipe: PipeId, only_last: bool, mut f: impl FnMut(&[u8])) {
        let prefixes = &mut self.prefixes;
        self.tree.update_all(|topic, set| {
            if let Ok(pos) = set.0.binary_search(&pipe) {
                set.0.remove(pos);
                if set.0.is_empty() {
                    *prefixes -= 1;
                }
                if !only_last || set.0.is_empty() {
                    f(topic);
                }
            }
        });
    }

    /// Calls `f` for the pipes subscribed to a prefix of `data`; a pipe with several
    /// matching topics is passed once per topic.
    pub fn match_pipes(&self, data: &[u8], mut f: impl FnMut(PipeId)) {
        self.tree.any_prefix(data, |set| {
            set.0.iter().for_each(|&p| f(p));
            false
        });
    }

    /// Distinct topics with at least one subscriber (`ZMQ_TOPICS_COUNT`).
    pub fn num_prefixes(&self) -> usize {
        self.prefixes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(m: &MTrie, data: &[u8]) -> Vec<PipeId> {
        let mut v = Vec::new();
        m.match_pipes(data, |p| v.push(p));
        v.sort();
        v.dedup();
        v
    }

    #[test]
    fn add_match_rm() {
        let mut m = MTrie::default();
        assert!(m.add(b"A", 1));
        assert!(!m.add(b"A", 2));
        assert!(!m.add(b"A", 2));
        assert!(m.add(b"AB", 3));
        assert!(m.add(b"", 4));
        assert_eq!(m.num_prefixes(), 3);
        assert_eq!(matches(&m, b"ABC"), vec![1, 2, 3, 4]);
        assert_eq!(matches(&m, b"A"), vec![1, 2, 4]);
        assert_eq!(matches(&m, b"B"), vec![4]);
        assert_eq!(m.rm(b"A", 9), RmResult::NotFound);
        assert_eq!(m.rm(b"X", 1), RmResult::NotFound);
        assert_eq!(m.rm(b"A", 1), RmResult::ValuesRemain);
        assert_eq!(m.rm(b"A", 2), RmResult::LastValueRemoved);
        assert_eq!(m.rm(b"A", 2), RmResult::NotFound);
        assert_eq!(matches(&m, b"ABC"), vec![3, 4]);
        assert_eq!(m.num_prefixes(), 2);
    }

    #[test]
    fn removing_a_pipe_reports_its_topics() {
        let mut m = MTrie::default();
        for (t, p) in [(&b"b"[..], 1), (b"a", 1), (b"ab", 1), (b"ab", 2), (b"c", 2)] {
            m.add(t, p);
        }
        let mut unique = Vec::new();
        m.rm_pipe(1, true, |t| unique.push(t.to_vec()));
        assert_eq!(unique, vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(m.num_prefixes(), 2);
        assert_eq!(matches(&m, b"abc"), vec![2]);
        let mut all = Vec::new();
        m.rm_pipe(2, false, |t| all.push(t.to_vec()));
        assert_eq!(all, vec![b"ab".to_vec(), b"c".to_vec()]);
        assert_eq!(m.num_prefixes(), 0);
        assert!(matches(&m, b"abc").is_empty());
        let mut none = 0;
        m.rm_pipe(3, false, |_| none += 1);
        assert_eq!(none, 0);
    }

    #[test]
    fn verbose_removal_reports_shared_topics() {
        let mut m = MTrie::default();
        m.add(b"x", 1);
        m.add(b"x", 2);
        let mut all = Vec::new();
        m.rm_pipe(1, false, |t| all.push(t.to_vec()));
        assert_eq!(all, vec![b"x".to_vec()]);
        assert_eq!(matches(&m, b"x"), vec![2]);
    }
}
