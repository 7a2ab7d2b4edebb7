//! Panics of fire-and-forget jobs: the panic handler, the `panics` counter,
//! a handler that panics, and destructors that panic when a shutdown
//! discards their job.
//!
//! The default panic hook stays installed (hooks are process-global and the
//! tests of this file run in parallel): the expected panics print to stderr.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

use common::{counter, load, payload_str, Gate, DEADLINE};
use wpool::{Builder, Pool, Priority};

/// What the panic handler saw: the message, and whether it ran on one of
/// the pool's threads.
type Report = (Option<String>, bool);

/// Builds a pool whose panic handler reports every payload on a channel.
fn reporting_pool(builder: Builder) -> (Pool, Receiver<Report>) {
    let pool_threads: Arc<Mutex<HashSet<ThreadId>>> = Arc::default();
    let (tx, rx) = mpsc::channel();
    let threads = pool_threads.clone();
    let pool = builder
        .on_thread_start(move |_| {
            threads.lock().unwrap().insert(thread::current().id());
        })
        .panic_handler(move |payload| {
            let on_pool_thread = pool_threads
                .lock()
                .unwrap()
                .contains(&thread::current().id());
            let _ = tx.send((payload_str(&*payload), on_pool_thread));
        })
        .build()
        .unwrap();
    (pool, rx)
}

const DROP_PANIC: &str = "a destructor panicked";

/// Panics when dropped (unless the thread is unwinding already); counts the
/// drop first. One `Arc`: a closure owning only this is stored inline.
struct PanicOnDrop(Arc<AtomicUsize>);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
        if !thread::panicking() {
            panic!("{}", DROP_PANIC);
        }
    }
}

#[test]
fn a_spawned_jobs_panic_goes_to_the_handler_on_a_pool_thread() {
    let (pool, reports) = reporting_pool(Pool::builder().workers(2));
    pool.spawn(Priority::Normal, || panic!("kaboom")).unwrap();
    let (msg, on_pool_thread) = reports.recv_timeout(DEADLINE).unwrap();
    assert_eq!(msg.as_deref(), Some("kaboom"));
    assert!(on_pool_thread, "the handler ran off the pool's threads");
    assert_eq!(pool.stats().panics, 1);

    // A bigger closure, a formatted (String) payload, another level.
    let (n, s) = (5, String::from("x"));
    pool.spawn(Priority::Low, move || panic!("kaboom {n} {s}"))
        .unwrap();
    let (msg, on_pool_thread) = reports.recv_timeout(DEADLINE).unwrap();
    assert_eq!(msg.as_deref(), Some("kaboom 5 x"));
    assert!(on_pool_thread);

    // The pool goes on.
    for i in 0..20 {
        assert_eq!(
            pool.submit(Priority::ALL[i % 3], move || i)
                .unwrap()
                .join()
                .unwrap(),
            i
        );
    }
    pool.wait_idle().unwrap();
    let stats = pool.stats();
    assert_eq!(stats.panics, 2);
    let text = stats.to_prometheus();
    assert!(text.contains("\nwpool_panics_total 2\n"), "{text}");
    assert!(stats.to_string().contains("panics 2,"), "{stats}");
    // A job that panicked still counts as run.
    assert_eq!(stats.completed(), 22);
    assert!(reports.try_recv().is_err(), "one report per panic");
}

#[test]
fn without_a_handler_a_panic_is_counted_and_the_pool_goes_on() {
    let pool = Pool::builder().workers(1).build().unwrap();
    for i in 0..3 {
        pool.spawn(Priority::ALL[i], || panic!("unhandled"))
            .unwrap();
    }
    pool.wait_idle().unwrap();
    let stats = pool.stats();
    assert_eq!(stats.panics, 3);
    assert_eq!(stats.completed(), 3);
    let (tx, rx) = mpsc::channel();
    pool.spawn(Priority::Normal, move || tx.send("alive").unwrap())
        .unwrap();
    assert_eq!(rx.recv_timeout(DEADLINE), Ok("alive"));
}

#[test]
fn a_panicking_panic_handler_does_not_kill_the_pool() {
    let calls = counter();
    let pool = {
        let calls = calls.clone();
        Pool::builder()
            .workers(1)
            .max_temp_workers(0)
            .panic_handler(move |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                panic!("the handler fails too");
            })
            .build()
            .unwrap()
    };
    for i in 0..3 {
        pool.spawn(Priority::ALL[i], || panic!("the job fails"))
            .unwrap();
    }
    pool.wait_idle().unwrap();
    assert_eq!(load(&calls), 3);
    assert_eq!(pool.stats().panics, 3);
    // The one worker survived all of it.
    let sum: u32 = (0..50u32)
        .map(|i| pool.submit(Priority::Normal, move || i).unwrap())
        .map(|h| h.join().unwrap())
        .sum();
    assert_eq!(sum, 1225);
    // And one more panic is still handled.
    pool.spawn(Priority::High, || panic!("again")).unwrap();
    pool.wait_idle().unwrap();
    assert_eq!(load(&calls), 4);
    assert_eq!(pool.stats().panics, 4);
}

#[test]
fn destructors_panicking_in_discards_on_the_shutdown_thread_are_reported() {
    let (pool, reports) = reporting_pool(Pool::builder().workers(1).max_temp_workers(0));
    let gate = Gate::new();
    pool.spawn(Priority::Low, gate.job()).unwrap();
    gate.wait_entered(1);

    let drops = counter();
    let ran = counter();
    // Inline (one Arc), medium and big closures, and a submitted one.
    let small = PanicOnDrop(drops.clone());
    pool.spawn(Priority::Normal, move || drop(small)).unwrap();
    // (Destructuring the whole tuple makes the closure own all of it.)
    let medium = (PanicOnDrop(drops.clone()), ran.clone());
    pool.spawn(Priority::High, move || {
        let (_p, ran) = medium;
        ran.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    let big = (PanicOnDrop(drops.clone()), ran.clone(), [0u64; 10]);
    pool.spawn(Priority::Low, move || {
        let (_p, ran, _pad) = big;
        ran.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    let submitted = PanicOnDrop(drops.clone());
    let handle = pool
        .submit(Priority::Normal, move || {
            drop(submitted);
            1
        })
        .unwrap();

    // The worker is held: the shutdown gives up after 10 ms and discards the
    // four queued jobs on its own thread.
    let report = {
        let pool = pool.clone();
        thread::spawn(move || pool.shutdown_timeout(Duration::from_millis(10)))
            .join()
            .expect("a panicking destructor escaped the discard")
            .unwrap()
    };
    assert!(report.timed_out);
    assert_eq!(report.discarded, [1, 2, 1]);
    assert_eq!(report.still_running, 1);
    assert_eq!(load(&drops), 4);
    assert_eq!(load(&ran), 0);
    // The handle learns its job was discarded, although the closure's
    // destructor panicked on the way.
    assert!(handle.join().unwrap_err().is_discarded());

    gate.open();
    let report = pool.shutdown().unwrap();
    assert!(!report.timed_out);
    assert!(
        report.completed() <= 1,
        "the gate job, unless it finished first"
    );
    assert_eq!(report.discarded(), 0);
    // The shutdown reported the four destructor panics to this pool's
    // handler, on the thread that called it.
    let reports: Vec<Report> = reports.try_iter().collect();
    assert_eq!(reports.len(), 4, "{reports:?}");
    assert!(reports.iter().all(|(_, on_pool_thread)| !on_pool_thread));
    assert_eq!(pool.stats().panics, 4);
}

/// Blocks in its destructor until the gate opens.
struct BlockOnDrop(Gate);

impl Drop for BlockOnDrop {
    fn drop(&mut self) {
        self.0.pass();
    }
}

#[test]
fn a_destructor_panicking_in_a_discard_on_a_pool_thread_is_reported() {
    let (pool, reports) = reporting_pool(Pool::builder().workers(1).max_temp_workers(0));
    let worker_gate = Gate::new();
    pool.spawn(Priority::Normal, worker_gate.job()).unwrap();
    worker_gate.wait_entered(1);

    // Queued behind the held worker: a High job whose destructor blocks, and
    // a Low job whose destructor panics.
    let discard_gate = Gate::new();
    let blocker = BlockOnDrop(discard_gate.clone());
    pool.spawn(Priority::High, move || drop(blocker)).unwrap();
    let drops = counter();
    let panicker = PanicOnDrop(drops.clone());
    pool.spawn(Priority::Low, move || drop(panicker)).unwrap();

    // The shutdown gives up after 10 ms and starts discarding on its own
    // thread, High first: it blocks in the first job's destructor.
    let shutter = {
        let pool = pool.clone();
        thread::spawn(move || pool.shutdown_timeout(Duration::from_millis(10)))
    };
    discard_gate.wait_entered(1);
    assert_eq!(load(&drops), 0);

    // Now the worker is let go: it takes the Low job and, the shutdown having
    // given up, discards it on the pool's thread.
    worker_gate.open();
    let (msg, on_pool_thread) = reports
        .recv_timeout(DEADLINE)
        .expect("a destructor's panic in a discard on a pool thread was not reported");
    assert_eq!(msg.as_deref(), Some(DROP_PANIC));
    assert!(on_pool_thread);
    assert_eq!(load(&drops), 1);
    assert_eq!(pool.stats().panics, 1);

    discard_gate.open();
    let first = shutter.join().unwrap().unwrap();
    assert!(first.timed_out);
    let last = pool.shutdown().unwrap();
    // Each report counts its own call; together they saw every job.
    let both = |f: fn(&wpool::ShutdownReport) -> [u64; 3]| {
        let (a, b) = (f(&first), f(&last));
        [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
    };
    assert_eq!(both(|r| r.discarded), [1, 0, 1]);
    assert_eq!(both(|r| r.completed), [0, 1, 0], "the gate job");
    assert_eq!(
        first.discarded[0], 1,
        "High: by the first call, on its thread"
    );
    assert!(reports.try_recv().is_err());
}

/// A pool's panic handler and `panics` count are about that pool's jobs.
/// When a job of one pool shuts another down with a deadline, the other
/// pool's queued jobs are discarded on the first pool's thread; a destructor
/// panicking there must not be reported as a panic of the first pool.
#[test]
fn a_discard_on_another_pools_thread_is_not_reported_to_that_pool() {
    let (victim, _victim_reports) = reporting_pool(Pool::builder().workers(1).max_temp_workers(0));
    let (bystander, bystander_reports) = reporting_pool(Pool::builder().workers(1));
    let gate = Gate::new();
    victim.spawn(Priority::Normal, gate.job()).unwrap();
    gate.wait_entered(1);
    let drops = counter();
    let panicker = PanicOnDrop(drops.clone());
    victim.spawn(Priority::Low, move || drop(panicker)).unwrap();

    // A job of the bystander shuts the victim down; the victim's only worker
    // is held, so the discard runs on the bystander's thread.
    let report = {
        let victim = victim.clone();
        bystander
            .submit(Priority::Normal, move || {
                victim.shutdown_timeout(Duration::from_millis(10))
            })
            .unwrap()
            .join()
            .unwrap()
            .unwrap()
    };
    assert!(report.timed_out);
    assert_eq!(load(&drops), 1);
    gate.open();
    victim.shutdown().unwrap();
    bystander.wait_idle().unwrap();

    // No job of the bystander panicked.
    let misreported: Vec<Report> = bystander_reports.try_iter().collect();
    assert_eq!(
        (bystander.stats().panics, misreported),
        (0, vec![]),
        "the bystander pool was told of a panic of the victim pool's job"
    );
}
