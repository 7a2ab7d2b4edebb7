//! `submit` and its `JoinHandle`: values, panics, `is_finished`, the handle
//! as a `Future`, detaching, joins from inside the pool, and the closures
//! that failed `try_submit` / `submit_timeout` give back.

mod common;

use std::future::Future;
use std::panic::panic_any;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use common::{
    block_on, counter, gated_pool, load, wait_until, DropCounter, FlagWaker, Gate, LeakOnPanic,
    DEADLINE,
};
use wpool::{JoinHandle, Pool, Priority, SpawnError, SpawnTimeoutError, TrySpawnError};

#[test]
fn join_gives_the_value() {
    let pool = Pool::builder().workers(2).build().unwrap();
    let handles: Vec<JoinHandle<u64>> = (0..60u64)
        .map(|i| {
            pool.submit(Priority::ALL[i as usize % 3], move || i * i)
                .unwrap()
        })
        .collect();
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.join().unwrap(), (i * i) as u64);
    }
    let words = ["wor".to_string(), "ker".to_string()];
    let pad = [5u8; 100];
    let handle = pool
        .submit(Priority::High, move || {
            (
                words.concat(),
                pad.iter().map(|&b| u32::from(b)).sum::<u32>(),
            )
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), ("worker".to_string(), 500));
    // A value bigger than the job's storage comes back whole.
    let big = pool
        .submit(Priority::Low, || [42u64; 64])
        .unwrap()
        .join()
        .unwrap();
    assert!(big.iter().all(|&x| x == 42));
}

#[test]
fn a_panicking_job_gives_its_payload_to_the_handle_and_the_pool_goes_on() {
    let pool = Pool::builder().workers(1).build().unwrap();

    // A message formatted at run time: a String payload.
    let n = std::hint::black_box(7);
    let err = pool
        .submit(Priority::Normal, move || -> u32 { panic!("boom {n}") })
        .unwrap()
        .join()
        .unwrap_err();
    assert!(err.is_panic());
    assert!(!err.is_discarded());
    assert_eq!(err.panic_message(), Some("boom 7"));
    assert!(err.to_string().contains("boom 7"), "{err}");
    assert!(format!("{err:?}").contains("boom 7"), "{err:?}");
    let payload = err.into_panic();
    assert_eq!(*payload.downcast::<String>().unwrap(), "boom 7");

    let err = pool
        .submit(Priority::High, || -> u8 { panic!("static boom") })
        .unwrap()
        .join()
        .unwrap_err();
    assert_eq!(err.panic_message(), Some("static boom"));
    assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "static boom");

    let err = pool
        .submit(Priority::Low, || -> u8 { panic_any(42u32) })
        .unwrap()
        .join()
        .unwrap_err();
    assert!(err.is_panic());
    assert_eq!(err.panic_message(), None);
    let payload = err.try_into_panic().unwrap();
    assert_eq!(*payload.downcast::<u32>().unwrap(), 42);

    // The pool goes on, on the same (only) worker.
    for i in 0..10 {
        let prio = Priority::ALL[i % 3];
        assert_eq!(
            pool.submit(prio, move || i + 1).unwrap().join().unwrap(),
            i + 1
        );
    }
    pool.wait_idle().unwrap();
    let stats = pool.stats();
    assert_eq!(stats.completed(), 13);
    // A submitted job's panic goes to its handle, not to the fire-and-forget
    // panic count.
    assert_eq!(stats.panics, 0);
}

#[test]
fn is_finished_follows_the_job() {
    let (pool, gate) = gated_pool(16);
    let handle = pool.submit(Priority::Normal, || 5).unwrap();
    assert!(!handle.is_finished());
    assert!(format!("{handle:?}").contains("false"), "{handle:?}");
    gate.open();
    wait_until("the job to finish", || handle.is_finished());
    assert!(format!("{handle:?}").contains("true"), "{handle:?}");
    assert_eq!(handle.join().unwrap(), 5);
}

#[test]
fn a_join_handle_is_a_future_woken_by_the_pool() {
    let (pool, gate) = gated_pool(16);
    let mut handle = pool.submit(Priority::High, || 6 * 7).unwrap();
    let flag = Arc::new(FlagWaker(AtomicBool::new(false)));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut handle).poll(&mut cx).is_pending());
    assert!(!flag.0.load(Ordering::SeqCst));
    gate.open();
    wait_until("the waker to be called", || flag.0.load(Ordering::SeqCst));
    match Pin::new(&mut handle).poll(&mut cx) {
        Poll::Ready(Ok(42)) => {}
        other => panic!("expected Ready(Ok(42)), got {other:?}"),
    }

    // Awaited in an async block, by a minimal executor that polls again only
    // when woken.
    let gate = Gate::new();
    pool.spawn(Priority::Low, gate.job()).unwrap();
    gate.wait_entered(1);
    let a = pool.submit(Priority::Normal, || 20).unwrap();
    let b = pool.submit(Priority::Low, || 22).unwrap();
    let opener = {
        let gate = gate.clone();
        thread::spawn(move || gate.open())
    };
    let sum = block_on(async { a.await.unwrap() + b.await.unwrap() });
    assert_eq!(sum, 42);
    opener.join().unwrap();

    // Panics come through `.await` too.
    let err = block_on(
        pool.submit(Priority::Normal, || -> u8 { panic!("async boom") })
            .unwrap(),
    )
    .unwrap_err();
    assert_eq!(err.panic_message(), Some("async boom"));
}

#[test]
fn dropping_a_handle_detaches_the_job() {
    let (pool, gate) = gated_pool(16);
    let (tx, rx) = mpsc::channel();
    let drops = counter();
    let result_drops = drops.clone();
    let handle = pool
        .submit(Priority::Normal, move || {
            tx.send("ran").unwrap();
            DropCounter(result_drops)
        })
        .unwrap();
    drop(handle);
    gate.open();
    assert_eq!(rx.recv_timeout(DEADLINE), Ok("ran"));
    // The result nobody waits for is dropped by the pool's side.
    wait_until("the detached result to be dropped", || load(&drops) == 1);
    pool.wait_idle().unwrap();
    assert_eq!(pool.stats()[Priority::Normal].completed, 1);
}

/// Submits a job that submits a job ... `depth` levels, each joining the
/// next, and returns the depth reached.
fn nested(pool: Pool, depth: u32) -> u32 {
    if depth == 0 {
        return 0;
    }
    let inner = pool.clone();
    let prio = Priority::ALL[depth as usize % 3];
    let handle = pool.submit(prio, move || nested(inner, depth - 1)).unwrap();
    handle.join().unwrap() + 1
}

#[test]
fn a_job_joining_jobs_of_its_own_one_worker_pool_does_not_deadlock() {
    let pool = LeakOnPanic::one_worker();
    let (tx, rx) = mpsc::channel();
    {
        let inner = (*pool).clone();
        let tx = tx.clone();
        pool.spawn(Priority::Normal, move || tx.send(nested(inner, 6)).unwrap())
            .unwrap();
    }
    assert_eq!(
        rx.recv_timeout(DEADLINE)
            .expect("deadlock: a job joined a job queued behind itself"),
        6
    );

    // Fan out: a job submits several and joins them all; one of them is
    // itself nested.
    {
        let inner = (*pool).clone();
        pool.spawn(Priority::High, move || {
            let mut handles: Vec<JoinHandle<u32>> = (0..8u32)
                .map(|i| inner.submit(Priority::Low, move || i * 2).unwrap())
                .collect();
            let deeper = inner.clone();
            handles.push(
                inner
                    .submit(Priority::Normal, move || nested(deeper, 3))
                    .unwrap(),
            );
            tx.send(handles.into_iter().map(|h| h.join().unwrap()).sum::<u32>())
                .unwrap();
        })
        .unwrap();
    }
    assert_eq!(
        rx.recv_timeout(DEADLINE)
            .expect("deadlock: a job joined jobs queued behind itself"),
        56 + 3
    );
}

#[test]
fn try_submit_and_submit_timeout_give_the_closure_back() {
    let (pool, gate) = gated_pool(2);
    let queued: Vec<JoinHandle<u32>> = (0..2)
        .map(|i| pool.try_submit(Priority::Low, move || i).unwrap())
        .collect();
    let (tx, rx) = mpsc::channel::<&'static str>();

    let t = tx.clone();
    let err = pool
        .try_submit(Priority::Low, move || {
            t.send("try_submit").unwrap();
            10
        })
        .unwrap_err();
    assert!(matches!(err, TrySpawnError::Full(_)), "{err:?}");
    assert!(rx.try_recv().is_err());
    assert_eq!(err.into_inner()(), 10);
    assert_eq!(rx.try_recv(), Ok("try_submit"));

    for timeout in [Duration::ZERO, Duration::from_millis(10)] {
        let t = tx.clone();
        let err = pool
            .submit_timeout(
                Priority::Low,
                move || {
                    t.send("submit_timeout").unwrap();
                    20
                },
                timeout,
            )
            .unwrap_err();
        assert!(
            matches!(err, SpawnTimeoutError::Timeout(_)),
            "{timeout:?}: {err:?}"
        );
        assert!(rx.try_recv().is_err());
        assert_eq!(err.into_inner()(), 20);
        assert_eq!(rx.try_recv(), Ok("submit_timeout"));
    }

    // Another level has room.
    let normal = pool
        .submit_timeout(Priority::Normal, || 30, Duration::from_millis(10))
        .unwrap();
    let high = pool.try_submit(Priority::High, || 40).unwrap();

    gate.open();
    assert_eq!(normal.join().unwrap(), 30);
    assert_eq!(high.join().unwrap(), 40);
    let values: Vec<u32> = queued.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(values, [0, 1]);

    pool.shutdown().unwrap();
    let t = tx.clone();
    let err = pool
        .try_submit(Priority::High, move || {
            t.send("closed").unwrap();
            1
        })
        .unwrap_err();
    assert!(matches!(err, TrySpawnError::Closed(_)), "{err:?}");
    assert_eq!(err.into_inner()(), 1);
    let t = tx.clone();
    let err = pool
        .submit_timeout(
            Priority::Normal,
            move || {
                t.send("closed").unwrap();
                2
            },
            Duration::from_millis(10),
        )
        .unwrap_err();
    assert!(matches!(err, SpawnTimeoutError::Closed(_)), "{err:?}");
    assert_eq!(err.into_inner()(), 2);
    let t = tx.clone();
    let err = pool
        .submit(Priority::Low, move || {
            t.send("closed").unwrap();
            3
        })
        .unwrap_err();
    assert!(matches!(err, SpawnError::Closed(_)));
    assert_eq!(err.into_inner()(), 3);
    drop(tx);
    assert_eq!(rx.iter().count(), 3);
}
