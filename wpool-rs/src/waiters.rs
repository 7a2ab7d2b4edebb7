//! Async submitters waiting for room in a full queue: their wakers, one list
//! per priority, and the C core's `on_room` call that wakes them.
//!
//! A [`SubmitAsync`](crate::SubmitAsync) that finds its queue full registers
//! its `Waker` in the list of its priority, then asks the C core for a room
//! notice (`wpool_want_room`). The core calls [`room_made`] (the pool's
//! `wpool_config.on_room`) once three quarters of that queue are free again,
//! or when the pool shuts down (for every priority); it wakes every waker
//! registered for that priority. Jobs pay nothing for this: the consumers
//! already load `room_wanted` after every pop for the blocking submitters
//! (rule 3 of `docs/PARKING.md`), and no Rust code runs per job.
//!
//! # Why no wake-up is lost
//!
//! It is rule 3 of `docs/PARKING.md`, with a waker list in place of the
//! futex:
//!
//! | future (`poll_enqueue`) | consumer (C, after every pop: `wp_room_wake`) |
//! |---|---|
//! | R: register the waker, under the list's lock | C1: the pop's CAS on `head` |
//! | P1: `wpool_want_room` stores `room_wanted = 1` (`SeqCst`) | C2: load `room_wanted` (`SeqCst`); if set and 3/4 free, `exchange` it to 0 and call `on_room` |
//! | P2: it loads `tail` and `head` (`SeqCst`): 3/4 free returns 1 | `on_room` ([`room_made`]): takes the lock, takes the wakers, wakes them after unlocking |
//!
//! If the C2 of the pop that frees the threshold comes before P1 in the
//! single total order S of `SeqCst` operations, that pop's C1 comes before
//! P2, so `wpool_want_room` sees the room and returns 1: the future wakes
//! itself (and is polled again, and retries). Otherwise that C2 comes after
//! P1: it sees `room_wanted = 1`, or a consumer cleared it after P1 and
//! calls `on_room` itself. Either way the consumer that calls `on_room`
//! swapped `room_wanted` from 1 to 0 after P1 in S, and its lock comes after
//! R's unlock: had it locked first, its unlock would synchronize with R's
//! lock, so its exchange would happen before P1, which S (consistent with
//! happens-before) forbids. So `on_room` finds the waker, or a later one of
//! the same future (a re-registration replaces it in place).
//!
//! Registering *before* `wpool_want_room` is what makes this work: a waker
//! registered after P1 could miss the very `on_room` call that P1 asked
//! for (it may run between P1 and the registration, find the list empty and
//! clear `room_wanted`), and no further call would come until someone asks
//! again: the future would sleep forever with room available.
//!
//! `wpool_want_room` returning `WPOOL_OK` means P2 saw less than the
//! threshold free: the future tries once more (any free slot will do for a
//! push) and, if still full, returns `Pending` and waits for the call.
//! Shutdown closes every queue and then calls `on_room` for each priority;
//! a `wpool_want_room` after the close returns `WPOOL_ECLOSED`.

use std::ffi::c_void;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard};
use std::task::Waker;

use wpool_sys as sys;

use crate::priority::Priority;
use crate::thread::Shared;

/// The wakers of the futures waiting for room in one pool's queues, one list
/// per priority.
pub(crate) struct Waiters {
    lists: [Mutex<Slots>; Priority::ALL.len()],
}

#[derive(Default)]
struct Slots {
    /// One slot per future that registered and is not finished or dropped:
    /// a wake takes the waker and leaves the slot to its future.
    wakers: Vec<Option<Waker>>,
    /// Slots no future owns, for reuse: the list never grows beyond the
    /// number of futures pending at once.
    free: Vec<usize>,
}

/// A future's registration: the index of the slot it owns in its priority's
/// list, if any.
#[derive(Debug, Default)]
pub(crate) struct Registration(Option<usize>);

impl Waiters {
    pub(crate) fn new() -> Waiters {
        Waiters {
            lists: Default::default(),
        }
    }

    fn lock(&self, prio: Priority) -> MutexGuard<'_, Slots> {
        // Poisoning is ignored: a critical section here leaves the slots
        // consistent even if a waker's clone panics in it (wakers are
        // dropped and woken outside the lock).
        self.lists[prio.index()]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Stores `waker` in the slot `reg` owns in the list of `prio` (taking a
    /// slot first if it owns none); a slot holding a waker that wakes the
    /// same task is left as is. This is R of the module's comment: the
    /// caller asks for the room notice (`wpool_want_room`) only after it.
    pub(crate) fn register(&self, prio: Priority, reg: &mut Registration, waker: &Waker) {
        let old = {
            let mut slots = self.lock(prio);
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
                _ => slot.replace(waker.clone()),
            }
        };
        // Dropped outside the lock: a waker's drop is foreign code.
        drop(old);
    }

    /// Gives up the slot `reg` owns in the list of `prio` (the future
    /// finished or was dropped).
    pub(crate) fn deregister(&self, prio: Priority, reg: &mut Registration) {
        let Some(index) = reg.0.take() else { return };
        let old = {
            let mut slots = self.lock(prio);
            slots.free.push(index);
            slots.wakers[index].take()
        };
        drop(old);
    }

    /// Wakes every waker registered for `prio`, taking them out of their
    /// slots (the slots stay their futures'): room was made in that queue,
    /// or it closed.
    pub(crate) fn wake(&self, prio: Priority) {
        let woken: Vec<Waker> = {
            let mut slots = self.lock(prio);
            slots.wakers.iter_mut().filter_map(Option::take).collect()
        };
        // Outside the lock: a wake runs foreign code, which may poll the
        // future again (and so register) on this very thread. Each on its
        // own: one waker that panics does not keep the others asleep.
        for waker in woken {
            if panic::catch_unwind(AssertUnwindSafe(|| waker.wake())).is_err() {
                eprintln!("wpool: a waker panicked while woken for room; the panic was dropped");
            }
        }
    }

    /// How many slots the list of `prio` has (owned or free): what it has
    /// grown to.
    #[cfg(test)]
    pub(crate) fn slots(&self, prio: Priority) -> usize {
        self.lock(prio).wakers.len()
    }

    /// How many wakers are registered for `prio` now.
    #[cfg(test)]
    pub(crate) fn registered(&self, prio: Priority) -> usize {
        self.lock(prio).wakers.iter().flatten().count()
    }
}

/// The pool's `wpool_config.on_room`: room was made in the queue of `prio`
/// (three quarters of it free) after a `wpool_want_room`, or the pool shut
/// down. Runs on a worker between two jobs, or on the thread shutting the
/// pool down; wakes the wakers of that priority and returns (never blocks
/// beyond the list's lock, never unwinds into C).
///
/// # Safety
///
/// `ctx` is the pool's [`Shared`] (`Shared::install_hooks`), alive until
/// `wpool_destroy` returned.
pub(crate) unsafe extern "C" fn room_made(ctx: *mut c_void, prio: sys::wpool_priority) {
    // SAFETY: the caller's contract: C passes room_ctx, which is the
    // pool's Shared, freed only after wpool_destroy returned.
    let shared = unsafe { &*ctx.cast_const().cast::<Shared>() };
    let prio = Priority::ALL.into_iter().find(|p| p.raw() == prio);
    // Nothing in `wake` should panic (each waker's wake is caught there),
    // but nothing may unwind into C either.
    let woke = panic::catch_unwind(AssertUnwindSafe(|| match prio {
        Some(prio) => shared.waiters.wake(prio),
        // Not a priority of ours (C never does this): wake everyone, who
        // will retry.
        None => Priority::ALL
            .into_iter()
            .for_each(|p| shared.waiters.wake(p)),
    }));
    if woke.is_err() {
        eprintln!("wpool: waking async submitters panicked; that panic was dropped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
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
        const P: Priority = Priority::Normal;
        let waiters = Waiters::new();
        let mut a = Registration::default();
        for _ in 0..1000 {
            // A new waker each time: replaced in place, not added.
            let waker = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
            waiters.register(P, &mut a, &waker);
        }
        assert_eq!((waiters.slots(P), waiters.registered(P)), (1, 1));
        let counter = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        waiters.register(P, &mut a, &waker);
        // Another priority's wake leaves this one's wakers alone.
        waiters.wake(Priority::Low);
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        waiters.wake(P);
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert_eq!((waiters.slots(P), waiters.registered(P)), (1, 0));
        waiters.wake(P); // nothing registered: nothing woken
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        waiters.register(P, &mut a, &waker);
        waiters.deregister(P, &mut a);
        assert_eq!((waiters.slots(P), waiters.registered(P)), (1, 0));
        let mut b = Registration::default();
        waiters.register(P, &mut b, &waker);
        waiters.register(P, &mut a, &waker);
        assert_eq!((waiters.slots(P), waiters.registered(P)), (2, 2));
        waiters.wake(P);
        assert_eq!(counter.0.load(Ordering::SeqCst), 3);
        waiters.deregister(P, &mut a);
        waiters.deregister(P, &mut b);
        assert_eq!((waiters.slots(P), waiters.registered(P)), (2, 0));
    }

    #[test]
    fn a_panicking_waker_does_not_keep_the_others_asleep() {
        struct Boom;
        impl Wake for Boom {
            fn wake(self: Arc<Self>) {
                panic!("boom");
            }
        }
        const P: Priority = Priority::High;
        let waiters = Waiters::new();
        let (mut a, mut b) = (Registration::default(), Registration::default());
        waiters.register(P, &mut a, &Waker::from(Arc::new(Boom)));
        let counter = Arc::new(Count(AtomicUsize::new(0)));
        waiters.register(P, &mut b, &Waker::from(counter.clone()));
        waiters.wake(P);
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        waiters.deregister(P, &mut a);
        waiters.deregister(P, &mut b);
    }
}
