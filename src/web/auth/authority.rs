//! The authentication of one server ([`Auth`]): who holds which credentials, its sessions, its
//! embed secret and its count of failures, and the [`Refusal`] of what a request presented.

use std::collections::HashMap;
use std::net::IpAddr;

use super::config::{AuthConfig, Role};
use super::embed::{EmbedError, EmbedSigner};
use super::limiter::Limiter;
use super::policy::Principal;
use super::secrets::{digest, hash_password, same, verify_password, Digest};
use super::sessions::{self, Sessions};

/// What a request presented and was refused for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Nothing usable: sign in.
    Missing,
    /// Credentials that are wrong (counted against the address).
    Wrong(String),
    /// An expired session (not counted: the browser just held on to it).
    Expired,
}

/// The authentication state of one server.
#[derive(Debug)]
pub struct Auth {
    /// `None`: authentication is off.
    config: Option<Credentials>,
    sessions: Sessions,
    embeds: EmbedSigner,
    limiter: Limiter,
    /// The session cookie's name, with the port so two servers on one host keep theirs apart.
    cookie: String,
    /// Cookies only over TLS.
    secure: bool,
    /// Bumped when the embed secret rotates: open embed connections close.
    embeds_revoked: tokio::sync::watch::Sender<u64>,
}

#[derive(Debug)]
struct Credentials {
    token: Option<(String, Digest)>,
    users: HashMap<String, (String, Role)>,
    keys: Vec<(String, Digest, Role)>,
}

/// A hash to check against when the user is unknown, so that an unknown name takes as long to
/// refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy").unwrap_or_default())
}

impl Auth {
    /// Authentication as `config` says (`None`: off), for a server on `port`, over TLS when
    /// `secure`.
    pub fn new(config: Option<AuthConfig>, port: u16, secure: bool) -> Self {
        let config = config.map(|c| Credentials {
            token: c.token.map(|t| {
                let d = digest(&t);
                (t, d)
            }),
            users: c
                .users
                .into_iter()
                .map(|u| (u.name, (u.password_hash, u.role)))
                .collect(),
            keys: c
                .api_keys
                .into_iter()
                .map(|k| (k.name, k.digest, k.role))
                .collect(),
        });
        Self {
            config,
            sessions: Sessions::default(),
            embeds: EmbedSigner::default(),
            limiter: Limiter::default(),
            cookie: format!("streamviz-{port}"),
            secure,
            embeds_revoked: tokio::sync::watch::Sender::new(0),
        }
    }

    /// Whether requests must authenticate.
    pub fn enabled(&self) -> bool {
        self.config.is_some()
    }

    /// Whether users sign in with a name and password.
    pub fn has_users(&self) -> bool {
        self.config.as_ref().is_some_and(|c| !c.users.is_empty())
    }

    /// The access token, in token mode (for the URL that carries it).
    pub fn token(&self) -> Option<&str> {
        self.config
            .as_ref()?
            .token
            .as_ref()
            .map(|(t, _)| t.as_str())
    }

    /// A token that opens `widget` read-only until `expires` (epoch seconds; 0: until the
    /// embed secret rotates).
    pub fn embed_token(&self, widget: &str, expires: u64) -> String {
        self.embeds.sign(widget, expires)
    }

    /// Revoke every embed token, and end the connections opened with one.
    pub fn rotate_embed_secret(&self) {
        self.embeds.rotate();
        self.embeds_revoked
            .send_modify(|generation| *generation += 1);
    }

    /// Changes when embed tokens are revoked.
    pub fn embeds_revoked(&self) -> tokio::sync::watch::Receiver<u64> {
        self.embeds_revoked.subscribe()
    }

    /// Who holds the token or API key `secret`.
    pub fn by_secret(&self, secret: &str) -> Option<Principal> {
        let config = self.config.as_ref()?;
        let presented = digest(secret);
        // Every candidate is compared, so the time taken does not say which one matched.
        let mut found = None;
        if let Some((_, token)) = &config.token {
            if same(token, &presented) {
                found = Some(Principal::Member {
                    name: "token".into(),
                    role: Role::Admin,
                });
            }
        }
        for (name, key, role) in &config.keys {
            if same(key, &presented) && found.is_none() {
                found = Some(Principal::Member {
                    name: name.clone(),
                    role: *role,
                });
            }
        }
        found
    }

    /// Who `user` is, if `password` is theirs.
    pub fn by_password(&self, user: &str, password: &str) -> Option<Principal> {
        let config = self.config.as_ref()?;
        match config.users.get(user) {
            Some((hash, role)) if verify_password(password, hash) => Some(Principal::Member {
                name: user.to_owned(),
                role: *role,
            }),
            Some(_) => None,
            None => {
                verify_password(password, decoy_hash());
                None
            }
        }
    }

    /// The principal of a session id.
    pub fn by_session(&self, id: &str) -> Option<Principal> {
        self.sessions.find(id).map(|s| Principal::Member {
            name: s.name,
            role: s.role,
        })
    }

    /// The widget an embed token opens now.
    pub fn by_embed(&self, token: &str) -> Result<Principal, EmbedError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.embeds
            .verify(token, now)
            .map(|widget| Principal::Embed { widget })
    }

    /// A session for `principal` (a member); the `Set-Cookie` value that holds it.
    pub fn start_session(&self, principal: &Principal) -> Option<String> {
        let Principal::Member { name, role } = principal else {
            return None;
        };
        let id = self.sessions.start(name, *role);
        Some(format!(
            "{}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
            self.cookie,
            sessions::SESSION_LIFETIME.as_secs(),
            if self.secure { "; Secure" } else { "" }
        ))
    }

    /// End the session `id`; the `Set-Cookie` value that clears the cookie.
    pub fn end_session(&self, id: Option<&str>) -> String {
        if let Some(id) = id {
            self.sessions.end(id);
        }
        format!(
            "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
            self.cookie,
            if self.secure { "; Secure" } else { "" }
        )
    }

    /// The session cookie's name.
    pub fn cookie_name(&self) -> &str {
        &self.cookie
    }

    /// How long `source` must wait after failing too often, in whole seconds.
    pub fn blocked(&self, source: IpAddr) -> Option<u64> {
        self.limiter.blocked(source)
    }

    /// Count a failed attempt from `source`.
    pub fn failed(&self, source: IpAddr) {
        self.limiter.fail(source);
    }
}
