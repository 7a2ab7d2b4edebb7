//! Scoped jobs: jobs that may borrow from the caller's stack, because the
//! scope does not return before every one of them has run or been discarded.

use std::any::Any;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use wpool_sys as sys;

use crate::error::{
    timeout_error, try_error, DiscardReason, Error, JoinError, SpawnError, SpawnTimeoutError,
    TrySpawnError,
};
use crate::handle::{joinable, CancelToken, PacketRef};
use crate::inner::{to_deadline_ns, to_timeout_ns, Pool, Via, TRY, WAIT};
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

    fn discard(self, reason: DiscardReason) {
        let ScopedJob { job, guard } = self;
        // The guard goes last, also when a destructor panics: a cancelled
        // or expired job counts as finished once its closure is gone.
        job.discard(reason);
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
        via: Via,
    ) -> Result<sys::wpool_ticket, (Error, J)> {
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
        match unsafe { self.pool.enqueue_via(prio, scoped, timeout_ns, via) } {
            Ok(ticket) => Ok(ticket),
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
        self.spawn_with(prio, f, WAIT, Via::Plain)
            .map_err(|(_, f)| SpawnError::Closed(f))
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
        self.spawn_with(prio, f, TRY, Via::Plain)
            .map_err(|(err, f)| try_error(err, f))
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
        self.spawn_with(prio, f, to_timeout_ns(timeout), Via::Plain)
            .map_err(|(err, f)| timeout_error(err, f))
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
        self.submit_with(prio, f, WAIT, 0)
            .map_err(|(_, f)| SpawnError::Closed(f))
    }

    fn spawn_with<F>(
        &'scope self,
        prio: Priority,
        f: F,
        timeout_ns: u64,
        via: Via,
    ) -> Result<(), (Error, F)>
    where
        F: FnOnce() + Send + 'scope,
    {
        match self.enqueue(prio, Detached(f), timeout_ns, via) {
            Ok(_) => Ok(()),
            Err((err, job)) => Err((err, job.0)),
        }
    }

    fn submit_with<F, T>(
        &'scope self,
        prio: Priority,
        f: F,
        timeout_ns: u64,
        deadline_ns: u64,
    ) -> Result<ScopedJoinHandle<'scope, T>, (Error, F)>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let (job, handle) = joinable(f);
        match self.enqueue(prio, job, timeout_ns, Via::Ticketed { deadline_ns }) {
            Ok(ticket) => Ok(ScopedJoinHandle {
                packet: handle.into_parts().0,
                token: CancelToken::new(self.pool.shared(), ticket),
                scope: PhantomData,
            }),
            Err((err, job)) => Err((err, job.into_inner())),
        }
    }

    /// Options for one scoped job at `prio` (a deadline), then its
    /// submission: as [`Pool::job`], for jobs that borrow. A job of the
    /// scope that expires (or is cancelled) counts as finished: the scope
    /// does not wait for it.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let done = AtomicUsize::new(0);
    /// pool.scope(|s| {
    ///     for _ in 0..4 {
    ///         s.job(Priority::Normal)
    ///             .deadline_after(Duration::from_secs(5))
    ///             .spawn(|| { done.fetch_add(1, Ordering::Relaxed); })
    ///             .unwrap();
    ///     }
    /// });
    /// assert_eq!(done.into_inner(), 4);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn job(&'scope self, prio: Priority) -> ScopedJobBuilder<'scope, 'env> {
        ScopedJobBuilder {
            scope: self,
            prio,
            deadline: None,
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
    token: CancelToken,
    scope: PhantomData<&'scope ()>,
}

impl<T> ScopedJoinHandle<'_, T> {
    /// Waits for the job and returns its value, its panic, or why it did
    /// not run (discarded by a shutdown, cancelled, expired). On one of the
    /// pool's threads it runs queued jobs meanwhile.
    ///
    /// # Errors
    ///
    /// The job panicked, or was discarded, cancelled or expired.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::new()?;
    /// let n = 20;
    /// let doubled = pool.scope(|s| s.submit(wpool::Priority::Normal, || n * 2).unwrap().join());
    /// assert_eq!(doubled.unwrap(), 40);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn join(self) -> Result<T, JoinError> {
        self.packet.wait()
    }

    /// True once the job has finished (or was discarded, cancelled or
    /// expired).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::new()?;
    /// pool.scope(|s| {
    ///     let handle = s.submit(wpool::Priority::Normal, || ()).unwrap();
    ///     while !handle.is_finished() {
    ///         std::thread::yield_now();
    ///     }
    /// });
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn is_finished(&self) -> bool {
        self.packet.is_done()
    }

    /// Cancels the job if it is still queued, as
    /// [`JoinHandle::cancel`](crate::JoinHandle::cancel): true when it was
    /// (its closure has been dropped, and [`join`](ScopedJoinHandle::join)
    /// reports [`JoinError::is_cancelled`]); false when it started,
    /// finished, or was discarded or cancelled before. A cancelled job
    /// counts as finished: the scope does not wait for it.
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::builder().workers(1).max_temp_workers(0).build()?;
    /// let (open, gate) = mpsc::channel::<()>();
    /// let mut log = Vec::new();
    /// pool.scope(|s| {
    ///     s.spawn(Priority::Normal, move || { let _ = gate.recv(); }).unwrap(); // holds the worker
    ///     let queued = s.submit(Priority::Normal, || log.push("ran")).unwrap();
    ///     assert!(queued.cancel());
    ///     assert!(queued.join().unwrap_err().is_cancelled());
    ///     open.send(()).unwrap();
    /// });
    /// assert!(log.is_empty());
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn cancel(&self) -> bool {
        self.packet.cancel(&self.token)
    }
}

/// Options for one job of a scope, then its submission: made by
/// [`Scope::job`]; as [`JobBuilder`](crate::JobBuilder), for jobs that
/// borrow from the stack.
#[derive(Clone, Copy)]
#[must_use = "a ScopedJobBuilder queues nothing until spawn or submit is called"]
pub struct ScopedJobBuilder<'scope, 'env> {
    scope: &'scope Scope<'scope, 'env>,
    prio: Priority,
    deadline: Option<Instant>,
}

impl std::fmt::Debug for ScopedJobBuilder<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedJobBuilder")
            .field("prio", &self.prio)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl<'scope, 'env> ScopedJobBuilder<'scope, 'env> {
    /// The job must start by `at`, or it is dropped unrun, as
    /// [`JobBuilder::deadline`](crate::JobBuilder::deadline).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let at = Instant::now() + Duration::from_secs(5);
    /// let mut value = 0;
    /// pool.scope(|s| s.job(Priority::Normal).deadline(at).spawn(|| value = 1).unwrap());
    /// assert_eq!(value, 1);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn deadline(mut self, at: Instant) -> ScopedJobBuilder<'scope, 'env> {
        self.deadline = Some(at);
        self
    }

    /// The job must start within `d` of this call, or it is dropped unrun,
    /// as [`JobBuilder::deadline_after`](crate::JobBuilder::deadline_after).
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let mut value = 0;
    /// pool.scope(|s| {
    ///     s.job(Priority::Normal)
    ///         .deadline_after(Duration::from_secs(5))
    ///         .spawn(|| value = 2)
    ///         .unwrap()
    /// });
    /// assert_eq!(value, 2);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn deadline_after(mut self, d: Duration) -> ScopedJobBuilder<'scope, 'env> {
        self.deadline = Instant::now().checked_add(d);
        self
    }

    fn deadline_ns(&self) -> u64 {
        self.deadline.map_or(0, to_deadline_ns)
    }

    fn via(&self) -> Via {
        Via::for_deadline(self.deadline_ns())
    }

    /// Queues `f`, waiting while the queue is full (until the deadline, if
    /// one is set), as [`Scope::spawn`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let mut hits = [0u8; 3];
    /// pool.scope(|s| {
    ///     for hit in hits.iter_mut() {
    ///         s.job(Priority::Low)
    ///             .deadline_after(Duration::from_secs(5))
    ///             .spawn(move || *hit = 1)
    ///             .unwrap();
    ///     }
    /// });
    /// assert_eq!(hits, [1, 1, 1]);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnTimeoutError::Timeout`] when the deadline passed while the
    /// queue stayed full; [`SpawnTimeoutError::Closed`] once the pool is
    /// shut down. Either way with `f`.
    pub fn spawn<F>(self, f: F) -> Result<(), SpawnTimeoutError<F>>
    where
        F: FnOnce() + Send + 'scope,
    {
        self.scope
            .spawn_with(self.prio, f, WAIT, self.via())
            .map_err(|(err, f)| timeout_error(err, f))
    }

    /// Queues `f` if there is room now, as [`Scope::try_spawn`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let mut value = 0;
    /// pool.scope(|s| {
    ///     let job = s.job(Priority::Normal).deadline_after(Duration::from_secs(5));
    ///     if let Err(e) = job.try_spawn(|| value = 3) {
    ///         e.into_inner()(); // full: run it here
    ///     }
    /// });
    /// assert_eq!(value, 3);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TrySpawnError::Full`] or [`TrySpawnError::Closed`], with `f`.
    pub fn try_spawn<F>(self, f: F) -> Result<(), TrySpawnError<F>>
    where
        F: FnOnce() + Send + 'scope,
    {
        self.scope
            .spawn_with(self.prio, f, TRY, self.via())
            .map_err(|(err, f)| try_error(err, f))
    }

    /// Queues `f`, waiting at most `timeout` for room (and not past the
    /// deadline), as [`Scope::spawn_timeout`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let mut value = 0;
    /// pool.scope(|s| {
    ///     s.job(Priority::Normal)
    ///         .deadline_after(Duration::from_secs(5))
    ///         .spawn_timeout(|| value = 4, Duration::from_secs(1))
    ///         .unwrap();
    /// });
    /// assert_eq!(value, 4);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnTimeoutError::Timeout`] or [`SpawnTimeoutError::Closed`], with `f`.
    pub fn spawn_timeout<F>(self, f: F, timeout: Duration) -> Result<(), SpawnTimeoutError<F>>
    where
        F: FnOnce() + Send + 'scope,
    {
        self.scope
            .spawn_with(self.prio, f, to_timeout_ns(timeout), self.via())
            .map_err(|(err, f)| timeout_error(err, f))
    }

    /// Queues `f`, waiting while the queue is full (until the deadline, if
    /// one is set), and returns a handle to its result, as
    /// [`Scope::submit`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let word = String::from("borrowed");
    /// let len = pool.scope(|s| {
    ///     let handle = s
    ///         .job(Priority::High)
    ///         .deadline_after(Duration::from_secs(5))
    ///         .submit(|| word.len())
    ///         .unwrap();
    ///     handle.join()
    /// });
    /// assert_eq!(len.unwrap(), 8);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnTimeoutError::Timeout`] when the deadline passed while the
    /// queue stayed full; [`SpawnTimeoutError::Closed`] once the pool is
    /// shut down. Either way with `f`.
    pub fn submit<F, T>(self, f: F) -> Result<ScopedJoinHandle<'scope, T>, SpawnTimeoutError<F>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.scope
            .submit_with(self.prio, f, WAIT, self.deadline_ns())
            .map_err(|(err, f)| timeout_error(err, f))
    }
}

impl<T> std::fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedJoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}
