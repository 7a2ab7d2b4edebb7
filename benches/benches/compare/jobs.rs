//! The jobs every implementation runs. A job is a type with a `run(payload)`
//! function and a `u64` payload, so the same job is an `extern "C"` function
//! and a pointer-sized argument for `wpool-sys`, and a closure capturing
//! eight bytes for everyone else: no implementation gets a bigger or smaller
//! job than another.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use wpool_benches::job_done;

/// A job: what it does with its payload.
pub trait Job: 'static {
    fn run(payload: u64);
}

/// Counts itself done: the empty job.
pub struct Empty;

impl Job for Empty {
    fn run(_: u64) {
        job_done();
    }
}

/// ~4 µs of computation (calibrated at start-up), then counts itself done.
pub struct Cpu;

impl Job for Cpu {
    fn run(_: u64) {
        compute(CPU_ITERS.load(Ordering::Relaxed));
        job_done();
    }
}

static CPU_ITERS: AtomicU64 = AtomicU64::new(0);

/// A dependent xorshift chain: the compiler can neither vectorise nor fold
/// it, and it touches no memory, so it costs the same on every thread.
pub fn compute(iters: u64) {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..iters {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    std::hint::black_box(x);
}

/// Sets the iteration count of [`Cpu`] so that one job computes for about
/// `target` on this machine and returns it.
pub fn calibrate_cpu(target: Duration) -> u64 {
    let iters = iters_for(target);
    CPU_ITERS.store(iters, Ordering::Relaxed);
    iters
}

/// Sets the iteration count of [`HighWork`] so that one job computes for
/// about `target` on this machine and returns it.
pub fn calibrate_high_work(target: Duration) -> u64 {
    let iters = iters_for(target);
    HIGH_WORK_ITERS.store(iters, Ordering::Relaxed);
    iters
}

/// The iterations of [`compute`] that take about `target` here (median of
/// several timings).
fn iters_for(target: Duration) -> u64 {
    const PROBE: u64 = 200_000;
    let mut ns: Vec<u128> = (0..15)
        .map(|_| {
            let t = Instant::now();
            compute(PROBE);
            t.elapsed().as_nanos()
        })
        .collect();
    ns.sort_unstable();
    let per_iter = ns[ns.len() / 2] as f64 / PROBE as f64;
    ((target.as_nanos() as f64 / per_iter) as u64).max(1)
}

/// Nanoseconds since the first call: the clock of queue-wait stamps.
pub fn now_ns() -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    BASE.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// Blocks its worker until [`Gate::open`]: keeps the workers busy while the
/// producer's submissions alone are timed.
pub struct Gated;

pub static GATED_ENTERED: AtomicU64 = AtomicU64::new(0);
pub static GATED_DONE: AtomicU64 = AtomicU64::new(0);
static GATE: Gate = Gate {
    open: Mutex::new(false),
    changed: Condvar::new(),
};

struct Gate {
    open: Mutex<bool>,
    changed: Condvar,
}

impl Job for Gated {
    fn run(_: u64) {
        GATED_ENTERED.fetch_add(1, Ordering::Release);
        let mut open = GATE.open.lock().unwrap();
        while !*open {
            open = GATE.changed.wait(open).unwrap();
        }
        drop(open);
        GATED_DONE.fetch_add(1, Ordering::Release);
    }
}

/// Opens (`true`) or closes the gate that [`Gated`] jobs wait at.
pub fn set_gate(open: bool) {
    *GATE.open.lock().unwrap() = open;
    GATE.changed.notify_all();
}

/// 5 ms of computation by the clock (so a preempted Low job still ends on
/// time and the backlog drains at a known rate), cut short once
/// [`LOW_STOP`] is set so that tear-down need not wait out the backlog.
pub struct Low;

pub static LOW_STARTED: AtomicU64 = AtomicU64::new(0);
pub static LOW_DONE: AtomicU64 = AtomicU64::new(0);
pub static LOW_STOP: AtomicBool = AtomicBool::new(false);

impl Job for Low {
    fn run(_: u64) {
        LOW_STARTED.fetch_add(1, Ordering::Relaxed);
        let end = now_ns() + 5_000_000;
        while !LOW_STOP.load(Ordering::Relaxed) && now_ns() < end {
            compute(256);
        }
        LOW_DONE.fetch_add(1, Ordering::Release);
    }
}

/// Durations (ns) recorded by jobs, for the scenario to take.
pub struct Samples(Mutex<Vec<u64>>);

impl Samples {
    const fn new() -> Samples {
        Samples(Mutex::new(Vec::new()))
    }

    fn push(&self, ns: u64) {
        self.0.lock().unwrap().push(ns);
    }

    /// The samples recorded since the last call, emptied.
    pub fn take(&self) -> Vec<u64> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }

    /// The sum of the last `n` samples recorded (those of the run just
    /// done).
    pub fn sum_last(&self, n: usize) -> Duration {
        let samples = self.0.lock().unwrap();
        let ns: u64 = samples.iter().rev().take(n).sum();
        Duration::from_nanos(ns)
    }
}

/// Records how long it waited in the queue: its payload is the [`now_ns`]
/// at submission.
pub struct High;

/// High jobs ([`High`] and [`HighWork`]) finished.
pub static HIGH_DONE: AtomicU64 = AtomicU64::new(0);
/// Every [`High`] job's queue wait.
pub static HIGH_WAITS: Samples = Samples::new();

impl Job for High {
    fn run(submitted_ns: u64) {
        let wait = now_ns().saturating_sub(submitted_ns);
        HIGH_WAITS.push(wait);
        HIGH_DONE.fetch_add(1, Ordering::Release);
    }
}

/// A High job with work to do: ~300 µs of computation (a fixed count of the
/// loop, calibrated by [`calibrate_high_work`], so a job that loses its CPU
/// meanwhile finishes later), then records the time from its submission
/// (the payload: [`now_ns`] then) to the end of its work.
pub struct HighWork;

static HIGH_WORK_ITERS: AtomicU64 = AtomicU64::new(0);
/// Every [`HighWork`] job's time from submission to the end of its work.
pub static HIGH_E2E: Samples = Samples::new();

impl Job for HighWork {
    fn run(submitted_ns: u64) {
        compute(HIGH_WORK_ITERS.load(Ordering::Relaxed));
        let e2e = now_ns().saturating_sub(submitted_ns);
        HIGH_E2E.push(e2e);
        HIGH_DONE.fetch_add(1, Ordering::Release);
    }
}
