//! A transition as Prometheus Alertmanager's webhook sends it (version 4), so that receivers
//! made for Alertmanager (Slack bridges, PagerDuty adapters) take StreamViz's notifications:
//! `labels` (`alertname`, `widget`, `series`, `severity`), `annotations` (`summary`, `value`,
//! `state`), `startsAt`/`endsAt` in RFC 3339, and a `fingerprint` of the labels computed as
//! Alertmanager does (FNV-1a 64 over the sorted labels).

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::engine::alert::{format_number, Transition};

/// Alertmanager's "not resolved yet" `endsAt`.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// The labels of a transition's alert: what identifies it to receivers.
pub fn labels(transition: &Transition) -> BTreeMap<&'static str, String> {
    let mut labels = BTreeMap::new();
    labels.insert("alertname", transition.rule.to_string());
    labels.insert("widget", transition.widget.to_string());
    if let Some(series) = &transition.series {
        labels.insert("series", series.to_string());
    }
    labels.insert("severity", transition.severity.name().to_owned());
    labels.insert("source", "streamviz".to_owned());
    labels
}

/// Alertmanager's fingerprint of a label set: FNV-1a 64 over each name and value, sorted by
/// name, each followed by the byte 255; 16 hex digits.
pub fn fingerprint(labels: &BTreeMap<&'static str, String>) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let mut add = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    for (name, value) in labels {
        add(name.as_bytes());
        add(&[255]);
        add(value.as_bytes());
        add(&[255]);
    }
    format!("{hash:016x}")
}

/// Epoch milliseconds in RFC 3339 (UTC, milliseconds); times before 1970 are 1970.
pub fn rfc3339(ms: f64) -> String {
    let ms = if ms.is_finite() && ms > 0.0 { ms } else { 0.0 };
    let time = UNIX_EPOCH + Duration::from_millis(ms as u64);
    humantime::format_rfc3339_millis(time).to_string()
}

/// The webhook body for one transition that notifies (fired or resolved).
pub fn webhook_body(transition: &Transition, external_url: &str) -> Value {
    let firing = transition.to.is_active();
    let status = if firing { "firing" } else { "resolved" };
    let labels = labels(transition);
    let fingerprint = fingerprint(&labels);
    let annotations = json!({
        "summary": transition.message,
        "value": format_number(transition.value, None),
        "state": transition.to.name(),
        "previous_state": transition.from.name(),
    });
    let starts = if transition.active_since_ms.is_finite() {
        transition.active_since_ms
    } else {
        transition.ts_ms
    };
    let alert = json!({
        "status": status,
        "labels": labels,
        "annotations": annotations,
        "startsAt": rfc3339(starts),
        "endsAt": if firing { ZERO_TIME.to_owned() } else { rfc3339(transition.ts_ms) },
        "generatorURL": format!("{}/#widget-{}", external_url.trim_end_matches('/'), transition.widget),
        "fingerprint": fingerprint,
    });
    json!({
        "version": "4",
        "groupKey": format!("{{}}:{{alertname=\"{}\"}}", transition.rule),
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "streamviz",
        "groupLabels": {"alertname": transition.rule.as_ref()},
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": external_url,
        "alerts": [alert],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::alert::{AlertState, Severity};

    #[test]
    fn a_firing_and_a_resolved_alert_in_alertmanagers_shape() {
        let mut t = Transition {
            rule: "cpu above 90".into(),
            widget: "cpu".into(),
            series: None,
            severity: Severity::Critical,
            from: AlertState::Normal,
            to: AlertState::Firing,
            value: 95.5,
            ts_ms: 1_700_000_000_000.0,
            active_since_ms: 1_700_000_000_000.0,
            message: "CPU 96% on cpu".into(),
            webhook: None,
        };
        let body = webhook_body(&t, "http://127.0.0.1:8080");
        assert_eq!(body["version"], "4");
        assert_eq!(body["status"], "firing");
        let alert = &body["alerts"][0];
        assert_eq!(alert["labels"]["alertname"], "cpu above 90");
        assert_eq!(alert["labels"]["severity"], "critical");
        assert_eq!(alert["annotations"]["summary"], "CPU 96% on cpu");
        assert_eq!(alert["startsAt"], "2023-11-14T22:13:20.000Z");
        assert_eq!(alert["endsAt"], ZERO_TIME);
        let fingerprint = alert["fingerprint"].as_str().unwrap_or_default().to_owned();
        assert_eq!(fingerprint.len(), 16);
        (t.from, t.to, t.ts_ms) = (AlertState::Firing, AlertState::Normal, 1_700_000_060_000.0);
        let body = webhook_body(&t, "http://127.0.0.1:8080");
        assert_eq!(body["status"], "resolved");
        assert_eq!(body["alerts"][0]["endsAt"], "2023-11-14T22:14:20.000Z");
        assert_eq!(body["alerts"][0]["startsAt"], "2023-11-14T22:13:20.000Z");
        assert_eq!(
            body["alerts"][0]["fingerprint"],
            fingerprint.as_str(),
            "the same alert"
        );
    }

    #[test]
    fn fingerprints_follow_alertmanagers_fnv() {
        // FNV-1a 64 of the empty input is its offset basis.
        assert_eq!(fingerprint(&BTreeMap::new()), "cbf29ce484222325");
    }
}
