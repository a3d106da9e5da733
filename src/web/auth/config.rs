//! Who may use a server, as its owner declares it: a token (`auth="token"`), users with
//! passwords and API keys, each with a [`Role`]. Parsed from the JSON that Python's
//! `sv.start(auth=...)`/`sv.configure(auth=...)` and `streamviz serve --auth FILE` give, in the
//! vision's shape (`{"type": "basic", "users": {...}}`); passwords are hashed with argon2 on the
//! way in and never kept in clear.

use std::fmt;

use serde_json::{Map, Value};

use super::secrets::{digest, hash_password, is_password_hash, random_token, Digest};

pub use crate::protocol::TOKEN_ENV;

/// Most users and keys in one configuration.
const MAX_PRINCIPALS: usize = 1000;
/// Shortest token or API key accepted: they are compared as SHA-256 digests, which is safe only
/// for long random strings.
const MIN_SECRET_LEN: usize = 16;
/// Longest password, key or token.
const MAX_SECRET_LEN: usize = 1024;

/// What an authenticated principal may do; each role may do everything the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Read the dashboard, its data and exports.
    Viewer,
    /// Also push declarations and data.
    Producer,
    /// Everything, including rotating the embed secret (and, to come, controls and alerts).
    Admin,
}

impl Role {
    /// The role called `name` (`viewer`, `producer`, `admin`).
    pub fn from_name(name: &str) -> Result<Self, String> {
        match name {
            "viewer" => Ok(Self::Viewer),
            "producer" => Ok(Self::Producer),
            "admin" => Ok(Self::Admin),
            other => Err(format!(
                "role {other:?} is not one of viewer, producer, admin"
            )),
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Producer => "producer",
            Self::Admin => "admin",
        }
    }
}

/// A user who signs in with a password.
#[derive(Clone)]
pub struct User {
    /// The user name.
    pub name: String,
    /// The argon2 hash of the password (PHC string).
    pub password_hash: String,
    /// What the user may do.
    pub role: Role,
}

/// A key a program sends as `Authorization: Bearer KEY`.
#[derive(Clone)]
pub struct ApiKey {
    /// A name for logs and `whoami`.
    pub name: String,
    /// SHA-256 of the key.
    pub digest: Digest,
    /// What the key may do.
    pub role: Role,
}

/// Who may use a server. Empty (no token, users or keys) means nobody signs in: see
/// `ServerOptions::auth` for when that is allowed.
#[derive(Clone, Default)]
pub struct AuthConfig {
    /// The access token (admin role), in clear: the server's URL carries it.
    pub token: Option<String>,
    /// Users with passwords.
    pub users: Vec<User>,
    /// API keys.
    pub api_keys: Vec<ApiKey>,
}

impl fmt::Debug for AuthConfig {
    // Never the token or the hashes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("token", &self.token.as_ref().map(|_| "…"))
            .field(
                "users",
                &self.users.iter().map(|u| &u.name).collect::<Vec<_>>(),
            )
            .field(
                "api_keys",
                &self.api_keys.iter().map(|k| &k.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl AuthConfig {
    /// Token access with `token`, or `$STREAMVIZ_TOKEN`, or a new random one.
    pub fn with_token(token: Option<String>) -> Result<Self, String> {
        let token = match token.or_else(|| std::env::var(TOKEN_ENV).ok()) {
            Some(token) => check_secret("token", token)?,
            None => random_token(32),
        };
        Ok(Self {
            token: Some(token),
            ..Self::default()
        })
    }

    /// Whether anybody can sign in at all.
    pub fn is_empty(&self) -> bool {
        self.token.is_none() && self.users.is_empty() && self.api_keys.is_empty()
    }

    /// Parse `"token"`, `{"type": "token", "token": "..."}` or
    /// `{"type": "basic", "users": {...}, "api_keys": {...}, "token": true}`.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let object = match value {
            Value::String(kind) if kind == "token" => return Self::with_token(None),
            Value::Object(object) => object,
            other => {
                return Err(format!(
                    "auth is \"token\" or a dict such as {{\"type\": \"basic\", \"users\": {{...}}}}, not {other}"
                ))
            }
        };
        for key in object.keys() {
            if !matches!(key.as_str(), "type" | "token" | "users" | "api_keys") {
                return Err(format!(
                    "auth has no option {key:?} (type, token, users, api_keys)"
                ));
            }
        }
        let kind = object
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("basic");
        let mut config = match (kind, object.get("token")) {
            ("token", None | Some(Value::Bool(true))) | ("basic", Some(Value::Bool(true))) => {
                Self::with_token(None)?
            }
            ("token" | "basic", Some(Value::String(token))) => {
                Self::with_token(Some(token.clone()))?
            }
            ("basic", None | Some(Value::Bool(false) | Value::Null)) => Self::default(),
            ("token" | "basic", Some(other)) => {
                return Err(format!(
                    "auth token is a string of at least {MIN_SECRET_LEN} characters or true, not {other}"
                ))
            }
            (other, _) => {
                return Err(format!(
                    "auth type {other:?} is not one of \"token\", \"basic\""
                ))
            }
        };
        if let Some(users) = object.get("users") {
            config.users = parse_users(users)?;
        }
        if let Some(keys) = object.get("api_keys") {
            config.api_keys = parse_keys(keys)?;
        }
        if config.users.len() + config.api_keys.len() > MAX_PRINCIPALS {
            return Err(format!(
                "auth holds at most {MAX_PRINCIPALS} users and keys"
            ));
        }
        if config.is_empty() {
            return Err(
                "auth names nobody: give users, api_keys or a token (or auth=None for none)".into(),
            );
        }
        Ok(config)
    }
}

fn check_secret(what: &str, secret: String) -> Result<String, String> {
    if secret.len() < MIN_SECRET_LEN || secret.len() > MAX_SECRET_LEN {
        return Err(format!(
            "a {what} is {MIN_SECRET_LEN} to {MAX_SECRET_LEN} characters long (a long random \
             string); this one has {}",
            secret.len()
        ));
    }
    if secret.chars().any(char::is_whitespace) {
        return Err(format!("a {what} has no white space"));
    }
    Ok(secret)
}

fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 64
        || name.contains(':')
        || name.chars().any(char::is_control)
    {
        return Err(format!(
            "{what} name {name:?} must be 1 to 64 characters, without ':' or control characters"
        ));
    }
    Ok(())
}

/// The role in `entry["role"]`, viewer when absent.
fn role_of(entry: &Map<String, Value>, who: &str) -> Result<Role, String> {
    match entry.get("role") {
        None => Ok(Role::Viewer),
        Some(Value::String(name)) => Role::from_name(name).map_err(|err| format!("{who}: {err}")),
        Some(other) => Err(format!("{who}: role is a string, not {other}")),
    }
}

/// The environment variable a listed user's password is read from.
pub fn password_env(name: &str) -> String {
    let upper: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("STREAMVIZ_PASSWORD_{upper}")
}

fn parse_users(users: &Value) -> Result<Vec<User>, String> {
    let entries: Vec<(String, Value)> = match users {
        // The vision's `"users": ["admin"]`: names whose passwords come from the environment.
        Value::Array(names) => names
            .iter()
            .map(|name| {
                let name = name
                    .as_str()
                    .ok_or_else(|| format!("a user name is a string, not {name}"))?;
                let variable = password_env(name);
                let password = std::env::var(&variable).map_err(|_| {
                    format!(
                        "user {name:?} has no password: set {variable}, or give users as \
                         {{\"{name}\": {{\"password\": ..., \"role\": ...}}}}"
                    )
                })?;
                Ok((name.to_owned(), Value::String(password)))
            })
            .collect::<Result<_, String>>()?,
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        other => {
            return Err(format!(
                "auth users is a dict of name to password, not {other}"
            ))
        }
    };
    entries
        .into_iter()
        .map(|(name, entry)| {
            check_name("user", &name)?;
            let who = format!("user {name:?}");
            let (secret, role) = match &entry {
                Value::String(secret) => (secret.clone(), Role::Viewer),
                Value::Object(fields) => {
                    for key in fields.keys() {
                        if !matches!(key.as_str(), "password" | "password_hash" | "role") {
                            return Err(format!(
                                "{who} has no option {key:?} (password, password_hash, role)"
                            ));
                        }
                    }
                    let secret = match (fields.get("password"), fields.get("password_hash")) {
                        (Some(Value::String(p)), None) | (None, Some(Value::String(p))) => {
                            p.clone()
                        }
                        _ => {
                            return Err(format!(
                                "{who} needs one of password, password_hash (a string)"
                            ))
                        }
                    };
                    if fields.contains_key("password_hash") && !is_password_hash(&secret) {
                        return Err(format!(
                            "{who}: password_hash is not an argon2 hash (make one with \
                             `streamviz hash-password`)"
                        ));
                    }
                    (secret, role_of(fields, &who)?)
                }
                other => return Err(format!("{who} is a password or a dict, not {other}")),
            };
            let password_hash = if is_password_hash(&secret) {
                secret
            } else {
                if secret.is_empty() || secret.len() > MAX_SECRET_LEN {
                    return Err(format!("{who}: a password is 1 to {MAX_SECRET_LEN} bytes"));
                }
                hash_password(&secret)?
            };
            Ok(User {
                name,
                password_hash,
                role,
            })
        })
        .collect()
}

fn parse_keys(keys: &Value) -> Result<Vec<ApiKey>, String> {
    let Value::Object(map) = keys else {
        return Err(format!(
            "auth api_keys is a dict of name to key (or {{\"key\": ..., \"role\": ...}}), not {keys}"
        ));
    };
    map.iter()
        .map(|(name, entry)| {
            check_name("api key", name)?;
            let who = format!("api key {name:?}");
            let (key, role) = match entry {
                Value::String(key) => (key.clone(), Role::Viewer),
                Value::Object(fields) => {
                    for field in fields.keys() {
                        if !matches!(field.as_str(), "key" | "role") {
                            return Err(format!("{who} has no option {field:?} (key, role)"));
                        }
                    }
                    let key = fields
                        .get("key")
                        .and_then(Value::as_str)
                        .ok_or_else(|| format!("{who} needs key (a string)"))?;
                    (key.to_owned(), role_of(fields, &who)?)
                }
                other => return Err(format!("{who} is a key or a dict, not {other}")),
            };
            let digest = match key.strip_prefix("sha256:") {
                Some(hex) => parse_hex_digest(hex).ok_or_else(|| {
                    format!("{who}: sha256: is followed by 64 hexadecimal digits")
                })?,
                None => digest(&check_secret("key", key).map_err(|e| format!("{who}: {e}"))?),
            };
            Ok(ApiKey {
                name: name.clone(),
                digest,
                role,
            })
        })
        .collect()
}

fn parse_hex_digest(hex: &str) -> Option<Digest> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0_u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::auth::secrets::verify_password;
    use serde_json::json;

    #[test]
    fn the_visions_shape_with_roles_and_keys() {
        let config = AuthConfig::from_json(&json!({
            "type": "basic",
            "users": {"alice": {"password": "wonderland", "role": "admin"}, "bob": "builder-pw"},
            "api_keys": {"ingest": {"key": "k-0123456789abcdef", "role": "producer"}},
        }))
        .unwrap();
        assert!(config.token.is_none());
        let alice = &config.users[0];
        assert_eq!((alice.name.as_str(), alice.role), ("alice", Role::Admin));
        assert!(verify_password("wonderland", &alice.password_hash));
        assert_eq!(config.users[1].role, Role::Viewer);
        assert_eq!(config.api_keys[0].role, Role::Producer);
        assert_eq!(config.api_keys[0].digest, digest("k-0123456789abcdef"));
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("argon2") && !debug.contains("wonderland"),
            "{debug}"
        );
    }

    #[test]
    fn bad_configurations_say_what_is_wrong() {
        for (value, says) in [
            (json!("password"), "auth is \"token\""),
            (json!({"type": "oauth"}), "auth type \"oauth\""),
            (json!({"type": "basic"}), "names nobody"),
            (
                json!({"users": {"a": {"password": "x", "role": "root"}}}),
                "role \"root\"",
            ),
            (json!({"users": {"a:b": "pw"}}), "without ':'"),
            (
                json!({"users": {"a": {"password_hash": "plain"}}}),
                "not an argon2 hash",
            ),
            (json!({"api_keys": {"k": "short"}}), "16 to 1024"),
            (json!({"api_keys": {"k": "sha256:abc"}}), "64 hexadecimal"),
            (json!({"token": "tiny"}), "16 to 1024"),
            (json!({"users": {}, "cors": true}), "no option \"cors\""),
            (
                json!({"users": ["nobody-with-env"]}),
                "STREAMVIZ_PASSWORD_NOBODY_WITH_ENV",
            ),
        ] {
            let err = AuthConfig::from_json(&value).unwrap_err();
            assert!(err.contains(says), "{value}: {err}");
        }
    }

    #[test]
    fn token_mode_makes_a_long_random_token_or_takes_the_given_one() {
        let config =
            AuthConfig::from_json(&json!({"type": "token", "token": "given-token-0123456"}))
                .unwrap();
        assert_eq!(config.token.as_deref(), Some("given-token-0123456"));
        let made = AuthConfig::with_token(None).unwrap().token.unwrap();
        if std::env::var(TOKEN_ENV).is_err() {
            assert_eq!(made.len(), 43);
        }
    }
}
