//! Join handles: the result of a job, waited for by blocking or by `.await`.

use std::future::Future;
use std::ops::Deref;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::{self, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use crate::error::JoinError;
use crate::job::Job;
use crate::recycle;
use crate::thread;

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
}

impl<T> Packet<T> {
    fn new() -> Packet<T> {
        Packet {
            state: Mutex::new(State {
                result: None,
                waker: None,
                taken: false,
                blocked: false,
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

    fn complete(&self, result: Result<T, JoinError>) {
        let (waker, blocked) = {
            let mut state = self.lock();
            if state.result.is_some() || state.taken {
                return;
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
/// or with "discarded" when dropped without having run.
pub(crate) struct Completer<T> {
    packet: PacketRef<T>,
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        // No-op after a run completed it.
        self.packet.complete(Err(JoinError::discarded()));
    }
}

/// A job whose result goes to a [`JoinHandle`]. Fields drop in order: the
/// closure (and what it captured) first, then the completer, so a discard is
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
        completer.packet.complete(result);
    }
}

pub(crate) fn joinable<F, T>(f: F) -> (Joinable<F, T>, JoinHandle<T>) {
    let (ours, theirs) = PacketRef::pair();
    (
        Joinable {
            f,
            completer: Completer { packet: theirs },
        },
        JoinHandle { packet: ours },
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
}

impl<T> JoinHandle<T> {
    /// Waits for the job and returns its value, or why there is none: it
    /// panicked ([`JoinError::is_panic`], with the payload) or was discarded
    /// by a shutdown ([`JoinError::is_discarded`]).
    ///
    /// Called on one of the pool's own threads it runs queued jobs of that
    /// pool while it waits, so jobs that join jobs do not deadlock the pool.
    ///
    /// # Errors
    ///
    /// The job panicked or was discarded.
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

    pub(crate) fn into_packet(self) -> PacketRef<T> {
        self.packet
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
