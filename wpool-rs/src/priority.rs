//! `Priority`: the three levels of work, and their C values; `OsPriority`:
//! where the regular workers run in the operating system's scheduler.

use wpool_sys as sys;

/// A job's priority. Workers take High before Normal before Low, FIFO within
/// a level (unless a [starvation bound](crate::Builder::starvation_bound)
/// promotes old work).
///
/// ```
/// use wpool::Priority;
/// assert_eq!(Priority::ALL, [Priority::High, Priority::Normal, Priority::Low]);
/// assert_eq!(Priority::default(), Priority::Normal);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Priority {
    /// Urgent work: runs first, and on temporary workers when every worker
    /// is busy.
    High,
    /// Ordinary work.
    #[default]
    Normal,
    /// Bulk work: runs when nothing more urgent waits.
    Low,
}

impl Priority {
    /// Every priority, most urgent first (the index order of per-priority
    /// arrays).
    pub const ALL: [Priority; 3] = [Priority::High, Priority::Normal, Priority::Low];

    /// The index of this priority in per-priority arrays: High 0, Normal 1, Low 2.
    ///
    /// ```
    /// assert_eq!(wpool::Priority::Low.index(), 2);
    /// ```
    pub fn index(self) -> usize {
        self as usize
    }

    pub(crate) fn raw(self) -> sys::wpool_priority {
        match self {
            Priority::High => sys::WPOOL_HIGH,
            Priority::Normal => sys::WPOOL_NORMAL,
            Priority::Low => sys::WPOOL_LOW,
        }
    }
}

/// The operating system's scheduling priority of the regular workers, which
/// run the bulk of Normal and Low work ([`Builder::worker_os_priority`]).
/// Temporary workers, which run High jobs only, always run at the priority
/// of the thread that built the pool, so the OS gives urgent work the CPU
/// ahead of bulk work instead of an equal share of it.
///
/// | level | Linux (per thread) | macOS (QoS class) | Windows thread |
/// |---|---|---|---|
/// | `Inherit` | as the building thread | as created | `NORMAL` |
/// | `Below` | nice + 10 (at most 19) | `UTILITY` | `BELOW_NORMAL` |
/// | `Lowest` (default) | nice 19 | `UTILITY` | `LOWEST` |
/// | `Idle` | `SCHED_IDLE` | `BACKGROUND` | `IDLE` |
///
/// A worker gets its level once, as it starts: an unprivileged Linux thread
/// may lower its priority but never raise it back. FreeBSD and other systems
/// without an unprivileged per-thread control run every level as `Inherit`.
/// Below normal priority, bulk work also yields to every other thread of
/// the machine: where other processes keep the CPUs busy, Normal and Low
/// work can crawl (`Idle`: stop). Choose `Inherit` where that matters more
/// than High latency.
///
/// [`Builder::worker_os_priority`]: crate::Builder::worker_os_priority
///
/// ```
/// use wpool::OsPriority;
/// assert_eq!(OsPriority::default(), OsPriority::Lowest);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum OsPriority {
    /// As the thread that builds the pool.
    Inherit,
    /// A little below: Linux nice + 10, macOS `UTILITY`, Windows `BELOW_NORMAL`.
    Below,
    /// The lowest normal priority: Linux nice 19, macOS `UTILITY`, Windows
    /// `LOWEST`. The default (the README's "OS priority" section has the
    /// measurements).
    #[default]
    Lowest,
    /// Only when nothing else runs: Linux `SCHED_IDLE`, macOS `BACKGROUND`,
    /// Windows `IDLE`.
    Idle,
}

impl OsPriority {
    pub(crate) fn raw(self) -> sys::wpool_os_priority {
        match self {
            OsPriority::Inherit => sys::WPOOL_OS_PRIORITY_INHERIT,
            OsPriority::Below => sys::WPOOL_OS_PRIORITY_BELOW,
            OsPriority::Lowest => sys::WPOOL_OS_PRIORITY_LOWEST,
            OsPriority::Idle => sys::WPOOL_OS_PRIORITY_IDLE,
        }
    }
}
