//! Scoped jobs: jobs that may borrow from the caller's stack, because the
//! scope does not return before every one of them has run or been discarded.

use std::any::Any;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::error::{
    timeout_error, try_error, Error, JoinError, SpawnError, SpawnTimeoutError, TrySpawnError,
};
use crate::handle::{joinable, PacketRef};
use crate::inner::{to_timeout_ns, Pool, TRY, WAIT};
use crate::job::{Detached, Job};
use crate::priority::Priority;
use crate::thread;

/// A scope to spawn jobs that borrow from the stack; made by
/// [`Pool::scope`].
///
/// The jobs may borrow anything that outlives the scope (`'env`). The scope
/// waits for every job it accepted, so the borrows stay valid; a borrow that
/// could escape the scope does not compile:
///
/// ```compile_fail,E0373
/// use wpool::{Pool, Priority};
///
/// let pool = Pool::new().unwrap();
/// pool.scope(|s| {
///     let local = 5;
///     // `local` dies when the body returns, before the scope's jobs are
///     // waited for: rejected.
///     s.spawn(Priority::Normal, || println!("{local}")).unwrap();
/// });
/// ```
///
/// Nor can a scoped handle outlive its scope:
///
/// ```compile_fail
/// use wpool::{Pool, Priority};
///
/// let pool = Pool::new().unwrap();
/// let handle = pool.scope(|s| s.submit(Priority::Normal, || 1).unwrap());
/// handle.join().unwrap();
/// ```
///
/// Nor can a job mutate what the scope's body still reads:
///
/// ```compile_fail,E0502
/// use wpool::{Pool, Priority};
///
/// let pool = Pool::new().unwrap();
/// let mut counter = 0;
/// pool.scope(|s| {
///     s.spawn(Priority::Normal, || counter += 1).unwrap();
///     println!("{counter}");
/// });
/// ```
pub struct Scope<'scope, 'env: 'scope> {
    pool: Pool,
    state: Arc<ScopeState>,
    // Invariant in both lifetimes, as std::thread::Scope.
    scope: PhantomData<&'scope mut &'scope ()>,
    env: PhantomData<&'env mut &'env ()>,
}

#[derive(Default)]
struct ScopeState {
    /// Jobs accepted and not yet run or discarded.
    pending: AtomicUsize,
    /// The first panic of a fire-and-forget scoped job.
    panic: Mutex<Option<Box<dyn Any + Send>>>,
    lock: Mutex<()>,
    all_done: Condvar,
}

impl ScopeState {
    fn wait_all(&self) {
        // Acquire: pairs with the AcqRel decrement, so the jobs' effects are
        // visible once the count reads 0.
        let ready = |_: &mut ()| self.pending.load(Ordering::Acquire) == 0;
        let _done = thread::help_until(&self.lock, &self.all_done, ready, |_| ());
    }
}

/// Counts one pending job; dropped (after the job's closure) when the job
/// has run or been discarded.
struct PendingGuard {
    state: Arc<ScopeState>,
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        // AcqRel: releases the job's effects to the waiter; the last one
        // takes the lock so the waiter cannot miss the notification.
        if self.state.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _guard = self.state.lock.lock().unwrap_or_else(|p| p.into_inner());
            self.state.all_done.notify_all();
        }
    }
}

/// A job of a scope: `job` drops before `guard`, so the scope cannot end
/// while anything the job borrowed is still in use.
struct ScopedJob<J> {
    job: J,
    guard: PendingGuard,
}

impl<J: Job> Job for ScopedJob<J> {
    fn run(self) {
        let ScopedJob { job, guard } = self;
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || job.run())) {
            let mut first = guard.state.panic.lock().unwrap_or_else(|p| p.into_inner());
            first.get_or_insert(payload);
        }
        drop(guard);
    }
}

pub(crate) fn run<'env, F, R>(pool: &Pool, body: F) -> R
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> R,
{
    let scope = Scope {
        pool: pool.clone(),
        state: Arc::new(ScopeState::default()),
        scope: PhantomData,
        env: PhantomData,
    };
    let result = panic::catch_unwind(AssertUnwindSafe(|| body(&scope)));
    scope.state.wait_all();
    match result {
        Err(payload) => panic::resume_unwind(payload),
        Ok(value) => {
            if let Some(payload) = scope
                .state
                .panic
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
            {
                panic::resume_unwind(payload);
            }
            value
        }
    }
}

impl<'scope, 'env> Scope<'scope, 'env> {
    fn enqueue<J: Job + 'scope>(
        &'scope self,
        prio: Priority,
        job: J,
        timeout_ns: u64,
    ) -> Result<(), (Error, J)> {
        // Relaxed: the job's own hand-off through the pool orders it.
        self.state.pending.fetch_add(1, Ordering::Relaxed);
        let scoped = ScopedJob {
            job,
            guard: PendingGuard {
                state: self.state.clone(),
            },
        };
        // SAFETY: the job borrows only what outlives 'scope, and `run` does
        // not return (so 'scope does not end) before `pending` is back to 0,
        // which happens only once every accepted job has been run or
        // discarded, its closure dropped before its guard.
        match unsafe { self.pool.enqueue(prio, scoped, timeout_ns) } {
            Ok(()) => Ok(()),
            Err((err, ScopedJob { job, guard })) => {
                drop(guard);
                Err((err, job))
            }
        }
    }

    /// Queues `f` at `prio`, waiting while the queue is full. A panic in `f`
    /// is re-raised by [`Pool::scope`] once every job of the scope finished.
    ///
    /// ```
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let mut results = vec![0u64; 8];
    /// pool.scope(|s| {
    ///     for (i, slot) in results.iter_mut().enumerate() {
    ///         s.spawn(Priority::Normal, move || *slot = i as u64 * 10).unwrap();
    ///     }
    /// });
    /// assert_eq!(results[7], 70);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnError::Closed`] (with `f`) once the pool is shut down.
    pub fn spawn<F>(&'scope self, prio: Priority, f: F) -> Result<(), SpawnError<F>>
    where
        F: FnOnce() + Send + 'scope,
    {
        self.enqueue(prio, Detached(f), WAIT)
            .map_err(|(_, job)| SpawnError::Closed(job.0))
    }

    /// Queues `f` at `prio` if there is room now.
    ///
    /// # Errors
    ///
    /// [`TrySpawnError::Full`] or [`TrySpawnError::Closed`], with `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let mut value = 0;
    /// pool.scope(|s| {
    ///     if let Err(e) = s.try_spawn(Priority::Normal, || value = 1) {
    ///         e.into_inner()(); // full: run it here
    ///     }
    /// });
    /// assert_eq!(value, 1);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn try_spawn<F>(&'scope self, prio: Priority, f: F) -> Result<(), TrySpawnError<F>>
    where
        F: FnOnce() + Send + 'scope,
    {
        self.enqueue(prio, Detached(f), TRY)
            .map_err(|(err, job)| try_error(err, job.0))
    }

    /// Queues `f` at `prio`, waiting at most `timeout` for room.
    ///
    /// # Errors
    ///
    /// [`SpawnTimeoutError::Timeout`] or [`SpawnTimeoutError::Closed`], with `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let mut value = 0;
    /// pool.scope(|s| {
    ///     s.spawn_timeout(Priority::Normal, || value = 2, Duration::from_secs(1)).unwrap();
    /// });
    /// assert_eq!(value, 2);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn spawn_timeout<F>(
        &'scope self,
        prio: Priority,
        f: F,
        timeout: Duration,
    ) -> Result<(), SpawnTimeoutError<F>>
    where
        F: FnOnce() + Send + 'scope,
    {
        self.enqueue(prio, Detached(f), to_timeout_ns(timeout))
            .map_err(|(err, job)| timeout_error(err, job.0))
    }

    /// Queues `f` at `prio`, waiting while the queue is full, and returns a
    /// handle to its result; a panic goes to the handle.
    ///
    /// ```
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let words = ["alpha", "beta"];
    /// let total = pool.scope(|s| {
    ///     let handles: Vec<_> =
    ///         words.iter().map(|w| s.submit(Priority::Normal, move || w.len()).unwrap()).collect();
    ///     handles.into_iter().map(|h| h.join().unwrap()).sum::<usize>()
    /// });
    /// assert_eq!(total, 9);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnError::Closed`] (with `f`) once the pool is shut down.
    pub fn submit<F, T>(
        &'scope self,
        prio: Priority,
        f: F,
    ) -> Result<ScopedJoinHandle<'scope, T>, SpawnError<F>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let (job, handle) = joinable(f);
        match self.enqueue(prio, job, WAIT) {
            Ok(()) => Ok(ScopedJoinHandle {
                packet: handle.into_packet(),
                scope: PhantomData,
            }),
            Err((_, job)) => Err(SpawnError::Closed(job.into_inner())),
        }
    }

    /// The pool this scope spawns on.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::builder().workers(2).build()?;
    /// pool.scope(|s| assert_eq!(s.pool().stats().workers, 2));
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn pool(&self) -> &Pool {
        &self.pool
    }
}

impl std::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("pending", &self.state.pending.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// A handle to the result of a scoped job, from [`Scope::submit`]; it cannot
/// outlive its scope. Dropping it detaches the job (the scope still waits
/// for it).
#[must_use = "dropping a ScopedJoinHandle detaches the job; use join() to wait for it"]
pub struct ScopedJoinHandle<'scope, T> {
    packet: PacketRef<T>,
    scope: PhantomData<&'scope ()>,
}

impl<T> ScopedJoinHandle<'_, T> {
    /// Waits for the job and returns its value, its panic, or that it was
    /// discarded by a shutdown. On one of the pool's threads it runs queued
    /// jobs meanwhile.
    ///
    /// # Errors
    ///
    /// The job panicked or was discarded.
    pub fn join(self) -> Result<T, JoinError> {
        self.packet.wait()
    }

    /// True once the job has finished (or was discarded).
    pub fn is_finished(&self) -> bool {
        self.packet.is_done()
    }
}

impl<T> std::fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedJoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}
