//! Typed statistics: `Stats` and `PriorityStats`, from the C snapshot.

use std::fmt;
use std::ops::Index;
use std::time::Duration;

use wpool_sys as sys;

use crate::priority::Priority;

/// Counters and queue-wait figures of one priority level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PriorityStats {
    /// Jobs accepted.
    pub submitted: u64,
    /// Jobs that ran (a panicking job counts as run).
    pub completed: u64,
    /// Jobs discarded unstarted by a shutdown (its deadline passed, or the
    /// priority was [paused](crate::Pool::pause)). Cancelled and expired
    /// jobs are counted apart: once the pool is idle, `submitted ==
    /// completed + discarded + cancelled + expired`.
    pub discarded: u64,
    /// Jobs cancelled while queued ([`JoinHandle::cancel`](crate::JoinHandle::cancel)).
    pub cancelled: u64,
    /// Jobs dropped unstarted because their
    /// [deadline](crate::JobBuilder::deadline) passed.
    pub expired: u64,
    /// Submissions refused because the queue was full (`try_`) or stayed
    /// full (`_timeout`).
    pub rejected: u64,
    /// Jobs waiting in the queue now.
    pub queued: u64,
    /// Jobs running now.
    pub running: u64,
    /// Queue capacity (after rounding up to a power of two).
    pub capacity: u64,
    /// Median queue wait (submit to start), over the pool's lifetime.
    pub wait_p50: Duration,
    /// 99th percentile queue wait.
    pub wait_p99: Duration,
    /// Longest queue wait seen.
    pub wait_max: Duration,
    /// Mean queue wait.
    pub wait_mean: Duration,
    /// How many waits were measured: every High job, every job that found
    /// its queue empty, and one Normal/Low job in
    /// [`wait_sampling`](crate::Builder::wait_sampling) of a burst.
    pub wait_count: u64,
    /// The priority is [paused](crate::Pool::pause): its queued jobs wait.
    pub paused: bool,
}

/// A snapshot of a pool's statistics, from [`Pool::stats`](crate::Pool::stats).
/// Each field is read atomically, the set is not. Index it by [`Priority`]
/// for the per-priority figures.
///
/// ```
/// use wpool::{Pool, Priority};
///
/// let pool = Pool::builder().workers(1).build()?;
/// for _ in 0..3 {
///     pool.spawn(Priority::Low, || ()).unwrap();
/// }
/// pool.wait_idle()?;
/// let stats = pool.stats();
/// assert_eq!(stats[Priority::Low].completed, 3);
/// assert_eq!(stats.submitted(), 3);
/// assert!(stats.to_prometheus().contains("wpool_jobs_submitted_total"));
/// # Ok::<(), wpool::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Stats {
    /// Per priority, indexed by [`Priority::index`] (or index `Stats` itself).
    pub priorities: [PriorityStats; 3],
    /// Regular workers: threads alive now.
    pub workers: usize,
    /// Regular workers asked for ([`Builder::workers`](crate::Builder::workers),
    /// [`Pool::set_workers`](crate::Pool::set_workers)). Differs from
    /// `workers` while a resize is under way: surplus workers leave as
    /// their jobs end.
    pub workers_target: usize,
    /// Threads (regular and temporary) running a job now.
    pub busy_workers: usize,
    /// Temporary workers alive now.
    pub temp_workers: usize,
    /// The most temporary workers the pool may run.
    pub max_temp_workers: usize,
    /// Temporary workers started, over the pool's lifetime.
    pub temp_spawned: u64,
    /// Temporary workers retired after their idle timeout.
    pub temp_retired: u64,
    /// Temporary workers the system refused to start.
    pub temp_spawn_failures: u64,
    /// Normal/Low jobs taken ahead of higher-priority work by the starvation
    /// bound.
    pub starvation_promotions: u64,
    /// Times a pool thread parked (slept) for lack of work.
    pub parks: u64,
    /// Wake-ups sent to parked threads.
    pub wakeups: u64,
    /// Fire-and-forget jobs (and discarded jobs' destructors) that panicked.
    pub panics: u64,
    /// Shutdown has begun: submissions fail with `Closed`.
    pub closed: bool,
    raw: sys::wpool_stats,
}

fn ns(v: u64) -> Duration {
    Duration::from_nanos(v)
}

impl Stats {
    pub(crate) fn from_raw(raw: sys::wpool_stats, panics: u64) -> Stats {
        let priority = |i: usize| PriorityStats {
            submitted: raw.submitted[i],
            completed: raw.completed[i],
            discarded: raw.discarded[i],
            cancelled: raw.cancelled[i],
            expired: raw.expired[i],
            rejected: raw.rejected[i],
            queued: raw.queued[i],
            running: raw.running[i],
            capacity: raw.capacity[i],
            wait_p50: ns(raw.wait_p50_ns[i]),
            wait_p99: ns(raw.wait_p99_ns[i]),
            wait_max: ns(raw.wait_max_ns[i]),
            wait_mean: ns(raw.wait_mean_ns[i]),
            wait_count: raw.wait_count[i],
            paused: raw.paused & (1 << i) != 0,
        };
        Stats {
            priorities: [priority(0), priority(1), priority(2)],
            workers: raw.workers as usize,
            workers_target: raw.workers_target as usize,
            busy_workers: raw.busy_workers as usize,
            temp_workers: raw.temp_workers as usize,
            max_temp_workers: raw.max_temp_workers as usize,
            temp_spawned: raw.temp_spawned,
            temp_retired: raw.temp_retired,
            temp_spawn_failures: raw.temp_spawn_failures,
            starvation_promotions: raw.starvation_promotions,
            parks: raw.parks,
            wakeups: raw.wakeups,
            panics,
            closed: raw.closed != 0,
            raw,
        }
    }

    /// Jobs accepted, all priorities.
    pub fn submitted(&self) -> u64 {
        self.priorities.iter().map(|p| p.submitted).sum()
    }

    /// Jobs that ran, all priorities.
    pub fn completed(&self) -> u64 {
        self.priorities.iter().map(|p| p.completed).sum()
    }

    /// Jobs discarded at shutdown, all priorities.
    pub fn discarded(&self) -> u64 {
        self.priorities.iter().map(|p| p.discarded).sum()
    }

    /// Jobs cancelled while queued, all priorities.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = wpool::Pool::new()?;
    /// assert_eq!(pool.stats().cancelled(), 0);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn cancelled(&self) -> u64 {
        self.priorities.iter().map(|p| p.cancelled).sum()
    }

    /// Jobs whose deadline passed before they started, all priorities.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Instant;
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// pool.job(Priority::Low).deadline(Instant::now()).spawn(|| ()).unwrap();
    /// pool.wait_idle()?;
    /// assert_eq!(pool.stats().expired(), 1);
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn expired(&self) -> u64 {
        self.priorities.iter().map(|p| p.expired).sum()
    }

    /// Jobs waiting in the queues now, all priorities.
    pub fn queued(&self) -> u64 {
        self.priorities.iter().map(|p| p.queued).sum()
    }

    /// The snapshot in the Prometheus text exposition format (metric names
    /// prefixed `wpool_`): the C API's text (among others
    /// `wpool_jobs_cancelled_total`, `wpool_jobs_expired_total`,
    /// `wpool_workers_target`, `wpool_paused`), plus `wpool_panics_total`.
    ///
    /// # Examples
    ///
    /// ```
    /// use wpool::{Pool, Priority};
    ///
    /// let pool = Pool::new()?;
    /// pool.pause(Priority::Low)?;
    /// let text = pool.stats().to_prometheus();
    /// assert!(text.contains("wpool_paused{priority=\"low\"} 1"), "{text}");
    /// assert!(text.contains("wpool_jobs_cancelled_total"));
    /// # Ok::<(), wpool::Error>(())
    /// ```
    pub fn to_prometheus(&self) -> String {
        let mut buf = vec![0u8; 8192];
        loop {
            // SAFETY: `raw` is a valid snapshot; buf is writable for its
            // length, which is passed as the size.
            let needed = unsafe {
                sys::wpool_stats_prometheus(&self.raw, buf.as_mut_ptr().cast(), buf.len())
            };
            let needed = usize::try_from(needed).expect("valid arguments");
            if needed < buf.len() {
                buf.truncate(needed);
                let mut text = String::from_utf8(buf).expect("the C API writes ASCII");
                // Panics are counted on the Rust side: the C text has no line for them.
                text.push_str(&format!(
                    "# HELP wpool_panics_total Jobs that panicked (caught; the pool kept running).\n\
                     # TYPE wpool_panics_total counter\n\
                     wpool_panics_total {}\n",
                    self.panics
                ));
                return text;
            }
            buf.resize(needed + 1, 0);
        }
    }
}

/// A few lines for people: the threads, then one line per priority, then
/// the rest.
///
/// ```
/// let pool = wpool::Pool::builder().workers(2).max_temp_workers(0).build()?;
/// pool.spawn(wpool::Priority::High, || ()).unwrap();
/// pool.wait_idle()?;
/// let text = pool.stats().to_string();
/// assert!(text.starts_with("workers 2 (busy 0), temporary 0 of 0"), "{text}");
/// assert!(text.contains("High   submitted 1, completed 1, discarded 0"), "{text}");
/// # Ok::<(), wpool::Error>(())
/// ```
impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "workers {}{} (busy {}), temporary {} of {} (started {}, retired {}, refused {})",
            self.workers,
            if self.workers_target == self.workers {
                String::new()
            } else {
                format!(" (resizing to {})", self.workers_target)
            },
            self.busy_workers,
            self.temp_workers,
            self.max_temp_workers,
            self.temp_spawned,
            self.temp_retired,
            self.temp_spawn_failures
        )?;
        for (prio, p) in Priority::ALL.iter().zip(&self.priorities) {
            writeln!(
                f,
                "{:<6} submitted {}, completed {}, discarded {}, cancelled {}, expired {}, \
                 rejected {}, queued {}/{}{}, running {}, wait p50 {:?} p99 {:?} max {:?}",
                format!("{prio:?}"),
                p.submitted,
                p.completed,
                p.discarded,
                p.cancelled,
                p.expired,
                p.rejected,
                p.queued,
                p.capacity,
                if p.paused { " (paused)" } else { "" },
                p.running,
                p.wait_p50,
                p.wait_p99,
                p.wait_max
            )?;
        }
        write!(
            f,
            "panics {}, starvation promotions {}, parks {}, wake-ups {}{}",
            self.panics,
            self.starvation_promotions,
            self.parks,
            self.wakeups,
            if self.closed { ", shut down" } else { "" }
        )
    }
}

impl Index<Priority> for Stats {
    type Output = PriorityStats;

    fn index(&self, prio: Priority) -> &PriorityStats {
        &self.priorities[prio.index()]
    }
}
