//! The relay's two threads: the publisher (this server's producers' updates into the stream)
//! and the subscriber (the other servers' out of it, applied here).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redis::Connection;

use super::io::{self, Entry, COMMAND_TIMEOUT, READ_BLOCK};
use super::shared::{Shared, MAX_BUFFERED_BYTES, PUBLISH_INTERVAL, RETRY_INTERVAL};
use crate::clock::stream_id;
use crate::protocol::{config_message, relay_messages, RelayMessage, Relayed};

/// Messages sent in one round trip at most.
const MESSAGES_PER_ROUND_TRIP: usize = 64;

/// What the publisher holds until Redis takes it.
#[derive(Default)]
struct Outbox {
    messages: VecDeque<RelayMessage>,
    bytes: usize,
}

impl Outbox {
    /// Keep a message; beyond [`MAX_BUFFERED_BYTES`] the oldest go, counted in
    /// `messages_lost`.
    fn push(&mut self, message: RelayMessage, shared: &Shared) {
        self.bytes += message.text.len();
        self.messages.push_back(message);
        while self.bytes > MAX_BUFFERED_BYTES && self.messages.len() > 1 {
            if let Some(old) = self.messages.pop_front() {
                self.bytes -= old.text.len();
                shared.messages_lost.fetch_add(1, Ordering::Relaxed);
            }
        }
        shared
            .waiting
            .store(self.messages.len() as u64, Ordering::Relaxed);
    }

    /// Keep a message to go before every other (the configuration, on reconnecting).
    fn push_front(&mut self, message: RelayMessage) {
        self.bytes += message.text.len();
        self.messages.push_front(message);
    }

    /// Send what is kept, a round trip at a time; when Redis fails, what was not sent stays.
    fn send(&mut self, connection: &mut Connection, shared: &Shared) -> redis::RedisResult<()> {
        while !self.messages.is_empty() {
            let n = self.messages.len().min(MESSAGES_PER_ROUND_TRIP);
            io::append(
                connection,
                &shared.options.stream,
                shared.options.max_len,
                (&shared.origin, &shared.run),
                &self.messages.make_contiguous()[..n],
            )?;
            for message in self.messages.drain(..n) {
                self.bytes -= message.text.len();
            }
            shared.published.fetch_add(n as u64, Ordering::Relaxed);
            shared
                .waiting
                .store(self.messages.len() as u64, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// The publisher: every [`PUBLISH_INTERVAL`], take the engine's relay log, encode it outside
/// the lock and append it to the stream; while Redis is away keep it, and on reconnecting send
/// the configuration first.
pub(super) fn publish(shared: &Shared) {
    let mut outbox = Outbox::default();
    let mut connection: Option<Connection> = None;
    let mut retry_at = Instant::now();
    loop {
        let stopping = shared.stopping();
        let take = shared.pipeline.engine().take_relay();
        shared.lost.fetch_add(take.lost, Ordering::Relaxed);
        for message in relay_messages(take) {
            outbox.push(message, shared);
        }
        if connection.is_none() && Instant::now() >= retry_at {
            match io::connect(&shared.client, COMMAND_TIMEOUT) {
                Ok(fresh) => {
                    // Peers may have missed it (Redis restarted, or they joined meanwhile).
                    outbox.push_front(RelayMessage {
                        text: config_message(&shared.pipeline.engine().config_view()),
                        journal: None,
                    });
                    connection = Some(fresh);
                }
                Err(err) => {
                    lost_redis(shared, &err, &shared.out_connected);
                    retry_at = Instant::now() + RETRY_INTERVAL;
                }
            }
        }
        if let Some(open) = connection.as_mut() {
            match outbox.send(open, shared) {
                Ok(()) => connected(shared, &shared.out_connected),
                Err(err) => {
                    lost_redis(shared, &err, &shared.out_connected);
                    connection = None;
                    retry_at = Instant::now() + RETRY_INTERVAL;
                }
            }
        }
        if stopping {
            return;
        }
        std::thread::sleep(PUBLISH_INTERVAL);
    }
}

/// How the subscriber starts reading the stream.
pub(super) enum Start {
    /// An empty dashboard: every peer's configuration, then the whole stream, this server's
    /// own earlier runs' messages too (up to the stream's end when it started).
    CatchUp,
    /// A dashboard of its own (restored from its own database, or built before the relay
    /// started): from where a named server left off, else from the stream's end.
    Resume,
    /// Loaded from a store shared with the peers, which held, per run, its journals up to the
    /// number given: the whole stream is read, and a message is applied when its journal is
    /// later (or its run had stored nothing); messages without a journal only from the
    /// stream's end on.
    Stored(HashMap<String, u64>),
}

/// The subscriber: read the stream from where it left off and apply every other server's
/// messages; a fresh server first takes every peer's configuration and what the stream holds.
pub(super) fn subscribe(shared: &Shared, start: Start) {
    let mut place = Place {
        after: None,
        until: None,
        start,
    };
    let mut connection: Option<Connection> = None;
    let mut kept_at = Instant::now();
    while !shared.stopping() {
        let Some(open) = connection.as_mut() else {
            match io::connect(&shared.client, READ_BLOCK + COMMAND_TIMEOUT) {
                Ok(fresh) => connection = Some(fresh),
                Err(err) => {
                    lost_redis(shared, &err, &shared.in_connected);
                    wait(shared, RETRY_INTERVAL);
                }
            }
            continue;
        };
        let read = start_from(open, shared, &mut place)
            .and_then(|from| io::read_after(open, &shared.options.stream, &from));
        let kept = match read {
            Ok(entries) => {
                connected(shared, &shared.in_connected);
                for entry in entries {
                    place.after = Some(entry.id.clone());
                    if wanted(shared, &place, &entry) {
                        shared.received.fetch_add(1, Ordering::Relaxed);
                        apply_message(shared, &entry.message);
                    }
                }
                keep_place(open, shared, &place, &mut kept_at, false)
            }
            Err(err) => Err(err),
        };
        if let Err(err) = kept {
            lost_redis(shared, &err, &shared.in_connected);
            connection = None;
            wait(shared, RETRY_INTERVAL);
        }
    }
    // A named server keeps its place for its next start.
    if let Some(open) = connection.as_mut() {
        let _ = keep_place(open, shared, &place, &mut kept_at, true);
    }
}

/// Where the subscriber is in the stream.
struct Place {
    /// The last entry read.
    after: Option<String>,
    /// The stream's newest entry when reading started (catching up reads entries up to it
    /// that a reader from the stream's end would not).
    until: Option<(u64, u64)>,
    start: Start,
}

/// A named server writes down where it is in the stream, at most once a second (`now`: at
/// once, as it stops).
fn keep_place(
    connection: &mut Connection,
    shared: &Shared,
    place: &Place,
    kept_at: &mut Instant,
    now: bool,
) -> redis::RedisResult<()> {
    let (Some(name), Some(after)) = (&shared.options.name, &place.after) else {
        return Ok(());
    };
    if !now && kept_at.elapsed() < Duration::from_secs(1) {
        return Ok(());
    }
    *kept_at = Instant::now();
    io::keep_cursor(connection, &shared.options.stream, name, after)
}

/// Where to read from: after the last entry read; the first time, after every peer's
/// configuration is applied, from the stream's start (a fresh server, or one loaded from a
/// shared store), from where a named server was (one that restored a database of its own), or
/// from the stream's end.
fn start_from(
    connection: &mut Connection,
    shared: &Shared,
    place: &mut Place,
) -> redis::RedisResult<String> {
    if let Some(id) = &place.after {
        return Ok(id.clone());
    }
    let stream = &shared.options.stream;
    let catch_up = matches!(place.start, Start::CatchUp);
    for (origin, config) in io::configs(connection, stream)? {
        if origin != shared.origin || catch_up {
            apply_message(shared, &config);
        }
    }
    let newest = io::newest_id(connection, stream)?;
    place.until = Some(stream_id(&newest));
    let id = match (&place.start, &shared.options.name) {
        (Start::CatchUp | Start::Stored(_), _) => "0-0".to_owned(),
        (Start::Resume, Some(name)) if !shared.shared_store => {
            io::cursor(connection, stream, name)?.unwrap_or(newest)
        }
        (Start::Resume, _) => newest,
    };
    place.after = Some(id.clone());
    Ok(id)
}

/// Whether to apply an entry: never one of this run; of this server's earlier runs (its name)
/// only while a fresh start catches up, or when a shared store did not hold it; from a shared
/// store's peers only what the store did not hold when this server loaded it.
fn wanted(shared: &Shared, place: &Place, entry: &Entry) -> bool {
    if entry.run == shared.run {
        return false;
    }
    let own = entry.origin == shared.origin;
    let before_start = place
        .until
        .is_some_and(|until| stream_id(&entry.id) <= until);
    match &place.start {
        Start::CatchUp => !own || before_start,
        Start::Resume => !own,
        Start::Stored(stored) => match entry.journal {
            Some(journal) => stored.get(&entry.run).is_none_or(|&last| journal > last),
            None => !own && !before_start,
        },
    }
}

/// Parse outside the engine lock, apply under it; a refused message is counted and changes
/// nothing.
fn apply_message(shared: &Shared, message: &str) {
    let applied =
        Relayed::parse(message).and_then(|relayed| relayed.apply(&mut shared.pipeline.engine()));
    match applied {
        Ok(n) => {
            shared.applied.fetch_add(n as u64, Ordering::Relaxed);
        }
        Err(err) => {
            shared.refused.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("relay: a message from another server was refused: {err}");
            shared.set_error(Some(format!("a message was refused: {err}")));
        }
    }
}

fn connected(shared: &Shared, flag: &AtomicBool) {
    if !flag.swap(true, Ordering::Relaxed) {
        tracing::info!("relay: connected to {}", shared.redis);
        shared.set_error(None);
        tell_viewers(shared);
    }
}

fn lost_redis(shared: &Shared, err: &redis::RedisError, flag: &AtomicBool) {
    if flag.swap(false, Ordering::Relaxed) {
        shared.disconnects.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            "relay: lost {}: {err}; local only until it is back",
            shared.redis
        );
        tell_viewers(shared);
    }
    shared.set_error(Some(format!("{}: {err}", shared.redis)));
}

/// The engine holds whether both threads reach Redis, for viewers (`stats.relay`).
fn tell_viewers(shared: &Shared) {
    let both =
        shared.out_connected.load(Ordering::Relaxed) && shared.in_connected.load(Ordering::Relaxed);
    shared.pipeline.engine().set_relay_connected(Some(both));
}

/// Sleep up to `time`, waking early when the relay stops.
fn wait(shared: &Shared, time: Duration) {
    let until = Instant::now() + time;
    while !shared.stopping() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
}
