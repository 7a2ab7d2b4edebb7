//! Helpers shared by the integration tests: gates that hold a worker in a
//! known state, drop counters, deadline-guarded polling, a minimal executor.
//!
//! Nothing here measures time: every deadline is a deadlock guard, many
//! orders of magnitude longer than what it waits for.
#![allow(dead_code)]

use std::future::Future;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use wpool::{Pool, Priority};

/// How long a test waits for something that should take microseconds
/// before it declares a deadlock.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// How long a gate holds at most when the test that owns it never opens it
/// (a failed assertion): then the pool can still be dropped.
const GATE_BACKSTOP: Duration = Duration::from_secs(30);

/// Polls `cond` until it holds; panics with `what` after [`DEADLINE`].
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    let mut spins = 0u32;
    while !cond() {
        assert!(
            start.elapsed() < DEADLINE,
            "deadlock guard: no {what} within {DEADLINE:?}"
        );
        if spins < 100 {
            spins += 1;
            thread::yield_now();
        } else {
            thread::sleep(Duration::from_millis(1));
        }
    }
}

/// A gate: jobs that pass it block until the test opens it. Used to hold a
/// worker busy (and so keep queued jobs queued) for as long as a test needs.
#[derive(Clone, Default)]
pub struct Gate(Arc<GateInner>);

#[derive(Default)]
struct GateInner {
    open: Mutex<bool>,
    cv: Condvar,
    entered: AtomicUsize,
    left: AtomicUsize,
}

impl Gate {
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Blocks the calling thread until the gate opens (or the backstop).
    pub fn pass(&self) {
        self.0.entered.fetch_add(1, Ordering::SeqCst);
        let open = self.0.open.lock().unwrap();
        let (open, _) = self
            .0
            .cv
            .wait_timeout_while(open, GATE_BACKSTOP, |open| !*open)
            .unwrap();
        drop(open);
        self.0.left.fetch_add(1, Ordering::SeqCst);
    }

    /// A job that blocks its worker until the gate opens. It captures one
    /// `Arc`: a small (inline) closure.
    pub fn job(&self) -> impl FnOnce() + Send + 'static {
        let gate = self.clone();
        move || gate.pass()
    }

    pub fn open(&self) {
        *self.0.open.lock().unwrap() = true;
        self.0.cv.notify_all();
    }

    pub fn is_open(&self) -> bool {
        *self.0.open.lock().unwrap()
    }

    /// How many threads reached the gate so far.
    pub fn entered(&self) -> usize {
        self.0.entered.load(Ordering::SeqCst)
    }

    /// Waits until `n` threads have reached the gate: the worker(s) running
    /// the gate jobs are then blocked in them.
    pub fn wait_entered(&self, n: usize) {
        wait_until("gate job started", || self.entered() >= n);
    }
}

/// Counts its drops in a shared counter.
pub struct DropCounter(pub Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A shared counter.
pub fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

pub fn load(c: &AtomicUsize) -> usize {
    c.load(Ordering::SeqCst)
}

/// The calling thread's OS name. `std::thread::current().name()` knows only
/// threads std started; the pool's threads are started (and named) by C.
pub fn os_thread_name() -> String {
    if let Some(name) = thread::current().name() {
        return name.to_owned();
    }
    std::fs::read_to_string("/proc/thread-self/comm")
        .map(|s| s.trim_end().to_owned())
        .unwrap_or_default()
}

/// The `&str` or `String` of a panic payload.
pub fn payload_str(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
}

/// A pool that is leaked instead of dropped when the test panics: dropping
/// waits for every job, and after a failed deadlock check some job may
/// never return. A failure must fail the test, not hang it.
pub struct LeakOnPanic(ManuallyDrop<Pool>);

impl LeakOnPanic {
    pub fn new(pool: Pool) -> LeakOnPanic {
        LeakOnPanic(ManuallyDrop::new(pool))
    }

    /// A pool of one worker and no temporary workers: the shape in which a
    /// job that waits for jobs of its own pool could deadlock it.
    pub fn one_worker() -> LeakOnPanic {
        LeakOnPanic::new(
            Pool::builder()
                .workers(1)
                .max_temp_workers(0)
                .build()
                .unwrap(),
        )
    }
}

impl Deref for LeakOnPanic {
    type Target = Pool;
    fn deref(&self) -> &Pool {
        &self.0
    }
}

impl Drop for LeakOnPanic {
    fn drop(&mut self) {
        if !thread::panicking() {
            // SAFETY: the pool is dropped once, here, and never used after.
            unsafe { ManuallyDrop::drop(&mut self.0) };
        }
    }
}

/// Wakes the thread that runs `block_on`, and says it did.
struct ThreadWaker {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.thread.unpark();
    }
}

/// The smallest executor: polls `fut` on this thread, and polls again only
/// when its waker was called (so a future that never wakes fails the test
/// after [`DEADLINE`] instead of being polled into completion).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let state = Arc::new(ThreadWaker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(state.clone());
    let mut cx = Context::from_waker(&waker);
    let start = Instant::now();
    loop {
        if let Poll::Ready(value) = fut.as_mut().poll(&mut cx) {
            return value;
        }
        while !state.woken.swap(false, Ordering::SeqCst) {
            let left = DEADLINE
                .checked_sub(start.elapsed())
                .expect("deadlock guard: the future was never woken");
            thread::park_timeout(left);
        }
    }
}

/// A waker that only records that it was called.
pub struct FlagWaker(pub AtomicBool);

impl Wake for FlagWaker {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A pool of one worker and no temporary workers (queues of `capacity`
/// jobs; 0: the default), its worker held by a gate job: whatever is queued
/// next stays queued until the gate opens.
pub fn gated_pool(capacity: usize) -> (Pool, Gate) {
    let pool = Pool::builder()
        .workers(1)
        .max_temp_workers(0)
        .capacity(capacity)
        .build()
        .unwrap();
    let gate = Gate::new();
    pool.spawn(Priority::Low, gate.job()).unwrap();
    gate.wait_entered(1);
    (pool, gate)
}
