//! The `Pool` handle itself: it owns the C pool and its `Shared`, destroys
//! them with the last clone, and queues one job. The public methods are in
//! `pool.rs`.

use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wpool_sys as sys;

use crate::error::Error;
use crate::job::{self, Job};
use crate::priority::Priority;
use crate::thread::Shared;

/// How long a submission waits for room: `0` tries once, `WPOOL_FOREVER`
/// waits.
pub(crate) const TRY: u64 = 0;
pub(crate) const WAIT: u64 = sys::WPOOL_FOREVER;

/// A timeout for the C API: saturates below `WPOOL_FOREVER`, which would
/// mean "wait forever". Zero means "try once" to C (`Full`), which
/// `Pool::enqueue` reports as a timeout like any other bounded wait.
pub(crate) fn to_timeout_ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos())
        .unwrap_or(u64::MAX)
        .min(sys::WPOOL_FOREVER - 1)
}

/// A deadline on the C pool's clock (`wpool_now_ns`), as
/// `wpool_job_opts.deadline_ns` takes it: as far from that clock's now as
/// `at` is from `Instant::now()`, before or after, saturating. Never 0
/// ("no deadline"): an instant long past is still past.
pub(crate) fn to_deadline_ns(at: Instant) -> u64 {
    fn ns(d: Duration) -> u64 {
        u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
    }
    // SAFETY: reads a monotonic clock; no preconditions.
    let c_now = unsafe { sys::wpool_now_ns() };
    let now = Instant::now();
    let deadline = match at.checked_duration_since(now) {
        Some(ahead) => c_now.saturating_add(ns(ahead)),
        None => c_now.saturating_sub(ns(now - at)),
    };
    deadline.max(1)
}

/// How a job is handed to C: `Plain` (`wpool_submit_task`, the cheapest:
/// no ticket, no deadline) or `Ticketed` (`wpool_submit_job`: a ticket for
/// `wpool_cancel`, and a deadline unless `deadline_ns` is 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    Plain,
    Ticketed { deadline_ns: u64 },
}

impl Via {
    /// A fire-and-forget job with an optional deadline (`deadline_ns` 0:
    /// none) takes the plain path unless it has one.
    pub(crate) fn for_deadline(deadline_ns: u64) -> Via {
        match deadline_ns {
            0 => Via::Plain,
            deadline_ns => Via::Ticketed { deadline_ns },
        }
    }
}

/// The owner of the C pool; shut down and destroyed when the last `Pool`
/// clone goes.
struct Inner {
    raw: NonNull<sys::wpool>,
    /// `Some` until drop; freed after the pool's threads are joined.
    shared: Option<Box<Shared>>,
}

// SAFETY: the C API may be called from any thread, concurrently, on a live
// pool (wpool.h, "Threading"); `Inner` only frees it in `drop`, when no other
// reference exists. `Shared` holds only `Send + Sync` data and atomics.
unsafe impl Send for Inner {}
// SAFETY: as above: every method takes `&self` and calls thread-safe C.
unsafe impl Sync for Inner {}

impl Drop for Inner {
    fn drop(&mut self) {
        let doomed = Doomed {
            raw: self.raw,
            shared: self.shared.take(),
        };
        // SAFETY: the pool is live until `doomed` destroys it.
        if unsafe { sys::wpool_in_pool(self.raw.as_ptr()) } == 0 {
            doomed.destroy();
            return;
        }
        // The last handle was dropped by one of the pool's own jobs, which
        // cannot wait for itself: a helper thread waits instead.
        let spawned = std::thread::Builder::new()
            .name("wpool-drop".into())
            .spawn(move || doomed.destroy());
        if spawned.is_err() {
            eprintln!("wpool: no thread to destroy a pool dropped by its own job; it is leaked");
        }
    }
}

/// A pool whose last handle is gone, on its way to `wpool_destroy`.
struct Doomed {
    raw: NonNull<sys::wpool>,
    shared: Option<Box<Shared>>,
}

// SAFETY: the pool may be destroyed from any thread, and this is its only
// owner left; `Shared` is Send.
unsafe impl Send for Doomed {}

impl Doomed {
    fn destroy(self) {
        // SAFETY: nothing else refers to the pool any more. wpool_destroy
        // waits for every queued and running job, joins the threads and frees
        // the pool; only then is the hooks' context (`shared`) freed.
        unsafe { sys::wpool_destroy(self.raw.as_ptr()) };
        // No async submitter can be waiting: each borrows a `Pool`, and this
        // was the last. (The shutdown inside wpool_destroy called on_room,
        // with `shared` as its context, which is why it is freed only now.)
        drop(self.shared);
    }
}

/// A priority worker pool.
///
/// `Pool` is a cheap handle (an `Arc` inside): clones share one pool, and it
/// is `Send + Sync`. When the last clone is dropped the pool shuts down,
/// **waiting for every accepted job** (queued and running) to finish
/// (except the jobs of a [paused](Pool::pause) priority, which are
/// discarded), then joins its threads; use [`shutdown_timeout`](Pool::shutdown_timeout) first
/// to bound that wait. A pool dropped by one of its own jobs is destroyed on
/// a helper thread instead (it cannot wait for itself).
///
/// # Submitting
///
/// | waits for room | fails at once when full | bounded wait | returns |
/// |---|---|---|---|
/// | [`spawn`](Pool::spawn) | [`try_spawn`](Pool::try_spawn) | [`spawn_timeout`](Pool::spawn_timeout) | `()`: fire and forget |
/// | [`submit`](Pool::submit) | [`try_submit`](Pool::try_submit) | [`submit_timeout`](Pool::submit_timeout) | a [`JoinHandle`](crate::JoinHandle) |
///
/// A failed submission gives the closure back ([`SpawnError::into_inner`](crate::SpawnError::into_inner)).
/// Fire-and-forget is the cheapest path: a closure that fits in a pointer
/// (one `Arc`, one reference, or nothing captured) is stored in the queue
/// as is; one of up to 128 bytes goes in a block recycled between threads
/// (no allocation once warm); a larger one is boxed once.
///
/// Every accepted job is either run or dropped unstarted (its closure is
/// dropped, running its destructors): by a shutdown whose deadline passed
/// (or that found its priority [paused](Pool::pause)), by
/// [`JoinHandle::cancel`](crate::JoinHandle::cancel), or because its
/// [deadline](Pool::job) passed. Never both, never neither.
///
/// # Job lifecycle
///
/// | | |
/// |---|---|
/// | a deadline for one job | [`pool.job(prio).deadline(at)`](Pool::job), then `spawn`/`submit` ([`JobBuilder`](crate::JobBuilder)) |
/// | cancel a queued job | [`JoinHandle::cancel`](crate::JoinHandle::cancel), [`ScopedJoinHandle::cancel`](crate::ScopedJoinHandle::cancel) |
/// | hold a priority's queued work | [`pause`](Pool::pause), [`resume`](Pool::resume) |
/// | resize | [`set_workers`](Pool::set_workers), [`set_max_temp_workers`](Pool::set_max_temp_workers) |
/// | why a job did not run | [`JoinError::is_cancelled`](crate::JoinError::is_cancelled), [`is_expired`](crate::JoinError::is_expired), [`is_discarded`](crate::JoinError::is_discarded); [`PriorityStats`](crate::PriorityStats)`::{cancelled, expired, discarded}` |
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use wpool::{Pool, Priority};
///
/// let pool = Pool::builder().workers(2).build()?;
/// let done = Arc::new(AtomicUsize::new(0));
/// for _ in 0..1000 {
///     let done = done.clone();
///     pool.spawn(Priority::Low, move || { done.fetch_add(1, Ordering::Relaxed); }).unwrap();
/// }
/// let answer = pool.submit(Priority::High, || 6 * 7).unwrap();
/// assert_eq!(answer.join().unwrap(), 42);
/// drop(pool); // waits for the 1000 jobs
/// assert_eq!(done.load(Ordering::Relaxed), 1000);
/// # Ok::<(), wpool::Error>(())
/// ```
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("raw", &self.inner.raw)
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// The handle of a pool `wpool_create` just made, with its hooks'
    /// context.
    pub(crate) fn from_parts(raw: NonNull<sys::wpool>, shared: Box<Shared>) -> Pool {
        Pool {
            inner: Arc::new(Inner {
                raw,
                shared: Some(shared),
            }),
        }
    }

    pub(crate) fn raw(&self) -> *mut sys::wpool {
        self.inner.raw.as_ptr()
    }

    /// Queues `job`, waiting up to `timeout_ns` (`TRY`, `WAIT` or a bound);
    /// gives it back with the error if the pool refused it. A bounded wait
    /// that failed for want of room is `TimedOut`.
    ///
    /// # Safety
    ///
    /// Everything `J` borrows must outlive its run or discard.
    pub(crate) unsafe fn enqueue<J: Job>(
        &self,
        prio: Priority,
        job: J,
        timeout_ns: u64,
    ) -> Result<(), (Error, J)> {
        // SAFETY: the pool is live while `self` exists; the caller
        // guarantees the job's borrows.
        unsafe { job::enqueue(self.raw(), prio.raw(), job, timeout_ns) }.map_err(|(rc, job)| {
            let err = Error::from_code(rc).unwrap_or(Error::Unknown(rc));
            (
                if timeout_ns != TRY && err == Error::Full {
                    Error::TimedOut
                } else {
                    err
                },
                job,
            )
        })
    }

    /// As [`enqueue`](Pool::enqueue), through `wpool_submit_job`: with a
    /// deadline (`deadline_ns` on the `wpool_now_ns` clock, 0: none), and
    /// the job's ticket returned. The wait for room ends at the deadline
    /// too: `TimedOut` (also for a wait with no timeout of its own).
    ///
    /// # Safety
    ///
    /// As for [`enqueue`](Pool::enqueue).
    pub(crate) unsafe fn enqueue_job<J: Job>(
        &self,
        prio: Priority,
        job: J,
        timeout_ns: u64,
        deadline_ns: u64,
    ) -> Result<sys::wpool_ticket, (Error, J)> {
        // SAFETY: the pool is live while `self` exists; the caller
        // guarantees the job's borrows.
        unsafe { job::enqueue_job(self.raw(), prio.raw(), job, timeout_ns, deadline_ns) }.map_err(
            |(rc, job)| {
                let err = Error::from_code(rc).unwrap_or(Error::Unknown(rc));
                (
                    if timeout_ns != TRY && err == Error::Full {
                        Error::TimedOut
                    } else {
                        err
                    },
                    job,
                )
            },
        )
    }

    /// [`enqueue`](Pool::enqueue) or [`enqueue_job`](Pool::enqueue_job),
    /// as `via` says; the ticket is 0 for `Via::Plain`.
    ///
    /// # Safety
    ///
    /// As for [`enqueue`](Pool::enqueue).
    pub(crate) unsafe fn enqueue_via<J: Job>(
        &self,
        prio: Priority,
        job: J,
        timeout_ns: u64,
        via: Via,
    ) -> Result<sys::wpool_ticket, (Error, J)> {
        // SAFETY: the caller's guarantees are passed on.
        unsafe {
            match via {
                Via::Plain => self.enqueue(prio, job, timeout_ns).map(|()| 0),
                Via::Ticketed { deadline_ns } => {
                    self.enqueue_job(prio, job, timeout_ns, deadline_ns)
                }
            }
        }
    }

    pub(crate) fn shared(&self) -> &Shared {
        self.inner.shared.as_deref().expect("present until drop")
    }
}
