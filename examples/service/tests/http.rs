//! The service in-process, on a free port, for both backends: a few `/high`
//! and `/low` requests over plain HTTP/1.1 (std's `TcpStream`), each
//! answered 200.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use wpool_service_example::{app, serve, AppState, Backend, BackendKind, Config};

/// Starts the service on 127.0.0.1:0; returns the runtime it runs on (drop
/// it to stop) and its address.
fn start(backend: BackendKind) -> (tokio::runtime::Runtime, SocketAddr) {
    start_with(backend, |_| ())
}

/// As `start`, after `prepare` has seen the backend.
fn start_with(
    backend: BackendKind,
    prepare: impl FnOnce(&Backend),
) -> (tokio::runtime::Runtime, SocketAddr) {
    let cfg = Config {
        backend,
        port: 0,
        high: Duration::from_micros(300),
        low: Duration::from_millis(2),
        ..Config::default()
    };
    let backend = Backend::new(&cfg).unwrap();
    prepare(&backend);
    let state = Arc::new(AppState {
        backend,
        high: cfg.high,
        low: cfg.low,
    });
    let runtime = cfg.runtime().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(cfg.addr()))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(serve(listener, app(state)));
    (runtime, addr)
}

/// One request on its own connection; returns the status line and body.
fn get(addr: SocketAddr, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.lines().next().unwrap_or_default().to_owned();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn check(backend: BackendKind) {
    let (runtime, addr) = start(backend);
    std::thread::scope(|s| {
        for i in 0..6 {
            s.spawn(move || {
                let (path, want) = if i % 2 == 0 {
                    ("/high", "High done\n")
                } else {
                    ("/low", "Low done\n")
                };
                let (status, body) = get(addr, path);
                assert_eq!(status, "HTTP/1.1 200 OK", "{backend:?} {path}");
                assert_eq!(body, want);
            });
        }
    });
    let (status, _) = get(addr, "/nope");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    runtime.shutdown_timeout(Duration::from_secs(5));
}

#[test]
fn wpool_backend_answers() {
    check(BackendKind::Wpool);
}

#[test]
fn blocking_backend_answers() {
    check(BackendKind::Blocking);
}

#[test]
fn a_closed_pool_answers_503() {
    let (runtime, addr) = start_with(BackendKind::Wpool, |backend| match backend {
        Backend::Wpool(pool) => {
            pool.shutdown().unwrap();
        }
        Backend::Blocking => unreachable!(),
    });
    let (status, body) = get(addr, "/high");
    assert_eq!(status, "HTTP/1.1 503 Service Unavailable");
    assert_eq!(body, "pool closed\n");
    runtime.shutdown_timeout(Duration::from_secs(5));
}
