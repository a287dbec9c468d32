//! The rotation fair queuing and load balancing share: pipes in turn, the ones that
//! were found empty (or full) parked behind the active ones until re-activated.

use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct ActiveRing {
    /// `pipes[..active]` are in the rotation; the rest wait for an activation.
    pipes: Vec<PipeId>,
    active: usize,
    current: usize,
}

impl ActiveRing {
    pub fn attach(&mut self, id: PipeId) {
        self.pipes.push(id);
        let last = self.pipes.len() - 1;
        self.pipes.swap(self.active, last);
        self.active += 1;
    }

    pub fn activate(&mut self, id: PipeId) {
        if let Some(i) = self.pipes.iter().position(|&p| p == id) {
            if i >= self.active {
                self.pipes.swap(i, self.active);
                self.active += 1;
            }
        }
    }

    /// Forgets a pipe; true if it was the current one of the rotation.
    pub fn remove(&mut self, id: PipeId) -> bool {
        let Some(mut i) = self.pipes.iter().position(|&p| p == id) else {
            return false;
        };
        let was_current = i < self.active && i == self.current;
        if i < self.active {
            // Move it to the first inactive place, then drop it from there.
            self.active -= 1;
            self.pipes.swap(i, self.active);
            i = self.active;
            if self.current >= self.active {
                self.current = 0;
            }
        }
        self.pipes.swap_remove(i);
        was_current
    }

    /// The current pipe, if any is active.
    pub fn current(&self) -> Option<PipeId> {
        (self.active > 0).then(|| self.pipes[self.current])
    }

    /// Parks the current pipe until it is activated again.
    pub fn deactivate_current(&mut self) {
        self.active -= 1;
        self.pipes.swap(self.current, self.active);
        if self.current == self.active {
            self.current = 0;
        }
    }

    /// Moves the rotation on (after a whole message).
    pub fn advance(&mut self) {
        // No division: this runs once per message.
        self.current += 1;
        if self.current >= self.active {
            self.current = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// A small deterministic generator (xorshift), so failures replay.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    fn sets(r: &ActiveRing) -> (BTreeSet<PipeId>, BTreeSet<PipeId>) {
        (
            r.pipes[..r.active].iter().copied().collect(),
            r.pipes[r.active..].iter().copied().collect(),
        )
    }

    /// Random attach/activate/remove/deactivate/advance against a model of two sets:
    /// the current pipe is always an active one, and nothing is lost or duplicated.
    #[test]
    fn matches_a_model_of_active_and_parked_pipes() {
        for seed in 1..200 {
            let mut rng = Rng(seed * 0x9e37_79b9_7f4a_7c15);
            let mut ring = ActiveRing::default();
            let (mut active, mut parked) = (BTreeSet::new(), BTreeSet::new());
            let mut next_id = 1;
            for _ in 0..300 {
                match rng.below(5) {
                    0 => {
                        ring.attach(next_id);
                        active.insert(next_id);
                        next_id += 1;
                    }
                    1 => {
                        let id = rng.below(next_id + 1);
                        ring.activate(id);
                        if parked.remove(&id) {
                            active.insert(id);
                        }
                    }
                    2 => {
                        let id = rng.below(next_id + 1);
                        let current = ring.current() == Some(id);
                        assert_eq!(ring.remove(id), current && active.contains(&id));
                        active.remove(&id);
                        parked.remove(&id);
                    }
                    3 => {
                        if let Some(id) = ring.current() {
                            ring.deactivate_current();
                            active.remove(&id);
                            parked.insert(id);
                        }
                    }
                    _ => {
                        if ring.current().is_some() {
                            ring.advance();
                        }
                    }
                }
                assert_eq!(sets(&ring), (active.clone(), parked.clone()), "seed {seed}");
                match ring.current() {
                    Some(id) => assert!(active.contains(&id)),
                    None => assert!(active.is_empty()),
                }
            }
        }
    }

    /// With nothing changing, a turn of the rotation visits every active pipe once.
    #[test]
    fn a_turn_visits_each_active_pipe_once() {
        let mut ring = ActiveRing::default();
        for id in 1..=5 {
            ring.attach(id);
        }
        ring.deactivate_current();
        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(ring.current().unwrap());
            ring.advance();
        }
        seen.sort_unstable();
        assert_eq!(seen, [2, 3, 4, 5], "the parked pipe is skipped");
        ring.activate(1);
        let mut all: Vec<_> = (0..5)
            .map(|_| {
                let c = ring.current().unwrap();
                ring.advance();
                c
            })
            .collect();
        all.sort_unstable();
        assert_eq!(all, [1, 2, 3, 4, 5]);
    }
}
