//! The implementations compared, each in its idiomatic fastest form, behind
//! one trait: make a pool of `workers` threads, hand it a job.
//! Implementations without priorities ignore the priority: they get the same
//! stream of jobs, which is the point of the comparison.

use std::ffi::c_void;
use std::thread::JoinHandle;

use wpool::{Pool, Priority};
use wpool_benches::RawPool;
use wpool_sys as sys;

use crate::jobs::Job;

/// A pool under test.
pub trait Contender: Sync + Sized {
    /// The criterion benchmark id (and the README's column).
    const ID: &'static str;

    /// A pool with `workers` threads and its defaults otherwise.
    fn new(workers: usize) -> Self;

    /// Queues job `J` with `payload`, fire and forget.
    ///
    /// # Panics
    /// If the pool refuses the job: a benchmark must not lose jobs quietly.
    fn spawn<J: Job>(&self, prio: Priority, payload: u64);
}

/// The safe crate's fire-and-forget path. The closure captures 8 bytes, so
/// it is stored in the queue slot itself.
pub struct Wpool(Pool);

impl Contender for Wpool {
    const ID: &'static str = "wpool";

    fn new(workers: usize) -> Self {
        Wpool(Pool::builder().workers(workers).build().expect("wpool"))
    }

    fn spawn<J: Job>(&self, prio: Priority, payload: u64) {
        if self.0.spawn(prio, move || J::run(payload)).is_err() {
            panic!("wpool refused a job");
        }
    }
}

/// The C API through `wpool-sys`: a function pointer and its argument.
pub struct WpoolSys(RawPool);

extern "C" fn run_job<J: Job>(arg: *mut c_void) {
    J::run(arg as usize as u64);
}

impl Contender for WpoolSys {
    const ID: &'static str = "wpool-sys";

    fn new(workers: usize) -> Self {
        WpoolSys(RawPool::new(workers as u32))
    }

    fn spawn<J: Job>(&self, prio: Priority, payload: u64) {
        let prio = match prio {
            Priority::High => sys::WPOOL_HIGH,
            Priority::Normal => sys::WPOOL_NORMAL,
            Priority::Low => sys::WPOOL_LOW,
        };
        // SAFETY: the pool is live while `self` is; `run_job` is an
        // `extern "C"` fn that only reads its argument as an integer.
        let rc = unsafe {
            sys::wpool_submit(
                self.0.as_ptr(),
                prio,
                Some(run_job::<J>),
                payload as usize as *mut c_void,
            )
        };
        assert_eq!(rc, sys::WPOOL_OK, "wpool_submit");
    }
}

/// The hand-rolled pool on a `crossbeam-channel`: workers looping over an
/// unbounded channel of messages `M`, each of which runs itself.
pub struct ChannelPool<M: Send + 'static> {
    jobs: Option<crossbeam_channel::Sender<M>>,
    workers: Vec<JoinHandle<()>>,
}

impl<M: Send + 'static> ChannelPool<M> {
    fn new(workers: usize, run: fn(M)) -> Self {
        let (tx, rx) = crossbeam_channel::unbounded::<M>();
        let workers = (0..workers)
            .map(|_| {
                let rx = rx.clone();
                std::thread::spawn(move || rx.into_iter().for_each(run))
            })
            .collect();
        ChannelPool {
            jobs: Some(tx),
            workers,
        }
    }

    fn send(&self, message: M) {
        let jobs = self.jobs.as_ref().expect("open until dropped");
        jobs.send(message).expect("workers alive");
    }
}

impl<M: Send + 'static> Drop for ChannelPool<M> {
    fn drop(&mut self) {
        self.jobs = None; // closes the channel: the workers drain it and exit
        for w in self.workers.drain(..) {
            w.join().expect("worker");
        }
    }
}

/// A channel pool in the form a general pool needs: boxed closures, one
/// allocation per job.
pub struct CrossbeamBoxed(ChannelPool<Box<dyn FnOnce() + Send>>);

impl Contender for CrossbeamBoxed {
    const ID: &'static str = "crossbeam-channel";

    fn new(workers: usize) -> Self {
        CrossbeamBoxed(ChannelPool::new(workers, |job| job()))
    }

    fn spawn<J: Job>(&self, _: Priority, payload: u64) {
        self.0.send(Box::new(move || J::run(payload)));
    }
}

/// A channel pool in its fastest form: `(function, payload)` messages, the
/// job exactly as `wpool-sys` gets it, no allocation but the channel's own.
pub struct CrossbeamFn(ChannelPool<(fn(u64), u64)>);

impl Contender for CrossbeamFn {
    const ID: &'static str = "crossbeam-fn";

    fn new(workers: usize) -> Self {
        CrossbeamFn(ChannelPool::new(workers, |(job, payload)| job(payload)))
    }

    fn spawn<J: Job>(&self, _: Priority, payload: u64) {
        self.0.send((J::run, payload));
    }
}

/// `rayon::ThreadPool::spawn`.
pub struct Rayon(rayon::ThreadPool);

impl Contender for Rayon {
    const ID: &'static str = "rayon";

    fn new(workers: usize) -> Self {
        Rayon(
            rayon::ThreadPoolBuilder::new()
                .num_threads(workers)
                .build()
                .expect("rayon"),
        )
    }

    fn spawn<J: Job>(&self, _: Priority, payload: u64) {
        self.0.spawn(move || J::run(payload));
    }
}

/// The `threadpool` crate.
pub struct ThreadPool(threadpool::ThreadPool);

impl Contender for ThreadPool {
    const ID: &'static str = "threadpool";

    fn new(workers: usize) -> Self {
        ThreadPool(threadpool::ThreadPool::new(workers))
    }

    fn spawn<J: Job>(&self, _: Priority, payload: u64) {
        self.0.execute(move || J::run(payload));
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.0.join();
    }
}

/// tokio's blocking pool: `spawn_blocking` on a runtime whose blocking
/// threads are capped at the worker count (a current-thread runtime, so no
/// async worker threads sit beside them).
pub struct Tokio(tokio::runtime::Runtime);

impl Contender for Tokio {
    const ID: &'static str = "tokio";

    fn new(workers: usize) -> Self {
        Tokio(
            tokio::runtime::Builder::new_current_thread()
                .max_blocking_threads(workers)
                .build()
                .expect("tokio"),
        )
    }

    fn spawn<J: Job>(&self, _: Priority, payload: u64) {
        drop(self.0.spawn_blocking(move || J::run(payload)));
    }
}

/// No pool: a thread per job (detached).
pub struct StdThread;

impl Contender for StdThread {
    const ID: &'static str = "std-thread";

    fn new(_: usize) -> Self {
        StdThread
    }

    fn spawn<J: Job>(&self, _: Priority, payload: u64) {
        drop(std::thread::spawn(move || J::run(payload)));
    }
}
