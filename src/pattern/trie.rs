//! Subscription tries: a path-compressed prefix tree ([`Radix`]) and, on top of it, the
//! counted subscription set of SUB/XSUB ([`Trie`]). XPUB's topic -> pipes map is
//! [`super::mtrie::MTrie`], on the same tree.
//!
//! Topics come from peers and may be long or deeply nested, so nothing here recurses:
//! walks use explicit stacks and the nodes live in one arena (`Vec`), so dropping a tree
//! is flat too. Matching a message walks at most one node per stored prefix of it and
//! allocates nothing.

/// What a tree node holds; a node whose value is empty and that has at most one child
/// is removed (or merged with its child) when pruned.
pub trait Slot: Default {
    fn is_empty(&self) -> bool;
}

impl Slot for u32 {
    fn is_empty(&self) -> bool {
        *self == 0
    }
}

const ROOT: usize = 0;

#[derive(Debug, Default)]
struct Node<V> {
    /// The bytes from the parent's key to this node's key (empty only for the root).
    label: Vec<u8>,
    parent: usize,
    /// Children by the first byte of their label, sorted.
    children: Vec<(u8, usize)>,
    value: V,
}

/// A path-compressed prefix tree from byte strings to values, in an arena.
#[derive(Debug)]
pub struct Radix<V> {
    nodes: Vec<Node<V>>,
    free: Vec<usize>,
}

impl<V: Slot> Default for Radix<V> {
    fn default() -> Self {
        Radix {
            nodes: vec![Node::default()],
            free: Vec::new(),
        }
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl<V: Slot> Radix<V> {
    fn alloc(&mut self, label: Vec<u8>, parent: usize) -> usize {
        let node = Node {
            label,
            parent,
            children: Vec::new(),
            value: V::default(),
        };
        match self.free.pop() {
            Some(i) => {
                self.nodes[i] = node;
                i
            }
            None => {
                self.nodes.push(node);
                self.nodes.len() - 1
            }
        }
    }

    fn release(&mut self, i: usize) {
        self.nodes[i] = Node::default();
        self.free.push(i);
    }

    fn child(&self, i: usize, byte: u8) -> Option<usize> {
        let kids = &self.nodes[i].children;
        kids.binary_search_by_key(&byte, |&(b, _)| b)
            .ok()
            .map(|pos| kids[pos].1)
    }

    /// The node whose key is exactly `key`, if there is one.
    pub fn find(&self, key: &[u8]) -> Option<usize> {
        let mut i = ROOT;
        let mut rest = key;
        while let Some(&b) = rest.first() {
            let c = self.child(i, b)?;
            let label = &self.nodes[c].label;
            if !rest.starts_with(label) {
                return None;
            }
            rest = &rest[label.len()..];
            i = c;
        }
        Some(i)
    }

    /// The node whose key is `key`, created (with an empty value) if needed.
    pub fn find_or_insert(&mut self, key: &[u8]) -> usize {
        let mut i = ROOT;
        let mut rest = key;
        while let Some(&b) = rest.first() {
            let kids = &self.nodes[i].children;
            let pos = match kids.binary_search_by_key(&b, |&(k, _)| k) {
                Ok(pos) => pos,
                Err(pos) => {
                    let leaf = self.alloc(rest.to_vec(), i);
                    self.nodes[i].children.insert(pos, (b, leaf));
                    return leaf;
                }
            };
            let c = kids[pos].1;
            let label = &self.nodes[c].label;
            let cp = common_prefix(label, rest);
            if cp == label.len() {
                rest = &rest[cp..];
                i = c;
                continue;
            }
            // Split `c`: a new node takes the shared head of its label (cp >= 1, as the
            // first bytes are equal) and `c` keeps the tail below it.
            let tail = self.nodes[c].label.split_off(cp);
            let head = std::mem::replace(&mut self.nodes[c].label, tail);
            let mid = self.alloc(head, i);
            let tail_first = self.nodes[c].label[0];
            self.nodes[mid].children.push((tail_first, c));
            self.nodes[c].parent = mid;
            self.nodes[i].children[pos].1 = mid;
            rest = &rest[cp..];
            i = mid;
        }
        i
    }

    #[cfg(test)]
    pub fn value(&self, i: usize) -> &V {
        &self.nodes[i].value
    }

    pub fn value_mut(&mut self, i: usize) -> &mut V {
        &mut self.nodes[i].value
    }

    /// Merges non-root node `i` (empty, exactly one child) with its child.
    fn merge(&mut self, i: usize) {
        let Some(&(_, c)) = self.nodes[i].children.first() else {
            return;
        };
        let child = std::mem::take(&mut self.nodes[c]);
        let node = &mut self.nodes[i];
        node.label.extend_from_slice(&child.label);
        node.children = child.children;
        node.value = child.value;
        for k in 0..self.nodes[i].children.len() {
            let g = self.nodes[i].children[k].1;
            self.nodes[g].parent = i;
        }
        self.free.push(c);
    }

    /// Removes leaf `i` (non-root) from its parent and frees it; returns the parent.
    fn unlink(&mut self, i: usize) -> usize {
        let p = self.nodes[i].parent;
        let first = self.nodes[i].label.first().copied();
        let kids = &mut self.nodes[p].children;
        if let Some(pos) = first.and_then(|b| kids.binary_search_by_key(&b, |&(k, _)| k).ok()) {
            kids.remove(pos);
        }
        self.release(i);
        p
    }

    /// Restores the tree's shape after node `i`'s value became empty: an empty leaf goes
    /// (and then maybe its parent), an empty node with one child merges with it.
    pub fn prune(&mut self, mut i: usize) {
        while i != ROOT && self.nodes[i].value.is_empty() {
            match self.nodes[i].children.len() {
                0 => i = self.unlink(i),
                1 => {
                    self.merge(i);
                    return;
                }
                _ => return,
            }
        }
    }

    /// Calls `f` with the value of every node whose key is a prefix of `data` (the root,
    /// i.e. the empty key, first), shortest first; stops when `f` returns true and
    /// returns whether it did.
    pub fn any_prefix(&self, data: &[u8], mut f: impl FnMut(&V) -> bool) -> bool {
        let mut i = ROOT;
        let mut rest = data;
        loop {
            if f(&self.nodes[i].value) {
                return true;
            }
            let Some(&b) = rest.first() else { return false };
            let Some(c) = self.child(i, b) else {
                return false;
            };
            let label = &self.nodes[c].label;
            if !rest.starts_with(label) {
                return false;
            }
            rest = &rest[label.len()..];
            i = c;
        }
    }

    /// Calls `f(key, value)` for every node with a non-empty value, in key order.
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &V)) {
        let mut key = Vec::new();
        // (node, length of the parent's key)
        let mut stack = vec![(ROOT, 0usize)];
        while let Some((i, depth)) = stack.pop() {
            let node = &self.nodes[i];
            key.truncate(depth);
            key.extend_from_slice(&node.label);
            if !node.value.is_empty() {
                f(&key, &node.value);
            }
            let depth = key.len();
            stack.extend(node.children.iter().rev().map(|&(_, c)| (c, depth)));
        }
    }

    /// Calls `f(key, value)` for every node, in key order, letting it change the value;
    /// then removes the nodes left empty.
    pub fn update_all(&mut self, mut f: impl FnMut(&[u8], &mut V)) {
        enum Visit {
            Pre(usize, usize),
            Post(usize),
        }
        let mut key = Vec::new();
        let mut stack = vec![Visit::Pre(ROOT, 0)];
        while let Some(visit) = stack.pop() {
            match visit {
                Visit::Pre(i, depth) => {
                    key.truncate(depth);
                    key.extend_from_slice(&self.nodes[i].label);
                    f(&key, &mut self.nodes[i].value);
                    stack.push(Visit::Post(i));
                    let depth = key.len();
                    let kids = &self.nodes[i].children;
                    stack.extend(kids.iter().rev().map(|&(_, c)| Visit::Pre(c, depth)));
                }
                Visit::Post(i) => {
                    // The children's subtrees are in shape already: drop or merge the
                    // children that became empty.
                    let kids = std::mem::take(&mut self.nodes[i].children);
                    let mut kept = Vec::with_capacity(kids.len());
                    for (b, c) in kids {
                        if self.nodes[c].value.is_empty() {
                            match self.nodes[c].children.len() {
                                0 => {
                                    self.release(c);
                                    continue;
                                }
                                1 => self.merge(c),
                                _ => {}
                            }
                        }
                        kept.push((b, c));
                    }
                    self.nodes[i].children = kept;
                }
            }
        }
    }

    /// Nodes in use, the root included (for tests).
    #[cfg(test)]
    fn live_nodes(&self) -> usize {
        self.nodes.len() - self.free.len()
    }
}

/// SUB/XSUB subscriptions: topic prefixes with a subscription count each.
#[derive(Debug, Default)]
pub struct Trie {
    tree: Radix<u32>,
    prefixes: usize,
}

impl Trie {
    /// Adds one subscription to `topic`; true if it is the topic's first.
    pub fn add(&mut self, topic: &[u8]) -> bool {
        let i = self.tree.find_or_insert(topic);
        let count = self.tree.value_mut(i);
        *count = count.saturating_add(1);
        let first = *count == 1;
        if first {
            self.prefixes += 1;
        }
        first
    }

    /// Removes one subscription to `topic`; true if it was the topic's last.
    pub fn rm(&mut self, topic: &[u8]) -> bool {
        let Some(i) = self.tree.find(topic) else {
            return false;
        };
        let count = self.tree.value_mut(i);
        if *count == 0 {
            return false;
        }
        *count -= 1;
        if *count > 0 {
            return false;
        }
        self.prefixes -= 1;
        self.tree.prune(i);
        true
    }

    /// Whether some subscribed topic is a prefix of `data`.
    pub fn check(&self, data: &[u8]) -> bool {
        self.tree.any_prefix(data, |&count| count > 0)
    }

    /// Calls `f` once for every subscribed topic, in order.
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        self.tree.for_each(|key, _| f(key));
    }

    /// Distinct topics subscribed (`ZMQ_TOPICS_COUNT`).
    pub fn num_prefixes(&self) -> usize {
        self.prefixes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(t: &Trie) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        t.for_each(|k| v.push(k.to_vec()));
        v
    }

    #[test]
    fn prefix_matching() {
        let mut t = Trie::default();
        assert!(!t.check(b""));
        assert!(!t.check(b"abc"));
        assert!(t.add(b"ab"));
        assert!(t.check(b"ab"));
        assert!(t.check(b"abc"));
        assert!(!t.check(b"a"));
        assert!(!t.check(b"ba"));
        assert!(!t.check(b""));
        assert!(t.add(b""));
        assert!(t.check(b""));
        assert!(t.check(b"zzz"));
        assert!(t.rm(b""));
        assert!(!t.check(b"zzz"));
    }

    #[test]
    fn counts_and_unsubscribe() {
        let mut t = Trie::default();
        assert!(t.add(b"topic"));
        assert!(!t.add(b"topic"));
        assert_eq!(t.num_prefixes(), 1);
        assert!(!t.rm(b"topic"));
        assert!(t.check(b"topic/1"));
        assert!(t.rm(b"topic"));
        assert!(!t.rm(b"topic"));
        assert!(!t.rm(b"nothing"));
        assert!(!t.rm(b"top"));
        assert!(!t.check(b"topic/1"));
        assert_eq!(t.num_prefixes(), 0);
        assert_eq!(t.tree.live_nodes(), 1);
    }

    #[test]
    fn nested_and_split_nodes() {
        let mut t = Trie::default();
        for k in [&b"abcdef"[..], b"abc", b"abx", b"a", b"b", b"abcdefg"] {
            assert!(t.add(k));
        }
        assert_eq!(t.num_prefixes(), 6);
        assert_eq!(
            topics(&t),
            vec![
                b"a".to_vec(),
                b"abc".to_vec(),
                b"abcdef".to_vec(),
                b"abcdefg".to_vec(),
                b"abx".to_vec(),
                b"b".to_vec()
            ]
        );
        assert!(t.check(b"abcd"));
        assert!(t.rm(b"a"));
        assert!(!t.check(b"ab"));
        assert!(t.check(b"abcd"));
        assert!(t.check(b"abxyz"));
        assert!(!t.check(b"abd"));
        assert!(t.rm(b"abc"));
        assert!(!t.check(b"abcd"));
        assert!(t.check(b"abcdefgh"));
        for k in [&b"abcdef"[..], b"abx", b"b", b"abcdefg"] {
            assert!(t.rm(k));
        }
        assert_eq!(t.num_prefixes(), 0);
        assert_eq!(t.tree.live_nodes(), 1);
        assert!(topics(&t).is_empty());
    }

    #[test]
    fn long_and_deep_topics_do_not_recurse() {
        let mut t = Trie::default();
        let long = vec![b'x'; 1 << 20];
        assert!(t.add(&long));
        assert!(t.check(&long));
        // 5000 nested topics: "y", "yy", "yyy", ... form a chain of 5000 nodes.
        let deep = vec![b'y'; 5000];
        for n in 1..=deep.len() {
            assert!(t.add(&deep[..n]));
        }
        assert_eq!(topics(&t).len(), 5001);
        for n in (1..=deep.len()).step_by(2) {
            assert!(t.rm(&deep[..n]));
        }
        assert!(t.check(b"yy"));
        assert!(!t.check(b"y"));
        drop(t);
    }

    #[test]
    fn update_all_prunes() {
        let mut r: Radix<u32> = Radix::default();
        for k in [&b"a"[..], b"ab", b"abc", b"abd", b"b"] {
            let i = r.find_or_insert(k);
            *r.value_mut(i) = 1;
        }
        let mut seen = Vec::new();
        r.update_all(|k, v| {
            seen.push((k.to_vec(), *v));
            if k != b"abd" {
                *v = 0;
            }
        });
        assert_eq!(seen.len(), 6); // root, a, ab, abc, abd, b
        assert_eq!(r.live_nodes(), 2);
        let i = r.find(b"abd").unwrap();
        assert_eq!(*r.value(i), 1);
        assert!(r.find(b"ab").is_none());
        assert!(r.any_prefix(b"abdx", |&v| v > 0));
    }
}
