//! The subscription tries (SUB/XSUB's counted prefixes, XPUB's prefix -> pipes) against
//! naive models: a map from topic to count, and from topic to a set of pipes.

use std::collections::{BTreeMap, BTreeSet};

use zmq_rs::pattern::mtrie::{MTrie, RmResult};
use zmq_rs::pattern::trie::Trie;

use super::input::Input;

/// Short topics over a 3-letter alphabet, so that prefixes collide often.
fn topic(inp: &mut Input) -> Vec<u8> {
    let n = inp.below(7);
    (0..n).map(|_| b'a' + inp.below(3) as u8).collect()
}

/// Random subscribe/unsubscribe/match/enumerate sequences. Properties: every answer
/// (first/last subscription, match, topic count, enumeration in order) is the model's.
pub fn sub_trie(data: &[u8]) {
    let mut inp = Input::new(data);
    if inp.bool() {
        counted(&mut inp);
    } else {
        piped(&mut inp);
    }
}

fn counted(inp: &mut Input) {
    let mut trie = Trie::default();
    let mut model: BTreeMap<Vec<u8>, u32> = BTreeMap::new();
    while !inp.is_empty() {
        let op = inp.below(4);
        let t = topic(inp);
        match op {
            0 => {
                let count = model.entry(t.clone()).or_insert(0);
                *count += 1;
                assert_eq!(trie.add(&t), *count == 1, "add {t:?}");
            }
            1 => {
                let last = match model.get_mut(&t) {
                    Some(1) => {
                        model.remove(&t);
                        true
                    }
                    Some(n) => {
                        *n -= 1;
                        false
                    }
                    None => false,
                };
                assert_eq!(trie.rm(&t), last, "rm {t:?}");
            }
            2 => {
                let expected = model.keys().any(|k| t.starts_with(k));
                assert_eq!(trie.check(&t), expected, "check {t:?}");
            }
            _ => {
                let mut topics = Vec::new();
                trie.for_each(|k| topics.push(k.to_vec()));
                assert_eq!(topics, model.keys().cloned().collect::<Vec<_>>());
            }
        }
        assert_eq!(trie.num_prefixes(), model.len());
    }
}

fn piped(inp: &mut Input) {
    let mut trie = MTrie::default();
    let mut model: BTreeMap<Vec<u8>, BTreeSet<u64>> = BTreeMap::new();
    while !inp.is_empty() {
        let op = inp.below(4);
        let t = topic(inp);
        let pipe = inp.below(4) as u64 + 1;
        match op {
            0 => {
                let set = model.entry(t.clone()).or_default();
                let first = set.is_empty();
                set.insert(pipe);
                assert_eq!(trie.add(&t, pipe), first, "add {t:?} {pipe}");
            }
            1 => {
                let removed = model.get_mut(&t).map(|set| set.remove(&pipe));
                let expected = match (removed, model.get(&t).map(BTreeSet::is_empty)) {
                    (Some(true), Some(true)) => {
                        model.remove(&t);
                        RmResult::LastValueRemoved
                    }
                    (Some(true), _) => RmResult::ValuesRemain,
                    _ => RmResult::NotFound,
                };
                assert_eq!(trie.rm(&t, pipe), expected, "rm {t:?} {pipe}");
            }
            2 => {
                let mut got = Vec::new();
                trie.match_pipes(&t, |p| got.push(p));
                got.sort_unstable();
                let mut expected: Vec<u64> = model
                    .iter()
                    .filter(|(k, _)| t.starts_with(k))
                    .flat_map(|(_, s)| s.iter().copied())
                    .collect();
                expected.sort_unstable();
                assert_eq!(got, expected, "match {t:?}");
            }
            _ => {
                let only_last = inp.bool();
                let mut got = Vec::new();
                trie.rm_pipe(pipe, only_last, |k| got.push(k.to_vec()));
                let mut expected = Vec::new();
                model.retain(|k, set| {
                    if set.remove(&pipe) && (!only_last || set.is_empty()) {
                        expected.push(k.clone());
                    }
                    !set.is_empty()
                });
                assert_eq!(got, expected, "rm_pipe {pipe} only_last={only_last}");
            }
        }
        assert_eq!(trie.num_prefixes(), model.len());
    }
}
