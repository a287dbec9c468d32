//! Pipes: the message queues between two sockets (or, later, a socket and a session).
//!
//! A pipe is a pair of single-producer/single-consumer queues, one per direction, each
//! end owned by one socket. Frames are pushed as they are sent, but a reader only takes a
//! message once its last frame is published (`written` counts complete messages), so a
//! message is delivered whole or not at all.
//!
//! Wake-ups are batched: a reader that finds a queue empty raises `reader_idle`, and only
//! a writer that clears that flag posts `ActivateRead` to the reader's mailbox — one
//! command per idle period, not per message. The high-water mark works the same way in
//! the other direction with `writer_blocked`: as in libzmq, the reader reports how many
//! messages it took every low-water mark's worth (and while the queue is short), and
//! the writer's room is counted from the last report.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock};

use crate::mailbox::Mailbox;
use crate::msg::Msg;
use crate::spsc;

/// Identifies one end of a pipe, unique in the process.
pub type PipeId = u64;

/// What the owner of a pipe end hears from the other end, or is handed.
#[derive(Debug)]
pub enum PipeEvent {
    /// Messages arrived on a pipe whose reader had found it empty.
    ActivateRead(PipeId),
    /// A pipe that was at its high-water mark has room again.
    ActivateWrite(PipeId),
    /// The peer closed the pipe (or hung up); what it sent before stays readable.
    Term(PipeId),
    /// A new pipe: this end is now the recipient's.
    Attach(PipeEnd),
    /// The connection behind a pipe was made again: the recipient repeats what a new
    /// peer needs to know (subscriptions).
    Hiccup(PipeId),
}

/// Whoever owns pipe ends and hears their events: a socket or an I/O thread (through
/// its mailbox), or a socket's monitor.
pub trait Owner: Send + Sync + std::fmt::Debug {
    fn notify(&self, event: PipeEvent);
}

impl<C: From<PipeEvent> + Send + std::fmt::Debug> Owner for Mailbox<C> {
    fn notify(&self, event: PipeEvent) {
        self.send(C::from(event));
    }
}

/// A reader's `ActivateRead`, due but not yet given (see [`PipeEnd::publish`]).
#[must_use]
pub struct Wake {
    owner: Arc<dyn Owner>,
    id: PipeId,
}

impl Wake {
    pub fn send(self) {
        self.owner.notify(PipeEvent::ActivateRead(self.id));
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The writer's side of a queue, on cache lines of its own: the count it publishes
/// every message, and the flag it checks right after. Keeping the flag next to the
/// count means the writer's one locked store brings both in (a separate line for the
/// flag was most of a small message's send cost).
#[derive(Debug, Default)]
#[repr(align(128))]
struct Published {
    /// Complete messages published by the writer.
    written: AtomicU64,
    /// Raised by the reader when it finds the queue empty; the writer that clears it
    /// wakes the reader.
    reader_idle: AtomicBool,
}

/// The reader's side: what it reports consumed (every low-water mark's worth), and the
/// flag it checks as it reads.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Consumed {
    /// Complete messages taken by the reader, as last reported to the writer.
    read: AtomicU64,
    /// Raised by the writer at its high-water mark; the reader that clears it wakes
    /// the writer.
    writer_blocked: AtomicBool,
}

/// One direction of a pipe.
#[derive(Debug)]
struct Queue {
    /// With ZMQ_CONFLATE: only the newest message is kept.
    latest: Option<Mutex<Option<Msg>>>,
    published: Published,
    consumed: Consumed,
}

impl Queue {
    fn new(conflate: bool) -> Self {
        Queue {
            latest: conflate.then(|| Mutex::new(None)),
            published: Published::default(),
            consumed: Consumed::default(),
        }
    }

    /// libzmq 4.3.5's low-water mark (`pipe_t::compute_lwm`): the reader reports its
    /// count to the writer every this many messages.
    fn lwm(hwm: u64) -> u64 {
        hwm.div_ceil(2)
    }
}

/// One side's high-water marks, as its socket's options say now.
#[derive(Debug, Default)]
struct SideHwm {
    sndhwm: AtomicU64,
    rcvhwm: AtomicU64,
    /// False until the side's socket is known (connect before bind).
    known: AtomicBool,
}

impl SideHwm {
    fn set(&self, c: PipeConfig) {
        self.sndhwm.store(c.sndhwm, SeqCst);
        self.rcvhwm.store(c.rcvhwm, SeqCst);
        self.known.store(true, SeqCst);
    }
}

#[derive(Debug)]
struct Shared {
    /// `queues[s]` is written by side `s`.
    queues: [Queue; 2],
    hwms: [SideHwm; 2],
    /// Bumped after every change of `hwms`: each end caches the marks it uses and
    /// recomputes them only when this moved (one load per message instead of the
    /// marks' four and a division).
    hwm_generation: AtomicU64,
    ids: [PipeId; 2],
    /// The mailbox of the socket owning each side; set when that side is attached.
    owners: [OnceLock<Arc<dyn Owner>>; 2],
    closed: [AtomicBool; 2],
    /// The (local, remote) endpoints of the connection the pipe serves, for
    /// ZMQ_EVENT_PIPES_STATS; set by the session at each handshake.
    endpoints: Mutex<(String, String)>,
    /// `disconnect_msgs[s]`: what side `s` sends last when it closes (an inproc
    /// binder's ZMQ_DISCONNECT_MSG, set on the connecting side).
    disconnect_msgs: [OnceLock<Vec<u8>>; 2],
}

/// Options of one side that shape the pipe.
#[derive(Debug, Clone, Copy)]
pub struct PipeConfig {
    pub sndhwm: u64,
    pub rcvhwm: u64,
    pub conflate: bool,
}

/// Creates a pipe between `a` and `b`. Each queue holds `sndhwm` of its writer plus
/// `rcvhwm` of its reader (no limit if either is 0), as libzmq sizes inproc pipes;
/// pass `b = None` while the peer is unknown (connect before bind) and call
/// [`PipeEnd::set_peer_config`] once it is. The marks follow later option changes
/// ([`PipeEnd::set_hwms`]).
pub fn pair(a: PipeConfig, b: Option<PipeConfig>) -> (PipeEnd, PipeEnd) {
    let conflate = a.conflate;
    let first = NEXT_ID.fetch_add(2, SeqCst);
    let ids = [first, first + 1];
    let hwms = [SideHwm::default(), SideHwm::default()];
    hwms[0].set(a);
    if let Some(b) = b {
        hwms[1].set(b);
    }
    let shared = Arc::new(Shared {
        queues: [Queue::new(conflate), Queue::new(conflate)],
        hwms,
        hwm_generation: AtomicU64::new(0),
        ids,
        owners: [OnceLock::new(), OnceLock::new()],
        closed: [AtomicBool::new(false), AtomicBool::new(false)],
        endpoints: Mutex::default(),
        disconnect_msgs: [OnceLock::new(), OnceLock::new()],
    });
    // Queue 0 is written by end 0 and read by end 1; queue 1 the other way.
    let (tx0, rx0) = spsc::channel();
    let (tx1, rx1) = spsc::channel();
    (
        PipeEnd::new(shared.clone(), 0, tx0, rx1),
        PipeEnd::new(shared, 1, tx1, rx0),
    )
}

impl Shared {
    /// The queue side `writer` writes (0 or 1), without a bounds check.
    #[inline]
    fn written_by(&self, writer: usize) -> &Queue {
        let [q0, q1] = &self.queues;
        if writer == 0 {
            q0
        } else {
            q1
        }
    }

    /// Messages the queue written by `writer` may hold; 0 means no limit.
    fn hwm(&self, writer: usize) -> u64 {
        let (w, r) = (&self.hwms[writer], &self.hwms[1 - writer]);
        let snd = w.known.load(SeqCst).then(|| w.sndhwm.load(SeqCst));
        let rcv = r.known.load(SeqCst).then(|| r.rcvhwm.load(SeqCst));
        match (snd, rcv) {
            (Some(0), _) | (_, Some(0)) => 0,
            (Some(s), Some(r)) => s + r,
            (Some(s), None) => s,
            (None, Some(r)) => r,
            (None, None) => 0,
        }
    }
}

/// What reading a pipe into a caller's message gave ([`PipeEnd::read_into`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadInto {
    /// The next frame is in the caller's message (what was there before is dropped).
    Msg,
    Empty,
    Finished,
}

/// What reading a pipe gave.
#[derive(Debug)]
pub enum Read {
    Msg(Msg),
    /// Nothing complete to read now; the pipe is inactive until `ActivateRead`.
    Empty,
    /// The peer closed the pipe and everything it sent has been read.
    Finished,
}

/// One socket's end of a pipe.
#[derive(Debug)]
pub struct PipeEnd {
    shared: Arc<Shared>,
    side: usize,
    /// Complete messages this end has written / taken (mirrors of the atomics).
    written: u64,
    read: u64,
    /// This end's outbound frames (written here, read by the peer) and inbound ones.
    tx: spsc::Producer<Msg>,
    rx: spsc::Consumer<Msg>,
    /// The peer's published count as last loaded: messages below it are known to be
    /// there without touching the shared counter.
    known_written: u64,
    /// Written messages not yet published (`write_batched`).
    unpublished: bool,
    /// In the middle of a multipart message, inbound / outbound.
    reading_more: bool,
    writing_more: bool,
    /// Frames of the multipart message being written, not yet published.
    partial: Vec<Msg>,
    /// The marks as of `Shared::hwm_generation` = `hwm_generation`: the outbound
    /// queue's high-water mark, the inbound queue's low-water mark, and the read count
    /// at which the next consumption report is due (a multiple of that mark).
    hwm_generation: u64,
    out_hwm: u64,
    in_lwm: u64,
    next_report: u64,
    /// The peer's routing id, learnt when the connection was made (ROUTER uses it).
    pub peer_routing_id: Vec<u8>,
    /// The routing id this socket gave the pipe (ROUTER's table key).
    pub routing_id: Vec<u8>,
    /// The endpoint this pipe belongs to, for unbind/disconnect.
    pub endpoint: Option<String>,
}

impl PipeEnd {
    fn new(
        shared: Arc<Shared>,
        side: usize,
        tx: spsc::Producer<Msg>,
        rx: spsc::Consumer<Msg>,
    ) -> Self {
        PipeEnd {
            shared,
            side,
            tx,
            rx,
            written: 0,
            read: 0,
            known_written: 0,
            unpublished: false,
            reading_more: false,
            writing_more: false,
            partial: Vec::new(),
            hwm_generation: u64::MAX,
            out_hwm: 0,
            in_lwm: 0,
            next_report: 0,
            peer_routing_id: Vec::new(),
            routing_id: Vec::new(),
            endpoint: None,
        }
    }

    pub fn id(&self) -> PipeId {
        self.shared.ids[self.side]
    }

    /// The id of the other end.
    pub fn peer_id(&self) -> PipeId {
        self.shared.ids[1 - self.side]
    }

    #[inline]
    fn inbound(&self) -> &Queue {
        self.shared.written_by(1 - self.side)
    }

    #[inline]
    fn outbound(&self) -> &Queue {
        self.shared.written_by(self.side)
    }

    /// Binds this end to its owning socket's mailbox, so the peer can wake it.
    pub fn attach(&self, owner: Arc<dyn Owner>) {
        let _ = self.shared.owners[self.side].set(owner);
    }

    /// Completes the queue sizes once a pending connection meets its binder.
    pub fn set_peer_config(&self, own: PipeConfig, peer: PipeConfig) {
        self.shared.hwms[self.side].set(own);
        self.shared.hwms[1 - self.side].set(peer);
        self.shared.hwm_generation.fetch_add(1, SeqCst);
    }

    /// Brings the cached marks up to date with the sockets' options.
    #[inline]
    fn refresh_marks(&mut self) {
        let generation = self.shared.hwm_generation.load(SeqCst);
        if generation != self.hwm_generation {
            self.recompute_marks(generation);
        }
    }

    #[inline(never)]
    fn recompute_marks(&mut self, generation: u64) {
        self.hwm_generation = generation;
        self.out_hwm = self.shared.hwm(self.side);
        self.in_lwm = Queue::lwm(self.shared.hwm(1 - self.side));
        // The first multiple of the mark not below what was read (at worst one report
        // early, which only tells the writer its true room sooner).
        if self.in_lwm != 0 {
            self.next_report = self.read.max(1).div_ceil(self.in_lwm) * self.in_lwm;
        }
    }

    /// The owning socket changed ZMQ_SNDHWM / ZMQ_RCVHWM. A peer blocked on the old
    /// limit is told to try again.
    pub fn set_hwms(&self, sndhwm: u64, rcvhwm: u64) {
        let h = &self.shared.hwms[self.side];
        h.sndhwm.store(sndhwm, SeqCst);
        h.rcvhwm.store(rcvhwm, SeqCst);
        self.shared.hwm_generation.fetch_add(1, SeqCst);
        if self.inbound().consumed.writer_blocked.swap(false, SeqCst) {
            self.notify_peer(PipeEvent::ActivateWrite);
        }
    }

    fn notify_peer(&self, event: impl FnOnce(PipeId) -> PipeEvent) {
        if let Some(owner) = self.shared.owners[1 - self.side].get() {
            owner.notify(event(self.shared.ids[1 - self.side]));
        }
    }

    /// Whether a message can be started now (the high-water mark not reached). When not,
    /// the peer will post `ActivateWrite` once there is room.
    pub fn check_write(&mut self) -> bool {
        if self.peer_closed() {
            return false;
        }
        if self.writing_more {
            return true;
        }
        self.refresh_marks();
        let hwm = self.out_hwm;
        let q = self.outbound();
        if hwm == 0 || q.latest.is_some() || self.written - q.consumed.read.load(SeqCst) < hwm {
            return true;
        }
        q.consumed.writer_blocked.store(true, SeqCst);
        // Re-check: the reader may have drained the queue before seeing the flag.
        self.written - q.consumed.read.load(SeqCst) < hwm
    }

    /// Queues a frame; the message becomes visible to the reader with its last frame.
    /// Callers check [`check_write`](Self::check_write) before a message's first frame.
    pub fn write(&mut self, msg: Msg) {
        let more = msg.more();
        let q = self.outbound();
        match &q.latest {
            Some(latest) => {
                // Conflation keeps single-part messages only, as libzmq documents.
                if !more {
                    *latest.lock().unwrap_or_else(|e| e.into_inner()) = Some(msg);
                }
            }
            // The frames of a multipart message wait here until its last one, so an
            // unfinished message can be rolled back (a connection died mid-message).
            None if more => self.partial.push(msg),
            None => {
                if !self.partial.is_empty() {
                    for f in self.partial.drain(..) {
                        self.tx.push(f);
                    }
                }
                self.tx.push(msg);
            }
        }
        self.writing_more = more;
        if !more {
            self.written += 1;
            self.flush();
        }
    }

    /// Like `write`, but whole messages stay unseen by the reader until `flush`: an
    /// I/O thread delivering a batch of decoded messages publishes (and wakes the
    /// reader) once per batch, not once per message.
    pub fn write_batched(&mut self, msg: Msg) {
        let more = msg.more();
        let q = self.outbound();
        match &q.latest {
            Some(_) => return self.write(msg),
            None if more => self.partial.push(msg),
            None => {
                if !self.partial.is_empty() {
                    for f in self.partial.drain(..) {
                        self.tx.push(f);
                    }
                }
                self.tx.push(msg);
                self.written += 1;
                self.unpublished = true;
            }
        }
        self.writing_more = more;
    }

    /// Publishes what `write_batched` queued, waking an idle reader.
    pub fn flush(&mut self) {
        if let Some(wake) = self.publish() {
            wake.send();
        }
    }

    /// Publishes like `flush`, but hands the idle reader's wake-up (if one is due) to
    /// the caller, to give once it has released what the woken reader may need.
    pub fn publish(&mut self) -> Option<Wake> {
        self.unpublished = false;
        let q = self.outbound();
        q.published.written.store(self.written, SeqCst);
        if q.published.reader_idle.load(SeqCst) && q.published.reader_idle.swap(false, SeqCst) {
            let owner = self.shared.owners[1 - self.side].get()?;
            return Some(Wake {
                owner: owner.clone(),
                id: self.shared.ids[1 - self.side],
            });
        }
        None
    }

    /// Whether `write_batched` left messages to `flush`.
    pub fn has_unpublished(&self) -> bool {
        self.unpublished
    }

    /// Whether a frame can be read now, without taking it.
    #[inline]
    pub fn check_read(&mut self) -> bool {
        if self.reading_more {
            return true;
        }
        if self.known_written > self.read {
            return true;
        }
        let q = self.shared.written_by(1 - self.side);
        if let Some(latest) = &q.latest {
            return latest.lock().unwrap_or_else(|e| e.into_inner()).is_some();
        }
        self.known_written = q.published.written.load(SeqCst);
        if self.known_written > self.read {
            return true;
        }
        // Raised once per idle period: writing it again while raised would only pull
        // its cache line away from the writer, which reads it on every message.
        if !q.published.reader_idle.load(SeqCst) {
            q.published.reader_idle.store(true, SeqCst);
        }
        // Re-check: the writer may have published before seeing the flag.
        self.known_written = q.published.written.load(SeqCst);
        self.known_written > self.read
    }

    /// Takes the next frame into `out`, straight from the queue (a receive copies the
    /// message once, into the caller's `zmq_msg_t`); `out` is untouched unless a frame
    /// was read.
    #[inline]
    // The queue's pop without a check is the reason pipes are fast; `check_read` is
    // that check, so the two calls below are the audited exception to the crate's rule.
    #[allow(unsafe_code)]
    pub fn read_into(&mut self, out: &mut Msg) -> ReadInto {
        if !self.check_read() {
            return self.nothing_to_read();
        }
        match &self.inbound().latest {
            Some(latest) => match latest.lock().unwrap_or_else(|e| e.into_inner()).take() {
                Some(m) => *out = m,
                // A conflated queue emptied meanwhile: nothing to read.
                None => return ReadInto::Empty,
            },
            // SAFETY: `check_read` saw a message (or the rest of one) published: the
            // writer pushed its frames before the SeqCst store of `written` that this
            // end loaded (SeqCst) since.
            None => unsafe { self.rx.pop_published_into(out) },
        }
        self.frame_taken(out.more());
        ReadInto::Msg
    }

    /// Takes the next frame of the current or next complete message.
    #[allow(unsafe_code)]
    pub fn read(&mut self) -> Read {
        if !self.check_read() {
            return match self.nothing_to_read() {
                ReadInto::Finished => Read::Finished,
                _ => Read::Empty,
            };
        }
        let msg = match &self.inbound().latest {
            Some(latest) => latest.lock().unwrap_or_else(|e| e.into_inner()).take(),
            // SAFETY: as in `read_into`.
            None => Some(unsafe { self.rx.pop_published() }),
        };
        let Some(msg) = msg else {
            return Read::Empty;
        };
        self.frame_taken(msg.more());
        Read::Msg(msg)
    }

    #[inline]
    fn nothing_to_read(&self) -> ReadInto {
        if self.peer_closed() {
            ReadInto::Finished
        } else {
            ReadInto::Empty
        }
    }

    /// Bookkeeping after a frame was taken: a message ends with its last frame.
    #[inline]
    fn frame_taken(&mut self, more: bool) {
        self.reading_more = more;
        if more {
            return;
        }
        self.read += 1;
        // The writer counts its room from `q.consumed.read`, which is reported as libzmq's
        // reader does: every `lwm` messages (so a reader that stops short of the
        // low-water mark, like a session whose connection is full, still lets the
        // writer refill what it took), and at once without a limit. A writer
        // blocked at its high-water mark is woken by each report; it always has
        // `lwm` messages ahead of the last one, unless the marks changed meanwhile:
        // then the queue running dry reports too.
        self.refresh_marks();
        let lwm = self.in_lwm;
        let due = lwm == 0 || self.read >= self.next_report;
        if due && lwm != 0 {
            self.next_report = (self.read / lwm + 1) * lwm;
        }
        let q = self.inbound();
        if due
            || (q.consumed.writer_blocked.load(SeqCst)
                && q.published.written.load(SeqCst) == self.read)
        {
            q.consumed.read.store(self.read, SeqCst);
            if q.consumed.writer_blocked.load(SeqCst)
                && q.consumed.writer_blocked.swap(false, SeqCst)
            {
                self.notify_peer(PipeEvent::ActivateWrite);
            }
        }
    }

    /// Messages queued towards the peer and not yet read, as far as this end knows
    /// (libzmq's count for `zmq_socket_monitor_pipes_stats`).
    pub fn outbound_depth(&self) -> u64 {
        self.written - self.outbound().consumed.read.load(SeqCst)
    }

    /// Messages queued by the peer and not yet read here, as far as the peer knows
    /// (libzmq's count for `zmq_socket_monitor_pipes_stats`).
    pub fn inbound_depth(&self) -> u64 {
        let q = self.inbound();
        q.published
            .written
            .load(SeqCst)
            .saturating_sub(q.consumed.read.load(SeqCst))
    }

    /// Records the endpoints of the connection the pipe now serves.
    pub fn set_endpoints(&self, local: &str, remote: &str) {
        let mut e = self
            .shared
            .endpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *e = (local.to_owned(), remote.to_owned());
    }

    /// The (local, remote) endpoints of the pipe's connection (empty when unknown).
    pub fn endpoints(&self) -> (String, String) {
        let e = self
            .shared
            .endpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        e.clone()
    }

    /// Discards the unfinished multipart message being written (libzmq's rollback): its
    /// frames were never published, so the reader never sees them.
    pub fn rollback(&mut self) {
        self.partial.clear();
        self.writing_more = false;
    }

    /// In the middle of reading a multipart message.
    pub fn reading_more(&self) -> bool {
        self.reading_more
    }

    pub fn peer_closed(&self) -> bool {
        self.shared.closed[1 - self.side].load(SeqCst)
    }

    /// An inproc binder with ZMQ_DISCONNECT_MSG: the other (connecting) end will send
    /// `msg` as its last message when it closes, in place of any unfinished one.
    pub fn set_peer_disconnect_msg(&self, msg: &[u8]) {
        if !msg.is_empty() {
            let _ = self.shared.disconnect_msgs[1 - self.side].set(msg.to_vec());
        }
    }

    /// Closes this end: the peer may still read what was sent, then finishes.
    pub fn close(mut self) {
        if self.unpublished {
            self.flush();
        }
        if let Some(msg) = self.shared.disconnect_msgs[self.side].get() {
            if !self.peer_closed() {
                let msg = Msg::from_slice(msg);
                self.rollback();
                self.write(msg);
            }
        }
        if !self.shared.closed[self.side].swap(true, SeqCst) {
            self.notify_peer(PipeEvent::Term);
        }
    }

    /// This end writes no more and asks the peer to close: the peer reads what is
    /// left, stops writing and closes its end, while this end still reads the peer's
    /// backlog until `Finished` (a session flushing what its socket queued before an
    /// unbind or disconnect).
    pub fn hang_up(&mut self) {
        if self.unpublished {
            self.flush();
        }
        self.rollback();
        if !self.shared.closed[self.side].swap(true, SeqCst) {
            self.notify_peer(PipeEvent::Term);
        }
    }

    /// Whether the peer closed and nothing complete is left to read.
    pub fn is_finished(&mut self) -> bool {
        self.peer_closed() && !self.check_read()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(hwm: u64) -> PipeConfig {
        PipeConfig {
            sndhwm: hwm,
            rcvhwm: hwm,
            conflate: false,
        }
    }

    fn frame(data: &[u8], more: bool) -> Msg {
        let mut m = Msg::from_slice(data);
        m.set_more(more);
        m
    }

    #[test]
    fn multipart_is_visible_only_when_complete() {
        let (mut a, mut b) = pair(cfg(10), Some(cfg(10)));
        a.write(frame(b"1", true));
        assert!(matches!(b.read(), Read::Empty));
        a.write(frame(b"2", false));
        let Read::Msg(m) = b.read() else { panic!() };
        assert_eq!((m.data(), m.more()), (&b"1"[..], true));
        let Read::Msg(m) = b.read() else { panic!() };
        assert_eq!((m.data(), m.more()), (&b"2"[..], false));
        assert!(matches!(b.read(), Read::Empty));
    }

    #[test]
    fn hwm_is_the_sum_of_both_sides() {
        let (mut a, mut b) = pair(cfg(3), Some(cfg(2)));
        let mut sent = 0;
        while a.check_write() {
            a.write(frame(b"x", false));
            sent += 1;
        }
        assert_eq!(sent, 5);
        // The reader reports every low-water mark (3) messages, as libzmq's does.
        assert!(matches!(b.read(), Read::Msg(_)));
        assert!(!a.check_write());
        assert!(matches!(b.read(), Read::Msg(_)));
        assert!(matches!(b.read(), Read::Msg(_)));
        assert!(a.check_write());
        let (mut a, _b) = pair(cfg(0), Some(cfg(2)));
        for _ in 0..10_000 {
            assert!(a.check_write());
            a.write(frame(b"x", false));
        }
    }

    #[test]
    fn marks_changed_in_use_take_effect_at_once() {
        let (mut a, mut b) = pair(cfg(2), Some(cfg(2)));
        for _ in 0..4 {
            assert!(a.check_write());
            a.write(frame(b"x", false));
        }
        assert!(!a.check_write());
        // The writer's socket raises its mark: room again without a read.
        a.set_hwms(10, 2);
        assert!(a.check_write());
        for _ in 0..8 {
            a.write(frame(b"x", false));
        }
        assert!(!a.check_write());
        // The reader's socket lifts its limit: no limit, and each read is reported.
        b.set_hwms(1, 0);
        assert!(a.check_write());
        assert!(matches!(b.read(), Read::Msg(_)));
        // A limit again: 10 + 1, 11 of 12 still queued; reports every 6 reads.
        b.set_hwms(1, 1);
        assert!(!a.check_write());
        for _ in 0..4 {
            assert!(matches!(b.read(), Read::Msg(_)));
        }
        assert!(!a.check_write());
        assert!(matches!(b.read(), Read::Msg(_)));
        assert!(a.check_write(), "6 read, reported");
        for _ in 0..6 {
            assert!(matches!(b.read(), Read::Msg(_)));
        }
        assert!(matches!(b.read(), Read::Empty));
    }

    #[test]
    fn reader_idle_wakes_once_per_batch() {
        let (mut a, mut b) = pair(cfg(100), Some(cfg(100)));
        let mb = Arc::new(Mailbox::<PipeEvent>::new().unwrap());
        b.attach(mb.clone());
        assert!(matches!(b.read(), Read::Empty));
        for _ in 0..10 {
            a.write(frame(b"x", false));
        }
        let mut cmds = 0;
        mb.drain(|c| {
            assert!(matches!(c, PipeEvent::ActivateRead(id) if id == b.id()));
            cmds += 1;
        });
        assert_eq!(cmds, 1);
    }

    #[test]
    fn batched_writes_appear_at_flush_with_one_wakeup() {
        let (mut a, mut b) = pair(cfg(100), Some(cfg(100)));
        let mb = Arc::new(Mailbox::<PipeEvent>::new().unwrap());
        b.attach(mb.clone());
        assert!(matches!(b.read(), Read::Empty));
        for i in 0..5u8 {
            a.write_batched(frame(&[i], false));
        }
        assert!(a.has_unpublished());
        assert!(matches!(b.read(), Read::Empty), "unseen before the flush");
        assert!(!mb.wait(Some(std::time::Duration::ZERO)).unwrap());
        a.flush();
        let mut cmds = 0;
        mb.drain(|_| cmds += 1);
        assert_eq!(cmds, 1);
        for i in 0..5u8 {
            assert!(matches!(b.read(), Read::Msg(m) if m.data() == [i]));
        }
        // Closing publishes what is left.
        a.write_batched(frame(b"last", false));
        a.close();
        assert!(matches!(b.read(), Read::Msg(m) if m.data() == b"last"));
        assert!(matches!(b.read(), Read::Finished));
    }

    #[test]
    fn closed_pipe_delivers_backlog_then_finishes() {
        let (mut a, mut b) = pair(cfg(10), Some(cfg(10)));
        a.write(frame(b"last words", false));
        a.write(frame(b"unfinished", true));
        a.close();
        assert!(matches!(b.read(), Read::Msg(_)));
        assert!(matches!(b.read(), Read::Finished));
        assert!(!b.check_write());
    }

    #[test]
    fn conflate_keeps_the_newest() {
        let c = PipeConfig {
            sndhwm: 1,
            rcvhwm: 1,
            conflate: true,
        };
        let (mut a, mut b) = pair(c, Some(c));
        for i in 0..5u8 {
            assert!(a.check_write());
            a.write(frame(&[i], false));
        }
        let Read::Msg(m) = b.read() else { panic!() };
        assert_eq!(m.data(), &[4]);
        assert!(matches!(b.read(), Read::Empty));
    }
}
