//! Async submission: futures that wait for room in a full queue without
//! blocking the thread that polls them ([`Pool::submit_async`],
//! [`Pool::spawn_async`]). How they are woken: `waiters.rs`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use wpool_sys as sys;

use crate::error::{Error, SpawnError};
use crate::handle::{CancelToken, JoinHandle, Joinable};
use crate::inner::{Pool, Via, TRY};
use crate::job::{Detached, Job};
use crate::priority::Priority;
use crate::waiters::Registration;

/// The state shared by both futures: the job until the pool takes it, and
/// the registration of the task's waker while the queue is full.
struct Enqueue<'a, J> {
    pool: &'a Pool,
    prio: Priority,
    via: Via,
    job: Option<J>,
    reg: Registration,
}

impl<'a, J: Job + 'static> Enqueue<'a, J> {
    fn new(pool: &'a Pool, prio: Priority, job: J, via: Via) -> Enqueue<'a, J> {
        Enqueue {
            pool,
            prio,
            via,
            job: Some(job),
            reg: Registration::default(),
        }
    }

    /// One try; `Err(job)` when the queue is full. Queued: the ticket (0
    /// for `Via::Plain`).
    fn attempt(&self, job: J) -> Result<Result<sys::wpool_ticket, J>, J> {
        // SAFETY: J is 'static: it borrows nothing.
        match unsafe { self.pool.enqueue_via(self.prio, job, TRY, self.via) } {
            Ok(ticket) => Ok(Ok(ticket)),
            Err((Error::Full, job)) => Err(job),
            // Closed (or any other refusal, which `submit` reports as
            // Closed too).
            Err((_, job)) => Ok(Err(job)),
        }
    }

    /// `Ready(Ok(ticket))`: queued; `Ready(Err(job))`: refused (closed).
    fn poll_enqueue(&mut self, cx: &mut Context<'_>) -> Poll<Result<sys::wpool_ticket, J>> {
        let job = self
            .job
            .take()
            .expect("SubmitAsync polled after it completed");
        let job = match self.attempt(job) {
            Ok(done) => return self.finish(done),
            Err(job) => job,
        };
        // Full: register the waker (R of waiters.rs) *before* asking for the
        // room notice (P1, P2), so that the on_room call the request brings
        // finds it.
        let waiters = &self.pool.shared().waiters;
        waiters.register(self.prio, &mut self.reg, cx.waker());
        // SAFETY: the pool is live while `self.pool` is borrowed; it has an
        // on_room (`Shared::install_hooks`).
        match unsafe { sys::wpool_want_room(self.pool.raw(), self.prio.raw()) } {
            // Asked: room may have been made before the request, so try once
            // more (any free slot will do); if still full, on_room wakes us.
            sys::WPOOL_OK => match self.attempt(job) {
                Ok(done) => self.finish(done),
                Err(job) => {
                    self.job = Some(job);
                    Poll::Pending
                }
            },
            // Three quarters are free already (the slot at the tail may not
            // be yet: its consumer is between taking and freeing it). Yield
            // to the executor and retry when polled again, rather than spin
            // here.
            1 => {
                self.job = Some(job);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            // Closed (WPOOL_EINVAL cannot happen: the pool and the priority
            // are valid and on_room is installed; refused all the same).
            _ => self.finish(Err(job)),
        }
    }

    fn finish(&mut self, done: Result<sys::wpool_ticket, J>) -> Poll<Result<sys::wpool_ticket, J>> {
        self.pool
            .shared()
            .waiters
            .deregister(self.prio, &mut self.reg);
        Poll::Ready(done)
    }
}

impl<J> Drop for Enqueue<'_, J> {
    fn drop(&mut self) {
        // Give the slot back; the job (if not queued) is dropped after this,
        // unrun, with what it captured.
        self.pool
            .shared()
            .waiters
            .deregister(self.prio, &mut self.reg);
    }
}

/// The future of [`Pool::submit_async`]: resolves to a [`JoinHandle`] once
/// the job is queued, waiting for room without blocking the thread that
/// polls it.
///
/// Dropping it before it resolves drops the closure unrun.
#[must_use = "futures do nothing unless polled: the closure is queued only by awaiting this"]
pub struct SubmitAsync<'a, F, T> {
    inner: Enqueue<'a, Joinable<F, T>>,
    handle: Option<JoinHandle<T>>,
}

// The closure is never pinned (it is moved in and out of the queue), so the
// future is Unpin whatever F is.
impl<F, T> Unpin for SubmitAsync<'_, F, T> {}

impl<F, T> fmt::Debug for SubmitAsync<'_, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubmitAsync")
            .field("prio", &self.inner.prio)
            .field("queued", &self.inner.job.is_none())
            .finish_non_exhaustive()
    }
}

impl<F, T> Future for SubmitAsync<'_, F, T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    type Output = Result<JoinHandle<T>, SpawnError<F>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.inner.poll_enqueue(cx).map(|queued| match queued {
            Ok(ticket) => {
                let handle = this.handle.take().expect("one handle per job");
                Ok(handle.with_token(CancelToken::new(this.inner.pool.shared(), ticket)))
            }
            Err(job) => Err(SpawnError::Closed(job.into_inner())),
        })
    }
}

/// The future of [`Pool::spawn_async`]: resolves once the job is queued,
/// waiting for room without blocking the thread that polls it.
///
/// Dropping it before it resolves drops the closure unrun.
#[must_use = "futures do nothing unless polled: the closure is queued only by awaiting this"]
pub struct SpawnAsync<'a, F> {
    inner: Enqueue<'a, Detached<F>>,
}

// As for SubmitAsync: the closure is never pinned.
impl<F> Unpin for SpawnAsync<'_, F> {}

impl<F> fmt::Debug for SpawnAsync<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnAsync")
            .field("prio", &self.inner.prio)
            .field("queued", &self.inner.job.is_none())
            .finish_non_exhaustive()
    }
}

impl<F> Future for SpawnAsync<'_, F>
where
    F: FnOnce() + Send + 'static,
{
    type Output = Result<(), SpawnError<F>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut()
            .inner
            .poll_enqueue(cx)
            .map(|queued| queued.map(drop).map_err(|job| SpawnError::Closed(job.0)))
    }
}

impl Pool {
    /// Queues `f` at `prio` and returns a handle to its result, as
    /// [`submit`](Pool::submit) does, but as a future: while the queue is
    /// full it returns `Pending`, instead of blocking the thread, and its
    /// task is woken once three quarters of that queue are free again (or
    /// the pool shuts down). For async code on any executor (no runtime
    /// dependency).
    ///
    /// The wake-up comes from the pool's workers as jobs leave the queue,
    /// once only a quarter of it is left (refilling in bulk, as a blocking
    /// `submit` is woken), not per freed slot: the jobs themselves pay
    /// nothing for it. Its priority's queue only: a future waiting for room
    /// at Low is not woken by High jobs leaving theirs.
    ///
    /// Nothing is queued until the future is polled. Dropping it before it
    /// resolves drops `f` unrun.
    ///
    /// **Deadlock**: do not await it from a job of this same pool whose
    /// queue only that job's thread would drain (say, the pool's single
    /// worker), nor block one of the pool's threads on it: unlike `submit`,
    /// it does not run queued jobs while it waits, and the room it waits
    /// for comes only as jobs leave the queue, so it can wait forever.
    ///
    /// ```
    /// use std::future::Future;
    /// use std::pin::pin;
    /// use std::sync::Arc;
    /// use std::task::{Context, Poll, Wake};
    /// use wpool::{Pool, Priority};
    ///
    /// // Any executor will do; here, the smallest: park until woken.
    /// fn block_on<F: Future>(fut: F) -> F::Output {
    ///     struct Unpark(std::thread::Thread);
    ///     impl Wake for Unpark {
    ///         fn wake(self: Arc<Self>) { self.0.unpark() }
    ///     }
    ///     let waker = Arc::new(Unpark(std::thread::current())).into();
    ///     let mut cx = Context::from_waker(&waker);
    ///     let mut fut = pin!(fut);
    ///     loop {
    ///         match fut.as_mut().poll(&mut cx) {
    ///             Poll::Ready(value) => return value,
    ///             Poll::Pending => std::thread::park(),
    ///         }
    ///     }
    /// }
    ///
    /// let pool = Pool::builder().workers(2).capacity(2).build()?;
    /// let sum = block_on(async {
    ///     let mut handles = Vec::new();
    ///     for i in 0..100u64 {
    ///         // Waits (without blocking the thread) while both slots are taken.
    ///         handles.push(pool.submit_async(Priority::Normal, move || i * i).await.unwrap());
    ///     }
    ///     let mut sum = 0;
    ///     for handle in handles {
    ///         sum += handle.await.unwrap();
    ///     }
    ///     sum
    /// });
    /// assert_eq!(sum, (0..100u64).map(|i| i * i).sum());
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The future resolves to [`SpawnError::Closed`] (with `f`) once the pool
    /// is shut down, also while it waits.
    pub fn submit_async<F, T>(&self, prio: Priority, f: F) -> SubmitAsync<'_, F, T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (job, handle) = crate::handle::joinable(f);
        SubmitAsync {
            // Ticketed: the handle can cancel the job.
            inner: Enqueue::new(self, prio, job, Via::Ticketed { deadline_ns: 0 }),
            handle: Some(handle),
        }
    }

    /// Queues `f` at `prio`, fire and forget, as [`spawn`](Pool::spawn)
    /// does, but as a future that waits for room without blocking the thread
    /// (see [`submit_async`](Pool::submit_async)).
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use wpool::{Pool, Priority};
    /// # fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    /// #     struct Unpark(std::thread::Thread);
    /// #     impl std::task::Wake for Unpark {
    /// #         fn wake(self: std::sync::Arc<Self>) { self.0.unpark() }
    /// #     }
    /// #     let waker = std::sync::Arc::new(Unpark(std::thread::current())).into();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut fut = std::pin::pin!(fut);
    /// #     loop {
    /// #         match fut.as_mut().poll(&mut cx) {
    /// #             std::task::Poll::Ready(value) => return value,
    /// #             std::task::Poll::Pending => std::thread::park(),
    /// #         }
    /// #     }
    /// # }
    ///
    /// let pool = Pool::new()?;
    /// let (tx, rx) = mpsc::channel();
    /// block_on(async {
    ///     pool.spawn_async(Priority::Low, move || tx.send("hi").unwrap()).await.unwrap();
    /// });
    /// assert_eq!(rx.recv().unwrap(), "hi");
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The future resolves to [`SpawnError::Closed`] (with `f`) once the pool
    /// is shut down, also while it waits.
    pub fn spawn_async<F>(&self, prio: Priority, f: F) -> SpawnAsync<'_, F>
    where
        F: FnOnce() + Send + 'static,
    {
        SpawnAsync {
            inner: Enqueue::new(self, prio, Detached(f), Via::Plain),
        }
    }
}
