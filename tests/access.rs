//! The access checks against a real server over real sockets: a forged Host (DNS rebinding), a
//! push or a WebSocket from another site's page (its Origin), a push that is not JSON; and what
//! must keep working: the dashboard's own page, clients that are not browsers, allowed names.

#![cfg(feature = "web")]
#![allow(clippy::unwrap_used)]

use serde_json::json;
use streamviz::ingest::Pipeline;
use streamviz::web::{ServerHandle, ServerOptions};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Error as WsError;

mod common;

fn serve(pipeline: &Pipeline, allowed_hosts: &[&str]) -> ServerHandle {
    common::start_server_with(
        pipeline,
        ServerOptions {
            port: 0,
            allowed_hosts: allowed_hosts.iter().map(|h| (*h).to_owned()).collect(),
            ..ServerOptions::default()
        },
    )
}

#[test]
fn only_this_machine_s_names_and_allowed_ones_are_answered() {
    let pipeline = Pipeline::default();
    let server = serve(&pipeline, &["dash.internal"]);
    let address = server.address();
    let port = address.port();
    for (host, status) in [
        (format!("127.0.0.1:{port}"), 200),
        (format!("localhost:{port}"), 200),
        (format!("[::1]:{port}"), 200),
        (format!("dash.internal:{port}"), 200),
        (format!("evil.example:{port}"), 403),
        (format!("dash.internal.evil.example:{port}"), 403),
    ] {
        for path in ["/api/v1/widgets", "/", "/assets/app.js", "/api/v1/stats"] {
            let (got, body) = common::http(address, "GET", path, &[("Host", &host)], "");
            assert_eq!(got, status, "{host} {path}: {body}");
            if status == 403 {
                assert!(
                    body["error"]
                        .as_str()
                        .unwrap()
                        .contains("is not this machine"),
                    "{body}"
                );
            }
        }
    }
    let (got, _) = common::http(address, "GET", "/api/v1/widgets", &[], "");
    assert_eq!(got, 403, "no Host at all");
}

#[test]
fn pushes_come_as_json_from_this_dashboard_or_from_no_browser() {
    let pipeline = Pipeline::default();
    let server = serve(&pipeline, &[]);
    let address = server.address();
    let host = format!("127.0.0.1:{}", address.port());
    let same_origin = format!("http://{host}");
    let push = json!({"widgets": [{"id": "cpu", "kind": "metric"}], "updates": [{"widget": "cpu", "value": 1}]}).to_string();
    let json_type = ("Content-Type", "application/json");
    for (headers, status) in [
        (
            vec![
                ("Host", host.as_str()),
                json_type,
                ("Origin", "http://evil.example"),
            ],
            403,
        ),
        (
            vec![
                ("Host", host.as_str()),
                ("Content-Type", "text/plain"),
                ("Origin", "http://evil.example"),
            ],
            403,
        ),
        (
            vec![("Host", host.as_str()), ("Content-Type", "text/plain")],
            415,
        ),
        (
            vec![
                ("Host", host.as_str()),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            415,
        ),
        (vec![("Host", host.as_str())], 415),
    ] {
        let (got, body) = common::http(address, "POST", "/api/v1/push", &headers, &push);
        assert_eq!(got, status, "{headers:?}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }
    assert!(
        pipeline.engine().widget("cpu").is_none(),
        "nothing refused was applied"
    );
    let (got, body) = common::http(
        address,
        "POST",
        "/api/v1/push",
        &[
            ("Host", &host),
            ("Content-Type", "application/json; charset=utf-8"),
            ("Origin", &same_origin),
        ],
        &push,
    );
    assert_eq!((got, body["applied"].as_u64()), (200, Some(1)));
    let (got, _) = common::http(
        address,
        "POST",
        "/api/v1/push",
        &[("Host", &host), json_type],
        &push,
    );
    assert_eq!(got, 200, "a client that is not a browser sends no Origin");
    assert_eq!(
        common::dashboard(&pipeline)[1]["data"]["points"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_websocket_from_another_site_is_refused_and_this_dashboard_s_streams() {
    let pipeline = Pipeline::default();
    common::declare(&pipeline, "cpu", "metric", json!({}));
    let server = serve(&pipeline, &[]);
    let url = format!("ws://{}/ws", server.address());
    let with_origin = |origin: Option<&str>| {
        let mut request = url.as_str().into_client_request().unwrap();
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("Origin", origin.parse().unwrap());
        }
        request
    };
    match tokio_tungstenite::connect_async(with_origin(Some("http://evil.example"))).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!(
            "a cross-site WebSocket must be refused: {:?}",
            other.map(|(_, r)| r.status())
        ),
    }
    let own = format!("http://{}", server.address());
    for origin in [Some(own.as_str()), None] {
        let (_, response) = tokio_tungstenite::connect_async(with_origin(origin))
            .await
            .unwrap();
        assert_eq!(response.status(), 101, "{origin:?}");
    }
}

/// What `served` logged after it started, once it is stopped, that says `needle`.
#[cfg(feature = "sqlite")]
fn logged(served: common::Served, needle: &str) -> Vec<String> {
    served
        .stop()
        .into_iter()
        .filter(|line| line.contains(needle))
        .collect()
}

#[cfg(feature = "sqlite")]
#[test]
fn a_refused_source_is_logged_once_for_each_kind_of_refusal_not_at_every_request() {
    let served = common::Served::start(&["serve".as_ref(), "--port".as_ref(), "0".as_ref()]);
    let address = served.address();
    let push = json!({"updates": []}).to_string();
    for _ in 0..5 {
        let forged = [("Host", "evil.example")];
        assert_eq!(
            common::http(&address, "GET", "/api/v1/widgets", &forged, "").0,
            403
        );
        let elsewhere = [
            ("Host", address.as_str()),
            ("Content-Type", "application/json"),
            ("Origin", "http://evil.example"),
        ];
        assert_eq!(
            common::http(&address, "POST", "/api/v1/push", &elsewhere, &push).0,
            403
        );
    }
    let refusals = logged(served, "refused a request from 127.0.0.1");
    assert_eq!(refusals.len(), 2, "{refusals:#?}");
    assert!(
        refusals[0].contains("is not this machine"),
        "{}",
        refusals[0]
    );
    assert!(refusals[1].contains("Origin"), "{}", refusals[1]);
}
