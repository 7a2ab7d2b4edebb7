//! wpool against the pools a Rust user would otherwise pick, on the same
//! scenarios in one run: the README's benchmark table.
//!
//! `cargo bench -p wpool-benches --bench compare` (every benchmark of the
//! workspace: `cargo bench -p wpool-benches`), then
//! `cargo run -p wpool-benches --bin bench-report` writes the README's table
//! and `benches/results.svg` from criterion's output.
//!
//! Scenarios (criterion groups; one benchmark id per implementation):
//! - `empty_1p1w`, `empty_1p2w`, `empty_2p2w`: empty jobs end to end,
//!   producers × workers; plus heap allocations per job.
//! - `cpu_4us_1p2w`: ~4 µs CPU jobs, 1 producer × 2 workers, against the
//!   `single-thread` rate of the same loop.
//! - `submit_blocked_1p2w`: the producer's submit call alone, workers held.
//! - `high_wait_2w`: queue wait of a High job per ms while 5 ms Low jobs
//!   saturate both workers (p50/p99/max written beside criterion's output).
//! - `high_e2e_300us_2w`: High jobs that finish fast, not only start fast:
//!   one ~300 µs High job every 2 ms, submit until its work is done, under
//!   the same Low saturation and alone (p50/p99/max of both written beside
//!   criterion's output; the report adds p99 under load ÷ alone).
//! - `burst_1e6_2w`: 10^6 jobs into an idle pool: drain time, then the CPU
//!   used while idle afterwards.
//!
//! These are the scenarios' definition. `benches/wpool_bench.c` repeats
//! four of them in C (empty 1P/1W and 2P/2W, CPU, High wait, High end to
//! end) because it pits the C API against C pools (mutex+condvar,
//! GThreadPool) that this harness cannot host; its header states where it
//! differs.

mod contenders;
mod extras;
mod jobs;
mod scenarios;

use std::time::{Duration, Instant};

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};

use scenarios::{bench_all, Burst, CpuJobs, EmptyJobs, HighE2e, HighWait, SubmitBlocked};

/// Counts heap allocations per job (only while asked to: see `extras`).
#[global_allocator]
static ALLOC: extras::CountingAlloc = extras::CountingAlloc;

fn run_metadata(_: &mut Criterion) {
    extras::write_run_metadata();
}

fn empty_jobs(c: &mut Criterion) {
    for (producers, workers) in [(1, 1), (1, 2), (2, 2)] {
        let name = format!("empty_{producers}p{workers}w");
        let mut g = c.benchmark_group(&name);
        g.throughput(Throughput::Elements(1));
        bench_all(&mut g, &name, &EmptyJobs { producers, workers });
        g.finish();
    }
}

fn cpu_jobs(c: &mut Criterion) {
    let iters = jobs::calibrate_cpu(Duration::from_micros(4));
    eprintln!("cpu_4us_1p2w: {iters} iterations of the compute loop take ~4 µs here");
    let name = "cpu_4us_1p2w";
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(1));
    g.bench_function(BenchmarkId::from_parameter("single-thread"), |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                <jobs::Cpu as jobs::Job>::run(0);
            }
            start.elapsed()
        })
    });
    bench_all(&mut g, name, &CpuJobs { workers: 2 });
    g.finish();
}

fn submit_blocked(c: &mut Criterion) {
    let name = "submit_blocked_1p2w";
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(1));
    bench_all(&mut g, name, &SubmitBlocked { workers: 2 });
    g.finish();
}

fn high_wait(c: &mut Criterion) {
    let name = "high_wait_2w";
    let mut g = c.benchmark_group(name);
    // One High job per ms: a sample is milliseconds long whatever the pool.
    g.throughput(Throughput::Elements(1))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    bench_all(&mut g, name, &HighWait { workers: 2 });
    g.finish();
}

fn high_e2e(c: &mut Criterion) {
    let iters = jobs::calibrate_high_work(HighE2e::WORK);
    eprintln!("high_e2e_300us_2w: {iters} iterations of the compute loop take ~300 µs here");
    let name = "high_e2e_300us_2w";
    let mut g = c.benchmark_group(name);
    // One High job per 2 ms, as high_wait_2w's sampling; the stream alone
    // runs (untimed) before each pool's first sample.
    g.throughput(Throughput::Elements(1))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    let scenario = HighE2e {
        workers: 2,
        alone: Default::default(),
    };
    bench_all(&mut g, name, &scenario);
    g.finish();
}

fn burst(c: &mut Criterion) {
    let name = "burst_1e6_2w";
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(Burst::JOBS))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10);
    bench_all(&mut g, name, &Burst { workers: 2 });
    g.finish();
}

criterion_group! {
    name = compare;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = run_metadata, empty_jobs, cpu_jobs, submit_blocked, high_wait, high_e2e, burst
}
criterion_main!(compare);
