//! One job with options ([`JobBuilder`]: a deadline), and the ticketed
//! submission behind every join handle, which `cancel` needs.

use std::fmt;
use std::time::{Duration, Instant};

use crate::error::{timeout_error, try_error, Error, SpawnError, SpawnTimeoutError, TrySpawnError};
use crate::handle::{joinable, CancelToken, JoinHandle};
use crate::inner::{to_deadline_ns, to_timeout_ns, Pool, Via, TRY, WAIT};
use crate::job::Detached;
use crate::priority::Priority;

/// Queues `f` with a ticket (and a deadline unless `deadline_ns` is 0) and
/// returns its handle, which can cancel it; gives `f` back on refusal.
pub(crate) fn submit_with<F, T>(
    pool: &Pool,
    prio: Priority,
    f: F,
    timeout_ns: u64,
    deadline_ns: u64,
) -> Result<JoinHandle<T>, (Error, F)>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (job, handle) = joinable(f);
    // SAFETY: F and T are 'static.
    match unsafe { pool.enqueue_job(prio, job, timeout_ns, deadline_ns) } {
        Ok(ticket) => Ok(handle.with_token(CancelToken::new(pool.shared(), ticket))),
        Err((err, job)) => Err((err, job.into_inner())),
    }
}

/// Queues `f`, fire and forget, as `via` says; gives `f` back on refusal.
pub(crate) fn spawn_with<F>(
    pool: &Pool,
    prio: Priority,
    f: F,
    timeout_ns: u64,
    via: Via,
) -> Result<(), (Error, F)>
where
    F: FnOnce() + Send + 'static,
{
    // SAFETY: F is 'static.
    match unsafe { pool.enqueue_via(prio, Detached(f), timeout_ns, via) } {
        Ok(_) => Ok(()),
        Err((err, job)) => Err((err, job.0)),
    }
}

/// Options for one job, then its submission: made by [`Pool::job`].
///
/// A job with a **deadline** that no worker has taken by then is not run:
/// its closure is dropped (on the worker that reached it), a
/// [`JoinHandle`] reports [`JoinError::is_expired`](crate::JoinError::is_expired),
/// and it counts in [`PriorityStats::expired`](crate::PriorityStats::expired).
/// A job taken in time runs to its end, however long it takes. The deadline
/// also bounds the submission's wait for room in a full queue: past it,
/// the job is refused (`Timeout`) rather than queued to expire.
///
/// The submissions are those of [`Pool`], with the options applied:
///
/// | waits for room | fails at once when full | bounded wait | returns |
/// |---|---|---|---|
/// | [`spawn`](JobBuilder::spawn) | [`try_spawn`](JobBuilder::try_spawn) | [`spawn_timeout`](JobBuilder::spawn_timeout) | `()`: fire and forget |
/// | [`submit`](JobBuilder::submit) | [`try_submit`](JobBuilder::try_submit) | [`submit_timeout`](JobBuilder::submit_timeout) | a [`JoinHandle`] |
///
/// A `JobBuilder` is `Copy`: one can serve many jobs (each gets the same
/// deadline instant).
///
/// ```
/// use std::time::Duration;
/// use wpool::{Pool, Priority};
///
/// let pool = Pool::new()?;
/// // Worth doing only within 50 ms: dropped unrun if no worker took it by then.
/// let quote = pool
///     .job(Priority::High)
///     .deadline_after(Duration::from_millis(50))
///     .submit(|| "fresh")
///     .unwrap();
/// match quote.join() {
///     Ok(text) => assert_eq!(text, "fresh"),
///     Err(err) => assert!(err.is_expired()), // the pool was too busy
/// }
/// # Ok::<(), wpool::Error>(())
/// ```
#[derive(Clone, Copy)]
#[must_use = "a JobBuilder queues nothing until spawn or submit is called"]
pub struct JobBuilder<'pool> {
    pool: &'pool Pool,
    prio: Priority,
    deadline: Option<Instant>,
}

impl fmt::Debug for JobBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobBuilder")
            .field("prio", &self.prio)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// Options for one job at `prio` (a deadline), then its submission:
    /// see [`JobBuilder`].
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let started = Instant::now();
    /// pool.job(Priority::Normal)
    ///     .deadline(started + Duration::from_secs(1))
    ///     .spawn(|| println!("ran in time"))
    ///     .unwrap();
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn job(&self, prio: Priority) -> JobBuilder<'_> {
        JobBuilder {
            pool: self,
            prio,
            deadline: None,
        }
    }
}

impl<'pool> JobBuilder<'pool> {
    /// The job must start by `at`, or it is dropped unrun (see
    /// [`JobBuilder`]). An instant already past is accepted: the job is
    /// queued, and expires when a worker reaches it.
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use std::time::{Duration, Instant};
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::builder().workers(1).max_temp_workers(0).build()?;
    /// let (open, gate) = mpsc::channel::<()>();
    /// pool.spawn(Priority::Normal, move || { let _ = gate.recv(); }).unwrap(); // holds the worker
    ///
    /// let deadline = Instant::now() + Duration::from_millis(5);
    /// let late = pool.job(Priority::Normal).deadline(deadline).submit(|| 1).unwrap();
    /// std::thread::sleep(Duration::from_millis(10)); // the deadline passes in the queue
    /// open.send(()).unwrap();
    /// assert!(late.join().unwrap_err().is_expired());
    /// pool.wait_idle()?; // the pool counts the job once its closure is dropped
    /// assert_eq!(pool.stats()[Priority::Normal].expired, 1);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn deadline(mut self, at: Instant) -> JobBuilder<'pool> {
        self.deadline = Some(at);
        self
    }

    /// The job must start within `d` of this call, or it is dropped unrun:
    /// [`deadline`](JobBuilder::deadline)`(Instant::now() + d)`. A duration
    /// too long for an `Instant` sets no deadline.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let handle = pool
    ///     .job(Priority::Low)
    ///     .deadline_after(Duration::from_secs(10))
    ///     .submit(|| 2 + 2)
    ///     .unwrap();
    /// assert_eq!(handle.join().unwrap(), 4); // an idle pool starts it at once
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn deadline_after(mut self, d: Duration) -> JobBuilder<'pool> {
        self.deadline = Instant::now().checked_add(d);
        self
    }

    /// `wpool_job_opts.deadline_ns` for the options: 0 without a deadline.
    fn deadline_ns(&self) -> u64 {
        self.deadline.map_or(0, to_deadline_ns)
    }

    /// Fire and forget: without a deadline the plain (cheapest) path, as
    /// [`Pool::spawn`].
    fn via(&self) -> Via {
        Via::for_deadline(self.deadline_ns())
    }

    /// Queues `f`, waiting while the queue is full (until the deadline, if
    /// one is set); fire and forget, as [`Pool::spawn`].
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let (tx, rx) = mpsc::channel();
    /// pool.job(Priority::Normal)
    ///     .deadline_after(Duration::from_secs(5))
    ///     .spawn(move || tx.send("in time").unwrap())
    ///     .unwrap();
    /// assert_eq!(rx.recv().unwrap(), "in time");
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnTimeoutError::Timeout`] when the deadline passed while the
    /// queue stayed full (only with a deadline);
    /// [`SpawnTimeoutError::Closed`] once the pool is shut down. Either way
    /// with `f`.
    pub fn spawn<F>(self, f: F) -> Result<(), SpawnTimeoutError<F>>
    where
        F: FnOnce() + Send + 'static,
    {
        spawn_with(self.pool, self.prio, f, WAIT, self.via()).map_err(|(e, f)| timeout_error(e, f))
    }

    /// Queues `f` if there is room now; fire and forget, as
    /// [`Pool::try_spawn`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority, TrySpawnError};
    ///
    /// let pool = Pool::new()?;
    /// let job = pool.job(Priority::High).deadline_after(Duration::from_millis(100));
    /// match job.try_spawn(|| println!("urgent")) {
    ///     Ok(()) => {}
    ///     Err(TrySpawnError::Full(f)) => f(), // run it here instead
    ///     Err(TrySpawnError::Closed(_)) => unreachable!(),
    /// }
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TrySpawnError::Full`] or [`TrySpawnError::Closed`], with `f`.
    pub fn try_spawn<F>(self, f: F) -> Result<(), TrySpawnError<F>>
    where
        F: FnOnce() + Send + 'static,
    {
        spawn_with(self.pool, self.prio, f, TRY, self.via()).map_err(|(e, f)| try_error(e, f))
    }

    /// Queues `f`, waiting at most `timeout` for room (and not past the
    /// deadline); fire and forget, as [`Pool::spawn_timeout`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// pool.job(Priority::Normal)
    ///     .deadline_after(Duration::from_secs(1))
    ///     .spawn_timeout(|| (), Duration::from_millis(10))
    ///     .unwrap();
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnTimeoutError::Timeout`] or [`SpawnTimeoutError::Closed`], with `f`.
    pub fn spawn_timeout<F>(self, f: F, timeout: Duration) -> Result<(), SpawnTimeoutError<F>>
    where
        F: FnOnce() + Send + 'static,
    {
        spawn_with(self.pool, self.prio, f, to_timeout_ns(timeout), self.via())
            .map_err(|(e, f)| timeout_error(e, f))
    }

    /// Queues `f`, waiting while the queue is full (until the deadline, if
    /// one is set), and returns a handle to its result, as [`Pool::submit`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let handle = pool
    ///     .job(Priority::High)
    ///     .deadline_after(Duration::from_secs(5))
    ///     .submit(|| 6 * 7)
    ///     .unwrap();
    /// assert_eq!(handle.join().unwrap(), 42);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnTimeoutError::Timeout`] when the deadline passed while the
    /// queue stayed full (only with a deadline);
    /// [`SpawnTimeoutError::Closed`] once the pool is shut down. Either way
    /// with `f`.
    pub fn submit<F, T>(self, f: F) -> Result<JoinHandle<T>, SpawnTimeoutError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        submit_with(self.pool, self.prio, f, WAIT, self.deadline_ns())
            .map_err(|(e, f)| timeout_error(e, f))
    }

    /// As [`submit`](JobBuilder::submit), but fails at once when the queue
    /// is full, as [`Pool::try_submit`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let job = pool.job(Priority::High).deadline_after(Duration::from_secs(5));
    /// let handle = job.try_submit(|| "fast").unwrap();
    /// assert_eq!(handle.join().unwrap(), "fast");
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TrySpawnError::Full`] or [`TrySpawnError::Closed`], with `f`.
    pub fn try_submit<F, T>(self, f: F) -> Result<JoinHandle<T>, TrySpawnError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        submit_with(self.pool, self.prio, f, TRY, self.deadline_ns())
            .map_err(|(e, f)| try_error(e, f))
    }

    /// As [`submit`](JobBuilder::submit), but waits at most `timeout` for
    /// room (and not past the deadline), as [`Pool::submit_timeout`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let handle = pool
    ///     .job(Priority::Low)
    ///     .deadline_after(Duration::from_secs(5))
    ///     .submit_timeout(|| 1, Duration::from_secs(1))
    ///     .unwrap();
    /// assert_eq!(handle.join().unwrap(), 1);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnTimeoutError::Timeout`] or [`SpawnTimeoutError::Closed`], with `f`.
    pub fn submit_timeout<F, T>(
        self,
        f: F,
        timeout: Duration,
    ) -> Result<JoinHandle<T>, SpawnTimeoutError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        submit_with(
            self.pool,
            self.prio,
            f,
            to_timeout_ns(timeout),
            self.deadline_ns(),
        )
        .map_err(|(e, f)| timeout_error(e, f))
    }
}

/// `SpawnError` for a waiting submission without options: only `Closed`.
pub(crate) fn closed<F>((_, f): (Error, F)) -> SpawnError<F> {
    SpawnError::Closed(f)
}
