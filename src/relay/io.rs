//! Talking to Redis: the client from a URL (credentials never shown), connections with
//! timeouts, appending messages to the stream, reading entries after an id, and the hash of
//! each origin's configuration.

use std::time::Duration;

use redis::{Client, Connection, Value};

use super::shared::RelayError;
use crate::protocol::{is_config_message, RelayMessage};
use crate::urls::without_password;

/// How long connecting, and a command other than a blocking read, may take.
pub(super) const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a read waits for new entries before looking whether the relay is stopping.
pub(super) const READ_BLOCK: Duration = Duration::from_millis(200);
/// Entries read at most at once.
const READ_COUNT: usize = 256;

/// A client for a `redis://` URL; anything else is refused with the reason.
pub(super) fn client(url: &str) -> Result<Client, RelayError> {
    if !url.starts_with("redis://") {
        return Err(RelayError::Url(format!(
            "{:?} is not a redis:// URL",
            without_password(url)
        )));
    }
    Client::open(url).map_err(|err| RelayError::Url(format!("{}: {err}", without_password(url))))
}

/// A connection whose commands time out; `read` is the read timeout (a blocking read's block
/// plus the command timeout).
pub(super) fn connect(client: &Client, read: Duration) -> redis::RedisResult<Connection> {
    let connection = client.get_connection_with_timeout(COMMAND_TIMEOUT)?;
    connection.set_read_timeout(Some(read))?;
    connection.set_write_timeout(Some(COMMAND_TIMEOUT))?;
    Ok(connection)
}

/// Append `messages` to the stream in one round trip, each with its origin (the server), run
/// (this start of it) and, with a shared store, the journal that stores its updates (`j`); a
/// configuration is also kept in the hash `<stream>:config` under the origin.
pub(super) fn append(
    connection: &mut Connection,
    stream: &str,
    max_len: usize,
    (origin, run): (&str, &str),
    messages: &[RelayMessage],
) -> redis::RedisResult<()> {
    let mut pipe = redis::pipe();
    for RelayMessage {
        text: message,
        journal,
    } in messages
    {
        let xadd = pipe.cmd("XADD");
        xadd.arg(stream)
            .arg("MAXLEN")
            .arg("~")
            .arg(max_len)
            .arg("*")
            .arg("o")
            .arg(origin)
            .arg("r")
            .arg(run)
            .arg("m")
            .arg(message);
        if let Some(journal) = journal {
            xadd.arg("j").arg(journal);
        }
        xadd.ignore();
        if is_config_message(message) {
            pipe.cmd("HSET")
                .arg(config_key(stream))
                .arg(origin)
                .arg(message)
                .ignore();
        }
    }
    pipe.query::<()>(connection)
}

fn config_key(stream: &str) -> String {
    format!("{stream}:config")
}

/// Every origin's latest configuration: `(origin, message)`.
pub(super) fn configs(
    connection: &mut Connection,
    stream: &str,
) -> redis::RedisResult<Vec<(String, String)>> {
    redis::cmd("HGETALL")
        .arg(config_key(stream))
        .query::<Vec<(String, String)>>(connection)
}

fn cursors_key(stream: &str) -> String {
    format!("{stream}:cursors")
}

/// Where a named server had read the stream to, if it kept its place.
pub(super) fn cursor(
    connection: &mut Connection,
    stream: &str,
    name: &str,
) -> redis::RedisResult<Option<String>> {
    redis::cmd("HGET")
        .arg(cursors_key(stream))
        .arg(name)
        .query(connection)
}

/// Keep a named server's place in the stream.
pub(super) fn keep_cursor(
    connection: &mut Connection,
    stream: &str,
    name: &str,
    id: &str,
) -> redis::RedisResult<()> {
    redis::cmd("HSET")
        .arg(cursors_key(stream))
        .arg(name)
        .arg(id)
        .query(connection)
}

/// The id of the stream's newest entry, or `0-0` when it has none.
pub(super) fn newest_id(connection: &mut Connection, stream: &str) -> redis::RedisResult<String> {
    let reply: Value = redis::cmd("XREVRANGE")
        .arg(stream)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query(connection)?;
    Ok(entries(reply)
        .into_iter()
        .next()
        .map_or_else(|| "0-0".into(), |entry| entry.id))
}

/// One entry of the stream.
pub(super) struct Entry {
    pub id: String,
    pub origin: String,
    pub run: String,
    pub message: String,
    /// The journal that stores its updates, when its server's store is shared.
    pub journal: Option<u64>,
}

/// Entries after `after`, waiting up to [`READ_BLOCK`] for some.
pub(super) fn read_after(
    connection: &mut Connection,
    stream: &str,
    after: &str,
) -> redis::RedisResult<Vec<Entry>> {
    let reply: Value = redis::cmd("XREAD")
        .arg("COUNT")
        .arg(READ_COUNT)
        .arg("BLOCK")
        .arg(READ_BLOCK.as_millis() as u64)
        .arg("STREAMS")
        .arg(stream)
        .arg(after)
        .query(connection)?;
    // [[key, [entry...]]] (a map of key → entries in RESP3); nil when none came.
    let streams = match reply {
        Value::Array(streams) => streams
            .into_iter()
            .filter_map(|s| match s {
                Value::Array(mut pair) if pair.len() == 2 => pair.pop(),
                _ => None,
            })
            .collect(),
        Value::Map(pairs) => pairs.into_iter().map(|(_, entries)| entries).collect(),
        _ => Vec::new(),
    };
    Ok(streams.into_iter().flat_map(entries).collect())
}

/// The entries of an `XRANGE`-shaped reply: `[[id, [field, value, ...]], ...]`.
fn entries(reply: Value) -> Vec<Entry> {
    let Value::Array(items) = reply else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|item| {
            let Value::Array(mut parts) = item else {
                return None;
            };
            if parts.len() != 2 {
                return None;
            }
            let fields = parts.pop()?;
            let id = text(parts.pop()?)?;
            let (mut origin, mut run, mut message, mut journal) = (None, None, None, None);
            let fields = match fields {
                Value::Array(fields) => fields,
                Value::Map(pairs) => pairs.into_iter().flat_map(|(k, v)| [k, v]).collect(),
                _ => return None,
            };
            let mut fields = fields.into_iter();
            while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
                match text(name).as_deref() {
                    Some("o") => origin = text(value),
                    Some("r") => run = text(value),
                    Some("m") => message = text(value),
                    Some("j") => journal = text(value).and_then(|j| j.parse().ok()),
                    _ => {}
                }
            }
            Some(Entry {
                id,
                origin: origin.unwrap_or_default(),
                run: run.unwrap_or_default(),
                message: message.unwrap_or_default(),
                journal,
            })
        })
        .collect()
}

fn text(value: Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes).ok(),
        Value::SimpleString(text) => Some(text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_that_is_not_redis_is_refused_without_its_password() {
        let refused = client("http://user:s3cret@h/").unwrap_err().to_string();
        assert!(
            refused.contains("not a redis:// URL") && !refused.contains("s3cret"),
            "{refused}"
        );
    }
}
