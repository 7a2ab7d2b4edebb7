//! **wpool**: a priority worker pool for latency-sensitive work, a safe
//! wrapper over the C core in [`wpool-sys`](https://docs.rs/wpool-sys).
//!
//! - Three priorities, [`Priority::High`] before `Normal` before `Low`, FIFO
//!   within a level, each a bounded lock-free queue.
//! - **Temporary workers**: when High work waits and every worker is busy,
//!   extra threads start for it and retire after an idle timeout, so urgent
//!   work does not wait behind bulk work.
//! - **Cheap submission**: a closure that fits in a pointer is stored in the
//!   queue as is, one of up to 128 bytes in a recycled block (no allocation
//!   either way once warm), a larger one is boxed once; a hand-off makes no
//!   system call while the workers are busy.
//! - **Backpressure** as in crossbeam: waiting, `try_` and `_timeout`
//!   submissions; a failed one gives the closure back.
//! - **Join handles** that block or `.await` (no runtime needed), and
//!   **async submission** ([`Pool::submit_async`], [`Pool::spawn_async`]):
//!   futures that wait for room in a full queue without blocking the
//!   executor's thread;
//!   **scoped jobs** that borrow from the stack, **panics** caught at the
//!   boundary and reported, **graceful shutdown** with a deadline where every
//!   job is run or dropped exactly once, and **statistics** per priority.
//! - **Job lifecycle**: [cancel](JoinHandle::cancel) a queued job, give one
//!   a [deadline](Pool::job) after which it is dropped unrun,
//!   [pause](Pool::pause) and resume a priority, [resize](Pool::set_workers)
//!   the pool while it runs.
//!
//! # A short tour
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::sync::Arc;
//! use std::time::Duration;
//! use wpool::{Pool, Priority};
//!
//! let pool = Pool::builder()
//!     .workers(2)
//!     .max_temp_workers(2)
//!     .temp_idle_timeout(Duration::from_millis(100))
//!     .build()?;
//!
//! // Fire and forget: the cheapest path.
//! let counter = Arc::new(AtomicUsize::new(0));
//! for _ in 0..100 {
//!     let counter = counter.clone();
//!     pool.spawn(Priority::Low, move || { counter.fetch_add(1, Ordering::Relaxed); }).unwrap();
//! }
//!
//! // A result through a handle (it is also a Future).
//! let handle = pool.submit(Priority::High, || 6 * 7).unwrap();
//! assert_eq!(handle.join().unwrap(), 42);
//!
//! // Jobs that borrow from the stack.
//! let mut parts = [0u64; 4];
//! pool.scope(|s| {
//!     for (i, part) in parts.iter_mut().enumerate() {
//!         s.spawn(Priority::Normal, move || *part = i as u64).unwrap();
//!     }
//! });
//! assert_eq!(parts, [0, 1, 2, 3]);
//!
//! // A panic is reported, and the pool goes on.
//! let err = pool.submit(Priority::Normal, || panic!("bad input")).unwrap().join().unwrap_err();
//! assert_eq!(err.panic_message(), Some("bad input"));
//!
//! // Shut down with a deadline: what did not start in time is dropped.
//! let report = pool.shutdown_timeout(Duration::from_secs(5))?;
//! assert!(!report.timed_out);
//! assert_eq!(counter.load(Ordering::Relaxed), 100);
//! # Ok::<(), wpool::Error>(())
//! ```
//!
//! # Async code
//!
//! [`submit`](Pool::submit) blocks its thread while the queue is full; in
//! async code use [`submit_async`](Pool::submit_async) (or
//! [`spawn_async`](Pool::spawn_async)), whose future returns `Pending`
//! instead and is woken once three quarters of its queue are free again (as a
//! blocking submit is) or the pool shuts down. It works on any executor: the crate depends on no runtime.
//! The job's [`JoinHandle`] is itself a future.
//!
//! ```
//! use wpool::{Pool, Priority};
//!
//! async fn checksum(pool: &Pool, data: Vec<u8>) -> Option<u32> {
//!     let handle = pool
//!         .submit_async(Priority::Normal, move || data.iter().map(|&b| u32::from(b)).sum())
//!         .await
//!         .ok()?; // Err(SpawnError::Closed(f)) once the pool is shut down
//!     handle.await.ok()
//! }
//! # let _ = checksum;
//! ```
//!
//! # Job lifecycle
//!
//! Work that is worth doing only soon gets a deadline; work that is no
//! longer wanted is cancelled while still queued; bulk work can be held
//! during an incident; the pool can grow and shrink. A job that does not
//! run has its closure dropped, exactly once, and its handle says why.
//!
//! ```
//! use std::sync::mpsc;
//! use std::time::Duration;
//! use wpool::{Pool, Priority};
//!
//! let pool = Pool::builder().workers(1).max_temp_workers(0).build()?;
//! let (open, gate) = mpsc::channel::<()>();
//! pool.spawn(Priority::Normal, move || { let _ = gate.recv(); }).unwrap(); // holds the worker
//!
//! // Cancel: the job is still queued, so it is dropped now.
//! let unwanted = pool.submit(Priority::Normal, || "unwanted").unwrap();
//! assert!(unwanted.cancel());
//! assert!(unwanted.join().unwrap_err().is_cancelled());
//!
//! // A deadline: this job must start within 1 ms, and the worker is busy.
//! let stale = pool
//!     .job(Priority::Normal)
//!     .deadline_after(Duration::from_millis(1))
//!     .submit(|| "stale")
//!     .unwrap();
//! std::thread::sleep(Duration::from_millis(5));
//!
//! // Pause Low work; grow the pool while it runs.
//! pool.pause(Priority::Low)?;
//! let bulk = pool.submit(Priority::Low, || "bulk").unwrap();
//! pool.set_workers(2)?;
//!
//! open.send(()).unwrap();
//! assert!(stale.join().unwrap_err().is_expired());
//! pool.wait_idle()?; // does not wait for paused work
//! assert!(!bulk.is_finished());
//! pool.resume(Priority::Low)?;
//! assert_eq!(bulk.join().unwrap(), "bulk");
//!
//! let stats = pool.stats();
//! assert_eq!((stats.cancelled(), stats.expired(), stats.workers_target), (1, 1, 2));
//! # Ok::<(), wpool::Error>(())
//! ```
//!
//! # Dropping the pool
//!
//! A [`Pool`] is a cheap handle; when the last clone is dropped the pool
//! shuts down **waiting for every accepted job** (but those of a paused
//! priority, which it discards), like [`Pool::shutdown`], then joins its
//! threads. To bound that wait, call
//! [`Pool::shutdown_timeout`] first.
//!
//! # Panics
//!
//! No panic crosses into C. A panic in a [`submit`](Pool::submit)ted job goes
//! to its [`JoinHandle`]; in a [`spawn`](Pool::spawn)ed job it is counted in
//! [`Stats::panics`] and passed to the [panic
//! handler](Builder::panic_handler); in a scoped job it is re-raised by
//! [`Pool::scope`].
#![deny(missing_docs, unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks, rust_2018_idioms)]

// The modules form layers; each uses only those of the layers below it:
// 1. error, priority, recycle, waiters, thread (ThreadInfo, Shared,
//    thread-locals)
// 2. job (FFI trampolines), stats
// 3. handle, inner (the Pool handle, ownership and enqueue)
// 4. scope, future (async submission), lifecycle (ticketed submissions,
//    JobBuilder)
// 5. pool (Builder and the Pool's public API)
mod error;
mod future;
mod handle;
mod inner;
mod job;
mod lifecycle;
mod pool;
mod priority;
mod recycle;
mod scope;
mod stats;
mod thread;
mod waiters;

pub use error::{
    panic_message, ConfigError, Error, JoinError, SpawnBatchError, SpawnError, SpawnTimeoutError,
    TrySpawnError,
};
pub use future::{SpawnAsync, SubmitAsync};
pub use handle::JoinHandle;
pub use inner::Pool;
pub use lifecycle::JobBuilder;
pub use pool::{Builder, ShutdownReport};
pub use priority::{OsPriority, Priority};
pub use scope::{Scope, ScopedJobBuilder, ScopedJoinHandle};
pub use stats::{PriorityStats, Stats};
pub use thread::ThreadInfo;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The version of the C core this crate runs, as `"MAJOR.MINOR.PATCH"`.
///
/// ```
/// assert_eq!(wpool::version(), env!("CARGO_PKG_VERSION"));
/// ```
pub fn version() -> &'static str {
    // SAFETY: wpool_version returns a static NUL-terminated ASCII string.
    unsafe { std::ffi::CStr::from_ptr(wpool_sys::wpool_version()) }
        .to_str()
        .expect("ASCII")
}
