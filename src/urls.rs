//! A URL as stats, logs and errors may show it: its password left out (a Redis relay's, a
//! PostgreSQL store's), the user name kept.

/// `url` without the password of its user information: `scheme://user:secret@host/…` is shown
/// `scheme://user@host/…`, `scheme://:secret@host` as `scheme://host`.
pub fn without_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user = url[scheme + 3..at].split(':').next().unwrap_or("");
            let at_user = if user.is_empty() {
                String::new()
            } else {
                format!("{user}@")
            };
            format!("{}{at_user}{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_left_out_and_users_kept() {
        assert_eq!(
            without_password("redis://user:s3cret@redis.internal:6379/2"),
            "redis://user@redis.internal:6379/2"
        );
        assert_eq!(without_password("redis://:s3cret@h/"), "redis://h/");
        assert_eq!(without_password("redis://h:6379"), "redis://h:6379");
        assert_eq!(
            without_password("postgresql://streamviz:p@ss@db:5432/sv1"),
            "postgresql://streamviz@db:5432/sv1"
        );
        assert_eq!(without_password("a/path/metrics.db"), "a/path/metrics.db");
    }
}
