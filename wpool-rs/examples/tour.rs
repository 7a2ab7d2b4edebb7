//! A tour of wpool, with live output: `cargo run --release --example tour`.
//!
//! 1. Two workers are saturated by a backlog of 5 ms Low jobs; High jobs
//!    submitted meanwhile do not wait for a Low job to end: each one's
//!    queue wait is measured and printed with where it ran. The first one
//!    wakes the spare temporary worker, started and parked by `build()`: no
//!    thread is created on its path (a replacement starts in the
//!    background), and since the regular workers run below the program's
//!    OS priority, the temporary one gets a CPU at once.
//! 2. Surplus temporary workers retire after their idle timeout; the spare
//!    stays parked.
//! 3. A job panics: the panic handler reports it and the pool goes on.
//! 4. Jobs borrow from the stack in a scope.
//! 5. The job lifecycle: a job whose deadline passes while both workers are
//!    busy is dropped unrun; a queued job is cancelled; Low work is paused
//!    and resumed; the pool grows by a worker and shrinks back.
//! 6. A shutdown with a deadline: what does not start in time is dropped,
//!    and the report says so.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use wpool::{Pool, Priority, ThreadInfo};

fn main() -> Result<(), wpool::Error> {
    let start = Instant::now();
    let say =
        move |msg: String| println!("[{:>7.1} ms] {msg}", start.elapsed().as_secs_f64() * 1e3);

    let pool = Pool::builder()
        .workers(2)
        .max_temp_workers(2)
        .temp_idle_timeout(Duration::from_millis(150))
        .thread_name("tour")
        .panic_handler(move |payload| {
            let msg = wpool::panic_message(&*payload).unwrap_or("(not a string)");
            println!(
                "[{:>7.1} ms] panic handler: a job on {} panicked with {msg:?}; the pool goes on",
                start.elapsed().as_secs_f64() * 1e3,
                ThreadInfo::current().expect("a pool thread")
            );
        })
        .build()?;
    say(format!(
        "pool: 2 workers at a low OS priority, up to 2 temporary workers for High work, \
         1 of them started and parked (wpool {}); temporary workers alive: {}",
        wpool::version(),
        pool.stats().temp_workers
    ));

    // 1. A Low backlog saturates both workers.
    let low_done = Arc::new(AtomicUsize::new(0));
    for _ in 0..120 {
        let low_done = low_done.clone();
        pool.spawn(Priority::Low, move || {
            busy_for(Duration::from_millis(5));
            low_done.fetch_add(1, Ordering::Relaxed);
        })
        .expect("the pool is open");
    }
    say("queued 120 Low jobs of 5 ms each: ~300 ms of work for 2 workers".into());
    thread::sleep(Duration::from_millis(20));
    let mut waits = Vec::new();
    for i in 0..5 {
        let submitted = Instant::now();
        let handle = pool
            .submit(Priority::High, move || {
                let waited = submitted.elapsed();
                (waited, ThreadInfo::current().expect("a pool thread"))
            })
            .expect("the pool is open");
        let (waited, thread) = handle.join().expect("no panic");
        let stats = pool.stats();
        let why = if thread.temporary {
            "a temporary worker, parked and ready"
        } else {
            "a regular worker: a Low job had just ended"
        };
        say(format!(
            "High job {i} waited {:>7.1} µs, on {thread} ({why}); Low jobs queued: {}",
            waited.as_secs_f64() * 1e6,
            stats[Priority::Low].queued
        ));
        waits.push(waited);
        thread::sleep(Duration::from_millis(15));
    }
    let stats = pool.stats();
    let mut later = waits[1..].to_vec();
    later.sort();
    say(format!(
        "High waits: the first {:.1} µs, the next four at most {:.1} µs (a Low job lasts 5000 µs); \
         temporary workers alive: {}, started so far: {} (none on a High job's path)",
        waits[0].as_secs_f64() * 1e6,
        later.last().expect("four").as_secs_f64() * 1e6,
        stats.temp_workers,
        stats.temp_spawned
    ));

    // 2. The backlog drains; surplus temporary workers retire after 150 ms
    //    idle, the spare stays.
    pool.wait_idle()?;
    say(format!(
        "Low backlog done: {} jobs ran",
        low_done.load(Ordering::Relaxed)
    ));
    let deadline = Instant::now() + Duration::from_secs(5);
    while pool.stats().temp_workers > 1 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    let stats = pool.stats();
    say(format!(
        "temporary workers alive: {} (the spare), retired: {} (idle timeout 150 ms)",
        stats.temp_workers, stats.temp_retired
    ));

    // 3. A panic is reported, not fatal. The default panic hook prints it
    //    too; silence it here to keep the output short.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    pool.spawn(Priority::Normal, || panic!("bad input in job 7"))
        .expect("the pool is open");
    let joined = pool
        .submit(Priority::Normal, || -> u32 { panic!("bad input in job 8") })
        .expect("open")
        .join();
    pool.wait_idle()?;
    std::panic::set_hook(default_hook);
    say(format!(
        "a joined job that panicked: {}",
        joined.unwrap_err()
    ));
    let answer = pool
        .submit(Priority::Normal, || 6 * 7)
        .expect("open")
        .join()
        .expect("no panic");
    say(format!(
        "after the panics the pool still works: 6 * 7 = {answer}; panics counted: {}",
        pool.stats().panics
    ));

    // 4. Jobs that borrow from the stack.
    let mut squares = vec![0u64; 8];
    pool.scope(|s| {
        for (i, slot) in squares.iter_mut().enumerate() {
            s.spawn(Priority::Normal, move || *slot = (i * i) as u64)
                .expect("open");
        }
    });
    say(format!("scoped jobs filled a local vector: {squares:?}"));

    // 5. The job lifecycle. Both workers are kept busy for 20 ms; a job
    //    that must start within 5 ms cannot, and is dropped unrun.
    let busy: Vec<_> = (0..2)
        .map(|_| {
            pool.submit(Priority::Normal, || busy_for(Duration::from_millis(20)))
                .expect("open")
        })
        .collect();
    let stale = pool
        .job(Priority::Normal)
        .deadline_after(Duration::from_millis(5))
        .submit(|| "a quote that is stale after 5 ms")
        .expect("open");
    let unwanted = pool
        .submit(Priority::Normal, || "a result nobody wants any more")
        .expect("open");
    let cancelled = unwanted.cancel(); // still queued behind the busy workers
    say(format!(
        "a queued job cancelled: {cancelled}; its join: {}",
        unwanted.join().unwrap_err()
    ));
    pool.pause(Priority::Low)?;
    let bulk = pool
        .submit(Priority::Low, || "bulk work, held during the incident")
        .expect("open");
    for handle in busy {
        handle.join().expect("no panic");
    }
    match stale.join() {
        Ok(text) => say(format!("the deadline job ran after all: {text}")),
        Err(err) => say(format!("the deadline job: {err}")),
    }
    pool.set_workers(3)?; // one more worker, started before this returns
    pool.wait_idle()?; // paused work does not count
    let stats = pool.stats();
    say(format!(
        "Low paused: {}, queued {}; workers {}; cancelled {}, expired {}",
        stats[Priority::Low].paused,
        stats[Priority::Low].queued,
        stats.workers,
        stats.cancelled(),
        stats.expired()
    ));
    pool.resume(Priority::Low)?;
    say(format!("resumed Low: {}", bulk.join().expect("no panic")));
    pool.set_workers(2)?; // the surplus worker leaves once idle
    say(format!(
        "workers: asked for {}, alive {} (a surplus worker leaves between jobs)",
        pool.stats().workers_target,
        pool.stats().workers
    ));

    // 6. A shutdown with a deadline.
    let dropped = Arc::new(AtomicUsize::new(0));
    for _ in 0..40 {
        let guard = DropCount(dropped.clone());
        pool.spawn(Priority::Low, move || {
            busy_for(Duration::from_millis(5));
            std::mem::forget(guard); // ran: not counted as dropped
        })
        .expect("the pool is open");
    }
    say("queued 40 more Low jobs of 5 ms; shutting down with a 30 ms deadline".into());
    let report = pool.shutdown_timeout(Duration::from_millis(30))?;
    say(format!("shutdown: {report}"));
    say(format!(
        "closures dropped unrun: {}",
        dropped.load(Ordering::Relaxed)
    ));
    let refused = pool.spawn(Priority::High, || ());
    say(format!(
        "a submit after shutdown: {:?}",
        refused.map_err(|e| e.to_string())
    ));
    drop(pool);
    say("pool dropped: every thread joined".into());
    Ok(())
}

/// Counts the closures that are dropped without running.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Keeps the CPU busy, as real work would.
fn busy_for(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}
