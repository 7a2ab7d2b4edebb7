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
/// `target` on this machine (median of several timings) and returns it.
pub fn calibrate_cpu(target: Duration) -> u64 {
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
    let iters = ((target.as_nanos() as f64 / per_iter) as u64).max(1);
    CPU_ITERS.store(iters, Ordering::Relaxed);
    iters
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

/// Records how long it waited in the queue: its payload is the [`now_ns`]
/// at submission.
pub struct High;

pub static HIGH_DONE: AtomicU64 = AtomicU64::new(0);
/// Every High job's queue wait (ns) since the last [`take_high_waits`].
static HIGH_WAITS: Mutex<Vec<u64>> = Mutex::new(Vec::new());

impl Job for High {
    fn run(submitted_ns: u64) {
        let wait = now_ns().saturating_sub(submitted_ns);
        HIGH_WAITS.lock().unwrap().push(wait);
        HIGH_DONE.fetch_add(1, Ordering::Release);
    }
}

/// The queue waits recorded since the last call, emptied.
pub fn take_high_waits() -> Vec<u64> {
    std::mem::take(&mut *HIGH_WAITS.lock().unwrap())
}

/// The sum of the last `n` waits recorded (those of the run just done).
pub fn sum_last_high_waits(n: usize) -> Duration {
    let waits = HIGH_WAITS.lock().unwrap();
    let ns: u64 = waits.iter().rev().take(n).sum();
    Duration::from_nanos(ns)
}
