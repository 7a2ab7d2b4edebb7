//! Fire-and-forget submission (`spawn`, `try_spawn`, `spawn_timeout`), the
//! closures that failed submissions give back, the error codes, and the
//! builder's validation.

mod common;

use std::collections::HashSet;
use std::mem::{size_of, size_of_val};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::{counter, gated_pool, load, wait_until, DropCounter, DEADLINE};
use wpool::{Builder, Error, Pool, Priority, SpawnError, SpawnTimeoutError, TrySpawnError};

const PTR: usize = size_of::<usize>();

/// Fills the Low queue of a gated pool; the jobs count their runs in `ran`.
fn fill_low(pool: &Pool, ran: &Arc<std::sync::atomic::AtomicUsize>) {
    let capacity = pool.stats()[Priority::Low].capacity;
    for _ in 0..capacity {
        let ran = ran.clone();
        pool.try_spawn(Priority::Low, move || {
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .expect("room in the Low queue");
    }
    assert_eq!(pool.stats()[Priority::Low].queued, capacity);
}

#[test]
fn spawned_jobs_run_at_every_priority_inline_block_and_boxed() {
    let pool = Pool::builder().workers(2).build().unwrap();
    let ran = [counter(), counter(), counter()];
    let (tx, rx) = mpsc::channel::<(usize, [u64; 10])>();
    let mut sizes = HashSet::new();
    for i in 0..600usize {
        let prio = Priority::ALL[i % 3];
        let ran = ran[prio.index()].clone();
        match i % 3 {
            0 => {
                // Captures one Arc: stored in the task's pointer.
                let job = move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                };
                assert!(size_of_val(&job) <= PTR);
                sizes.insert("inline");
                pool.spawn(prio, job).unwrap();
            }
            1 => {
                // A few words: bigger than a pointer, smaller than 64 bytes.
                let words = [i as u64, !(i as u64)];
                let job = move || {
                    assert_eq!(words[0], !words[1], "a job's captures were corrupted");
                    ran.fetch_add(1, Ordering::SeqCst);
                };
                assert!(size_of_val(&job) > PTR && size_of_val(&job) <= 64);
                sizes.insert("medium");
                pool.spawn(prio, job).unwrap();
            }
            _ => {
                // Well over 64 bytes: boxed.
                let tx = tx.clone();
                let payload = [i as u64; 10];
                let job = move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                    tx.send((i, payload)).unwrap();
                };
                assert!(size_of_val(&job) > 64);
                sizes.insert("big");
                pool.spawn(prio, job).unwrap();
            }
        }
    }
    assert_eq!(sizes.len(), 3);
    drop(tx);
    pool.wait_idle().unwrap();
    let mut big: Vec<usize> = rx
        .iter()
        .map(|(i, payload)| {
            assert!(payload.iter().all(|&x| x == i as u64));
            i
        })
        .collect();
    big.sort_unstable();
    assert_eq!(big, (2..600).step_by(3).collect::<Vec<_>>());
    let stats = pool.stats();
    for prio in Priority::ALL {
        assert_eq!(load(&ran[prio.index()]), 200, "{prio:?}");
        assert_eq!(stats[prio].submitted, 200, "{prio:?}");
        assert_eq!(stats[prio].completed, 200, "{prio:?}");
        assert_eq!(stats[prio].rejected, 0, "{prio:?}");
        assert_eq!(stats[prio].queued, 0, "{prio:?}");
    }
    assert_eq!(stats.panics, 0);
}

#[test]
fn try_spawn_on_a_full_queue_gives_the_very_closure_back() {
    let (pool, gate) = gated_pool(2);
    assert_eq!(pool.stats()[Priority::Low].capacity, 2);
    let ran = counter();
    fill_low(&pool, &ran);

    let drops = counter();
    let (tx, rx) = mpsc::channel::<&'static str>();

    // A small closure (one Arc: stored inline) owning a drop counter.
    let owned = Arc::new((tx.clone(), DropCounter(drops.clone())));
    // (It moves `owned` out: calling it consumes it, as the pool would.)
    let small = move || {
        let owned = owned;
        owned.0.send("small").unwrap();
    };
    assert!(size_of_val(&small) <= PTR);
    let err = pool.try_spawn(Priority::Low, small).unwrap_err();
    assert!(matches!(err, TrySpawnError::Full(_)), "{err:?}");
    assert_eq!(err.error(), Error::Full);
    assert_eq!(format!("{err:?}"), "Full(..)");
    assert!(!err.to_string().is_empty());
    let small = err.into_inner();
    assert_eq!(load(&drops), 0, "the pool dropped a closure it refused");
    assert!(rx.try_recv().is_err(), "the pool ran a closure it refused");
    small();
    assert_eq!(rx.try_recv(), Ok("small"));
    assert_eq!(load(&drops), 1);

    // A medium one (in a recycled block when accepted).
    let dc = DropCounter(drops.clone());
    let t = tx.clone();
    let words = [3u64, 5];
    let medium = move || {
        let _dc = dc;
        t.send(if words == [3, 5] { "medium" } else { "corrupt" })
            .unwrap();
    };
    assert!(size_of_val(&medium) > PTR && size_of_val(&medium) <= 64);
    let medium = match pool.try_spawn(Priority::Low, medium) {
        Err(TrySpawnError::Full(f)) => f,
        other => panic!("expected Full, got {other:?}"),
    };
    assert_eq!(load(&drops), 1);
    medium();
    assert_eq!(rx.try_recv(), Ok("medium"));
    assert_eq!(load(&drops), 2);

    // A big one (boxed when accepted).
    let dc = DropCounter(drops.clone());
    let t = tx.clone();
    let payload = [7u64; 12];
    let big = move || {
        let _dc = dc;
        t.send(if payload.iter().sum::<u64>() == 84 {
            "big"
        } else {
            "corrupt"
        })
        .unwrap();
    };
    assert!(size_of_val(&big) > 64);
    let big = pool.try_spawn(Priority::Low, big).unwrap_err().into_inner();
    assert_eq!(load(&drops), 2);
    big();
    assert_eq!(rx.try_recv(), Ok("big"));
    assert_eq!(load(&drops), 3);

    // A refused closure that is dropped drops what it owns, once.
    let dc = DropCounter(drops.clone());
    drop(pool.try_spawn(Priority::Low, move || drop(dc)).unwrap_err());
    assert_eq!(load(&drops), 4);

    // The queues are per priority: High still has room.
    let t = tx.clone();
    pool.try_spawn(Priority::High, move || t.send("high").unwrap())
        .unwrap();

    let stats = pool.stats();
    assert_eq!(stats[Priority::Low].rejected, 4);
    assert_eq!(stats[Priority::Low].submitted, 3); // the gate job and two
    assert_eq!(load(&ran), 0);

    gate.open();
    pool.wait_idle().unwrap();
    assert_eq!(load(&ran), 2);
    assert_eq!(rx.try_recv(), Ok("high"));
    assert!(rx.try_recv().is_err());
    assert_eq!(load(&drops), 4);
}

#[test]
fn spawn_timeout_on_a_full_queue_times_out_and_gives_the_closure_back() {
    let (pool, gate) = gated_pool(2);
    let ran = counter();
    fill_low(&pool, &ran);
    let drops = counter();
    let (tx, rx) = mpsc::channel::<Duration>();

    for timeout in [Duration::ZERO, Duration::from_millis(10)] {
        // One small (inline) closure, one big (boxed) one per timeout.
        let owned = Arc::new((tx.clone(), DropCounter(drops.clone()), timeout));
        let small = move || {
            let owned = owned;
            owned.0.send(owned.2).unwrap();
        };
        assert!(size_of_val(&small) <= PTR);
        let err = pool
            .spawn_timeout(Priority::Low, small, timeout)
            .unwrap_err();
        assert!(matches!(err, SpawnTimeoutError::Timeout(_)), "{err:?}");
        assert_eq!(err.error(), Error::TimedOut);
        assert_eq!(
            Error::from(
                pool.spawn_timeout(Priority::Low, || (), timeout)
                    .unwrap_err()
            ),
            Error::TimedOut
        );
        let before = load(&drops);
        let small = err.into_inner();
        assert!(rx.try_recv().is_err());
        small();
        assert_eq!(rx.try_recv(), Ok(timeout));
        assert_eq!(load(&drops), before + 1);

        let dc = DropCounter(drops.clone());
        let t = tx.clone();
        let pad = [1u64; 12];
        let big = move || {
            let _dc = dc;
            assert_eq!(pad.iter().sum::<u64>(), 12);
            t.send(timeout).unwrap();
        };
        let big = match pool.spawn_timeout(Priority::Low, big, timeout) {
            Err(SpawnTimeoutError::Timeout(f)) => f,
            other => panic!("expected Timeout, got {other:?}"),
        };
        assert_eq!(load(&drops), before + 1);
        big();
        assert_eq!(rx.try_recv(), Ok(timeout));
        assert_eq!(load(&drops), before + 2);
    }

    // A level with room accepts, whatever the timeout.
    let t = tx.clone();
    pool.spawn_timeout(
        Priority::Normal,
        move || t.send(Duration::from_secs(1)).unwrap(),
        Duration::ZERO,
    )
    .unwrap();
    let t = tx.clone();
    pool.spawn_timeout(
        Priority::High,
        move || t.send(Duration::from_secs(2)).unwrap(),
        Duration::MAX,
    )
    .unwrap();

    // Every timed-out attempt counts as rejected (4 above, 2 anonymous).
    assert_eq!(pool.stats()[Priority::Low].rejected, 6);
    gate.open();
    pool.wait_idle().unwrap();
    assert_eq!(load(&ran), 2);
    let mut late: Vec<Duration> = rx.try_iter().collect();
    late.sort();
    assert_eq!(late, [Duration::from_secs(1), Duration::from_secs(2)]);
}

#[test]
fn every_submission_fails_with_closed_after_shutdown_and_gives_the_closure_back() {
    let pool = Pool::builder().workers(1).build().unwrap();
    let report = pool.shutdown().unwrap();
    assert!(!report.timed_out);
    assert!(pool.stats().closed);
    let (tx, rx) = mpsc::channel::<&'static str>();

    let t = tx.clone();
    let err = pool
        .spawn(Priority::High, move || t.send("spawn").unwrap())
        .unwrap_err();
    assert!(matches!(err, SpawnError::Closed(_)));
    assert_eq!(err.error(), Error::Closed);
    assert_eq!(format!("{err:?}"), "Closed(..)");
    assert!(!err.to_string().is_empty());
    err.into_inner()();

    let t = tx.clone();
    let err = pool
        .try_spawn(Priority::Normal, move || t.send("try_spawn").unwrap())
        .unwrap_err();
    assert!(matches!(err, TrySpawnError::Closed(_)), "{err:?}");
    assert_eq!(err.error(), Error::Closed);
    err.into_inner()();

    for timeout in [Duration::ZERO, Duration::from_millis(5), Duration::MAX] {
        let t = tx.clone();
        let err = pool
            .spawn_timeout(
                Priority::Low,
                move || t.send("spawn_timeout").unwrap(),
                timeout,
            )
            .unwrap_err();
        assert!(
            matches!(err, SpawnTimeoutError::Closed(_)),
            "{timeout:?}: {err:?}"
        );
        assert_eq!(err.error(), Error::Closed);
        err.into_inner()();
    }

    let t = tx.clone();
    let err = pool
        .submit(Priority::High, move || {
            t.send("submit").unwrap();
            1
        })
        .unwrap_err();
    assert!(matches!(err, SpawnError::Closed(_)));
    assert_eq!(err.into_inner()(), 1);

    let t = tx.clone();
    let err = pool
        .try_submit(Priority::Normal, move || {
            t.send("try_submit").unwrap();
            2
        })
        .unwrap_err();
    assert!(matches!(err, TrySpawnError::Closed(_)), "{err:?}");
    assert_eq!(err.into_inner()(), 2);

    let t = tx.clone();
    let err = pool
        .submit_timeout(
            Priority::Low,
            move || {
                t.send("submit_timeout").unwrap();
                3
            },
            Duration::from_millis(5),
        )
        .unwrap_err();
    assert!(matches!(err, SpawnTimeoutError::Closed(_)), "{err:?}");
    assert_eq!(err.into_inner()(), 3);

    drop(tx);
    let got: Vec<_> = rx.iter().collect();
    assert_eq!(
        got,
        [
            "spawn",
            "try_spawn",
            "spawn_timeout",
            "spawn_timeout",
            "spawn_timeout",
            "submit",
            "try_submit",
            "submit_timeout"
        ]
    );
    let stats = pool.stats();
    assert_eq!(stats.submitted(), 0);
    for prio in Priority::ALL {
        // A refusal because the pool is closed is not a "queue full" one.
        assert_eq!(stats[prio].rejected, 0, "{prio:?}");
    }
}

#[test]
fn a_blocked_spawn_proceeds_once_room_frees() {
    let (pool, gate) = gated_pool(2);
    let order = Arc::new(Mutex::new(Vec::new()));
    for i in 1..=2 {
        let order = order.clone();
        pool.try_spawn(Priority::Low, move || order.lock().unwrap().push(i))
            .unwrap();
    }
    let parks = pool.stats().parks;
    let returned = Arc::new(AtomicBool::new(false));
    let (done_tx, done_rx) = mpsc::channel();
    {
        let pool = pool.clone();
        let order = order.clone();
        let returned = returned.clone();
        thread::spawn(move || {
            let result = pool.spawn(Priority::Low, move || order.lock().unwrap().push(3));
            returned.store(true, Ordering::SeqCst);
            done_tx.send(result.is_ok()).unwrap();
        });
    }
    // The only worker is held by the gate, so the only thread that can park
    // now is the producer, waiting for room.
    wait_until("the producer parking for room", || {
        pool.stats().parks > parks
    });
    assert!(
        !returned.load(Ordering::SeqCst),
        "spawn returned while the queue was full"
    );
    assert_eq!(pool.stats()[Priority::Low].queued, 2);

    gate.open();
    assert_eq!(done_rx.recv_timeout(DEADLINE), Ok(true));
    pool.wait_idle().unwrap();
    assert_eq!(*order.lock().unwrap(), [1, 2, 3]);
    assert_eq!(pool.stats()[Priority::Low].rejected, 0);
}

#[test]
fn a_blocked_spawn_fails_with_closed_when_the_pool_shuts_down() {
    let (pool, gate) = gated_pool(2);
    let ran = counter();
    fill_low(&pool, &ran);
    let parks = pool.stats().parks;

    let (late_tx, late_rx) = mpsc::channel::<&'static str>();
    let (back_tx, back_rx) = mpsc::channel();
    {
        let pool = pool.clone();
        thread::spawn(move || {
            let job = move || late_tx.send("late").unwrap();
            let result = pool.spawn(Priority::Low, job);
            back_tx
                .send(result.map_err(SpawnError::into_inner))
                .unwrap();
        });
    }
    wait_until("the producer parking for room", || {
        pool.stats().parks > parks
    });

    // The shutdown waits for the gate job and the two queued jobs, but
    // refuses the waiting producer at once.
    let (report_tx, report_rx) = mpsc::channel();
    {
        let pool = pool.clone();
        thread::spawn(move || report_tx.send(pool.shutdown()).unwrap());
    }
    let job = match back_rx.recv_timeout(DEADLINE) {
        Ok(Err(job)) => job,
        Ok(Ok(())) => panic!("the waiting spawn was accepted by a pool shutting down"),
        Err(e) => panic!("the waiting spawn did not return: {e}"),
    };
    assert!(late_rx.try_recv().is_err());
    gate.open();
    let report = report_rx.recv_timeout(DEADLINE).unwrap().unwrap();
    assert!(!report.timed_out);
    assert_eq!(report.completed[Priority::Low.index()], 3);
    assert_eq!(report.discarded(), 0);
    assert_eq!(load(&ran), 2);
    assert!(
        late_rx.try_recv().is_err(),
        "the refused job ran in the pool"
    );
    job();
    assert_eq!(late_rx.try_recv(), Ok("late"));
}

#[test]
fn error_codes_map_both_ways() {
    assert_eq!(Error::from_code(0), None);
    let known = [
        (-1, Error::InvalidArgument),
        (-2, Error::OutOfMemory),
        (-3, Error::Full),
        (-4, Error::TimedOut),
        (-5, Error::Closed),
        (-6, Error::WouldDeadlock),
        (-7, Error::ThreadSpawn),
    ];
    let mut texts = HashSet::new();
    for (code, err) in known {
        assert_eq!(Error::from_code(code), Some(err), "{code}");
        assert_eq!(err.code(), code, "{err:?}");
        assert_eq!(Error::from_code(err.code()), Some(err));
        let text = err.to_string();
        assert!(!text.is_empty(), "{err:?}");
        assert!(texts.insert(text), "{err:?} shares its message");
    }
    for code in [-8, -100, 1, i32::MIN] {
        let err = Error::from_code(code).unwrap();
        assert_eq!(err, Error::Unknown(code));
        assert_eq!(err.code(), code);
        assert!(!err.to_string().is_empty());
    }
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(Error::Full);
    assert_eq!(boxed.to_string(), Error::Full.to_string());
    // The closure errors convert to their Error.
    assert_eq!(Error::from(TrySpawnError::Full(())), Error::Full);
    assert_eq!(Error::from(TrySpawnError::Closed(())), Error::Closed);
    assert_eq!(Error::from(SpawnTimeoutError::Timeout(())), Error::TimedOut);
    assert_eq!(Error::from(SpawnError::Closed(())), Error::Closed);
    // One wording per condition: a closure error says what its Error says.
    assert_eq!(
        SpawnError::Closed(()).to_string(),
        Error::Closed.to_string()
    );
    assert_eq!(
        TrySpawnError::Closed(()).to_string(),
        Error::Closed.to_string()
    );
    assert_eq!(TrySpawnError::Full(()).to_string(), Error::Full.to_string());
    assert_eq!(
        SpawnTimeoutError::Timeout(()).to_string(),
        Error::TimedOut.to_string()
    );
    assert_eq!(Error::Closed.to_string(), "the pool is shut down");
}

#[test]
fn a_batch_is_queued_in_order_and_a_closed_pool_gives_back_the_rest() {
    let (pool, gate) = gated_pool(0);
    let order = Arc::new(Mutex::new(Vec::new()));
    let jobs: Vec<_> = (0..50)
        .map(|i| {
            let order = order.clone();
            move || order.lock().unwrap().push(i)
        })
        .collect();
    pool.spawn_batch(Priority::Normal, jobs).unwrap();
    assert_eq!(pool.stats()[Priority::Normal].queued, 50);
    gate.open();
    pool.wait_idle().unwrap();
    assert_eq!(*order.lock().unwrap(), (0..50).collect::<Vec<_>>());
    pool.spawn_batch(Priority::Low, Vec::<fn()>::new()).unwrap();

    pool.shutdown().unwrap();
    let (tx, rx) = mpsc::channel();
    let jobs = (0..3).map(|i| {
        let tx = tx.clone();
        move || tx.send(i).unwrap()
    });
    let err = pool.spawn_batch(Priority::High, jobs).unwrap_err();
    assert_eq!(err.accepted(), 0);
    assert_eq!(err.error(), Error::Closed);
    assert_eq!(
        err.to_string(),
        "the pool is shut down (0 jobs queued, 3 not)"
    );
    for job in err.into_inner() {
        job();
    }
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
}

#[test]
fn the_builder_rejects_bad_input_naming_the_setting_its_value_and_the_limit() {
    let secs = Duration::from_secs(u64::MAX);
    let ms = secs.as_millis();
    #[rustfmt::skip]
    let cases: Vec<(Builder, &str, u128, u128, String)> = vec![
        (Pool::builder().workers(100_000), "workers", 100_000, 1024,
         "workers(100000): at most 1024".into()),
        (Pool::builder().max_temp_workers(5000), "max_temp_workers", 5000, 1024,
         "max_temp_workers(5000): at most 1024".into()),
        (Pool::builder().capacity(1 << 25), "capacity", 1 << 25, 1 << 24,
         "capacity(33554432): at most 16777216".into()),
        (Pool::builder().capacity_for(Priority::Low, 1 << 25), "capacity_for(Low)", 1 << 25, 1 << 24,
         "capacity_for(Low)(33554432): at most 16777216".into()),
        (Pool::builder().capacity(1usize << 40), "capacity", 1 << 40, 1 << 24,
         "capacity(1099511627776): at most 16777216".into()),
        (Pool::builder().thread_name("bad\0name"), "thread_name", 3, 0,
         "thread_name: a NUL byte at index 3".into()),
        (Pool::builder().temp_idle_timeout(secs), "temp_idle_timeout", ms, u32::MAX.into(),
         format!("temp_idle_timeout({ms} ms): at most 4294967295 ms")),
        (Pool::builder().starvation_bound(secs), "starvation_bound", ms, u32::MAX.into(),
         format!("starvation_bound({ms} ms): at most 4294967295 ms")),
        (Pool::builder().wait_sampling(3), "wait_sampling", 3, 1024,
         "wait_sampling(3): must be a power of two, at most 1024 (or 0: the default)".into()),
        (Pool::builder().wait_sampling(2048), "wait_sampling", 2048, 1024,
         "wait_sampling(2048): must be a power of two, at most 1024 (or 0: the default)".into()),
    ];
    for (builder, field, value, limit, text) in cases {
        let err = builder.build().unwrap_err();
        let Error::InvalidConfig(e) = err else {
            panic!("{field}: {err:?} is not InvalidConfig");
        };
        assert_eq!((e.field(), e.value(), e.limit()), (field, value, limit));
        assert_eq!(e.to_string(), text);
        assert_eq!(err.to_string(), format!("invalid configuration: {text}"));
        assert_eq!(err.code(), -1, "{field}: WPOOL_EINVAL");
    }
    // At the limits (but capacity, 2^24 slots would be 512 MiB): accepted.
    let pool = Pool::builder()
        .workers(1)
        .max_temp_workers(1024)
        .wait_sampling(1024)
        .temp_idle_timeout(Duration::from_millis(u32::MAX.into()))
        .starvation_bound(Duration::from_millis(u32::MAX.into()))
        .build()
        .unwrap();
    assert_eq!(pool.stats().max_temp_workers, 1024);
}

#[test]
fn the_builder_accepts_edge_values() {
    let pool = Pool::builder()
        .workers(1)
        .max_temp_workers(0)
        .capacity(1)
        .capacity_for(Priority::High, 3)
        .wait_sampling(1024)
        .temp_idle_timeout(Duration::ZERO)
        .starvation_bound(Duration::ZERO)
        .thread_name("")
        .build()
        .unwrap();
    let stats = pool.stats();
    assert_eq!(stats[Priority::High].capacity, 4);
    assert_eq!(stats[Priority::Normal].capacity, 2);
    assert_eq!(stats[Priority::Low].capacity, 2);
    assert_eq!(stats.workers, 1);
    assert_eq!(stats.max_temp_workers, 0);
    assert_eq!(pool.submit(Priority::Low, || 1).unwrap().join().unwrap(), 1);

    // workers(0): one per CPU; the defaults otherwise.
    let pool = Pool::builder().wait_sampling(1).build().unwrap();
    let stats = pool.stats();
    assert!(stats.workers >= 1);
    assert_eq!(stats.max_temp_workers, 4);
    for prio in Priority::ALL {
        assert_eq!(stats[prio].capacity, 4096);
    }
}
