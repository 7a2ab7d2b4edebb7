//! Shared scaffolding of the criterion benchmarks: the count every job
//! ends with, the end-to-end timing loop, a way of waiting for other
//! counters, and a raw C pool for the `wpool-sys` columns.
//!
//! The benchmarks themselves are in `benches/`: `compare` (wpool against its
//! peers, the README's table) and `wrapper_cost` (the safe crate's paths
//! against the C API).

use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::thread::Thread;
use std::time::{Duration, Instant};

use wpool_sys as sys;

/// The count of finished jobs, on a cache line of its own: every worker
/// writes it.
static DONE: Padded<AtomicU64> = Padded(AtomicU64::new(0));
/// The count a producer waits for ([`u64::MAX`]: none), and who waits: read
/// by every job, written only between runs, so kept off `DONE`'s line.
static TARGET: Padded<AtomicU64> = Padded(AtomicU64::new(u64::MAX));
static WAITER: Mutex<Option<Thread>> = Mutex::new(None);

#[repr(align(128))]
struct Padded<T>(T);

/// What every job does last: count itself done. The job that brings the
/// count to the target of [`time_jobs`] wakes the producer, so the producer
/// sleeps while it waits instead of polling: polling would take CPU time
/// from the workers on a small machine, and more from slower pools.
pub fn job_done() {
    // Release: pairs with the waiter's Acquire, so a job's effects are
    // visible once it has been counted.
    let n = DONE.0.fetch_add(1, Ordering::Release) + 1;
    if n == TARGET.0.load(Ordering::Relaxed) {
        if let Some(waiter) = WAITER.lock().unwrap().as_ref() {
            waiter.unpark();
        }
    }
}

/// The number of jobs counted by [`job_done`] so far.
pub fn jobs_done() -> u64 {
    DONE.0.load(Ordering::Acquire)
}

/// Times `iters` jobs end to end: `producers` threads (the caller is the
/// first) submit `iters` jobs in all through `submit(count)`, and the clock
/// stops when the last of them has called [`job_done`]. One run at a time.
pub fn time_jobs<S>(iters: u64, producers: u64, submit: S) -> Duration
where
    S: Fn(u64) + Sync,
{
    let producers = producers.max(1);
    let share = |p: u64| iters / producers + u64::from(p < iters % producers);
    let target = DONE.0.load(Ordering::Relaxed) + iters;
    *WAITER.lock().unwrap() = Some(std::thread::current());
    TARGET.0.store(target, Ordering::Relaxed); // published by the submits
    let start = Instant::now();
    if producers == 1 {
        submit(iters); // no scope: it would allocate
    } else {
        std::thread::scope(|s| {
            for p in 1..producers {
                let submit = &submit;
                s.spawn(move || submit(share(p)));
            }
            submit(share(0));
        });
    }
    let spin_until = Instant::now() + Duration::from_micros(20);
    while jobs_done() < target {
        if Instant::now() < spin_until {
            std::hint::spin_loop(); // a finished run is often this close
        } else if start.elapsed() > Duration::from_secs(120) {
            panic!(
                "waited 2 minutes for {} of {iters} jobs",
                target - jobs_done()
            );
        } else {
            // Woken by the last job; the timeout only bounds a wake-up that
            // raced with the target's store.
            std::thread::park_timeout(Duration::from_millis(1));
        }
    }
    let elapsed = start.elapsed();
    TARGET.0.store(u64::MAX, Ordering::Relaxed);
    elapsed
}

/// Waits until `reached()` (polled with Acquire loads, say): spins for
/// ~20 µs, then sleeps in short steps so that the waiting thread does not
/// take a CPU from the workers on a small machine. For untimed waits; timed
/// runs wait in [`time_jobs`].
///
/// # Panics
/// After two minutes, naming `what`: a lost job must fail the run, not hang
/// it.
pub fn wait_until(what: &str, reached: impl Fn() -> bool) {
    let start = Instant::now();
    while !reached() {
        let waited = start.elapsed();
        if waited < Duration::from_micros(20) {
            std::hint::spin_loop();
        } else if waited < Duration::from_secs(120) {
            std::thread::sleep(Duration::from_micros(20));
        } else {
            panic!("waited 2 minutes for {what}");
        }
    }
}

/// A C pool made through `wpool-sys` with the default configuration but for
/// the worker count; destroyed (after its queued jobs have run) on drop.
pub struct RawPool(*mut sys::wpool);

// SAFETY: every wpool_* function may be called from any thread on a live
// pool, and the pool lives until `drop`, which takes `&mut self`.
unsafe impl Sync for RawPool {}

impl RawPool {
    /// # Panics
    /// If the pool cannot be created.
    pub fn new(workers: u32) -> RawPool {
        let mut cfg = sys::wpool_config::default();
        let mut raw = ptr::null_mut();
        // SAFETY: `cfg` and `raw` are valid for writes; `wpool_config_init`
        // fills every field before `wpool_create` reads them.
        let rc = unsafe {
            sys::wpool_config_init(&mut cfg);
            cfg.workers = workers;
            sys::wpool_create(&cfg, &mut raw)
        };
        assert_eq!(rc, sys::WPOOL_OK, "wpool_create");
        RawPool(raw)
    }

    /// The pool, for `wpool_*` calls. A method rather than the field, so
    /// closures capture the whole (`Sync`) `RawPool`.
    pub fn as_ptr(&self) -> *mut sys::wpool {
        self.0
    }
}

impl Drop for RawPool {
    fn drop(&mut self) {
        // SAFETY: the pool is live and this is its last use.
        unsafe { sys::wpool_destroy(self.0) };
    }
}

/// The top-level README's Rust examples, compiled and run as doc tests (this
/// crate is the workspace's unpublished member, so it can reach the file).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct RootReadmeDoctests;
