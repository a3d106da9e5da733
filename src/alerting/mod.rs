//! Alert notifications: the engine tells a listener of every transition (a bounded channel it
//! never waits on); the `streamviz-alerts` thread logs each one (tracing: warn when a rule
//! fires, info otherwise) and hands those that notify (fired, resolved) to the webhook sender
//! (`webhook.rs`) in Alertmanager's shape (`payload.rs`), for the global webhook and the rule's
//! own. Ingest never waits on any of it: a slow or dead receiver only fills (bounded) queues.

pub mod payload;
pub mod webhook;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crossbeam_channel::{bounded, Receiver};
use serde_json::Value;

use crate::engine::alert::{check_webhook, Transition};
use crate::ingest::Pipeline;
pub use webhook::{host_of, WebhookOptions, WebhookSender};

/// Transitions waiting for the notifier thread at most (more are counted as dropped by the
/// engine, never waited for).
const LISTENER_QUEUE: usize = 4096;

/// How notifications go out (the global webhook is set with [`Notifier::set_webhook`]).
#[derive(Debug, Clone, Default)]
pub struct NotifierOptions {
    /// The dashboard's address, for `externalURL` and `generatorURL`.
    pub external_url: String,
    /// Timeouts, retries and queue of webhook deliveries.
    pub delivery: WebhookOptions,
}

struct Shared {
    webhook: Mutex<Option<Arc<str>>>,
    external_url: Mutex<String>,
    transitions: AtomicU64,
    notified: AtomicU64,
}

/// The running notifier of a pipeline. Cheap to clone.
#[derive(Clone)]
pub struct Notifier {
    shared: Arc<Shared>,
    webhooks: WebhookSender,
}

impl Notifier {
    /// Listen to `pipeline`'s transitions and start the notifier and webhook threads; report
    /// counters as `alerts` in the pipeline's stats.
    pub fn start(pipeline: &Pipeline, options: NotifierOptions) -> Self {
        let shared = Arc::new(Shared {
            webhook: Mutex::new(None),
            external_url: Mutex::new(options.external_url.clone()),
            transitions: AtomicU64::new(0),
            notified: AtomicU64::new(0),
        });
        let webhooks = WebhookSender::start(options.delivery.clone());
        let (listener, transitions) = bounded(LISTENER_QUEUE);
        pipeline.engine().subscribe_alerts(listener);
        let notifier = Self { shared, webhooks };
        let thread = notifier.clone();
        let spawned = std::thread::Builder::new()
            .name("streamviz-alerts".into())
            .spawn(move || thread.run(&transitions));
        if let Err(err) = spawned {
            tracing::error!("could not start the alert notifier thread: {err}");
        }
        let stats = notifier.clone();
        pipeline.set_stats_source("alerts", Box::new(move || stats.stats()));
        notifier
    }

    /// Set or remove the global webhook; a bad URL is refused (with why), changing nothing.
    pub fn set_webhook(&self, url: Option<&str>) -> Result<(), String> {
        if let Some(url) = url {
            check_webhook(url).map_err(|reason| format!("alert webhook: {reason}"))?;
        }
        *self
            .shared
            .webhook
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = url.map(Into::into);
        Ok(())
    }

    /// Set the dashboard's address given to receivers (once the server knows its port).
    pub fn set_external_url(&self, url: &str) {
        url.clone_into(
            &mut self
                .shared
                .external_url
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
    }

    /// Counters: transitions seen, notifications made, and the webhooks'.
    pub fn stats(&self) -> Value {
        let mut stats = self.webhooks.stats();
        if let Value::Object(map) = &mut stats {
            map.insert(
                "transitions".into(),
                self.shared.transitions.load(Ordering::Relaxed).into(),
            );
            map.insert(
                "notifications".into(),
                self.shared.notified.load(Ordering::Relaxed).into(),
            );
            map.insert(
                "webhook".into(),
                self.shared
                    .webhook
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .as_deref()
                    .map(host_of)
                    .into(),
            );
        }
        stats
    }

    fn run(&self, transitions: &Receiver<Transition>) {
        let mut lines = LogBudget::default();
        for transition in transitions {
            self.shared.transitions.fetch_add(1, Ordering::Relaxed);
            if lines.take() {
                log(&transition);
            }
            if !transition.notifies() {
                continue;
            }
            self.shared.notified.fetch_add(1, Ordering::Relaxed);
            let global = self
                .shared
                .webhook
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let urls: Vec<Arc<str>> = global
                .into_iter()
                .chain(transition.webhook.clone())
                .collect();
            if urls.is_empty() {
                continue;
            }
            let external = self
                .shared
                .external_url
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let body = payload::webhook_body(&transition, &external).to_string();
            for (i, url) in urls.iter().enumerate() {
                // The rule's own webhook may be the global one: one delivery.
                if urls[..i].contains(url) {
                    continue;
                }
                self.webhooks.deliver(Arc::clone(url), body.clone());
            }
        }
    }
}

/// Log lines of transitions a second at most: a rule flapping at every point of a fast stream
/// must not flood the log; what is left out is counted in a line of its own.
const LOG_LINES_PER_SECOND: u32 = 20;

#[derive(Default)]
struct LogBudget {
    second: Option<std::time::Instant>,
    used: u32,
    skipped: u64,
}

impl LogBudget {
    /// Whether a line may be logged now.
    fn take(&mut self) -> bool {
        let now = std::time::Instant::now();
        if self
            .second
            .is_none_or(|start| now.duration_since(start).as_secs() >= 1)
        {
            if self.skipped > 0 {
                tracing::warn!(
                    "{} alert transitions were not logged (more than {LOG_LINES_PER_SECOND} a second); GET /api/v1/alerts lists the recent ones",
                    self.skipped
                );
            }
            *self = Self {
                second: Some(now),
                ..Self::default()
            };
        }
        self.used += 1;
        if self.used > LOG_LINES_PER_SECOND {
            self.skipped += 1;
            return false;
        }
        true
    }
}

/// The log line of a transition: warn when a rule becomes active, info otherwise.
fn log(t: &Transition) {
    let target = match &t.series {
        Some(series) => format!("{}.{series}", t.widget),
        None => t.widget.to_string(),
    };
    let line = format!(
        "alert {:?} ({}) on {target}: {} -> {} at {}: {}",
        t.rule,
        t.severity.name(),
        t.from.name(),
        t.to.name(),
        payload::rfc3339(t.ts_ms),
        t.message
    );
    if t.to.is_active() && !t.from.is_active() {
        tracing::warn!("{line}");
    } else {
        tracing::info!("{line}");
    }
}
