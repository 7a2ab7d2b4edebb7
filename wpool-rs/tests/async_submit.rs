//! `Pool::submit_async` and `Pool::spawn_async`: futures that wait for room
//! in a full queue without blocking the thread that polls them.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use common::{block_on, counter, gated_pool, load, DropCounter, FlagWaker, DEADLINE};
use wpool::{Error, Pool, Priority, SpawnError, TrySpawnError};

/// Fills the Normal queue of a gated pool (its worker held): the next
/// submission finds it full.
fn fill(pool: &Pool) {
    loop {
        match pool.try_spawn(Priority::Normal, || ()) {
            Ok(()) => {}
            Err(TrySpawnError::Full(_)) => return,
            Err(TrySpawnError::Closed(_)) => panic!("closed"),
        }
    }
}

fn flag_waker() -> (Arc<FlagWaker>, Waker) {
    let flag = Arc::new(FlagWaker(AtomicBool::new(false)));
    (flag.clone(), Waker::from(flag))
}

/// Wakes the thread that runs `run_local`.
struct Unpark {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.thread.unpark();
    }
}

type LocalFuture<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// A single-threaded executor for several futures at once: whenever one of
/// them is woken it polls every one not finished yet, on this thread.
/// Panics after [`DEADLINE`] if they stall.
fn run_local(mut futures: Vec<LocalFuture<'_>>) {
    let state = Arc::new(Unpark {
        thread: thread::current(),
        woken: AtomicBool::new(true),
    });
    let waker = Waker::from(state.clone());
    let mut cx = Context::from_waker(&waker);
    let start = Instant::now();
    while !futures.is_empty() {
        while !state.woken.swap(false, Ordering::SeqCst) {
            let left = DEADLINE
                .checked_sub(start.elapsed())
                .expect("deadlock guard: no future was woken");
            thread::park_timeout(left);
        }
        futures.retain_mut(|f| f.as_mut().poll(&mut cx).is_pending());
    }
}

/// Yields to the executor once (wakes itself and returns Pending).
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

#[test]
fn resolves_at_once_when_there_is_room() {
    let pool = Pool::builder().workers(1).build().unwrap();
    let handle = block_on(pool.submit_async(Priority::High, || 6 * 7)).unwrap();
    assert_eq!(block_on(handle).unwrap(), 42);
    let (tx, rx) = std::sync::mpsc::channel();
    block_on(pool.spawn_async(Priority::Low, move || tx.send(7).unwrap())).unwrap();
    assert_eq!(rx.recv().unwrap(), 7);
}

/// While one submission waits for room, the executor's only thread goes on
/// polling another future, which is what frees the room (it opens the gate
/// holding the worker). A submission that blocked the thread would never
/// let it run (the test would fail after the gate's backstop, or hang).
#[test]
fn waits_for_room_without_blocking_the_executor() {
    let (pool, gate) = gated_pool(2);
    fill(&pool);
    let log = Mutex::new(Vec::<&str>::new());
    let ran = counter();
    let waiter = async {
        let ran = ran.clone();
        let submitted = pool.submit_async(Priority::Normal, move || {
            ran.fetch_add(1, Ordering::SeqCst);
            "done"
        });
        let handle = submitted.await.unwrap();
        log.lock().unwrap().push("queued");
        assert_eq!(handle.await.unwrap(), "done");
        log.lock().unwrap().push("ran");
    };
    let other = async {
        for _ in 0..10 {
            log.lock().unwrap().push("other");
            yield_now().await;
        }
        log.lock().unwrap().push("open");
        gate.open();
    };
    run_local(vec![Box::pin(waiter), Box::pin(other)]);
    assert_eq!(load(&ran), 1);
    let log = log.into_inner().unwrap();
    let at = |what| log.iter().position(|&e| e == what).unwrap();
    assert_eq!(log.iter().filter(|&&e| e == "other").count(), 10);
    assert!(at("open") < at("queued"), "{log:?}");
    assert!(at("queued") < at("ran"), "{log:?}");
}

/// The wake-up comes once three quarters of the queue are free (as a
/// blocking submit's), not per job: with a queue of 8 (threshold 6) of jobs
/// that each wait for a token, five pops leave the future asleep, the sixth
/// wakes it. (No job pays for a check of its own.)
#[test]
fn woken_once_three_quarters_are_free_not_per_job() {
    const CAPACITY: usize = 8;
    let (pool, gate) = gated_pool(CAPACITY);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let rx = Arc::new(Mutex::new(rx));
    let entered = counter();
    for _ in 0..CAPACITY {
        let (rx, entered) = (rx.clone(), entered.clone());
        pool.try_spawn(Priority::Normal, move || {
            entered.fetch_add(1, Ordering::SeqCst);
            rx.lock().unwrap().recv().unwrap();
        })
        .unwrap();
    }
    let mut fut = pool.spawn_async(Priority::Normal, || ());
    let (flag, waker) = flag_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
    gate.open();
    let wait_entered = |n: usize| {
        let start = Instant::now();
        while load(&entered) < n {
            assert!(start.elapsed() < DEADLINE, "stalled at {}", load(&entered));
            thread::yield_now();
        }
    };
    // k tokens let k jobs finish: k + 1 popped (the last one waits).
    for popped in 1..CAPACITY - CAPACITY / 4 {
        wait_entered(popped);
        thread::sleep(Duration::from_millis(5));
        assert!(!flag.0.load(Ordering::SeqCst), "woken after {popped} pops");
        tx.send(()).unwrap();
    }
    // The sixth pop frees the threshold: its consumer woke us before the
    // job began.
    wait_entered(CAPACITY - CAPACITY / 4);
    assert!(flag.0.load(Ordering::SeqCst));
    assert!(Pin::new(&mut fut).poll(&mut cx).is_ready());
    for _ in 0..CAPACITY + 1 {
        let _ = tx.send(());
    }
    pool.wait_idle().unwrap();
}

/// Submitting in a loop into a two-slot queue: each submission waits for
/// the jobs before it, every job runs once, in order (one worker).
#[test]
fn a_loop_of_submissions_through_a_tiny_queue() {
    let pool = Pool::builder()
        .workers(1)
        .max_temp_workers(0)
        .capacity(2)
        .build()
        .unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let handles = block_on(async {
        let mut handles = Vec::new();
        for i in 0..500u32 {
            let order = order.clone();
            let job = move || {
                order.lock().unwrap().push(i);
                i
            };
            handles.push(pool.submit_async(Priority::Low, job).await.unwrap());
        }
        handles
    });
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(block_on(handle).unwrap() as usize, i);
    }
    assert_eq!(*order.lock().unwrap(), (0..500).collect::<Vec<_>>());
}

/// A pending future that is dropped drops its closure, which never runs.
#[test]
fn dropping_a_pending_future_drops_the_closure_unrun() {
    let (pool, gate) = gated_pool(2);
    fill(&pool);
    let (ran, dropped) = (counter(), counter());
    let (flag, waker) = flag_waker();
    let mut cx = Context::from_waker(&waker);
    {
        let (ran, guard) = (ran.clone(), DropCounter(dropped.clone()));
        let mut fut = pool.submit_async(Priority::Normal, move || {
            let _guard = guard;
            ran.fetch_add(1, Ordering::SeqCst);
        });
        assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
        assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
        assert_eq!(load(&dropped), 0);
    }
    assert_eq!(load(&dropped), 1);
    // The same for spawn_async.
    {
        let (ran, guard) = (ran.clone(), DropCounter(dropped.clone()));
        let mut fut = pool.spawn_async(Priority::Normal, move || {
            let _guard = guard;
            ran.fetch_add(1, Ordering::SeqCst);
        });
        assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
    }
    assert_eq!(load(&dropped), 2);
    gate.open();
    pool.wait_idle().unwrap();
    assert_eq!(load(&ran), 0);
    assert_eq!(load(&dropped), 2);
    // The dropped futures' registrations are gone: a new one still works.
    drop(flag);
    let handle = block_on(pool.submit_async(Priority::Normal, || 1)).unwrap();
    assert_eq!(handle.join().unwrap(), 1);
}

/// A future that never got polled queues nothing and drops its closure.
#[test]
fn an_unpolled_future_queues_nothing() {
    let pool = Pool::builder().workers(1).build().unwrap();
    let (ran, dropped) = (counter(), counter());
    let guard = DropCounter(dropped.clone());
    let ran2 = ran.clone();
    let fut = pool.submit_async(Priority::High, move || {
        let _guard = guard;
        ran2.fetch_add(1, Ordering::SeqCst);
    });
    drop(fut);
    pool.wait_idle().unwrap();
    assert_eq!((load(&ran), load(&dropped)), (0, 1));
    assert_eq!(pool.stats().submitted(), 0);
}

/// A shutdown while a future waits for room wakes it, and it resolves to
/// `Closed` with the closure.
#[test]
fn shutdown_while_pending_gives_the_closure_back() {
    let (pool, gate) = gated_pool(2);
    fill(&pool);
    let ran = counter();
    let (flag, waker) = flag_waker();
    let mut cx = Context::from_waker(&waker);
    let ran2 = ran.clone();
    let mut fut = pool.submit_async(Priority::Normal, move || {
        ran2.fetch_add(1, Ordering::SeqCst);
        5
    });
    let ran3 = ran.clone();
    let mut spawned = pool.spawn_async(Priority::Normal, move || {
        ran3.fetch_add(1, Ordering::SeqCst);
    });
    assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
    assert!(Pin::new(&mut spawned).poll(&mut cx).is_pending());
    assert!(!flag.0.load(Ordering::SeqCst));

    // The worker stays held: the deadline passes, the queue is discarded.
    let report = pool.shutdown_timeout(Duration::from_millis(20)).unwrap();
    assert!(report.timed_out);
    assert!(flag.0.load(Ordering::SeqCst), "the shutdown woke no waiter");
    let job = match Pin::new(&mut fut).poll(&mut cx) {
        Poll::Ready(Err(SpawnError::Closed(job))) => job,
        other => panic!("expected Closed, got {:?}", other.map(|r| r.is_ok())),
    };
    match Pin::new(&mut spawned).poll(&mut cx) {
        Poll::Ready(Err(err)) => {
            assert_eq!(err.error(), Error::Closed);
            err.into_inner()();
        }
        other => panic!("expected Closed, got {:?}", other.map(|r| r.is_ok())),
    }
    assert_eq!(load(&ran), 1); // ours, not the pool's
    assert_eq!(job(), 5);
    assert_eq!(load(&ran), 2);
    gate.open();
}

/// The same with a real wake-up: a thread blocked on the future returns
/// `Closed` once another thread shuts the pool down.
#[test]
fn shutdown_wakes_a_blocked_waiter() {
    let (pool, gate) = gated_pool(2);
    fill(&pool);
    let started = Arc::new(AtomicBool::new(false));
    let waiter = {
        let (pool, started) = (pool.clone(), started.clone());
        thread::spawn(move || {
            started.store(true, Ordering::SeqCst);
            let err = block_on(pool.submit_async(Priority::Normal, || 1)).unwrap_err();
            assert!(matches!(err, SpawnError::Closed(_)));
        })
    };
    common::wait_until("waiter started", || started.load(Ordering::SeqCst));
    thread::sleep(Duration::from_millis(20)); // most likely parked by now
    let report = pool.shutdown_timeout(Duration::from_millis(10)).unwrap();
    assert!(report.timed_out);
    waiter.join().unwrap();
    gate.open();
}

/// Counts the wakers alive: the pool must keep at most one per future.
struct Counted(Arc<AtomicUsize>);

impl Counted {
    fn waker(live: &Arc<AtomicUsize>) -> Waker {
        live.fetch_add(1, Ordering::SeqCst);
        Waker::from(Arc::new(Counted(live.clone())))
    }
}

impl Wake for Counted {
    fn wake(self: Arc<Self>) {}
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A future polled again and again while the queue stays full replaces its
/// registration instead of adding one: with a new waker each time, at most
/// one waker (the registered one) outlives each poll.
#[test]
fn polling_while_full_does_not_grow_the_registrations() {
    const POLLS: usize = 1_000_000;
    let (pool, gate) = gated_pool(2);
    fill(&pool);
    let live = Arc::new(AtomicUsize::new(0));
    let mut fut = pool.submit_async(Priority::Normal, || ());
    for i in 0..POLLS {
        let waker = Counted::waker(&live);
        let mut cx = Context::from_waker(&waker);
        assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
        drop(waker);
        if i % 1024 == 0 {
            assert_eq!(load(&live), 1, "after poll {i}");
        }
    }
    // The same waker every time: the one registered before is dropped, and
    // the registered clone is one of ours (it counts once: a clone of a
    // waker made from an `Arc` shares it).
    let waker = Counted::waker(&live);
    let mut cx = Context::from_waker(&waker);
    for _ in 0..1000 {
        assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
        assert_eq!(load(&live), 1);
    }
    // Many futures at once, each polled, then all dropped: nothing stays.
    let mut many: Vec<_> = (0..100)
        .map(|_| pool.submit_async(Priority::Normal, || ()))
        .collect();
    for f in &mut many {
        assert!(Pin::new(f).poll(&mut cx).is_pending());
    }
    drop(many);
    drop(fut);
    drop(waker);
    assert_eq!(load(&live), 0);
    gate.open();
    pool.wait_idle().unwrap();
}

/// Many async submitters, on several threads each with its own
/// single-threaded executor, through capacity-2 queues: every job is
/// accepted once and runs once.
#[test]
fn many_async_submitters_through_tiny_queues() {
    const THREADS: usize = 4;
    const TASKS: usize = 8;
    const JOBS: usize = if cfg!(debug_assertions) { 150 } else { 1000 };
    let pool = Pool::builder()
        .workers(2)
        .max_temp_workers(1)
        .capacity(2)
        .build()
        .unwrap();
    let runs: Arc<Vec<AtomicU8>> = Arc::new(
        (0..THREADS * TASKS * JOBS)
            .map(|_| AtomicU8::new(0))
            .collect(),
    );
    let results = counter();
    thread::scope(|s| {
        for t in 0..THREADS {
            let (pool, runs, results) = (&pool, &runs, &results);
            s.spawn(move || {
                let tasks: Vec<LocalFuture<'_>> = (0..TASKS)
                    .map(|k| {
                        let fut = async move {
                            for j in 0..JOBS {
                                let id = (t * TASKS + k) * JOBS + j;
                                let prio = Priority::ALL[id % 3];
                                let runs = runs.clone();
                                let job = move || {
                                    runs[id].fetch_add(1, Ordering::SeqCst);
                                };
                                if j % 2 == 0 {
                                    pool.spawn_async(prio, job).await.unwrap();
                                } else {
                                    let handle = pool.submit_async(prio, job).await.unwrap();
                                    if j % 8 == 1 {
                                        handle.await.unwrap();
                                        results.fetch_add(1, Ordering::SeqCst);
                                    }
                                }
                            }
                        };
                        Box::pin(fut) as LocalFuture<'_>
                    })
                    .collect();
                run_local(tasks);
            });
        }
    });
    pool.wait_idle().unwrap();
    let counts: Vec<u8> = runs.iter().map(|r| r.load(Ordering::SeqCst)).collect();
    let wrong: Vec<usize> = (0..counts.len()).filter(|&i| counts[i] != 1).collect();
    assert!(wrong.is_empty(), "jobs not run exactly once: {wrong:?}");
    assert_eq!(load(&results), THREADS * TASKS * JOBS.div_ceil(8));
    assert_eq!(pool.stats().completed(), (THREADS * TASKS * JOBS) as u64);
}

/// The futures are Send (an executor may move them between threads) and
/// Unpin whatever the closure is.
#[test]
fn the_futures_are_send_and_unpin() {
    fn send_unpin<F: Future + Send + Unpin>(_: &F) {}
    let pool = Pool::new().unwrap();
    let pinned = std::marker::PhantomPinned;
    let fut = pool.submit_async(Priority::Normal, move || {
        std::hint::black_box(&pinned);
    });
    send_unpin(&fut);
    let fut2 = pool.spawn_async(Priority::Normal, || ());
    send_unpin(&fut2);
    assert!(format!("{fut:?}").starts_with("SubmitAsync"));
}
