//! Over a million jobs from four producers at random priorities, of every
//! storage kind (inline, recycled block, boxed, submitted), some panicking,
//! with a shutdown with a deadline racing the producers. Every job must be
//! run exactly once, or dropped unrun exactly once: by a discard, or by the
//! test after a refused submission gave the closure back.
//!
//! This file holds a single test, so the panic hook it installs (to keep
//! about a thousand expected panics off stderr; it passes every other panic
//! to the previous hook) cannot hide another test's output.

mod common;

use std::mem;
use std::panic;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use wpool::{Pool, Priority, SpawnError, SpawnTimeoutError, TrySpawnError};

const PRODUCERS: usize = 4;
const PER_PRODUCER: usize = 300_000;
const IDS: usize = PRODUCERS * PER_PRODUCER;
/// The shutdown starts once this many jobs were accepted.
const SHUTDOWN_AFTER: usize = 1_000_000;
/// One job in this many panics (unless it is a submitted one).
const PANIC_EVERY: usize = 1000;
/// Iterations of busy work per job.
const WORK: u32 = 400;

/// A job's state, indexed by its id.
const PENDING: u8 = 0;
const RAN: u8 = 1;
const DROPPED: u8 = 2;
const REJECTED: u8 = 3;

static STATES: OnceLock<Vec<AtomicU8>> = OnceLock::new();
/// A second run, a drop after a run, a second drop, an unexpected payload.
static ANOMALIES: AtomicUsize = AtomicUsize::new(0);
static RUNS: AtomicUsize = AtomicUsize::new(0);
static HANDLED_PANICS: AtomicUsize = AtomicUsize::new(0);

fn state(id: usize) -> &'static AtomicU8 {
    &STATES.get().expect("states initialized")[id]
}

fn transition(id: usize, from: u8, to: u8) {
    if state(id)
        .compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        ANOMALIES.fetch_add(1, Ordering::SeqCst);
    }
}

/// Owned by every job: marks it run, or dropped unrun.
struct Guard(u32);

impl Guard {
    fn run(self) {
        let id = self.0 as usize;
        mem::forget(self);
        transition(id, PENDING, RAN);
        RUNS.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        transition(self.0 as usize, PENDING, DROPPED);
    }
}

/// The payload of the expected panics.
struct StressPanic;

/// How job `id` is submitted: a fixed function of the id, so the test knows
/// afterwards which jobs were meant to panic.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Small,
    Medium,
    Big,
    TrySmall,
    TimeoutMedium,
    Submit,
}

fn kind(id: usize) -> Kind {
    let h = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 60; // 0..16
    match h {
        0..=8 => Kind::Small,
        9..=10 => Kind::Medium,
        11 => Kind::Big,
        12 => Kind::TrySmall,
        13 => Kind::TimeoutMedium,
        _ => Kind::Submit,
    }
}

fn panics(id: usize) -> bool {
    id % PANIC_EVERY == PANIC_EVERY - 1 && kind(id) != Kind::Submit
}

/// A little work, so that the workers, not the producers, are the
/// bottleneck: the queues are full when the shutdown comes.
fn work(id: usize) {
    let mut x = id as u64;
    for _ in 0..WORK {
        x = std::hint::black_box(x.wrapping_mul(0x5851_F42D_4C95_7F2D).wrapping_add(1));
    }
}

/// The end of a job's run.
fn finish(guard: Guard) {
    let id = guard.0 as usize;
    work(id);
    guard.run();
    if panics(id) {
        panic::panic_any(StressPanic);
    }
}

/// A refused closure came back: the test drops it (its guard marks it
/// dropped), then records it as rejected.
fn reject<F>(f: F, id: usize) {
    drop(f);
    transition(id, DROPPED, REJECTED);
}

/// Queues `job`, waiting for room; a refusal (the pool is closed) gives the
/// closure back, which is then dropped as rejected. True if queued.
fn spawn_or_reject<F: FnOnce() + Send + 'static>(
    pool: &Pool,
    prio: Priority,
    job: F,
    id: usize,
) -> bool {
    match pool.spawn(prio, job) {
        Ok(()) => true,
        Err(SpawnError::Closed(job)) => {
            reject(job, id);
            false
        }
    }
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

#[derive(Default)]
struct ProducerTally {
    attempts: usize,
    accepted: usize,
    rejected: usize,
    retried: usize,
}

/// Submits job `id`; returns whether the pool accepted it (false: closed).
fn submit_one(pool: &Pool, prio: Priority, id: usize, tally: &mut ProducerTally) -> bool {
    let guard = Guard(id as u32);
    match kind(id) {
        Kind::Small => {
            let job = move || finish(guard);
            spawn_or_reject(pool, prio, job, id)
        }
        Kind::Medium => {
            let check = [id as u64, !(id as u64), 7];
            let job = move || {
                if check != [id as u64, !(id as u64), 7] {
                    ANOMALIES.fetch_add(1, Ordering::SeqCst);
                }
                finish(guard);
            };
            spawn_or_reject(pool, prio, job, id)
        }
        Kind::Big => {
            let check = [id as u64; 12];
            let job = move || {
                if check.iter().any(|&x| x != id as u64) {
                    ANOMALIES.fetch_add(1, Ordering::SeqCst);
                }
                finish(guard);
            };
            spawn_or_reject(pool, prio, job, id)
        }
        Kind::TrySmall => match pool.try_spawn(prio, move || finish(guard)) {
            Ok(()) => true,
            Err(TrySpawnError::Full(job)) => {
                // The very closure is back: queue it waiting for room.
                tally.retried += 1;
                spawn_or_reject(pool, prio, job, id)
            }
            Err(TrySpawnError::Closed(job)) => {
                reject(job, id);
                false
            }
        },
        Kind::TimeoutMedium => {
            let check = (id as u64, id as u64 + 1);
            let job = move || {
                if check != (id as u64, id as u64 + 1) {
                    ANOMALIES.fetch_add(1, Ordering::SeqCst);
                }
                finish(guard);
            };
            match pool.spawn_timeout(prio, job, Duration::from_micros(50)) {
                Ok(()) => true,
                Err(SpawnTimeoutError::Timeout(job)) => {
                    tally.retried += 1;
                    spawn_or_reject(pool, prio, job, id)
                }
                Err(SpawnTimeoutError::Closed(job)) => {
                    reject(job, id);
                    false
                }
            }
        }
        Kind::Submit => {
            let job = move || {
                guard.run();
                id
            };
            match pool.submit(prio, job) {
                Ok(handle) => {
                    // Mostly detached; now and then joined.
                    if id % 64 == 0 {
                        match handle.join() {
                            Ok(v) if v == id => {}
                            Err(err) if err.is_discarded() => {}
                            _ => {
                                ANOMALIES.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                    }
                    true
                }
                Err(err) => {
                    reject(err.into_inner(), id);
                    false
                }
            }
        }
    }
}

#[test]
fn a_million_jobs_each_run_or_dropped_exactly_once_under_a_racing_shutdown() {
    let start = Instant::now();
    STATES.get_or_init(|| (0..IDS).map(|_| AtomicU8::new(PENDING)).collect());
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !info.payload().is::<StressPanic>() {
            previous_hook(info);
        }
    }));

    let pool = Pool::builder()
        .workers(2)
        .capacity(1024)
        .panic_handler(|payload| {
            if payload.is::<StressPanic>() {
                HANDLED_PANICS.fetch_add(1, Ordering::SeqCst);
            } else {
                ANOMALIES.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .unwrap();

    let accepted_total = Arc::new(AtomicUsize::new(0));
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let shutter = {
        let pool = pool.clone();
        thread::spawn(move || {
            go_rx.recv().expect("the shutdown signal");
            pool.shutdown_timeout(Duration::from_micros(500)).unwrap()
        })
    };

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let pool = pool.clone();
            let accepted_total = accepted_total.clone();
            let go_tx = go_tx.clone();
            thread::spawn(move || {
                let mut rng = XorShift(0x2545_F491_4F6C_DD1D ^ ((p as u64 + 1) * 0x9E37_79B9));
                let mut tally = ProducerTally::default();
                for k in 0..PER_PRODUCER {
                    let id = p * PER_PRODUCER + k;
                    let prio = Priority::ALL[(rng.next() % 3) as usize];
                    tally.attempts += 1;
                    if submit_one(&pool, prio, id, &mut tally) {
                        tally.accepted += 1;
                        if accepted_total.fetch_add(1, Ordering::SeqCst) + 1 == SHUTDOWN_AFTER {
                            go_tx.send(()).unwrap();
                        }
                    } else {
                        tally.rejected += 1;
                        break; // closed: stop producing
                    }
                }
                tally
            })
        })
        .collect();
    drop(go_tx);
    let tallies: Vec<ProducerTally> = producers.into_iter().map(|h| h.join().unwrap()).collect();
    let first = shutter.join().unwrap();
    // The timed-out shutdown did not wait for the jobs still running.
    let last = pool.shutdown().unwrap();
    let stats = pool.stats();
    drop(pool);
    let _ = panic::take_hook(); // back to the default hook

    let attempts: usize = tallies.iter().map(|t| t.attempts).sum();
    let accepted: usize = tallies.iter().map(|t| t.accepted).sum();
    let rejected: usize = tallies.iter().map(|t| t.rejected).sum();
    let retried: usize = tallies.iter().map(|t| t.retried).sum();

    // Every id: created ones ended run, dropped or rejected; the others
    // were never made.
    let mut counts = [0usize; 4];
    let mut panicking_runs = 0;
    for (p, tally) in tallies.iter().enumerate() {
        for k in 0..PER_PRODUCER {
            let id = p * PER_PRODUCER + k;
            let s = state(id).load(Ordering::SeqCst);
            if k < tally.attempts {
                assert_ne!(s, PENDING, "job {id} was neither run nor dropped");
            } else {
                assert_eq!(s, PENDING, "job {id} was never submitted");
            }
            counts[s as usize] += 1;
            if s == RAN && panics(id) {
                panicking_runs += 1;
            }
        }
    }
    let [_, runs, discards, refused] = counts;
    let summary = format!(
        "{attempts} attempts, {accepted} accepted, {runs} runs, {discards} discards, \
         {refused} rejected, {retried} retried after Full/Timeout, {panicking_runs} panics; \
         first shutdown: {first}; in {:?}",
        start.elapsed()
    );
    println!("{summary}");
    assert_eq!(ANOMALIES.load(Ordering::SeqCst), 0, "{summary}");
    assert!(accepted >= SHUTDOWN_AFTER, "{summary}");
    assert_eq!(refused, rejected, "{summary}");
    assert_eq!(runs + discards + refused, attempts, "{summary}");
    assert_eq!(runs + discards, accepted, "{summary}");
    assert_eq!(RUNS.load(Ordering::SeqCst), runs, "{summary}");
    assert_eq!(stats.submitted() as usize, accepted, "{summary}");
    assert_eq!(stats.completed() as usize, runs, "{summary}");
    assert_eq!(stats.discarded() as usize, discards, "{summary}");
    // Each report counts its own call; a job a worker took as the deadline
    // passed may be discarded by it between the calls (then only the
    // statistics count it).
    assert!(
        (first.discarded() + last.discarded()) as usize <= discards,
        "{summary}"
    );
    assert_eq!(stats.panics as usize, panicking_runs, "{summary}");
    assert_eq!(
        HANDLED_PANICS.load(Ordering::SeqCst),
        panicking_runs,
        "{summary}"
    );
    assert!(panicking_runs > 0, "{summary}");
    if !first.timed_out {
        assert_eq!(discards, 0, "{summary}");
    }
}
