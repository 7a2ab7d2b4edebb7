//! The job lifecycle (issue 14): cancel, deadlines, pause and resume,
//! resizing. Every discard reason is proved with drop counters (the closure
//! is dropped exactly once, never run); races between a cancel and the
//! job's start are run many times; pauses and resizes are observed through
//! jobs held by gates, never through timing.

mod common;

use std::mem::{size_of, size_of_val};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use common::{block_on, counter, gated_pool, load, wait_until, Gate, LeakOnPanic};
use wpool::{
    Error, JoinError, JoinHandle, Pool, Priority, SpawnTimeoutError, Stats, ThreadInfo,
    TrySpawnError,
};

/// How many times the jobs of a test ran, how many of their closures were
/// dropped (run or not, a closure is dropped exactly once), and on which
/// threads the drops of unrun closures happened.
#[derive(Clone, Default)]
struct Counters {
    ran: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
    dropped_on: Arc<Mutex<Vec<(ThreadId, bool)>>>,
}

/// What a job owns: its run and its drop are counted through it.
struct Tracked {
    counters: Counters,
    ran: bool,
}

impl Tracked {
    fn run(mut self) {
        self.ran = true;
        self.counters.ran.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.counters.drops.fetch_add(1, Ordering::SeqCst);
        if !self.ran {
            let on_pool_thread = ThreadInfo::current().is_some();
            self.counters
                .dropped_on
                .lock()
                .unwrap()
                .push((thread::current().id(), on_pool_thread));
        }
    }
}

impl Counters {
    fn new() -> Counters {
        Counters::default()
    }

    fn tracked(&self) -> Tracked {
        Tracked {
            counters: self.clone(),
            ran: false,
        }
    }

    fn ran(&self) -> usize {
        load(&self.ran)
    }

    fn drops(&self) -> usize {
        load(&self.drops)
    }

    /// Where the unrun closures were dropped: (thread, a pool thread).
    fn dropped_on(&self) -> Vec<(ThreadId, bool)> {
        self.dropped_on.lock().unwrap().clone()
    }
}

/// A tracked job returning `i`, boxed (the pool stores a boxed closure as
/// one that fits in a pointer).
fn boxed_job(counters: &Counters, i: usize) -> Box<dyn FnOnce() -> usize + Send> {
    let tracked = counters.tracked();
    Box::new(move || {
        tracked.run();
        i
    })
}

/// Submits job `i` with `submit`, its closure in storage kind `i % 3`.
fn submit_kind(pool: &Pool, prio: Priority, counters: &Counters, i: usize) -> JoinHandle<usize> {
    match i % 3 {
        0 => {
            let tracked = Arc::new((counters.tracked(), i));
            let job = move || {
                let i = tracked.1;
                if let Ok((tracked, _)) = Arc::try_unwrap(tracked) {
                    tracked.run();
                }
                i
            };
            assert!(size_of_val(&job) <= size_of::<usize>());
            pool.submit(prio, job).unwrap()
        }
        1 => {
            let tracked = counters.tracked();
            let job = move || {
                tracked.run();
                i
            };
            assert!(size_of_val(&job) > size_of::<usize>() && size_of_val(&job) <= 64);
            pool.submit(prio, job).unwrap()
        }
        _ => {
            let tracked = counters.tracked();
            let pad = [i as u64; 20];
            let job = move || {
                assert!(pad.iter().all(|&x| x == i as u64));
                tracked.run();
                i
            };
            assert!(size_of_val(&job) > 128);
            pool.submit(prio, job).unwrap()
        }
    }
}

/// Every accepted job ran or was dropped for one reason, per priority.
fn assert_accounted(stats: &Stats) {
    for prio in Priority::ALL {
        let s = stats[prio];
        assert_eq!(
            s.completed + s.discarded + s.cancelled + s.expired,
            s.submitted,
            "{prio:?}: {s:?}"
        );
        assert_eq!(s.queued, 0, "{prio:?}");
        assert_eq!(s.running, 0, "{prio:?}");
    }
}

/// An instant in the past (or now, on a machine that booted this instant).
fn past() -> Instant {
    let now = Instant::now();
    now.checked_sub(Duration::from_secs(1)).unwrap_or(now)
}

// ---------------------------------------------------------------------------
// Discard reasons, with drop counters
// ---------------------------------------------------------------------------

#[test]
fn cancel_drops_a_queued_job_once_on_the_cancelling_thread_before_it_returns() {
    const N: usize = 30;
    let (pool, gate) = gated_pool(0);
    let counters = Counters::new();
    let handles: Vec<_> = (0..N)
        .map(|i| submit_kind(&pool, Priority::ALL[i % 3], &counters, i))
        .collect();
    for (i, handle) in handles.iter().enumerate() {
        assert!(handle.cancel(), "job {i} was queued");
        // Dropped before cancel returned.
        assert_eq!(counters.drops(), i + 1);
        assert!(handle.is_finished());
        assert!(!handle.cancel(), "a second cancel of job {i}");
    }
    let me = thread::current().id();
    assert_eq!(counters.dropped_on(), vec![(me, false); N]);
    for handle in handles {
        let err = handle.join().unwrap_err();
        assert!(err.is_cancelled(), "{err:?}");
        assert!(!err.is_discarded() && !err.is_expired() && !err.is_panic());
        assert_eq!(err.to_string(), "the job was cancelled");
        assert_eq!(format!("{err:?}"), "Cancelled");
        assert!(err.panic_message().is_none());
        assert!(err.try_into_panic().is_err());
    }
    let stats = pool.stats();
    for prio in Priority::ALL {
        assert_eq!(stats[prio].cancelled, (N / 3) as u64, "{prio:?}");
        assert_eq!(
            stats[prio].queued, 0,
            "{prio:?}: cancelled jobs are not queued"
        );
    }
    assert_eq!(stats.cancelled(), N as u64);
    gate.open();
    pool.wait_idle().unwrap();
    assert_eq!(counters.ran(), 0);
    assert_eq!(counters.drops(), N);
    assert_accounted(&pool.stats());
}

#[test]
fn an_expired_job_is_dropped_once_on_a_worker_and_never_runs() {
    const N: usize = 30;
    let (pool, gate) = gated_pool(0);
    let counters = Counters::new();
    let mut handles = Vec::new();
    for i in 0..N {
        let prio = Priority::ALL[i % 3];
        // Fire-and-forget and joinable, a deadline already past and one
        // that passes while the job waits behind the gate.
        let job = pool.job(prio);
        let job = if i % 2 == 0 {
            job.deadline(past())
        } else {
            job.deadline_after(Duration::from_millis(1))
        };
        let f = boxed_job(&counters, i);
        if i % 4 < 2 {
            handles.push(job.submit(f).unwrap());
        } else {
            job.spawn(move || {
                let _ = f();
            })
            .unwrap();
        }
    }
    // Let the last relative deadline pass while every job is held queued.
    let passed = Instant::now() + Duration::from_millis(2);
    wait_until("the deadlines passed", || Instant::now() >= passed);
    assert_eq!(pool.stats().queued(), N as u64);
    gate.open();
    pool.wait_idle().unwrap();
    assert_eq!(counters.ran(), 0);
    assert_eq!(counters.drops(), N);
    assert!(
        counters
            .dropped_on()
            .iter()
            .all(|&(_, pool_thread)| pool_thread),
        "an expired job is dropped by the worker that reached it"
    );
    for handle in handles {
        let err = handle.join().unwrap_err();
        assert!(err.is_expired(), "{err:?}");
        assert!(!err.is_discarded() && !err.is_cancelled() && !err.is_panic());
        assert_eq!(
            err.to_string(),
            "the job's deadline passed before it started"
        );
        assert_eq!(format!("{err:?}"), "Expired");
    }
    let stats = pool.stats();
    assert_eq!(stats.expired(), N as u64);
    for prio in Priority::ALL {
        assert_eq!(stats[prio].expired, (N / 3) as u64, "{prio:?}");
    }
    assert_eq!(stats.discarded() + stats.cancelled(), 0);
    assert_accounted(&stats);
}

#[test]
fn a_shutdown_that_times_out_discards_with_its_own_reason() {
    const N: usize = 30;
    let (pool, gate) = gated_pool(0);
    let counters = Counters::new();
    let handles: Vec<_> = (0..N)
        .map(|i| submit_kind(&pool, Priority::ALL[i % 3], &counters, i))
        .collect();
    let report = pool.shutdown_timeout(Duration::ZERO).unwrap();
    assert!(report.timed_out);
    assert_eq!(report.discarded(), N as u64);
    assert_eq!(counters.drops(), N);
    for handle in handles {
        // Too late to cancel: discarded already.
        assert!(!handle.cancel());
        let err = handle.join().unwrap_err();
        assert!(err.is_discarded(), "{err:?}");
        assert!(!err.is_cancelled() && !err.is_expired());
        assert_eq!(err.to_string(), "the job was discarded at shutdown");
    }
    gate.open();
    pool.shutdown().unwrap();
    let stats = pool.stats();
    assert_eq!(counters.ran(), 0);
    assert_eq!(stats.discarded(), N as u64);
    assert_eq!(stats.cancelled() + stats.expired(), 0);
    assert_accounted(&stats);
}

#[test]
fn a_shutdown_discards_paused_jobs_without_waiting_or_timing_out() {
    const N: usize = 30;
    let pool = Pool::builder().workers(2).build().unwrap();
    let counters = Counters::new();
    pool.pause(Priority::Low).unwrap();
    let mut handles = Vec::new();
    for i in 0..N {
        if i % 2 == 0 {
            handles.push(submit_kind(&pool, Priority::Low, &counters, i));
        } else {
            let f = boxed_job(&counters, i);
            pool.spawn(Priority::Low, move || {
                let _ = f();
            })
            .unwrap();
        }
    }
    // Other priorities run to their end as usual.
    let normal = submit_kind(&pool, Priority::Normal, &counters, N);
    let report = pool.shutdown().unwrap();
    assert!(!report.timed_out, "{report}");
    assert_eq!(
        report.discarded[Priority::Low.index()],
        N as u64,
        "{report}"
    );
    assert_eq!(normal.join().unwrap(), N);
    assert_eq!(counters.ran(), 1);
    assert_eq!(counters.drops(), N + 1);
    for handle in handles {
        assert!(handle.join().unwrap_err().is_discarded());
    }
    let stats = pool.stats();
    assert_eq!(stats[Priority::Low].discarded, N as u64);
    assert_accounted(&stats);
}

#[test]
fn dropping_a_pool_with_a_paused_priority_discards_its_jobs_and_does_not_hang() {
    let counters = Counters::new();
    let pool = Pool::builder().workers(1).build().unwrap();
    pool.pause(Priority::Normal).unwrap();
    let handle = submit_kind(&pool, Priority::Normal, &counters, 0);
    let f = boxed_job(&counters, 1);
    pool.spawn(Priority::Normal, move || {
        let _ = f();
    })
    .unwrap();
    drop(pool);
    assert_eq!(counters.ran(), 0);
    assert_eq!(counters.drops(), 2);
    assert!(handle.join().unwrap_err().is_discarded());
}

// ---------------------------------------------------------------------------
// Cancel
// ---------------------------------------------------------------------------

#[test]
fn cancel_racing_the_start_of_its_job_gives_exactly_one_of_run_and_cancel() {
    const ROUNDS: usize = 3000;
    let pool = LeakOnPanic::new(
        Pool::builder()
            .workers(2)
            .max_temp_workers(1)
            .build()
            .unwrap(),
    );
    let mut cancelled = 0u64;
    for i in 0..ROUNDS {
        let counters = Counters::new();
        let prio = Priority::ALL[i % 3];
        let handle = submit_kind(&pool, prio, &counters, i);
        // Vary the gap between the submission and the cancel, so that the
        // cancel meets the job queued, being taken, running and finished.
        for _ in 0..(i % 11) * 20 {
            std::hint::spin_loop();
        }
        if i % 5 == 0 {
            thread::yield_now();
        }
        let won = handle.cancel();
        if won {
            cancelled += 1;
            assert_eq!(
                counters.drops(),
                1,
                "round {i}: dropped before cancel returned"
            );
        }
        match handle.join() {
            Ok(value) => {
                assert!(!won, "round {i}: cancelled, yet it ran");
                assert_eq!(value, i);
                assert_eq!(counters.ran(), 1);
            }
            Err(err) => {
                assert!(won && err.is_cancelled(), "round {i}: {err:?}");
                assert_eq!(counters.ran(), 0);
            }
        }
        assert_eq!(
            counters.drops(),
            1,
            "round {i}: the closure is dropped once"
        );
    }
    pool.wait_idle().unwrap();
    let stats = pool.stats();
    assert_eq!(stats.cancelled(), cancelled);
    assert_eq!(stats.completed(), ROUNDS as u64 - cancelled);
    assert_accounted(&stats);
}

#[test]
fn cancels_racing_each_other_and_the_start_on_other_threads_win_at_most_once() {
    const ROUNDS: usize = 600;
    let pool = LeakOnPanic::new(
        Pool::builder()
            .workers(1)
            .max_temp_workers(0)
            .build()
            .unwrap(),
    );
    let mut cancelled = 0u64;
    for i in 0..ROUNDS {
        let counters = Counters::new();
        // In even rounds the worker is held, so the job stays queued and
        // exactly one of the two cancels wins; in odd rounds they race its
        // start too.
        let gate = Gate::new();
        let held = i % 2 == 0;
        if held {
            pool.spawn(Priority::Normal, gate.job()).unwrap();
        }
        let handle = Arc::new(submit_kind(&pool, Priority::Normal, &counters, i));
        let barrier = Arc::new(Barrier::new(2));
        let wins: Vec<bool> = thread::scope(|s| {
            let racers: Vec<_> = (0..2)
                .map(|_| {
                    let (handle, barrier) = (handle.clone(), barrier.clone());
                    s.spawn(move || {
                        barrier.wait();
                        handle.cancel()
                    })
                })
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        gate.open();
        let won = wins.iter().filter(|&&w| w).count();
        if held {
            assert_eq!(won, 1, "round {i}: the queued job is cancelled once");
        }
        let handle = Arc::try_unwrap(handle).expect("the racers are done");
        match handle.join() {
            Ok(value) => {
                assert_eq!((won, value, counters.ran()), (0, i, 1), "round {i}");
            }
            Err(err) => {
                assert!(err.is_cancelled(), "round {i}: {err:?}");
                assert_eq!((won, counters.ran()), (1, 0), "round {i}");
                cancelled += 1;
            }
        }
        assert_eq!(counters.drops(), 1, "round {i}");
    }
    pool.wait_idle().unwrap();
    assert!(cancelled >= (ROUNDS / 2) as u64);
    assert_eq!(pool.stats().cancelled(), cancelled);
    assert_accounted(&pool.stats());
}

#[test]
fn a_handle_outliving_its_pool_cancels_nothing_and_a_cancel_may_race_the_pools_drop() {
    let pool = Pool::builder().workers(1).build().unwrap();
    let handle = pool.submit(Priority::Normal, || 1).unwrap();
    drop(pool); // waits for the job
    assert!(!handle.cancel());
    assert_eq!(handle.join().unwrap(), 1);

    // The last clone dropped (the pool shut down and destroyed) while a
    // cancel of a job still queued runs on another thread.
    const ROUNDS: usize = 300;
    let mut cancelled = 0usize;
    for i in 0..ROUNDS {
        let (pool, gate) = gated_pool(0);
        let counters = Counters::new();
        let handle = submit_kind(&pool, Priority::Normal, &counters, i);
        let barrier = Barrier::new(2);
        let won = thread::scope(|s| {
            s.spawn(|| {
                barrier.wait();
                gate.open();
                drop(pool);
            });
            let canceller = s.spawn(|| {
                barrier.wait();
                handle.cancel()
            });
            canceller.join().unwrap()
        });
        match handle.join() {
            Ok(value) => assert_eq!((won, value, counters.ran()), (false, i, 1), "round {i}"),
            Err(err) => {
                assert!(won && err.is_cancelled(), "round {i}: {err:?}");
                assert_eq!(counters.ran(), 0, "round {i}");
                cancelled += 1;
            }
        }
        assert_eq!(counters.drops(), 1, "round {i}");
    }
    eprintln!("cancel racing the pool's drop: {cancelled} of {ROUNDS} rounds cancelled");
}

#[test]
fn cancel_of_a_running_or_finished_job_is_false_and_changes_nothing() {
    let pool = Pool::builder()
        .workers(1)
        .max_temp_workers(0)
        .build()
        .unwrap();
    let gate = Gate::new();
    let pass = gate.job();
    let running = pool
        .submit(Priority::Normal, move || {
            pass();
            "ran to its end"
        })
        .unwrap();
    gate.wait_entered(1);
    assert!(!running.cancel());
    gate.open();
    assert_eq!(running.join().unwrap(), "ran to its end");

    let finished = pool.submit(Priority::High, || 5).unwrap();
    wait_until("the job finished", || finished.is_finished());
    assert!(!finished.cancel());
    assert!(!finished.cancel());
    assert_eq!(finished.join().unwrap(), 5);

    // Polled to completion as a future: nothing left to cancel.
    let mut polled = pool.submit(Priority::Low, || 6).unwrap();
    assert_eq!(block_on(&mut polled).unwrap(), 6);
    assert!(!polled.cancel());
    pool.wait_idle().unwrap();
    assert_eq!(pool.stats().cancelled(), 0);
}

#[test]
fn a_job_cancels_a_queued_job_but_not_itself() {
    let pool = Pool::builder()
        .workers(1)
        .max_temp_workers(0)
        .build()
        .unwrap();
    let counters = Counters::new();
    let (send_victim, victim) = mpsc::channel::<JoinHandle<usize>>();
    // The canceller runs on the only worker: the victim, queued behind it,
    // cannot start meanwhile.
    let canceller = pool
        .submit(Priority::Normal, move || {
            let victim = victim.recv().unwrap();
            let cancelled = victim.cancel();
            (
                cancelled,
                victim.join().unwrap_err().is_cancelled(),
                thread::current().id(),
            )
        })
        .unwrap();
    send_victim
        .send(submit_kind(&pool, Priority::Normal, &counters, 7))
        .unwrap();
    let (cancelled, reported, worker) = canceller.join().unwrap();
    assert!(cancelled && reported);
    assert_eq!((counters.ran(), counters.drops()), (0, 1));
    // Dropped by the cancel, on the worker that ran the canceller.
    assert_eq!(counters.dropped_on(), vec![(worker, true)]);

    // A job given its own handle: it is running, so its cancel is false.
    let (send_own, own) = mpsc::channel::<Arc<JoinHandle<bool>>>();
    let itself = Arc::new(
        pool.submit(Priority::Normal, move || own.recv().unwrap().cancel())
            .unwrap(),
    );
    send_own.send(itself.clone()).unwrap();
    wait_until("the job finished", || itself.is_finished());
    let itself = Arc::try_unwrap(itself).expect("the job dropped its clone");
    assert!(!itself.join().unwrap(), "a job cannot cancel itself");
    pool.wait_idle().unwrap();
    assert_eq!(pool.stats().cancelled(), 1);
}

#[test]
fn cancel_works_while_paused_and_during_a_shutdown_which_then_does_not_wait_for_it() {
    let counters = Counters::new();
    let (pool, gate) = gated_pool(0);
    pool.pause(Priority::High).unwrap();
    let paused = submit_kind(&pool, Priority::High, &counters, 0);
    assert!(paused.cancel());
    assert!(paused.join().unwrap_err().is_cancelled());

    let queued = submit_kind(&pool, Priority::Normal, &counters, 1);
    let shutting_down = thread::spawn({
        let pool = pool.clone();
        move || pool.shutdown()
    });
    wait_until("the shutdown began", || pool.stats().closed);
    assert!(queued.cancel());
    assert!(queued.join().unwrap_err().is_cancelled());
    gate.open();
    let report = shutting_down.join().unwrap().unwrap();
    assert!(!report.timed_out);
    assert_eq!(report.discarded(), 0);
    assert_eq!(counters.ran(), 0);
    assert_eq!(counters.drops(), 2);
    assert_eq!(pool.stats().cancelled(), 2);
    assert_accounted(&pool.stats());
}

#[test]
fn a_destructor_that_panics_in_a_cancel_is_reported_to_the_pool() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("bomb in a destructor");
        }
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let pool = Pool::builder()
        .workers(1)
        .max_temp_workers(0)
        .panic_handler({
            let seen = seen.clone();
            move |payload| {
                let msg = wpool::panic_message(&*payload).unwrap_or("?").to_owned();
                seen.lock().unwrap().push(msg);
            }
        })
        .build()
        .unwrap();
    let gate = Gate::new();
    pool.spawn(Priority::Normal, gate.job()).unwrap();
    gate.wait_entered(1);
    let bomb = Bomb;
    let handle = pool
        .submit(Priority::Normal, move || {
            let _keep = &bomb;
        })
        .unwrap();
    assert!(handle.cancel());
    assert!(handle.join().unwrap_err().is_cancelled());
    assert_eq!(*seen.lock().unwrap(), ["bomb in a destructor"]);
    assert_eq!(pool.stats().panics, 1);
    gate.open();
}

#[test]
fn an_async_submission_gives_a_handle_that_can_cancel() {
    let counters = Counters::new();
    let (pool, gate) = gated_pool(0);
    let tracked = counters.tracked();
    let handle = block_on(pool.submit_async(Priority::Normal, move || tracked.run())).unwrap();
    assert!(handle.cancel());
    assert!(block_on(handle).unwrap_err().is_cancelled());
    assert_eq!((counters.ran(), counters.drops()), (0, 1));
    gate.open();
}

#[test]
fn a_cancelled_scoped_job_counts_as_finished_and_its_borrow_is_never_used() {
    let pool = Pool::builder()
        .workers(1)
        .max_temp_workers(0)
        .build()
        .unwrap();
    let counters = Counters::new();
    let gate = Gate::new();
    let mut written = [0u32; 4];
    pool.scope(|s| {
        s.spawn(Priority::Normal, gate.job()).unwrap();
        gate.wait_entered(1);
        let handles: Vec<_> = written
            .iter_mut()
            .enumerate()
            .map(|(i, slot)| {
                let tracked = counters.tracked();
                s.submit(Priority::Normal, move || {
                    *slot = 1;
                    tracked.run();
                    i
                })
                .unwrap()
            })
            .collect();
        for (i, handle) in handles.into_iter().enumerate() {
            if i % 2 == 0 {
                assert!(handle.cancel());
                assert!(handle.join().unwrap_err().is_cancelled());
            } else {
                // Detached: the scope still waits for it.
                drop(handle);
            }
        }
        gate.open();
    });
    // The scope returned: the jobs not cancelled ran, the others never will.
    assert_eq!(written, [0, 1, 0, 1]);
    assert_eq!((counters.ran(), counters.drops()), (2, 4));
    assert_eq!(pool.stats().cancelled(), 2);
}

#[test]
fn an_expired_scoped_job_counts_as_finished() {
    let pool = Pool::builder()
        .workers(1)
        .max_temp_workers(0)
        .build()
        .unwrap();
    let mut written = [0u32; 3];
    let ran = AtomicBool::new(false);
    let ran_ref = &ran;
    pool.scope(|s| {
        let [a, b, c] = &mut written;
        s.job(Priority::Low)
            .deadline(past())
            .spawn(move || *a = 1)
            .unwrap();
        let late = s
            .job(Priority::Low)
            .deadline(past())
            .submit(move || *b = 1)
            .unwrap();
        s.job(Priority::Low)
            .deadline_after(Duration::from_secs(3600))
            .spawn(move || {
                *c = 1;
                ran_ref.store(true, Ordering::SeqCst);
            })
            .unwrap();
        assert!(late.join().unwrap_err().is_expired());
    });
    assert_eq!(written, [0, 0, 1]);
    assert!(ran.load(Ordering::SeqCst));
    // The pool counts an expired job just after its closure is dropped.
    pool.wait_idle().unwrap();
    assert_eq!(pool.stats()[Priority::Low].expired, 2);
}

// ---------------------------------------------------------------------------
// Deadlines
// ---------------------------------------------------------------------------

#[test]
fn a_deadline_already_past_is_accepted_and_expires() {
    let pool = Pool::builder().workers(2).build().unwrap();
    let counters = Counters::new();
    for prio in Priority::ALL {
        let tracked = counters.tracked();
        let handle = pool
            .job(prio)
            .deadline(past())
            .submit(move || tracked.run())
            .unwrap();
        assert!(handle.join().unwrap_err().is_expired(), "{prio:?}");
        let tracked = counters.tracked();
        pool.job(prio)
            .deadline(Instant::now())
            .try_spawn(move || tracked.run())
            .unwrap();
        // A zero duration: the deadline is now, past when a worker looks.
        let tracked = counters.tracked();
        let handle = pool
            .job(prio)
            .deadline_after(Duration::ZERO)
            .try_submit(move || tracked.run())
            .unwrap();
        assert!(handle.join().unwrap_err().is_expired(), "{prio:?}");
    }
    pool.wait_idle().unwrap();
    assert_eq!(counters.ran(), 0);
    assert_eq!(counters.drops(), 9);
    let stats = pool.stats();
    assert_eq!(stats.expired(), 9);
    assert_accounted(&stats);
}

#[test]
fn a_job_taken_before_its_deadline_runs() {
    let pool = Pool::builder().workers(2).build().unwrap();
    let far = Duration::from_secs(3600);
    let handle = pool
        .job(Priority::Normal)
        .deadline_after(far)
        .submit(|| 1)
        .unwrap();
    assert_eq!(handle.join().unwrap(), 1);
    let handle = pool
        .job(Priority::High)
        .deadline(Instant::now() + far)
        .submit_timeout(|| 2, far)
        .unwrap();
    assert_eq!(handle.join().unwrap(), 2);
    let (tx, rx) = mpsc::channel();
    let job = pool.job(Priority::Low).deadline_after(far);
    // A JobBuilder is Copy: one serves several jobs.
    for i in 0..3 {
        let tx = tx.clone();
        job.spawn_timeout(move || tx.send(i).unwrap(), far).unwrap();
    }
    let mut got: Vec<i32> = rx.iter().take(3).collect();
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2]);
    // A duration too long for an Instant: no deadline at all.
    let handle = pool
        .job(Priority::Normal)
        .deadline_after(Duration::MAX)
        .submit(|| 3)
        .unwrap();
    assert_eq!(handle.join().unwrap(), 3);
    pool.wait_idle().unwrap();
    assert_eq!(pool.stats().expired(), 0);
}

#[test]
fn a_deadline_bounds_the_wait_for_room() {
    // One worker held, a Normal queue of two slots filled.
    let (pool, gate) = gated_pool(2);
    for _ in 0..2 {
        pool.spawn(Priority::Normal, || ()).unwrap();
    }
    let counters = Counters::new();
    // `spawn` and `submit` wait for room, but not past the deadline: the
    // closure comes back, neither run nor dropped.
    let tracked = counters.tracked();
    let err = pool
        .job(Priority::Normal)
        .deadline(past())
        .spawn(move || tracked.run())
        .unwrap_err();
    assert!(matches!(err, SpawnTimeoutError::Timeout(_)));
    assert_eq!(err.error(), Error::TimedOut);
    assert_eq!(counters.drops(), 0);
    drop(err);
    assert_eq!(counters.drops(), 1);
    let tracked = counters.tracked();
    let err = pool
        .job(Priority::Normal)
        .deadline_after(Duration::from_millis(5))
        .submit(move || tracked.run())
        .unwrap_err();
    assert!(matches!(err, SpawnTimeoutError::Timeout(_)));
    err.into_inner()(); // runs it here
    assert_eq!((counters.ran(), counters.drops()), (1, 2));
    // A try does not wait at all.
    let tracked = counters.tracked();
    let err = pool
        .job(Priority::Normal)
        .deadline_after(Duration::from_secs(3600))
        .try_submit(move || tracked.run())
        .unwrap_err();
    assert!(matches!(err, TrySpawnError::Full(_)));
    drop(err);
    assert_eq!((counters.ran(), counters.drops()), (1, 3));
    gate.open();
    pool.wait_idle().unwrap();
    let stats = pool.stats();
    assert_eq!(stats[Priority::Normal].rejected, 3);
    assert_eq!(stats.expired(), 0);
}

// ---------------------------------------------------------------------------
// Pause and resume
// ---------------------------------------------------------------------------

#[test]
fn paused_jobs_do_not_run_until_resumed_and_wait_idle_does_not_wait_for_them() {
    let pool = Pool::builder().workers(2).build().unwrap();
    let counters = Counters::new();
    pool.pause(Priority::Normal).unwrap();
    pool.pause(Priority::Normal).unwrap(); // idempotent
    let handles: Vec<_> = (0..10)
        .map(|i| submit_kind(&pool, Priority::Normal, &counters, i))
        .collect();
    // The other priorities run meanwhile, on the same workers.
    for prio in [Priority::High, Priority::Low] {
        assert_eq!(pool.submit(prio, || 1).unwrap().join().unwrap(), 1);
    }
    pool.wait_idle().unwrap();
    pool.wait_idle_timeout(Duration::from_secs(60)).unwrap();
    let stats = pool.stats();
    assert!(stats[Priority::Normal].paused);
    assert!(!stats[Priority::High].paused && !stats[Priority::Low].paused);
    assert_eq!(stats[Priority::Normal].queued, 10);
    assert_eq!(counters.ran(), 0);
    assert!(handles.iter().all(|h| !h.is_finished()));
    assert!(
        stats.to_string().contains("queued 10/4096 (paused)"),
        "{stats}"
    );
    assert!(stats
        .to_prometheus()
        .contains("wpool_paused{priority=\"normal\"} 1"));

    pool.resume(Priority::Normal).unwrap();
    pool.resume(Priority::Normal).unwrap(); // idempotent
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.join().unwrap(), i);
    }
    pool.wait_idle().unwrap();
    let stats = pool.stats();
    assert!(!stats[Priority::Normal].paused);
    assert_eq!(counters.ran(), 10);
    assert_accounted(&stats);
}

#[test]
fn pausing_lets_the_running_jobs_of_that_priority_finish() {
    let pool = Pool::builder()
        .workers(1)
        .max_temp_workers(0)
        .build()
        .unwrap();
    let gate = Gate::new();
    let pass = gate.job();
    let running = pool
        .submit(Priority::Low, move || {
            pass();
            "finished"
        })
        .unwrap();
    gate.wait_entered(1);
    pool.pause(Priority::Low).unwrap();
    let queued = pool.submit(Priority::Low, || "after resume").unwrap();
    gate.open();
    assert_eq!(running.join().unwrap(), "finished");
    pool.wait_idle().unwrap();
    assert!(!queued.is_finished());
    pool.resume(Priority::Low).unwrap();
    assert_eq!(queued.join().unwrap(), "after resume");
}

#[test]
fn intake_stays_open_while_paused_and_a_full_paused_queue_refuses_tries() {
    let pool = Pool::builder().workers(1).capacity(2).build().unwrap();
    pool.pause(Priority::Low).unwrap();
    for _ in 0..2 {
        pool.try_spawn(Priority::Low, || ()).unwrap();
    }
    assert!(matches!(
        pool.try_spawn(Priority::Low, || ()),
        Err(TrySpawnError::Full(_))
    ));
    // A waiting submission waits for room, which the resume makes (whether
    // it began to wait before the resume or not, it gets in).
    let waiting = thread::spawn({
        let pool = pool.clone();
        move || pool.submit(Priority::Low, || "made room").unwrap().join()
    });
    thread::sleep(Duration::from_millis(5));
    assert!(!waiting.is_finished());
    pool.resume(Priority::Low).unwrap();
    assert_eq!(waiting.join().unwrap().unwrap(), "made room");
}

// ---------------------------------------------------------------------------
// Resizing
// ---------------------------------------------------------------------------

/// A pool whose thread hooks count regular workers started and stopped.
fn counted_pool(workers: usize) -> (Pool, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let (started, stopped) = (counter(), counter());
    let pool = Pool::builder()
        .workers(workers)
        .max_temp_workers(0)
        .on_thread_start({
            let started = started.clone();
            move |info| {
                assert!(!info.temporary);
                started.fetch_add(1, Ordering::SeqCst);
            }
        })
        .on_thread_stop({
            let stopped = stopped.clone();
            move |_| {
                stopped.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .unwrap();
    (pool, started, stopped)
}

#[test]
fn set_workers_grows_at_once_and_shrinks_as_workers_become_idle() {
    let (pool, started, stopped) = counted_pool(1);
    pool.set_workers(3).unwrap();
    let stats = pool.stats();
    assert_eq!((stats.workers, stats.workers_target), (3, 3));
    wait_until("the start hooks ran", || load(&started) == 3);
    // Three jobs meet at a barrier: three threads run them at once.
    let barrier = Arc::new(Barrier::new(3));
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let barrier = barrier.clone();
            pool.submit(Priority::Normal, move || {
                barrier.wait();
                ThreadInfo::current().unwrap().index
            })
            .unwrap()
        })
        .collect();
    let mut indices: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    indices.sort_unstable();
    assert_eq!(indices, [0, 1, 2]);

    pool.set_workers(1).unwrap();
    assert_eq!(pool.stats().workers_target, 1);
    wait_until("the surplus workers left", || pool.stats().workers == 1);
    wait_until("their stop hooks ran", || load(&stopped) == 2);
    // The worker that stays is worker 0, and it still runs jobs.
    let index = pool
        .submit(Priority::Low, || ThreadInfo::current().unwrap().index)
        .unwrap();
    assert_eq!(index.join().unwrap(), 0);
    assert!(pool.stats().to_string().starts_with("workers 1 (busy"));
    drop(pool);
    assert_eq!((load(&started), load(&stopped)), (3, 3));
}

#[test]
fn shrinking_below_the_busy_count_never_interrupts_a_running_job() {
    let (pool, _, stopped) = counted_pool(3);
    let gate = Gate::new();
    let handles: Vec<_> = (0..3)
        .map(|i| {
            let pass = gate.job();
            pool.submit(Priority::Normal, move || {
                pass();
                i
            })
            .unwrap()
        })
        .collect();
    gate.wait_entered(3);
    pool.set_workers(1).unwrap(); // returns at once, the three jobs still run
    let stats = pool.stats();
    assert_eq!(stats.workers_target, 1);
    assert_eq!(stats.workers, 3, "nobody leaves in the middle of a job");
    assert_eq!(stats.busy_workers, 3);
    assert!(
        stats.to_string().starts_with("workers 3 (resizing to 1)"),
        "{stats}"
    );
    // Queued work goes to the worker that stays.
    let queued: Vec<_> = (0..5)
        .map(|i| pool.submit(Priority::Low, move || i).unwrap())
        .collect();
    assert_eq!(load(&stopped), 0);
    gate.open();
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.join().unwrap(), i);
    }
    for (i, handle) in queued.into_iter().enumerate() {
        assert_eq!(handle.join().unwrap(), i);
    }
    wait_until("the surplus workers left", || pool.stats().workers == 1);
    wait_until("their stop hooks ran", || load(&stopped) == 2);
    pool.wait_idle().unwrap();
    assert_accounted(&pool.stats());
}

#[test]
fn set_workers_from_inside_a_job_and_its_limits() {
    let (pool, started, _) = counted_pool(1);
    let inner = pool.clone();
    let grown = pool
        .submit(Priority::Normal, move || {
            inner.set_workers(2).map(|()| inner.stats().workers)
        })
        .unwrap();
    assert_eq!(grown.join().unwrap(), Ok(2));
    wait_until("the start hook ran", || load(&started) == 2);
    // The worker running a job shrinks the pool below itself: it leaves
    // after that job, the job is not cut short.
    let inner = pool.clone();
    let shrunk = pool
        .submit(Priority::Normal, move || {
            inner.set_workers(0).unwrap(); // one per CPU
            inner.set_workers(1).unwrap();
            "done"
        })
        .unwrap();
    assert_eq!(shrunk.join().unwrap(), "done");
    wait_until("one worker left", || pool.stats().workers == 1);
    assert_eq!(pool.set_workers(1025), Err(Error::InvalidArgument));
    assert_eq!(pool.set_workers(usize::MAX), Err(Error::InvalidArgument));
    assert_eq!(pool.set_max_temp_workers(1025), Err(Error::InvalidArgument));
    assert_eq!(pool.stats().workers_target, 1);
}

#[test]
fn set_max_temp_workers_starts_and_retires_temporary_workers() {
    let pool = Pool::builder()
        .workers(1)
        .max_temp_workers(0)
        .build()
        .unwrap();
    assert_eq!(pool.stats().temp_workers, 0);
    // The regular worker is held: High work needs a temporary worker.
    let gate = Gate::new();
    pool.spawn(Priority::Low, gate.job()).unwrap();
    gate.wait_entered(1);
    pool.set_max_temp_workers(2).unwrap();
    assert_eq!(pool.stats().max_temp_workers, 2);
    let high_gate = Gate::new();
    let pass = high_gate.job();
    let high = pool
        .submit(Priority::High, move || {
            pass();
            ThreadInfo::current().unwrap().temporary
        })
        .unwrap();
    high_gate.wait_entered(1);
    assert!(pool.stats().temp_workers >= 1);

    // Lowered while one is busy: it retires after its job.
    pool.set_max_temp_workers(0).unwrap();
    assert_eq!(pool.stats().max_temp_workers, 0);
    high_gate.open();
    assert!(high.join().unwrap(), "a temporary worker ran it");
    wait_until("the temporary workers retired", || {
        pool.stats().temp_workers == 0
    });
    gate.open();
    pool.wait_idle().unwrap();
}

// ---------------------------------------------------------------------------
// After shutdown
// ---------------------------------------------------------------------------

#[test]
fn the_lifecycle_calls_after_a_shutdown() {
    let pool = Pool::builder().workers(1).build().unwrap();
    let done = pool.submit(Priority::Normal, || 1).unwrap();
    pool.pause(Priority::Low).unwrap();
    pool.shutdown().unwrap();
    assert_eq!(pool.set_workers(2), Err(Error::Closed));
    assert_eq!(pool.set_max_temp_workers(2), Err(Error::Closed));
    assert_eq!(pool.pause(Priority::High), Err(Error::Closed));
    // Resume is allowed (nothing is left to run).
    assert_eq!(pool.resume(Priority::Low), Ok(()));
    assert!(!done.cancel());
    assert_eq!(done.join().unwrap(), 1);

    let counters = Counters::new();
    let tracked = counters.tracked();
    let err = pool
        .job(Priority::High)
        .deadline_after(Duration::from_secs(1))
        .submit(move || tracked.run())
        .unwrap_err();
    assert!(matches!(err, SpawnTimeoutError::Closed(_)));
    assert_eq!(err.error(), Error::Closed);
    drop(err);
    let tracked = counters.tracked();
    let err = pool
        .job(Priority::Low)
        .spawn(move || tracked.run())
        .unwrap_err();
    assert!(matches!(err, SpawnTimeoutError::Closed(_)));
    drop(err);
    let tracked = counters.tracked();
    let err = pool
        .job(Priority::Low)
        .deadline(past())
        .try_spawn(move || tracked.run())
        .unwrap_err();
    assert!(matches!(err, TrySpawnError::Closed(_)));
    // The closures came back: dropped by the test, never run.
    drop(err);
    assert_eq!((counters.ran(), counters.drops()), (0, 3));
    let stats = pool.stats();
    assert_eq!(stats.workers_target, 1);
    assert!(stats.closed);
}

#[test]
fn join_error_kinds_are_exclusive() {
    let (pool, gate) = gated_pool(0);
    let cancelled = pool.submit(Priority::Normal, || ()).unwrap();
    assert!(cancelled.cancel());
    let expired = pool
        .job(Priority::Normal)
        .deadline(past())
        .submit(|| ())
        .unwrap();
    gate.open();
    let panicked = pool.submit(Priority::Normal, || panic!("p")).unwrap();
    let errors: Vec<JoinError> = [cancelled, expired, panicked]
        .into_iter()
        .map(|h| h.join().unwrap_err())
        .collect();
    let kinds: Vec<[bool; 4]> = errors
        .iter()
        .map(|e| {
            [
                e.is_cancelled(),
                e.is_expired(),
                e.is_panic(),
                e.is_discarded(),
            ]
        })
        .collect();
    assert_eq!(
        kinds,
        [
            [true, false, false, false],
            [false, true, false, false],
            [false, false, true, false]
        ]
    );
}
