//! Browser sessions: after a token visit or a sign-in, the browser holds a random session id in
//! an `HttpOnly`, `SameSite=Strict` cookie and the server the session it stands for, kept by the
//! id's digest, for a week at most. Restarting the server ends every session.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};

use super::config::Role;
use super::secrets::{digest, random_token, Digest};

/// The value of cookie `name` in `headers`.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// How long a session lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
/// Most sessions held; the oldest goes first beyond it.
const MAX_SESSIONS: usize = 10_000;

/// Who a session is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The user, key or `token`.
    pub name: String,
    /// What they may do.
    pub role: Role,
    expires: Instant,
}

/// The sessions of one server.
#[derive(Debug, Default)]
pub struct Sessions {
    by_digest: Mutex<HashMap<Digest, Session>>,
}

impl Sessions {
    /// Start a session for `name` with `role`; its id, for the cookie.
    pub fn start(&self, name: &str, role: Role) -> String {
        let id = random_token(32);
        let now = Instant::now();
        let mut sessions = self
            .by_digest
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if sessions.len() >= MAX_SESSIONS {
            sessions.retain(|_, session| session.expires > now);
        }
        if sessions.len() >= MAX_SESSIONS {
            let oldest = sessions
                .iter()
                .min_by_key(|(_, session)| session.expires)
                .map(|(key, _)| *key);
            if let Some(oldest) = oldest {
                sessions.remove(&oldest);
            }
        }
        sessions.insert(
            digest(&id),
            Session {
                name: name.to_owned(),
                role,
                expires: now + SESSION_LIFETIME,
            },
        );
        id
    }

    /// The live session with this id.
    pub fn find(&self, id: &str) -> Option<Session> {
        let key = digest(id);
        let mut sessions = self
            .by_digest
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match sessions.get(&key) {
            Some(session) if session.expires > Instant::now() => Some(session.clone()),
            Some(_) => {
                sessions.remove(&key);
                None
            }
            None => None,
        }
    }

    /// End the session with this id.
    pub fn end(&self, id: &str) {
        self.by_digest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&digest(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_found_by_its_id_until_it_ends() {
        let sessions = Sessions::default();
        let id = sessions.start("alice", Role::Producer);
        let found = sessions.find(&id).unwrap();
        assert_eq!((found.name.as_str(), found.role), ("alice", Role::Producer));
        assert!(sessions.find("guessed").is_none());
        sessions.end(&id);
        assert!(sessions.find(&id).is_none());
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; streamviz-3000=xyz".parse().unwrap());
        assert_eq!(cookie(&headers, "streamviz-3000"), Some("xyz"));
        assert_eq!(cookie(&headers, "streamviz-3001"), None);
    }
}
