//! Async submitters waiting for room in a full queue: their wakers, and the
//! wake-up that every job's trampoline owes them.
//!
//! A [`SubmitAsync`](crate::SubmitAsync) that finds its queue full registers
//! its `Waker` here and tries once more; whoever frees room (a job popped to
//! run or to be discarded: `job.rs`) or closes the pool (a shutdown:
//! `pool.rs`) wakes every registered waker. The trampolines pay one fence
//! and one load per job while nobody waits: of [`WAITING`], the count of
//! registered wakers of every pool (a static, so the trampoline need not
//! find its pool's state first, a call to a thread-local's accessor); only
//! when it is nonzero do they look at their own pool's count.
//!
//! # Why no wake-up is lost
//!
//! It is the store-buffering pattern, with a `SeqCst` fence on each side:
//!
//! | registering future (`register`, then `retry_fence`) | job side (`room_freed`) |
//! |---|---|
//! | R1: `count += 1`, then `WAITING += 1` (`SeqCst`, under the lock, with the waker) | J1: the pop frees the slot (in C, before the job runs: the slot's `seq` store, release) |
//! | R2: `fence(SeqCst)` | J2: `fence(SeqCst)` |
//! | R3: the retry's look at the ring's slot (`try_submit`) | J3: load `WAITING`, then (if nonzero) `count` |
//!
//! The fences are in the single total order S of `SeqCst` operations. If R2
//! comes before J2 in S, J3 (after J2) sees R1's values or later ones of
//! `WAITING` and `count`; if J2 comes before R2, R3 (after R2) sees J1's
//! store or a later one (C++ [atomics.order], the fence-to-fence rule; the
//! accesses themselves may be relaxed). So either the retry finds the room,
//! or the job side sees both counts nonzero and wakes the waker. (The pop's
//! own store is only release, and x86 lets a later load pass an earlier
//! store: the job side's fence is needed, even there.) A later value that
//! is zero again means a drain took this waker (only a drain or the future
//! itself clears its slot), and a drain wakes what it takes. The counts
//! change only under the pool's lock, together with the slots, so a job
//! side that read `count` nonzero and then takes the lock finds the waker
//! stored with that increment (the lock's critical sections are ordered,
//! and a load cannot read a write that happens after it).

use std::sync::atomic::{self, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::task::Waker;

/// Wakers registered, all pools together: what each job's trampoline reads
/// (after its fence) to learn that nobody waits anywhere.
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// After a pop (J1) on this thread: whether any pool has a registered
/// waker. If so, the caller calls [`Waiters::wake_if_waiting`] of the pool
/// whose job it took. One fence and one load.
#[inline]
pub(crate) fn anyone_waiting() -> bool {
    // J2: orders the pop (J1) before the loads (J3).
    atomic::fence(Ordering::SeqCst);
    // J3. Relaxed: the fences order it (see the module's comment).
    WAITING.load(Ordering::Relaxed) != 0
}

/// The wakers of the futures waiting for room in one pool's queues.
pub(crate) struct Waiters {
    /// How many slots hold a waker: the only word the job side reads while
    /// nobody waits. Changed under `slots`' lock only.
    count: AtomicUsize,
    slots: Mutex<Slots>,
}

#[derive(Default)]
struct Slots {
    /// One slot per future that registered and is not finished or dropped:
    /// a drain takes the waker and leaves the slot to its future.
    wakers: Vec<Option<Waker>>,
    /// Slots no future owns, for reuse: the list never grows beyond the
    /// number of futures pending at once.
    free: Vec<usize>,
}

/// A future's registration: the index of the slot it owns, if any.
#[derive(Debug, Default)]
pub(crate) struct Registration(Option<usize>);

impl Waiters {
    pub(crate) fn new() -> Waiters {
        Waiters {
            count: AtomicUsize::new(0),
            slots: Mutex::new(Slots::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Slots> {
        // Poisoning is ignored: a critical section here leaves the slots
        // consistent even if a waker's clone panics in it (wakers are
        // dropped and woken outside the lock).
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores `waker` in the slot `reg` owns (taking a slot first if it owns
    /// none); a slot holding a waker that wakes the same task is left as is.
    /// Then fences (R1, R2 above): the caller's retry that follows is R3.
    pub(crate) fn register(&self, reg: &mut Registration, waker: &Waker) {
        let old = {
            let mut slots = self.lock();
            let index = match reg.0 {
                Some(index) => index,
                None => {
                    let index = match slots.free.pop() {
                        Some(index) => index,
                        None => {
                            slots.wakers.push(None);
                            slots.wakers.len() - 1
                        }
                    };
                    reg.0 = Some(index);
                    index
                }
            };
            let slot = &mut slots.wakers[index];
            match slot {
                Some(w) if w.will_wake(waker) => None,
                Some(w) => Some(std::mem::replace(w, waker.clone())),
                None => {
                    *slot = Some(waker.clone());
                    // R1. SeqCst, though the fence below is what the argument
                    // needs.
                    self.count.fetch_add(1, Ordering::SeqCst);
                    WAITING.fetch_add(1, Ordering::SeqCst);
                    None
                }
            }
        };
        // Dropped outside the lock: a waker's drop is foreign code.
        drop(old);
        // R2: orders R1 (this registration's, or the earlier one whose waker
        // is still in the slot) before the caller's retry.
        atomic::fence(Ordering::SeqCst);
    }

    /// Gives up the slot `reg` owns (the future finished or was dropped).
    pub(crate) fn deregister(&self, reg: &mut Registration) {
        let Some(index) = reg.0.take() else { return };
        let old = {
            let mut slots = self.lock();
            let old = slots.wakers[index].take();
            if old.is_some() {
                self.count.fetch_sub(1, Ordering::SeqCst);
                WAITING.fetch_sub(1, Ordering::SeqCst);
            }
            slots.free.push(index);
            old
        };
        drop(old);
    }

    /// Room may have been freed in this pool, and [`anyone_waiting`] said
    /// yes (its fence, J2, is before this load): wakes every registered
    /// waker of this pool, if any.
    #[cold]
    pub(crate) fn wake_if_waiting(&self) {
        // J3, for this pool. Relaxed: ordered by the fence, as WAITING's.
        if self.count.load(Ordering::Relaxed) != 0 {
            self.wake_all();
        }
    }

    /// Wakes every registered waker, taking them out of their slots (the
    /// slots stay their futures'): a shutdown, or room freed while some wait.
    #[cold]
    pub(crate) fn wake_all(&self) {
        let woken: Vec<Waker> = {
            let mut slots = self.lock();
            let woken: Vec<Waker> = slots.wakers.iter_mut().filter_map(Option::take).collect();
            self.count.fetch_sub(woken.len(), Ordering::SeqCst);
            WAITING.fetch_sub(woken.len(), Ordering::SeqCst);
            woken
        };
        // Outside the lock: a wake runs foreign code, which may poll the
        // future again (and so register) on this very thread.
        for waker in woken {
            waker.wake();
        }
    }

    /// How many slots exist (owned or free): what the list has grown to.
    #[cfg(test)]
    pub(crate) fn slots(&self) -> usize {
        self.lock().wakers.len()
    }

    /// How many wakers are registered now.
    #[cfg(test)]
    pub(crate) fn registered(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn slots_are_reused_and_wakers_replaced() {
        let waiters = Waiters::new();
        let mut a = Registration::default();
        for _ in 0..1000 {
            // A new waker each time: replaced in place, not added.
            let waker = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
            waiters.register(&mut a, &waker);
        }
        assert_eq!((waiters.slots(), waiters.registered()), (1, 1));
        let counter = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        waiters.register(&mut a, &waker);
        assert!(anyone_waiting());
        waiters.wake_if_waiting();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert_eq!((waiters.slots(), waiters.registered()), (1, 0));
        waiters.wake_if_waiting(); // nothing registered: nothing woken
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        waiters.register(&mut a, &waker);
        waiters.deregister(&mut a);
        assert_eq!((waiters.slots(), waiters.registered()), (1, 0));
        let mut b = Registration::default();
        waiters.register(&mut b, &waker);
        waiters.register(&mut a, &waker);
        assert_eq!((waiters.slots(), waiters.registered()), (2, 2));
        waiters.wake_all();
        assert_eq!(counter.0.load(Ordering::SeqCst), 3);
        waiters.deregister(&mut a);
        waiters.deregister(&mut b);
        assert_eq!((waiters.slots(), waiters.registered()), (2, 0));
    }
}
