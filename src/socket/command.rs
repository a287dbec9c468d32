//! What a socket's mailbox carries: its pipes' events and the context's stop.

use crate::mailbox::Mailbox;
use crate::pipe::PipeEvent;

#[derive(Debug)]
pub enum Command {
    Pipe(PipeEvent),
    /// The context is terminating: blocking calls return ETERM.
    Stop,
}

impl From<PipeEvent> for Command {
    fn from(e: PipeEvent) -> Self {
        Command::Pipe(e)
    }
}

impl crate::ctx::Stop for Mailbox<Command> {
    fn stop(&self) {
        self.send(Command::Stop);
    }
}
