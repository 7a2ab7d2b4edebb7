//! The auto traits the API promises: a pool and its handles move between
//! threads; a join handle of a `Send` result is `Send`; a scope is shared by
//! its jobs.

use wpool::{
    Error, JoinError, JoinHandle, Pool, Priority, Scope, ScopedJoinHandle, SpawnError, Stats,
    TrySpawnError,
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
    send::<JoinError>();
    send_sync::<SpawnError<fn()>>();
    send_sync::<TrySpawnError<fn()>>();
    send_sync::<Scope<'static, 'static>>();
    send_sync::<ScopedJoinHandle<'static, u64>>();
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
