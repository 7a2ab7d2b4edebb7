//! The `Pool` handle itself: it owns the C pool and its `Shared`, destroys
//! them with the last clone, and queues one job. The public methods are in
//! `pool.rs`.

use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;
use std::time::Duration;

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
/// **waiting for every accepted job** (queued and running) to finish, then
/// joins its threads; use [`shutdown_timeout`](Pool::shutdown_timeout) first
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
/// Every accepted job is either run or, if a shutdown's deadline passes
/// before it starts, discarded: its closure is dropped, running its
/// destructors. Never both, never neither.
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

    pub(crate) fn shared(&self) -> &Shared {
        self.inner.shared.as_deref().expect("present until drop")
    }
}
