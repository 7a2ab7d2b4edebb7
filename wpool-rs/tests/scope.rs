//! Scoped jobs: borrowing from the stack, waiting for every job even when
//! the body or a job panics, scoped handles, nesting inside a job, and a
//! scope whose pool is shut down with a deadline.

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::{gated_pool, payload_str, Gate, LeakOnPanic, DEADLINE};
use wpool::{Pool, Priority, SpawnError, SpawnTimeoutError, TrySpawnError};

/// Counts its drops in a borrowed counter (a scoped job may own it).
struct BorrowedDropCounter<'a>(&'a AtomicUsize);

impl Drop for BorrowedDropCounter<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Some work that takes a moment, so that a scope that did not wait would
/// be caught with jobs unfinished.
fn busy_work(n: u64) -> u64 {
    let mut x = n;
    for _ in 0..20_000 {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
    x
}

#[test]
fn scoped_jobs_write_disjoint_chunks_of_a_stack_slice() {
    let pool = Pool::builder().workers(2).build().unwrap();
    let input: Vec<u64> = (0..10_000).collect();
    let mut output = vec![0u64; 10_000];
    let chunks_done = AtomicUsize::new(0);
    pool.scope(|s| {
        for (n, (out, inp)) in output.chunks_mut(1000).zip(input.chunks(1000)).enumerate() {
            let chunks_done = &chunks_done;
            s.spawn(Priority::ALL[n % 3], move || {
                for (o, i) in out.iter_mut().zip(inp) {
                    *o = i * 2 + 1;
                }
                chunks_done.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
    });
    assert_eq!(chunks_done.into_inner(), 10);
    assert!(output.iter().zip(&input).all(|(&o, &i)| o == i * 2 + 1));
}

#[test]
fn a_scope_returns_its_bodys_value_and_scoped_handles_join() {
    let pool = Pool::builder().workers(2).build().unwrap();
    let words = ["alpha", "beta", "gamma"];
    let text = String::from("borrowed");
    let (total, joined) = pool.scope(|s| {
        let handles: Vec<_> = words
            .iter()
            .map(|w| s.submit(Priority::Normal, move || w.len()).unwrap())
            .collect();
        let borrowed = s.submit(Priority::High, || text.as_str()).unwrap();
        let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        (total, borrowed.join().unwrap())
    });
    assert_eq!(total, 14);
    assert_eq!(joined, "borrowed");

    // A scoped job's panic goes to its handle, and the scope goes on.
    let value = pool.scope(|s| {
        let bad = s
            .submit(Priority::Low, || -> u32 { panic!("scoped boom") })
            .unwrap();
        let good = s.submit(Priority::Low, || 5u32).unwrap();
        let err = bad.join().unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.panic_message(), Some("scoped boom"));
        good.join().unwrap()
    });
    assert_eq!(value, 5);
}

#[test]
fn a_scope_waits_for_its_jobs_even_when_the_body_panics() {
    let pool = Pool::builder()
        .workers(2)
        .max_temp_workers(0)
        .build()
        .unwrap();
    let gate = Gate::new();
    let finished = AtomicUsize::new(0);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| {
            for i in 0..8u64 {
                let gate = &gate;
                let finished = &finished;
                s.spawn(Priority::Normal, move || {
                    gate.pass();
                    busy_work(i);
                    finished.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
            }
            // The jobs are held until the body panics.
            gate.open();
            panic!("the body fails");
        })
    }));
    let payload = result.unwrap_err();
    assert_eq!(payload_str(&*payload).as_deref(), Some("the body fails"));
    assert_eq!(
        finished.load(Ordering::SeqCst),
        8,
        "the scope returned before its jobs finished"
    );
}

#[test]
fn a_panicking_scoped_job_is_reraised_after_every_other_job_finished() {
    let pool = Pool::builder().workers(2).build().unwrap();
    let gate = Gate::new();
    let finished = AtomicUsize::new(0);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| {
            let gate = &gate;
            let finished = &finished;
            s.spawn(Priority::High, move || {
                // Lets the others go once it is about to panic.
                gate.open();
                panic!("a scoped job fails");
            })
            .unwrap();
            for i in 0..8u64 {
                s.spawn(Priority::Low, move || {
                    gate.pass();
                    busy_work(i);
                    finished.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
            }
            "the body's value"
        })
    }));
    let payload = result.unwrap_err();
    assert_eq!(
        payload_str(&*payload).as_deref(),
        Some("a scoped job fails")
    );
    assert_eq!(
        finished.load(Ordering::SeqCst),
        8,
        "the scope re-raised before its other jobs finished"
    );
    // A scoped job's panic is the scope's, not the pool's fire-and-forget
    // count.
    assert_eq!(pool.stats().panics, 0);
    // The pool goes on.
    assert_eq!(
        pool.scope(|s| s.submit(Priority::Normal, || 1).unwrap().join().unwrap()),
        1
    );
}

/// A job that opens a scope on its own pool, whose jobs open scopes too.
fn nested_scopes(pool: &Pool, depth: u32) -> u64 {
    let mut parts = [0u64; 3];
    pool.scope(|s| {
        for (i, part) in parts.iter_mut().enumerate() {
            s.spawn(Priority::ALL[i], move || {
                *part = if depth == 0 {
                    1
                } else {
                    nested_scopes(s.pool(), depth - 1)
                };
            })
            .unwrap();
        }
    });
    parts.iter().sum()
}

#[test]
fn a_scope_inside_a_job_of_a_one_worker_pool_does_not_deadlock() {
    let pool = LeakOnPanic::one_worker();
    let (tx, rx) = mpsc::channel();
    let inner = (*pool).clone();
    pool.spawn(Priority::Normal, move || {
        tx.send(nested_scopes(&inner, 3)).unwrap();
    })
    .unwrap();
    assert_eq!(
        rx.recv_timeout(DEADLINE)
            .expect("deadlock: a scope inside a job waited for jobs queued behind it"),
        81
    );
}

#[test]
fn scoped_submissions_give_the_closure_back_when_refused() {
    let pool = Pool::builder()
        .workers(1)
        .max_temp_workers(0)
        .capacity(2)
        .build()
        .unwrap();
    let gate = Gate::new();
    pool.spawn(Priority::Low, gate.job()).unwrap();
    gate.wait_entered(1);
    let ran = AtomicUsize::new(0);
    let called_here = AtomicUsize::new(0);
    pool.scope(|s| {
        for _ in 0..2 {
            s.try_spawn(Priority::Low, || {
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        let bump = || {
            called_here.fetch_add(1, Ordering::SeqCst);
        };
        match s.try_spawn(Priority::Low, bump) {
            Err(TrySpawnError::Full(f)) => f(),
            other => panic!("expected Full, got {other:?}"),
        }
        match s.spawn_timeout(Priority::Low, bump, Duration::from_millis(5)) {
            Err(SpawnTimeoutError::Timeout(f)) => f(),
            other => panic!("expected Timeout, got {other:?}"),
        }
        match s.spawn_timeout(Priority::Low, bump, Duration::ZERO) {
            Err(SpawnTimeoutError::Timeout(f)) => f(),
            other => panic!("expected Timeout, got {other:?}"),
        }
        assert_eq!(ran.load(Ordering::SeqCst), 0);
        gate.open();
    });
    assert_eq!(ran.into_inner(), 2);
    assert_eq!(called_here.into_inner(), 3);

    pool.shutdown().unwrap();
    let called = AtomicUsize::new(0);
    pool.scope(|s| {
        let bump = || {
            called.fetch_add(1, Ordering::SeqCst);
        };
        match s.spawn(Priority::High, bump) {
            Err(SpawnError::Closed(f)) => f(),
            Ok(()) => panic!("a closed pool accepted a scoped job"),
        }
        match s.submit(Priority::High, || 1) {
            Err(SpawnError::Closed(f)) => assert_eq!(f(), 1),
            Ok(_) => panic!("a closed pool accepted a scoped job"),
        }
        assert!(matches!(
            s.try_spawn(Priority::Normal, bump),
            Err(TrySpawnError::Closed(_))
        ));
    });
    assert_eq!(called.into_inner(), 1);
}

#[test]
fn a_scope_on_a_pool_shut_down_with_a_deadline_returns_once_its_jobs_are_discarded() {
    let (pool, gate) = gated_pool(0);

    let ran = AtomicUsize::new(0);
    let drops = AtomicUsize::new(0);
    let mut slots = [0u64; 6];
    let report = pool.scope(|s| {
        let mut handles = Vec::new();
        for (i, slot) in slots.iter_mut().enumerate() {
            let owned = BorrowedDropCounter(&drops);
            let ran = &ran;
            if i % 2 == 0 {
                s.spawn(Priority::ALL[i % 3], move || {
                    let _owned = owned;
                    *slot = 1;
                    ran.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
            } else {
                handles.push(
                    s.submit(Priority::ALL[i % 3], move || {
                        let _owned = owned;
                        *slot = 1;
                        ran.fetch_add(1, Ordering::SeqCst);
                        i
                    })
                    .unwrap(),
                );
            }
        }
        // The worker is held: the shutdown (on another thread) gives up
        // after 10 ms and discards the scope's queued jobs.
        let pool = s.pool().clone();
        let report = thread::spawn(move || pool.shutdown_timeout(Duration::from_millis(10)))
            .join()
            .unwrap()
            .unwrap();
        for handle in handles {
            assert!(handle.join().unwrap_err().is_discarded());
        }
        report
    });
    // The scope returned: every job of it was discarded, its closure dropped.
    assert!(report.timed_out);
    assert_eq!(report.discarded(), 6);
    assert_eq!(ran.into_inner(), 0);
    assert_eq!(drops.into_inner(), 6);
    assert_eq!(slots, [0; 6]);
    gate.open();
    pool.shutdown().unwrap();
}
