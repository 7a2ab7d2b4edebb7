//! Priorities: strict High > Normal > Low order, FIFO within a level;
//! temporary workers for High work; thread hooks and names; the starvation
//! bound.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{gated_pool, os_thread_name, wait_until, Gate, LeakOnPanic, DEADLINE};
use wpool::{Pool, Priority, ThreadInfo};

#[test]
fn high_before_normal_before_low_and_fifo_within_each_level() {
    let (pool, gate) = gated_pool(0);

    let order = Arc::new(Mutex::new(Vec::new()));
    // Interleaved, lowest level first: arrival order alone would be wrong.
    for i in 0..20u32 {
        for prio in [Priority::Low, Priority::Normal, Priority::High] {
            let order = order.clone();
            if i % 2 == 0 {
                pool.spawn(prio, move || order.lock().unwrap().push((prio, i)))
                    .unwrap();
            } else {
                // A bigger closure (not stored inline) keeps its place too.
                let pad = [u64::from(i); 6];
                pool.spawn(prio, move || {
                    assert_eq!(pad[5], u64::from(i));
                    order.lock().unwrap().push((prio, i));
                })
                .unwrap();
            }
        }
    }
    assert_eq!(pool.stats().queued(), 60);
    gate.open();
    pool.wait_idle().unwrap();

    let expected: Vec<(Priority, u32)> = Priority::ALL
        .iter()
        .flat_map(|&prio| (0..20).map(move |i| (prio, i)))
        .collect();
    assert_eq!(*order.lock().unwrap(), expected);
}

#[test]
fn high_work_runs_on_a_temporary_worker_that_retires_when_idle() {
    let starts = Arc::new(Mutex::new(Vec::<ThreadInfo>::new()));
    let stops = Arc::new(Mutex::new(Vec::<ThreadInfo>::new()));
    let pool = {
        let starts = starts.clone();
        let stops = stops.clone();
        Pool::builder()
            .workers(1)
            .max_temp_workers(2)
            .temp_spares(0) // none kept: the one started here retires
            .temp_idle_timeout(Duration::from_millis(50))
            .thread_name("prio")
            .on_thread_start(move |info| starts.lock().unwrap().push(info))
            .on_thread_stop(move |info| stops.lock().unwrap().push(info))
            .build()
            .unwrap()
    };
    let gate = Gate::new();
    pool.spawn(Priority::Low, gate.job()).unwrap();
    gate.wait_entered(1);

    // The only regular worker is held: a High job still runs, on a
    // temporary worker.
    let (tx, rx) = mpsc::channel();
    pool.spawn(Priority::High, move || {
        tx.send((os_thread_name(), ThreadInfo::current())).unwrap();
    })
    .unwrap();
    let (name, info) = rx
        .recv_timeout(DEADLINE)
        .expect("a High job waited behind a busy worker: no temporary worker ran it");
    assert!(!gate.is_open());
    assert_eq!(name, "prio-t0");
    assert_eq!(
        info.map(|i| (i.index, i.temporary)),
        Some((0, true)),
        "{info:?}"
    );
    let stats = pool.stats();
    assert!(stats.temp_spawned >= 1, "{stats:?}");
    assert_eq!(stats.max_temp_workers, 2);
    assert!(starts
        .lock()
        .unwrap()
        .iter()
        .any(|i| i.temporary && i.index == 0));

    // Normal and Low work never goes to a temporary worker: it waits.
    let (ntx, nrx) = mpsc::channel();
    pool.spawn(Priority::Normal, move || ntx.send(()).unwrap())
        .unwrap();

    gate.open();
    nrx.recv_timeout(DEADLINE).unwrap();
    pool.wait_idle().unwrap();
    wait_until("the temporary worker to retire", || {
        let s = pool.stats();
        s.temp_workers == 0 && s.temp_retired >= 1
    });
    let stops = stops.lock().unwrap().clone();
    assert!(
        stops.iter().any(|i| i.temporary && i.index == 0),
        "{stops:?}"
    );
    assert!(
        stops.iter().all(|i| i.temporary),
        "a regular worker stopped: {stops:?}"
    );
    // The pool still serves High work after its temporary workers left.
    assert_eq!(
        pool.submit(Priority::High, || 9).unwrap().join().unwrap(),
        9
    );
}

#[test]
fn thread_hooks_run_once_per_worker_on_named_threads() {
    type Seen = Arc<Mutex<Vec<(ThreadInfo, String)>>>;
    let starts: Seen = Arc::default();
    let stops: Seen = Arc::default();
    let pool = {
        let starts = starts.clone();
        let stops = stops.clone();
        Pool::builder()
            .workers(3)
            .max_temp_workers(0)
            .thread_name("hooky")
            .on_thread_start(move |info| starts.lock().unwrap().push((info, os_thread_name())))
            .on_thread_stop(move |info| stops.lock().unwrap().push((info, os_thread_name())))
            .build()
            .unwrap()
    };
    // Jobs run on the named threads.
    let handles: Vec<_> = (0..30)
        .map(|_| pool.submit(Priority::Normal, os_thread_name).unwrap())
        .collect();
    for handle in handles {
        let name = handle.join().unwrap();
        assert!(
            ["hooky-0", "hooky-1", "hooky-2"].contains(&name.as_str()),
            "{name}"
        );
    }
    wait_until("every worker's start hook", || {
        starts.lock().unwrap().len() >= 3
    });
    assert!(stops.lock().unwrap().is_empty(), "a worker stopped early");

    drop(pool); // joins every thread: every stop hook has run

    let check = |seen: &Seen, what: &str| {
        let mut seen = seen.lock().unwrap().clone();
        seen.sort_by_key(|(info, _)| info.index);
        let expected: Vec<(usize, bool, String)> =
            (0..3).map(|i| (i, false, format!("hooky-{i}"))).collect();
        let got: Vec<(usize, bool, String)> = seen
            .into_iter()
            .map(|(info, name)| (info.index, info.temporary, name))
            .collect();
        assert_eq!(got, expected, "{what}");
    };
    check(&starts, "start hooks");
    check(&stops, "stop hooks");
}

#[test]
fn thread_names_use_at_most_ten_bytes_of_the_prefix() {
    let pool = Pool::builder()
        .workers(1)
        .thread_name("abcdefghijklmnop")
        .build()
        .unwrap();
    let name = pool
        .submit(Priority::Normal, os_thread_name)
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(name, "abcdefghij-0");

    let pool = Pool::builder().workers(1).build().unwrap();
    let name = pool
        .submit(Priority::Normal, os_thread_name)
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(name, "wpool-0");
}

/// A High job that queues its successor until it sees the Low job ran (or
/// the deadlock guard passes); reports how many High jobs ran.
fn high_link(
    pool: Pool,
    low_ran: Arc<AtomicBool>,
    n: usize,
    started: Instant,
    tx: mpsc::Sender<Result<usize, usize>>,
) {
    if low_ran.load(Ordering::SeqCst) {
        tx.send(Ok(n)).unwrap();
        return;
    }
    if started.elapsed() > DEADLINE {
        tx.send(Err(n)).unwrap();
        return;
    }
    let next = pool.clone();
    pool.spawn(Priority::High, move || {
        high_link(next, low_ran, n + 1, started, tx)
    })
    .unwrap();
}

#[test]
fn the_starvation_bound_lets_old_low_work_through_a_stream_of_high_work() {
    let pool = LeakOnPanic::new(
        Pool::builder()
            .workers(1)
            .max_temp_workers(0)
            .starvation_bound(Duration::from_millis(1))
            .build()
            .unwrap(),
    );
    let gate = Gate::new();
    pool.spawn(Priority::Normal, gate.job()).unwrap();
    gate.wait_entered(1);

    let low_ran = Arc::new(AtomicBool::new(false));
    {
        let low_ran = low_ran.clone();
        pool.spawn(Priority::Low, move || low_ran.store(true, Ordering::SeqCst))
            .unwrap();
    }
    // Each High job queues the next before it returns: the High queue is
    // never empty while the stream lasts. Strict priority would run the Low
    // job only after the stream.
    let (tx, rx) = mpsc::channel();
    {
        let next = (*pool).clone();
        let low_ran = low_ran.clone();
        pool.spawn(Priority::High, move || {
            high_link(next, low_ran, 1, Instant::now(), tx)
        })
        .unwrap();
    }
    gate.open();
    match rx.recv_timeout(DEADLINE + Duration::from_secs(10)) {
        Ok(Ok(highs)) => assert!(highs >= 1),
        Ok(Err(highs)) => panic!("the Low job did not run during a stream of {highs} High jobs"),
        Err(e) => panic!("the High stream never ended: {e}"),
    }
    pool.wait_idle().unwrap();
    assert!(low_ran.load(Ordering::SeqCst));
    let stats = pool.stats();
    assert!(stats.starvation_promotions >= 1, "{stats:?}");
}

/// The calling thread's nice value (Linux: field 19 of
/// /proc/thread-self/stat, after the parenthesized name).
#[cfg(target_os = "linux")]
fn thread_nice() -> i32 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    after_name.split(' ').nth(16).unwrap().parse().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn regular_workers_run_below_the_builder_thread_and_temporary_ones_do_not() {
    use wpool::OsPriority;
    let mine = thread_nice();
    let cases = [
        (None, 19),
        (Some(OsPriority::Lowest), 19),
        (Some(OsPriority::Below), (mine + 10).min(19)),
        (Some(OsPriority::Inherit), mine),
    ];
    for (level, want) in cases {
        let mut builder = Pool::builder().workers(1).max_temp_workers(1);
        if let Some(level) = level {
            builder = builder.worker_os_priority(level);
        }
        let pool = builder.build().unwrap();
        let regular = pool.submit(Priority::Low, thread_nice).unwrap();
        assert_eq!(regular.join().unwrap(), want, "{level:?}");
        // The only regular worker is held: High work runs on the spare,
        // at the builder thread's priority.
        let gate = Gate::new();
        pool.spawn(Priority::Low, gate.job()).unwrap();
        gate.wait_entered(1);
        let high = pool
            .submit(Priority::High, || (thread_nice(), ThreadInfo::current()))
            .unwrap();
        let (nice, info) = high.join().unwrap();
        assert_eq!(nice, mine, "{level:?}");
        assert!(info.unwrap().temporary);
        gate.open();
    }
}

#[test]
fn a_spare_temporary_worker_waits_parked_and_never_retires() {
    let pool = Pool::builder()
        .workers(1)
        .max_temp_workers(2)
        .temp_spares(1)
        .temp_idle_timeout(Duration::from_millis(1))
        .build()
        .unwrap();
    // Started by build(), before any High work.
    let stats = pool.stats();
    assert_eq!(
        (stats.temp_workers, stats.temp_spawned),
        (1, 1),
        "{stats:?}"
    );
    let gate = Gate::new();
    pool.spawn(Priority::Low, gate.job()).unwrap();
    gate.wait_entered(1);
    // The spare runs the High job; its replacement starts in the background
    // (while the job holds the spare: a job that ended first would leave the
    // spare idle again, and no replacement would be needed).
    let release = Arc::new(AtomicBool::new(false));
    let held = release.clone();
    let handle = pool
        .submit(Priority::High, move || {
            while !held.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
            ThreadInfo::current()
        })
        .unwrap();
    wait_until("the spare's replacement", || pool.stats().temp_spawned == 2);
    release.store(true, Ordering::SeqCst);
    assert!(handle.join().unwrap().unwrap().temporary);
    gate.open();
    pool.wait_idle().unwrap();
    // Far past the 1 ms TTL: the surplus one retired, one spare is left.
    wait_until("the surplus temporary worker to retire", || {
        let s = pool.stats();
        s.temp_workers == 1 && s.temp_retired == 1
    });
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(pool.stats().temp_workers, 1);
}
