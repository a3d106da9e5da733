//! Webhook deliveries, each receiver (URL) on a thread of its own (`streamviz-webhooks`), so a
//! receiver that is down or hangs never holds up another's notifications: a bounded queue per
//! receiver (full: the delivery is dropped and counted, never waited for), a timeout per attempt,
//! and retries with exponential backoff; one delivery at a time per receiver, in order, so a
//! receiver that comes back gets each notification once, in the order they happened. Counters
//! for `/api/v1/stats`. URLs are never logged whole (webhook URLs often hold a secret): only
//! their host.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};
use serde_json::{json, Value};

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhookOptions {
    /// Longest wait for one attempt (connect, send, answer). Default: 5 s.
    pub timeout: Duration,
    /// Attempts after the first before a delivery is given up. Default: 8.
    pub retries: u32,
    /// Wait before the first retry; doubled for each next one, at most 30 s. Default: 500 ms.
    pub backoff: Duration,
    /// Deliveries waiting at most, per receiver. Default: 1024.
    pub queue: usize,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            retries: 8,
            backoff: Duration::from_millis(500),
            queue: 1024,
        }
    }
}

/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Receivers with a thread of their own; those beyond share one.
const MAX_LANES: usize = 64;

struct Delivery {
    url: Arc<str>,
    body: String,
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    failed_attempts: AtomicU64,
    given_up: AtomicU64,
    dropped: AtomicU64,
    waiting: AtomicUsize,
    last_error: Mutex<Option<String>>,
}

/// The sender: queue deliveries with [`WebhookSender::deliver`].
#[derive(Clone)]
pub struct WebhookSender {
    lanes: Arc<Mutex<Lanes>>,
    options: WebhookOptions,
    counters: Arc<Counters>,
}

/// Each receiver's queue (its thread ends when the queue is dropped), and the one shared by
/// receivers beyond [`MAX_LANES`].
#[derive(Default)]
struct Lanes {
    by_url: std::collections::HashMap<Arc<str>, Sender<Delivery>>,
    shared: Option<Sender<Delivery>>,
}

impl WebhookSender {
    /// A sender; each receiver's thread starts with its first delivery and ends when every
    /// clone of the sender is dropped.
    pub fn start(options: WebhookOptions) -> Self {
        Self {
            lanes: Arc::default(),
            options,
            counters: Arc::default(),
        }
    }

    /// The queue of `url`'s receiver, its thread started when new.
    fn lane(&self, url: &Arc<str>) -> Option<Sender<Delivery>> {
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(lane) = lanes.by_url.get(url) {
            return Some(lane.clone());
        }
        if lanes.by_url.len() >= MAX_LANES {
            if lanes.shared.is_none() {
                lanes.shared = self.spawn();
            }
            return lanes.shared.clone();
        }
        let lane = self.spawn()?;
        lanes.by_url.insert(Arc::clone(url), lane.clone());
        Some(lane)
    }

    fn spawn(&self) -> Option<Sender<Delivery>> {
        let (queue, deliveries) = bounded(self.options.queue.max(1));
        let (options, counters) = (self.options.clone(), Arc::clone(&self.counters));
        let spawned = std::thread::Builder::new()
            .name("streamviz-webhooks".into())
            .spawn(move || run(&deliveries, &options, &counters));
        match spawned {
            Ok(_) => Some(queue),
            Err(err) => {
                tracing::error!("could not start a webhook thread: {err}");
                None
            }
        }
    }

    /// Queue `body` for `url`; a full queue drops it (counted).
    pub fn deliver(&self, url: Arc<str>, body: String) {
        self.counters.waiting.fetch_add(1, Ordering::Relaxed);
        let Some(lane) = self.lane(&url) else {
            self.counters.waiting.fetch_sub(1, Ordering::Relaxed);
            self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        };
        match lane.try_send(Delivery { url, body }) {
            Ok(()) => {}
            Err(TrySendError::Full(d) | TrySendError::Disconnected(d)) => {
                self.counters.waiting.fetch_sub(1, Ordering::Relaxed);
                let dropped = self.counters.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                // Once, then at every thousandth: a flood of drops is one story.
                if dropped == 1 || dropped % 1000 == 0 {
                    tracing::warn!(
                        "alert webhook to {} dropped ({dropped} so far): {} deliveries are waiting already",
                        host_of(&d.url),
                        lane.len()
                    );
                }
            }
        }
    }

    /// Counters as `/api/v1/stats` shows them.
    pub fn stats(&self) -> Value {
        let c = &self.counters;
        json!({
            "webhooks_sent": c.sent.load(Ordering::Relaxed),
            "webhook_failures": c.failed_attempts.load(Ordering::Relaxed),
            "webhooks_given_up": c.given_up.load(Ordering::Relaxed),
            "webhooks_dropped": c.dropped.load(Ordering::Relaxed),
            "webhooks_waiting": c.waiting.load(Ordering::Relaxed),
            "last_webhook_error": *c.last_error.lock().unwrap_or_else(PoisonError::into_inner),
        })
    }
}

/// The host (and port) of a URL, for messages: the rest may be a secret.
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    // Credentials before '@' are a secret too.
    host.rsplit_once('@').map_or(host, |(_, host)| host)
}

fn run(deliveries: &Receiver<Delivery>, options: &WebhookOptions, counters: &Counters) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .http_status_as_error(false)
        .build()
        .into();
    for delivery in deliveries {
        let mut attempt = 0_u32;
        loop {
            let outcome = agent
                .post(&*delivery.url)
                .header("content-type", "application/json")
                .send(delivery.body.as_str());
            let error = match outcome {
                Ok(response) if response.status().is_success() => None,
                Ok(response) => Some(format!("answered {}", response.status())),
                Err(err) => Some(err.to_string()),
            };
            let Some(error) = error else {
                counters.sent.fetch_add(1, Ordering::Relaxed);
                break;
            };
            counters.failed_attempts.fetch_add(1, Ordering::Relaxed);
            let host = host_of(&delivery.url);
            let message = format!(
                "alert webhook to {host}: {}",
                strip_url(&error, &delivery.url)
            );
            *counters
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(message.clone());
            if attempt >= options.retries {
                counters.given_up.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("{message}; given up after {} attempts", attempt + 1);
                break;
            }
            let wait = options
                .backoff
                .saturating_mul(1 << attempt.min(16))
                .min(MAX_BACKOFF);
            tracing::info!("{message}; retrying in {wait:?}");
            std::thread::sleep(wait);
            attempt += 1;
        }
        counters.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

/// An error message with the URL (which may hold a secret) replaced by its host.
fn strip_url(error: &str, url: &str) -> String {
    error.replace(url, host_of(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_host_of_a_url_is_shown() {
        assert_eq!(
            host_of("https://hooks.slack.com/services/T0/B0/SECRET"),
            "hooks.slack.com"
        );
        assert_eq!(
            host_of("http://user:pw@127.0.0.1:9/x?token=1"),
            "127.0.0.1:9"
        );
    }
}
