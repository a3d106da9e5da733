//! Authentication over real sockets: every route and the WebSocket (pushes on it included) ×
//! every kind of principal, each with its exact status; the token URL becoming a session
//! cookie; signing in with a password; failed attempts limited per address; a non-loopback
//! bind refused without authentication.

#![cfg(feature = "web")]
#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU8, Ordering};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use streamviz::ingest::Pipeline;
use streamviz::web::auth::AuthConfig;
use streamviz::web::{AuthChoice, ServerHandle, ServerOptions};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

mod common;

const TOKEN: &str = "token-for-the-admin-0123456789";
const VIEWER_KEY: &str = "key-of-a-viewer-0123456789";
const PRODUCER_KEY: &str = "key-of-a-producer-0123456789";
const ADMIN_KEY: &str = "key-of-an-admin-0123456789";

fn auth_config() -> AuthConfig {
    AuthConfig::from_json(&json!({
        "type": "basic",
        "token": TOKEN,
        "users": {"vera": {"password": "vera's password", "role": "viewer"},
                  "otto": {"password": "otto's password", "role": "producer"}},
        "api_keys": {
            "dashboards": {"key": VIEWER_KEY, "role": "viewer"},
            "ingest": {"key": PRODUCER_KEY, "role": "producer"},
            "ops": {"key": ADMIN_KEY, "role": "admin"},
        },
    }))
    .unwrap()
}

fn serve(pipeline: &Pipeline, auth: AuthChoice) -> ServerHandle {
    for (id, kind) in [("cpu", "metric"), ("mem", "metric"), ("tbl", "table")] {
        let options = if kind == "table" {
            json!({"key": "k"})
        } else {
            json!({})
        };
        common::declare(pipeline, id, kind, options);
    }
    common::start_server_with(
        pipeline,
        ServerOptions {
            port: 0,
            auth,
            ..ServerOptions::default()
        },
    )
}

/// A new loopback source address for each request that may fail, so the per-address limit on
/// failures never answers in place of the check under test.
fn fresh_source() -> IpAddr {
    static NEXT: AtomicU8 = AtomicU8::new(1);
    IpAddr::V4(Ipv4Addr::new(
        127,
        0,
        7,
        NEXT.fetch_add(1, Ordering::Relaxed),
    ))
}

/// The embed token in an embed URL.
fn embed_token(url: &str) -> String {
    url.split_once("embed=").unwrap().1.to_owned()
}

/// How a column of the table presents itself: headers, and a query parameter.
struct Who {
    name: &'static str,
    authorization: Option<String>,
    query: Option<String>,
}

fn columns(server: &ServerHandle) -> Vec<Who> {
    let rotated = embed_token(&server.embed_url("cpu", 0));
    server.rotate_embed_secret();
    let expired = embed_token(&server.embed_url("cpu", 1));
    let embed = embed_token(&server.embed_url("cpu", 0));
    let bearer = |key: &str| Some(format!("Bearer {key}"));
    vec![
        Who {
            name: "nobody",
            authorization: None,
            query: None,
        },
        Who {
            name: "wrong token",
            authorization: bearer("not-the-token-0123456789"),
            query: None,
        },
        Who {
            name: "expired embed",
            authorization: None,
            query: Some(format!("embed={expired}")),
        },
        Who {
            name: "rotated embed",
            authorization: None,
            query: Some(format!("embed={rotated}")),
        },
        Who {
            name: "embed cpu",
            authorization: None,
            query: Some(format!("embed={embed}")),
        },
        Who {
            name: "viewer",
            authorization: bearer(VIEWER_KEY),
            query: None,
        },
        Who {
            name: "producer",
            authorization: bearer(PRODUCER_KEY),
            query: None,
        },
        Who {
            name: "admin",
            authorization: bearer(ADMIN_KEY),
            query: None,
        },
    ]
}

/// Every route, with the status each column gets, in the order of [`columns`].
fn routes() -> Vec<(&'static str, &'static str, [u16; 8])> {
    const OUT: [u16; 4] = [401, 401, 401, 401];
    let row = |embed: u16, viewer: u16, producer: u16, admin: u16| {
        [
            OUT[0], OUT[1], OUT[2], OUT[3], embed, viewer, producer, admin,
        ]
    };
    vec![
        ("GET", "/assets/app.js", [200; 8]),
        ("GET", "/api/v1/health", [200; 8]),
        ("GET", "/login", [200; 8]),
        ("POST", "/logout", [303; 8]),
        ("GET", "/", row(403, 200, 200, 200)),
        ("GET", "/page/ops", row(403, 200, 200, 200)),
        ("GET", "/embed/cpu", row(200, 200, 200, 200)),
        ("GET", "/embed/mem", row(403, 200, 200, 200)),
        ("GET", "/branding/logo", row(404, 404, 404, 404)),
        ("GET", "/api/v1/stats", row(403, 200, 200, 200)),
        ("GET", "/api/v1/widgets", row(403, 200, 200, 200)),
        (
            "GET",
            "/api/v1/widgets/cpu/data?format=csv",
            row(200, 200, 200, 200),
        ),
        ("GET", "/api/v1/widgets/mem/data", row(403, 200, 200, 200)),
        (
            "GET",
            "/api/v1/widgets/cpu/range?from=0&to=1e13&width=10",
            row(200, 200, 200, 200),
        ),
        (
            "GET",
            "/api/v1/widgets/mem/range?from=0&to=1e13&width=10",
            row(403, 200, 200, 200),
        ),
        ("GET", "/api/v1/widgets/tbl/at?t=1", row(403, 404, 404, 404)),
        ("GET", "/api/v1/recording", row(200, 200, 200, 200)),
        ("GET", "/api/v1/auth/whoami", row(200, 200, 200, 200)),
        ("GET", "/api/v1/nothing-here", row(403, 404, 404, 404)),
        ("POST", "/api/v1/push", row(403, 403, 200, 200)),
        (
            "POST",
            "/api/v1/admin/rotate-embed-secret",
            row(403, 403, 403, 200),
        ),
    ]
}

fn with_query(path: &str, query: Option<&str>) -> String {
    match query {
        None => path.to_owned(),
        Some(q) if path.contains('?') => format!("{path}&{q}"),
        Some(q) => format!("{path}?{q}"),
    }
}

#[test]
fn every_route_answers_each_principal_with_its_exact_status() {
    let pipeline = Pipeline::default();
    let server = serve(&pipeline, AuthChoice::On(auth_config()));
    let address = server.address();
    let host = format!("127.0.0.1:{}", address.port());
    let push = json!({"updates": [{"widget": "cpu", "value": 1}]}).to_string();
    let columns = columns(&server);
    for (method, path, statuses) in routes() {
        for (who, status) in columns.iter().zip(statuses) {
            let target = with_query(path, who.query.as_deref());
            let mut headers = vec![
                ("Host", host.as_str()),
                ("Content-Type", "application/json"),
            ];
            if let Some(authorization) = &who.authorization {
                headers.push(("Authorization", authorization));
            }
            let body = if path == "/api/v1/push" {
                push.as_str()
            } else {
                ""
            };
            let response = common::http_from(
                Some(fresh_source()),
                address,
                method,
                &target,
                &headers,
                body,
            );
            assert_eq!(
                response.status, status,
                "{method} {path} as {}: {}",
                who.name, response.body
            );
            match status {
                401 if !streamviz::web::auth::is_page(path) => {
                    assert!(response.json()["error"].is_string(), "{}", response.body);
                    assert_eq!(
                        response.header("www-authenticate"),
                        Some("Bearer realm=\"streamviz\"")
                    );
                }
                // A page without credentials is the sign-in page.
                401 => assert!(
                    response.body.contains("Sign in to StreamViz"),
                    "{}",
                    response.body
                ),
                403 => assert!(response.json()["error"].is_string(), "{}", response.body),
                _ => {}
            }
        }
    }
    // What each one is told about itself.
    let whoami = |authorization: &str| {
        let headers = [("Host", host.as_str()), ("Authorization", authorization)];
        common::http(address, "GET", "/api/v1/auth/whoami", &headers, "").1
    };
    assert_eq!(
        whoami(&format!("Bearer {PRODUCER_KEY}")),
        json!({"auth": true, "name": "ingest", "role": "producer"})
    );
    assert_eq!(whoami(&format!("Bearer {TOKEN}"))["role"], "admin");
    assert_eq!(whoami("Basic dmVyYTp2ZXJhJ3MgcGFzc3dvcmQ=")["name"], "vera");
}

/// Connect to `/ws` from `source` as `who`; the refusal's status, or the connection.
async fn websocket(
    address: SocketAddr,
    source: IpAddr,
    authorization: Option<&str>,
    query: Option<&str>,
) -> Result<tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>, u16> {
    let url = with_query(&format!("ws://{address}/ws"), query);
    let mut request = url.into_client_request().unwrap();
    if let Some(authorization) = authorization {
        request
            .headers_mut()
            .insert("authorization", authorization.parse().unwrap());
    }
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(source, 0)).unwrap();
    let stream = socket.connect(address).await.unwrap();
    match tokio_tungstenite::client_async(request, stream).await {
        Ok((socket, _)) => Ok(socket),
        Err(WsError::Http(response)) => Err(response.status().as_u16()),
        Err(err) => panic!("{err}"),
    }
}

/// The messages until the one of `kind`, which is returned.
async fn until(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    kind: &str,
    seen: &mut Vec<Value>,
) -> Value {
    loop {
        let Some(Ok(Message::Text(text))) = socket.next().await else {
            panic!("the connection ended before a {kind} message");
        };
        let value: Value = serde_json::from_str(&text).unwrap();
        if value["type"] == kind {
            return value;
        }
        seen.push(value);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_websocket_streams_to_readers_takes_pushes_from_producers_and_shows_embeds_one_widget()
{
    let pipeline = Pipeline::default();
    let server = tokio::task::spawn_blocking({
        let pipeline = pipeline.clone();
        move || serve(&pipeline, AuthChoice::On(auth_config()))
    })
    .await
    .unwrap();
    let address = server.address();
    let columns = columns(&server);
    let push = json!({"type": "push", "updates": [{"widget": "mem", "value": 2}]}).to_string();
    // (column, upgrade refused with, push answered with)
    let expected: [(&str, Option<u16>, &str); 8] = [
        ("nobody", Some(401), ""),
        ("wrong token", Some(401), ""),
        ("expired embed", Some(401), ""),
        ("rotated embed", Some(401), ""),
        ("embed cpu", None, "error"),
        ("viewer", None, "error"),
        ("producer", None, "ack"),
        ("admin", None, "ack"),
    ];
    for (who, (name, refused, answer)) in columns.iter().zip(expected) {
        assert_eq!(who.name, name);
        let connected = websocket(
            address,
            fresh_source(),
            who.authorization.as_deref(),
            who.query.as_deref(),
        )
        .await;
        let mut socket = match (connected, refused) {
            (Err(status), Some(expected)) => {
                assert_eq!(status, expected, "{name}");
                continue;
            }
            (Ok(socket), None) => socket,
            (Err(status), None) => panic!("{name}: refused with {status}"),
            (Ok(_), Some(status)) => panic!("{name}: accepted where {status} was expected"),
        };
        let mut seen = Vec::new();
        let config = until(&mut socket, "config", &mut seen).await;
        let ids: Vec<&str> = config["widgets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_str().unwrap())
            .collect();
        socket.send(Message::text(push.clone())).await.unwrap();
        let reply = until(&mut socket, answer, &mut seen).await;
        if name == "embed cpu" {
            assert_eq!(ids, ["cpu"], "an embed sees its widget only");
            assert!(
                reply["reason"].as_str().unwrap().contains("producer role"),
                "{reply}"
            );
            assert!(
                seen.iter()
                    .all(|m| m["type"] != "history" || m["widget"] == "cpu"),
                "{seen:?}"
            );
        } else {
            assert_eq!(ids, ["cpu", "mem", "tbl"], "{name}");
        }
        if answer == "error" {
            assert!(
                reply["reason"].as_str().unwrap().contains("producer role"),
                "{reply}"
            );
        }
    }
}

#[test]
fn a_token_url_becomes_a_strict_http_only_session_cookie_and_a_clean_url() {
    let pipeline = Pipeline::default();
    let server = serve(
        &pipeline,
        AuthChoice::On(AuthConfig::with_token(None).unwrap()),
    );
    let url = server.url();
    let token = url.split_once("?token=").unwrap().1;
    assert_eq!(server.token().as_deref(), Some(token));
    let address = server.address();
    let host = format!("127.0.0.1:{}", address.port());
    let first = common::http_from(
        None,
        address,
        "GET",
        &format!("/page/ops?theme=light&token={token}"),
        &[("Host", &host)],
        "",
    );
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(first.header("location"), Some("/page/ops?theme=light"));
    let cookie = first.header("set-cookie").unwrap();
    let name = format!("streamviz-{}=", address.port());
    assert!(cookie.starts_with(&name), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let pair = cookie.split(';').next().unwrap();
    assert!(
        !pair.contains(token),
        "the cookie is a session, not the token"
    );
    let with_cookie = [("Host", host.as_str()), ("Cookie", pair)];
    for path in ["/page/ops?theme=light", "/api/v1/widgets"] {
        let response = common::http_from(None, address, "GET", path, &with_cookie, "");
        assert_eq!(response.status, 200, "{path}: {}", response.body);
    }
    // Signing out ends the session.
    let out = common::http_from(None, address, "POST", "/logout", &with_cookie, "");
    assert_eq!(out.status, 303);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let after = common::http_from(None, address, "GET", "/api/v1/widgets", &with_cookie, "");
    assert_eq!(after.status, 401, "{}", after.body);
    // The token itself still opens API calls and the page.
    let bearer = format!("Bearer {token}");
    let response = common::http_from(
        None,
        address,
        "GET",
        "/api/v1/widgets",
        &[("Host", &host), ("Authorization", &bearer)],
        "",
    );
    assert_eq!(response.status, 200);
}

#[test]
fn users_sign_in_with_their_password_and_failures_are_limited_per_address() {
    let pipeline = Pipeline::default();
    let server = serve(&pipeline, AuthChoice::On(auth_config()));
    let address = server.address();
    let host = format!("127.0.0.1:{}", address.port());
    let form = [
        ("Host", host.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let signed_in = common::http_from(
        None,
        address,
        "POST",
        "/login",
        &form,
        "username=otto&password=otto%27s+password&next=%2Fpage%2Fops",
    );
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.header("location"), Some("/page/ops"));
    let pair = signed_in
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let whoami = common::http_from(
        None,
        address,
        "GET",
        "/api/v1/auth/whoami",
        &[("Host", &host), ("Cookie", &pair)],
        "",
    );
    assert_eq!(
        whoami.json(),
        json!({"auth": true, "name": "otto", "role": "producer"})
    );
    // Somewhere else to go after signing in is not followed.
    let away = common::http_from(
        None,
        address,
        "POST",
        "/login",
        &form,
        "username=otto&password=otto%27s+password&next=%2F%2Fevil.example",
    );
    assert_eq!(away.header("location"), Some("/"));

    let attacker = fresh_source();
    for attempt in 0..10 {
        let wrong = common::http_from(
            Some(attacker),
            address,
            "POST",
            "/login",
            &form,
            "username=otto&password=guess",
        );
        assert_eq!(wrong.status, 401, "attempt {attempt}");
        assert!(wrong.body.contains("Wrong user name, password or token"));
    }
    // Now even the right password, or a key, from that address waits.
    let blocked = common::http_from(
        Some(attacker),
        address,
        "POST",
        "/login",
        &form,
        "username=otto&password=otto%27s+password",
    );
    assert_eq!(blocked.status, 429);
    let bearer = format!("Bearer {VIEWER_KEY}");
    let api = common::http_from(
        Some(attacker),
        address,
        "GET",
        "/api/v1/widgets",
        &[("Host", &host), ("Authorization", &bearer)],
        "",
    );
    assert_eq!(api.status, 429);
    assert!(api.header("retry-after").unwrap().parse::<u64>().unwrap() <= 60);
    // Another address is not held up.
    let other = common::http_from(
        Some(fresh_source()),
        address,
        "GET",
        "/api/v1/widgets",
        &[("Host", &host), ("Authorization", &bearer)],
        "",
    );
    assert_eq!(other.status, 200);
}

#[test]
fn a_network_address_is_served_with_a_token_by_default_and_never_silently_without() {
    let pipeline = Pipeline::default();
    let refused = streamviz::web::ServerHandle::start(
        pipeline.clone(),
        ServerOptions {
            host: "0.0.0.0".into(),
            port: 0,
            auth: AuthChoice::Off,
            ..ServerOptions::default()
        },
    )
    .err()
    .unwrap();
    assert!(refused.to_string().contains("allow_anonymous"), "{refused}");
    // A configuration that names nobody is no authentication either.
    let empty = streamviz::web::ServerHandle::start(
        pipeline.clone(),
        ServerOptions {
            host: "0.0.0.0".into(),
            port: 0,
            auth: AuthChoice::On(AuthConfig::default()),
            ..ServerOptions::default()
        },
    )
    .err()
    .unwrap();
    assert!(empty.to_string().contains("allow_anonymous"), "{empty}");
    let anonymous = streamviz::web::ServerHandle::start(
        pipeline.clone(),
        ServerOptions {
            host: "0.0.0.0".into(),
            port: 0,
            auth: AuthChoice::Off,
            allow_anonymous: true,
            ..ServerOptions::default()
        },
    )
    .unwrap();
    assert!(anonymous.token().is_none());
    drop(anonymous);
    let default = streamviz::web::ServerHandle::start(
        pipeline,
        ServerOptions {
            host: "0.0.0.0".into(),
            port: 0,
            ..ServerOptions::default()
        },
    )
    .unwrap();
    let token = default.token().unwrap();
    assert!(default.url().ends_with(&format!("?token={token}")));
    let (status, _) = common::http(
        default.address(),
        "GET",
        "/api/v1/widgets",
        &[("Host", "10.1.2.3:3000")],
        "",
    );
    assert_eq!(status, 401);
}

#[cfg(feature = "client")]
#[test]
fn a_mirror_is_let_in_with_the_token_and_reads_history_with_it() {
    use std::time::Duration;
    use streamviz::ingest::mirror::{ClientOptions, Mirror, MirrorStatus};
    let pipeline = Pipeline::default();
    let server = serve(&pipeline, AuthChoice::On(auth_config()));
    let base = format!("http://{}", server.address());
    let (status, body) = common::http(
        server.address(),
        "POST",
        "/api/v1/push",
        &[
            ("Host", &server.address().to_string()),
            ("Content-Type", "application/json"),
            ("Authorization", &format!("Bearer {PRODUCER_KEY}")),
        ],
        &json!({"updates": [{"widget": "cpu", "value": 1.5, "ts_ms": 1000}]}).to_string(),
    );
    assert_eq!(status, 200, "{body}");
    assert!(pipeline.flush(Duration::from_secs(5)));
    let wait_for = |mirror: &Mirror, done: &dyn Fn(&MirrorStatus) -> bool| {
        let mut seen = 0;
        while !done(&mirror.status()) {
            seen = mirror.wait_for_event(seen, Duration::from_secs(10));
        }
    };
    let refused = Mirror::start(&base).unwrap();
    wait_for(&refused, &|s| matches!(s, MirrorStatus::Refused(_)));
    let MirrorStatus::Refused(reason) = refused.status() else {
        unreachable!()
    };
    assert!(reason.contains("401"), "{reason}");
    for mirror in [
        Mirror::start(&format!("{base}/?token={TOKEN}")).unwrap(),
        Mirror::start_with(
            &base,
            ClientOptions {
                token: Some(VIEWER_KEY.into()),
                ..ClientOptions::default()
            },
        )
        .unwrap(),
    ] {
        wait_for(&mirror, &|s| *s == MirrorStatus::Live);
        let history = mirror.history().unwrap();
        let points = history.points("cpu", "", 0.0, 2_000.0).unwrap();
        assert_eq!(points, vec![(1_000.0, 1.5)]);
    }
}

/// A self-signed certificate for `localhost` and `127.0.0.1`, written as `cert.pem` and
/// `key.pem` into `dir`.
#[cfg(feature = "client")]
fn self_signed(dir: &std::path::Path) -> streamviz::web::TlsFiles {
    let made =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    streamviz::web::TlsFiles { cert, key }
}

#[cfg(feature = "client")]
#[test]
fn over_tls_the_token_becomes_a_secure_cookie_and_a_mirror_trusting_the_certificate_gets_in() {
    use std::time::Duration;
    use streamviz::ingest::mirror::{ClientOptions, Mirror, MirrorStatus};
    let dir = tempfile::tempdir().unwrap();
    let files = self_signed(dir.path());
    let pipeline = Pipeline::default();
    common::declare(&pipeline, "cpu", "metric", json!({}));
    let server = common::start_server_with(
        &pipeline,
        ServerOptions {
            port: 0,
            auth: AuthChoice::On(AuthConfig::with_token(Some(TOKEN.into())).unwrap()),
            tls: Some(files.clone()),
            ..ServerOptions::default()
        },
    );
    let url = server.url();
    assert!(url.starts_with("https://127.0.0.1:") && url.ends_with(&format!("?token={TOKEN}")));

    // A browser-like client trusting the certificate: the token URL becomes a Secure cookie.
    let pem = std::fs::read(&files.cert).unwrap();
    let cert = ureq::tls::Certificate::from_pem(&pem).unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![
                    cert,
                ])))
                .build(),
        )
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let response = agent.get(&url).call().unwrap();
    assert_eq!(response.status(), 303);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    // Plain HTTP to the TLS port gets no dashboard.
    let plain = ureq::get(&url.replace("https://", "http://")).call();
    assert!(plain.is_err(), "{plain:?}");

    let wait_for = |mirror: &Mirror, done: &dyn Fn(&MirrorStatus) -> bool| {
        let mut seen = 0;
        while !done(&mirror.status()) {
            seen = mirror.wait_for_event(seen, Duration::from_secs(10));
        }
    };
    // A mirror that does not trust the certificate never gets in, and says why.
    let untrusting = Mirror::start(&url).unwrap();
    wait_for(&untrusting, &|s| matches!(s, MirrorStatus::Reconnecting(_)));
    let MirrorStatus::Reconnecting(reason) = untrusting.status() else {
        unreachable!()
    };
    assert!(reason.to_lowercase().contains("certificate"), "{reason}");
    // One that trusts it streams over wss:// and reads history over https://.
    let mirror = Mirror::start_with(
        &url,
        ClientOptions {
            ca_file: Some(files.cert.clone()),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    wait_for(&mirror, &|s| *s == MirrorStatus::Live);
    let history = mirror.history().unwrap();
    assert_eq!(history.points("cpu", "", 0.0, 1e13).unwrap(), vec![]);
    assert_eq!(
        mirror.pipeline().engine().config_view().widgets[0].id,
        "cpu"
    );

    // Files that are not a certificate and its key stop the start, saying which.
    let wrong = streamviz::web::TlsFiles {
        cert: files.key.clone(),
        key: files.cert.clone(),
    };
    let refused = ServerHandle::start(
        pipeline,
        ServerOptions {
            port: 0,
            tls: Some(wrong),
            ..ServerOptions::default()
        },
    )
    .err()
    .unwrap();
    assert!(refused.to_string().contains("key.pem"), "{refused}");
}

/// `streamviz ARGS` with `stdin` as its input; (exit code, stderr) when it ends by itself.
#[cfg(feature = "sqlite")]
fn streamviz(args: &[&str], stdin: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_streamviz"))
        .args(args)
        .env_remove("STREAMVIZ_TOKEN")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[cfg(feature = "sqlite")]
#[test]
fn streamviz_serve_takes_users_and_keys_from_a_file_with_hashed_passwords() {
    let (code, hash, _) = streamviz(&["hash-password"], "s3cret-for-the-cli\n");
    assert_eq!(code, 0);
    let hash = hash.trim().to_owned();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let (code, _, stderr) = streamviz(
        &[
            "serve", "--host", "0.0.0.0", "--port", "0", "--auth", "none",
        ],
        "",
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("allow_anonymous"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("auth.json");
    std::fs::write(
        &file,
        json!({"users": {"cli": {"password_hash": hash, "role": "viewer"}},
               "api_keys": {"feeder": {"key": PRODUCER_KEY, "role": "producer"}}})
        .to_string(),
    )
    .unwrap();
    let served = common::Served::start(&[
        "serve".as_ref(),
        "--port".as_ref(),
        "0".as_ref(),
        "--auth".as_ref(),
        file.as_os_str(),
    ]);
    assert!(
        served.serving.ends_with("(sign in at /login)"),
        "{}",
        served.serving
    );
    let address = served.address();
    let push = json!({"widgets": [{"id": "t", "kind": "gauge"}], "updates": [{"widget": "t", "value": 4}]}).to_string();
    let call = |method: &str, path: &str, authorization: &str, body: &str| {
        let mut headers = vec![("Host", "127.0.0.1"), ("Content-Type", "application/json")];
        if !authorization.is_empty() {
            headers.push(("Authorization", authorization));
        }
        common::http(&address, method, path, &headers, body)
    };
    let producer = format!("Bearer {PRODUCER_KEY}");
    let viewer = "Basic Y2xpOnMzY3JldC1mb3ItdGhlLWNsaQ=="; // cli:s3cret-for-the-cli
    assert_eq!(call("POST", "/api/v1/push", &producer, &push).0, 200);
    assert_eq!(call("POST", "/api/v1/push", viewer, &push).0, 403);
    let (status, widgets) = call("GET", "/api/v1/widgets", viewer, "");
    assert_eq!(status, 200);
    assert_eq!(widgets["widgets"][0]["id"], "t");
    assert_eq!(call("GET", "/api/v1/widgets", "", "").0, 401);
}

#[cfg(feature = "sqlite")]
#[test]
fn the_network_without_tls_is_warned_of_once_and_the_token_is_shown_only_on_the_terminal() {
    let mut served = common::Served::start(&[
        "serve".as_ref(),
        "--host".as_ref(),
        "0.0.0.0".as_ref(),
        "--port".as_ref(),
        "0".as_ref(),
    ]);
    let warnings: Vec<&String> = served
        .before
        .iter()
        .filter(|l| l.contains("travel in clear"))
        .collect();
    assert_eq!(warnings.len(), 1, "{:?}", served.before);
    assert!(
        served.serving.contains("(token access)"),
        "{}",
        served.serving
    );
    assert!(
        !served.serving.contains("token="),
        "the log line has no token"
    );
    // The next line it writes (read as it comes, not after stopping it: it may not be out yet).
    let opened = served
        .lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.starts_with("open http://"))
        .unwrap();
    assert!(opened.contains("/?token="), "{opened}");
}
