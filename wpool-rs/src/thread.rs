//! A pool's threads: which one this is (`ThreadInfo`, thread-locals), what
//! they share with the `Pool` (`Shared`, the C thread hooks' context), and
//! waiting on a pool thread without deadlocking its pool (`help_until`).

use std::any::Any;
use std::cell::Cell;
use std::ffi::{c_uint, c_void};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use wpool_sys as sys;

use crate::waiters::Waiters;

/// Which pool thread this is: given to the [thread
/// hooks](crate::Builder::on_thread_start), and to any code running on a pool
/// thread by [`ThreadInfo::current`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ThreadInfo {
    /// Regular workers are numbered `0..workers`, temporary workers by their
    /// slot `0..max_temp_workers`.
    pub index: usize,
    /// A temporary worker (runs High jobs only, retires when idle).
    pub temporary: bool,
}

impl ThreadInfo {
    fn new(index: c_uint, temporary: i32) -> ThreadInfo {
        ThreadInfo {
            index: index as usize,
            temporary: temporary != 0,
        }
    }

    /// The pool thread the caller runs on, or `None` off the pools' threads.
    /// (The pool's threads are started by the C core, so
    /// `std::thread::current().name()` does not know their names.)
    ///
    /// ```
    /// use wpool::{Pool, Priority, ThreadInfo};
    ///
    /// let pool = Pool::builder().workers(1).build()?;
    /// let info = pool.submit(Priority::Normal, ThreadInfo::current).unwrap().join().unwrap();
    /// assert_eq!(info, Some(ThreadInfo { index: 0, temporary: false }));
    /// assert_eq!(ThreadInfo::current(), None);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn current() -> Option<ThreadInfo> {
        current_thread()
    }
}

impl fmt::Display for ThreadInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.temporary {
            write!(f, "temporary worker {}", self.index)
        } else {
            write!(f, "worker {}", self.index)
        }
    }
}

pub(crate) type PanicHandler = Box<dyn Fn(Box<dyn Any + Send>) + Send + Sync>;
pub(crate) type ThreadHook = Box<dyn Fn(ThreadInfo) + Send + Sync>;

/// What the pool's threads and trampolines share with the `Pool`: the
/// C hooks' context. Lives in a `Box` (stable address) until the pool's
/// threads are joined.
pub(crate) struct Shared {
    raw: AtomicPtr<sys::wpool>,
    panics: AtomicU64,
    panic_handler: Option<PanicHandler>,
    on_thread_start: Option<ThreadHook>,
    on_thread_stop: Option<ThreadHook>,
    /// Async submitters waiting for room (`waiters.rs`).
    pub(crate) waiters: Waiters,
}

impl Shared {
    /// The context of a pool about to be created, holding the builder's
    /// handlers; boxed for a stable address.
    pub(crate) fn new(
        panic_handler: Option<PanicHandler>,
        on_thread_start: Option<ThreadHook>,
        on_thread_stop: Option<ThreadHook>,
    ) -> Box<Shared> {
        Box::new(Shared {
            raw: AtomicPtr::new(ptr::null_mut()),
            panics: AtomicU64::new(0),
            panic_handler,
            on_thread_start,
            on_thread_stop,
            waiters: Waiters::new(),
        })
    }

    /// Points `cfg`'s thread hooks at this context, so the pool's threads
    /// know their pool and run the builder's hooks, and its room notices
    /// (`on_room`) at this context's waiters, so async submitters are woken.
    /// The pool must not outlive `self` (the `Pool` frees it only after
    /// `wpool_destroy` returned).
    pub(crate) fn install_hooks(&self, cfg: &mut sys::wpool_config) {
        let ctx = self as *const Shared as *mut c_void;
        cfg.on_thread_start = Some(thread_started);
        cfg.on_thread_stop = Some(thread_stopping);
        cfg.hook_ctx = ctx;
        cfg.on_room = Some(crate::waiters::room_made);
        cfg.room_ctx = ctx;
    }

    /// Publishes the C pool, once `wpool_create` returned it.
    pub(crate) fn set_raw(&self, raw: *mut sys::wpool) {
        // Release: threads that read it (`raw`) see a created pool.
        self.raw.store(raw, Ordering::Release);
    }

    /// The C pool, or null while `wpool_create` is still running.
    pub(crate) fn raw(&self) -> *mut sys::wpool {
        // Acquire: pairs with the Release store of `set_raw`, after
        // wpool_create returned.
        self.raw.load(Ordering::Acquire)
    }

    pub(crate) fn report_panic(&self, payload: Box<dyn Any + Send>) {
        self.panics.fetch_add(1, Ordering::Relaxed);
        if let Some(handler) = &self.panic_handler {
            // A handler that panics itself must not unwind into C either.
            if panic::catch_unwind(AssertUnwindSafe(|| handler(payload))).is_err() {
                eprintln!("wpool: the panic handler panicked; that panic was dropped");
            }
        }
        // Without a handler the payload is dropped: the panic hook (std's by
        // default) has printed the message and location to stderr already.
    }

    pub(crate) fn panics(&self) -> u64 {
        self.panics.load(Ordering::Relaxed)
    }
}

unsafe extern "C" fn thread_started(ctx: *mut c_void, index: c_uint, temporary: i32) {
    let shared = ctx as *const Shared;
    set_current_pool(shared, Some(ThreadInfo::new(index, temporary)));
    // SAFETY: ctx is the pool's `Shared`, live until every thread is joined.
    if let Some(hook) = unsafe { &(*shared).on_thread_start } {
        run_hook(hook, index, temporary, "on_thread_start");
    }
}

unsafe extern "C" fn thread_stopping(ctx: *mut c_void, index: c_uint, temporary: i32) {
    let shared = ctx as *const Shared;
    // SAFETY: as in thread_started.
    if let Some(hook) = unsafe { &(*shared).on_thread_stop } {
        run_hook(hook, index, temporary, "on_thread_stop");
    }
    set_current_pool(ptr::null(), None);
}

fn run_hook(hook: &ThreadHook, index: c_uint, temporary: i32, name: &str) {
    let info = ThreadInfo {
        index: index as usize,
        temporary: temporary != 0,
    };
    if panic::catch_unwind(AssertUnwindSafe(|| hook(info))).is_err() {
        eprintln!("wpool: the {name} hook panicked; the thread goes on");
    }
}

thread_local! {
    /// The pool this thread works for: set by the thread-start hook on each
    /// pool thread, cleared by the stop hook, and set for the duration of a
    /// shutdown on the thread that calls it (`reporting_to`). Read only on
    /// the panic path and by waits that help (`help_current_pool`).
    static CURRENT_POOL: Cell<*const Shared> = const { Cell::new(ptr::null()) };
}

thread_local! {
    /// Which pool thread this is, set with CURRENT_POOL.
    static CURRENT_THREAD: Cell<Option<ThreadInfo>> = const { Cell::new(None) };
}

fn set_current_pool(shared: *const Shared, info: Option<ThreadInfo>) {
    CURRENT_POOL.with(|c| c.set(shared));
    CURRENT_THREAD.with(|c| c.set(info));
}

/// Runs `f` (a shutdown, which may discard jobs on this thread) with panics
/// of discarded jobs reported to `shared`'s pool, whatever thread this is.
pub(crate) fn reporting_to<R>(shared: &Shared, f: impl FnOnce() -> R) -> R {
    struct Restore(*const Shared);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT_POOL.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(CURRENT_POOL.with(|c| c.replace(shared)));
    f()
}

fn current_thread() -> Option<ThreadInfo> {
    CURRENT_THREAD.with(Cell::get)
}

/// Runs `f` with the pool this thread belongs to, if it is a pool thread.
pub(crate) fn with_current_pool<R>(f: impl FnOnce(&Shared) -> R) -> Option<R> {
    let shared = CURRENT_POOL.with(Cell::get);
    // SAFETY: the pointer is set on the pool's own threads, between its
    // start and stop hooks (the pool frees `Shared` only after joining every
    // thread), or by `reporting_to` for the length of a call that borrows
    // it; either way it is live here.
    (!shared.is_null()).then(|| f(unsafe { &*shared }))
}

/// On a pool thread, runs one queued job of its pool (see `wpool_help`).
/// Returns false when nothing ran.
fn help_current_pool() -> bool {
    with_current_pool(|shared| {
        let raw = shared.raw();
        // SAFETY: `raw` is the live pool this thread belongs to (see
        // with_current_pool); wpool_help may be called from its jobs.
        !raw.is_null() && unsafe { sys::wpool_help(raw) } == 1
    })
    .unwrap_or(false)
}

/// Blocks until `ready` holds for the state behind `lock`, and returns the
/// guard under which it did; `cond` must be notified whenever it may have
/// come to hold. On one of a pool's own threads it runs queued jobs of that
/// pool meanwhile, so a job waiting for another cannot wait for a job queued
/// behind itself. `before_sleep` runs (lock held) each time it is about to
/// sleep on `cond`.
pub(crate) fn help_until<'a, S>(
    lock: &'a Mutex<S>,
    cond: &Condvar,
    mut ready: impl FnMut(&mut S) -> bool,
    mut before_sleep: impl FnMut(&mut S),
) -> MutexGuard<'a, S> {
    // Poisoning is ignored, as in the callers' own locking: their critical
    // sections cannot leave the state half-updated.
    let relock = || lock.lock().unwrap_or_else(|p| p.into_inner());
    let mut nap = Duration::from_micros(50);
    let mut state = relock();
    loop {
        if ready(&mut state) {
            return state;
        }
        drop(state);
        let helped = help_current_pool();
        state = relock();
        if helped {
            continue;
        }
        if ready(&mut state) {
            return state;
        }
        before_sleep(&mut state);
        if current_thread().is_some() {
            // A pool thread: wake now and then to help with new work.
            state = cond
                .wait_timeout(state, nap)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            nap = (nap * 2).min(Duration::from_millis(10));
        } else {
            state = cond.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }
}
