//! Shutdown: with a deadline every accepted job is run or discarded exactly
//! once (proved with drop counters, for closures stored inline, in a block
//! and boxed); dropping the pool waits for its work, also when the last
//! handle goes inside one of its own jobs; waits from inside a job refuse to
//! deadlock; statistics add up afterwards.

mod common;

use std::mem::{size_of, size_of_val};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{counter, gated_pool, load, wait_until, DropCounter, Gate, DEADLINE};
use wpool::{Error, JoinHandle, Pool, Priority, Stats};

/// How many times the jobs of a test ran, and how many of their closures
/// were dropped (run or not: a closure is dropped exactly once either way).
#[derive(Clone)]
struct Counters {
    ran: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
}

/// What a job owns: its closure's drop is counted through it.
struct Tracked {
    ran: Arc<AtomicUsize>,
    _drop: DropCounter,
}

impl Tracked {
    fn run(self) {
        self.ran.fetch_add(1, Ordering::SeqCst);
    }
}

impl Counters {
    fn new() -> Counters {
        Counters {
            ran: counter(),
            drops: counter(),
        }
    }

    fn tracked(&self) -> Tracked {
        Tracked {
            ran: self.ran.clone(),
            _drop: DropCounter(self.drops.clone()),
        }
    }

    fn ran(&self) -> usize {
        load(&self.ran)
    }

    fn drops(&self) -> usize {
        load(&self.drops)
    }
}

/// Queues job `i`: its priority cycles through the levels, its kind through
/// an inline closure (one `Arc`), a medium one (a recycled block), a big one
/// (boxed) and a submitted one (its handle goes to `handles`).
fn queue_tracked(
    pool: &Pool,
    counters: &Counters,
    i: usize,
    handles: &mut Vec<(usize, JoinHandle<usize>)>,
) {
    let prio = Priority::ALL[i % 3];
    match (i / 3) % 4 {
        0 => {
            let tracked = Arc::new(counters.tracked());
            let job = move || {
                if let Ok(tracked) = Arc::try_unwrap(tracked) {
                    tracked.run();
                }
            };
            assert!(size_of_val(&job) <= size_of::<usize>());
            pool.spawn(prio, job).unwrap();
        }
        1 => {
            let tracked = counters.tracked();
            let id = i as u64;
            let job = move || {
                assert_eq!(id, i as u64);
                tracked.run();
            };
            assert!(size_of_val(&job) > size_of::<usize>() && size_of_val(&job) <= 64);
            pool.spawn(prio, job).unwrap();
        }
        2 => {
            let tracked = counters.tracked();
            let pad = [i as u64; 10];
            let job = move || {
                assert!(pad.iter().all(|&x| x == i as u64));
                tracked.run();
            };
            assert!(size_of_val(&job) > 64);
            pool.spawn(prio, job).unwrap();
        }
        _ => {
            let tracked = counters.tracked();
            let handle = pool
                .submit(prio, move || {
                    tracked.run();
                    i
                })
                .unwrap();
            handles.push((i, handle));
        }
    }
}

/// Every job accepted was completed or discarded, per priority.
fn assert_accounted(stats: &Stats) {
    assert!(stats.closed);
    for prio in Priority::ALL {
        let s = stats[prio];
        assert_eq!(s.completed + s.discarded, s.submitted, "{prio:?}: {s:?}");
        assert_eq!(s.queued, 0, "{prio:?}");
        assert_eq!(s.running, 0, "{prio:?}");
    }
}

#[test]
fn a_shutdown_that_times_out_discards_every_queued_job_exactly_once() {
    const N: usize = 120;
    let (pool, gate) = gated_pool(0);

    let counters = Counters::new();
    let mut handles = Vec::new();
    for i in 0..N {
        queue_tracked(&pool, &counters, i, &mut handles);
    }
    assert_eq!(pool.stats().queued(), N as u64);
    assert_eq!(counters.drops(), 0);

    // The shutdown runs on another thread while the gate holds the worker:
    // nothing queued can start, so the deadline passes and all of it goes.
    let report = {
        let pool = pool.clone();
        thread::spawn(move || pool.shutdown_timeout(Duration::from_millis(10)))
            .join()
            .unwrap()
            .unwrap()
    };
    gate.open();
    assert!(report.timed_out);
    assert_eq!(report.still_running, 1, "the gate job");
    assert!(report.to_string().contains("deadline passed"), "{report}");
    let ran = counters.ran();
    assert_eq!(ran, 0);
    assert_eq!(report.discarded() as usize, N - ran);
    assert_eq!(report.discarded, [N as u64 / 3; 3]);
    assert_eq!(report.queued_at_start, [N as u64 / 3; 3]);
    assert_eq!(report.completed(), 0, "nothing could start");
    assert_eq!(ran + report.discarded() as usize, N);
    assert_eq!(counters.drops(), N, "every discarded closure dropped once");
    assert_eq!(handles.len(), N / 4);
    for (i, handle) in handles {
        let err = handle.join().unwrap_err();
        assert!(err.is_discarded(), "job {i}: {err:?}");
        assert!(!err.is_panic());
        assert!(err.try_into_panic().is_err());
    }

    let report = pool.shutdown().unwrap();
    assert!(!report.timed_out);
    assert_eq!(report.still_running, 0);
    // A report counts its own call: the gate job may have finished before
    // it; the discards were the first call's.
    assert!(report.completed() <= 1);
    assert_eq!(report.discarded(), 0);
    assert_eq!(report.queued_at_start(), 0);
    assert_accounted(&pool.stats());
    drop(pool);
    assert_eq!(counters.ran(), 0);
    assert_eq!(counters.drops(), N);
}

#[test]
fn a_shutdown_racing_running_jobs_runs_or_discards_each_exactly_once() {
    const N: usize = 3000;
    for round in 0..4 {
        let pool = Pool::builder().workers(2).build().unwrap();
        let counters = Counters::new();
        let mut handles = Vec::new();
        for i in 0..N {
            queue_tracked(&pool, &counters, i, &mut handles);
        }
        let first = pool
            .shutdown_timeout(Duration::from_micros(200 * round))
            .unwrap();
        // A timed-out shutdown does not wait for the jobs still running; a
        // second one does.
        let last = pool.shutdown().unwrap();
        assert!(!last.timed_out);
        assert_eq!(last.still_running, 0);
        if !first.timed_out {
            assert_eq!(first.discarded(), 0);
        }
        let ran = counters.ran();
        // Each report counts its own call; the jobs that finished before the
        // first call began are in neither.
        let discarded = (first.discarded() + last.discarded()) as usize;
        assert_eq!(
            ran + discarded,
            N,
            "round {round}: {ran} ran, {first}; {last}"
        );
        assert!((first.completed() + last.completed()) as usize <= ran);
        assert_eq!(pool.stats().discarded() as usize, discarded);
        assert_eq!(counters.drops(), N, "round {round}");
        let mut joined_ok = 0;
        for (i, handle) in handles {
            match handle.join() {
                Ok(value) => {
                    assert_eq!(value, i);
                    joined_ok += 1;
                }
                Err(err) => assert!(err.is_discarded(), "job {i}: {err:?}"),
            }
        }
        assert!(joined_ok <= ran);
        assert_accounted(&pool.stats());
        drop(pool);
        assert_eq!(counters.drops(), N);
        assert_eq!(counters.ran(), ran);
    }
}

#[test]
fn dropping_the_last_clone_waits_for_every_accepted_job() {
    const N: usize = 400;
    let pool = Pool::builder()
        .workers(1)
        .max_temp_workers(0)
        .build()
        .unwrap();
    let dropping = Arc::new(AtomicBool::new(false));
    {
        // Holds the worker until the test is about to drop the pool, so all
        // the work below is still queued then.
        let dropping = dropping.clone();
        pool.spawn(Priority::High, move || {
            wait_until("the pool's drop", || dropping.load(Ordering::SeqCst))
        })
        .unwrap();
    }
    let counters = Counters::new();
    let mut handles = Vec::new();
    for i in 0..N {
        queue_tracked(&pool, &counters, i, &mut handles);
    }
    drop(handles); // detached: they run all the same
    let other = pool.clone();
    drop(other); // not the last clone: nothing happens
    assert!(!pool.stats().closed);
    dropping.store(true, Ordering::SeqCst);
    drop(pool);
    assert_eq!(counters.ran(), N, "the drop returned before the work ran");
    assert_eq!(counters.drops(), N);
}

#[test]
fn dropping_the_last_clone_inside_one_of_its_own_jobs_does_not_deadlock() {
    let stops = counter();
    let pool = {
        let stops = stops.clone();
        Pool::builder()
            .workers(1)
            .max_temp_workers(0)
            .on_thread_stop(move |_| {
                stops.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap()
    };
    let gate = Gate::new();
    let (tx, rx) = mpsc::channel::<&'static str>();
    {
        let last = pool.clone();
        let gate = gate.clone();
        let tx = tx.clone();
        pool.spawn(Priority::Normal, move || {
            gate.pass();
            drop(last); // the last handle: the pool goes, from its own job
            tx.send("dropped").unwrap();
        })
        .unwrap();
    }
    gate.wait_entered(1);
    // Queued behind that job: they still run before the pool is destroyed.
    for _ in 0..10 {
        let tx = tx.clone();
        pool.spawn(Priority::Low, move || tx.send("later").unwrap())
            .unwrap();
    }
    drop(tx);
    drop(pool); // the job holds the last clone now
    assert_eq!(load(&stops), 0);
    gate.open();

    let mut got = Vec::new();
    for _ in 0..11 {
        got.push(
            rx.recv_timeout(DEADLINE)
                .expect("a job did not run after its pool was dropped from inside"),
        );
    }
    assert_eq!(got[0], "dropped");
    assert!(got[1..].iter().all(|&m| m == "later"), "{got:?}");
    // The pool is destroyed (on another thread): its worker stops, and
    // every job's closure has been dropped.
    wait_until("the dropped pool's worker to stop", || load(&stops) == 1);
    assert!(rx.recv_timeout(DEADLINE).is_err());
}

#[test]
fn shutdown_and_wait_idle_from_inside_a_job_refuse_to_deadlock() {
    let pool = Pool::builder().workers(1).build().unwrap();
    let inner = pool.clone();
    let results = pool
        .submit(Priority::Normal, move || {
            (
                inner.in_pool(),
                inner.shutdown().map(|_| ()),
                inner.shutdown_timeout(Duration::from_millis(1)).map(|_| ()),
                inner.wait_idle(),
                inner.wait_idle_timeout(Duration::from_millis(1)),
            )
        })
        .unwrap()
        .join()
        .unwrap();
    let deadlock = Err(Error::WouldDeadlock);
    assert_eq!(results, (true, deadlock, deadlock, deadlock, deadlock));
    // Refused, they changed nothing: the pool is open.
    assert!(!pool.in_pool());
    assert!(!pool.stats().closed);
    assert_eq!(pool.submit(Priority::Low, || 3).unwrap().join().unwrap(), 3);
    pool.wait_idle().unwrap();
    assert_eq!(
        pool.wait_idle_timeout(Duration::from_millis(1)),
        Ok(()),
        "an idle pool is idle"
    );
}

#[test]
fn shutting_down_twice_is_harmless() {
    let pool = Pool::builder().workers(2).build().unwrap();
    let ran = counter();
    for i in 0..150 {
        let ran = ran.clone();
        pool.spawn(Priority::ALL[i % 3], move || {
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    let first = pool.shutdown().unwrap();
    assert!(!first.timed_out);
    assert!(first.to_string().contains("clean shutdown"), "{first}");
    // Jobs finished before the call are not in its report.
    assert!(first.completed() <= 150 && first.completed() >= first.queued_at_start());
    assert_eq!(first.discarded(), 0);
    assert_eq!(first.still_running, 0);
    assert_eq!(load(&ran), 150);
    // Later calls find nothing to do, and say so.
    let nothing = pool.shutdown().unwrap();
    assert_eq!((nothing.queued_at_start(), nothing.completed()), (0, 0));
    assert_eq!(pool.shutdown_timeout(Duration::ZERO).unwrap(), nothing);
    assert_accounted(&pool.stats());

    // After a shutdown that gave up, more shutdowns wait for what still runs.
    let (pool, gate) = gated_pool(0);
    for _ in 0..5 {
        pool.spawn(Priority::Low, || ()).unwrap();
    }
    let first = pool.shutdown_timeout(Duration::from_millis(10)).unwrap();
    assert!(first.timed_out);
    assert_eq!(first.discarded(), 5);
    assert_eq!(first.still_running, 1);
    let second = pool.shutdown_timeout(Duration::from_millis(10)).unwrap();
    assert!(second.timed_out, "the gate job still runs");
    assert_eq!(second.discarded(), 0, "the first call discarded them");
    gate.open();
    let last = pool.shutdown().unwrap();
    assert!(!last.timed_out);
    assert_eq!(last.still_running, 0);
    assert!(
        last.completed() <= 1,
        "the gate job, unless it finished before"
    );
    assert_eq!(last.discarded(), 0);
    assert_accounted(&pool.stats());
}

#[test]
fn stats_after_a_clean_shutdown_account_for_every_job() {
    let pool = Pool::builder().workers(2).build().unwrap();
    let counters = Counters::new();
    let mut handles = Vec::new();
    for i in 0..600 {
        queue_tracked(&pool, &counters, i, &mut handles);
    }
    let report = pool.shutdown().unwrap();
    assert!(!report.timed_out);
    let stats = pool.stats();
    assert_accounted(&stats);
    for prio in Priority::ALL {
        assert_eq!(stats[prio].submitted, 200, "{prio:?}");
        assert_eq!(stats[prio].completed, 200, "{prio:?}");
        assert_eq!(stats[prio].discarded, 0, "{prio:?}");
        assert!(report.completed[prio.index()] <= 200);
    }
    assert_eq!(counters.ran(), 600);
    for (i, handle) in handles {
        assert_eq!(handle.join().unwrap(), i);
    }
    assert_eq!(counters.drops(), 600);
    // Stats stay readable after shutdown, and closed stays set.
    assert!(pool.stats().closed);
    let text = pool.stats().to_prometheus();
    assert!(text.contains("wpool_closed 1"), "{text}");
    assert!(text.contains("\nwpool_panics_total 0\n"), "{text}");
}
