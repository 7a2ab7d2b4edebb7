//! Errors: the C status codes, failed submissions (which give the closure
//! back) and failed joins.

use std::any::Any;
use std::ffi::CStr;
use std::fmt;

use wpool_sys as sys;

/// An error from the pool: every status code that a call of this crate can
/// meet has a variant. (`WPOOL_EALREADY`, the C cancel's "too late", is the
/// `false` of [`JoinHandle::cancel`](crate::JoinHandle::cancel) here; as a
/// raw code it maps to [`Error::Unknown`].)
///
/// ```
/// use wpool::{Error, Pool};
///
/// // More workers than the C core allows (1024).
/// let err = Pool::builder().workers(5000).build().unwrap_err();
/// assert!(matches!(err, Error::InvalidConfig(e) if e.field() == "workers"));
/// assert_eq!(err.code(), -1); // WPOOL_EINVAL
/// assert_eq!(err.to_string(), "invalid configuration: workers(5000): at most 1024");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// A [`Builder`](crate::Builder) setting out of range: which one, its
    /// value and the limit are in the [`ConfigError`] (`WPOOL_EINVAL`).
    InvalidConfig(ConfigError),
    /// A bad argument to a call (`WPOOL_EINVAL`).
    InvalidArgument,
    /// Out of memory; nothing was leaked (`WPOOL_ENOMEM`).
    OutOfMemory,
    /// The queue of that priority is full (`WPOOL_EFULL`).
    Full,
    /// The timeout passed first (`WPOOL_ETIMEDOUT`).
    TimedOut,
    /// The pool is shut down or shutting down (`WPOOL_ECLOSED`).
    Closed,
    /// Called from one of the pool's own jobs, where waiting would wait for
    /// itself (`WPOOL_EDEADLK`).
    WouldDeadlock,
    /// The system refused to start a thread (`WPOOL_EAGAIN`).
    ThreadSpawn,
    /// A status code this version does not know.
    Unknown(i32),
}

impl Error {
    /// Maps a C status code; `None` for `WPOOL_OK`.
    ///
    /// ```
    /// use wpool::Error;
    /// assert_eq!(Error::from_code(0), None);
    /// assert_eq!(Error::from_code(-5), Some(Error::Closed));
    /// ```
    pub fn from_code(code: i32) -> Option<Error> {
        Some(match code {
            sys::WPOOL_OK => return None,
            sys::WPOOL_EINVAL => Error::InvalidArgument,
            sys::WPOOL_ENOMEM => Error::OutOfMemory,
            sys::WPOOL_EFULL => Error::Full,
            sys::WPOOL_ETIMEDOUT => Error::TimedOut,
            sys::WPOOL_ECLOSED => Error::Closed,
            sys::WPOOL_EDEADLK => Error::WouldDeadlock,
            sys::WPOOL_EAGAIN => Error::ThreadSpawn,
            other => Error::Unknown(other),
        })
    }

    /// The C status code (`WPOOL_E*`, negative).
    ///
    /// ```
    /// assert_eq!(wpool::Error::Full.code(), -3);
    /// ```
    pub fn code(self) -> i32 {
        match self {
            Error::InvalidConfig(_) | Error::InvalidArgument => sys::WPOOL_EINVAL,
            Error::OutOfMemory => sys::WPOOL_ENOMEM,
            Error::Full => sys::WPOOL_EFULL,
            Error::TimedOut => sys::WPOOL_ETIMEDOUT,
            Error::Closed => sys::WPOOL_ECLOSED,
            Error::WouldDeadlock => sys::WPOOL_EDEADLK,
            Error::ThreadSpawn => sys::WPOOL_EAGAIN,
            Error::Unknown(code) => code,
        }
    }
}

/// `Ok(())` for `WPOOL_OK`, else the error.
pub(crate) fn check(code: i32) -> Result<(), Error> {
    Error::from_code(code).map_or(Ok(()), Err)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Error::InvalidConfig(e) = self {
            return write!(f, "invalid configuration: {e}");
        }
        // SAFETY: wpool_strerror returns a static NUL-terminated string for
        // any code, never NULL.
        let text = unsafe { CStr::from_ptr(sys::wpool_strerror(self.code())) };
        f.write_str(&text.to_string_lossy())
    }
}

impl std::error::Error for Error {}

/// What is wrong with a [`Builder`](crate::Builder) setting: the setting's
/// name (the builder method's), the value given and the limit it broke.
///
/// ```
/// use wpool::{Error, Pool};
///
/// let Error::InvalidConfig(e) = Pool::builder().capacity(1 << 25).build().unwrap_err() else {
///     unreachable!()
/// };
/// assert_eq!((e.field(), e.value(), e.limit()), ("capacity", 1 << 25, 1 << 24));
/// assert_eq!(e.to_string(), "capacity(33554432): at most 16777216");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConfigError {
    field: &'static str,
    value: u128,
    limit: u128,
    rule: Rule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Rule {
    /// `value <= limit`.
    AtMost,
    /// `value <= limit`, in milliseconds.
    AtMostMs,
    /// A power of two, `<= limit`.
    PowerOfTwo,
    /// `value` is the index of a NUL byte in a string.
    NoNul,
}

impl ConfigError {
    pub(crate) fn at_most(field: &'static str, value: u128, limit: u128) -> ConfigError {
        ConfigError {
            field,
            value,
            limit,
            rule: Rule::AtMost,
        }
    }

    pub(crate) fn at_most_ms(field: &'static str, value: u128, limit: u128) -> ConfigError {
        ConfigError {
            rule: Rule::AtMostMs,
            ..ConfigError::at_most(field, value, limit)
        }
    }

    pub(crate) fn power_of_two(field: &'static str, value: u128, limit: u128) -> ConfigError {
        ConfigError {
            field,
            value,
            limit,
            rule: Rule::PowerOfTwo,
        }
    }

    pub(crate) fn nul_byte(field: &'static str, index: usize) -> ConfigError {
        ConfigError {
            field,
            value: index as u128,
            limit: 0,
            rule: Rule::NoNul,
        }
    }

    /// The setting: the [`Builder`](crate::Builder) method's name
    /// (`"workers"`, `"capacity"`, `"capacity_for(High)"`, ...).
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// The value given (durations in milliseconds; for a string, the index
    /// of its NUL byte).
    pub fn value(&self) -> u128 {
        self.value
    }

    /// The largest value allowed (0 for a string's NUL byte).
    pub fn limit(&self) -> u128 {
        self.limit
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (field, value, limit) = (self.field, self.value, self.limit);
        match self.rule {
            Rule::AtMost => write!(f, "{field}({value}): at most {limit}"),
            Rule::AtMostMs => write!(f, "{field}({value} ms): at most {limit} ms"),
            Rule::PowerOfTwo => write!(
                f,
                "{field}({value}): must be a power of two, at most {limit} (or 0: the default)"
            ),
            Rule::NoNul => write!(f, "{field}: a NUL byte at index {value}"),
        }
    }
}

impl std::error::Error for ConfigError {}

macro_rules! closure_error {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $err:ident; )+ }
    ) => {
        $(#[$meta])*
        #[derive(PartialEq, Eq)]
        pub enum $name<F> {
            $( $(#[$vmeta])* $variant(F), )+
        }

        impl<F> $name<F> {
            /// Gives back the closure that was not queued.
            pub fn into_inner(self) -> F {
                match self { $( $name::$variant(f) => f, )+ }
            }

            /// The matching [`Error`].
            pub fn error(&self) -> Error {
                match self { $( $name::$variant(_) => Error::$err, )+ }
            }
        }

        impl<F> fmt::Debug for $name<F> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self { $( $name::$variant(_) => f.write_str(concat!(stringify!($variant), "(..)")), )+ }
            }
        }

        /// The same words as the matching [`Error`].
        impl<F> fmt::Display for $name<F> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.error(), f)
            }
        }

        impl<F> std::error::Error for $name<F> {}

        impl<F> From<$name<F>> for Error {
            fn from(e: $name<F>) -> Error {
                e.error()
            }
        }
    };
}

closure_error! {
    /// A waiting submission failed: the pool is shut down. The closure comes
    /// back with [`into_inner`](SpawnError::into_inner).
    ///
    /// ```
    /// use wpool::{Pool, Priority, SpawnError};
    ///
    /// let pool = Pool::new()?;
    /// pool.shutdown()?;
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let err = pool.spawn(Priority::Normal, move || tx.send(42).unwrap()).unwrap_err();
    /// assert!(matches!(err, SpawnError::Closed(_)));
    /// let job = err.into_inner(); // the closure, not run
    /// job();
    /// assert_eq!(rx.recv().unwrap(), 42);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    SpawnError {
        /// The pool is shut down or shutting down.
        Closed => Closed;
    }
}

closure_error! {
    /// A `try_` submission failed at once. The closure comes back with
    /// [`into_inner`](TrySpawnError::into_inner).
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use wpool::{Pool, Priority, TrySpawnError};
    ///
    /// let pool = Pool::builder().workers(1).max_temp_workers(0).capacity(1).build()?;
    /// let (unblock, blocked) = mpsc::channel::<()>();
    /// pool.spawn(Priority::Low, move || { let _ = blocked.recv(); }).unwrap();
    /// // The worker is busy; fill the one-slot Low queue, then try once more.
    /// while pool.try_spawn(Priority::Low, || {}).is_ok() {}
    /// let err = pool.try_spawn(Priority::Low, || println!("ran here instead")).unwrap_err();
    /// assert!(matches!(err, TrySpawnError::Full(_)));
    /// err.into_inner()(); // run it on this thread
    /// unblock.send(()).unwrap();
    /// # Ok::<(), wpool::Error>(())
    /// ```
    TrySpawnError {
        /// The queue of that priority is full.
        Full => Full;
        /// The pool is shut down or shutting down.
        Closed => Closed;
    }
}

closure_error! {
    /// A `_timeout` submission failed. The closure comes back with
    /// [`into_inner`](SpawnTimeoutError::into_inner).
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority, SpawnTimeoutError};
    ///
    /// let pool = Pool::new()?;
    /// pool.shutdown()?;
    /// let err = pool.spawn_timeout(Priority::High, || (), Duration::from_millis(5)).unwrap_err();
    /// assert!(matches!(err, SpawnTimeoutError::Closed(_)));
    /// # Ok::<(), wpool::Error>(())
    /// ```
    SpawnTimeoutError {
        /// The queue stayed full until the timeout passed.
        Timeout => TimedOut;
        /// The pool is shut down or shutting down.
        Closed => Closed;
    }
}

/// The `try_` failure for a refused submission's error: `Closed`, else `Full`.
pub(crate) fn try_error<F>(err: Error, f: F) -> TrySpawnError<F> {
    match err {
        Error::Closed => TrySpawnError::Closed(f),
        _ => TrySpawnError::Full(f),
    }
}

/// The `_timeout` failure for a refused submission's error: `Closed`, else
/// `Timeout`.
pub(crate) fn timeout_error<F>(err: Error, f: F) -> SpawnTimeoutError<F> {
    match err {
        Error::Closed => SpawnTimeoutError::Closed(f),
        _ => SpawnTimeoutError::Timeout(f),
    }
}

/// A [`spawn_batch`](crate::Pool::spawn_batch) stopped: the pool is shut
/// down. The first [`accepted`](SpawnBatchError::accepted) closures were
/// queued (each will be run or discarded as usual); the rest come back with
/// [`into_inner`](SpawnBatchError::into_inner), in order.
pub struct SpawnBatchError<F> {
    accepted: usize,
    rest: Vec<F>,
}

impl<F> SpawnBatchError<F> {
    pub(crate) fn closed(accepted: usize, rest: Vec<F>) -> SpawnBatchError<F> {
        SpawnBatchError { accepted, rest }
    }

    /// How many closures, from the first, were queued.
    pub fn accepted(&self) -> usize {
        self.accepted
    }

    /// Gives back the closures that were not queued, in order.
    pub fn into_inner(self) -> Vec<F> {
        self.rest
    }

    /// The matching [`Error`]: [`Error::Closed`].
    pub fn error(&self) -> Error {
        Error::Closed
    }
}

impl<F> fmt::Debug for SpawnBatchError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnBatchError")
            .field("accepted", &self.accepted)
            .field("not_queued", &self.rest.len())
            .finish()
    }
}

impl<F> fmt::Display for SpawnBatchError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} jobs queued, {} not)",
            self.error(),
            self.accepted,
            self.rest.len()
        )
    }
}

impl<F> std::error::Error for SpawnBatchError<F> {}

impl<F> From<SpawnBatchError<F>> for Error {
    fn from(e: SpawnBatchError<F>) -> Error {
        e.error()
    }
}

/// Why a [`JoinHandle`](crate::JoinHandle) has no value: the job panicked
/// (the payload is here), or it never started and its closure was dropped
/// instead, for one of three reasons: a shutdown discarded it
/// ([`is_discarded`](JoinError::is_discarded)), it was cancelled
/// ([`is_cancelled`](JoinError::is_cancelled)), or its deadline passed
/// ([`is_expired`](JoinError::is_expired)). Exactly one of the four
/// `is_` methods is true.
///
/// ```
/// use wpool::{Pool, Priority};
///
/// let pool = Pool::new()?;
/// let handle = pool.submit(Priority::Normal, || -> u32 { panic!("boom") }).unwrap();
/// let err = handle.join().unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(err.panic_message(), Some("boom"));
/// # Ok::<(), wpool::Error>(())
/// ```
///
/// `JoinError` is `Send + Sync` (as tokio's is), so `?` turns it into a
/// `Box<dyn Error + Send + Sync>` or an `anyhow::Error`.
pub struct JoinError {
    repr: JoinErrorRepr,
}

enum JoinErrorRepr {
    Panicked(SyncPayload),
    Discarded(DiscardReason),
}

/// Why the pool dropped a job unstarted (its discard callback ran instead
/// of its run callback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DiscardReason {
    /// A shutdown: its deadline passed, or the job's priority was paused.
    Shutdown,
    /// `wpool_cancel` (a handle's `cancel`).
    Cancelled,
    /// The job's deadline passed before a worker took it.
    Expired,
}

impl DiscardReason {
    /// The reason of the discard callback running on this thread.
    pub(crate) fn current() -> DiscardReason {
        // SAFETY: reads a thread-local of the C core; never blocks.
        match unsafe { sys::wpool_discard_reason_now() } {
            sys::WPOOL_DISCARD_CANCELLED => DiscardReason::Cancelled,
            sys::WPOOL_DISCARD_EXPIRED => DiscardReason::Expired,
            // WPOOL_DISCARD_SHUTDOWN; NONE cannot happen inside a discard
            // callback, and a shutdown is what a discard meant before the
            // C core had reasons.
            _ => DiscardReason::Shutdown,
        }
    }
}

/// A panic payload that can sit in a `Sync` type: through a shared reference
/// it is reachable only as a `&T` with `T: Sync` (the message), never as the
/// `dyn Any + Send` itself, which leaves only by value.
struct SyncPayload(Box<dyn Any + Send + 'static>);

// SAFETY: sharing `&SyncPayload` between threads lets them call only
// `downcast_ref_sync`, which reads the payload's type id (a constant of its
// vtable) and hands out `&T` for `T: Sync`, which any thread may hold. The
// payload, which may not be `Sync`, is reached only through ownership
// (`into_inner`), and ownership moves only with a `Send` value.
unsafe impl Sync for SyncPayload {}

impl SyncPayload {
    fn downcast_ref_sync<T: Any + Sync>(&self) -> Option<&T> {
        self.0.downcast_ref::<T>()
    }

    fn message(&self) -> Option<&str> {
        self.downcast_ref_sync::<&'static str>()
            .copied()
            .or_else(|| self.downcast_ref_sync::<String>().map(String::as_str))
    }

    fn into_inner(self) -> Box<dyn Any + Send + 'static> {
        self.0
    }
}

impl JoinError {
    pub(crate) fn panicked(payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            repr: JoinErrorRepr::Panicked(SyncPayload(payload)),
        }
    }

    pub(crate) fn discarded(reason: DiscardReason) -> JoinError {
        JoinError {
            repr: JoinErrorRepr::Discarded(reason),
        }
    }

    /// The job panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::new()?;
    /// let err = pool.submit(wpool::Priority::Normal, || panic!("x")).unwrap().join().unwrap_err();
    /// assert!(err.is_panic() && !err.is_discarded());
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Panicked(_))
    }

    /// The job was discarded unstarted by a shutdown (its closure was
    /// dropped): the shutdown's deadline passed before the job started, or
    /// its priority was [paused](crate::Pool::pause). A cancelled or
    /// expired job is not `is_discarded` but
    /// [`is_cancelled`](JoinError::is_cancelled) or
    /// [`is_expired`](JoinError::is_expired).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::builder().workers(1).max_temp_workers(0).build()?;
    /// pool.spawn(Priority::Low, || std::thread::sleep(Duration::from_millis(100))).unwrap();
    /// let queued = pool.submit(Priority::Low, || 1).unwrap();
    /// pool.shutdown_timeout(Duration::ZERO)?; // the queued job is discarded
    /// assert!(queued.join().unwrap_err().is_discarded());
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn is_discarded(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Discarded(DiscardReason::Shutdown))
    }

    /// The job was cancelled while still queued
    /// ([`JoinHandle::cancel`](crate::JoinHandle::cancel) returned true): it
    /// never ran, and its closure was dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::builder().workers(1).max_temp_workers(0).build()?;
    /// let (open, gate) = mpsc::channel::<()>();
    /// pool.spawn(Priority::Low, move || { let _ = gate.recv(); }).unwrap(); // holds the worker
    /// let queued = pool.submit(Priority::Low, || 1).unwrap();
    /// assert!(queued.cancel());
    /// let err = queued.join().unwrap_err();
    /// assert!(err.is_cancelled() && !err.is_discarded());
    /// assert_eq!(err.to_string(), "the job was cancelled");
    /// open.send(()).unwrap();
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(
            self.repr,
            JoinErrorRepr::Discarded(DiscardReason::Cancelled)
        )
    }

    /// The job's deadline ([`JobBuilder::deadline`](crate::JobBuilder::deadline))
    /// passed before a worker took it: it never ran, and its closure was
    /// dropped on the worker.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Instant;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// // A deadline already past: accepted, then dropped when a worker reaches it.
    /// let late = pool.job(Priority::Normal).deadline(Instant::now()).submit(|| 1).unwrap();
    /// let err = late.join().unwrap_err();
    /// assert!(err.is_expired());
    /// assert_eq!(err.to_string(), "the job's deadline passed before it started");
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn is_expired(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Discarded(DiscardReason::Expired))
    }

    /// The panic message, when the payload is a string (as `panic!` makes).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::new()?;
    /// let err = pool.submit(wpool::Priority::Normal, || panic!("code {}", 7)).unwrap().join().unwrap_err();
    /// assert_eq!(err.panic_message(), Some("code 7"));
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            JoinErrorRepr::Panicked(payload) => payload.message(),
            JoinErrorRepr::Discarded(_) => None,
        }
    }

    /// The panic payload, to inspect or to re-raise with
    /// [`std::panic::resume_unwind`]; gives the error back if it is not a panic.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::new()?;
    /// let err = pool.submit(wpool::Priority::Normal, || std::panic::panic_any(42u8)).unwrap().join().unwrap_err();
    /// let payload = err.try_into_panic().unwrap();
    /// assert_eq!(payload.downcast_ref::<u8>(), Some(&42));
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            JoinErrorRepr::Panicked(payload) => Ok(payload.into_inner()),
            JoinErrorRepr::Discarded(_) => Err(self),
        }
    }

    /// The panic payload.
    ///
    /// # Panics
    ///
    /// If the job did not panic (it was discarded, cancelled or expired).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::new()?;
    /// let handle = pool.submit(wpool::Priority::Normal, || -> () { panic!("again") }).unwrap();
    /// if let Err(err) = handle.join() {
    ///     let payload = err.into_panic();
    ///     assert_eq!(payload.downcast_ref::<&str>(), Some(&"again"));
    ///     // or: std::panic::resume_unwind(payload)
    /// }
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("the job did not run, so it did not panic")
    }
}

/// The message of a panic: the `&str` or `String` its payload carries (as
/// `panic!` makes), if it carries one. For the payloads a
/// [`panic_handler`](crate::Builder::panic_handler) receives and
/// [`JoinError::into_panic`] returns; a `Box` passed by reference by mistake
/// (`&payload` instead of `&*payload`) is looked into as well.
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("code {}", 7)).unwrap_err();
/// assert_eq!(wpool::panic_message(&*payload), Some("code 7"));
/// assert_eq!(wpool::panic_message(&payload), Some("code 7"));
/// let payload = std::panic::catch_unwind(|| std::panic::panic_any(7u8)).unwrap_err();
/// assert_eq!(wpool::panic_message(&*payload), None);
/// ```
pub fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    if let Some(inner) = payload.downcast_ref::<Box<dyn Any + Send>>() {
        return panic_message(&**inner);
    }
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            JoinErrorRepr::Panicked(_) => f
                .debug_tuple("Panicked")
                .field(&self.panic_message().unwrap_or("Any { .. }"))
                .finish(),
            JoinErrorRepr::Discarded(DiscardReason::Shutdown) => f.write_str("Discarded"),
            JoinErrorRepr::Discarded(DiscardReason::Cancelled) => f.write_str("Cancelled"),
            JoinErrorRepr::Discarded(DiscardReason::Expired) => f.write_str("Expired"),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (JoinErrorRepr::Panicked(_), Some(msg)) => write!(f, "the job panicked: {msg}"),
            (JoinErrorRepr::Panicked(_), None) => f.write_str("the job panicked"),
            (JoinErrorRepr::Discarded(DiscardReason::Shutdown), _) => {
                f.write_str("the job was discarded at shutdown")
            }
            (JoinErrorRepr::Discarded(DiscardReason::Cancelled), _) => {
                f.write_str("the job was cancelled")
            }
            (JoinErrorRepr::Discarded(DiscardReason::Expired), _) => {
                f.write_str("the job's deadline passed before it started")
            }
        }
    }
}

impl std::error::Error for JoinError {}
