//! Heap allocations per job, counted by a counting global allocator (this
//! test binary only; one test, so nothing else allocates meanwhile):
//! a closure that fits in a pointer allocates nothing; one of up to 128
//! bytes, and a join handle's result slot, live in recycled blocks, which
//! are allocated only while more are in use at once than ever before, never
//! per job; a larger closure is boxed once.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use wpool::{Pool, Priority};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const JOBS: usize = 20_000;
const CAPACITY: usize = 1024;
/// Recycled blocks are allocated only while more of them are in use at once
/// than ever before: at most a full queue plus what the threads' caches hold
/// (two magazines of 32 each, for the producer and the two workers, and one
/// in flight to the depot). Past that, none, however many jobs run.
const RECYCLE_SLACK: usize = CAPACITY + 4 * 64;

/// Allocations made while `submit_all` queues JOBS jobs and they all run.
fn allocations_during(pool: &Pool, submit_all: impl Fn()) -> usize {
    pool.wait_idle().unwrap();
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    submit_all();
    pool.wait_idle().unwrap();
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

#[test]
fn allocations_per_job() {
    let pool = Pool::builder()
        .workers(2)
        .capacity(CAPACITY)
        .build()
        .unwrap();
    let counter = Arc::new(AtomicU64::new(0));

    // Pointer-sized: one Arc captured. Stored in the task itself.
    let small = || {
        for _ in 0..JOBS {
            let counter = counter.clone();
            pool.spawn(Priority::Normal, move || {
                counter.fetch_add(1, Ordering::Relaxed);
            })
            .unwrap();
        }
    };
    small(); // warm-up: thread-locals, histograms, ...
    assert_eq!(
        allocations_during(&pool, small),
        0,
        "pointer-sized closures"
    );

    // 40 bytes: a recycled block. Five rounds, once warm: allocations are
    // bounded by how many blocks are in use at once, not by the job count.
    let medium = || {
        for i in 0..JOBS as u64 {
            let counter = counter.clone();
            let extra = [i; 4];
            pool.spawn(Priority::Low, move || {
                counter.fetch_add(extra[0] - extra[1] + 1, Ordering::Relaxed);
            })
            .unwrap();
        }
    };
    medium();
    let medium_allocs = allocations_during(&pool, || (0..5).for_each(|_| medium()));
    assert!(
        medium_allocs <= RECYCLE_SLACK,
        "{medium_allocs} allocations for {} block-sized jobs",
        5 * JOBS
    );

    // 136 bytes: boxed, exactly one allocation each.
    let large = || {
        for i in 0..JOBS as u64 {
            let counter = counter.clone();
            let extra = [i; 16];
            pool.spawn(Priority::Normal, move || {
                counter.fetch_add(extra[3] - extra[9] + 1, Ordering::Relaxed);
            })
            .unwrap();
        }
    };
    large();
    assert_eq!(
        allocations_during(&pool, large),
        JOBS,
        "large closures: one box each"
    );

    // A join handle's result slot is recycled too: none once warm.
    let handles = || {
        let handles: Vec<_> = (0..64u64)
            .map(|i| pool.submit(Priority::Normal, move || i * 2).unwrap())
            .collect();
        let sum: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(sum, 63 * 64);
    };
    let with_handles = || {
        for _ in 0..JOBS / 64 {
            handles();
        }
    };
    with_handles();
    let handle_allocs = allocations_during(&pool, with_handles);
    // The Vec of 64 handles is one allocation per round.
    assert!(
        handle_allocs <= JOBS / 64 + RECYCLE_SLACK,
        "{handle_allocs} allocations for {JOBS} submitted jobs"
    );

    assert_eq!(counter.load(Ordering::Relaxed), 10 * JOBS as u64);
}
