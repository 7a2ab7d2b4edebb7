//! Join handles: the result of a job, waited for by blocking or by `.await`.

use std::future::Future;
use std::ops::Deref;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::{self, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use wpool_sys as sys;

use crate::error::{DiscardReason, JoinError};
use crate::job::Job;
use crate::recycle;
use crate::thread::{self, Shared};

/// Where a job leaves its result for its handle.
pub(crate) struct Packet<T> {
    state: Mutex<State<T>>,
    done: Condvar,
}

struct State<T> {
    result: Option<Result<T, JoinError>>,
    waker: Option<Waker>,
    /// The result was taken by `join` or `poll`.
    taken: bool,
    /// A thread blocks in `wait`: only then is the condvar signalled (a
    /// futex wake is a system call, which most jobs need not pay).
    blocked: bool,
    /// A `cancel` is between its check of the result and the return of its
    /// `wpool_cancel`: the job's completion (other than by that cancel)
    /// waits for it, so that the pool outlives the call (see `cancel`).
    cancelling: bool,
    /// A completion waits for `cancelling` to clear.
    completion_waits: bool,
}

impl<T> Packet<T> {
    fn new() -> Packet<T> {
        Packet {
            state: Mutex::new(State {
                result: None,
                waker: None,
                taken: false,
                blocked: false,
                cancelling: false,
                completion_waits: false,
            }),
            done: Condvar::new(),
        }
    }

    /// Locks the state; a poisoned lock is still consistent (each critical
    /// section is a few assignments that cannot panic halfway).
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores the job's result (or why there is none) and wakes the
    /// handle. `by_cancel`: the completion is the discard made by this
    /// packet's own `cancel`, on the thread running it; any other waits
    /// until no cancel is in flight.
    fn complete(&self, result: Result<T, JoinError>, by_cancel: bool) {
        let (waker, blocked) = {
            let mut state = self.lock();
            loop {
                // Completed already (the completer's drop after a run or a
                // discard): nothing to do, nothing to wait for.
                if state.result.is_some() || state.taken {
                    return;
                }
                if !state.cancelling || by_cancel {
                    break;
                }
                state.completion_waits = true;
                state = self
                    .done
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            state.result = Some(result);
            (state.waker.take(), state.blocked)
        };
        if blocked {
            self.done.notify_all();
        }
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        let state = self.lock();
        state.result.is_some() || state.taken
    }

    /// Cancels the job with `token` if it has not completed: true when it
    /// was still queued (it was discarded, and this packet completed with
    /// "cancelled", before this returns).
    ///
    /// Why the pool is still alive when `wpool_cancel` is called, although
    /// the handle does not keep it alive: `wpool_destroy` first shuts the
    /// pool down, which returns only once each accepted job was run or
    /// discarded and the callback doing so returned; only then does it
    /// free anything. Every such callback completes this packet. So while
    /// the packet is not complete the pool is alive (at worst in that
    /// shutdown, during which `wpool_cancel` is documented to work); and
    /// from the check below to the return of `wpool_cancel`, `cancelling`
    /// holds back any completion but the one this cancel makes itself.
    pub(crate) fn cancel(&self, token: &CancelToken) -> bool {
        {
            let mut state = self.lock();
            // Done, or another thread cancels this same handle right now
            // (whatever it gets, this call's answer is false: the job is
            // either cancelled by that call or started).
            if state.result.is_some() || state.taken || state.cancelling {
                return false;
            }
            state.cancelling = true;
        }
        // SAFETY: the packet is not complete, and completions wait until
        // `cancelling` clears: the pool is alive for the call (see above).
        let cancelled = unsafe { token.cancel() };
        let waits = {
            let mut state = self.lock();
            state.cancelling = false;
            std::mem::take(&mut state.completion_waits)
        };
        if waits {
            self.done.notify_all();
        }
        cancelled
    }

    /// Blocks until the result is in and takes it. On one of a pool's own
    /// threads it runs queued jobs of that pool meanwhile, so a job waiting
    /// for another cannot wait for a job queued behind itself.
    pub(crate) fn wait(&self) -> Result<T, JoinError> {
        let ready = |state: &mut State<T>| {
            if state.result.is_some() {
                return true;
            }
            assert!(!state.taken, "JoinHandle: the result was already taken");
            false
        };
        // Only a thread about to sleep needs the condvar signalled.
        let blocking = |state: &mut State<T>| state.blocked = true;
        let mut state = thread::help_until(&self.state, &self.done, ready, blocking);
        state.taken = true;
        state.result.take().expect("ready")
    }
}

/// What a handle needs to cancel its job: the pool's shared state (which
/// knows the C pool) and the job's ticket. It does not keep the pool alive:
/// see `Packet::cancel` for why it is used only while the pool is.
pub(crate) struct CancelToken {
    shared: NonNull<Shared>,
    ticket: sys::wpool_ticket,
}

// SAFETY: the token is a pointer to the pool's `Shared` (Send + Sync) and a
// number; the C calls it makes may come from any thread.
unsafe impl Send for CancelToken {}
// SAFETY: as above; `cancel` takes `&self` and calls thread-safe C.
unsafe impl Sync for CancelToken {}

impl CancelToken {
    pub(crate) fn new(shared: &Shared, ticket: sys::wpool_ticket) -> CancelToken {
        CancelToken {
            shared: NonNull::from(shared),
            ticket,
        }
    }

    /// `wpool_cancel`: true when the job was still queued (then its discard
    /// ran on this thread before this returns).
    ///
    /// # Safety
    ///
    /// The pool must be alive for the call.
    unsafe fn cancel(&self) -> bool {
        // SAFETY: the caller guarantees the pool, and so its `Shared`, is
        // alive.
        let shared = unsafe { self.shared.as_ref() };
        // A discarded job's destructor that panics is reported to the pool,
        // as during a shutdown.
        thread::reporting_to(shared, || {
            // SAFETY: the pool is alive (see above); any ticket is accepted
            // (an unknown or stale one is WPOOL_EALREADY).
            unsafe { sys::wpool_cancel(shared.raw(), self.ticket) }
        }) == sys::WPOOL_OK
    }
}

/// A counted reference to a packet shared by a handle and its job: an `Arc`
/// whose storage is a recycled block (see `recycle.rs`), because a packet
/// allocated by the submitter and freed by a worker would cost a trip
/// through the allocator's slow paths on every job.
pub(crate) struct PacketRef<T> {
    ptr: NonNull<Counted<T>>,
}

struct Counted<T> {
    refs: AtomicUsize,
    packet: Packet<T>,
}

// SAFETY: as for `Arc<Packet<T>>`: the packet is shared (`&Packet<T>`) by
// the references, and `Packet<T>` is `Send + Sync` exactly when `T: Send`
// (its state sits behind a Mutex). Only the last reference frees it.
unsafe impl<T: Send> Send for PacketRef<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for PacketRef<T> {}

impl<T> PacketRef<T> {
    /// A new empty packet and its two references: the handle's and the job's.
    fn pair() -> (PacketRef<T>, PacketRef<T>) {
        let ptr = recycle::store(Counted {
            refs: AtomicUsize::new(2),
            packet: Packet::new(),
        });
        (PacketRef { ptr }, PacketRef { ptr })
    }
}

impl<T> Deref for PacketRef<T> {
    type Target = Packet<T>;

    fn deref(&self) -> &Packet<T> {
        // SAFETY: the packet lives while any reference does.
        unsafe { &self.ptr.as_ref().packet }
    }
}

impl<T> Drop for PacketRef<T> {
    fn drop(&mut self) {
        // Release: our uses of the packet happen before its destruction.
        // SAFETY: the packet lives while this reference does.
        if unsafe { self.ptr.as_ref() }
            .refs
            .fetch_sub(1, Ordering::Release)
            != 1
        {
            return;
        }
        // Acquire: the other reference's uses happen before the destruction.
        atomic::fence(Ordering::Acquire);
        // SAFETY: this was the last reference; the storage came from
        // `recycle::store` in `pair`.
        unsafe { recycle::destroy(self.ptr) };
    }
}

/// The pool's side of a handle: completes the packet with the job's result,
/// or with why it did not run.
pub(crate) struct Completer<T> {
    packet: PacketRef<T>,
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        // No-op after a run or a discard completed it. Otherwise the job was
        // dropped without either (a refused submission, whose handle nobody
        // holds).
        self.packet
            .complete(Err(JoinError::discarded(DiscardReason::Shutdown)), false);
    }
}

/// A job whose result goes to a [`JoinHandle`]. A discard drops the closure
/// (and what it captured) first, then completes the handle, so a discard is
/// reported only after the closure's destructors ran.
pub(crate) struct Joinable<F, T> {
    f: F,
    completer: Completer<T>,
}

impl<F, T> Joinable<F, T> {
    /// The closure, for a submission the pool refused (the handle was never
    /// given out; its packet just goes away).
    pub(crate) fn into_inner(self) -> F {
        self.f
    }
}

impl<F, T> Job for Joinable<F, T>
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    fn run(self) {
        let Joinable { f, completer } = self;
        let result = panic::catch_unwind(AssertUnwindSafe(f)).map_err(JoinError::panicked);
        completer.packet.complete(result, false);
    }

    fn discard(self, reason: DiscardReason) {
        let Joinable { f, completer } = self;
        // The handle learns of the discard once the closure is gone, also
        // when one of its destructors panics (that panic goes on up, to
        // the pool's panic count).
        let dropped = panic::catch_unwind(AssertUnwindSafe(move || drop(f)));
        completer.packet.complete(
            Err(JoinError::discarded(reason)),
            reason == DiscardReason::Cancelled,
        );
        if let Err(payload) = dropped {
            panic::resume_unwind(payload);
        }
    }
}

pub(crate) fn joinable<F, T>(f: F) -> (Joinable<F, T>, JoinHandle<T>) {
    let (ours, theirs) = PacketRef::pair();
    (
        Joinable {
            f,
            completer: Completer { packet: theirs },
        },
        JoinHandle {
            packet: ours,
            token: None,
        },
    )
}

/// An owned handle to a job's result, from [`Pool::submit`](crate::Pool::submit).
///
/// [`join`](JoinHandle::join) blocks for the result; the handle is also a
/// [`Future`] (woken by the pool's thread, no async runtime needed).
/// Dropping it detaches the job: it still runs, its result is dropped.
///
/// ```
/// use wpool::{Pool, Priority};
///
/// let pool = Pool::new()?;
/// let handle = pool.submit(Priority::Normal, || "done").unwrap();
/// assert_eq!(handle.join().unwrap(), "done");
/// # Ok::<(), wpool::Error>(())
/// ```
///
/// Awaiting it, here with a minimal executor:
///
/// ```
/// use std::future::Future;
/// use std::pin::pin;
/// use std::sync::Arc;
/// use std::task::{Context, Poll, Wake};
/// use wpool::{Pool, Priority};
///
/// struct Unpark(std::thread::Thread);
/// impl Wake for Unpark {
///     fn wake(self: Arc<Self>) { self.0.unpark() }
/// }
///
/// let pool = Pool::new()?;
/// let mut handle = pin!(pool.submit(Priority::High, || 2 + 2).unwrap());
/// let waker = Arc::new(Unpark(std::thread::current())).into();
/// let mut cx = Context::from_waker(&waker);
/// let value = loop {
///     match handle.as_mut().poll(&mut cx) {
///         Poll::Ready(result) => break result.unwrap(),
///         Poll::Pending => std::thread::park(),
///     }
/// };
/// assert_eq!(value, 4);
/// # Ok::<(), wpool::Error>(())
/// ```
#[must_use = "dropping a JoinHandle detaches the job; use join() to wait for it"]
pub struct JoinHandle<T> {
    packet: PacketRef<T>,
    /// Set once the pool accepted the job.
    token: Option<CancelToken>,
}

impl<T> JoinHandle<T> {
    /// Waits for the job and returns its value, or why there is none: it
    /// panicked ([`JoinError::is_panic`], with the payload), or it never
    /// ran because a shutdown discarded it ([`JoinError::is_discarded`]),
    /// it was [cancelled](JoinHandle::cancel) ([`JoinError::is_cancelled`])
    /// or its [deadline](crate::JobBuilder::deadline) passed
    /// ([`JoinError::is_expired`]).
    ///
    /// Called on one of the pool's own threads it runs queued jobs of that
    /// pool while it waits, so jobs that join jobs do not deadlock the pool.
    ///
    /// # Errors
    ///
    /// The job panicked, or was discarded, cancelled or expired.
    ///
    /// # Panics
    ///
    /// If the result was already taken by polling the handle as a future.
    pub fn join(self) -> Result<T, JoinError> {
        self.packet.wait()
    }

    /// True once the job has finished (or was discarded): `join` will not
    /// block.
    ///
    /// ```
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let handle = pool.submit(Priority::Normal, || ()).unwrap();
    /// pool.wait_idle()?;
    /// assert!(handle.is_finished());
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn is_finished(&self) -> bool {
        self.packet.is_done()
    }

    /// Cancels the job if it is still queued, and says whether it was.
    ///
    /// - `true`: the job had not started; it never will. Its closure has
    ///   been dropped, on this thread, before `cancel` returns, and
    ///   [`join`](JoinHandle::join) (or `.await`) gives an error for which
    ///   [`JoinError::is_cancelled`] is true. It counts in
    ///   [`PriorityStats::cancelled`](crate::PriorityStats::cancelled).
    /// - `false`: too late, nothing changed: the job started (it runs to
    ///   its end), finished, or was discarded or cancelled before. A job
    ///   cannot cancel itself.
    ///
    /// Exactly one of cancel and run wins when they race. Cancel works in
    /// every state of the pool: on a [paused](crate::Pool::pause)
    /// priority, during a shutdown (a cancelled job is not waited for), and
    /// from inside a job. It never blocks beyond dropping the closure. The
    /// job's place in its queue is freed when the workers reach it, not at
    /// once: cancelling jobs of a full queue does not make room by itself.
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::builder().workers(1).max_temp_workers(0).build()?;
    /// let (open, gate) = mpsc::channel::<()>();
    /// let busy = pool.submit(Priority::Normal, move || { let _ = gate.recv(); })?;
    /// let queued = pool.submit(Priority::Normal, || "never")?; // behind the busy one
    ///
    /// assert!(queued.cancel()); // still queued: dropped now
    /// assert!(!queued.cancel()); // already cancelled
    /// assert!(queued.join().unwrap_err().is_cancelled());
    ///
    /// open.send(()).unwrap();
    /// busy.join().unwrap();
    /// assert_eq!(pool.stats()[Priority::Normal].cancelled, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cancel(&self) -> bool {
        self.token
            .as_ref()
            .is_some_and(|token| self.packet.cancel(token))
    }

    /// Gives the handle the ticket of the job the pool accepted.
    pub(crate) fn with_token(mut self, token: CancelToken) -> JoinHandle<T> {
        self.token = Some(token);
        self
    }

    pub(crate) fn into_parts(self) -> (PacketRef<T>, Option<CancelToken>) {
        (self.packet, self.token)
    }
}

impl<T> std::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.packet.lock();
        if let Some(result) = state.result.take() {
            state.taken = true;
            return Poll::Ready(result);
        }
        assert!(!state.taken, "JoinHandle polled after it completed");
        match &state.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => state.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}
