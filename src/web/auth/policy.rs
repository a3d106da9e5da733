//! What each route needs, in one table, and whether a principal has it. A route not named here
//! needs the viewer role (and then answers 404).

use axum::http::Method;

use super::config::Role;

/// Who is making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Authentication is off: everyone may do everything (a loopback server by default).
    Open,
    /// A user, an API key or the token holder.
    Member {
        /// The user's or key's name, or `token`.
        name: String,
        /// What they may do.
        role: Role,
    },
    /// An embed token's holder: that one widget, read-only.
    Embed {
        /// The widget.
        widget: String,
    },
}

impl Principal {
    /// The role, for those who have one.
    pub fn role(&self) -> Option<Role> {
        match self {
            Self::Open => Some(Role::Admin),
            Self::Member { role, .. } => Some(*role),
            Self::Embed { .. } => None,
        }
    }

    /// Whether this principal may push (declarations and data), over HTTP or the WebSocket.
    pub fn may_push(&self) -> bool {
        self.role() >= Some(Role::Producer)
    }

    /// The one widget this principal sees, when it does not see the whole dashboard.
    pub fn only_widget(&self) -> Option<&str> {
        match self {
            Self::Embed { widget } => Some(widget),
            _ => None,
        }
    }

    /// Whether this principal may do what `need` asks.
    pub fn allows(&self, need: &Need<'_>) -> bool {
        match need {
            Need::Public => true,
            Need::Role(role) => self.role() >= Some(*role),
            Need::Widget(id) => match self {
                Self::Embed { widget } => widget == id,
                _ => self.role().is_some(),
            },
            Need::Anyone => true,
        }
    }
}

/// What a route needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need<'a> {
    /// Nothing: the page's code and styles, health, signing in and out.
    Public,
    /// At least this role.
    Role(Role),
    /// The viewer role, or an embed token for this widget.
    Widget(&'a str),
    /// Any signed-in principal, an embed token included (the WebSocket, which shows an embed
    /// token's holder only its widget, and what a page needs whatever it shows).
    Anyone,
}

/// Whether `path` is a page a browser opens (answered with the sign-in page, not JSON, when
/// credentials are missing).
pub fn is_page(path: &str) -> bool {
    path == "/" || path.starts_with("/page/") || path.starts_with("/embed/")
}

/// What `method path` needs.
pub fn need<'a>(method: &Method, path: &'a str) -> Need<'a> {
    let read = matches!(*method, Method::GET | Method::HEAD);
    if path.starts_with("/assets/")
        || path == "/embed.js"
        || path == "/api/v1/health"
        || path == "/login"
        || path == "/logout"
    {
        return Need::Public;
    }
    if !read {
        return match path {
            "/api/v1/push" => Need::Role(Role::Producer),
            "/api/v1/admin/rotate-embed-secret" => Need::Role(Role::Admin),
            _ => Need::Role(Role::Viewer),
        };
    }
    if let Some(id) = path.strip_prefix("/embed/") {
        return Need::Widget(id.trim_end_matches('/'));
    }
    if let Some(rest) = path.strip_prefix("/api/v1/widgets/") {
        if let Some((id, "data" | "range" | "at")) = rest.split_once('/') {
            return Need::Widget(id);
        }
    }
    match path {
        "/ws" | "/api/v1/recording" | "/api/v1/auth/whoami" => Need::Anyone,
        _ if path.starts_with("/branding/") => Need::Anyone,
        _ => Need::Role(Role::Viewer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_embeds_reach_what_they_should() {
        let viewer = Principal::Member {
            name: "v".into(),
            role: Role::Viewer,
        };
        let producer = Principal::Member {
            name: "p".into(),
            role: Role::Producer,
        };
        let embed = Principal::Embed {
            widget: "cpu".into(),
        };
        let push = need(&Method::POST, "/api/v1/push");
        assert!(!viewer.allows(&push) && producer.allows(&push) && Principal::Open.allows(&push));
        assert!(!embed.allows(&push));
        let cpu = need(&Method::GET, "/api/v1/widgets/cpu/range");
        let mem = need(&Method::GET, "/api/v1/widgets/mem/range");
        assert!(embed.allows(&cpu) && !embed.allows(&mem) && viewer.allows(&mem));
        assert!(embed.allows(&need(&Method::GET, "/embed/cpu")));
        assert!(!embed.allows(&need(&Method::GET, "/embed/mem")));
        assert!(!embed.allows(&need(&Method::GET, "/")));
        assert!(!embed.allows(&need(&Method::GET, "/api/v1/widgets")));
        assert_eq!(need(&Method::GET, "/assets/app.js"), Need::Public);
        assert_eq!(
            need(&Method::POST, "/api/v1/admin/rotate-embed-secret"),
            Need::Role(Role::Admin)
        );
    }
}
