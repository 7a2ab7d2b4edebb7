//! The `Pool`'s public API (submission, waiting, shutdown, stats), its
//! `Builder` and the `ShutdownReport`; the handle itself is in `inner.rs`.

use std::any::Any;
use std::ffi::{c_uint, CString};
use std::fmt;
use std::ptr::{self, NonNull};
use std::time::Duration;

use wpool_sys as sys;

use crate::error::{
    check, timeout_error, try_error, ConfigError, Error, SpawnBatchError, SpawnError,
    SpawnTimeoutError, TrySpawnError,
};
use crate::handle::JoinHandle;
use crate::inner::{to_timeout_ns, Pool, TRY, WAIT};
use crate::job::{self, Detached};
use crate::lifecycle::{closed, submit_with};
use crate::priority::{OsPriority, Priority};
use crate::scope::{self, Scope};
use crate::stats::Stats;
use crate::thread::{self, PanicHandler, Shared, ThreadHook, ThreadInfo};

/// Configures a [`Pool`]; made by [`Pool::builder`]. Every field of the C
/// pool's configuration has a method; unset ones keep the C defaults.
///
/// ```
/// use std::time::Duration;
/// use wpool::{Pool, Priority};
///
/// let pool = Pool::builder()
///     .workers(2)                                  // default: one per CPU
///     .max_temp_workers(2)                         // extra threads for High work
///     .temp_idle_timeout(Duration::from_millis(50)) // they retire after this
///     .capacity(1024)                              // per priority queue
///     .capacity_for(Priority::Low, 65536)
///     .starvation_bound(Duration::from_millis(100))
///     .thread_name("render")
///     .panic_handler(|payload| eprintln!("job failed: {payload:?}"))
///     .build()?;
/// assert_eq!(pool.stats().workers, 2);
/// assert_eq!(pool.stats()[Priority::Low].capacity, 65536);
/// # Ok::<(), wpool::Error>(())
/// ```
#[must_use = "a builder does nothing until build() is called"]
#[derive(Default)]
pub struct Builder {
    workers: usize,
    max_temp_workers: Option<usize>,
    temp_idle: Option<Duration>,
    capacity: [usize; 3],
    starvation: Option<Duration>,
    thread_name: Option<String>,
    pin_workers: bool,
    wait_sampling: u32,
    worker_os_priority: Option<OsPriority>,
    temp_spares: Option<usize>,
    panic_handler: Option<PanicHandler>,
    on_thread_start: Option<ThreadHook>,
    on_thread_stop: Option<ThreadHook>,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("workers", &self.workers)
            .field("max_temp_workers", &self.max_temp_workers)
            .field("temp_idle", &self.temp_idle)
            .field("capacity", &self.capacity)
            .field("starvation", &self.starvation)
            .field("thread_name", &self.thread_name)
            .field("pin_workers", &self.pin_workers)
            .field("wait_sampling", &self.wait_sampling)
            .field("worker_os_priority", &self.worker_os_priority)
            .field("temp_spares", &self.temp_spares)
            .field("panic_handler", &self.panic_handler.is_some())
            .finish_non_exhaustive()
    }
}

impl Builder {
    /// A builder with every default (same as [`Pool::builder`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Builder::new().workers(1).build()?;
    /// assert_eq!(pool.stats().workers, 1);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Regular workers; 0 (default): one per online CPU. At most 1024
    /// (`WPOOL_MAX_WORKERS`).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::builder().workers(3).build()?;
    /// assert_eq!(pool.stats().workers, 3);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn workers(mut self, n: usize) -> Builder {
        self.workers = n;
        self
    }

    /// Temporary workers started when High work waits and every worker is
    /// busy; they run High jobs only. 0 disables them. Default 4, at most 1024.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::builder().max_temp_workers(0).build()?; // no temporary workers
    /// assert_eq!(pool.stats().max_temp_workers, 0);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn max_temp_workers(mut self, n: usize) -> Builder {
        self.max_temp_workers = Some(n);
        self
    }

    /// Temporary workers kept started and parked, ready for High work, so
    /// that no High job waits for a thread to be created; when one takes
    /// work, the pool starts another in the background if
    /// [`max_temp_workers`](Builder::max_temp_workers) allows. Spares never
    /// retire. 0: temporary workers start only when High work finds every
    /// thread busy. Default 1; more than `max_temp_workers` is the same as
    /// `max_temp_workers`; at most 1024.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::builder().max_temp_workers(2).temp_spares(2).build()?;
    /// assert_eq!(pool.stats().temp_workers, 2); // started, parked
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn temp_spares(mut self, n: usize) -> Builder {
        self.temp_spares = Some(n);
        self
    }

    /// The OS scheduling priority of the regular workers, which run the
    /// bulk of Normal and Low work (see [`OsPriority`]); temporary workers
    /// keep the building thread's. Default [`OsPriority::Lowest`].
    ///
    /// # Examples
    ///
    /// ```
    /// use wpool::OsPriority;
    /// // Bulk work at the application's own priority.
    /// let pool = wpool::Pool::builder().worker_os_priority(OsPriority::Inherit).build()?;
    /// # drop(pool);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn worker_os_priority(mut self, level: OsPriority) -> Builder {
        self.worker_os_priority = Some(level);
        self
    }

    /// How long a temporary worker stays idle before it exits (millisecond
    /// resolution, rounded up). Default 200 ms.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = wpool::Pool::builder().temp_idle_timeout(Duration::from_millis(20)).build()?;
    /// # drop(pool);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn temp_idle_timeout(mut self, ttl: Duration) -> Builder {
        self.temp_idle = Some(ttl);
        self
    }

    /// Queue capacity of every priority, in jobs: rounded up to a power of
    /// two, at least 2 (so `capacity(1)` gives 2), at most 2^24
    /// (16,777,216); `capacity(0)` means the default, 4096 jobs each.
    ///
    /// # Examples
    ///
    /// ```
    /// use wpool::Priority;
    /// let pool = wpool::Pool::builder().capacity(100).build()?;
    /// assert_eq!(pool.stats()[Priority::Normal].capacity, 128);
    /// let pool = wpool::Pool::builder().capacity(1).build()?;
    /// assert_eq!(pool.stats()[Priority::Normal].capacity, 2);
    /// let pool = wpool::Pool::builder().capacity(0).build()?;
    /// assert_eq!(pool.stats()[Priority::Normal].capacity, 4096);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn capacity(mut self, jobs: usize) -> Builder {
        self.capacity = [jobs; 3];
        self
    }

    /// Queue capacity of one priority (rounded and limited as in
    /// [`capacity`](Builder::capacity)).
    ///
    /// # Examples
    ///
    /// ```
    /// use wpool::Priority;
    /// let pool = wpool::Pool::builder().capacity_for(Priority::High, 16).build()?;
    /// assert_eq!(pool.stats()[Priority::High].capacity, 16);
    /// assert_eq!(pool.stats()[Priority::Low].capacity, 4096);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn capacity_for(mut self, prio: Priority, jobs: usize) -> Builder {
        self.capacity[prio.index()] = jobs;
        self
    }

    /// Normal and Low jobs that waited longer than `bound` go before newer
    /// higher-priority work, so bulk work still moves under a flood of
    /// urgent work. Default: strict priority (no bound).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = wpool::Pool::builder().starvation_bound(Duration::from_millis(50)).build()?;
    /// # drop(pool);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn starvation_bound(mut self, bound: Duration) -> Builder {
        self.starvation = Some(bound);
        self
    }

    /// Thread name prefix (at most 10 bytes are used): threads are named
    /// `<prefix>-<i>`, temporary ones `<prefix>-t<i>`. Default `wpool`.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::builder().thread_name("io").build()?; // threads io-0, io-1, ...
    /// let err = wpool::Pool::builder().thread_name("a\0b").build().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid configuration: thread_name: a NUL byte at index 1");
    /// # drop(pool);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Builder {
        self.thread_name = Some(prefix.into());
        self
    }

    /// Pins regular worker *i* to the *i*-th CPU the process may use.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::builder().workers(1).pin_workers(true).build()?;
    /// # drop(pool);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn pin_workers(mut self, pin: bool) -> Builder {
        self.pin_workers = pin;
        self
    }

    /// Measures the queue wait of one Normal/Low job in `n` of a burst (a
    /// power of two, at most 1024; 1: every job). High jobs are always
    /// measured. 0 (or not set): the default, 8.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::builder().wait_sampling(1).build()?; // measure every wait
    /// let err = wpool::Pool::builder().wait_sampling(3).build().unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid configuration: wait_sampling(3): must be a power of two, at most 1024 (or 0: the default)"
    /// );
    /// # drop(pool);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn wait_sampling(mut self, n: u32) -> Builder {
        self.wait_sampling = n;
        self
    }

    /// Called with the payload of every panic of a fire-and-forget job (and
    /// of a discarded job's destructor), on the thread where it happened (a
    /// pool thread, or for a discard the thread that called the shutdown),
    /// after the panic hook. Without a handler the payload is dropped once
    /// the panic hook (std's prints the message to stderr) has reported it,
    /// as for a `std::thread`. Panics are counted in [`Stats::panics`]
    /// either way, and the pool keeps running.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use wpool::{Pool, Priority};
    ///
    /// let (tx, rx) = mpsc::channel();
    /// let tx = std::sync::Mutex::new(tx);
    /// let pool = Pool::builder()
    ///     .panic_handler(move |payload| {
    ///         let msg = wpool::panic_message(&*payload).unwrap_or("(not a string)");
    ///         tx.lock().unwrap().send(msg.to_owned()).unwrap();
    ///     })
    ///     .build()?;
    /// pool.spawn(Priority::Normal, || panic!("oops")).unwrap();
    /// assert_eq!(rx.recv().unwrap(), "oops");
    /// pool.wait_idle()?;
    /// assert_eq!(pool.stats().panics, 1);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn panic_handler<H>(mut self, handler: H) -> Builder
    where
        H: Fn(Box<dyn Any + Send>) + Send + Sync + 'static,
    {
        self.panic_handler = Some(Box::new(handler));
        self
    }

    /// Called on each pool thread as it starts, before any job.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let counter = started.clone();
    /// let pool = wpool::Pool::builder()
    ///     .workers(2)
    ///     .max_temp_workers(0) // no temporary workers, so no spare either
    ///     .on_thread_start(move |info| {
    ///         assert!(!info.temporary);
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()?;
    /// drop(pool); // joins the threads: both hooks have run
    /// assert_eq!(started.load(Ordering::SeqCst), 2);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn on_thread_start<H>(mut self, hook: H) -> Builder
    where
        H: Fn(ThreadInfo) + Send + Sync + 'static,
    {
        self.on_thread_start = Some(Box::new(hook));
        self
    }

    /// Called on each pool thread as it stops, after its last job.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let stopped = Arc::new(AtomicUsize::new(0));
    /// let counter = stopped.clone();
    /// let pool = wpool::Pool::builder()
    ///     .workers(2)
    ///     .on_thread_stop(move |_| { counter.fetch_add(1, Ordering::SeqCst); })
    ///     .build()?;
    /// drop(pool);
    /// // The two regular workers and the spare temporary worker.
    /// assert_eq!(stopped.load(Ordering::SeqCst), 3);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn on_thread_stop<H>(mut self, hook: H) -> Builder
    where
        H: Fn(ThreadInfo) + Send + Sync + 'static,
    {
        self.on_thread_stop = Some(Box::new(hook));
        self
    }

    /// Creates the pool and starts its regular workers.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for a setting out of range (a size beyond its
    /// limit, a thread name with a NUL byte, a duration beyond `u32::MAX`
    /// milliseconds): it names the setting, its value and the limit;
    /// [`Error::OutOfMemory`]; [`Error::ThreadSpawn`] when a worker thread
    /// could not start. Nothing is left running on error.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::builder().workers(2).build()?;
    /// let err = wpool::Pool::builder().capacity(1 << 30).build().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid configuration: capacity(1073741824): at most 16777216");
    /// # drop(pool);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn build(self) -> Result<Pool, Error> {
        let mut cfg = sys::wpool_config::default();
        // SAFETY: cfg is a valid wpool_config to fill.
        unsafe { sys::wpool_config_init(&mut cfg) };
        let max_workers = sys::WPOOL_MAX_WORKERS as usize;
        cfg.workers = at_most("workers", self.workers, max_workers)?;
        if let Some(n) = self.max_temp_workers {
            cfg.max_temp_workers = at_most("max_temp_workers", n, max_workers)?;
        }
        if let Some(n) = self.temp_spares {
            cfg.temp_spares = at_most("temp_spares", n, max_workers)?;
        }
        if let Some(level) = self.worker_os_priority {
            cfg.worker_os_priority = level.raw();
        }
        if let Some(ttl) = self.temp_idle {
            cfg.temp_idle_ms = to_ms("temp_idle_timeout", ttl)?;
        }
        let same_capacity = self.capacity.iter().all(|&c| c == self.capacity[0]);
        for (prio, &jobs) in Priority::ALL.iter().zip(&self.capacity) {
            if jobs != 0 {
                let field = match (same_capacity, prio) {
                    (true, _) => "capacity",
                    (false, Priority::High) => "capacity_for(High)",
                    (false, Priority::Normal) => "capacity_for(Normal)",
                    (false, Priority::Low) => "capacity_for(Low)",
                };
                cfg.capacity[prio.index()] =
                    at_most(field, jobs, sys::WPOOL_MAX_CAPACITY as usize)?;
            }
        }
        if let Some(bound) = self.starvation {
            // 0 would mean "no bound" to C: a zero bound is the smallest one.
            cfg.starvation_ms = to_ms("starvation_bound", bound)?.max(1);
        }
        let sampling = self.wait_sampling;
        if sampling > sys::WPOOL_MAX_WAIT_SAMPLING || !(sampling == 0 || sampling.is_power_of_two())
        {
            return Err(Error::InvalidConfig(ConfigError::power_of_two(
                "wait_sampling",
                sampling.into(),
                sys::WPOOL_MAX_WAIT_SAMPLING.into(),
            )));
        }
        cfg.wait_sampling = sampling;
        let name = match self.thread_name {
            Some(name) => Some(CString::new(name).map_err(|e| {
                Error::InvalidConfig(ConfigError::nul_byte("thread_name", e.nul_position()))
            })?),
            None => None,
        };
        cfg.thread_name = name.as_ref().map_or(ptr::null(), |n| n.as_ptr());
        cfg.pin_workers = i32::from(self.pin_workers);

        let shared = Shared::new(
            self.panic_handler,
            self.on_thread_start,
            self.on_thread_stop,
        );
        shared.install_hooks(&mut cfg);

        let mut raw = ptr::null_mut();
        // SAFETY: cfg and raw are valid for the call; cfg is not retained
        // (the name is copied). hook_ctx and room_ctx stay valid: `shared` is
        // kept in the Pool and freed only after wpool_destroy returned (its
        // threads joined, its shutdown's on_room calls made).
        check(unsafe { sys::wpool_create(&cfg, &mut raw) })?;
        shared.set_raw(raw);
        let raw = NonNull::new(raw).expect("wpool_create returned OK without a pool");
        Ok(Pool::from_parts(raw, shared))
    }
}

/// `n` as the C field's type, if it is at most `limit` (a limit of wpool.h).
fn at_most(field: &'static str, n: usize, limit: usize) -> Result<c_uint, Error> {
    match c_uint::try_from(n) {
        Ok(v) if n <= limit => Ok(v),
        _ => Err(Error::InvalidConfig(ConfigError::at_most(
            field,
            n as u128,
            limit as u128,
        ))),
    }
}

/// A duration in whole milliseconds (rounded up), as the C fields take it.
fn to_ms(field: &'static str, d: Duration) -> Result<u32, Error> {
    let ms = d.as_nanos().div_ceil(1_000_000);
    u32::try_from(ms)
        .map_err(|_| Error::InvalidConfig(ConfigError::at_most_ms(field, ms, u32::MAX.into())))
}

impl Pool {
    /// A builder to configure a pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::builder().workers(2).max_temp_workers(1).build()?;
    /// # drop(pool);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// A pool with every default: one worker per CPU, up to 4 temporary
    /// workers for High work, 4096 jobs per queue.
    ///
    /// ```
    /// let pool = wpool::Pool::new()?;
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Builder::build`].
    pub fn new() -> Result<Pool, Error> {
        Builder::default().build()
    }

    /// Queues every closure of `jobs` at `prio`, in order, with one
    /// submission that wakes the workers once for the whole batch (cheaper
    /// than a [`spawn`](Pool::spawn) per closure for a burst); waits for room
    /// as `spawn` does. Fire and forget. The closures are collected into one
    /// `Vec` per call.
    ///
    /// # Errors
    ///
    /// [`SpawnBatchError`] once the pool is shut down: the closures it did
    /// not queue come back ([`into_inner`](SpawnBatchError::into_inner)); the
    /// ones before them ([`accepted`](SpawnBatchError::accepted)) were
    /// accepted, and each is run or discarded as usual.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::builder().workers(2).build()?;
    /// let done = Arc::new(AtomicUsize::new(0));
    /// let jobs = (0..100).map(|_| {
    ///     let done = done.clone();
    ///     move || { done.fetch_add(1, Ordering::Relaxed); }
    /// });
    /// pool.spawn_batch(Priority::Low, jobs).unwrap();
    /// pool.wait_idle()?;
    /// assert_eq!(done.load(Ordering::Relaxed), 100);
    ///
    /// pool.shutdown()?;
    /// let err = pool.spawn_batch(Priority::Low, vec![|| (), || ()]).unwrap_err();
    /// assert_eq!((err.accepted(), err.into_inner().len()), (0, 2));
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn spawn_batch<I, F>(&self, prio: Priority, jobs: I) -> Result<(), SpawnBatchError<F>>
    where
        I: IntoIterator<Item = F>,
        F: FnOnce() + Send + 'static,
    {
        let jobs: Vec<Detached<F>> = jobs.into_iter().map(Detached).collect();
        if jobs.is_empty() {
            return Ok(());
        }
        // SAFETY: the pool is live while `self` exists; F is 'static.
        unsafe { job::enqueue_batch(self.raw(), prio.raw(), jobs) }.map_err(
            |(_, accepted, rest)| {
                SpawnBatchError::closed(accepted, rest.into_iter().map(|job| job.0).collect())
            },
        )
    }

    /// Queues `f` at `prio`, waiting while the queue is full; fire and forget.
    ///
    /// A panic in `f` goes to the [panic handler](Builder::panic_handler)
    /// and is counted in [`Stats::panics`]; the pool keeps running. Called
    /// from one of the pool's own jobs while the queue is full, it runs
    /// queued jobs meanwhile, so jobs that spawn jobs cannot deadlock.
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let (tx, rx) = mpsc::channel();
    /// pool.spawn(Priority::Normal, move || tx.send("hello").unwrap()).unwrap();
    /// assert_eq!(rx.recv().unwrap(), "hello");
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnError::Closed`] (with `f`) once the pool is shut down, also
    /// while waiting.
    pub fn spawn<F>(&self, prio: Priority, f: F) -> Result<(), SpawnError<F>>
    where
        F: FnOnce() + Send + 'static,
    {
        // SAFETY: F is 'static.
        unsafe { self.enqueue(prio, Detached(f), WAIT) }
            .map_err(|(_, job)| SpawnError::Closed(job.0))
    }

    /// Queues `f` at `prio` if there is room now; fire and forget.
    ///
    /// ```
    /// use wpool::{Pool, Priority, TrySpawnError};
    ///
    /// let pool = Pool::new()?;
    /// match pool.try_spawn(Priority::High, || println!("urgent")) {
    ///     Ok(()) => {}
    ///     Err(TrySpawnError::Full(job)) => job(), // run it here instead
    ///     Err(TrySpawnError::Closed(_)) => unreachable!(),
    /// }
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TrySpawnError::Full`] or [`TrySpawnError::Closed`], with `f`.
    pub fn try_spawn<F>(&self, prio: Priority, f: F) -> Result<(), TrySpawnError<F>>
    where
        F: FnOnce() + Send + 'static,
    {
        // SAFETY: F is 'static.
        unsafe { self.enqueue(prio, Detached(f), TRY) }.map_err(|(err, job)| try_error(err, job.0))
    }

    /// Queues `f` at `prio`, waiting at most `timeout` for room; fire and
    /// forget.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// pool.spawn_timeout(Priority::Normal, || (), Duration::from_millis(10)).unwrap();
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnTimeoutError::Timeout`] or [`SpawnTimeoutError::Closed`], with `f`.
    pub fn spawn_timeout<F>(
        &self,
        prio: Priority,
        f: F,
        timeout: Duration,
    ) -> Result<(), SpawnTimeoutError<F>>
    where
        F: FnOnce() + Send + 'static,
    {
        // SAFETY: F is 'static.
        unsafe { self.enqueue(prio, Detached(f), to_timeout_ns(timeout)) }
            .map_err(|(err, job)| timeout_error(err, job.0))
    }

    /// Queues `f` at `prio`, waiting while the queue is full, and returns a
    /// handle to its result.
    ///
    /// The handle's [`join`](JoinHandle::join) (or `.await`) gives the value,
    /// the panic payload, or why the job did not run (discarded at
    /// shutdown, cancelled, expired). [`cancel`](JoinHandle::cancel) drops
    /// the job if it is still queued. Dropping the handle detaches the job.
    /// For a deadline, see [`Pool::job`].
    ///
    /// ```
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let handles: Vec<_> = (0..4u64)
    ///     .map(|i| pool.submit(Priority::Normal, move || i * i).unwrap())
    ///     .collect();
    /// let squares: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    /// assert_eq!(squares, [0, 1, 4, 9]);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnError::Closed`] (with `f`) once the pool is shut down.
    pub fn submit<F, T>(&self, prio: Priority, f: F) -> Result<JoinHandle<T>, SpawnError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        submit_with(self, prio, f, WAIT, 0).map_err(closed)
    }

    /// As [`submit`](Pool::submit), but fails at once when the queue is full.
    ///
    /// ```
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let handle = pool.try_submit(Priority::High, || "fast").unwrap();
    /// assert_eq!(handle.join().unwrap(), "fast");
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TrySpawnError::Full`] or [`TrySpawnError::Closed`], with `f`.
    pub fn try_submit<F, T>(&self, prio: Priority, f: F) -> Result<JoinHandle<T>, TrySpawnError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        submit_with(self, prio, f, TRY, 0).map_err(|(err, f)| try_error(err, f))
    }

    /// As [`submit`](Pool::submit), but waits at most `timeout` for room.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let handle = pool.submit_timeout(Priority::Low, || 1, Duration::from_secs(1)).unwrap();
    /// assert_eq!(handle.join().unwrap(), 1);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnTimeoutError::Timeout`] or [`SpawnTimeoutError::Closed`], with `f`.
    pub fn submit_timeout<F, T>(
        &self,
        prio: Priority,
        f: F,
        timeout: Duration,
    ) -> Result<JoinHandle<T>, SpawnTimeoutError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        submit_with(self, prio, f, to_timeout_ns(timeout), 0)
            .map_err(|(err, f)| timeout_error(err, f))
    }

    /// Runs `body` with a [`Scope`] whose jobs may borrow from the caller's
    /// stack; returns once every job spawned in it has run (or been
    /// discarded), even when `body` panics, and then re-raises that panic.
    /// A panic of a fire-and-forget job of the scope is re-raised here too,
    /// after every job finished.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// let data = vec![1u64, 2, 3, 4];
    /// let sum = AtomicU64::new(0);
    /// pool.scope(|s| {
    ///     for x in &data {
    ///         let sum = &sum;
    ///         s.spawn(Priority::Normal, move || { sum.fetch_add(*x, Ordering::Relaxed); }).unwrap();
    ///     }
    /// });
    /// assert_eq!(sum.into_inner(), 10);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn scope<'env, F, R>(&self, body: F) -> R
    where
        F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> R,
    {
        scope::run(self, body)
    }

    /// Waits until nothing is queued or running (intake stays open). Jobs
    /// queued at a [paused](Pool::pause) priority do not count: it returns
    /// once they are all that is left.
    ///
    /// ```
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// pool.spawn(Priority::Low, || ()).unwrap();
    /// pool.wait_idle()?;
    /// assert_eq!(pool.stats()[Priority::Low].completed, 1);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::WouldDeadlock`] when called from one of the pool's own jobs.
    pub fn wait_idle(&self) -> Result<(), Error> {
        // SAFETY: the pool is live while `self` exists.
        check(unsafe { sys::wpool_wait_idle(self.raw(), WAIT) })
    }

    /// Waits at most `timeout` until nothing is queued or running.
    ///
    /// # Errors
    ///
    /// [`Error::TimedOut`], or [`Error::WouldDeadlock`] from one of the
    /// pool's own jobs.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Error, Pool, Priority};
    ///
    /// let pool = Pool::builder().workers(1).build()?;
    /// pool.spawn(Priority::Low, || std::thread::sleep(Duration::from_millis(200))).unwrap();
    /// assert_eq!(pool.wait_idle_timeout(Duration::from_millis(1)), Err(Error::TimedOut));
    /// pool.wait_idle()?;
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn wait_idle_timeout(&self, timeout: Duration) -> Result<(), Error> {
        // SAFETY: the pool is live while `self` exists.
        check(unsafe { sys::wpool_wait_idle(self.raw(), to_timeout_ns(timeout)) })
    }

    /// Stops intake (every later submission fails with `Closed`) and waits
    /// for every queued and running job. Jobs of a [paused](Pool::pause)
    /// priority are not waited for: once the rest is done they are
    /// discarded (counted in the report's `discarded`; a [`JoinHandle`]
    /// reports [`JoinError::is_discarded`](crate::JoinError::is_discarded)),
    /// unless [resumed](Pool::resume) first. The pool stays valid: stats
    /// can still be read. Calling it again is harmless.
    ///
    /// # Errors
    ///
    /// [`Error::WouldDeadlock`] when called from one of the pool's own jobs.
    ///
    /// # Examples
    ///
    /// ```
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// for _ in 0..10 {
    ///     pool.spawn(Priority::Low, || ()).unwrap();
    /// }
    /// let report = pool.shutdown()?;
    /// assert!(!report.timed_out);
    /// assert!(report.completed() <= 10); // those that had not finished before the call
    /// assert_eq!(pool.stats().completed(), 10);
    /// assert!(pool.spawn(Priority::Low, || ()).is_err()); // closed
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn shutdown(&self) -> Result<ShutdownReport, Error> {
        self.shutdown_with(WAIT)
    }

    /// Stops intake, then waits at most `timeout` for the queued jobs to run
    /// and the running ones to return. If the deadline passes first, every
    /// job not yet started is discarded (its closure dropped; a
    /// [`JoinHandle`] reports it) and this returns without waiting for the
    /// jobs still running. The report says which happened. Jobs of a
    /// [paused](Pool::pause) priority are discarded as by
    /// [`shutdown`](Pool::shutdown), without waiting for the deadline.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::builder().workers(1).max_temp_workers(0).build()?;
    /// for _ in 0..10 {
    ///     pool.spawn(Priority::Low, || std::thread::sleep(Duration::from_millis(50))).unwrap();
    /// }
    /// let report = pool.shutdown_timeout(Duration::from_millis(20))?;
    /// assert!(report.timed_out);
    /// assert!(report.discarded() >= 8); // one ran, maybe one more started
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::WouldDeadlock`] when called from one of the pool's own jobs.
    pub fn shutdown_timeout(&self, timeout: Duration) -> Result<ShutdownReport, Error> {
        self.shutdown_with(to_timeout_ns(timeout))
    }

    fn shutdown_with(&self, timeout_ns: u64) -> Result<ShutdownReport, Error> {
        // What the call itself does is the difference of the counters around
        // it (they only grow).
        let before = self.stats();
        // SAFETY: the pool is live while `self` exists.
        let rc = thread::reporting_to(self.shared(), || unsafe {
            sys::wpool_shutdown(self.raw(), timeout_ns)
        });
        // Async submitters waiting for room need nothing from us: C closed
        // every queue and then called on_room for each (`waiters.rs`), so
        // they retried and found the pool closed; one that asks for room
        // after the close is told so by wpool_want_room.
        let timed_out = match Error::from_code(rc) {
            None => false,
            Some(Error::TimedOut) => true,
            Some(err) => return Err(err),
        };
        let after = self.stats();
        Ok(ShutdownReport {
            timed_out,
            queued_at_start: Priority::ALL.map(|p| before[p].queued),
            completed: Priority::ALL.map(|p| after[p].completed - before[p].completed),
            discarded: Priority::ALL.map(|p| after[p].discarded - before[p].discarded),
            still_running: Priority::ALL.iter().map(|&p| after[p].running).sum(),
        })
    }

    /// A snapshot of the pool's statistics. Never blocks on the workers.
    ///
    /// ```
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::builder().workers(2).build()?;
    /// pool.submit(Priority::High, || ()).unwrap().join().unwrap();
    /// let stats = pool.stats();
    /// assert_eq!(stats[Priority::High].submitted, 1);
    /// assert_eq!(stats.workers, 2);
    /// println!("High p99 wait: {:?}", stats[Priority::High].wait_p99);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn stats(&self) -> Stats {
        let mut raw = sys::wpool_stats::default();
        // SAFETY: the pool is live while `self` exists; `raw` is writable.
        let rc = unsafe { sys::wpool_get_stats(self.raw(), &mut raw) };
        debug_assert_eq!(rc, sys::WPOOL_OK);
        Stats::from_raw(raw, self.shared().panics())
    }

    /// True when the calling thread is one of this pool's threads.
    ///
    /// ```
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// assert!(!pool.in_pool());
    /// let inside = pool.clone();
    /// assert!(pool.submit(Priority::Normal, move || inside.in_pool()).unwrap().join().unwrap());
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn in_pool(&self) -> bool {
        // SAFETY: the pool is live while `self` exists.
        unsafe { sys::wpool_in_pool(self.raw()) != 0 }
    }

    /// Sets the number of regular workers (0: one per online CPU, as
    /// [`Builder::workers`]). Growing starts the new threads before it
    /// returns (their [start hooks](Builder::on_thread_start) run).
    /// Shrinking returns at once: each surplus worker (the highest-numbered)
    /// leaves as soon as it is between jobs, and its [stop
    /// hook](Builder::on_thread_stop) runs then; a running job is never
    /// interrupted, so [`Stats::workers`] (threads alive) may stay above
    /// [`Stats::workers_target`] (asked for) until those jobs end. Queued
    /// work goes to the workers that stay. May be called from a job (a
    /// worker may shrink the pool below itself: it leaves after that job).
    /// Calls are serialized.
    ///
    /// ```
    /// use wpool::Pool;
    ///
    /// let pool = Pool::builder().workers(1).build()?;
    /// pool.set_workers(3)?;
    /// assert_eq!(pool.stats().workers, 3); // started before set_workers returned
    ///
    /// pool.set_workers(2)?;
    /// assert_eq!(pool.stats().workers_target, 2);
    /// while pool.stats().workers > 2 {
    ///     std::thread::yield_now(); // the surplus worker leaves as soon as it is idle
    /// }
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for more than 1024 (`WPOOL_MAX_WORKERS`);
    /// [`Error::Closed`] once shutdown began (nothing changes);
    /// [`Error::OutOfMemory`] or [`Error::ThreadSpawn`] when the system
    /// refused a thread (the workers started before it stay, and
    /// [`Stats::workers_target`] says how many were asked for).
    pub fn set_workers(&self, n: usize) -> Result<(), Error> {
        let n = c_uint::try_from(n).map_err(|_| Error::InvalidArgument)?;
        // SAFETY: the pool is live while `self` exists; callable from any
        // thread, its jobs included.
        check(unsafe { sys::wpool_set_workers(self.raw(), n) })
    }

    /// Sets the most temporary workers the pool may run for High work (as
    /// [`Builder::max_temp_workers`]; the spares kept parked become
    /// `min(temp_spares, n)`). Raising it takes effect at once; lowering it
    /// retires surplus idle temporary workers at once and busy ones when
    /// their job ends. 0: no temporary workers.
    ///
    /// ```
    /// use wpool::Pool;
    ///
    /// let pool = Pool::builder().max_temp_workers(0).build()?;
    /// pool.set_max_temp_workers(2)?;
    /// assert_eq!(pool.stats().max_temp_workers, 2);
    /// pool.set_max_temp_workers(0)?;
    /// while pool.stats().temp_workers > 0 {
    ///     std::thread::yield_now(); // the spare retires
    /// }
    /// # Ok::<(), wpool::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`set_workers`](Pool::set_workers).
    pub fn set_max_temp_workers(&self, n: usize) -> Result<(), Error> {
        let n = c_uint::try_from(n).map_err(|_| Error::InvalidArgument)?;
        // SAFETY: the pool is live while `self` exists.
        check(unsafe { sys::wpool_set_max_temp_workers(self.raw(), n) })
    }

    /// Pauses a priority: its queued jobs stay queued and no worker starts
    /// them (jobs already running go on); submissions are still accepted
    /// (and wait for room when the queue is full). Other priorities are not
    /// affected. Idempotent; [`Stats`] says which priorities are paused
    /// ([`PriorityStats::paused`](crate::PriorityStats::paused)).
    ///
    /// Paused jobs are not waited for: [`wait_idle`](Pool::wait_idle)
    /// returns once only they are left, and a [shutdown](Pool::shutdown)
    /// (or dropping the pool) discards them once the other jobs are done
    /// ([`JoinError::is_discarded`](crate::JoinError::is_discarded)).
    /// [Resume](Pool::resume) first to have them run. A paused job can
    /// still be [cancelled](crate::JoinHandle::cancel); its deadline is
    /// looked at only when a worker takes it.
    ///
    /// ```
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// pool.pause(Priority::Low)?; // e.g. during an incident: bulk work waits
    /// let report = pool.submit(Priority::Low, || "bulk report")?;
    /// pool.submit(Priority::High, || "urgent")?.join().unwrap(); // others run
    /// pool.wait_idle()?; // does not wait for the paused job
    /// assert!(!report.is_finished());
    /// assert!(pool.stats()[Priority::Low].paused);
    ///
    /// pool.resume(Priority::Low)?;
    /// assert_eq!(report.join().unwrap(), "bulk report");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] once shutdown began (nothing changes).
    pub fn pause(&self, prio: Priority) -> Result<(), Error> {
        // SAFETY: the pool is live while `self` exists; never blocks.
        check(unsafe { sys::wpool_pause(self.raw(), prio.raw()) })
    }

    /// Resumes a paused priority: its queued jobs are started again at
    /// once. Idempotent (resuming a priority that is not paused does
    /// nothing); allowed during a shutdown (the paused jobs not yet
    /// discarded then run).
    ///
    /// ```
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// pool.pause(Priority::Normal)?;
    /// let job = pool.submit(Priority::Normal, || 7)?;
    /// pool.resume(Priority::Normal)?;
    /// pool.resume(Priority::Normal)?; // no-op
    /// assert_eq!(job.join().unwrap(), 7);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None in practice: the C call fails only for an invalid pool or
    /// priority, which this API cannot pass. The `Result` is kept for
    /// symmetry with [`pause`](Pool::pause).
    pub fn resume(&self, prio: Priority) -> Result<(), Error> {
        // SAFETY: the pool is live while `self` exists; never blocks.
        check(unsafe { sys::wpool_resume(self.raw(), prio.raw()) })
    }
}

/// What one shutdown call did, per priority (index with [`Priority::index`]):
/// counted from just before the call to its return, so jobs that finished
/// before it, or in an earlier shutdown, are not in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// The deadline passed before every job finished: the jobs not yet
    /// started were discarded. (The jobs of a paused priority are
    /// discarded without a time-out.)
    pub timed_out: bool,
    /// Jobs waiting in the queues when the call began.
    pub queued_at_start: [u64; 3],
    /// Jobs that finished running (or panicked) during the call.
    pub completed: [u64; 3],
    /// Jobs discarded unstarted during the call, paused ones included
    /// (cancelled and expired jobs are not counted here). (A job a worker took just
    /// as the deadline passed is discarded by that worker, possibly after
    /// the call returned: [`Stats`] counts it, this report may not.)
    pub discarded: [u64; 3],
    /// Jobs still running when the call returned (0 unless timed out).
    pub still_running: u64,
}

impl ShutdownReport {
    /// Jobs discarded unstarted during the call, all priorities.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::new()?;
    /// assert_eq!(pool.shutdown()?.discarded(), 0);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn discarded(&self) -> u64 {
        self.discarded.iter().sum()
    }

    /// Jobs that finished during the call, all priorities.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::builder().workers(1).build()?;
    /// let (open, gate) = mpsc::channel::<()>();
    /// pool.spawn(Priority::Low, move || { let _ = gate.recv(); }).unwrap();
    /// pool.spawn(Priority::Low, || ()).unwrap(); // queued behind the gate
    /// open.send(()).unwrap();
    /// let report = pool.shutdown()?;
    /// assert!(report.completed() <= 2 && report.discarded() == 0);
    /// assert_eq!(pool.shutdown()?.completed(), 0); // nothing left for a second call
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn completed(&self) -> u64 {
        self.completed.iter().sum()
    }

    /// Jobs queued when the call began, all priorities.
    pub fn queued_at_start(&self) -> u64 {
        self.queued_at_start.iter().sum()
    }
}

impl fmt::Display for ShutdownReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} queued at the start; during the shutdown {} jobs completed, {} discarded \
             (High {}, Normal {}, Low {}); {} still running",
            if self.timed_out {
                "deadline passed"
            } else {
                "clean shutdown"
            },
            self.queued_at_start(),
            self.completed(),
            self.discarded(),
            self.discarded[0],
            self.discarded[1],
            self.discarded[2],
            self.still_running
        )
    }
}
