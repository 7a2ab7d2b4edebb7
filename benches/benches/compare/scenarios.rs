//! The scenarios, the same for every implementation. Each times its jobs end
//! to end in `run` (criterion's `iter_custom`); pools are made before the
//! first run, outside the timing, and figures criterion cannot hold are
//! measured once per pool, untimed, in `before`/`after`.
//!
//! `benches/wpool_bench.c` follows scenarios 1 (1P/1W, 2P/2W), 2, 4 and 5 in
//! C: a change of their jobs or parameters here goes there too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId};
use serde_json::{json, Value};
use wpool::Priority;
use wpool_benches::{jobs_done, time_jobs, wait_until};

use crate::contenders::{
    Contender, CrossbeamBoxed, CrossbeamFn, Rayon, StdThread, ThreadPool, Tokio, Wpool, WpoolSys,
};
use crate::extras;
use crate::jobs::{self, Cpu, Empty, Gated, High, HighWork, Low};

/// One scenario, generic over the pool under test.
pub trait Scenario {
    /// Threads per pool.
    fn workers(&self) -> usize;

    /// Whether the implementation `id` takes part (a thread per job cannot
    /// take every scenario in reasonable time).
    fn includes(&self, _id: &str) -> bool {
        true
    }

    /// Once per pool, untimed, before criterion's first run.
    fn before<C: Contender>(&self, _pool: &C, _group: &str) {}

    /// `iters` jobs (or High jobs, or bursts) through `pool`: the measured
    /// duration.
    fn run<C: Contender>(&self, pool: &C, iters: u64) -> Duration;

    /// Once per pool, after criterion's last run and the pool's drop.
    fn after<C: Contender>(&self, _group: &str) {}
}

/// Benchmarks every implementation on `scenario`, as `group`'s members.
pub fn bench_all<S: Scenario>(g: &mut BenchmarkGroup<'_, WallTime>, group: &str, scenario: &S) {
    bench_one::<Wpool, S>(g, group, scenario);
    bench_one::<WpoolSys, S>(g, group, scenario);
    bench_one::<CrossbeamFn, S>(g, group, scenario);
    bench_one::<CrossbeamBoxed, S>(g, group, scenario);
    bench_one::<Rayon, S>(g, group, scenario);
    bench_one::<ThreadPool, S>(g, group, scenario);
    bench_one::<Tokio, S>(g, group, scenario);
    bench_one::<StdThread, S>(g, group, scenario);
}

fn bench_one<C: Contender, S: Scenario>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    group: &str,
    scenario: &S,
) {
    if !scenario.includes(C::ID) {
        return;
    }
    // Made on criterion's first call, so a benchmark filtered out by the
    // command line costs nothing.
    let mut pool: Option<C> = None;
    g.bench_function(BenchmarkId::from_parameter(C::ID), |b| {
        let pool = pool.get_or_insert_with(|| {
            let pool = C::new(scenario.workers());
            scenario.before(&pool, group);
            pool
        });
        b.iter_custom(|iters| scenario.run(pool, iters));
    });
    if pool.take().is_some() {
        scenario.after::<C>(group);
    }
}

fn spawn_n<C: Contender, J: jobs::Job>(pool: &C, prio: Priority, n: u64) {
    for _ in 0..n {
        pool.spawn::<J>(prio, 0);
    }
}

/// Scenario 1: empty jobs end to end; `before` counts the heap allocations
/// per job.
pub struct EmptyJobs {
    pub producers: u64,
    pub workers: usize,
}

impl EmptyJobs {
    const COUNTED_JOBS: u64 = 20_000;
}

impl Scenario for EmptyJobs {
    fn workers(&self) -> usize {
        self.workers
    }

    fn before<C: Contender>(&self, pool: &C, group: &str) {
        let n = Self::COUNTED_JOBS;
        self.run(pool, n); // warm: caches, lazily made threads
        let allocs = extras::count_allocs(|| {
            self.run(pool, n);
        });
        let per_job = allocs as f64 / n as f64;
        extras::write(
            group,
            C::ID,
            &json!({ "allocs_per_job": per_job, "jobs": n }),
        );
    }

    fn run<C: Contender>(&self, pool: &C, iters: u64) -> Duration {
        time_jobs(iters, self.producers, |n| {
            spawn_n::<C, Empty>(pool, Priority::Normal, n)
        })
    }
}

/// Scenario 2: ~4 µs CPU jobs (see [`jobs::calibrate_cpu`]) from one
/// producer. The single-thread baseline is a benchmark of its own.
pub struct CpuJobs {
    pub workers: usize,
}

impl Scenario for CpuJobs {
    fn workers(&self) -> usize {
        self.workers
    }

    fn run<C: Contender>(&self, pool: &C, iters: u64) -> Duration {
        time_jobs(iters, 1, |n| spawn_n::<C, Cpu>(pool, Priority::Normal, n))
    }
}

/// Scenario 3: the producer's submit call alone. Every worker is held in a
/// [`Gated`] job, so nothing is taken from the queue meanwhile and no worker
/// needs waking; the jobs go in chunks, and the gate opens between chunks
/// (untimed) to drain them.
pub struct SubmitBlocked {
    pub workers: usize,
}

impl SubmitBlocked {
    /// Jobs queued behind the blocked workers at a time: well within every
    /// queue's capacity (wpool's default is 4096 per priority).
    const CHUNK: u64 = 1024;
}

impl Scenario for SubmitBlocked {
    fn workers(&self) -> usize {
        self.workers
    }

    fn run<C: Contender>(&self, pool: &C, iters: u64) -> Duration {
        let workers = self.workers as u64;
        let mut timed = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let chunk = left.min(Self::CHUNK);
            left -= chunk;
            jobs::set_gate(false);
            let entered = jobs::GATED_ENTERED.load(Ordering::Relaxed);
            let gated_done = jobs::GATED_DONE.load(Ordering::Relaxed);
            spawn_n::<C, Gated>(pool, Priority::Normal, workers);
            wait_until("workers to block", || {
                jobs::GATED_ENTERED.load(Ordering::Acquire) >= entered + workers
            });
            let done = jobs_done();

            let start = Instant::now();
            spawn_n::<C, Empty>(pool, Priority::Normal, chunk);
            timed += start.elapsed();

            jobs::set_gate(true);
            wait_until("workers to unblock", || {
                jobs::GATED_DONE.load(Ordering::Acquire) >= gated_done + workers
            });
            wait_until("the chunk to drain", || jobs_done() >= done + chunk);
        }
        timed
    }
}

/// Low jobs kept submitted but unfinished by the High scenarios (4 and 5).
/// The same bounded backlog for every pool (most peers' queues are
/// unbounded): 32 jobs of 5 ms keep the workers busy without a break.
const LOW_DEPTH: u64 = 32;

/// Submits `count` High jobs `J`, one every `period`, each with the
/// [`jobs::now_ns`] of its submission as payload, and waits until they have
/// run.
fn high_stream<C: Contender, J: jobs::Job>(pool: &C, count: u64, period: Duration) {
    let high_done = jobs::HIGH_DONE.load(Ordering::Relaxed);
    let mut next = Instant::now();
    for _ in 0..count {
        next += period;
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        pool.spawn::<J>(Priority::High, jobs::now_ns());
    }
    wait_until("High jobs", || {
        jobs::HIGH_DONE.load(Ordering::Acquire) >= high_done + count
    });
}

/// [`high_stream`] while every one of the `workers` is saturated by 5 ms Low
/// jobs: [`LOW_DEPTH`] of them outstanding, topped up every 200 µs, the High
/// stream starting once every worker is inside a Low job.
fn high_stream_under_load<C: Contender, J: jobs::Job>(
    pool: &C,
    workers: u64,
    count: u64,
    period: Duration,
) {
    let low_started = jobs::LOW_STARTED.load(Ordering::Relaxed);
    let low_done = jobs::LOW_DONE.load(Ordering::Relaxed);
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let feeder = s.spawn(|| {
            let mut submitted = 0;
            while !stop.load(Ordering::Relaxed) {
                let finished = jobs::LOW_DONE.load(Ordering::Relaxed) - low_done;
                let missing = LOW_DEPTH - (submitted - finished);
                spawn_n::<C, Low>(pool, Priority::Low, missing);
                submitted += missing;
                std::thread::sleep(Duration::from_micros(200));
            }
            submitted
        });
        wait_until("Low jobs to start", || {
            jobs::LOW_STARTED.load(Ordering::Acquire) >= low_started + workers
        });
        std::thread::sleep(Duration::from_millis(10));

        high_stream::<C, J>(pool, count, period);

        stop.store(true, Ordering::Relaxed);
        jobs::LOW_STOP.store(true, Ordering::Relaxed);
        let submitted = feeder.join().expect("feeder");
        wait_until("Low jobs", || {
            jobs::LOW_DONE.load(Ordering::Acquire) >= low_done + submitted
        });
        jobs::LOW_STOP.store(false, Ordering::Relaxed);
    });
}

/// The percentiles of `samples` (ns), as the keys of a `wpool.json`, each
/// prefixed by `prefix`.
fn percentiles(mut samples: Vec<u64>, prefix: &str) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    if samples.is_empty() {
        return out;
    }
    samples.sort_unstable();
    let pct = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let mean = samples.iter().sum::<u64>() as f64 / samples.len() as f64;
    let figures = [
        ("samples", json!(samples.len())),
        ("p50_ns", json!(pct(0.50))),
        ("p99_ns", json!(pct(0.99))),
        ("max_ns", json!(samples[samples.len() - 1])),
        ("mean_ns", json!(mean)),
    ];
    for (key, value) in figures {
        out.insert(format!("{prefix}{key}"), value);
    }
    out
}

/// Scenario 4: the queue wait of one High job per millisecond while every
/// worker is saturated by 5 ms Low jobs. Criterion's figure is the mean wait
/// per High job; `after` writes the percentiles of every wait recorded.
pub struct HighWait {
    pub workers: usize,
}

impl Scenario for HighWait {
    fn workers(&self) -> usize {
        self.workers
    }

    fn before<C: Contender>(&self, _: &C, _: &str) {
        jobs::HIGH_WAITS.take();
    }

    fn run<C: Contender>(&self, pool: &C, iters: u64) -> Duration {
        let period = Duration::from_millis(1);
        high_stream_under_load::<C, High>(pool, self.workers as u64, iters, period);
        jobs::HIGH_WAITS.sum_last(iters as usize)
    }

    fn after<C: Contender>(&self, group: &str) {
        let waits = jobs::HIGH_WAITS.take();
        if !waits.is_empty() {
            extras::write(group, C::ID, &Value::Object(percentiles(waits, "")));
        }
    }
}

/// Scenario 5: High jobs that finish fast, not only start fast. One High job
/// of ~300 µs of computation ([`HighWork`]) every 2 ms (~15% of one CPU),
/// timed from submission until its work is done, while every worker is
/// saturated by 5 ms Low jobs as in scenario 4. Criterion's figure is the
/// mean of those times per High job. `before` runs the same High stream
/// with no Low job in the same pool (`ALONE` jobs after `ALONE_WARM_UP`);
/// `after` writes the percentiles of both, the ratio of their p99s being
/// what the Low load costs a High job.
pub struct HighE2e {
    pub workers: usize,
    /// The percentiles of the stream alone, from `before` to `after`.
    pub alone: std::sync::Mutex<serde_json::Map<String, Value>>,
}

impl HighE2e {
    pub const WORK: Duration = Duration::from_micros(300);
    const PERIOD: Duration = Duration::from_millis(2);
    const ALONE_WARM_UP: u64 = 25;
    const ALONE: u64 = 500;
}

impl Scenario for HighE2e {
    fn workers(&self) -> usize {
        self.workers
    }

    fn before<C: Contender>(&self, pool: &C, _: &str) {
        // Test mode: a few jobs, so that CI's run stays short.
        let (warm, n) = if extras::test_mode() {
            (1, 5)
        } else {
            (Self::ALONE_WARM_UP, Self::ALONE)
        };
        jobs::HIGH_E2E.take();
        high_stream::<C, HighWork>(pool, warm + n, Self::PERIOD);
        let alone = jobs::HIGH_E2E.take().split_off(warm as usize);
        *self.alone.lock().unwrap() = percentiles(alone, "alone_");
    }

    fn run<C: Contender>(&self, pool: &C, iters: u64) -> Duration {
        high_stream_under_load::<C, HighWork>(pool, self.workers as u64, iters, Self::PERIOD);
        jobs::HIGH_E2E.sum_last(iters as usize)
    }

    fn after<C: Contender>(&self, group: &str) {
        let mut figures = percentiles(jobs::HIGH_E2E.take(), "");
        if figures.is_empty() {
            return;
        }
        figures.append(&mut self.alone.lock().unwrap());
        figures.insert("work_ns".into(), json!(Self::WORK.as_nanos() as u64));
        figures.insert("period_ns".into(), json!(Self::PERIOD.as_nanos() as u64));
        extras::write(group, C::ID, &Value::Object(figures));
    }
}

/// Scenario 6: 10^6 empty jobs submitted as fast as one producer can into an
/// idle pool. Criterion times the drain; `before` measures the CPU the
/// process uses in the second after a burst, while idle again.
pub struct Burst {
    pub workers: usize,
}

impl Burst {
    pub const JOBS: u64 = 1_000_000;
    const IDLE_WINDOW: Duration = Duration::from_secs(1);
    /// How long the pool is left alone before a burst, so it starts idle
    /// (workers parked, spinning done).
    const SETTLE: Duration = Duration::from_millis(20);

    fn burst<C: Contender>(pool: &C) -> Duration {
        time_jobs(Self::JOBS, 1, |n| {
            spawn_n::<C, Empty>(pool, Priority::Normal, n)
        })
    }
}

impl Scenario for Burst {
    fn workers(&self) -> usize {
        self.workers
    }

    fn includes(&self, id: &str) -> bool {
        id != StdThread::ID // 10^6 threads: minutes per burst
    }

    fn before<C: Contender>(&self, pool: &C, group: &str) {
        std::thread::sleep(Self::SETTLE);
        Self::burst(pool);
        let cpu = extras::process_cpu_time();
        std::thread::sleep(Self::IDLE_WINDOW);
        let idle = extras::process_cpu_time() - cpu;
        extras::write(
            group,
            C::ID,
            &json!({
                "idle_cpu_ms": idle.as_secs_f64() * 1e3,
                "idle_window_ms": Self::IDLE_WINDOW.as_millis() as u64,
            }),
        );
    }

    fn run<C: Contender>(&self, pool: &C, iters: u64) -> Duration {
        (0..iters)
            .map(|_| {
                std::thread::sleep(Self::SETTLE);
                Self::burst(pool)
            })
            .sum()
    }
}
