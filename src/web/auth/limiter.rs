//! Failed sign-in attempts counted per client address: past [`MAX_FAILURES`] in a
//! [`WINDOW`], that address is refused (429) until the window ends, whatever it presents.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Failures allowed per address in one window.
pub const MAX_FAILURES: u32 = 10;
/// The window failures are counted in.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Most addresses tracked; stale ones are forgotten first.
const MAX_ADDRESSES: usize = 65_536;

#[derive(Debug, Clone, Copy)]
struct Failures {
    since: Instant,
    count: u32,
}

/// What an address told to wait `seconds` is told.
pub fn wait_reason(seconds: u64) -> String {
    format!("Too many failed attempts from this address; try again in {seconds} s.")
}

/// Failures by client address.
#[derive(Debug, Default)]
pub struct Limiter {
    failures: Mutex<HashMap<IpAddr, Failures>>,
}

impl Limiter {
    /// How long `source` must still wait, if it failed too often: whole seconds, rounded up.
    pub fn blocked(&self, source: IpAddr) -> Option<u64> {
        let failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = failures.get(&source)?;
        let left = WINDOW.checked_sub(entry.since.elapsed())?;
        (entry.count >= MAX_FAILURES && !left.is_zero()).then_some(left.as_secs() + 1)
    }

    /// Count a failed attempt from `source`; the one that blocks it is logged.
    pub fn fail(&self, source: IpAddr) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        if failures.len() >= MAX_ADDRESSES {
            failures.retain(|_, entry| entry.since.elapsed() < WINDOW);
        }
        let entry = failures.entry(source).or_insert(Failures {
            since: now,
            count: 0,
        });
        if entry.since.elapsed() >= WINDOW {
            *entry = Failures {
                since: now,
                count: 0,
            };
        }
        entry.count = entry.count.saturating_add(1);
        if entry.count == MAX_FAILURES {
            tracing::warn!("too many failed attempts from {source}: refused for a minute");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_blocked_after_too_many_failures_and_others_are_not() {
        let limiter = Limiter::default();
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..MAX_FAILURES - 1 {
            limiter.fail(a);
        }
        assert!(limiter.blocked(a).is_none());
        limiter.fail(a);
        let left = limiter.blocked(a).unwrap();
        assert!(
            left <= WINDOW.as_secs() + 1 && left > WINDOW.as_secs() / 2,
            "{left}"
        );
        assert!(limiter.blocked(b).is_none());
    }
}
