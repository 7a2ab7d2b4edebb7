//! Shared scaffolding of the criterion benchmarks: the job every
//! implementation runs and the end-to-end timing loop.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What an empty job does: bump a shared counter, so the producer can tell
/// when the last job has finished.
pub static DONE: AtomicU64 = AtomicU64::new(0);

/// Times `iters` jobs end to end: `producers` threads submit `iters` jobs in
/// all through `submit`, and the clock stops when the last job has run.
pub fn time_jobs<S>(iters: u64, producers: u64, submit: S) -> Duration
where
    S: Fn(u64) + Sync,
{
    let target = DONE.load(Ordering::Relaxed) + iters;
    let start = Instant::now();
    std::thread::scope(|s| {
        for p in 0..producers {
            let share = iters / producers + u64::from(p < iters % producers);
            let submit = &submit;
            s.spawn(move || submit(share));
        }
    });
    // Acquire: pairs with the jobs' increments (Relaxed there is enough for
    // the count; the load just has to see the last one).
    while DONE.load(Ordering::Acquire) < target {
        std::hint::spin_loop();
    }
    start.elapsed()
}

/// The top-level README's Rust examples, compiled and run as doc tests (this
/// crate is the workspace's unpublished member, so it can reach the file).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct RootReadmeDoctests;
