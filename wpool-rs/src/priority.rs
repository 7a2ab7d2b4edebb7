//! `Priority`: the three levels of work, and their C values.

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
