//! `wpool-service`: serves `GET /high` and `GET /low` (see the library's
//! docs and `--help`) until killed.

use std::process::ExitCode;
use std::sync::Arc;

use wpool_service_example::{app, serve, AppState, Backend, Config, USAGE};

fn main() -> ExitCode {
    let cfg = match Config::from_args(std::env::args().skip(1)) {
        Ok(Some(cfg)) => cfg,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("wpool-service: {err}");
            return ExitCode::from(2);
        }
    };
    let backend = match Backend::new(&cfg) {
        Ok(backend) => backend,
        Err(err) => {
            eprintln!("wpool-service: cannot create the pool: {err}");
            return ExitCode::FAILURE;
        }
    };
    let state = Arc::new(AppState {
        backend,
        high: cfg.high,
        low: cfg.low,
    });
    let runtime = match cfg.runtime() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("wpool-service: cannot start tokio: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(cfg.addr()).await?;
        // load.sh waits for this line.
        println!(
            "wpool-service: listening on http://{} (backend {:?}, {} workers, {} tokio threads, \
             high {:?}, low {:?})",
            listener.local_addr()?,
            cfg.backend,
            cfg.workers,
            cfg.threads,
            cfg.high,
            cfg.low
        );
        serve(listener, app(state)).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("wpool-service: {err}");
            ExitCode::FAILURE
        }
    }
}
