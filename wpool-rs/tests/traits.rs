//! The auto traits the API promises: a pool and its handles move between
//! threads; a join handle of a `Send` result is `Send`; a scope is shared by
//! its jobs.

use wpool::{
    ConfigError, Error, JoinError, JoinHandle, Pool, Priority, Scope, ScopedJoinHandle, SpawnAsync,
    SpawnError, Stats, SubmitAsync, TrySpawnError,
};

fn send_sync<T: Send + Sync>() {}
fn send<T: Send>() {}

#[test]
fn the_api_types_are_send_and_sync_where_promised() {
    send_sync::<Pool>();
    send_sync::<Stats>();
    send_sync::<Error>();
    send_sync::<Priority>();
    send_sync::<JoinHandle<u64>>();
    send::<JoinHandle<Vec<String>>>();
    send_sync::<JoinError>();
    send_sync::<ConfigError>();
    send_sync::<SpawnError<fn()>>();
    send_sync::<TrySpawnError<fn()>>();
    send_sync::<Scope<'static, 'static>>();
    send_sync::<ScopedJoinHandle<'static, u64>>();
    send_sync::<SubmitAsync<'static, fn() -> u64, u64>>();
    send::<SubmitAsync<'static, fn() -> Vec<String>, Vec<String>>>();
    send_sync::<SpawnAsync<'static, fn()>>();
}

#[test]
fn a_pool_clone_used_from_many_threads_is_one_pool() {
    let pool = Pool::builder().workers(2).build().unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            let pool = pool.clone();
            s.spawn(move || {
                for _ in 0..1000 {
                    pool.spawn(Priority::Normal, || ()).unwrap();
                }
            });
        }
    });
    pool.wait_idle().unwrap();
    assert_eq!(pool.stats()[Priority::Normal].completed, 4000);
}

/// `JoinError` is `Send + Sync` (as tokio's): `?` converts it into the error
/// types applications use, and the panic stays retrievable.
#[test]
fn a_join_error_converts_into_boxed_send_sync_errors_and_keeps_its_payload() {
    fn run(pool: &Pool) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
        let value = pool
            .submit(Priority::Normal, || -> u32 { panic!("no {}", "luck") })
            .unwrap()
            .join()?;
        Ok(value)
    }
    let pool = Pool::builder().workers(1).build().unwrap();
    let err = run(&pool).unwrap_err();
    assert_eq!(err.to_string(), "the job panicked: no luck");
    let join_err = err.downcast::<JoinError>().unwrap();
    assert_eq!(join_err.panic_message(), Some("no luck"));
    // Shared between threads while holding the payload.
    let join_err = std::sync::Arc::new(*join_err);
    let other = join_err.clone();
    std::thread::spawn(move || assert_eq!(other.panic_message(), Some("no luck")))
        .join()
        .unwrap();
    let payload = std::sync::Arc::try_unwrap(join_err)
        .ok()
        .unwrap()
        .into_panic();
    assert_eq!(wpool::panic_message(&*payload), Some("no luck"));
}
