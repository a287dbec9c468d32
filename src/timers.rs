//! Repeating timers driven by the caller, behind `zmq_timers_*`.
//!
//! A timer fires every `interval` milliseconds until cancelled, but only when the owner
//! calls [`Timers::execute`]; [`Timers::timeout`] says how long to wait for the next one.
//! Semantics follow libzmq 4.3.5:
//! - ids start at 1 and increase; unknown (or cancelled) ids are `EINVAL`;
//! - `execute` takes the time once, runs every timer due at that instant once, in
//!   deadline order (ties in the order they were scheduled), and reschedules each one at
//!   that instant + its interval;
//! - a timer cancelled while `execute` runs (by a handler, including its own) does not run
//!   afterwards; timers added or rescheduled by a handler wait for a later `execute`.
//!
//! Differences from libzmq, where libzmq misbehaves: a timer of interval 0 runs once per
//! `execute` (libzmq accepts it too, then spins forever in `execute`); deadlines saturate
//! instead of wrapping
//! (libzmq makes a timer of `SIZE_MAX` ms due at once); cancelling is immediate, so
//! `reset`/`set_interval` of a cancelled timer fail with `EINVAL` as documented.
//!
//! Deadlines are kept in microseconds of a monotonic clock and `timeout` rounds up, so a
//! timer never fires before its full interval has passed.
//!
//! Handlers usually call back into the same `Timers` (to cancel or add timers), so every
//! method takes `&self` and no borrow of the state is held while a handler runs.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;
use std::time::Instant;

use crate::error::{Errno, Result};

/// Microseconds of a monotonic clock since its first use in this process.
fn now_us() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let micros = EPOCH.get_or_init(Instant::now).elapsed().as_micros();
    u64::try_from(micros).unwrap_or(u64::MAX)
}

fn interval_us(interval_ms: usize) -> u64 {
    u64::try_from(interval_ms)
        .unwrap_or(u64::MAX)
        .saturating_mul(1000)
}

/// Position in the schedule: deadline (µs), then scheduling order.
type Slot = (u64, u64);

struct Timer<T> {
    interval_us: u64,
    slot: Slot,
    payload: T,
}

struct State<T> {
    last_id: i32,
    next_seq: u64,
    schedule: BTreeMap<Slot, i32>,
    timers: HashMap<i32, Timer<T>>,
}

impl<T> State<T> {
    fn slot(&mut self, deadline: u64) -> Slot {
        self.next_seq += 1;
        (deadline, self.next_seq)
    }

    fn fresh_id(&mut self) -> Result<i32> {
        if self.timers.len() >= i32::MAX as usize {
            return Err(Errno::ENOMEM);
        }
        loop {
            self.last_id = if self.last_id == i32::MAX {
                1
            } else {
                self.last_id + 1
            };
            if !self.timers.contains_key(&self.last_id) {
                return Ok(self.last_id);
            }
        }
    }

    /// Moves timer `id` to `deadline`, optionally with a new interval.
    fn reschedule(&mut self, id: i32, deadline: u64, interval_us: Option<u64>) -> Result<()> {
        let slot = self.slot(deadline);
        let timer = self.timers.get_mut(&id).ok_or(Errno::EINVAL)?;
        if let Some(interval) = interval_us {
            timer.interval_us = interval;
        }
        let old = std::mem::replace(&mut timer.slot, slot);
        self.schedule.remove(&old);
        self.schedule.insert(slot, id);
        Ok(())
    }
}

/// A set of repeating timers, each carrying a payload `T` handed to the code that runs it.
pub struct Timers<T> {
    state: RefCell<State<T>>,
    executing: Cell<u32>,
}

impl<T> Default for Timers<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Timers<T> {
    pub fn new() -> Self {
        Timers {
            state: RefCell::new(State {
                last_id: 0,
                next_seq: 0,
                schedule: BTreeMap::new(),
                timers: HashMap::new(),
            }),
            executing: Cell::new(0),
        }
    }

    fn state(&self) -> Result<std::cell::RefMut<'_, State<T>>> {
        // No borrow is held across a handler call, so this cannot be taken already.
        self.state.try_borrow_mut().map_err(|_| Errno::EFAULT)
    }

    /// Adds a timer firing every `interval_ms` (> 0) milliseconds; returns its id.
    pub fn add(&self, interval_ms: usize, payload: T) -> Result<i32> {
        self.add_at(now_us(), interval_ms, payload)
    }

    fn add_at(&self, now: u64, interval_ms: usize, payload: T) -> Result<i32> {
        let interval_us = interval_us(interval_ms);
        let mut st = self.state()?;
        let id = st.fresh_id()?;
        let slot = st.slot(now.saturating_add(interval_us));
        st.schedule.insert(slot, id);
        st.timers.insert(
            id,
            Timer {
                interval_us,
                slot,
                payload,
            },
        );
        Ok(id)
    }

    /// Cancels timer `id`; `EINVAL` if there is no such timer (any more).
    pub fn cancel(&self, id: i32) -> Result<()> {
        let mut st = self.state()?;
        let timer = st.timers.remove(&id).ok_or(Errno::EINVAL)?;
        st.schedule.remove(&timer.slot);
        Ok(())
    }

    /// Changes the interval of timer `id` and restarts it: it next fires `interval_ms` from now.
    pub fn set_interval(&self, id: i32, interval_ms: usize) -> Result<()> {
        self.set_interval_at(now_us(), id, interval_ms)
    }

    fn set_interval_at(&self, now: u64, id: i32, interval_ms: usize) -> Result<()> {
        let mut st = self.state()?;
        if !st.timers.contains_key(&id) {
            return Err(Errno::EINVAL);
        }
        let interval = interval_us(interval_ms);
        st.reschedule(id, now.saturating_add(interval), Some(interval))
    }

    /// Restarts timer `id`: it next fires one full interval from now.
    pub fn reset(&self, id: i32) -> Result<()> {
        self.reset_at(now_us(), id)
    }

    fn reset_at(&self, now: u64, id: i32) -> Result<()> {
        let mut st = self.state()?;
        let interval = st.timers.get(&id).ok_or(Errno::EINVAL)?.interval_us;
        st.reschedule(id, now.saturating_add(interval), None)
    }

    /// Milliseconds (rounded up) until the next timer is due: `Some(0)` if one is overdue,
    /// `None` if there are no timers.
    pub fn timeout(&self) -> Option<u64> {
        self.timeout_at(now_us())
    }

    fn timeout_at(&self, now: u64) -> Option<u64> {
        let st = self.state.try_borrow().ok()?;
        let (&(deadline, _), _) = st.schedule.first_key_value()?;
        Some(deadline.saturating_sub(now).div_ceil(1000))
    }

    /// Number of live timers.
    pub fn len(&self) -> usize {
        self.state.try_borrow().map_or(0, |st| st.timers.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True while `execute` is running (a handler is on the stack).
    pub fn is_executing(&self) -> bool {
        self.executing.get() > 0
    }
}

impl<T: Clone> Timers<T> {
    /// Runs `run(id, payload)` for every timer that is due now, once each.
    pub fn execute(&self, run: impl FnMut(i32, T)) {
        self.execute_at(now_us(), run)
    }

    fn execute_at(&self, now: u64, mut run: impl FnMut(i32, T)) {
        struct Running<'a>(&'a Cell<u32>);
        impl Drop for Running<'_> {
            fn drop(&mut self) {
                self.0.set(self.0.get().saturating_sub(1));
            }
        }
        self.executing.set(self.executing.get().saturating_add(1));
        let _running = Running(&self.executing);

        // Each round takes the earliest timer due at `now` and moves it past `now`, so the
        // loop ends; a handler's changes only ever schedule after `now` too.
        loop {
            let due = {
                let Ok(mut st) = self.state() else { return };
                let Some((&slot, &id)) = st.schedule.first_key_value() else {
                    return;
                };
                if slot.0 > now {
                    return;
                }
                let Some(interval) = st.timers.get(&id).map(|t| t.interval_us) else {
                    return;
                };
                // At least 1 µs later, so the new deadline is after `now` (or saturated at
                // the end) even for a timer of interval 0: it runs once per `execute`.
                let deadline = now.saturating_add(interval.max(1));
                if st.reschedule(id, deadline, None).is_err() {
                    return;
                }
                st.timers.get(&id).map(|t| (id, t.payload.clone()))
            };
            match due {
                Some((id, payload)) => run(id, payload),
                None => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    const MS: u64 = 1000;

    fn fired(timers: &Timers<&'static str>, now: u64) -> Vec<(i32, &'static str)> {
        let mut out = Vec::new();
        timers.execute_at(now, |id, p| out.push((id, p)));
        out
    }

    #[test]
    fn ids_timeout_and_order() {
        let t = Timers::new();
        assert_eq!(t.timeout_at(0), None);
        assert_eq!(t.add_at(0, 30, "c").unwrap(), 1);
        assert_eq!(t.add_at(0, 10, "a").unwrap(), 2);
        assert_eq!(t.add_at(0, 10, "b").unwrap(), 3);
        assert_eq!(t.timeout_at(0), Some(10));
        assert_eq!(t.timeout_at(9 * MS + 1), Some(1)); // rounded up
        assert_eq!(t.timeout_at(50 * MS), Some(0));
        assert!(fired(&t, 9 * MS).is_empty());
        assert_eq!(fired(&t, 10 * MS), vec![(2, "a"), (3, "b")]);
        assert_eq!(t.timeout_at(10 * MS), Some(10));
        // All three due: each runs once, rescheduled from `now`.
        assert_eq!(fired(&t, 35 * MS), vec![(2, "a"), (3, "b"), (1, "c")]);
        assert_eq!(t.timeout_at(35 * MS), Some(10));
        assert!(fired(&t, 44 * MS).is_empty());
    }

    #[test]
    fn interval_zero_runs_once_per_execute() {
        let t = Timers::new();
        assert_eq!(t.add_at(0, 0, "z"), Ok(1));
        assert_eq!(t.timeout_at(0), Some(0));
        assert_eq!(fired(&t, 5 * MS), vec![(1, "z")]);
        // Due again at once, but not within the same execute.
        assert_eq!(t.timeout_at(5 * MS + 1), Some(0));
        assert_eq!(fired(&t, 6 * MS), vec![(1, "z")]);
    }

    #[test]
    fn errors() {
        let t = Timers::new();
        assert_eq!(t.cancel(1), Err(Errno::EINVAL));
        assert_eq!(t.reset(1), Err(Errno::EINVAL));
        assert_eq!(t.set_interval(1, 5), Err(Errno::EINVAL));
        let id = t.add(usize::MAX, ()).unwrap();
        assert!(t.timeout().unwrap() > 1 << 40);
        t.cancel(id).unwrap();
        assert_eq!(t.cancel(id), Err(Errno::EINVAL));
        assert_eq!(t.reset(id), Err(Errno::EINVAL));
        assert_eq!(t.timeout(), None);
        assert!(t.is_empty());
    }

    #[test]
    fn reset_and_set_interval() {
        let t = Timers::new();
        let id = t.add_at(0, 100, "x").unwrap();
        t.reset_at(60 * MS, id).unwrap();
        assert_eq!(t.timeout_at(60 * MS), Some(100));
        assert!(fired(&t, 100 * MS).is_empty());
        t.set_interval_at(100 * MS, id, 20).unwrap();
        assert_eq!(t.timeout_at(100 * MS), Some(20));
        assert_eq!(fired(&t, 120 * MS), vec![(id, "x")]);
        assert_eq!(t.timeout_at(120 * MS), Some(20));
    }

    #[test]
    fn cancel_during_execute() {
        let t: Rc<Timers<i32>> = Rc::new(Timers::new());
        let a = t.add_at(0, 10, 0).unwrap();
        let b = t.add_at(0, 10, 0).unwrap();
        let c = t.add_at(0, 10, 0).unwrap();
        let mut ran = Vec::new();
        // a cancels c (due too) and itself; b adds a timer due "now" by the clock.
        t.execute_at(10 * MS, |id, _| {
            ran.push(id);
            if id == a {
                t.cancel(c).unwrap();
                t.cancel(a).unwrap();
            }
            if id == b {
                t.add_at(10 * MS, 1, 0).unwrap();
            }
        });
        assert_eq!(ran, vec![a, b]);
        assert_eq!(t.len(), 2);
        assert_eq!(t.cancel(a), Err(Errno::EINVAL));
        assert_eq!(t.cancel(c), Err(Errno::EINVAL));
        assert!(!t.is_executing());
    }

    #[test]
    fn nested_execute_runs_each_once() {
        let t: Timers<()> = Timers::new();
        t.add_at(0, 10, ()).unwrap();
        t.add_at(0, 10, ()).unwrap();
        let mut count = 0;
        t.execute_at(10 * MS, |_, _| {
            count += 1;
            assert!(t.is_executing());
            t.execute_at(10 * MS, |_, _| count += 100);
        });
        assert_eq!(count, 101);
    }

    #[test]
    fn real_clock() {
        let t: Timers<()> = Timers::new();
        let start = Instant::now();
        t.add(20, ()).unwrap();
        let mut n = 0;
        while n == 0 {
            std::thread::sleep(std::time::Duration::from_millis(t.timeout().unwrap()));
            t.execute(|_, _| n += 1);
        }
        assert!(start.elapsed() >= std::time::Duration::from_millis(20));
    }
}
