//! An HTTP service (axum on tokio) that offloads CPU work: `GET /high` runs
//! a short job at [`Priority::High`], `GET /low` a long one at
//! [`Priority::Low`]. The work goes to a [`wpool::Pool`]
//! ([`Backend::Wpool`]: `submit_async`, then the handle is awaited) or to
//! tokio's `spawn_blocking` ([`Backend::Blocking`], the peer: no priorities).
//!
//! The binary (`src/main.rs`) parses [`Config::from_args`], builds the
//! runtime ([`Config::runtime`]) and serves [`app`]; the tests do the same
//! in-process on port 0. `load.sh` measures High latency alone and under a
//! flood of Low requests, for both backends.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use wpool::{OsPriority, Pool, Priority};

/// Where the CPU work runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// A `wpool::Pool` of `workers` regular workers, otherwise its defaults.
    Wpool,
    /// tokio's `spawn_blocking`, at most `workers` blocking threads.
    Blocking,
}

/// The service's settings, from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `--backend wpool|blocking` (default wpool).
    pub backend: BackendKind,
    /// `--workers N` (default 2): pool workers, or tokio's blocking threads.
    pub workers: usize,
    /// `--threads N` (default 2): tokio's worker threads.
    pub threads: usize,
    /// `--port N` (default 3000; 0: any free port).
    pub port: u16,
    /// `--high-us N` (default 300): CPU time of a `/high` request.
    pub high: Duration,
    /// `--low-us N` (default 5000): CPU time of a `/low` request.
    pub low: Duration,
    /// `--os-priority inherit|below|lowest|idle`: the pool's regular
    /// workers' OS priority (default: the pool's default, lowest).
    pub os_priority: Option<OsPriority>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            backend: BackendKind::Wpool,
            workers: 2,
            threads: 2,
            port: 3000,
            high: Duration::from_micros(300),
            low: Duration::from_micros(5000),
            os_priority: None,
        }
    }
}

/// What `--help` prints.
pub const USAGE: &str = "\
usage: wpool-service [--backend wpool|blocking] [--workers N] [--threads N]
                     [--port N] [--high-us N] [--low-us N]
                     [--os-priority inherit|below|lowest|idle]

  --backend   where the CPU work runs: a wpool::Pool (default) or tokio's spawn_blocking
  --workers   pool workers, or tokio's max_blocking_threads (default 2)
  --threads   tokio worker threads (default 2)
  --port      port on 127.0.0.1 (default 3000; 0: any free port)
  --high-us   CPU time of GET /high, in microseconds (default 300), at Priority::High
  --low-us    CPU time of GET /low, in microseconds (default 5000), at Priority::Low
  --os-priority  the pool's regular workers' OS priority (default: the pool's, lowest)";

impl Config {
    /// Parses the arguments (without the program name). `Ok(None)`: `--help`.
    ///
    /// # Errors
    ///
    /// An unknown flag, a missing or malformed value.
    pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> Result<Option<Config>, String> {
        let mut cfg = Config::default();
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            if flag == "--help" || flag == "-h" {
                return Ok(None);
            }
            let (name, inline) = match flag.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                None => (flag.clone(), None),
            };
            let value = match inline.or_else(|| args.next()) {
                Some(value) => value,
                None => return Err(format!("{name} needs a value")),
            };
            let number = |what: &str| -> Result<u64, String> {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("{what}: not a number: {value:?}"))
            };
            match name.as_str() {
                "--backend" => {
                    cfg.backend = match value.as_str() {
                        "wpool" => BackendKind::Wpool,
                        "blocking" => BackendKind::Blocking,
                        _ => return Err(format!("--backend: wpool or blocking, not {value:?}")),
                    }
                }
                "--workers" => cfg.workers = number("--workers")?.max(1) as usize,
                "--threads" => cfg.threads = number("--threads")?.max(1) as usize,
                "--port" => {
                    cfg.port = u16::try_from(number("--port")?)
                        .map_err(|_| format!("--port: out of range: {value}"))?
                }
                "--high-us" => cfg.high = Duration::from_micros(number("--high-us")?),
                "--low-us" => cfg.low = Duration::from_micros(number("--low-us")?),
                "--os-priority" => {
                    cfg.os_priority = Some(match value.as_str() {
                        "inherit" => OsPriority::Inherit,
                        "below" => OsPriority::Below,
                        "lowest" => OsPriority::Lowest,
                        "idle" => OsPriority::Idle,
                        _ => return Err(format!("--os-priority: not a level: {value:?}")),
                    })
                }
                _ => return Err(format!("unknown flag {name}\n\n{USAGE}")),
            }
        }
        Ok(Some(cfg))
    }

    /// The tokio runtime to serve on: `threads` workers, and at most
    /// `workers` blocking threads (the `blocking` backend's pool).
    ///
    /// # Errors
    ///
    /// The runtime's threads could not start.
    pub fn runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.threads)
            .max_blocking_threads(self.workers)
            .enable_io()
            .build()
    }

    /// The address to listen on.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
}

/// Where the handlers send the work.
#[derive(Debug)]
pub enum Backend {
    /// A wpool pool.
    Wpool(Pool),
    /// tokio's `spawn_blocking` (the runtime's blocking threads).
    Blocking,
}

impl Backend {
    /// The backend `cfg` asks for.
    ///
    /// # Errors
    ///
    /// The pool could not be created.
    pub fn new(cfg: &Config) -> Result<Backend, wpool::Error> {
        Ok(match cfg.backend {
            BackendKind::Wpool => {
                let mut builder = Pool::builder().workers(cfg.workers);
                if let Some(level) = cfg.os_priority {
                    builder = builder.worker_os_priority(level);
                }
                Backend::Wpool(builder.build()?)
            }
            BackendKind::Blocking => Backend::Blocking,
        })
    }
}

/// The handlers' state.
#[derive(Debug)]
pub struct AppState {
    /// Where the work runs.
    pub backend: Backend,
    /// CPU time of `/high`.
    pub high: Duration,
    /// CPU time of `/low`.
    pub low: Duration,
}

/// Keeps the CPU busy for `d`: spins until the clock says `d` has passed
/// (real work for the scheduler, unlike a sleep). Returns the iterations.
pub fn spin(d: Duration) -> u64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < d {
        // A little arithmetic between clock reads, kept by black_box.
        for _ in 0..64 {
            n = std::hint::black_box(n.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
    n
}

type Reply = (StatusCode, String);

async fn run(state: &AppState, prio: Priority, d: Duration) -> Reply {
    match &state.backend {
        Backend::Wpool(pool) => {
            let handle = match pool.submit_async(prio, move || spin(d)).await {
                Ok(handle) => handle,
                Err(_closed) => return (StatusCode::SERVICE_UNAVAILABLE, "pool closed\n".into()),
            };
            match handle.await {
                Ok(_) => (StatusCode::OK, format!("{prio:?} done\n")),
                Err(err) if err.is_discarded() => {
                    (StatusCode::SERVICE_UNAVAILABLE, "pool closed\n".into())
                }
                Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{err}\n")),
            }
        }
        Backend::Blocking => match tokio::task::spawn_blocking(move || spin(d)).await {
            Ok(_) => (StatusCode::OK, format!("{prio:?} done\n")),
            Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{err}\n")),
        },
    }
}

async fn high(State(state): State<Arc<AppState>>) -> Reply {
    run(&state, Priority::High, state.high).await
}

async fn low(State(state): State<Arc<AppState>>) -> Reply {
    run(&state, Priority::Low, state.low).await
}

/// The service's routes: `GET /high` and `GET /low`.
pub fn app(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/high", get(high))
        .route("/low", get(low))
        .with_state(state)
}

/// Serves `app` on `listener` until the process ends (or the future is
/// dropped).
///
/// # Errors
///
/// The listener failed.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(listener, app).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Config>, String> {
        Config::from_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags() {
        assert_eq!(parse(&[]).unwrap(), Some(Config::default()));
        let cfg = parse(&[
            "--backend",
            "blocking",
            "--workers=3",
            "--threads",
            "4",
            "--port",
            "0",
            "--high-us",
            "10",
            "--low-us=20",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(cfg.backend, BackendKind::Blocking);
        assert_eq!((cfg.workers, cfg.threads, cfg.port), (3, 4, 0));
        assert_eq!(cfg.high, Duration::from_micros(10));
        assert_eq!(cfg.low, Duration::from_micros(20));
        assert_eq!(parse(&["--help"]).unwrap(), None);
        assert!(parse(&["--backend", "rayon"]).is_err());
        assert!(parse(&["--port", "70000"]).is_err());
        assert!(parse(&["--workers"]).is_err());
        assert!(parse(&["--nope", "1"]).is_err());
    }

    #[test]
    fn spin_takes_the_time_it_is_given() {
        let start = Instant::now();
        spin(Duration::from_millis(2));
        assert!(start.elapsed() >= Duration::from_millis(2));
    }
}
