//! What the safe wrapper costs per job over the C API: empty jobs end to end
//! (submit until the last one has run), through `wpool-sys` directly and
//! through the `wpool` crate's paths, on the same pool shapes in one run.
//!
//! `cargo bench -p wpool-benches --bench wrapper_cost`

use std::ffi::c_void;
use std::ptr;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wpool::{Pool, Priority};
use wpool_benches::{job_done, time_jobs, RawPool};
use wpool_sys as sys;

extern "C" fn bump(_: *mut c_void) {
    job_done();
}

fn empty_jobs(c: &mut Criterion) {
    for (producers, workers) in [(1u64, 1u32), (2, 2)] {
        let mut group = c.benchmark_group(format!("empty_jobs_{producers}p{workers}w"));
        group.throughput(Throughput::Elements(1));

        let raw = RawPool::new(workers);
        group.bench_function(BenchmarkId::from_parameter("wpool-sys"), |b| {
            b.iter_custom(|iters| {
                time_jobs(iters, producers, |n| {
                    for _ in 0..n {
                        // SAFETY: the pool is live; `bump` ignores its argument.
                        let rc = unsafe {
                            sys::wpool_submit(
                                raw.as_ptr(),
                                sys::WPOOL_NORMAL,
                                Some(bump),
                                ptr::null_mut(),
                            )
                        };
                        debug_assert_eq!(rc, sys::WPOOL_OK);
                    }
                })
            })
        });
        drop(raw);

        let pool = Pool::builder()
            .workers(workers as usize)
            .build()
            .expect("pool");
        // Captures nothing: stored in the task's pointer, no allocation.
        group.bench_function(BenchmarkId::from_parameter("wpool spawn (inline)"), |b| {
            b.iter_custom(|iters| {
                time_jobs(iters, producers, |n| {
                    for _ in 0..n {
                        pool.spawn(Priority::Normal, || {
                            job_done();
                        })
                        .expect("open");
                    }
                })
            })
        });
        // Captures 16 bytes: too big for the task's pointer, so it goes in a
        // recycled block.
        group.bench_function(BenchmarkId::from_parameter("wpool spawn (block)"), |b| {
            b.iter_custom(|iters| {
                time_jobs(iters, producers, |n| {
                    for i in 0..n {
                        let (a, b) = (i, !i);
                        pool.spawn(Priority::Normal, move || {
                            job_done();
                            std::hint::black_box((a, b));
                        })
                        .expect("open");
                    }
                })
            })
        });
        // A JoinHandle per job (dropped: detached).
        group.bench_function(BenchmarkId::from_parameter("wpool submit (handle)"), |b| {
            b.iter_custom(|iters| {
                time_jobs(iters, producers, |n| {
                    for _ in 0..n {
                        drop(
                            pool.submit(Priority::Normal, || {
                                job_done();
                            })
                            .expect("open"),
                        );
                    }
                })
            })
        });
        group.finish();
    }
}

criterion_group!(benches, empty_jobs);
criterion_main!(benches);
